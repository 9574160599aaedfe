"""Address safety: which hosts a fetch may connect to, checked where the connection is made.

With ``allow_private`` off (the monitor's default: links in feeds are untrusted), a host
must resolve to public addresses only. Checking a name and then letting the HTTP
library resolve it again would let a name answer a public address to the check and a
private one to the connection (DNS rebinding), so the check runs twice:

* ``check_address(url, s)`` before a request, for a clear early error, and
* ``checked_address(host, port)`` inside the connection itself (``phylo.web.http``
  installs it in urllib3), which resolves once, checks every answer and returns the
  address to connect to: the connection goes to the address that was checked.

IPv6 addresses that carry an IPv4 address (IPv4-mapped, NAT64 ``64:ff9b::/96``, 6to4,
IPv4-compatible) are judged by the IPv4 address inside them.
"""

from __future__ import annotations

import ipaddress
import socket
from contextlib import contextmanager
from urllib.parse import urlsplit

from phylo.errors import EntryError

_NAT64 = ipaddress.ip_network("64:ff9b::/96")        # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use prefix: never public
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")       # deprecated ::a.b.c.d

_resolver = socket.getaddrinfo


@contextmanager
def use_resolver(resolve):
    """Resolve host names with ``resolve`` (same signature as ``socket.getaddrinfo``) inside the block.

    For tests that need a name server with a given behaviour (e.g. one that answers a
    public address, then a loopback one); everything else uses the system's.
    """
    global _resolver
    previous, _resolver = _resolver, resolve
    try:
        yield
    finally:
        _resolver = previous


def check_address(url: str, s: dict) -> None:
    """Refuse hosts that resolve to private, loopback or link-local addresses."""
    if s["allow_private"]:
        return
    parts = urlsplit(url)
    checked_address(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def checked_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: resolved once, every answer public, else ``blocked-address``."""
    try:
        infos = _resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EntryError("connection-error", f"cannot resolve host {host}; check the URL") from None
    if not infos:
        raise EntryError("connection-error", f"cannot resolve host {host}; check the URL")
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not is_public(ip):
            raise EntryError("blocked-address", f"{host} resolves to {ip}, a private or local address; "
                                                "refused because allow_private is off")
    return infos[0][4][0]


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, judged by the IPv4 address an IPv6 one embeds."""
    if ip.version == 6:
        if ip in _NAT64_LOCAL:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _NAT64 or ip in _IPV4_COMPATIBLE) and int(ip) > 1:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return ip.is_global and not ip.is_multicast
