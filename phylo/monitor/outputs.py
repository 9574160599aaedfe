"""What a run leaves for people: story folders, the dashboard, and alerts.

Output folder::

    index.html                  the dashboard: stories, growth, most copied / most copying sites
    alerts.jsonl                one JSON object per alert, appended
    stories/<id>/tree.nwk       the story's current tree (the news pipeline's make_tree)
    stories/<id>/lineage.tsv    who copied whom, one row per article
    stories/<id>/report.html    the news pipeline's report (phylo.report)
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

from jinja2 import Environment, select_autoescape

from phylo.monitor.db import transaction
from phylo.monitor.stories import story_distances, story_table
from phylo.outputs import LINEAGE_COLUMNS as NEWS_LINEAGE_COLUMNS
from phylo.outputs import atomic_write, tsv_text

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
    """tree.nwk, lineage.tsv and report.html of one story, with the news pipeline's stages."""
    from skbio import DistanceMatrix

    from phylo.report import write_report
    from pipelines.news import make_tree

    rows = story_table(conn, story_id)
    table = [r | {"published": r["date"]} for r in rows]  # undated: the run that first saw it
    distances = story_distances(conn, rows, config["run"]["correction"], config["run"]["gaps"])
    dm = DistanceMatrix(distances["matrix"], distances["labels"])
    if len(rows) >= 3:
        tree = make_tree(distances, table, [], method="nj", root="date")  # no bootstrap support
    else:
        tree = pair_tree(dm)
    lineage = stored_lineage(conn, rows)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "tree.nwk", tree["newick"] + "\n")
    atomic_write(folder / "lineage.tsv", tsv_text(lineage, LINEAGE_COLUMNS))
    svgs = {"svg": "", "lineage_svg": ""}
    if config["run"]["draw"]:
        from phylo.draw import draw_lineage, draw_tree

        info = {r["label"]: r for r in table}
        draw_tree(tree["newick"], info, [folder / "tree.svg"], title=f"Story {story_id}")
        draw_lineage(lineage, info, [folder / "lineage.svg"], title=f"Story {story_id}: who copied whom")
        svgs = {"svg": (folder / "tree.svg").read_text(encoding="utf-8"),
                "lineage_svg": (folder / "lineage.svg").read_text(encoding="utf-8")}
    write_report(folder / "report.html", table=table, tree=tree, dm=dm, lineage=lineage,
                 title=rows[0]["title"] or f"Story {story_id}", **svgs)


def pair_tree(dm) -> dict:
    """The tree of a two-article story (tree builders need three): the distance split in two."""
    (a, b), half = dm.ids, float(dm.data[0, 1]) / 2
    return {"newick": f"({a}:{half:.6g},{b}:{half:.6g});", "rooting": "midpoint", "method": "pair"}


def stored_lineage(conn, rows: list[dict]) -> list[dict]:
    """The story's lineage edges as stored by the last run (labels, as phylo.lineage gives them)."""
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
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.from_string(DASHBOARD).render(stories=stories, copied=copied, copiers=copiers, runs=runs,
                                             totals=totals)
    path = out_dir / "index.html"
    atomic_write(path, page)
    return path


DASHBOARD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phylo monitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d232b; background: #fafbfc; }
 header { background: #12324f; color: #fff; padding: 16px 28px; } header h1 { margin: 0; font-size: 22px; }
 section { padding: 8px 28px 20px; } h2 { border-bottom: 2px solid #d5dde6; padding-bottom: 4px; }
 table { border-collapse: collapse; font-size: 13px; }
 th, td { border: 1px solid #d5dde6; padding: 4px 8px; text-align: left; vertical-align: top; }
 th { background: #eef2f6; } .bar { display: inline-block; background: #3b6ea5; height: 10px; margin-right: 1px; width: 6px; }
 .err { color: #a1281b; } .cols { display: flex; gap: 40px; flex-wrap: wrap; }
</style></head><body>
<header><h1>phylo monitor</h1><p>{{ stories|length }} stories · {{ totals.articles }} articles ·
 {{ totals.alerts }} alerts{% if runs %} · last run {{ runs[0].id }} ({{ runs[0].status }}, {{ runs[0].started }}){% endif %}</p></header>
<section id="stories"><h2>Stories</h2>
{% if not stories %}<p>No story yet: a story needs two articles that share text.</p>{% else %}
<table><tr><th>story</th><th>title</th><th>articles</th><th>growth over runs</th><th>updated in run</th></tr>
{% for s in stories %}<tr><td><a href="stories/{{ s.id }}/report.html">{{ s.id }}</a></td>
<td><a href="stories/{{ s.id }}/report.html">{{ s.title }}</a><br>
<a href="stories/{{ s.id }}/tree.nwk">tree.nwk</a> · <a href="stories/{{ s.id }}/lineage.tsv">lineage.tsv</a></td>
<td>{{ s.size }}</td>
<td title="{{ s.growth|join(' → ') }}">{% for n in s.growth %}<span class="bar" style="height: {{ 4 + 2 * n if n < 30 else 64 }}px"></span>{% endfor %}
 {{ s.growth|join(' → ') }}</td><td>{{ s.updated_run }}</td></tr>{% endfor %}</table>{% endif %}</section>
<section class="cols">
<div id="most-copied"><h2>Sources most copied</h2><table><tr><th>site</th><th>copies</th></tr>
{% for r in copied %}<tr><td>{{ r.site }}</td><td>{{ r.n }}</td></tr>{% endfor %}</table></div>
<div id="most-copying"><h2>Sites that copy most</h2><table><tr><th>site</th><th>copies</th></tr>
{% for r in copiers %}<tr><td>{{ r.site }}</td><td>{{ r.n }}</td></tr>{% endfor %}</table></div>
</section>
<section id="runs"><h2>Recent runs</h2>
<table><tr><th>run</th><th>started</th><th>status</th><th>new articles</th><th>pairs aligned</th><th>alerts</th><th>sources</th></tr>
{% for r in runs %}<tr><td>{{ r.id }}</td><td>{{ r.started }}</td><td>{{ r.status }}</td><td>{{ r.new_articles }}</td>
<td>{{ r.new_pairs }}</td><td>{{ r.alerts }}</td><td>{% for name, s in r.sources.items() %}{{ name }}:
{% if s.error %}<span class="err">{{ s.error }}</span>{% else %}{{ s.listed }} listed, {{ s.new }} new{% endif %}<br>{% endfor %}</td></tr>
{% endfor %}</table></section>
</body></html>
"""
