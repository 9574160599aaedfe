"""phylo monitor against a real HTTP server on 127.0.0.1 and a real SQLite file.

The server (tests/webserver.py, the ``web`` fixture) serves RSS/Atom feeds that gain
items between runs, and one HTML page per article. Articles are generated here: a story
is a root text plus copies with a few words changed, so the true grouping is known.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from phylo.cli.main import main
from phylo.monitor import config as monitor_config
from phylo.engine.files import read_tsv
from phylo.monitor import db
from phylo.monitor.lock import run_lock
from phylo.monitor.run import run_once
from phylo.monitor.sources import canonical_url

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2024, 3, 12, 6, 0, tzinfo=timezone.utc)
VOCAB = [f"{a}{b}" for a in ("har", "bor", "cal", "der", "bay", "ost", "ver", "dal", "ton", "mer")
         for b in ("a", "en", "ist", "ora", "ump", "el", "ix", "ond", "ur", "ya", "et", "og")]


# ---------------------------------------------------------------- a small simulated news world

def story_texts(seed: int, copies: int, words: int = 140) -> list[str]:
    """A root text and ``copies`` copies of it, each with ~4% of the words changed."""
    rng = random.Random(seed)
    root = [rng.choice(VOCAB) for _ in range(words)]
    out = [" ".join(root)]
    for _ in range(copies):
        copy = [rng.choice(VOCAB) if rng.random() < 0.04 else w for w in root]
        out.append(" ".join(copy))
    return out


def page_html(title: str, site: str, published: datetime, text: str) -> str:
    paragraphs = "".join(f"<p>{' '.join(text.split()[i:i + 35])}.</p>" for i in range(0, len(text.split()), 35))
    return (f"<html><head><title>{title}</title><meta property='og:site_name' content='{site}'>"
            f"<meta property='article:published_time' content='{published.isoformat()}'></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>")


class NewsSite:
    """Articles served by the test server, and RSS (or Atom) feeds listing some of them."""

    def __init__(self, web):
        self.web = web
        self.articles: dict[str, dict] = {}  # path -> {"title", "published", "story"}

    def add(self, path: str, story: int, text: str, minute: int, site: str | None = None, delay: float = 0) -> str:
        """Serve an article at ``path`` (after ``delay`` seconds, to make a run slow)."""
        published = T0 + timedelta(minutes=minute)
        site = site or f"site-{path.strip('/').replace('/', '-')}"
        self.articles[path] = {"title": f"Story {story} at {site}", "published": published, "story": story}
        html = page_html(self.articles[path]["title"], site, published, text)
        if delay:
            return self.web.fault(path, "slow-first-byte", body=html, seconds=delay)
        return self.web.page(path, html)

    def rss(self, path: str, article_paths: list[str], links: dict | None = None) -> str:
        items = "".join(
            f"<item><title>{self.articles[p]['title']}</title><link>{(links or {}).get(p, self.web.url(p))}</link>"
            f"<pubDate>{format_datetime(self.articles[p]['published'])}</pubDate></item>" for p in article_paths)
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
        return self.web.page(path, body, content_type="application/rss+xml")

    def atom(self, path: str, article_paths: list[str]) -> str:
        entries = "".join(
            f"<entry><title>{self.articles[p]['title']}</title><link href='{self.web.url(p)}'/>"
            f"<id>{self.web.url(p)}</id><updated>{self.articles[p]['published'].isoformat()}</updated></entry>"
            for p in article_paths)
        body = f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>{entries}</feed>"
        return self.web.page(path, body, content_type="application/atom+xml")


def write_config(tmp_path: Path, sources: list[dict], extra: str = "", allow_private: bool = True,
                 name: str = "monitor.toml") -> Path:
    lines = ['database = "data/monitor.sqlite"', 'output = "site"', ""]
    for s in sources:
        lines += ["[[sources]]"] + [f"{k} = {json.dumps(v)}" for k, v in s.items()] + [""]
    lines += ["[fetch]", f"allow_private = {'true' if allow_private else 'false'}", "robots = false",
              "rate_per_host = 0", "retries = 0", "backoff = 0.01", "read_timeout = 5.0", "deadline = 10.0", "",
              "[run]", "draw = false", "batch = 4", ""]
    path = tmp_path / name
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path


def rows(database, sql, *args):
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, args).fetchall()


def partition(database) -> set[frozenset]:
    """The stories as sets of article URLs (ids and story numbers may differ between databases)."""
    stories: dict[int, set] = {}
    for story, url in rows(database, "SELECT m.story_id, a.url FROM story_members m JOIN articles a ON a.id = m.article_id"):
        stories.setdefault(story, set()).add(url)
    return {frozenset(s) for s in stories.values()}


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def news(web):
    return NewsSite(web)


def one_story_feed(news, web, tmp_path, seed: int, copies: int, prefix: str, extra: str = "") -> Path:
    """A story (a root and ``copies`` copies, 10 minutes apart) on one feed; its config."""
    paths = []
    for i, text in enumerate(story_texts(seed, copies)):
        news.add(f"/{prefix}{i}", seed, text, minute=10 * i)
        paths.append(f"/{prefix}{i}")
    news.rss("/feed.xml", paths)
    return write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}], extra=extra)


# ---------------------------------------------------------------- runs over feeds that grow

def test_first_run_groups_second_adds_only_new_third_adds_nothing(news, web, tmp_path, capsys):
    a, b = story_texts(1, 3), story_texts(2, 2)
    for i, text in enumerate(a):
        news.add(f"/a{i}", 1, text, minute=10 * i)
    for i, text in enumerate(b):
        news.add(f"/b{i}", 2, text, minute=10 * i + 5)
    news.rss("/wire.xml", ["/a0", "/a1", "/b0"])
    news.atom("/blogs.xml", ["/a2", "/b1"])
    cfg = write_config(tmp_path, [{"name": "wire", "kind": "feed", "location": web.url("/wire.xml")},
                                  {"name": "blogs", "kind": "feed", "location": web.url("/blogs.xml")}])
    assert main(["monitor", str(cfg), "--once"]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT COUNT(*) FROM articles")[0][0] == 5
    urls = {p: web.url(p) for p in news.articles}
    assert partition(database) == {frozenset({urls["/a0"], urls["/a1"], urls["/a2"]}),
                                   frozenset({urls["/b0"], urls["/b1"]})}
    assert rows(database, "SELECT COUNT(*) FROM pairs")[0][0] == 3 + 1
    first_alerts = (tmp_path / "site" / "alerts.jsonl").read_text().splitlines()
    assert len(first_alerts) == 3  # a1 and a2 copy a0, b1 copies b0: all ~96% identical
    alert = json.loads(first_alerts[0])
    assert alert["copy"]["url"] == urls["/a1"] and alert["source"]["url"] == urls["/a0"]
    assert alert["identity"] > 0.8
    assert capsys.readouterr().err.count("ALERT:") == 3

    # The feeds gain items: one more copy in story a, a new story c with two articles.
    c = story_texts(3, 1)
    news.add("/c0", 3, c[0], minute=60)
    news.add("/c1", 3, c[1], minute=70)
    news.rss("/wire.xml", ["/a0", "/a1", "/b0", "/a3", "/c0"])
    news.atom("/blogs.xml", ["/a2", "/b1", "/c1"])
    web.reset_log()
    assert main(["monitor", str(cfg), "--once"]) == 0
    assert sorted(r.path for r in web.requests() if r.path not in ("/wire.xml", "/blogs.xml")) == ["/a3", "/c0", "/c1"]
    assert rows(database, "SELECT COUNT(*) FROM articles")[0][0] == 8
    # only the new pairs were aligned: a3 with a0..a2, and c0-c1
    assert rows(database, "SELECT COUNT(*) FROM pairs WHERE run_id = 2")[0][0] == 3 + 1
    assert rows(database, "SELECT COUNT(*) FROM pairs")[0][0] == 8
    assert len(partition(database)) == 3
    assert len((tmp_path / "site" / "alerts.jsonl").read_text().splitlines()) == 5
    growth = rows(database, "SELECT size FROM story_sizes WHERE story_id = 1 ORDER BY run_id")
    assert [g[0] for g in growth] == [3, 4]

    # Nothing new: nothing fetched, stored, aligned or alerted.
    capsys.readouterr()
    web.reset_log()
    before = {t: rows(database, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("articles", "pairs", "alerts", "stories")}
    assert main(["monitor", str(cfg), "--once"]) == 0
    assert {r.path for r in web.requests()} == {"/wire.xml", "/blogs.xml"}
    assert before == {t: rows(database, f"SELECT COUNT(*) FROM {t}")[0][0] for t in before}
    assert len((tmp_path / "site" / "alerts.jsonl").read_text().splitlines()) == 5
    assert "ALERT" not in capsys.readouterr().err

    # Outputs: the dashboard links every story's folder, which has the three files.
    index = (tmp_path / "site" / "index.html").read_text()
    for (story,) in rows(database, "SELECT id FROM stories"):
        assert f'href="stories/{story}/report.html"' in index
        folder = tmp_path / "site" / "stories" / str(story)
        assert (folder / "tree.nwk").read_text().strip().endswith(";")
        assert (folder / "report.html").is_file()
        assert (folder / "lineage.tsv").read_text().startswith("label\tsource\tidentity")
    assert 'id="outlets"' in index and "site-a0" in index and 'id="alerts"' in index


def test_duplicate_links_and_same_text_on_one_site_are_stored_once(news, web, tmp_path):
    text = story_texts(4, 0)[0]
    news.add("/story", 4, text, minute=0, site="one")
    news.add("/story-amp", 4, text, minute=0, site="one")  # same host, same text, another URL
    links = {"/story": web.url("/story") + "?utm_source=rss&utm_medium=feed#comments"}
    news.rss("/feed.xml", ["/story", "/story-amp"], links=links)
    news.rss("/other.xml", ["/story"])  # the same article through another feed
    cfg = write_config(tmp_path, [{"name": "f1", "kind": "feed", "location": web.url("/feed.xml")},
                                  {"name": "f2", "kind": "feed", "location": web.url("/other.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT url FROM articles") == [(web.url("/story"),)]
    assert sorted(rows(database, "SELECT status FROM items")) == [("duplicate",), ("ok",)]
    assert web.hits("/story") == 1


def test_failing_feed_does_not_stop_the_others(news, web, tmp_path):
    texts = story_texts(5, 1)
    news.add("/x0", 5, texts[0], minute=0)
    news.add("/x1", 5, texts[1], minute=5)
    news.rss("/good.xml", ["/x0", "/x1"])
    web.page("/broken.xml", "oops", status=500)
    web.page("/notafeed.xml", "<html><body>hello</body></html>")
    cfg = write_config(tmp_path, [{"name": "broken", "kind": "feed", "location": web.url("/broken.xml")},
                                  {"name": "junk", "kind": "feed", "location": web.url("/notafeed.xml")},
                                  {"name": "good", "kind": "feed", "location": web.url("/good.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT COUNT(*) FROM articles")[0][0] == 2
    report = json.loads(rows(database, "SELECT sources FROM runs")[0][0])
    assert report["broken"]["error"] == "http-500"
    assert report["good"] == {"listed": 2, "new": 2}
    assert "junk" in report


def test_sitemap_and_url_list_sources(news, web, tmp_path):
    texts = story_texts(6, 2)
    for i, text in enumerate(texts):
        news.add(f"/s{i}", 6, text, minute=i)
    sitemap = ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
               f"<url><loc>{web.url('/s0')}</loc><lastmod>2024-03-12</lastmod></url>"
               f"<url><loc>{web.url('/s1')}</loc></url></urlset>")
    web.page("/sitemap.xml", sitemap, content_type="application/xml")
    (tmp_path / "urls.txt").write_text(f"# hand-picked\n{web.url('/s2')}\n", encoding="utf-8")
    cfg = write_config(tmp_path, [{"name": "map", "kind": "sitemap", "location": web.url("/sitemap.xml")},
                                  {"name": "list", "kind": "urls", "location": "urls.txt"}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert len(partition(database)) == 1 and len(next(iter(partition(database)))) == 3


def test_keyword_filter_keeps_only_matching_articles(news, web, tmp_path):
    texts = story_texts(7, 1)
    news.add("/k0", 7, texts[0] + " bridge", minute=0)
    news.add("/k1", 7, texts[1], minute=1)
    news.rss("/feed.xml", ["/k0", "/k1"])
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml"), "topics": ["bridges"]}],
                       extra='[[topics]]\nname = "bridges"\nkeywords = ["Bridge"]\n')
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT url, topics FROM articles") == [(web.url("/k0"), '["bridges"]')]
    assert rows(database, "SELECT status FROM items WHERE url = ?", web.url("/k1")) == [("filtered",)]


# ---------------------------------------------------------------- safety

def test_private_addresses_are_refused_unless_allowed(news, web, tmp_path):
    texts = story_texts(8, 1)
    news.add("/p0", 8, texts[0], minute=0)
    news.add("/p1", 8, texts[1], minute=1)
    news.rss("/feed.xml", ["/p0", "/p1"])
    # A feed on disk whose links point at the loopback server, and one served from it.
    (tmp_path / "local.xml").write_text(_fetch_body(web.url("/feed.xml")), encoding="utf-8")
    sources = [{"name": "remote", "kind": "feed", "location": web.url("/feed.xml")},
               {"name": "local", "kind": "feed", "location": "local.xml"}]
    cfg = write_config(tmp_path, sources, allow_private=False)
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    report = json.loads(rows(database, "SELECT sources FROM runs")[0][0])
    assert report["remote"]["error"] == "blocked-address"
    assert rows(database, "SELECT DISTINCT status FROM items") == [("blocked-address",)]
    assert rows(database, "SELECT COUNT(*) FROM articles")[0][0] == 0
    assert web.hits("/p0") == 0 and web.hits("/feed.xml") == 1  # only the fetch made above

    cfg = write_config(tmp_path, sources, allow_private=True)
    assert main(["monitor", str(cfg)]) == 0
    assert rows(database, "SELECT COUNT(*) FROM articles")[0][0] == 2


def _fetch_body(url: str) -> str:
    import requests

    return requests.get(url, timeout=5).text


def test_feed_links_to_local_files_are_refused(tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text(page_html("secret", "me", T0, story_texts(9, 0)[0]), encoding="utf-8")
    (tmp_path / "feed.xml").write_text(
        f"<rss version='2.0'><channel><item><title>t</title><link>{secret.as_uri()}</link></item></channel></rss>")
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": "feed.xml"}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT status FROM items") == [("bad-url",)]


# ---------------------------------------------------------------- reliability

def test_overlapping_run_is_refused_with_the_holders_pid(tmp_path, capsys):
    (tmp_path / "urls.txt").write_text("")
    cfg = write_config(tmp_path, [{"name": "l", "kind": "urls", "location": "urls.txt"}])
    database = tmp_path / "data" / "monitor.sqlite"
    with run_lock(database):
        assert main(["monitor", str(cfg), "--once"]) == 1
    err = capsys.readouterr().err
    assert f"(pid {os.getpid()}) is using the monitor database {database}" in err
    assert main(["monitor", str(cfg), "--once"]) == 0  # released: runs again


def snapshot(database) -> dict:
    """Everything a run decides, without ids, times and run numbers (which differ by design)."""
    url = {i: u for i, u in rows(database, "SELECT id, url FROM articles")}
    return {
        "articles": sorted(rows(database, "SELECT url, content_hash, title, site, published, text FROM articles")),
        "items": sorted(rows(database, "SELECT url, status FROM items")),
        "stories": partition(database),
        "pairs": sorted((url[a], url[b], round(i, 9)) for a, b, i in rows(database, "SELECT a, b, identity FROM pairs")),
        # (bootstrap confidence is left out: phylo.trees.lineage's resampling depends on str hash order)
        "lineage": sorted((url[a], url.get(s), round(c or 0, 9)) for a, s, c in
                          rows(database, "SELECT article_id, source_article_id, containment FROM lineage")),
        "alerts": sorted((url[a], url[s]) for a, s in rows(database, "SELECT article_id, source_article_id FROM alerts")),
        "undelivered": rows(database, "SELECT COUNT(*) FROM alerts WHERE delivered = 0"),
        "pending": rows(database, "SELECT COUNT(*) FROM story_members WHERE checked = 0"),
    }


def monitor_process(cfg: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "phylo", "monitor", str(cfg), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_run_then_rerun_equals_one_uninterrupted_run(news, web, tmp_path):
    paths = []
    for story in range(3):
        for i, text in enumerate(story_texts(20 + story, 3)):
            path = f"/k{story}-{i}"
            news.add(path, story, text, minute=i * 7 + story, delay=0.15)  # slow: the kill lands mid-run
            paths.append(path)
    news.rss("/feed.xml", paths)

    def config(name):
        folder = tmp_path / name
        folder.mkdir()
        return write_config(folder, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])

    killed = config("killed")
    proc = monitor_process(killed, "--once", "--set", "run.batch=2", "--set", "run.workers=1")
    database = killed.parent / "data" / "monitor.sqlite"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if database.exists() and _count(database, "articles") >= 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    stored = _count(database, "articles")
    assert 3 <= stored < len(paths), "the kill should land mid-run; slow the pages down if this fails"
    assert rows(database, "SELECT status FROM runs") == [("running",)]  # it never finished
    assert main(["monitor", str(killed), "--once"]) == 0
    # the next run marked it interrupted, with the articles it had stored, and completed it
    assert rows(database, "SELECT id, status, new_articles, completed_by FROM runs ORDER BY id") == [
        (1, "interrupted", stored, 2), (2, "ok", len(paths) - stored, None)]

    whole = config("whole")
    assert main(["monitor", str(whole), "--once"]) == 0
    assert snapshot(database) == snapshot(whole.parent / "data" / "monitor.sqlite")
    assert len(snapshot(database)["stories"]) == 3
    for path in paths:  # nothing was fetched more than needed: stored articles are not refetched
        assert web.hits(path) <= 3


def _count(database, table):
    try:
        return rows(database, f"SELECT COUNT(*) FROM {table}")[0][0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


# ---------------------------------------------------------------- alerts by webhook

class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts += 1
        if self.server.down:  # a webhook that is up but failing
            self.send_response(503)
            self.end_headers()
            return
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    """A second local server that records POSTed JSON (tests/webserver.py answers GET only)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received, server.posts, server.down = [], 0, False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def hook_url(webhook) -> str:
    return f"http://127.0.0.1:{webhook.server_address[1]}/hook"


def test_alerts_are_posted_to_the_webhook(news, web, webhook, tmp_path):
    cfg = one_story_feed(news, web, tmp_path, 10, 1, "w", f'[alerts]\nwebhook = "{hook_url(webhook)}"\n')
    assert main(["monitor", str(cfg)]) == 0
    assert len(webhook.received) == 1
    content_type, alert = webhook.received[0]
    assert content_type == "application/json"
    assert alert["copy"]["url"] == web.url("/w1") and alert["source"]["url"] == web.url("/w0")
    assert alert["share"] > 0.8 and alert["report"] == f"stories/{alert['story']}/report.html"


def test_webhook_down_then_up_delivers_each_alert_exactly_once_on_the_later_run(news, web, webhook, tmp_path,
                                                                                capsys):
    cfg = one_story_feed(news, web, tmp_path, 13, 2, "d", f'[alerts]\nwebhook = "{hook_url(webhook)}"\nretry_after = 0\n')
    database = tmp_path / "data" / "monitor.sqlite"
    webhook.down = True
    assert main(["monitor", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert webhook.posts == 1 and not webhook.received  # the first failure stops the webhook for this run
    assert rows(database, "SELECT COUNT(*), SUM(delivered) FROM alerts") == [(2, 0)]
    assert "2 alert(s) not delivered yet" in err and err.count("ALERT:") == 2
    lines = (tmp_path / "site" / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 2  # the file channel took them at once ...
    index = (tmp_path / "site" / "index.html").read_text()
    assert index.count("not yet") == 2 and "answered HTTP 503" in index  # ... and the page says what waits

    webhook.down = False
    assert main(["monitor", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert sorted(a["copy"]["url"] for _, a in webhook.received) == [web.url("/d1"), web.url("/d2")]
    assert rows(database, "SELECT COUNT(*), SUM(delivered) FROM alerts") == [(2, 2)]
    assert "ALERT:" not in err and len((tmp_path / "site" / "alerts.jsonl").read_text().splitlines()) == 2
    assert main(["monitor", str(cfg)]) == 0
    assert len(webhook.received) == 2 and webhook.posts == 3  # nothing sent twice
    assert sorted(rows(database, "SELECT channel, COUNT(*) FROM deliveries WHERE delivered IS NOT NULL "
                                 "GROUP BY channel")) == [("file", 2), ("stderr", 2), ("webhook", 2)]


def test_a_failed_webhook_waits_before_it_is_tried_again(news, web, webhook, tmp_path):
    cfg = one_story_feed(news, web, tmp_path, 14, 1, "b", f'[alerts]\nwebhook = "{hook_url(webhook)}"\nretry_after = 3600\n')
    webhook.down = True
    assert main(["monitor", str(cfg)]) == 0
    webhook.down = False
    assert main(["monitor", str(cfg)]) == 0
    assert webhook.posts == 1 and not webhook.received  # backing off: not before an hour has passed
    database = tmp_path / "data" / "monitor.sqlite"
    (next_try,) = rows(database, "SELECT next_try FROM deliveries WHERE channel = 'webhook'")[0]
    waited = datetime.fromisoformat(next_try) - datetime.now(timezone.utc)
    assert timedelta(minutes=55) < waited <= timedelta(hours=1)


def test_the_webhook_address_goes_through_the_address_checks(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    texts = story_texts(15, 1)
    for i, text in enumerate(texts):
        (folder / f"p{i}.html").write_text(page_html(f"Story {i}", f"site{i}", T0 + timedelta(minutes=i), text))
    (tmp_path / "urls.txt").write_text("pages/p0.html\npages/p1.html\n")
    cfg = write_config(tmp_path, [{"name": "l", "kind": "urls", "location": "urls.txt"}], allow_private=False,
                       extra='[alerts]\nwebhook = "http://127.0.0.1:9/hook"\n')
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    (error,) = rows(database, "SELECT error FROM deliveries WHERE channel = 'webhook'")[0]
    assert error.startswith("blocked-address: 127.0.0.1 resolves to 127.0.0.1")
    assert rows(database, "SELECT delivered FROM alerts") == [(0,)]


# ---------------------------------------------------------------- stories across runs

def test_a_story_pair_sharing_one_stray_paragraph_stays_two_stories(news, web, tmp_path):
    from phylo.sim.story import simulate_story

    a = [x["text"] for x in simulate_story(6, seed=31)["articles"]]
    b = [x["text"] for x in simulate_story(6, seed=32)["articles"]]
    b[4] += "\n\n" + a[0].split("\n\n")[1]  # one article of story b quotes a paragraph of story a
    for i, text in enumerate(a):
        news.add(f"/a{i}", 1, text.replace("\n\n", " "), minute=i)
    for i, text in enumerate(b):
        news.add(f"/b{i}", 2, text.replace("\n\n", " "), minute=30 + i)
    news.rss("/feed.xml", [f"/a{i}" for i in range(6)] + [f"/b{i}" for i in range(6)])
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    urls = {p: web.url(p) for p in news.articles}
    assert partition(database) == {frozenset(urls[f"/a{i}"] for i in range(6)),
                                   frozenset(urls[f"/b{i}"] for i in range(6))}
    stray = rows(database, "SELECT COUNT(*) FROM links l JOIN articles x ON x.id = l.a JOIN articles y ON y.id = l.b "
                           "WHERE substr(x.url, -3, 2) != substr(y.url, -3, 2)")[0][0]
    assert stray >= 1  # the two stories are linked: connected components would have made them one


def test_two_halves_of_a_story_on_different_runs_join_and_alerts_follow(news, web, tmp_path):
    rng = random.Random(40)
    root = [rng.choice(VOCAB) for _ in range(280)]
    first, second = root[:140], root[140:]

    def edit(words, seed):
        r = random.Random(seed)
        return " ".join(r.choice(VOCAB) if r.random() < 0.03 else w for w in words)

    news.add("/h1a", 1, " ".join(first), minute=0)
    news.add("/h1b", 1, edit(first, 1), minute=10)
    news.add("/h2a", 1, " ".join(second), minute=20)
    news.add("/h2b", 1, edit(second, 2), minute=30)
    news.rss("/feed.xml", ["/h1a", "/h1b", "/h2a", "/h2b"])
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    assert len(partition(database)) == 2  # two halves that share nothing: two stories
    alerts = dict(rows(database, "SELECT a.url, l.story_id FROM alerts l JOIN articles a ON a.id = l.article_id"))
    assert set(alerts) == {web.url("/h1b"), web.url("/h2b")} and len(set(alerts.values())) == 2

    news.add("/full1", 1, edit(root, 3), minute=60)  # whole versions arrive: the halves are one story
    news.add("/full2", 1, edit(root, 4), minute=70)
    news.rss("/feed.xml", ["/h1a", "/h1b", "/h2a", "/h2b", "/full1", "/full2"])
    assert main(["monitor", str(cfg)]) == 0
    assert len(partition(database)) == 1 and len(next(iter(partition(database)))) == 6
    kept, gone = sorted(set(alerts.values()))
    assert rows(database, "SELECT kind, story_id, other_id, articles FROM story_events") == [("merge", kept, gone, 2)]
    assert rows(database, "SELECT merged_into FROM stories WHERE id = ?", gone) == [(kept,)]
    assert {s for (s,) in rows(database, "SELECT story_id FROM alerts")} == {kept}  # the alert was redirected
    page = (tmp_path / "site" / "stories" / str(gone) / "report.html").read_text()
    assert f'url=../{kept}/report.html' in page  # and so is the link an alert gave out
    assert (tmp_path / "site" / "stories" / str(kept) / "tree.nwk").is_file()
    index = (tmp_path / "site" / "index.html").read_text()
    assert f"story {gone} (2 article(s)) merged into" in index


# ---------------------------------------------------------------- what failed, and why

def test_the_run_line_and_the_dashboard_give_each_items_reason(news, web, tmp_path, capsys):
    texts = story_texts(16, 1)
    news.add("/r0", 16, texts[0], minute=0)
    news.add("/r1", 16, texts[1], minute=5)
    web.page("/gone", "no such page", status=404)
    news.articles["/gone"] = {"title": "gone", "published": T0, "story": 0}
    news.rss("/feed.xml", ["/r0", "/r1", "/gone"], links={"/r1": web.url("/r1") + "?utm_source=x"})
    news.rss("/again.xml", ["/r0"], links={"/r0": web.url("/r0") + "?page=amp"})  # same text, another URL
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")},
                                  {"name": "g", "kind": "feed", "location": web.url("/again.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert "items: 2 ok, 1 duplicate, 1 http-404" in err
    index = (tmp_path / "site" / "index.html").read_text()
    assert "http-404" in index and web.url("/gone") in index and "the same text as" in index


def test_exit_status_is_1_when_every_source_failed(web, tmp_path, capsys):
    web.page("/broken.xml", "oops", status=500)
    cfg = write_config(tmp_path, [{"name": "broken", "kind": "feed", "location": web.url("/broken.xml")}])
    assert main(["monitor", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "run 1 failed" in err and "every source failed" in err and "broken (http-500" in err
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT status FROM runs") == [("failed",)]


def test_outputs_follow_the_umask(news, web, tmp_path):
    cfg = one_story_feed(news, web, tmp_path, 17, 1, "u")
    old = os.umask(0o022)
    try:
        assert main(["monitor", str(cfg)]) == 0
    finally:
        os.umask(old)
    site = tmp_path / "site"
    for path in [site / "index.html", *site.glob("stories/*/*")]:
        assert path.stat().st_mode & 0o777 == 0o644, path  # a web server can read them


# ---------------------------------------------------------------- the long-running mode

def test_every_runs_two_ticks_then_stops(news, web, tmp_path, capsys):
    texts = story_texts(11, 1)
    news.add("/e0", 11, texts[0], minute=0)
    news.add("/e1", 11, texts[1], minute=1)
    news.rss("/feed.xml", ["/e0", "/e1"])
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    started = time.monotonic()
    assert main(["monitor", str(cfg), "--every", "1s", "--max-runs", "2"]) == 0
    assert time.monotonic() - started < 20
    database = tmp_path / "data" / "monitor.sqlite"
    assert rows(database, "SELECT id, status, new_articles FROM runs") == [(1, "ok", 2), (2, "ok", 0)]
    err = capsys.readouterr().err
    assert "run 1 ok: 2 new article(s)" in err and "run 2 ok: 0 new article(s)" in err
    assert "stopped after 2 run(s)" in err


def test_sigterm_stops_the_long_running_mode_cleanly(news, web, tmp_path):
    texts = story_texts(12, 1)
    news.add("/t0", 12, texts[0], minute=0)
    news.add("/t1", 12, texts[1], minute=1)
    news.rss("/feed.xml", ["/t0", "/t1"])
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    proc = monitor_process(cfg, "--every", "1h")
    database = tmp_path / "data" / "monitor.sqlite"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (database.exists() and _finished_runs(database)):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "stopped after 1 run(s)" in err
    assert rows(database, "SELECT status FROM runs") == [("ok",)]


def _finished_runs(database):
    try:
        return rows(database, "SELECT COUNT(*) FROM runs WHERE finished IS NOT NULL")[0][0]
    except sqlite3.OperationalError:
        return 0


# ---------------------------------------------------------------- small pieces

def test_canonical_url_drops_tracking_fragment_and_host_case():
    assert canonical_url("HTTPS://News.Example.ORG:443/a/b?id=3&utm_source=x&fbclid=y#top") == \
        "https://news.example.org/a/b?id=3"
    assert canonical_url("http://example.org") == "http://example.org/"


def test_durations():
    assert monitor_config.parse_duration("30m") == 1800
    assert monitor_config.parse_duration("1h30m") == 5400
    assert monitor_config.parse_duration("45s") == 45
    for bad in ("soon", "0s", "5 parsecs"):
        with pytest.raises(Exception):
            monitor_config.parse_duration(bad)


def test_config_errors_are_usage_errors(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[[sources]]\nkind = "feed"\nlocation = "x.xml"\n[thresholds]\ngroop = 0.5\n')
    assert main(["monitor", str(cfg)]) == 2
    assert "unknown setting 'thresholds.groop'" in capsys.readouterr().err
    cfg.write_text('[[sources]]\nkind = "rss"\nlocation = "x.xml"\n')
    assert main(["monitor", str(cfg)]) == 2
    assert "source 1: kind must be one of feed, sitemap, urls, not \"rss\"" in capsys.readouterr().err
    assert main(["monitor", str(tmp_path / "missing.toml")]) == 2


MISTAKES = [  # (config lines, --set overrides, what the one line must say)
    ('[fetch]\nallow_private = "false"', [], 'fetch.allow_private must be true or false, not "false" (a string)'),
    ('[thresholds]\ngroup = "high"', [], 'thresholds.group must be a number, not "high"'),
    ('[run]\nworkers = "four"', [], 'run.workers must be a whole number, not "four"'),
    ('database = 5', [], "database must be a string (the SQLite file), not 5"),
    ('', ["thresholds.group=abc"], 'override thresholds.group=abc: thresholds.group must be a number, not "abc"'),
    ('[run]\nunit = "word"', [], 'run.unit must be one of codon, nt, not "word"'),
    ('[run]\ngaps = "blocks"', [], 'run.gaps must be one of affine, runs, columns, not "blocks"'),
    ('[thresholds]\nalert = 1.5', [], "thresholds.alert must be at most 1, not 1.5"),
    ('', ["fetch.robots=maybe"], 'fetch.robots must be true or false, not "maybe"'),
    ('', ["fetch.max_bytes=-1"], "fetch.max_bytes must be at least 1, not -1"),
    ('', ["fetch.retries=abc"], 'fetch.retries must be a whole number, not "abc"'),
    ('[alerts]\nwebhook = "ftp://example.org/x"', [], "alerts.webhook must be an http(s) URL"),
    ('[fetch]\nrobots = [true]', [], "fetch.robots must be true or false, not a list"),
    ('fetch = 3', [], "fetch is a table of settings"),
]


@pytest.mark.parametrize("lines, overrides, message", MISTAKES)
def test_each_config_mistake_is_one_line_and_exit_2_before_anything_is_fetched(web, tmp_path, capsys, lines,
                                                                               overrides, message):
    web.page("/feed.xml", "<rss version='2.0'><channel></channel></rss>", content_type="application/rss+xml")
    cfg = tmp_path / "m.toml"
    source = f'[[sources]]\nname = "wire"\nkind = "feed"\nlocation = "{web.url("/feed.xml")}"\n'
    # keys of the top level come before any table
    top, tables = (lines, "") if lines.startswith(("database", "fetch =")) else ("", lines)
    cfg.write_text(f"{top}\n{source}\n{tables}\n")
    assert main(["monitor", str(cfg), *[a for o in overrides for a in ("--set", o)]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ERROR: ") and message in err, err
    assert "Traceback" not in err
    assert web.hits("/feed.xml") == 0 and not (tmp_path / "monitor.sqlite").exists()


def test_a_source_location_that_is_a_list_is_refused(tmp_path, capsys):
    cfg = tmp_path / "m.toml"
    cfg.write_text('[[sources]]\nname = "wire"\nkind = "feed"\nlocation = ["a.xml", "b.xml"]\n')
    assert main(["monitor", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "source 1 (wire): location must be a string (a URL or a file), not a list" in err and err.count("\n") == 1


def test_every_fetch_setting_can_be_set_on_the_monitor(tmp_path):
    from phylo.web.settings import FETCH_DEFAULTS

    cfg = tmp_path / "m.toml"
    cfg.write_text('[[sources]]\nkind = "feed"\nlocation = "x.xml"\n')
    config = monitor_config.load(cfg, ["fetch.connect_timeout=5", "extract.min_chars=100"])
    assert config["fetch"]["connect_timeout"] == 5 and config["extract"]["min_chars"] == 100
    assert set(config["fetch"]) == set(FETCH_DEFAULTS)  # the monitor knows every key phylo run knows
    assert config["fetch"]["allow_private"] is False  # but follows feed links more carefully


def test_schema_is_migrated_once_and_newer_schemas_are_refused(tmp_path):
    path = tmp_path / "m.sqlite"
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    db.connect(path).close()  # reopening applies nothing twice
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    with pytest.raises(Exception, match="newer phylo"):
        db.connect(path)


def test_example_config_runs_offline(tmp_path):
    config = monitor_config.load(ROOT / "fixtures" / "monitor" / "example.toml",
                                 [f'database="{tmp_path}/m.sqlite"', f'output="{tmp_path}/site"'])
    summary = run_once(config)
    assert summary["status"] == "ok" and summary["new_articles"] == 14
    assert (tmp_path / "site" / "index.html").is_file()
    assert summary["alerts"] >= 1  # NewsSift runs the wire copy word for word


def test_help():
    with pytest.raises(SystemExit) as info:
        main(["monitor", "--help"])
    assert info.value.code == 0


def test_cached_alignments_are_dropped_when_the_aligner_settings_change(tmp_path):
    from phylo.monitor.stories import check_align_settings

    conn = db.connect(tmp_path / "m.sqlite")
    check_align_settings(conn, "codon")
    with conn:
        conn.execute("INSERT INTO pairs (a, b, identity, result, run_id) VALUES (1, 2, 0.9, '{}', 1)")
    check_align_settings(conn, "codon")  # same settings: the cache stays
    assert conn.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] == 1
    # a database written by another aligner version (other mode or scoring) is realigned
    db.set_meta(conn, "align_settings", json.dumps({"unit": "codon", "normalize": True}))
    check_align_settings(conn, "codon")
    assert conn.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] == 0
    conn.close()


# ---------------------------------------------------------------- the dashboard, in a real browser

def test_dashboard_in_chromium_sorts_filters_and_lists_alerts_newest_first(news, web, tmp_path):
    from selenium.webdriver.common.by import By

    from browser import chromium, console_errors, full_screenshot

    paths = []
    for story, size in ((50, 2), (51, 4), (52, 3)):
        for i, text in enumerate(story_texts(story, size - 1)):
            path = f"/s{story}-{i}"
            news.add(path, story, text, minute=60 * (story - 50) + 10 * i, site=f"outlet{i}")
            paths.append(path)
    news.rss("/feed.xml", paths)
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    index = tmp_path / "site" / "index.html"
    with chromium() as driver:
        driver.get(index.as_uri())
        assert console_errors(driver) == []
        stamps = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#alert-table tbody td.published")]
        assert len(stamps) == 6 and stamps == sorted(stamps, reverse=True)  # 1 + 3 + 2 copies, newest first
        assert stamps[0] == "2024-03-12 08:20 UTC"  # readable times
        copies = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#alert-table tbody tr td:nth-child(2) a")]
        assert copies[0] == "Story 52 at outlet2"  # the copy, with its title

        def sizes():
            return [int(r.get_attribute("data-size")) for r in driver.find_elements(By.CSS_SELECTOR, "#story-table tbody tr")
                    if r.is_displayed()]

        driver.find_element(By.CSS_SELECTOR, "#story-table button[data-key=size]").click()
        assert sizes() == [4, 3, 2]
        driver.find_element(By.CSS_SELECTOR, "#story-table button[data-key=size]").click()
        assert sizes() == [2, 3, 4]
        driver.find_element(By.ID, "filter").send_keys("story 51")
        assert sizes() == [4]  # the filter keeps the rows that mention it
        outlets = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#outlets tbody tr") if r.is_displayed()]
        assert outlets == []  # ... in every table
        full_screenshot(driver, tmp_path / "dashboard.png")


def test_a_schema_1_database_is_migrated_and_regrouped_keeping_its_story_ids(tmp_path):
    from phylo.monitor.stories import group_new
    from phylo.trees.grouping import signature

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as raw:  # a database as the first schema wrote it
        for statement in db._statements(db.MIGRATIONS[0]):
            raw.execute(statement)
        raw.execute("PRAGMA user_version = 1")
        raw.execute("INSERT INTO runs (id, started, status) VALUES (1, '2024-03-12T06:00:00', 'ok')")
        raw.execute("INSERT INTO stories (id, created_run, updated_run) VALUES (7, 1, 1)")
        texts = story_texts(60, 2) + story_texts(61, 0)
        for n, text in enumerate(texts, 1):
            raw.execute("INSERT INTO articles (id, url, content_hash, origin, text, signature, first_seen, run_id, "
                        "grouped, site) VALUES (?, ?, ?, 'x', ?, ?, '2024-03-12', 1, 1, ?)",
                        (n, f"https://x.example/{n}", str(n), text, signature(text).tobytes(), f"site{n}"))
        for n in (1, 2, 3, 4):  # the old rule had put the unrelated fourth article in too
            raw.execute("INSERT INTO story_members (article_id, story_id, run_id, checked) VALUES (?, 7, 1, 1)", (n,))
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE grouped = 0").fetchone()[0] == 4
    assert group_new(conn, 2, 0.1) == {7}
    assert [tuple(r) for r in conn.execute("SELECT article_id FROM story_members ORDER BY 1")] == [(1,), (2,), (3,)]
    assert [tuple(r) for r in conn.execute("SELECT kind, story_id, other_id, articles FROM story_events")] == [
        ("split", 7, None, 1)]
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE shingles IS NULL").fetchone()[0] == 0
    conn.close()


# ---------------------------------------------------------------- verdicts and skipped feed entries

def test_verdicts_are_stored_and_only_copies_are_alerted(news, web, tmp_path):
    from coverage_stories import K1, K2, K3, page

    # three copies of a wire story that is not in the list; and a story with its copy
    stories = [("/herald", "Ferry crews walk out", "Bay Herald", "2024-05-07T08:30:00+00:00", K1),
               ("/coastfm", "Ferry strike: no sailings", "Coast FM", "2024-05-07T09:15:00+00:00", K2),
               ("/north", "Islands cut off by ferry strike", "North Shore Daily", "2024-05-07T10:00:00+00:00", K3)]
    original, copy = story_texts(31, 1)
    news.add("/original", 31, original, minute=0)
    news.add("/copy", 31, copy, minute=30)
    for path, title, site, published, paragraphs in stories:
        web.page(path, page(title, site, published, paragraphs))
    paths = [s[0] for s in stories] + ["/original", "/copy"]
    (tmp_path / "urls.txt").write_text("".join(web.url(p) + "\n" for p in paths))
    cfg = write_config(tmp_path, [{"name": "l", "kind": "urls", "location": "urls.txt"}],
                       extra='\n[thresholds]\nalert = 0.01\n')  # any copy at all is alerted
    assert main(["monitor", str(cfg), "--once"]) == 0
    database = tmp_path / "data" / "monitor.sqlite"
    verdicts = dict(rows(database, "SELECT a.url, l.verdict FROM lineage l JOIN articles a ON a.id = l.article_id"))
    unseen = [web.url(p) for p in ("/herald", "/coastfm", "/north")]
    assert verdicts[web.url("/copy")] == "copied" and {verdicts[u] for u in unseen} == {"unseen-source"}
    alerted = {url for (url,) in rows(database, "SELECT a.url FROM alerts x JOIN articles a ON a.id = x.article_id")}
    assert alerted == {web.url("/copy")}  # siblings of a missing original are not copies of each other
    groups = {g for (g,) in rows(database, "SELECT unseen_group FROM lineage WHERE verdict = 'unseen-source'")}
    assert len(groups) == 1 and None not in groups
    (story,) = {s for (s, u) in rows(database, "SELECT m.story_id, a.url FROM story_members m "
                                             "JOIN articles a ON a.id = m.article_id") if u == unseen[0]}
    cells = {r["url"]: r for r in read_tsv(tmp_path / "site" / "stories" / str(story) / "lineage.tsv")}
    assert {cells[u]["verdict"] for u in unseen} == {"unseen-source"} and all(not cells[u]["source"] for u in unseen)


def test_feed_entries_without_a_link_are_counted_in_the_run_line_and_on_the_dashboard(news, web, tmp_path, capsys):
    texts = story_texts(21, 1)
    news.add("/s0", 21, texts[0], minute=0)
    news.add("/s1", 21, texts[1], minute=5)
    web.page("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>one</title><link>{web.url('/s0')}</link></item>
<item><title>no link</title></item><item><title>nor this</title></item>
<item><title>two</title><link>{web.url('/s1')}</link></item></channel></rss>""", content_type="application/rss+xml")
    cfg = write_config(tmp_path, [{"name": "f", "kind": "feed", "location": web.url("/feed.xml")}])
    assert main(["monitor", str(cfg)]) == 0
    assert "feed entries skipped: f: 2 no-link" in capsys.readouterr().err
    assert "2 skipped (no-link)" in (tmp_path / "site" / "index.html").read_text()
