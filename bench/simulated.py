"""Simulated stories through phylo's real stages, for bench/accuracy.py and bench/calibrate_lineage.py.

``run_story(story)`` writes the story's pages (phylo.sim.story.write_story), then fetches,
extracts and aligns them as ``phylo run`` does, and returns what the lineage needs and the
truth in the run's labels.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phylo.align.encoding import encode  # noqa: E402
from phylo.sim.story import write_story  # noqa: E402
from pipelines import news  # noqa: E402


def extracted(story: dict, folder: Path) -> list[dict]:
    """Run the real collecting stages on the story's pages; return the article table."""
    urls = write_story(story, folder)
    entries = news.read_list(str(urls))
    targets = news.distinct_targets(entries)
    pages = [news.fetch_page(t, {"robots": False}) for t in targets]
    articles = [news.extract_article(p, {}) for p in pages]
    return news.make_table(entries, targets, articles)


def run_story(story: dict, aligner: str = "nw", unit: str = "codon") -> dict:
    """``{"labels", "texts", "dates", "sites", "identity", "matrix", "truth", "plain", "table"}``.

    ``truth``: label -> ``{"kind", "parent"}`` (the parent's label, or the id of an original
    missing from the list); ``plain``: label (and missing original's id) -> the text without
    outlet boilerplate, for ``phylo.sim.scores.lineage_right``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        table = extracted(story, Path(tmp))
    ok = [r for r in table if r["status"] == "ok"]
    labels = [r["label"] for r in ok]
    by_entry = {f"pages/{a['id']}.html": a for a in story["articles"]}
    label_of = {by_entry[r["url"]]["id"]: r["label"] for r in ok}
    truth = {label_of[a["id"]]: {"kind": a["kind"], "parent": label_of.get(a["parent"], a["parent"])}
             for a in story["articles"] if a["id"] in label_of}
    plain = {label_of.get(a["id"], a["id"]): a.get("body", a["text"]) for a in story["articles"] + story.get("hidden", [])}
    aligned = news.align_all({label: encode(r["text"]) for label, r in zip(labels, ok)}, aligner, unit, "jc", "auto")
    return {"labels": labels, "texts": [r["text"] for r in ok], "dates": {r["label"]: r.get("published") for r in ok},
            "sites": [r.get("site") for r in ok], "identity": aligned["identity"], "matrix": aligned["matrix"],
            "truth": truth, "plain": plain, "table": table}
