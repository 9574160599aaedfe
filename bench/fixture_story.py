"""Score `phylo run` on a fixture story against its true lineage (fixtures/*/lineage.json).

    python bench/fixture_story.py OUT_DIR [fixtures/harbor-bridge]

OUT_DIR is the output folder of a finished run on that story's urls.txt.
"""

import json
import sys
from pathlib import Path

from phylo.sim.scores import grouping_recall, source_accuracy, tree_neighbour_accuracy
from phylo.engine.files import read_tsv


def truth_by_label(out_dir: Path, story: Path) -> dict[str, str | None]:
    """The true parent map, in the run's labels (matched through the urls.txt entry)."""
    rows = {r["url"]: r["label"] for r in read_tsv(out_dir / "articles.tsv") if r["label"]}
    articles = json.loads((story / "lineage.json").read_text())["articles"]
    label_of = {a["id"]: rows.get(a["entry"]) for a in articles}
    return {label_of[a["id"]]: (label_of[a["parent"]] if a["parent"] else None)
            for a in articles if label_of[a["id"]]}


def main(out_dir: str, story: str = "fixtures/harbor-bridge") -> None:
    out, story_dir = Path(out_dir), Path(story)
    truth = truth_by_label(out, story_dir)
    table = read_tsv(out / "articles.tsv")
    dates = {r["label"]: r["published"] or None for r in table if r["label"]}
    newick = (out / "tree.nwk").read_text().strip()
    print(f"articles: {len(truth)}")
    print(f"tree neighbour = true source: {tree_neighbour_accuracy(newick, dates, truth):.3f}")
    print(f"true groupings in the tree:   {grouping_recall(newick, truth):.3f}")
    lineage_path = out / "lineage.tsv"
    if lineage_path.exists():
        lineage = [{"label": r["label"], "source": r["source"] or None} for r in read_tsv(lineage_path)]
        print(f"inferred source correct:      {source_accuracy(lineage, truth):.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
