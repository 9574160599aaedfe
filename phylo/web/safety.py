"""Address safety: which hosts a fetch may connect to."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from phylo.errors import EntryError


def check_address(url: str, s: dict) -> None:
    """Refuse hosts that resolve to private, loopback or link-local addresses."""
    if s["allow_private"]:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EntryError("connection-error", f"cannot resolve host {host}; check the URL") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise EntryError("blocked-address", f"{host} resolves to {ip}, a private or local address; refused because allow_private is off")

