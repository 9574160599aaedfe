"""Read a URL list (``urls.txt``): one web page or saved file per line.

Each entry becomes a plain dict::

    {"line": 3, "entry": "saved/story.html", "kind": "file", "target": "/abs/path/saved/story.html",
     "key": "/abs/path/saved/story.html"}

``target`` is what ``phylo.web.fetch`` reads; ``key`` says which entries are one article:
for a URL it is ``canonical_url(target)``, so a copy of a link that differs only by
tracking parameters (``?utm_source=...``) or their order is the same article. The
monitor keys its items with the same function.

A line that is neither a usable URL nor an existing file is still returned, with
``"error"`` (a status slug) and ``"message"``, so one bad line never sinks a run.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from phylo.errors import InputError

DEFAULT_PORTS = {"http": 80, "https": 443}
# "example.com/story" (no scheme) is a common slip; we say so instead of guessing.
_BARE_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.I)
FILE_SUFFIXES = {".html", ".htm", ".xhtml", ".txt"}
_INLINE_COMMENT = re.compile(r"\s+#.*$")


def read_entries(list_path: str | Path) -> list[dict]:
    """Parse a URL list; relative paths are relative to the list's folder."""
    path = Path(list_path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read URL list {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"URL list {path} is not UTF-8 text; save it as UTF-8") from None
    base = path.resolve().parent
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _INLINE_COMMENT.sub("", raw).strip()
        if line and not line.startswith("#"):
            entries.append(parse_entry(line, base, number))
    return entries


def parse_entry(text: str, base_dir: str | Path | None = None, line: int = 0) -> dict:
    """One entry (a URL, a ``file://`` URL or a path) as a dict; see the module docstring."""
    entry = {"line": line, "entry": text}
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError as exc:  # e.g. "http://[::1": an unclosed IPv6 bracket
        return {**entry, "kind": "url", "target": text, "error": "bad-url",
                "message": f"not a valid URL: {text} ({exc}); check the line"}
    if scheme in ("http", "https"):
        return {**entry, "kind": "url", **_url_target(text)}
    if scheme == "file":
        return {**entry, "kind": "file", **_file_target(Path(url2pathname(urlsplit(text).path)), None)}
    if len(scheme) > 1:  # ftp:, mailto:... (one letter would be a Windows drive)
        return {**entry, "kind": "url", "target": text, "error": "bad-url",
                "message": f"unsupported URL {text}: only http(s) URLs and local files can be read"}
    result = _file_target(Path(text).expanduser(), base_dir)
    if result.get("error") == "file-not-found" and _looks_like_host(text.split("/")[0]):
        return {**entry, "kind": "url", "target": text, "error": "bad-url",
                "message": f"{text} is not a file and has no scheme: write https://{text} if it is a web page"}
    return {**entry, "kind": "file", **result}


def _looks_like_host(first_part: str) -> bool:
    return bool(_BARE_HOST.match(first_part)) and Path(first_part).suffix.lower() not in FILE_SUFFIXES


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port and the #fragment, '/' for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc += f":{parts.port}"
    if parts.username:
        credentials = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{credentials}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def canonical_url(url: str) -> str:
    """The key two links to one article share: no tracking parameters, fragment or host case.

    Tracking parameters are the ones ``courlan`` (trafilatura's URL library) strips:
    ``utm_*``, ``fbclid``, ``gclid``, ``ref``, ``mc_cid``...; the others are kept, sorted.

    >>> canonical_url("HTTPS://Example.ORG:443/a?utm_source=x&id=3&fbclid=y#top")
    'https://example.org/a?id=3'
    >>> canonical_url("https://example.org/a?b=2&a=1") == canonical_url("https://example.org/a?a=1&b=2&utm_medium=rss")
    True
    """
    from courlan.clean import normalize_url as courlan_normalize

    parts = urlsplit(normalise_url(url))
    query = urlsplit(courlan_normalize(urlunsplit(("http", "h", "/", parts.query, "")))).query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _url_target(text: str) -> dict:
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or " " in text:
        return {"target": text, "error": "bad-url", "message": f"not a valid URL: {text}"}
    target = normalise_url(text)
    return {"target": target, "key": canonical_url(target)}


def _file_target(path: Path, base_dir: str | Path | None) -> dict:
    if not path.is_absolute():
        path = Path(base_dir or Path.cwd()) / path
    path = path.resolve()
    if path.is_dir():
        return {"target": str(path), "error": "not-a-file", "message": f"{path} is a folder, not a saved page"}
    if not path.is_file():
        return {"target": str(path), "error": "file-not-found",
                "message": f"no such file: {path}; check the path"}
    return {"target": str(path), "key": str(path)}
