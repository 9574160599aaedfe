"""The tables and sequence files of a run's output folder (the output contract, README)."""

from __future__ import annotations

from pathlib import Path

from phylo.engine.files import atomic_write, tsv_text

#: lineage.tsv: the columns before verdicts first, in their order (readers of the old file,
#: and the monitor's story folders, keep working), then the verdict and its evidence.
LINEAGE_COLUMNS = ["label", "source", "identity", "confidence", "containment", "verdict", "secondary_sources",
                   "shared_passages", "longest_passage", "share_taken", "unseen_group", "note"]
ARTICLE_COLUMNS = ["label", "url", "final_url", "title", "site", "published", "chars", "status", "message"]


def lineage_cells(rows: list[dict]) -> list[dict]:
    """Lineage rows (``phylo.trees.lineage.table_lineage``) as lineage.tsv cells:
    ``secondary_sources`` as "label:0.31;label:0.12", the evidence as ``shared_passages``
    (count), ``longest_passage`` (words) and ``share_taken`` (share of the article in them).
    Rows from before verdicts (no ``verdict``, no ``evidence``) give empty cells."""
    out = []
    for row in rows:
        evidence = row.get("evidence") or {}
        cells = dict(row)
        cells["secondary_sources"] = ";".join(f"{s['label']}:{s['share']:.2f}" for s in row.get("secondary_sources") or [])
        cells["shared_passages"] = evidence.get("passages")
        cells["longest_passage"] = evidence.get("longest_words")
        cells["share_taken"] = evidence.get("share")
        out.append(cells)
    return out


def write_articles(path: str | Path, rows: list[dict]) -> None:
    atomic_write(path, tsv_text(rows, ARTICLE_COLUMNS))


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
