"""`phylo run` end to end: offline fixtures, pages on a real local server, failures, resume."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from Bio import SeqIO

from phylo.align.encoding import decode
from phylo.engine.files import read_tsv
from phylo.trees.build import from_newick

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "tiny"
STORY = ROOT / "fixtures" / "harbor-bridge"
CONTRACT = ["tree.nwk", "articles.tsv", "sequences.fasta", "distances.tsv", "distances.phy",
            "tree.svg", "tree.png", "report.html", "run.json"]


def phylo(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "phylo", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def leaves(out: Path) -> set[str]:
    return {t.name for t in from_newick((out / "tree.nwk").read_text()).tips()}


def test_offline_fixture_run_writes_the_whole_output_contract(tmp_path):
    out = tmp_path / "out"
    res = phylo("run", TINY / "urls.txt", "--out", out, "--no-progress")
    assert res.returncode == 0, res.stderr
    for name in CONTRACT:
        assert (out / name).stat().st_size > 0, name
    rows = read_tsv(out / "articles.tsv")
    assert [r["url"] for r in rows] == ["pages/t-root.html", "pages/t-copy.html", "pages/t-reword.html",
                                        "pages/t-trimadd.html"]
    assert all(r["status"] == "ok" for r in rows)
    labels = {r["label"] for r in rows}
    assert len(labels) == 4 and leaves(out) == labels
    seqs = {rec.id: str(rec.seq) for rec in SeqIO.parse(out / "sequences.fasta", "fasta")}
    assert set(seqs) == labels
    first = rows[0]
    decoded = decode(seqs[first["label"]])
    assert len(seqs[first["label"]]) == 3 * len(decoded)  # one codon per kept character
    assert decoded == decoded.upper() and len(decoded) > 0.9 * int(first["chars"])
    matrix = (out / "distances.tsv").read_text().splitlines()
    assert len(matrix) == 5 and all(len(line.split("\t")) == 5 for line in matrix)
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "ok" and record["parameters"]["aligner"] == "nw"
    assert {"pages", "articles", "distances", "tree"} <= set(record["timings"])
    assert res.stdout.count("-") > 4  # the ASCII tree


def test_identical_copy_is_nearest_to_its_source(tmp_path):
    out = tmp_path / "out"
    assert phylo("run", TINY / "urls.txt", "--out", out, "--no-progress").returncode == 0
    labels = {r["url"]: r["label"] for r in read_tsv(out / "articles.tsv")}
    tree = from_newick((out / "tree.nwk").read_text())
    dist = tree.tip_tip_distances()
    root, copy = labels["pages/t-root.html"], labels["pages/t-copy.html"]
    others = [labels[u] for u in labels if labels[u] not in (root, copy)]
    assert all(dist[root, copy] < dist[root, o] for o in others)


def test_rerun_loads_stored_results_and_gives_the_same_tree(tmp_path):
    out = tmp_path / "out"
    assert phylo("run", TINY / "urls.txt", "--out", out, "--no-progress").returncode == 0
    first = (out / "tree.nwk").read_text()
    assert phylo("run", TINY / "urls.txt", "--out", out, "--no-progress").returncode == 0
    timings = json.loads((out / "run.json").read_text())["timings"]
    assert timings["pages"]["cached"] == 4 and timings["pages"]["computed"] == 0
    assert timings["distances"]["cached"] == 1
    assert (out / "tree.nwk").read_text() == first
    assert phylo("run", TINY / "urls.txt", "--out", out, "--no-progress", "--force").returncode == 0
    assert json.loads((out / "run.json").read_text())["timings"]["pages"]["computed"] == 4


def test_pages_served_over_http_with_bad_entries(tmp_path, web):
    """The acceptance check: a 404, a PDF, a redirect, a windows-1252 page and a duplicate."""
    for name in ("t-root", "t-copy", "t-reword", "t-trimadd"):
        web.page(f"/news/{name}", (TINY / "pages" / f"{name}.html").read_bytes())
    web.redirect("/short/copy", "/news/t-copy", status=301)
    star = (STORY / "pages" / "star.html").read_bytes()
    web.page("/star", star, content_type="text/html")  # charset only in <meta http-equiv>
    web.page("/gone", "no such page", status=404)
    web.page("/report.pdf", b"%PDF-1.4 binary", content_type="application/pdf")
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([
        "# served from 127.0.0.1", web.url("/news/t-root"), web.url("/short/copy"),
        web.url("/news/t-reword"), web.url("/news/t-trimadd"), web.url("/star"), web.url("/gone"),
        web.url("/report.pdf"), web.url("/news/t-root"), "missing-file.html", "",
    ]))
    out = tmp_path / "out"
    res = phylo("run", urls, "--out", out, "--no-progress", "--rate", "0")
    assert res.returncode == 0, res.stderr
    rows = read_tsv(out / "articles.tsv")
    assert len(rows) == 9
    status = {r["url"].replace(web.url("/"), "/"): r for r in rows if r["status"] != "duplicate"}
    assert status["/gone"]["status"] == "http-404"
    assert status["/report.pdf"]["status"] == "not-html"
    assert status["missing-file.html"]["status"] == "file-not-found"
    assert [r["status"] for r in rows].count("duplicate") == 1
    assert status["/short/copy"]["final_url"] == web.url("/news/t-copy")
    assert status["/star"]["status"] == "ok"
    good = {r["label"] for r in rows if r["status"] == "ok"}
    assert len(good) == 5 and leaves(out) == good
    assert web.hits("/news/t-root") == 1  # listed twice, fetched once
    for bad in ("/gone", "/report.pdf", "missing-file.html"):
        assert bad in res.stderr  # each failure summarised on stderr
    assert "Traceback" not in res.stderr


def test_windows_1252_meta_page_decodes(tmp_path, web):
    star = (STORY / "pages" / "star.html").read_bytes()
    web.page("/star", star, content_type="text/html")
    res = phylo("extract", web.url("/star"), "--json")
    assert res.returncode == 0, res.stderr
    text = json.loads(res.stdout)["text"]
    assert "Renée Duchâtel" in text or "Duchâtel" in text
    assert "\ufffd" not in text


def test_too_few_articles_exits_1_and_keeps_the_table(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{TINY / 'pages' / 't-root.html'}\n{TINY / 'pages' / 't-copy.html'}\nnope.html\n")
    out = tmp_path / "out"
    res = phylo("run", urls, "--out", out, "--no-progress")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1].startswith("ERROR: only 2 usable article(s)")
    assert "Traceback" not in res.stderr
    assert len(read_tsv(out / "articles.tsv")) == 3
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


@pytest.mark.parametrize("args, words", [
    (["run", "no-such-list.txt", "--out", "x"], "no-such-list.txt"),
    (["run", "--out", "x"], "urls.txt"),
    (["run", "fixtures/tiny/urls.txt"], "--out"),
    (["run", "fixtures/tiny/urls.txt", "--out", "x", "--aligner", "blast"], "--aligner"),
])
def test_usage_errors_are_one_line_exit_2(tmp_path, args, words):
    res = phylo(*[str(tmp_path / "x") if a == "x" else a for a in args])
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR") and words in lines[0]


def test_mafft_aligner_writes_msa(tmp_path):
    out = tmp_path / "out"
    res = phylo("run", TINY / "urls.txt", "--out", out, "--no-progress", "--aligner", "mafft")
    assert res.returncode == 0, res.stderr
    msa = list(SeqIO.parse(out / "msa.fasta", "fasta"))
    assert len(msa) == 4 and len({len(r.seq) for r in msa}) == 1
    assert leaves(out) == {r.id for r in msa}


def test_killed_during_fetching_resumes_fetching_only_missing_pages(tmp_path, web):
    names = [f"p{i}" for i in range(8)]
    page = (TINY / "pages" / "t-root.html").read_text()
    for name in names:
        web.fault(f"/{name}", "slow-first-byte", seconds=0.4, body=page.replace("</h1>", f" {name}</h1>"))
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(web.url(f"/{n}") for n in names))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "phylo", "run", str(urls), "--out", str(out), "--no-progress",
           "--executor", "serial", "--rate", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while sum(web.hits(f"/{n}") for n in names) < 4 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {n: web.hits(f"/{n}") for n in names}
    assert 4 <= sum(before.values()) < len(names)
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    after = {n: web.hits(f"/{n}") - before[n] for n in names}
    refetched = [n for n in names if before[n] and after[n]]
    assert len(refetched) <= 1  # only the page in flight at the kill, if any
    assert all(before[n] + after[n] >= 1 for n in names)
    assert len(leaves(out)) == 8


def test_bootstrap_puts_support_on_branches_and_lineage_is_written(tmp_path):
    import re

    out = tmp_path / "out"
    res = phylo("run", TINY / "urls.txt", "--out", out, "--no-progress", "--bootstrap", "4")
    assert res.returncode == 0, res.stderr
    newick = (out / "tree.nwk").read_text()
    supports = [int(s) for s in re.findall(r"\)(\d+):", newick)]
    assert supports and all(0 <= s <= 100 for s in supports)
    assert json.loads((out / "run.json").read_text())["timings"]["replicates"]["items"] == 4
    lineage = read_tsv(out / "lineage.tsv")
    labels = {r["url"]: r["label"] for r in read_tsv(out / "articles.tsv")}
    source = {r["label"]: r["source"] for r in lineage}
    assert source[labels["pages/t-copy.html"]] == labels["pages/t-root.html"]
    assert source[labels["pages/t-root.html"]] == ""
    assert (out / "lineage.nwk").exists() and (out / "lineage.svg").exists()


def test_stories_mode_splits_a_mixed_list_into_one_tree_per_story(tmp_path):
    urls = tmp_path / "urls.txt"
    entries = [str(p) for p in sorted((TINY / "pages").glob("*.html"))] + \
        [str(p) for p in sorted((STORY / "pages").glob("*.html"))]
    urls.write_text("\n".join(entries) + "\n")
    out = tmp_path / "out"
    res = phylo("run", urls, "--out", out, "--no-progress", "--stories")
    assert res.returncode == 0, res.stderr
    labels = {r["url"]: r["label"] for r in read_tsv(out / "articles.tsv")}
    tiny, harbor = {labels[e] for e in entries[:4]}, {labels[e] for e in entries[4:]}
    stories = [{t.name for t in from_newick(p.read_text()).tips()} for p in (out / "stories").glob("*.nwk")]
    assert harbor in stories  # all 13 pages of one story, rewordings included, in one tree
    assert all(s <= tiny or s <= harbor for s in stories)  # no story mixes the two
    assert max(int(r["size"]) for r in read_tsv(out / "forest.tsv")) == 13


def long_form_story(folder: Path) -> dict[str, str]:
    """A 300k-character article, another one, a 2k excerpt and a nearly whole copy, as
    dated pages of one outlet (``phylo.sim.story.render_page``); returns name -> text."""
    import random

    from phylo.sim.story import Language, paragraphs_of, render_page

    rng = random.Random(3)
    lang = Language(rng)

    def paragraphs(chars):
        return [" ".join(p) for p in paragraphs_of(lang, rng, chars)]

    original, other = paragraphs(300_000), paragraphs(300_000)
    excerpt = original[400:409]
    copy = original[:200] + paragraphs(600) + original[200:700] + original[712:]  # one added, twelve cut
    outlet = {"name": "Long Reads", "template": 1, "related": ["Related story"], "comments": ["A comment."]}
    texts = {}
    for hour, (name, paras) in enumerate((("original", original), ("other", other), ("excerpt", excerpt),
                                          ("copy", copy))):
        texts[name] = "\n\n".join(paras)
        article = {"title": f"The {name} article", "text": texts[name], "published": f"2024-05-0{1 + hour}T08:00:00Z"}
        (folder / f"{name}.html").write_text(render_page(article, outlet), encoding="utf-8")
    (folder / "urls.txt").write_text("".join(f"{name}.html\n" for name in texts))
    return texts


def test_long_form_articles_of_any_length_land_in_the_tree(tmp_path):
    long_form_story(tmp_path)
    out = tmp_path / "out"
    res = phylo("run", tmp_path / "urls.txt", "--out", out, "--no-progress")
    assert res.returncode == 0, res.stderr
    rows = {Path(r["url"]).stem: r for r in read_tsv(out / "articles.tsv")}
    assert all(r["status"] == "ok" for r in rows.values())
    assert int(rows["original"]["chars"]) > 299_000 and 1_000 < int(rows["excerpt"]["chars"]) < 3_000
    assert leaves(out) == {r["label"] for r in rows.values()}
    o, c, x, e = (rows[k]["label"] for k in ("original", "copy", "other", "excerpt"))
    lineage = {r["label"]: r for r in read_tsv(out / "lineage.tsv")}
    assert lineage[c]["source"] == lineage[e]["source"] == o
    assert float(lineage[c]["identity"]) > 0.95  # 12 of 1,200 paragraphs cut, one added
    assert lineage[x]["source"] in ("", None)  # the other article copied nothing
