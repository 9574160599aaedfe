"""Score article-text extractors on hand-made pages: token precision, recall and F1.

    python bench/extraction.py            # table for every page in bench/pages/
    python bench/extraction.py --check    # also exit 1 if phylo's mean F1 drops below FLOOR_F1
    python bench/extraction.py --fixtures # the fixture stories' pages against their texts/*.txt

The fixture pages were written by another engineer than the extractor's rules, so they are
the fairer test (their texts' first line, the headline, is left out of the truth).

Each ``bench/pages/NAME.html`` has a hand-checked ``NAME.txt`` with the true article text
(paragraphs, subheadings and list items; no headline, byline, captions, pull quotes, ads,
related links or comments). Extractors compared:

  phylo         phylo.web.fetch + phylo.web.extract, as the pipeline runs them
  trafilatura   plain ``trafilatura.extract(html)`` with its default settings
  readability   the ``readability-lxml`` package (a port of Arc90 Readability), if installed

Scores are over lower-cased word tokens counted as multisets: precision = shared / extracted,
recall = shared / true. An extractor that fails on a page scores 0 there.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "bench" / "pages"
FLOOR_F1 = 0.95  # phylo's mean F1 was 0.987 when this was set; lower it only on purpose

sys.path.insert(0, str(ROOT))


def phylo_text(path: Path) -> str:
    from phylo.errors import EntryError
    from phylo.web.extract import extract
    from phylo.web.fetch import fetch

    try:
        page = fetch({"kind": "file", "target": str(path), "entry": str(path), "line": 0})
        return extract(page)["text"]
    except EntryError:
        return ""


def trafilatura_text(path: Path) -> str:
    import trafilatura

    return trafilatura.extract(path.read_bytes()) or ""  # bytes: trafilatura finds the charset


def readability_text(path: Path) -> str:
    from bs4 import BeautifulSoup
    from readability import Document

    summary = Document(path.read_bytes()).summary(html_partial=True)
    return BeautifulSoup(summary, "lxml").get_text(" ")


def available_extractors() -> dict:
    extractors = {"phylo": phylo_text, "trafilatura": trafilatura_text}
    try:
        import readability  # noqa: F401  (readability-lxml)

        extractors["readability"] = readability_text
    except ImportError:
        print("readability-lxml is not installed: pip install readability-lxml to compare with it", file=sys.stderr)
    return extractors


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def score(extracted: str, truth: str) -> tuple[float, float, float]:
    got, want = tokens(extracted), tokens(truth)
    shared = sum((got & want).values())
    precision = shared / sum(got.values()) if got else 0.0
    recall = shared / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help=f"exit 1 if phylo's mean F1 < {FLOOR_F1}")
    parser.add_argument("--fixtures", action="store_true",
                        help="score the fixture stories' pages (fixtures/*/pages) against their texts")
    args = parser.parse_args(argv)

    extractors = available_extractors()
    if args.fixtures:
        pages = sorted(ROOT.glob("fixtures/*/pages/*.html"))
        truth_of = {p: "\n".join((p.parent.parent / "texts" / f"{p.stem}.txt").read_text(encoding="utf-8")
                                 .split("\n")[1:]) for p in pages}
    else:
        pages = sorted(PAGES.glob("*.html"))
        truth_of = {p: p.with_suffix(".txt").read_text(encoding="utf-8") for p in pages}
    results = {name: [] for name in extractors}
    header = f"{'page':<22}" + "".join(f"{name + ' P / R / F1':>28}" for name in extractors)
    print(header)
    print("-" * len(header))
    for page in pages:
        truth = truth_of[page]
        row = f"{page.stem:<22}"
        for name, extractor in extractors.items():
            p, r, f = score(extractor(page), truth)
            results[name].append((p, r, f))
            row += f"{p:>12.3f} {r:>6.3f} {f:>6.3f}  "
        print(row)
    print("-" * len(header))
    mean_row = f"{'mean':<22}"
    for name in extractors:
        means = [sum(values) / len(values) for values in zip(*results[name])]
        mean_row += f"{means[0]:>12.3f} {means[1]:>6.3f} {means[2]:>6.3f}  "
    print(mean_row)

    phylo_f1 = sum(f for _, _, f in results["phylo"]) / len(pages)
    if args.check and phylo_f1 < FLOOR_F1:
        print(f"phylo mean F1 {phylo_f1:.3f} is below the floor {FLOOR_F1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
