"""The news pipeline against a misbehaving web, and against being killed mid-run.

Every fault of the real web gets its own entry in one list served from 127.0.0.1: the run
completes, each bad entry has its reason in articles.tsv, the good articles are in the
tree, and a rerun fetches again exactly the entries that failed.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

from webserver import Response

from phylo.engine.files import read_tsv
from phylo.trees.build import from_newick

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "tiny" / "pages"
STAR = ROOT / "fixtures" / "harbor-bridge" / "pages" / "star.html"
QUICK = ["--set", "fetch.read_timeout=0.5", "--set", "fetch.deadline=6", "--set", "fetch.retries=1",
         "--set", "fetch.backoff=0.01", "--set", "fetch.backoff_max=0.05", "--set", "fetch.retry_after_max=2",
         "--set", "fetch.rate_per_host=0", "--set", "fetch.host_concurrency=8"]


def phylo(*args):
    return subprocess.run([sys.executable, "-m", "phylo", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def page(name: str) -> bytes:
    return (TINY / f"{name}.html").read_bytes()


def serve_faults(web) -> dict[str, str]:
    """path -> the status its entry must end with."""
    web.page("/good/root", page("t-root"))
    web.page("/good/copy", page("t-copy"))
    web.page("/good/reword", page("t-reword"))
    web.sequence("/retry-after", [Response(b"busy", 429, "text/plain", {"Retry-After": "1"}),
                                  Response(page("t-trimadd"))])
    web.sequence("/flaky", [Response(b"oops", 500, "text/plain"), Response(page("t-trimadd"))])
    web.fault("/slow-first-byte", "slow-first-byte", seconds=5, body=page("t-root"))
    web.fault("/stalled-body", "stall-body", seconds=5, body=page("t-root"))
    web.fault("/reset", "reset")
    web.fault("/truncated", "truncated", body=page("t-root"))
    web.redirect("/loop-a", "/loop-b")
    web.redirect("/loop-b", "/loop-a")
    web.fault("/huge", "huge", size=20_000_000)
    web.page("/binary", b"%PDF-1.7\n" + bytes(range(256)) * 40, content_type="text/html")
    web.page("/wrong-charset", STAR.read_bytes(), content_type="text/html; charset=utf-8")
    web.page("/malformed", page("t-reword").replace(b"</p>", b"").replace(b"</div>", b"<div><span>"))
    web.page("/empty", b"")
    return {
        "/good/root": "ok", "/good/copy": "ok", "/good/reword": "ok", "/retry-after": "ok", "/flaky": "ok",
        "/slow-first-byte": "timeout", "/stalled-body": "timeout", "/reset": "connection-error",
        "/truncated": "truncated", "/loop-a": "redirect-loop", "/huge": "too-large", "/binary": "not-html",
        "/wrong-charset": "ok", "/malformed": "ok", "/empty": "empty",
    }


def test_every_fault_gets_its_reason_and_a_rerun_refetches_only_failures(tmp_path, web):
    expected = serve_faults(web)
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(web.url(p) for p in expected) + "\n")
    out = tmp_path / "out"
    res = phylo("run", urls, "--out", out, "--no-progress", *QUICK)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    rows = {r["url"].removeprefix(web.url("/")[:-1]): r for r in read_tsv(out / "articles.tsv")}
    assert {p: rows[p]["status"] for p in expected} == expected
    for p, status in expected.items():
        if status != "ok":
            assert rows[p]["message"], p  # each reason comes with what to do
    good = {rows[p]["label"] for p, s in expected.items() if s == "ok"}
    assert {t.name for t in from_newick((out / "tree.nwk").read_text()).tips()} == good
    assert "\ufffd" not in rows["/wrong-charset"]["title"]

    before = {p: web.hits(p) for p in expected}
    res = phylo("run", urls, "--out", out, "--no-progress", *QUICK)
    assert res.returncode == 0, res.stderr
    for p, status in expected.items():
        again = web.hits(p) - before[p]
        assert (again == 0) if status == "ok" else (again >= 1), (p, status, again)


OUTPUTS = ["tree.nwk", "articles.tsv", "sequences.fasta", "distances.tsv", "distances.phy", "lineage.tsv",
           "lineage.nwk", "tree.svg", "report.html"]


def run_until(out: Path, marker: str, args: list[str]) -> None:
    """Start a run and SIGKILL it as soon as ``out/marker`` exists (or when it ends)."""
    proc = subprocess.Popen([sys.executable, "-m", "phylo", "run", *args, "--out", str(out), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while proc.poll() is None and not (out / marker).exists() and time.time() < deadline:
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_killed_at_any_stage_then_rerun_gives_the_same_outputs(tmp_path):
    args = [str(ROOT / "fixtures" / "tiny" / "urls.txt"), "--bootstrap", "3"]
    reference = tmp_path / "reference"
    assert phylo("run", *args, "--out", reference, "--no-progress").returncode == 0
    # kill points: analysis under way (articles.tsv written), outputs half written (tree.svg there)
    for marker in ("articles.tsv", "tree.svg"):
        out = tmp_path / f"killed-at-{marker}"
        run_until(out, marker, args)
        res = phylo("run", *args, "--out", out, "--no-progress")
        assert res.returncode == 0, res.stderr
        for name in OUTPUTS:
            assert (out / name).read_bytes() == (reference / name).read_bytes(), (marker, name)
