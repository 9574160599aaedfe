"""One monitoring run: list sources, fetch what is new, group, align, alert, write outputs.

``run_once(config)`` holds the database lock for the whole run and returns a summary
dict. Every step commits its own work (see ``phylo.monitor.db``), so a run stopped or
killed at any point is completed by the next one. ``should_stop`` (checked between
batches and steps) lets the scheduler stop a run early and cleanly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from phylo.errors import EntryError
from phylo.monitor import db, outputs, stories
from phylo.monitor.config import fetch_settings
from phylo.monitor.db import transaction
from phylo.monitor.lock import run_lock
from phylo.monitor.sources import canonical_url, list_source, matching_topics

log = logging.getLogger(__name__)

DONE = ("ok", "duplicate", "filtered")  # item states that are never fetched again


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def run_once(config: dict, should_stop=lambda: False) -> dict:
    """One run over ``config`` (from ``phylo.monitor.config.load``); see the module docstring."""
    with run_lock(config["database"]):
        conn = db.connect(config["database"])
        try:
            return _run(conn, config, should_stop)
        finally:
            conn.close()


def _run(conn, config: dict, should_stop) -> dict:
    started = time.perf_counter()
    with transaction(conn):
        interrupted = mark_interrupted(conn)
        run_id = conn.execute("INSERT INTO runs (started, status, pid) VALUES (?, 'running', ?)",
                              (now(), os.getpid())).lastrowid
    summary = {"run": run_id, "new_articles": 0, "new_pairs": 0, "alerts": 0, "stories_updated": 0,
               "sources": {}, "items": {}, "interrupted": interrupted, "status": "failed", "note": ""}
    timings = summary["timings"] = {}
    clock = time.perf_counter()

    def lap(step):  # seconds per step, for the log and the benchmark
        nonlocal clock
        timings[step] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()

    every_step = False
    try:
        summary["sources"] = discover(conn, config, run_id)
        lap("sources")
        summary["new_articles"] = ingest(conn, config, run_id, should_stop)
        summary["items"] = item_outcomes(conn, run_id)
        lap("fetch")
        if not should_stop():
            stories.group_new(conn, run_id, config["thresholds"]["group"])
        lap("group")
        pending = stories.pending_stories(conn)
        if not should_stop():
            summary["new_pairs"] = stories.align_missing(conn, pending, run_id, config["run"]["unit"], should_stop)
        lap("align")
        for story_id in pending:
            if should_stop():
                break
            summary["alerts"] += stories.update_lineage(conn, story_id, run_id, config["thresholds"]["alert"],
                                                        config["run"]["correction"])
        lap("lineage")
        out = Path(config["output"])
        out.mkdir(parents=True, exist_ok=True)
        if not should_stop():
            summary["stories_updated"] = outputs.write_dirty_stories(conn, out, config)
            summary["delivery"] = outputs.deliver_alerts(conn, out, config)
        lap("outputs")
        failed = [name for name, s in summary["sources"].items() if s.get("error")]
        if summary["sources"] and len(failed) == len(summary["sources"]):
            summary["status"], summary["note"] = "failed", "every source failed"
        else:
            summary["status"] = "stopped" if should_stop() else "ok"
        every_step = not should_stop()
    finally:
        with transaction(conn):
            conn.execute("UPDATE runs SET finished = ?, status = ?, new_articles = ?, new_pairs = ?, alerts = ?, "
                         "sources = ?, items = ? WHERE id = ?",
                         (now(), summary["status"], summary["new_articles"], summary["new_pairs"],
                          summary["alerts"], json.dumps(summary["sources"]), json.dumps(summary["items"]), run_id))
            if every_step:  # the killed runs' work is done now
                conn.executemany("UPDATE runs SET completed_by = ? WHERE id = ?",
                                 [(run_id, r) for r in interrupted])
        outputs.write_dashboard(conn, Path(config["output"]), config)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def mark_interrupted(conn) -> list[int]:
    """Runs still ``running`` are runs that were killed (this run holds the lock): mark them
    ``interrupted``, with the articles and item outcomes they stored; returns their ids."""
    killed = [r[0] for r in conn.execute("SELECT id FROM runs WHERE status = 'running' ORDER BY id")]
    for run_id in killed:
        stored = conn.execute("SELECT COUNT(*) FROM articles WHERE run_id = ?", (run_id,)).fetchone()[0]
        conn.execute("UPDATE runs SET status = 'interrupted', new_articles = ?, items = ? WHERE id = ?",
                     (stored, json.dumps(item_outcomes(conn, run_id)), run_id))
    return killed


def item_outcomes(conn, run_id: int) -> dict[str, int]:
    """What became of the items a run tried: ``{"ok": 12, "duplicate": 2, "http-404": 1, ...}``."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT status, COUNT(*) FROM items WHERE run_id = ? GROUP BY status ORDER BY COUNT(*) DESC, status",
        (run_id,))}


# ---------------------------------------------------------------- listing sources

def discover(conn, config: dict, run_id: int) -> dict:
    """Record every link the sources list now; returns per-source counts or errors.

    A source that fails is recorded and skipped; the others go on.
    """
    settings = fetch_settings(config, for_feed_links=True)
    report = {}
    for source in config["sources"]:
        source_id = _source_id(conn, source)
        try:
            listing = list_source(source, settings)
        except EntryError as exc:
            log.warning("source %s failed: %s", source["name"], exc.message)
            report[source["name"]] = {"error": exc.status, "message": exc.message}
            continue
        items, new = listing["items"], 0
        with transaction(conn):
            for item in items:
                # a line that can never be read (bad URL...) is recorded as given up at once
                status, tries = (item["error"], config["run"]["max_tries"]) if item.get("error") else ("pending", 0)
                new += conn.execute(
                    "INSERT OR IGNORE INTO items (url, source_id, kind, target, first_run, status, message, tries, "
                    "title, published, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item["url"], source_id, item["kind"], item["target"], run_id, status, item.get("message"),
                     tries, item["title"], item["published"], run_id if item.get("error") else None)).rowcount
        report[source["name"]] = {"listed": len(items), "new": new}
        if listing["skipped"]:  # entries of a feed that name no article (no link...), by reason
            report[source["name"]]["skipped"] = listing["skipped"]
    return report


def _source_id(conn, source: dict) -> int:
    with transaction(conn):
        row = conn.execute("SELECT id FROM sources WHERE name = ?", (source["name"],)).fetchone()
        if row:  # the config may have moved a source: keep its history, note where it is now
            conn.execute("UPDATE sources SET kind = ?, location = ? WHERE id = ?",
                         (source["kind"], source["location"], row[0]))
            return row[0]
        return conn.execute("INSERT INTO sources (name, kind, location, added) VALUES (?, ?, ?, ?)",
                            (source["name"], source["kind"], source["location"], now())).lastrowid


# ---------------------------------------------------------------- fetching articles

def ingest(conn, config: dict, run_id: int, should_stop) -> int:
    """Fetch and store the pending items, one committed batch at a time; returns articles added."""
    todo = conn.execute(
        f"SELECT i.*, s.name AS source_name, s.kind AS source_kind FROM items i JOIN sources s ON s.id = i.source_id "
        f"WHERE i.status NOT IN ({','.join('?' * len(DONE))}) AND i.tries < ? ORDER BY i.rowid",
        (*DONE, config["run"]["max_tries"])).fetchall()
    topics = {s["name"]: s["topics"] for s in config["sources"]}
    batch, added = int(config["run"]["batch"]), 0
    first_seen = conn.execute("SELECT started FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
    with ThreadPoolExecutor(max_workers=int(config["run"]["workers"])) as pool:
        for start in range(0, len(todo), batch):
            if should_stop():
                break
            items = [dict(r) for r in todo[start:start + batch]]
            results = list(pool.map(lambda item: fetch_article(item, config), items))
            with transaction(conn):
                for item, result in zip(items, results):
                    added += store_result(conn, item, result, config, topics.get(item["source_name"], []),
                                          run_id, first_seen)
            log.info("stored batch of %d items (%d articles so far this run)", len(items), added)
    return added


def fetch_article(item: dict, config: dict):
    """The article of an item (dict with text, metadata and signature), or the EntryError."""
    from phylo.web.extract import extract
    from phylo.web.fetch import fetch
    from phylo.trees.grouping import fingerprint

    # Files are only read when the user listed them in a urls list, never from a feed link.
    settings = fetch_settings(config, for_feed_links=item["source_kind"] != "urls")
    try:
        page = fetch({"line": 0, "entry": item["target"], "kind": item["kind"], "target": item["target"]}, settings)
        article = extract(page, config["extract"])
    except EntryError as exc:
        return exc
    final = page.get("final_url") or item["url"]
    article["final_url"] = final if final.startswith("file:") else canonical_url(final)
    sig, shingles = fingerprint(article["text"])
    article["signature"], article["shingles"] = sig.tobytes(), shingles.tobytes()
    return article


def content_hash(text: str) -> str:
    """Equal after whitespace is collapsed: the same article served twice under two URLs."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def article_origin(article: dict) -> str:
    """Where an article lives: the host of its URL, or the site name of a saved file."""
    return urlsplit(article["final_url"]).netloc or (article.get("site") or "").lower()


def store_result(conn, item: dict, result, config: dict, wanted_topics: list[str], run_id: int,
                 first_seen: str) -> int:
    """Record what became of one item (inside the caller's transaction); 1 if an article was added."""
    if isinstance(result, EntryError):
        conn.execute("UPDATE items SET status = ?, message = ?, tries = tries + 1, run_id = ? WHERE url = ?",
                     (result.status, result.message, run_id, item["url"]))
        return 0
    found = []
    if config["topics"]:
        found = matching_topics(result, config["topics"], wanted_topics)
        if not found:
            conn.execute("UPDATE items SET status = 'filtered', message = 'no topic keyword', tries = tries + 1, "
                         "run_id = ? WHERE url = ?", (run_id, item["url"]))
            return 0
    digest, origin = content_hash(result["text"]), article_origin(result)
    same = conn.execute("SELECT id, url FROM articles WHERE url = ? OR (content_hash = ? AND origin = ?)",
                        (result["final_url"], digest, origin)).fetchone()
    if same:
        why = (f"redirects to {same[1]}, already stored" if same[1] == result["final_url"]
               else f"the same text as {same[1]}, already stored")
        conn.execute("UPDATE items SET status = 'duplicate', message = ?, article_id = ?, tries = tries + 1, "
                     "run_id = ? WHERE url = ?", (why, same[0], run_id, item["url"]))
        return 0
    article_id = conn.execute(
        "INSERT INTO articles (url, content_hash, origin, source_id, title, site, published, byline, lang, text, "
        "topics, signature, shingles, first_seen, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (result["final_url"], digest, origin, item["source_id"], result.get("title") or item["title"], result.get("site"),
         result.get("published") or item["published"], result.get("byline"), result.get("lang"), result["text"],
         json.dumps(found), result["signature"], result["shingles"], first_seen, run_id)).lastrowid
    conn.execute("UPDATE items SET status = 'ok', message = NULL, article_id = ?, tries = tries + 1, run_id = ? "
                 "WHERE url = ?", (article_id, run_id, item["url"]))
    return 1


def describe(summary: dict) -> str:
    """One line about a run, for the log: what it did, what each item became, what failed."""
    text = (f"run {summary['run']} {summary['status']}: {summary['new_articles']} new article(s), "
            f"{summary['new_pairs']} pair(s) aligned, {summary['stories_updated']} story folder(s) written, "
            f"{summary['alerts']} alert(s) in {summary.get('seconds', 0)} s")
    if summary.get("note"):
        text += f" ({summary['note']})"
    if summary.get("items"):
        text += "; items: " + ", ".join(f"{n} {status}" for status, n in summary["items"].items())
    failed = [f"{name} ({s['error']}: {s.get('message', '')})".replace(": )", ")")
              for name, s in summary["sources"].items() if s.get("error")]
    skipped = [f"{name}: {n} {reason}" for name, s in summary["sources"].items()
               for reason, n in (s.get("skipped") or {}).items()]
    if skipped:
        text += f"; feed entries skipped: {', '.join(skipped)}"
    if failed:
        text += f"; failed source(s): {'; '.join(failed)}"
    undelivered = (summary.get("delivery") or {}).get("undelivered")
    if undelivered:
        text += f"; {undelivered} alert(s) not delivered yet (see the dashboard)"
    if summary.get("interrupted"):
        text += f"; completed interrupted run(s) {', '.join(map(str, summary['interrupted']))}"
    return text
