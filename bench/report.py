"""How big is report.html and how fast does it open? Targets: under 5 MB, ready in under 2 s.

    python bench/report.py [--articles 14 60 120] [--loads 5] [--seed 7]

For each size a story is simulated (phylo.sim.story, five outlets) and run end to end with
``phylo run`` as a user runs it (a separate process); 14 is the bundled story's size, 60
the target, 120 past it, to show where the page stops meeting the target. Then a fresh
headless Chromium (tests/browser.py) opens the report ``--loads`` times; "ready" is the
time from the start of navigation until the page's script has drawn both figures and
applied the filters (``document.body.dataset.readyMs``, read from performance.now()), so
it includes parsing the inlined Bokeh library and the data. Console errors are counted.
Exit status 1 when a 60-article report misses a target. Record ``uptime`` with the numbers:
the load average moves them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium, console_errors  # noqa: E402
from phylo.sim.story import simulate_story, write_story  # noqa: E402

SIZE_LIMIT = 5_000_000
READY_LIMIT_MS = 2000


def build(articles: int, seed: int, folder: Path) -> Path:
    urls = write_story(simulate_story(articles, seed=seed), folder / f"story-{articles}")
    out = folder / f"out-{articles}"
    res = subprocess.run([sys.executable, "-m", "phylo", "run", str(urls), "--out", str(out), "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"phylo run failed for {articles} articles:\n{res.stderr}")
    return out / "report.html"


def open_times(report: Path, loads: int) -> tuple[list[int], int]:
    times, errors = [], 0
    with chromium() as driver:
        for _ in range(loads):
            driver.get(report.as_uri())
            for _ in range(600):
                if driver.execute_script("return document.body.dataset.ready"):
                    break
                time.sleep(0.02)
            if driver.execute_script("return document.body.dataset.ready") != "1":
                raise SystemExit(f"{report} did not become ready: {console_errors(driver)}")
            times.append(int(driver.execute_script("return document.body.dataset.readyMs")))
            errors += len(console_errors(driver))
    return times, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[14, 60, 120])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    failed = False
    print("| articles | report.html | ready, median | ready, slowest | console errors |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.articles:
            report = build(n, args.seed, Path(tmp))
            size = report.stat().st_size
            times, errors = open_times(report, args.loads)
            print(f"| {n} | {size / 1e6:.2f} MB | {statistics.median(times)} ms | {max(times)} ms | {errors} |")
            if n == 60 and (size >= SIZE_LIMIT or statistics.median(times) >= READY_LIMIT_MS or errors):
                failed = True
    print(f"targets at 60 articles: under {SIZE_LIMIT / 1e6:.0f} MB, ready under {READY_LIMIT_MS} ms, no errors: "
          f"{'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
