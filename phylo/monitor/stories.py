"""Stories: group new articles, align only the pairs not yet aligned, infer lineages.

Three steps, each resumable on its own (see ``phylo.monitor.db``):

1. ``group_new``: each article not yet grouped is compared (MinHash/LSH, phylo.trees.grouping)
   with every stored article; the pairs above the threshold join stories (connected
   components), creating, growing or merging stories. Every pair of articles is
   checked once, when the later of the two arrives, so the grouping does not depend
   on how articles were split into runs.
2. ``align_missing``: the pairs of a story's members that have no row in ``pairs``
   are aligned (phylo.align.nw) and cached; texts never change, so neither do results.
3. ``update_lineage``: a changed story's distances come from the cached pairs and its
   lineage as ``phylo run`` infers it (phylo.trees.lineage: the earlier article
   that explains most of each article's text); new members copied above the alert
   threshold (alignment identity with their source) get an alert row.
"""

from __future__ import annotations

import itertools
import json
import logging

import numpy as np

from phylo.trees import grouping
from phylo.monitor.db import get_meta, set_meta, transaction

log = logging.getLogger(__name__)

ALIGN_CHUNK = 400  # pairs aligned, then committed together


# ---------------------------------------------------------------- 1. grouping

def group_new(conn, run_id: int, threshold: float) -> set[int]:
    """Put every ungrouped article into a story (if it shares text); returns touched story ids."""
    rows = conn.execute("SELECT id, signature, grouped FROM articles ORDER BY id").fetchall()
    new = [r["id"] for r in rows if not r["grouped"]]
    if not new:
        return set()
    sigs = {r["id"]: np.frombuffer(r["signature"], dtype=np.uint64) for r in rows}
    index = grouping.LSHIndex(threshold, num_perm=len(sigs[new[0]]))
    for article_id, sig in sigs.items():
        if not grouping.is_empty(sig):
            index.add(str(article_id), sig)
    pairs = set()
    for article_id in new:
        for other in map(int, index.query(sigs[article_id])):
            if other != article_id and grouping.similarity(sigs[article_id], sigs[other]) >= threshold:
                pairs.add((min(article_id, other), max(article_id, other)))

    story_of = {r["article_id"]: r["story_id"] for r in conn.execute("SELECT article_id, story_id FROM story_members")}
    members: dict[int, list[int]] = {}
    for article_id, story_id in story_of.items():
        members.setdefault(story_id, []).append(article_id)
    # Existing stories enter the components as chains of their members.
    involved = {a for pair in pairs for a in pair}
    links = [(str(a), str(b)) for a, b in pairs]
    for story_id in {story_of[a] for a in involved if a in story_of}:
        ids = sorted(members[story_id])
        involved.update(ids)
        links += [(str(ids[0]), str(other)) for other in ids[1:]]

    touched = set()
    with transaction(conn):
        for component in grouping.group([str(a) for a in sorted(involved)], links):
            if len(component) < 2:
                continue
            ids = sorted(map(int, component))
            existing = sorted({story_of[a] for a in ids if a in story_of})
            if existing:
                story_id = existing[0]
                for other in existing[1:]:  # the new articles joined two stories: merge them
                    conn.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (story_id, other))
                    conn.execute("UPDATE lineage SET story_id = ? WHERE story_id = ?", (story_id, other))
                    conn.execute("UPDATE stories SET merged_into = ?, dirty = 1 WHERE id = ?", (story_id, other))
            else:
                story_id = conn.execute("INSERT INTO stories (created_run, updated_run) VALUES (?, ?)",
                                        (run_id, run_id)).lastrowid
            for article_id in ids:
                if article_id not in story_of:
                    conn.execute("INSERT INTO story_members (article_id, story_id, run_id) VALUES (?, ?, ?)",
                                 (article_id, story_id, run_id))
            conn.execute("UPDATE stories SET updated_run = ?, dirty = 1 WHERE id = ?", (run_id, story_id))
            conn.execute("INSERT OR REPLACE INTO story_sizes (story_id, run_id, size) VALUES (?, ?, ?)",
                         (story_id, run_id, len(ids)))
            touched.add(story_id)
        conn.executemany("UPDATE articles SET grouped = 1 WHERE id = ?", [(a,) for a in new])
    return touched


# ---------------------------------------------------------------- 2. alignments

def pending_stories(conn) -> list[int]:
    """Stories with members whose lineage has not been evaluated yet."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT story_id FROM story_members WHERE checked = 0 ORDER BY story_id")]


def story_members(conn, story_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT article_id FROM story_members WHERE story_id = ? ORDER BY article_id", (story_id,))]


def check_align_settings(conn, unit: str) -> None:
    """Cached pairs are only valid for the settings that made them; drop them if those changed."""
    from phylo.align.nw import DEFAULT_MODE, DEFAULT_SCORING

    settings = json.dumps({"unit": unit, "normalize": True, "mode": DEFAULT_MODE, "scoring": DEFAULT_SCORING})
    if get_meta(conn, "align_settings") != settings:
        with transaction(conn):
            conn.execute("DELETE FROM pairs")
            set_meta(conn, "align_settings", settings)


def missing_pairs(conn, story_ids: list[int]) -> list[tuple[int, int]]:
    done = {(r[0], r[1]) for r in conn.execute("SELECT a, b FROM pairs")}
    out = []
    for story_id in story_ids:
        out += [p for p in itertools.combinations(story_members(conn, story_id), 2) if p not in done]
    return out


def align_missing(conn, story_ids: list[int], run_id: int, unit: str, should_stop=lambda: False) -> int:
    """Align the stories' member pairs that have no cached result; returns how many were aligned."""
    from phylo.align.nw import align_pairs
    from phylo.align.encoding import encode

    check_align_settings(conn, unit)
    todo = missing_pairs(conn, story_ids)
    sequences: dict[int, str] = {}
    for a, b in todo:
        for article_id in (a, b):
            if article_id not in sequences:
                text = conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
                sequences[article_id] = encode(text, normalize=True)
    done = 0
    for start in range(0, len(todo), ALIGN_CHUNK):
        if should_stop():
            break
        chunk = todo[start:start + ALIGN_CHUNK]
        ids = sorted({a for pair in chunk for a in pair})
        position = {article_id: i for i, article_id in enumerate(ids)}
        results = align_pairs([sequences[a] for a in ids], [(position[a], position[b]) for a, b in chunk], unit=unit)
        with transaction(conn):
            conn.executemany(
                "INSERT OR IGNORE INTO pairs (a, b, identity, result, run_id) VALUES (?, ?, ?, ?, ?)",
                [(a, b, float(r["identity"]), json.dumps(_plain(r)), run_id) for (a, b), r in zip(chunk, results)])
        done += len(chunk)
    return done


def _plain(result: dict) -> dict:
    """An alignment result as JSON-able values (numpy scalars become Python numbers)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in result.items()
            if isinstance(v, (int, float, str, bool, type(None))) or hasattr(v, "item")}


# ---------------------------------------------------------------- 3. lineage and alerts

def story_table(conn, story_id: int) -> list[dict]:
    """The story's members as article rows (phylo.news table rows), with unique labels."""
    from phylo.trees.labels import make_labels

    rows = [dict(r) | {"status": "ok"} for r in conn.execute(
        "SELECT a.id, a.url, a.url AS final_url, a.title, a.site, a.published, a.byline, a.text, a.first_seen "
        "FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id = ? ORDER BY a.id",
        (story_id,))]
    for row, label in zip(rows, make_labels(rows)):
        row["label"] = label
        row["chars"] = len(row["text"])
        # Undated pages count from the run that first saw them: a copy cannot predate that.
        row["date"] = row["published"] or row["first_seen"]
    return rows


def cached_distances(conn, rows: list[dict], correction: str, gaps: str = "affine") -> dict:
    """The story's distances as the news pipeline's ``distances`` value, from the cached pairs.

    ``{"labels", "matrix" (distances, gaps counted as ``gaps`` says), "identity"
    (alignment identities, matches / columns)}`` (``phylo.align.pairwise.distance_data``).
    """
    from phylo.align.pairwise import distance_data

    ids = [r["id"] for r in rows]
    position = {article_id: i for i, article_id in enumerate(ids)}
    marks = ",".join("?" * len(ids))
    found = conn.execute(f"SELECT a, b, result FROM pairs WHERE a IN ({marks}) AND b IN ({marks})",
                         ids + ids).fetchall()
    pairs = [(position[r["a"]], position[r["b"]]) for r in found]
    return distance_data([r["label"] for r in rows], pairs, [json.loads(r["result"]) for r in found],
                         gaps=gaps, correction=correction)


def update_lineage(conn, story_id: int, run_id: int, alert_threshold: float, correction: str) -> int:
    """Recompute the story's lineage edges; add alerts for new members; returns alerts added.

    The lineage is the news pipeline's own (``phylo.trees.lineage.table_lineage``): each
    article's source is the earlier article that explains most of its text.
    """
    from phylo.trees.lineage import table_lineage

    rows = story_table(conn, story_id)
    table = [r | {"published": r["date"]} for r in rows]
    edges = table_lineage(table, cached_distances(conn, rows, correction))
    by_label = {r["label"]: r for r in rows}
    unchecked = {r[0] for r in conn.execute(
        "SELECT article_id FROM story_members WHERE story_id = ? AND checked = 0", (story_id,))}
    added = 0
    with transaction(conn):
        for edge in edges:
            child = by_label[edge["label"]]["id"]
            source = by_label[edge["source"]]["id"] if edge["source"] else None
            conn.execute("INSERT OR REPLACE INTO lineage (article_id, story_id, source_article_id, identity, "
                         "containment, confidence, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (child, story_id, source, edge["identity"], edge["containment"], edge["confidence"],
                          edge["note"]))
            if child in unchecked and source and edge["identity"] >= alert_threshold:
                added += conn.execute(
                    "INSERT OR IGNORE INTO alerts (article_id, source_article_id, story_id, identity, run_id, created) "
                    "VALUES (?, ?, ?, ?, ?, datetime('now'))", (child, source, story_id, edge["identity"], run_id)).rowcount
        conn.execute("UPDATE story_members SET checked = 1 WHERE story_id = ?", (story_id,))
        conn.execute("UPDATE stories SET dirty = 1 WHERE id = ?", (story_id,))
    return added
