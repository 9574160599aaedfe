"""Writing files so that a reader (or a crash) never sees half of one; plain TSV and JSON.

Every file phylo writes goes through :func:`atomic_path`: the data goes to a temporary
file in the same folder, which then replaces the target in one ``os.replace``, so the
target holds the old content or the new, never a mix. :func:`atomic_write` is the
common case (text or bytes in memory); ``atomic_path`` itself serves libraries that
write by file name (matplotlib's ``savefig``, ``torch.save``).

Permissions follow the umask, as with ``open()``: ``mkstemp`` makes its file readable
by its owner only (0600), which would keep a web server from serving a dashboard or
report written this way, so the file gets ``0666 & ~umask`` before it replaces the
target.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

_umask_lock = threading.Lock()


def _file_mode() -> int:
    """``0o666`` less the process umask (read by setting it and putting it back at once)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path: str | Path, durable: bool = False):
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    ``durable`` also flushes the data to disk before the rename (the results store
    wants that: a power cut must not leave a renamed but empty file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.fchmod(fd, _file_mode())
    os.close(fd)
    try:
        yield Path(tmp)
        if durable:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write(path: str | Path, data: str | bytes, durable: bool = False) -> None:
    """Write text (UTF-8, newlines as given) or bytes to ``path`` atomically."""
    with atomic_path(path, durable) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(data)


def tsv_text(rows: list[dict], columns: list[str]) -> str:
    """Rows as tab-separated text with a header; tabs/newlines inside values become spaces."""
    return _table_text(rows, columns, "\t")


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """As tsv_text, comma-separated (quoted where needed), for spreadsheets."""
    return _table_text(rows, columns, ",")


def _table_text(rows: list[dict], columns: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def read_tsv(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def write_json(path: str | Path, data) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
