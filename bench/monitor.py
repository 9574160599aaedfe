"""A simulated day of news through ``phylo monitor``: time per batch, database size, grouping quality.

The simulation: ``--stories`` stories (default 100), each a root text plus copies, about
21 articles a story (>= 2,000 in all). A copy is made from an earlier article of its
story (the root or another copy, so lineages branch and chain) by substituting words,
dropping and adding sentences and sometimes cutting the end. Every text also carries
stock phrases shared by all stories ("the mayor said on Monday that ..."), so stories
overlap a little, as real news does. Articles appear over 24 hours; each hour the
monitor runs once (a batch) over 8 RSS feeds served from a local HTTP server on
127.0.0.1, each feed listing its items of the last three hours.

Reported: seconds per batch (the whole ``run_once``: feeds, fetch, extract, store,
group, align, lineage, story folders, dashboard), the database size, and the pairwise
precision and recall of the story grouping against the simulation's truth.

    python bench/monitor.py                 # the full day (~2,100 articles)
    python bench/monitor.py --stories 10    # a quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phylo.monitor import config as monitor_config  # noqa: E402
from phylo.monitor.run import describe, run_once  # noqa: E402

DAY = datetime(2024, 3, 12, tzinfo=timezone.utc)
FEEDS = 8
STOCK = ["the mayor said on monday that", "according to a statement released by the ministry",
         "officials did not respond to a request for comment", "the company said in a filing that",
         "police said the investigation is continuing", "it was not immediately clear whether",
         "this is a developing story and will be updated", "residents told reporters that they were worried"]


# ---------------------------------------------------------------- the simulated day

def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    letters = "abcdefghijklmnoprstuvwy"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size)]


def sentence(rng, vocab) -> list[str]:
    words = [vocab[min(int(rng.paretovariate(0.9)) - 1, len(vocab) - 1)] if rng.random() < 0.3
             else rng.choice(vocab) for _ in range(rng.randint(10, 22))]
    if rng.random() < 0.25:  # stock phrases shared across stories
        words = rng.choice(STOCK).split() + words
    return words


def copy_of(parent: list[list[str]], rng, vocab) -> list[list[str]]:
    """A copy with edits: word substitutions, dropped and added sentences, sometimes a cut end."""
    out = []
    rate = rng.uniform(0.01, 0.08)
    for s in parent:
        if rng.random() < 0.06:
            continue  # sentence dropped
        out.append([rng.choice(vocab) if rng.random() < rate else w for w in s])
        if rng.random() < 0.05:
            out.append(sentence(rng, vocab))  # a sentence of the copier's own
    if rng.random() < 0.2:
        out = out[: max(4, int(len(out) * rng.uniform(0.6, 0.9)))]  # cut short
    if out == parent:
        out[0] = out[0] + [rng.choice(vocab)]  # every copy differs: no two texts are equal
    return out


def simulate(stories: int, seed: int) -> list[dict]:
    """Articles with text, story, site, publication time, in order of publication."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    sites = [f"site{n:02d}.example" for n in range(60)]
    articles = []
    for story in range(stories):
        start = rng.uniform(0, 20)  # hour the story breaks
        texts = [[sentence(rng, vocab) for _ in range(rng.randint(12, 20))]]
        times = [start]
        for _ in range(rng.randint(12, 30)):
            parent = rng.randrange(len(texts))
            texts.append(copy_of(texts[parent], rng, vocab))
            times.append(min(23.99, times[parent] + rng.expovariate(1 / 1.5)))
        for n, (text, hour) in enumerate(zip(texts, times)):
            articles.append({"path": f"/s{story}/a{n}", "story": story, "site": rng.choice(sites),
                             "published": DAY + timedelta(hours=hour), "hour": int(hour),
                             "text": "\n\n".join(" ".join(s).capitalize() + "." for s in text)})
    articles.sort(key=lambda a: a["published"])
    return articles


def page(a: dict) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in a["text"].split("\n\n"))
    return (f"<html><head><title>Story {a['story']}</title><meta property='og:site_name' content='{a['site']}'>"
            f"<meta property='article:published_time' content='{a['published'].isoformat()}'></head>"
            f"<body><article><h1>Story {a['story']}</h1>{paragraphs}</article></body></html>")


def feed(items: list[dict], base: str) -> str:
    entries = "".join(f"<item><title>Story {a['story']}</title><link>{base}{a['path']}</link>"
                      f"<pubDate>{format_datetime(a['published'])}</pubDate></item>" for a in items)
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>f</title>{entries}</channel></rss>"


class Site:
    """The local web: article pages, and feeds that show what has appeared by ``hour``."""

    def __init__(self, articles: list[dict]):
        self.pages = {a["path"]: page(a).encode() for a in articles}
        self.articles = articles
        self.hour = -1
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/feed"):
                    body, kind = site.feed(int(self.path[5:].split(".")[0])), "application/rss+xml"
                else:
                    body, kind = site.pages.get(self.path), "text/html; charset=utf-8"
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self, number: int) -> bytes:
        recent = [a for a in self.articles if self.hour - 3 < a["hour"] <= self.hour
                  and int(a["site"][4:6]) % FEEDS == number]
        return feed(recent, self.base).encode()


# ---------------------------------------------------------------- scoring

def pairwise_scores(truth: dict[str, int], predicted: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering (keys: article URLs).

    An article in no predicted story is a story of its own.
    """
    def pairs(sizes):
        return sum(n * (n - 1) // 2 for n in sizes)

    keys = list(truth)
    pred = {k: predicted.get(k, f"alone-{k}") for k in keys}
    cells: dict[tuple, int] = {}
    for k in keys:
        cells[(truth[k], pred[k])] = cells.get((truth[k], pred[k]), 0) + 1
    true_pos = pairs(cells.values())
    pred_sizes: dict = {}
    true_sizes: dict = {}
    for k in keys:
        pred_sizes[pred[k]] = pred_sizes.get(pred[k], 0) + 1
        true_sizes[truth[k]] = true_sizes.get(truth[k], 0) + 1
    precision = true_pos / max(pairs(pred_sizes.values()), 1)
    recall = true_pos / max(pairs(true_sizes.values()), 1)
    return precision, recall


# ---------------------------------------------------------------- the run

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="folder for the database and outputs (default: a temporary one)")
    parser.add_argument("--no-draw", action="store_true", help="do not draw tree pictures for story reports")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    articles = simulate(args.stories, args.seed)
    site = Site(articles)
    out = Path(args.out or tempfile.mkdtemp(prefix="phylo-monitor-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "monitor.toml"
    sources = "".join(f'[[sources]]\nname = "feed{n}"\nkind = "feed"\nlocation = "{site.base}/feed{n}.xml"\n\n'
                      for n in range(FEEDS))
    config_path.write_text(
        f'database = "monitor.sqlite"\noutput = "site"\n\n{sources}'
        "[fetch]\nallow_private = true\nrobots = false\nrate_per_host = 0\n\n"
        f"[alerts]\nstderr = false\n\n[run]\nbatch = 50\nworkers = 4\ndraw = {'false' if args.no_draw else 'true'}\n",
        encoding="utf-8")
    config = monitor_config.load(config_path)
    print(f"{len(articles)} articles in {args.stories} stories over 24 hourly batches; output in {out}", flush=True)

    batches = []
    for hour in range(24):
        site.hour = hour
        started = time.perf_counter()
        summary = run_once(config)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(config["database"]).parent.glob("monitor.sqlite*"))
        batches.append({"hour": hour, "seconds": round(seconds, 2), "new_articles": summary["new_articles"],
                        "pairs_aligned": summary["new_pairs"], "alerts": summary["alerts"],
                        "db_mb": round(size / 1e6, 2), "steps": summary["timings"]})
        steps = " ".join(f"{k} {v:.1f}" for k, v in summary["timings"].items())
        print(f"hour {hour:2d}: {seconds:6.2f} s  ({steps})  {describe(summary)}", flush=True)
    site.server.shutdown()

    import sqlite3

    conn = sqlite3.connect(config["database"])
    predicted = {url: story for url, story in conn.execute(
        "SELECT a.url, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id")}
    stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    truth = {f"{site.base}{a['path']}": a["story"] for a in articles}
    missing = set(truth) - stored
    precision, recall = pairwise_scores({u: s for u, s in truth.items() if u in stored}, predicted)
    worst = max(b["seconds"] for b in batches)
    result = {
        "articles": len(articles), "stored": len(stored), "missing": len(missing), "stories": args.stories,
        "batches": batches, "max_batch_seconds": worst,
        "mean_batch_seconds": round(sum(b["seconds"] for b in batches) / len(batches), 2),
        "total_seconds": round(sum(b["seconds"] for b in batches), 1),
        "db_mb": round(Path(config["database"]).stat().st_size / 1e6, 2),
        "precision": round(precision, 4), "recall": round(recall, 4),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps({k: v for k, v in result.items() if k != "batches"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = worst < 60 and precision >= 0.95 and recall >= 0.95 and not missing
    print("targets (batch < 60 s, precision and recall >= 0.95, nothing lost):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
