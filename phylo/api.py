"""``phylo.analyze``: the news pipeline from Python, for notebooks.

It runs exactly what ``phylo run urls.txt --out DIR`` runs: the same stages
(``pipelines.news.STAGES``), the same defaults (read from the options ``phylo run``
declares, so the two cannot drift apart), the same results store (``DIR/.phylo/store``,
so a rerun resumes and a folder made by ``phylo run`` is reused), and it writes the same
output folder. What comes back holds the results as the objects analysts use::

    >>> import phylo
    >>> result = phylo.analyze("fixtures/harbor-bridge/urls.txt", out="out/harbor")   # doctest: +SKIP
    >>> result.lineage[["label", "verdict", "source", "share_taken"]]                  # doctest: +SKIP

``docs/api.md`` has a worked example (run by the tests).

This module sits at the top layer, beside the command line: it runs a pipeline.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from phylo.errors import InputError


@dataclass
class Analysis:
    """One story's results. ``articles`` and ``lineage`` are pandas DataFrames (the rows
    of articles.tsv with each article's ``text``, and of lineage.csv); ``tree`` is a
    scikit-bio ``TreeNode``; ``distances`` a scikit-bio ``DistanceMatrix``; ``out`` the
    output folder. ``lineage_rows`` keeps the lineage as the library gives it (nested
    ``evidence`` and ``secondary_sources``)."""

    out: Path
    table: list[dict] = field(repr=False)
    tree_info: dict = field(repr=False)
    distance_data: dict = field(repr=False)
    lineage_rows: list[dict] = field(repr=False)

    @property
    def articles(self):
        import pandas as pd

        from phylo.report.files import ARTICLE_COLUMNS

        columns = [*ARTICLE_COLUMNS, "text"]
        return pd.DataFrame([{c: r.get(c) for c in columns} for r in self.table], columns=columns)

    @property
    def lineage(self):
        import pandas as pd

        from phylo.report.graph import CSV_COLUMNS, lineage_records

        return pd.DataFrame(lineage_records(self.lineage_rows, self.table), columns=CSV_COLUMNS)

    @property
    def newick(self) -> str:
        return self.tree_info["newick"]

    @property
    def tree(self):
        from phylo.trees.build import from_newick

        return from_newick(self.newick)

    @property
    def distances(self):
        from phylo.align.scikit_bio import DistanceMatrix

        return DistanceMatrix(self.distance_data["matrix"], self.distance_data["labels"])

    def graph(self):
        """The lineage as a ``networkx.DiGraph`` (what lineage.graphml holds)."""
        from phylo.report.graph import lineage_graph

        return lineage_graph(self.lineage_rows, self.table)

    def report(self, path: str | os.PathLike) -> Path:
        """Write the explorer page (report.html) to ``path``; returns the path."""
        from phylo.report.html import write_report

        write_report(path, table=self.table, tree=self.tree_info, dm=self.distances, lineage=self.lineage_rows)
        return Path(path)


def analyze(entries, out: str | os.PathLike | None = None, *, store: str | os.PathLike | None = None,
            executor: str = "local", workers: int | None = None, force: bool = False,
            progress: bool | None = None, settings: dict | None = None, **options) -> Analysis:
    """Run the news pipeline on one story and return its results (an :class:`Analysis`).

    ``entries``: the path of a urls.txt (as ``phylo run`` takes), or a list of URLs and
    local files (relative paths are relative to the current folder). ``out``: the output
    folder (default: a new temporary folder); rerunning into the same folder resumes.
    ``store``, ``executor``, ``workers``, ``force``, ``progress``: as ``phylo run``'s
    ``--store``, ``--executor``, ``--workers``, ``--force``, ``--no-progress``.
    ``settings``: fetch/extract settings, e.g. ``{"fetch.retries": 1}`` (``--set``).
    ``options``: the news options by their Python names, e.g. ``aligner="mafft"``,
    ``bootstrap=100``, ``nw_mode="full"``, ``root="midpoint"`` (``phylo run --help``).
    """
    from phylo.engine.executors import make_executor
    from phylo.engine.runner import run_pipeline
    from pipelines import news

    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="phylo-"))
    args = _news_args(options, settings or {})
    params = news.params_from_args(args)
    urls_list = _urls_list(entries, out)
    result = run_pipeline(
        "news", news.STAGES, {"urls_list": str(urls_list), "out_dir": str(out.resolve())}, params, out,
        store_dir=store, executor=make_executor(executor, workers), force=force, progress=progress,
        packages=news.PACKAGES,
    )
    values = result.values
    return Analysis(out=out, table=values["table"], tree_info=values["tree"], distance_data=values["distances"],
                    lineage_rows=values["lineage"])


def _news_args(options: dict, settings: dict):
    """``phylo run``'s parsed options with no flags given (its defaults), then ``options``."""
    import argparse

    from pipelines import news

    parser = argparse.ArgumentParser(add_help=False)
    news.register(parser)
    args = parser.parse_args([])
    known = sorted(k for k in vars(args) if k != "stories")
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)} for phylo.analyze; the news options are: "
                         f"{', '.join(known)}")
    for name, value in options.items():
        setattr(args, name, value)
    args.set = [f"{key}={json.dumps(value)}" for key, value in settings.items()]
    return args


def _urls_list(entries, out: Path) -> Path:
    """The urls.txt to run: the one given, or one written (under ``out/.phylo``) from a list."""
    if isinstance(entries, (str, os.PathLike)):
        return Path(entries).resolve()
    entries = [str(e) for e in entries]
    if not entries:
        raise InputError("phylo.analyze needs articles: a urls.txt path or a list of URLs and files")
    lines = [e if "://" in e else str(Path(e).expanduser().resolve()) for e in entries]
    path = out / ".phylo" / "inputs.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# the entries given to phylo.analyze\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path.resolve()
