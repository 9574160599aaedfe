"""What a run leaves for people: story folders, the dashboard, and alerts.

Output folder::

    index.html                  the dashboard: stories, growth, most copied / most copying sites
    alerts.jsonl                one JSON object per alert, appended
    stories/<id>/tree.nwk       the story's current tree (phylo.trees.build.rooted_tree)
    stories/<id>/lineage.tsv    who copied whom, one row per article
    stories/<id>/report.html    the news pipeline's report (phylo.report.html)
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

from phylo.monitor.db import transaction
from phylo.monitor.stories import cached_distances, story_table
from phylo.report.files import LINEAGE_COLUMNS as NEWS_LINEAGE_COLUMNS
from phylo.engine.files import atomic_write, tsv_text
from phylo.report.html import template

log = logging.getLogger(__name__)

# phylo run's lineage.tsv columns, plus where each article and its source live
LINEAGE_COLUMNS = [*NEWS_LINEAGE_COLUMNS, "url", "source_url"]


# ---------------------------------------------------------------- story folders

def write_dirty_stories(conn, out_dir: Path, config: dict) -> int:
    """Rewrite the folder of every story changed since its folder was last written."""
    dirty = [r[0] for r in conn.execute("SELECT id FROM stories WHERE dirty = 1 ORDER BY id")]
    for story_id in dirty:
        merged = conn.execute("SELECT merged_into FROM stories WHERE id = ?", (story_id,)).fetchone()[0]
        folder = out_dir / "stories" / str(story_id)
        if merged is None:
            write_story(conn, story_id, folder, config)
        else:
            shutil.rmtree(folder, ignore_errors=True)  # its articles are in the story it joined
        with transaction(conn):
            conn.execute("UPDATE stories SET dirty = 0 WHERE id = ?", (story_id,))
    return len(dirty)


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
    atomic_write(folder / "lineage.tsv", tsv_text(lineage, LINEAGE_COLUMNS))
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
    """The story's lineage edges as stored by the last run (labels, as phylo.trees.lineage gives them)."""
    by_id = {r["id"]: r for r in rows}
    out = []
    for r in rows:
        edge = conn.execute("SELECT * FROM lineage WHERE article_id = ?", (r["id"],)).fetchone()
        source = by_id.get(edge["source_article_id"]) if edge else None
        out.append({"label": r["label"], "source": source["label"] if source else None,
                    "identity": edge["identity"] if edge else None,
                    "confidence": edge["confidence"] if edge else None,
                    "containment": edge["containment"] if edge else None,
                    "note": edge["note"] if edge else "",
                    "url": r["url"], "source_url": source["url"] if source else None})
    return out


# ---------------------------------------------------------------- alerts

def deliver_alerts(conn, out_dir: Path, config: dict) -> int:
    """Send every alert not yet delivered: alerts.jsonl, stderr, and the webhook if set.

    An alert is marked delivered only after it was written, so a kill in between can
    repeat it once (at least once, never lost).
    """
    rows = conn.execute("SELECT * FROM alerts WHERE delivered = 0 ORDER BY article_id").fetchall()
    if not rows:
        return 0
    settings = config["alerts"]
    path = out_dir / settings["file"]
    path.parent.mkdir(parents=True, exist_ok=True)
    for row in rows:
        alert = alert_record(conn, row)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(alert, ensure_ascii=False) + "\n")
        if settings["stderr"]:
            print(f"ALERT: {alert['copy']['site'] or alert['copy']['url']} copied "
                  f"{alert['source']['site'] or alert['source']['url']} ({alert['identity']:.0%} identical): "
                  f"{alert['copy']['url']}", file=sys.stderr)
        if settings["webhook"]:
            post_webhook(settings["webhook"], alert)
        with transaction(conn):
            conn.execute("UPDATE alerts SET delivered = 1 WHERE article_id = ?", (row["article_id"],))
    return len(rows)


def alert_record(conn, row) -> dict:
    def article(article_id):
        a = conn.execute("SELECT url, title, site, published, first_seen FROM articles WHERE id = ?",
                         (article_id,)).fetchone()
        return dict(a)

    return {"created": row["created"], "run": row["run_id"], "story": row["story_id"],
            "identity": round(row["identity"], 4), "copy": article(row["article_id"]),
            "source": article(row["source_article_id"])}


def post_webhook(url: str, alert: dict) -> None:
    """POST the alert as JSON; a failing webhook is logged, never fatal."""
    import requests

    try:
        response = requests.post(url, json=alert, timeout=10)
        if response.status_code >= 400:
            log.warning("webhook %s answered %s", url, response.status_code)
    except requests.exceptions.RequestException as exc:
        log.warning("webhook %s failed: %s", url, exc)


# ---------------------------------------------------------------- dashboard

def write_dashboard(conn, out_dir: Path) -> Path:
    stories = []
    for s in conn.execute("SELECT * FROM stories WHERE merged_into IS NULL ORDER BY updated_run DESC, id"):
        first = conn.execute("SELECT a.title, a.site FROM story_members m JOIN articles a ON a.id = m.article_id "
                             "WHERE m.story_id = ? ORDER BY a.id LIMIT 1", (s["id"],)).fetchone()
        sizes = [r[0] for r in conn.execute("SELECT size FROM story_sizes WHERE story_id = ? ORDER BY run_id",
                                            (s["id"],))]
        stories.append({"id": s["id"], "title": first["title"] or first["site"] or f"story {s['id']}",
                        "size": sizes[-1] if sizes else 0, "growth": sizes, "updated_run": s["updated_run"],
                        "created_run": s["created_run"]})
    copied = conn.execute(
        "SELECT COALESCE(src.site, src.url) AS site, COUNT(*) AS n FROM lineage l "
        "JOIN articles src ON src.id = l.source_article_id GROUP BY 1 ORDER BY n DESC, 1 LIMIT 15").fetchall()
    copiers = conn.execute(
        "SELECT COALESCE(a.site, a.url) AS site, COUNT(*) AS n FROM lineage l "
        "JOIN articles a ON a.id = l.article_id WHERE l.source_article_id IS NOT NULL "
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 15").fetchall()
    runs = [dict(r) | {"sources": json.loads(r["sources"] or "{}")} for r in
            conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 10")]
    totals = {"articles": conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
              "alerts": conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]}
    page = template("dashboard.html").render(stories=stories, copied=copied, copiers=copiers, runs=runs,
                                             totals=totals)
    path = out_dir / "index.html"
    atomic_write(path, page)
    return path
