"""How long one bad server holds a run up: ``phylo run`` on 10 good pages and 7 faults, as a whole process.

    python bench/fetch_faults.py                 # this checkout, default fetch settings
    python bench/fetch_faults.py --executor dask --workers 4

A loopback server (tests/webserver.py) serves ten fixture pages of the harbour-bridge
story and, from the same host, the faults a real list meets: a first byte that takes
40 s, a redirect loop, a 20 MB page, a 429 with ``Retry-After: 3`` (then the page), a
connection reset, a 404 and a PDF. The run uses the shipped fetch settings (30 s read
timeout, 3 retries, 1 request per second per host). It prints the wall time, the status
of every entry and whether each matches what it must be; target: under 60 s with every
status right (before this bench existed the same list took 125 s: the slow page was
tried four times at full length).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60
GOOD = ["bayside", "coastline", "courier", "gazette", "herald", "ledger", "npa-wire", "pulse", "star", "wave"]


def serve(web) -> dict[str, str]:
    """Routes on ``web``; returns path -> the status its entry must end with."""
    from webserver import Response

    pages = ROOT / "fixtures" / "harbor-bridge" / "pages"
    expected = {}
    for name in GOOD:
        web.page(f"/news/{name}", (pages / f"{name}.html").read_bytes(), content_type="text/html")
        expected[f"/news/{name}"] = "ok"
    web.fault("/slow", "slow-first-byte", seconds=40, body=(pages / "wave-update.html").read_bytes())
    web.redirect("/loop-a", "/loop-b")
    web.redirect("/loop-b", "/loop-a")
    web.fault("/huge", "huge", size=20_000_000)
    web.sequence("/busy", [Response(b"busy", 429, "text/plain", {"Retry-After": "3"}),
                           Response((pages / "sift-courier.html").read_bytes())])
    web.fault("/reset", "reset")
    web.page("/gone", "no such page", status=404)
    web.page("/report.pdf", b"%PDF-1.4 binary", content_type="application/pdf")
    expected |= {"/slow": "timeout", "/loop-a": "redirect-loop", "/huge": "too-large", "/busy": "ok",
                 "/reset": "connection-error", "/gone": "http-404", "/report.pdf": "not-html"}
    return expected


def main(argv: list[str] | None = None) -> int:
    from phylo.engine.files import read_tsv
    from webserver import WebServer

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--executor", default="local")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    web = WebServer().start()
    try:
        expected = serve(web)
        with tempfile.TemporaryDirectory() as tmp:
            urls = Path(tmp) / "urls.txt"
            urls.write_text("\n".join(web.url(path) for path in expected) + "\n")
            command = [sys.executable, "-m", "phylo", "run", str(urls), "--out", str(Path(tmp) / "out"),
                       "--no-progress", "--executor", args.executor]
            if args.workers:
                command += ["--workers", str(args.workers)]
            start = time.monotonic()
            result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            seconds = time.monotonic() - start
            out = Path(tmp) / "out"
            rows = read_tsv(out / "articles.tsv") if (out / "articles.tsv").exists() else []
            timings = json.loads((out / "run.json").read_text())["timings"] if (out / "run.json").exists() else {}
    finally:
        web.stop()
    got = {row["url"].removeprefix(web.url("/")[:-1]): row["status"] for row in rows}
    wrong = 0
    for path, status in expected.items():
        mark = "ok " if got.get(path) == status else "BAD"
        wrong += mark == "BAD"
        print(f"{mark} {path:<16} {got.get(path, '-'):<18} (expected {status})")
    fetching = sum(timings.get(stage, {}).get("seconds", 0) for stage in ("pages", "articles"))
    print(f"fetch and extract stages: {fetching:.1f} s; the rest of the run: {seconds - fetching:.1f} s")
    print(f"exit status {result.returncode}; {seconds:.1f} s wall (target < {TARGET_SECONDS} s); "
          f"{wrong} entries with the wrong status")
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
    return int(wrong > 0 or seconds >= TARGET_SECONDS or result.returncode != 0)


if __name__ == "__main__":
    raise SystemExit(main())
