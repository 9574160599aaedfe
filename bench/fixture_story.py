"""Score `phylo run` on a fixture story against its true lineage (fixtures/*/lineage.json).

    python bench/fixture_story.py OUT_DIR [fixtures/harbor-bridge]

OUT_DIR is the output folder of a finished run on that story's urls.txt. Prints the tree
scores, then each article's verdict and source from lineage.tsv beside the truth.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phylo.engine.files import read_tsv  # noqa: E402
from phylo.sim.scores import grouping_recall, lineage_right, source_accuracy, tree_neighbour_accuracy  # noqa: E402


def truth_by_label(out_dir: Path, story: Path) -> dict[str, dict]:
    """The truth in the run's labels (matched through the urls.txt entry): label ->
    ``{"kind", "parent"}``; a parent missing from the run keeps its id."""
    rows = {r["url"]: r["label"] for r in read_tsv(out_dir / "articles.tsv") if r["label"]}
    articles = json.loads((story / "lineage.json").read_text())["articles"]
    label_of = {a["id"]: rows.get(a["entry"]) for a in articles if a.get("entry")}
    out = {}
    for a in articles:
        if label_of.get(a["id"]):
            parent = a["parent"] and (label_of.get(a["parent"]) or a["parent"])
            kind = a.get("kind") or ("copy" if a["parent"] else "original")
            out[label_of[a["id"]]] = {"kind": kind, "parent": parent}
    return out


def fixture_texts(out_dir: Path, story: Path) -> dict[str, str]:
    """Label -> the article's prose (texts/<id>.txt), so a verbatim copy of the true source counts."""
    rows = {r["url"]: r["label"] for r in read_tsv(out_dir / "articles.tsv") if r["label"]}
    out = {}
    for a in json.loads((story / "lineage.json").read_text())["articles"]:
        path = story / "texts" / f"{a['id']}.txt"
        if rows.get(a.get("entry")) and path.exists():
            out[rows[a["entry"]]] = path.read_text(encoding="utf-8").split("\n", 1)[-1]  # without the title
    return out


def main(out_dir: str, story: str = "fixtures/harbor-bridge") -> None:
    out, story_dir = Path(out_dir), Path(story)
    truth = truth_by_label(out, story_dir)
    parents = {label: t["parent"] for label, t in truth.items()}
    table = read_tsv(out / "articles.tsv")
    dates = {r["label"]: r["published"] or None for r in table if r["label"]}
    newick = (out / "tree.nwk").read_text().strip()
    print(f"articles: {len(truth)}")
    print(f"tree neighbour = true source: {tree_neighbour_accuracy(newick, dates, parents):.3f}")
    print(f"true groupings in the tree:   {grouping_recall(newick, parents):.3f}")
    lineage = [r | {"source": r["source"] or None} for r in read_tsv(out / "lineage.tsv")]
    print(f"inferred source correct:      {source_accuracy(lineage, parents):.3f}")
    texts = fixture_texts(out, story_dir)
    right = [lineage_right(r, truth[r["label"]], texts) for r in lineage if r["label"] in truth]
    print(f"verdict and source right:     {sum(right) / len(right):.3f}\n")
    print("article | truth | verdict | source | confidence | ok")
    for row, ok in zip([r for r in lineage if r["label"] in truth], right):
        t = truth[row["label"]]
        print(f"{row['label']} | {t['kind']} of {t['parent'] or '-'} | {row.get('verdict', '')} | "
              f"{row['source'] or '-'} | {row.get('confidence', '')} | {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
