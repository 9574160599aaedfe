"""What a run leaves for people: story folders, the dashboard, and alerts.

Output folder::

    index.html                  the dashboard: alerts, stories, outlets, failures, runs
    alerts.jsonl                one JSON object per alert, appended
    stories/<id>/tree.nwk       the story's current tree (phylo.trees.build.rooted_tree)
    stories/<id>/lineage.tsv    who copied whom, one row per article
    stories/<id>/report.html    the news pipeline's report (phylo.report.html); for a story
                                merged into another, a page that sends the reader there

Alerts go out on each configured channel (``alerts.jsonl``, stderr, the webhook) and
an alert counts as delivered only when every channel accepted it (``deliveries``): a
webhook that is down is tried again on later runs, waiting ``alerts.retry_after``
seconds after the first failure, twice as long after each next one (at most
``alerts.retry_max``); the dashboard lists what is still waiting and why.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from phylo.engine.files import atomic_write, tsv_text
from phylo.errors import EntryError
from phylo.monitor.db import transaction
from phylo.monitor.stories import cached_distances, current_story, story_table
from phylo.report.files import LINEAGE_COLUMNS as NEWS_LINEAGE_COLUMNS
from phylo.report.verdicts import flat_row, read_row
from phylo.report.html import template
from phylo.trees.dates import parse_date

log = logging.getLogger(__name__)

# phylo run's lineage.tsv columns, plus where each article and its source live
LINEAGE_COLUMNS = [*NEWS_LINEAGE_COLUMNS, "url", "source_url"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- story folders

def write_dirty_stories(conn, out_dir: Path, config: dict) -> int:
    """Rewrite the folder of every story changed since its folder was last written."""
    dirty = [r[0] for r in conn.execute("SELECT id FROM stories WHERE dirty = 1 ORDER BY id")]
    for story_id in dirty:
        folder = out_dir / "stories" / str(story_id)
        members = conn.execute("SELECT COUNT(*) FROM story_members WHERE story_id = ?", (story_id,)).fetchone()[0]
        merged = conn.execute("SELECT merged_into FROM stories WHERE id = ?", (story_id,)).fetchone()[0]
        if merged is None and members > 1:
            write_story(conn, story_id, folder, config)
        else:  # its articles are in the story it joined, or no longer share enough text
            shutil.rmtree(folder, ignore_errors=True)
            write_gone_page(folder, story_id, current_story(conn, story_id) if merged is not None else None)
        with transaction(conn):
            conn.execute("UPDATE stories SET dirty = 0 WHERE id = ?", (story_id,))
    return len(dirty)


def write_gone_page(folder: Path, story_id: int, merged_into: int | None) -> None:
    """report.html of a story that is no more: a redirect to the story it joined, or a note."""
    if merged_into is not None:
        target = f"../{merged_into}/report.html"
        body = (f'<meta http-equiv="refresh" content="0; url={target}">'
                f'<p>Story {story_id} was merged into <a href="{target}">story {merged_into}</a>.</p>')
    else:
        body = (f"<p>Story {story_id} no longer exists: its articles no longer share enough text to be one "
                f'story. See the <a href="../../index.html">dashboard</a>.</p>')
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Story {story_id}</title>{body}</head></html>\n"
    atomic_write(folder / "report.html", page)


def write_story(conn, story_id: int, folder: Path, config: dict) -> None:
    """tree.nwk, lineage.tsv and report.html of one story, built as ``phylo run`` builds them."""
    from phylo.align.scikit_bio import DistanceMatrix

    from phylo.report.html import write_report
    from phylo.trees.build import rooted_tree, to_newick

    rows = story_table(conn, story_id)
    table = [r | {"published": r["date"]} for r in rows]  # undated: the run that first saw it
    distances = cached_distances(conn, rows, config["run"]["correction"], config["run"]["gaps"])
    dm = DistanceMatrix(distances["matrix"], distances["labels"])
    tree, rooting = rooted_tree(distances["labels"], distances["matrix"],
                                {r["label"]: r["published"] for r in table}, method="nj")
    tree = {"newick": to_newick(tree), "rooting": rooting, "method": "nj" if len(rows) >= 3 else "pair"}
    lineage = stored_lineage(conn, rows)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "tree.nwk", tree["newick"] + "\n")
    cells = [flat_row(read_row(r)) | {"url": r["url"], "source_url": r["source_url"]} for r in lineage]
    atomic_write(folder / "lineage.tsv", tsv_text(cells, LINEAGE_COLUMNS))
    svgs = {"svg": "", "lineage_svg": ""}
    if config["run"]["draw"]:
        from phylo.report.draw import draw_lineage, draw_tree

        info = {r["label"]: r for r in table}
        draw_tree(tree["newick"], info, [folder / "tree.svg"], title=f"Story {story_id}")
        draw_lineage(lineage, info, [folder / "lineage.svg"], title=f"Story {story_id}: who copied whom")
        svgs = {"svg": (folder / "tree.svg").read_text(encoding="utf-8"),
                "lineage_svg": (folder / "lineage.svg").read_text(encoding="utf-8")}
    write_report(folder / "report.html", table=table, tree=tree, dm=dm, lineage=lineage,
                 title=rows[0]["title"] or f"Story {story_id}", **svgs)


def stored_lineage(conn, rows: list[dict]) -> list[dict]:
    """The story's lineage rows as stored by the last run, with labels, in the schema
    ``phylo.trees.lineage`` gives them (rows stored before verdicts have none: the
    report reads those as ``phylo.report.verdicts.read_row`` says)."""
    by_id = {r["id"]: r for r in rows}
    out = []
    for r in rows:
        edge = conn.execute("SELECT * FROM lineage WHERE article_id = ?", (r["id"],)).fetchone()
        edge = dict(edge) if edge else {}
        source = by_id.get(edge.get("source_article_id"))
        evidence = json.loads(edge.get("evidence") or "null")
        if evidence is not None:
            against = by_id.get(evidence.get("against"))
            evidence["against"] = against["label"] if against else None
        row = {"label": r["label"], "source": source["label"] if source else None,
               "identity": edge.get("identity"), "confidence": edge.get("confidence"),
               "containment": edge.get("containment"), "note": edge.get("note") or "",
               "url": r["url"], "source_url": source["url"] if source else None}
        if edge.get("verdict"):
            row |= {"verdict": edge["verdict"], "evidence": evidence or {}, "unseen_group": edge.get("unseen_group"),
                    "secondary_sources": [{"label": by_id[s["article_id"]]["label"], "share": s["share"]}
                                          for s in json.loads(edge.get("secondary") or "[]")
                                          if s["article_id"] in by_id]}
        out.append(row)
    return out


# ---------------------------------------------------------------- alerts

def channels(config: dict) -> list[str]:
    """The channels every alert must reach: the file always, stderr and the webhook if set."""
    settings = config["alerts"]
    return ["file"] + (["stderr"] if settings["stderr"] else []) + (["webhook"] if settings["webhook"] else [])


def deliver_alerts(conn, out_dir: Path, config: dict) -> dict:
    """Send every alert not yet delivered on each channel that has not accepted it yet.

    Returns ``{"delivered": alerts now delivered everywhere, "undelivered": alerts still
    waiting}``. Each channel's outcome is committed as soon as it is known, so a kill can
    repeat at most the one send in flight (at least once, never lost).
    """
    settings = config["alerts"]
    wanted = channels(config)
    rows = conn.execute("SELECT * FROM alerts WHERE delivered = 0 ORDER BY article_id").fetchall()
    delivered = waiting = 0
    webhook_down = None  # after one failure, the webhook is not tried again this run
    for row in rows:
        alert = alert_record(conn, row)
        done = True
        for channel in wanted:
            state = conn.execute("SELECT * FROM deliveries WHERE article_id = ? AND channel = ?",
                                 (row["article_id"], channel)).fetchone()
            if state and state["delivered"]:
                continue
            if state and state["next_try"] and state["next_try"] > _now().isoformat():
                done = False
                continue
            if channel == "webhook" and webhook_down:
                error = f"not tried: the webhook failed on an earlier alert this run ({webhook_down})"
                _record_delivery(conn, row["article_id"], channel, error, settings, count=False)
                done = False
                continue
            error = send(channel, alert, out_dir, config)
            _record_delivery(conn, row["article_id"], channel, error, settings)
            if error:
                done = False
                if channel == "webhook":
                    webhook_down = error
                log.warning("alert for %s not delivered on %s: %s", alert["copy"]["url"], channel, error)
        if done:
            with transaction(conn):
                conn.execute("UPDATE alerts SET delivered = 1 WHERE article_id = ?", (row["article_id"],))
            delivered += 1
        else:
            waiting += 1
    return {"delivered": delivered, "undelivered": waiting}


def _record_delivery(conn, article_id: int, channel: str, error: str | None, settings: dict,
                     count: bool = True) -> None:
    with transaction(conn):
        row = conn.execute("SELECT attempts FROM deliveries WHERE article_id = ? AND channel = ?",
                           (article_id, channel)).fetchone()
        attempts = (row[0] if row else 0) + (1 if count else 0)
        if error is None:
            delivered, next_try = _now().isoformat(), None
        else:
            delivered = None
            wait = min(settings["retry_after"] * 2 ** max(attempts - 1, 0), settings["retry_max"])
            next_try = (_now() + timedelta(seconds=wait)).isoformat() if count else None
        conn.execute("INSERT INTO deliveries (article_id, channel, delivered, attempts, next_try, error) "
                     "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, channel) DO UPDATE SET "
                     "delivered = excluded.delivered, attempts = excluded.attempts, next_try = excluded.next_try, "
                     "error = excluded.error", (article_id, channel, delivered, attempts, next_try, error))


def send(channel: str, alert: dict, out_dir: Path, config: dict) -> str | None:
    """Deliver one alert on one channel: None when the channel accepted it, else why not."""
    settings = config["alerts"]
    if channel == "file":
        path = out_dir / settings["file"]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(alert, ensure_ascii=False) + "\n")
        except OSError as exc:
            return f"cannot write {path}: {exc.strerror or exc}"
        return None
    if channel == "stderr":
        print(f"ALERT: {alert['copy']['site'] or alert['copy']['url']} copied "
              f"{alert['source']['site'] or alert['source']['url']} ({alert['identity']:.0%} identical): "
              f"{alert['copy']['url']}", file=sys.stderr)
        return None
    return post_webhook(settings["webhook"], alert, config["fetch"])


def post_webhook(url: str, alert: dict, fetch: dict) -> str | None:
    """POST the alert as JSON; None when the webhook answered 2xx, else what went wrong.

    The address goes through the same checks as feeds (``phylo.web.safety.check_address``:
    no private or loopback address unless ``fetch.allow_private``), and redirects are not
    followed (one could lead there).
    """
    import requests

    from phylo.web.safety import check_address

    try:
        check_address(url, {"allow_private": fetch["allow_private"]})
    except EntryError as exc:
        return f"{exc.status}: {exc.message}"
    try:
        response = requests.post(url, json=alert, allow_redirects=False,
                                 timeout=(fetch["connect_timeout"], fetch["read_timeout"]))
    except requests.exceptions.RequestException as exc:
        return f"{url} failed: {type(exc).__name__}: {exc}"
    if not 200 <= response.status_code < 300:
        return f"{url} answered HTTP {response.status_code}"
    return None


def alert_record(conn, row) -> dict:
    """An alert as it goes out: the copy, its source, how much it took, the story it is in."""
    def article(article_id):
        a = conn.execute("SELECT url, title, site, published, first_seen FROM articles WHERE id = ?",
                         (article_id,)).fetchone()
        return dict(a)

    edge = conn.execute("SELECT containment FROM lineage WHERE article_id = ?", (row["article_id"],)).fetchone()
    story = current_story(conn, row["story_id"])
    return {"created": row["created"], "run": row["run_id"], "story": story,
            "report": f"stories/{story}/report.html", "identity": round(row["identity"], 4),
            "share": round(edge["containment"], 4) if edge and edge["containment"] is not None else None,
            "copy": article(row["article_id"]), "source": article(row["source_article_id"])}


# ---------------------------------------------------------------- dashboard

def readable(value: str | None) -> str:
    """``2024-03-12T06:10:00+00:00`` -> ``2024-03-12 06:10 UTC`` (as given when not a date)."""
    when = parse_date(value) if value else None
    if when is None:
        return value or ""
    return when.strftime("%Y-%m-%d %H:%M UTC") if len(value) > 10 else when.strftime("%Y-%m-%d")


def dashboard_data(conn) -> dict:
    """Everything index.html shows, as plain values (see the template for the layout)."""
    runs = [dict(r) | {"sources": json.loads(r["sources"] or "{}"), "items": json.loads(r["items"] or "{}")}
            for r in conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 20")]
    run_start = {r[0]: r[1] for r in conn.execute("SELECT id, started FROM runs")}
    latest = max(run_start) if run_start else None
    stories = []
    for s in conn.execute("SELECT * FROM stories WHERE merged_into IS NULL ORDER BY id"):
        members = conn.execute(
            "SELECT a.id, a.title, a.site, a.origin, COALESCE(a.published, a.first_seen) AS at, a.first_seen, m.run_id "
            "FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id = ? ORDER BY at, a.id",
            (s["id"],)).fetchall()
        if len(members) < 2:
            continue
        times = sorted(parse_date(m["at"]) for m in members if parse_date(m["at"]))
        sizes = [{"run": r[0], "size": r[1], "when": readable(run_start.get(r[0]))} for r in conn.execute(
            "SELECT run_id, size FROM story_sizes WHERE story_id = ? ORDER BY run_id", (s["id"],))]
        hours = _per_hour(times)
        outlets = sorted({m["site"] or m["origin"] for m in members})
        recent = sum(1 for m in members if m["run_id"] == latest)
        last_day = sum(1 for t in times if times and t >= times[-1] - timedelta(hours=24))
        stories.append({
            "id": s["id"], "title": members[0]["title"] or members[0]["site"] or f"story {s['id']}",
            "size": len(members), "outlets": outlets, "first": readable(members[0]["at"]),
            "last": readable(members[-1]["at"]), "first_sort": members[0]["at"], "last_sort": members[-1]["at"],
            "sizes": sizes, "hours": hours, "recent": recent, "last_day": last_day,
            "updated_run": s["updated_run"], "created_run": s["created_run"],
        })
    stories.sort(key=lambda s: (-s["recent"], -s["size"], s["id"]))
    alerts = []
    for row in conn.execute(
            "SELECT l.* FROM alerts l JOIN articles a ON a.id = l.article_id "
            "ORDER BY l.run_id DESC, COALESCE(a.published, a.first_seen) DESC, l.article_id DESC LIMIT 300"):
        record = alert_record(conn, row)
        pending = [dict(d) for d in conn.execute(
            "SELECT channel, attempts, next_try, error FROM deliveries WHERE article_id = ? AND delivered IS NULL",
            (row["article_id"],))]
        alerts.append(record | {"delivered": bool(row["delivered"]), "pending": pending,
                                "when": readable(row["created"]),
                                "published": readable(record["copy"]["published"] or record["copy"]["first_seen"]),
                                "source_published": readable(record["source"]["published"])})
    outlets = _outlets(conn)
    failures = [dict(r) | {"source": r["source"]} for r in conn.execute(
        "SELECT i.url, i.status, i.message, i.tries, i.run_id, s.name AS source FROM items i "
        "JOIN sources s ON s.id = i.source_id WHERE i.status NOT IN ('ok', 'duplicate', 'filtered', 'pending') "
        "ORDER BY i.run_id DESC, i.rowid DESC LIMIT 200")]
    skipped = [dict(r) for r in conn.execute(
        "SELECT i.url, i.status, i.message, i.run_id, s.name AS source FROM items i JOIN sources s ON s.id = i.source_id "
        "WHERE i.status IN ('duplicate', 'filtered') ORDER BY i.run_id DESC, i.rowid DESC LIMIT 100")]
    events = [dict(r) | {"when": readable(r["created"])} for r in conn.execute(
        "SELECT * FROM story_events ORDER BY id DESC LIMIT 50")]
    for r in runs:
        r["started_text"], r["finished_text"] = readable(r["started"]), readable(r["finished"])
        a, b = parse_date(r["started"]), parse_date(r["finished"])
        r["seconds"] = round((b - a).total_seconds(), 1) if a and b else None
    totals = {"articles": conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
              "alerts": conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0],
              "undelivered": sum(1 for a in alerts if not a["delivered"]),
              "stories": len(stories), "failures": len(failures)}
    return {"stories": stories, "alerts": alerts, "outlets": outlets, "failures": failures, "skipped": skipped,
            "events": events, "runs": runs, "totals": totals}


def _outlets(conn) -> list[dict]:
    """Per outlet: articles, stories they are in, copies it published, copies taken from it."""
    name = "COALESCE(a.site, a.origin)"
    out: dict[str, dict] = {}
    queries = {
        "articles": f"SELECT {name}, COUNT(*) FROM articles a GROUP BY 1",
        "stories": f"SELECT {name}, COUNT(DISTINCT m.story_id) FROM articles a JOIN story_members m "
                   "ON m.article_id = a.id GROUP BY 1",
        "copies": f"SELECT {name}, COUNT(*) FROM lineage l JOIN articles a ON a.id = l.article_id "
                  "WHERE l.source_article_id IS NOT NULL GROUP BY 1",
        "copied": f"SELECT {name}, COUNT(*) FROM lineage l JOIN articles a ON a.id = l.source_article_id GROUP BY 1",
    }
    for column, sql in queries.items():
        for outlet, n in conn.execute(sql):
            out.setdefault(outlet, {"outlet": outlet, "articles": 0, "stories": 0, "copies": 0, "copied": 0})[column] = n
    return sorted(out.values(), key=lambda r: (-r["articles"], r["outlet"]))


def _per_hour(times: list[datetime]) -> list[dict]:
    """Articles first published in each hour from the story's first to its last."""
    if not times:
        return []
    start = times[0].replace(minute=0, second=0, microsecond=0)
    counts: dict[int, int] = {}
    for t in times:
        counts[int((t - start).total_seconds() // 3600)] = counts.get(int((t - start).total_seconds() // 3600), 0) + 1
    span = min(max(counts) + 1, 72)  # at most three days of bars
    return [{"hour": (start + timedelta(hours=h)).strftime("%Y-%m-%d %H:00"), "count": counts.get(h, 0)}
            for h in range(span)]


def write_dashboard(conn, out_dir: Path, config: dict | None = None) -> Path:
    data = dashboard_data(conn)
    data["generated"] = readable(_now().isoformat())
    data["channels"] = channels(config) if config else []
    page = template("dashboard.html").render(**data)
    path = out_dir / "index.html"
    atomic_write(path, page)
    return path
