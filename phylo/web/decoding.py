"""From response bytes to a decoded page: content types, binary sniffing, character sets."""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timezone

from phylo.errors import EntryError

# Content types we accept; anything else (PDF, images, feeds...) is "not-html".
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = HTML_TYPES | {"text/plain"}

# Signatures of binary files that some servers send as text/html.
BINARY_MAGIC = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x1f\x8b": "a gzip archive",
}



def parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """``text/html; charset=UTF-8`` -> ("text/html", "UTF-8"). Never guesses ISO-8859-1."""
    if not header:
        return None, None
    mime, _, params = header.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return mime.strip().lower() or None, match.group(1) if match else None



def check_type_before_reading(url: str, headers, accept=TEXT_TYPES) -> None:
    """Refuse a response whose declared type is not in ``accept``, before reading its body."""
    mime, _ = parse_content_type(headers.get("Content-Type"))
    if mime is None or mime in accept:
        return
    if accept is TEXT_TYPES:
        raise EntryError("not-html", f"{url} is {mime}, not a web page; phylo reads HTML and plain text only")
    raise EntryError("wrong-type", f"{url} is {mime}, expected one of {', '.join(sorted(accept))}")


def make_page(url: str, final_url: str, status: int, mime: str | None, charset: str | None, body: bytes) -> dict:
    """Check the body is a non-empty text page and decode it."""
    if not body.strip():
        raise EntryError("empty", f"{final_url} is empty; check the URL or save the page again")
    if mime is not None and mime not in TEXT_TYPES:
        raise EntryError("not-html", f"{final_url} is {mime}, not a web page; phylo reads HTML and plain text only")
    _check_not_binary(final_url, body)
    mime = mime or ("text/html" if body.lstrip()[:1] == b"<" else "text/plain")
    encoding = choose_encoding(body, charset, sniff_meta=mime in HTML_TYPES)
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    return {
        "url": url,
        "final_url": final_url,
        "status_code": status,
        "content_type": mime,
        "encoding": encoding,
        "html": text,
        "fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from_cache": False,
    }


def _check_not_binary(where: str, body: bytes) -> None:
    for magic, what in BINARY_MAGIC.items():
        if body.startswith(magic):
            raise EntryError("not-html", f"{where} is {what}, not a web page")
    head = body[:2048]
    # UTF-16 text has NUL bytes but starts with a BOM; other NULs mean binary data.
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EntryError("not-html", f"{where} is binary data, not a web page")


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def choose_encoding(body: bytes, header_charset: str | None = None, sniff_meta: bool = True) -> str:
    """The encoding to decode ``body`` with: BOM, HTTP header, ``<meta>``, then detection.

    We never use requests' ``response.encoding``: it says ISO-8859-1 for any text/*
    without a charset, which would hide a ``<meta charset=windows-1252>``.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    candidates = [header_charset]
    if sniff_meta:
        match = _META_CHARSET.search(body[:4096])
        candidates.append(match.group(1).decode("ascii") if match else None)
    for label in candidates:
        name = _codec_name(label)
        if name:
            return name
    return _detect(body)


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    # Browsers read latin-1 and ASCII labels as windows-1252 (WHATWG Encoding), and so do pages.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


def _detect(body: bytes) -> str:
    try:
        body.decode("utf-8")
        return "utf-8"  # valid UTF-8 (ASCII included) is almost never anything else
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return _codec_name(best.encoding if best else None) or "utf-8"
