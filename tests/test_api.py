"""phylo.analyze gives what phylo run gives, and docs/api.md runs as written."""

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import phylo
from phylo.engine.files import read_tsv
from phylo.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "fixtures" / "harbor-bridge"


def test_analyze_gives_the_same_results_as_phylo_run_on_the_bundled_story(tmp_path):
    cli, api = tmp_path / "cli", tmp_path / "api"  # two folders, two stores: each computes everything
    res = subprocess.run([sys.executable, "-m", "phylo", "run", str(STORY / "urls.txt"), "--out", str(cli),
                          "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    result = phylo.analyze(STORY / "urls.txt", out=api, progress=False)

    expected = read_tsv(cli / "lineage.tsv")
    assert read_tsv(api / "lineage.tsv") == expected
    frame = result.lineage
    assert list(frame["label"]) == [r["label"] for r in expected]
    assert list(frame["source"].fillna("")) == [r["source"] for r in expected]
    for column in ("identity", "confidence", "containment"):
        cli_values = np.array([float(r[column]) if r[column] else np.nan for r in expected])
        assert np.allclose(frame[column].to_numpy(dtype=float), cli_values, atol=5e-5, equal_nan=True)
    assert result.newick + "\n" == (cli / "tree.nwk").read_text()
    assert result.tree.count(tips=True) == 14
    matrix = read_tsv(cli / "distances.tsv")
    assert list(result.distances.ids) == [r[""] for r in matrix]
    assert np.allclose(result.distances.data, [[float(r[label]) for label in result.distances.ids] for r in matrix],
                       atol=5e-5)
    assert list(result.articles["label"]) == [r["label"] for r in read_tsv(cli / "articles.tsv")]
    assert (api / "report.html").exists() and (api / "lineage.graphml").exists()


def test_import_phylo_stays_light_and_analyze_is_loaded_on_use():
    code = ("import sys, phylo; assert 'pipelines' not in sys.modules and 'pandas' not in sys.modules; "
            "phylo.analyze; assert 'phylo.api' in sys.modules; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.stdout.strip() == "ok", res.stderr
    with pytest.raises(AttributeError):
        phylo.no_such_thing


def test_an_unknown_option_is_named_with_the_known_ones(tmp_path):
    with pytest.raises(InputError, match=r"unknown option\(s\) alligner .*aligner"):
        phylo.analyze(["a.html", "b.html", "c.html"], out=tmp_path / "out", alligner="mafft")
    assert not (tmp_path / "out").exists()  # nothing was run


def test_the_docs_example_runs_as_written(tmp_path, monkeypatch):
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    monkeypatch.chdir(tmp_path)  # the example's paths are relative to the repository root
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0
    assert (tmp_path / "out" / "tiny" / "explorer.html").stat().st_size > 100_000
