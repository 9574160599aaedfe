"""``phylo run``'s fetch and extract stages end to end: one article per canonical URL, the extractor recorded."""

import subprocess
import sys
from pathlib import Path

from phylo.engine.files import read_tsv

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "tiny" / "pages"


def phylo(*args):
    return subprocess.run([sys.executable, "-m", "phylo", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_a_copy_of_a_link_with_tracking_parameters_is_one_article(tmp_path, web):
    for name in ("t-root", "t-copy", "t-reword", "t-trimadd"):
        web.page(f"/news/{name}", (TINY / f"{name}.html").read_bytes())
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([
        web.url("/news/t-root"), web.url("/news/t-copy"),
        web.url("/news/t-root?utm_source=newsletter&utm_medium=email"), web.url("/news/t-reword"),
        web.url("/news/t-trimadd?fbclid=IwAR0abc"),
    ]) + "\n")
    out = tmp_path / "out"
    res = phylo("run", urls, "--out", out, "--no-progress", "--rate", "0")
    assert res.returncode == 0, res.stderr
    rows = read_tsv(out / "articles.tsv")
    assert [r["status"] for r in rows] == ["ok", "ok", "duplicate", "ok", "ok"]
    assert "line 1" in rows[2]["message"]
    assert web.hits("/news/t-root") == 1
    assert {r["extractor"] for r in rows if r["status"] == "ok"} == {"phylo"}
    assert rows[2]["extractor"] == ""
