"""Simulated news through ``phylo monitor``: time per batch, grouping and lineage against the truth.

The news: ``phylo.sim.corpus`` (stories from ``phylo.sim.story`` that overlap the way
real ones do: stories on one subject share names, stock phrases and quoted statements,
some quote each other, some outlets print the same boilerplate paragraph under every
article, a tenth start from a long read that copies cut down), published inside a
window of ``--hours`` hours and rendered with the simulator's outlet page templates.
Articles appear on 8 RSS feeds served by a local HTTP server on 127.0.0.1 (each feed
lists its items of the last three hours); the monitor runs once per batch (``--runs``
batches over the window) through the same code as ``phylo monitor --once`` (feeds,
fetch, extract, store, group, align, lineage, story folders, dashboard).

Reported: seconds per batch (the whole ``run_once``), the database size, pairwise
precision and recall of the story grouping against the simulation's truth (an
unrelated article is a story of its own; an article in no monitor story likewise),
the stories merged and split along the way, and lineage accuracy: the share of copied
articles whose inferred source is their true parent (when both were stored), also
counting a verbatim copy of the parent as right (the same text: no text method can
tell them apart).

    python bench/monitor.py                      # a day: ~2,000 articles in 24 hourly batches
    python bench/monitor.py --stories 20 --size 16 16 --unrelated 30 --runs 8 --hours 8
    python bench/monitor.py --stories 10         # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
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
from phylo.sim.corpus import outlet_index, render_page, simulate_corpus  # noqa: E402

DAY = datetime(2024, 3, 12, tzinfo=timezone.utc)
FEEDS = 8


# ---------------------------------------------------------------- the simulated news

def when(article: dict) -> datetime:
    return datetime.fromisoformat(article["published"].rstrip("Z")).replace(tzinfo=timezone.utc)


class Site:
    """The local web: each outlet on a server (an origin) of its own, and the feeds, which
    show what has appeared by ``now``."""

    def __init__(self, corpus: dict):
        outlets = outlet_index(corpus)
        feed_of = {name: n % FEEDS for n, name in enumerate(sorted(outlets))}
        self.articles = corpus["articles"]
        self.now = DAY
        self.servers = {name: self._serve() for name in ["feeds", *sorted(outlets)]}
        self.base = self._base(self.servers["feeds"])
        self.pages = {}
        for a in self.articles:
            a["path"], a["feed"] = f"/news/{a['id']}", feed_of[a["site"]]
            a["url"] = self._base(self.servers[a["site"]]) + a["path"]
            self.pages[a["path"]] = render_page(a, outlets[a["site"]]).encode()

    @staticmethod
    def _base(server) -> str:
        return f"http://127.0.0.1:{server.server_address[1]}"

    def _serve(self):
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

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def feed(self, number: int) -> bytes:
        recent = [a for a in self.articles if a["feed"] == number and self.now - timedelta(hours=3) < when(a) <= self.now]
        entries = "".join(f"<item><title>{a['title']}</title><link>{a['url']}</link>"
                          f"<pubDate>{format_datetime(when(a))}</pubDate></item>" for a in recent)
        return f"<?xml version='1.0'?><rss version='2.0'><channel><title>f{number}</title>{entries}</channel></rss>".encode()

    def shutdown(self) -> None:
        for server in self.servers.values():
            server.shutdown()


# ---------------------------------------------------------------- scoring

def pairwise_scores(truth: dict[str, object], predicted: dict[str, object]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering (keys: article URLs).

    An article with no true story (``None``) or in no predicted story is a story of its own.
    """
    def pairs(sizes):
        return sum(n * (n - 1) // 2 for n in sizes)

    keys = list(truth)
    true = {k: truth[k] if truth[k] is not None else f"alone-{k}" for k in keys}
    pred = {k: predicted.get(k, f"alone-{k}") for k in keys}
    cells: dict[tuple, int] = {}
    for k in keys:
        cells[(true[k], pred[k])] = cells.get((true[k], pred[k]), 0) + 1
    true_pos = pairs(cells.values())
    pred_sizes: dict = {}
    true_sizes: dict = {}
    for k in keys:
        pred_sizes[pred[k]] = pred_sizes.get(pred[k], 0) + 1
        true_sizes[true[k]] = true_sizes.get(true[k], 0) + 1
    precision = true_pos / max(pairs(pred_sizes.values()), 1)
    recall = true_pos / max(pairs(true_sizes.values()), 1)
    return precision, recall


def worst_mixes(truth: dict, predicted: dict, top: int = 5) -> list[dict]:
    """The predicted stories that mix true stories most (where the grouping is wrong)."""
    by_story: dict = {}
    for url, story in predicted.items():
        by_story.setdefault(story, {}).setdefault(truth.get(url), 0)
        by_story[story][truth.get(url)] += 1
    mixed = [{"story": s, "true_stories": {str(k): v for k, v in parts.items()}} for s, parts in by_story.items()
             if len(parts) > 1]
    return sorted(mixed, key=lambda m: -sum(m["true_stories"].values()))[:top]


# ---------------------------------------------------------------- the run

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=110)
    parser.add_argument("--size", type=int, nargs=2, default=(8, 24), metavar=("MIN", "MAX"),
                        help="articles per story (drawn in this range)")
    parser.add_argument("--unrelated", type=int, default=280, help="articles in no story")
    parser.add_argument("--runs", type=int, default=24, help="batches (monitor runs) over the window")
    parser.add_argument("--hours", type=float, default=24.0, help="the window the articles appear in")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="folder for the database and outputs (default: a temporary one)")
    parser.add_argument("--no-draw", action="store_true", help="do not draw tree pictures for story reports")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    corpus = simulate_corpus(args.stories, tuple(args.size), args.unrelated, seed=args.seed, start=DAY,
                             hours=args.hours)
    site = Site(corpus)
    articles = site.articles
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
    print(f"{len(articles)} articles ({sum(a['story'] is not None for a in articles)} in {args.stories} stories, "
          f"{args.unrelated} unrelated) over {args.runs} batches in {args.hours:g} h; output in {out}", flush=True)

    batches = []
    step = args.hours / args.runs
    for n in range(args.runs):
        site.now = DAY + timedelta(hours=step * (n + 1))
        started = time.perf_counter()
        summary = run_once(config)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(config["database"]).parent.glob("monitor.sqlite*"))
        batches.append({"batch": n, "seconds": round(seconds, 2), "new_articles": summary["new_articles"],
                        "pairs_aligned": summary["new_pairs"], "alerts": summary["alerts"],
                        "db_mb": round(size / 1e6, 2), "steps": summary["timings"]})
        steps = " ".join(f"{k} {v:.1f}" for k, v in summary["timings"].items())
        print(f"batch {n:2d}: {seconds:6.2f} s  ({steps})  {describe(summary)}", flush=True)
    site.shutdown()

    conn = sqlite3.connect(config["database"])
    predicted = {url: story for url, story in conn.execute(
        "SELECT a.url, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id")}
    stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
    source_of = {url: src for url, src in conn.execute(
        "SELECT a.url, s.url FROM lineage l JOIN articles a ON a.id = l.article_id "
        "LEFT JOIN articles s ON s.id = l.source_article_id")}
    events = dict(conn.execute("SELECT kind, COUNT(*) FROM story_events GROUP BY kind").fetchall())
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    url_of = {a["id"]: a["url"] for a in articles}
    truth = {url_of[a["id"]]: a["story"] for a in articles}
    by_id = {a["id"]: a for a in articles}
    id_of = {url: a_id for a_id, url in url_of.items()}
    # one outlet printing the same text twice is one article (the monitor's rule): not lost
    first_of = {}
    for a in articles:
        first_of.setdefault((a["site"], " ".join(a["text"].split())), url_of[a["id"]])
    missing = {u for u in set(truth) - stored
               if first_of[(by_id[id_of[u]]["site"], " ".join(by_id[id_of[u]]["text"].split()))] not in stored}
    precision, recall = pairwise_scores({u: s for u, s in truth.items() if u in stored}, predicted)
    copies = [a for a in articles if a["parent"] and url_of[a["id"]] in stored and url_of[a["parent"]] in stored]
    right = sum(source_of.get(url_of[a["id"]]) == url_of[a["parent"]] for a in copies)
    # a verbatim copy and its original are one text: no text method can tell which a later one took

    def original(article_id):
        a = by_id[article_id]
        return original(a["parent"]) if a["parent"] and a["operations"] == ["copy"] else article_id

    right_twins = sum(source_of.get(url_of[a["id"]]) in stored and
                      original(id_of[source_of[url_of[a["id"]]]]) == original(a["parent"]) for a in copies)
    worst = max(b["seconds"] for b in batches)
    result = {
        "articles": len(articles), "stored": len(stored), "missing": len(missing),
        "deduplicated": len(set(truth) - stored) - len(missing), "stories": args.stories,
        "batches": batches, "max_batch_seconds": worst,
        "mean_batch_seconds": round(sum(b["seconds"] for b in batches) / len(batches), 2),
        "total_seconds": round(sum(b["seconds"] for b in batches), 1),
        "db_mb": round(Path(config["database"]).stat().st_size / 1e6, 2),
        "precision": round(precision, 4), "recall": round(recall, 4),
        "lineage_right": f"{right}/{len(copies)}", "lineage_accuracy": round(right / max(len(copies), 1), 4),
        "lineage_accuracy_up_to_verbatim_copies": round(right_twins / max(len(copies), 1), 4),
        "story_events": events, "worst_mixes": worst_mixes(truth, predicted),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "batches"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = worst < 60 and precision >= 0.95 and recall >= 0.95 and not missing and result["lineage_accuracy"] >= 0.95
    print("targets (batch < 60 s, precision and recall >= 0.95, lineage >= 0.95, nothing lost):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
