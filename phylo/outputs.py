"""Writers for the files of a run's output folder (see the output contract in the README)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

LINEAGE_COLUMNS = ["label", "source", "identity", "confidence", "containment", "note"]
ARTICLE_COLUMNS = ["label", "url", "final_url", "title", "site", "published", "chars", "status", "message"]


def atomic_write(path: str | Path, text: str) -> None:
    """Write text so a reader (or a crash) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tsv_text(rows: list[dict], columns: list[str]) -> str:
    """Rows as tab-separated text with a header; tabs/newlines inside values become spaces."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
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


def write_articles(path: str | Path, rows: list[dict]) -> None:
    atomic_write(path, tsv_text(rows, ARTICLE_COLUMNS))


def read_tsv(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def fasta_text(sequences: dict[str, str], width: int = 80) -> str:
    """FASTA with wrapped lines (Bio.SeqIO's layout), headers = labels."""
    from io import StringIO

    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    buf = StringIO()
    records = [SeqRecord(Seq(seq), id=label, description="") for label, seq in sequences.items()]
    SeqIO.write(records, buf, "fasta")
    return buf.getvalue()


def write_json(path: str | Path, data) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
