"""The tables and sequence files of a run's output folder (the output contract, README)."""

from __future__ import annotations

from pathlib import Path

from phylo.engine.files import atomic_write, tsv_text

#: lineage.tsv: the columns before verdicts first, in their order (readers of the old file,
#: and the monitor's story folders, keep working), then the verdict and its evidence
#: (cells: ``phylo.report.verdicts.flat_row``).
LINEAGE_COLUMNS = ["label", "source", "identity", "confidence", "containment", "verdict", "secondary_sources",
                   "shared_passages", "longest_passage", "share_taken", "unseen_group", "note"]
# kept: the share of the article's characters the encoding writes (phylo.align.encoding.kept_share);
# extractor: which path of phylo.web.extract's chain produced the text (phylo, trafilatura, ...)
ARTICLE_COLUMNS = ["label", "url", "final_url", "title", "site", "published", "chars", "kept", "status",
                   "extractor", "message"]


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
