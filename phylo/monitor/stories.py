"""Stories: group new articles, align only the pairs not yet aligned, infer lineages.

Three steps, each resumable on its own (see ``phylo.monitor.db``):

1. ``group_new``: each article not yet grouped is compared with every article stored
   before it (``phylo.trees.grouping``: MinHash/LSH candidates, then the exact overlap
   of their word 3-gram sets); pairs from ``grouping.LINK_MIN`` on are stored as
   ``links``. Every pair is checked once, when the later of the two arrives. Then the
   new articles and the stories they link to are clustered again, exactly as
   ``phylo run --stories`` clusters a whole corpus (``grouping.regroup``): a story is
   a cluster one stray pair cannot merge. The clusters take over the old stories' ids
   (each id goes to the cluster holding most of its articles); a story whose articles
   all went into another one is *merged* (``stories.merged_into``, its alerts and its
   folder redirect there), and articles that left a story are a *split*; both are
   recorded in ``story_events``.
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
from datetime import datetime, timezone

import numpy as np

from phylo.trees import grouping
from phylo.monitor.db import get_meta, set_meta, transaction

log = logging.getLogger(__name__)

ALIGN_CHUNK = 400  # pairs aligned, then committed together
#: The latest articles whose text counts when finding common text and boilerplate
#: (``grouping.regroup``): about a day of a busy monitor.
CONTEXT_ARTICLES = 2000


# ---------------------------------------------------------------- 1. grouping

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fill_shingles(conn) -> None:
    """Shingle arrays for articles stored before the database had them (schema 1)."""
    missing = conn.execute("SELECT id, text FROM articles WHERE shingles IS NULL").fetchall()
    if missing:
        with transaction(conn):
            conn.executemany("UPDATE articles SET shingles = ? WHERE id = ?",
                             [(grouping.shingle_array(r["text"]).tobytes(), r["id"]) for r in missing])


def _arrays(conn, ids) -> dict[int, np.ndarray]:
    out = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), 900):  # SQLite's limit on ? marks
        part = ids[start:start + 900]
        for r in conn.execute(f"SELECT id, shingles FROM articles WHERE id IN ({','.join('?' * len(part))})", part):
            out[r["id"]] = np.frombuffer(r["shingles"], dtype=np.uint32)
    return out


def group_new(conn, run_id: int, threshold: float) -> set[int]:
    """Link every ungrouped article, regroup the stories it touches; returns the stories changed."""
    fill_shingles(conn)
    new = [r[0] for r in conn.execute("SELECT id FROM articles WHERE grouped = 0 ORDER BY id")]
    if not new:
        return set()
    fresh = set(new)
    outlets = {r[0]: grouping.outlet(r[1], r[2]) for r in conn.execute("SELECT id, url, site FROM articles")}
    story_of = {r[0]: r[1] for r in conn.execute("SELECT article_id, story_id FROM story_members")}

    # candidates: each new article against every article stored before it
    index, pairs = None, []
    for r in conn.execute("SELECT id, signature, length(shingles) / 4 AS size FROM articles ORDER BY id"):
        sig = np.frombuffer(r["signature"], dtype=np.uint64)
        if index is None:
            index = grouping.StoryIndex(num_perm=len(sig))
        if r["id"] in fresh:
            pairs += [(other, r["id"]) for other in index.candidates(sig, r["size"])]
        index.add(r["id"], sig, r["size"])
    arrays = _arrays(conn, {a for p in pairs for a in p})
    # an outlet's boilerplate is no link between two of its articles
    boiler = {o: _outlet_boilerplate(conn, o, outlets) for o in {outlets[a] for a in new}}
    own = [(a, b) for a, b in pairs if outlets[a] == outlets[b] and boiler.get(outlets[a], _NONE).size]
    mine = set(own)
    other = [p for p in pairs if p not in mine]
    stripped = {k: _without(arrays[k], boiler[outlets[k]]) for k in {k for p in own for k in p}}
    links = [(a, b, w) for (a, b), w in zip(other + own, grouping.overlaps(other, arrays) +
                                             grouping.overlaps(own, stripped)) if w >= grouping.LINK_MIN]
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO links (a, b, weight, run_id) VALUES (?, ?, ?, ?)",
                         [(a, b, w, run_id) for a, b, w in links])

    # regroup: the new articles, what they link to, and the whole stories of those
    linked = fresh | {x for a, b, _ in links for x in (a, b)}
    stories = {story_of[x] for x in linked if x in story_of}
    affected = set(linked)
    for story in stories:
        affected.update(story_members(conn, story))
    keys = sorted(affected)
    inside = _links_among(conn, keys)
    context_ids = [r[0] for r in conn.execute(
        "SELECT id FROM articles WHERE grouped = 1 ORDER BY id DESC LIMIT ?", (CONTEXT_ARTICLES,))]
    context = {x: story_of.get(x) for x in reversed(context_ids) if x not in affected}
    arrays = _arrays(conn, set(keys) | set(context))
    clusters, _ = grouping.regroup(keys, inside, arrays, outlets, threshold, context, boiler)
    with transaction(conn):
        touched = apply_clusters(conn, run_id, clusters, {x: story_of[x] for x in keys if x in story_of})
        conn.executemany("UPDATE articles SET grouped = 1 WHERE id = ?", [(a,) for a in new])
    return touched


_NONE = np.zeros(0, dtype=np.uint32)


def _without(array: np.ndarray, remove: np.ndarray) -> np.ndarray:
    return np.setdiff1d(array, remove, assume_unique=True)


def _outlet_boilerplate(conn, outlet: str, outlets: dict) -> np.ndarray:
    """``grouping.boilerplate`` over the outlet's latest articles."""
    ids = sorted((a for a, o in outlets.items() if o == outlet), reverse=True)[:grouping.BOILERPLATE_WINDOW]
    arrays = _arrays(conn, ids)
    return grouping.boilerplate([arrays[a] for a in sorted(ids)])


def _links_among(conn, keys: list[int]) -> list[tuple[int, int]]:
    """The stored links whose two articles are both in ``keys``."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS regroup_keys (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM regroup_keys")
    conn.executemany("INSERT INTO regroup_keys (id) VALUES (?)", [(k,) for k in keys])
    found = conn.execute("SELECT l.a, l.b FROM links l JOIN regroup_keys x ON x.id = l.a "
                         "JOIN regroup_keys y ON y.id = l.b ORDER BY l.a, l.b").fetchall()
    conn.execute("DELETE FROM regroup_keys")
    return [(r[0], r[1]) for r in found]


def apply_clusters(conn, run_id: int, clusters: list[list[int]], before: dict[int, int]) -> set[int]:
    """Store the new clusters of a set of articles (``before``: their stories until now).

    Inside the caller's transaction. Each old story id goes to the cluster holding most
    of its articles (the larger share wins; ties: the lower id); clusters left without
    one get a new story. Returns the ids of every story that changed.
    """
    clusters = [c for c in clusters if len(c) > 1]
    counts: dict[tuple[int, int], int] = {}
    for n, members in enumerate(clusters):
        for article in members:
            if article in before:
                counts[(n, before[article])] = counts.get((n, before[article]), 0) + 1
    story_for: dict[int, int] = {}
    taken: set[int] = set()
    for (n, old), _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if n not in story_for and old not in taken:
            story_for[n] = old
            taken.add(old)
    for n in range(len(clusters)):
        if n not in story_for:
            story_for[n] = conn.execute("INSERT INTO stories (created_run, updated_run) VALUES (?, ?)",
                                        (run_id, run_id)).lastrowid
    after = {article: story_for[n] for n, members in enumerate(clusters) for article in members}
    changed: set[int] = set()
    for article in set(before) | set(after):
        old, new = before.get(article), after.get(article)
        if old == new:
            continue
        changed.update(s for s in (old, new) if s is not None)
        if new is None:
            conn.execute("DELETE FROM story_members WHERE article_id = ?", (article,))
            conn.execute("DELETE FROM lineage WHERE article_id = ?", (article,))
        elif old is None:
            conn.execute("INSERT INTO story_members (article_id, story_id, run_id) VALUES (?, ?, ?)",
                         (article, new, run_id))
        else:  # moved: its lineage is redone in its new story, its alert follows it
            conn.execute("UPDATE story_members SET story_id = ? WHERE article_id = ?", (new, article))
            conn.execute("UPDATE lineage SET story_id = ? WHERE article_id = ?", (new, article))
            conn.execute("UPDATE alerts SET story_id = ? WHERE article_id = ?", (new, article))
    _record_events(conn, run_id, before, after)
    for story in changed:
        size = conn.execute("SELECT COUNT(*) FROM story_members WHERE story_id = ?", (story,)).fetchone()[0]
        conn.execute("UPDATE stories SET updated_run = ?, dirty = 1, recompute = ? WHERE id = ?",
                     (run_id, 1 if size else 0, story))
        conn.execute("INSERT OR REPLACE INTO story_sizes (story_id, run_id, size) VALUES (?, ?, ?)",
                     (story, run_id, size))
    return changed


def _record_events(conn, run_id: int, before: dict[int, int], after: dict[int, int]) -> None:
    """Merges, splits and dissolved stories, and redirects for the stories that are gone."""
    flows: dict[tuple[int, int | None], int] = {}
    for article, old in before.items():
        new = after.get(article)
        if new != old:
            flows[(old, new)] = flows.get((old, new), 0) + 1
    still = set(after.values())
    when = _now()
    for old in sorted({o for o, _ in flows}):
        if old in still:  # the story goes on; some of its articles left it
            for (o, new), n in sorted(flows.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
                if o == old:
                    conn.execute("INSERT INTO story_events (run_id, kind, story_id, other_id, articles, created) "
                                 "VALUES (?, 'split', ?, ?, ?, ?)", (run_id, old, new, n, when))
            continue
        destinations = sorted(((n, new) for (o, new), n in flows.items() if o == old and new is not None),
                              key=lambda d: (-d[0], d[1]))
        if not destinations:
            conn.execute("INSERT INTO story_events (run_id, kind, story_id, other_id, articles, created) "
                         "VALUES (?, 'dissolved', ?, NULL, ?, ?)",
                         (run_id, old, flows.get((old, None), 0), when))
            conn.execute("UPDATE stories SET dirty = 1, recompute = 0 WHERE id = ?", (old,))
            continue
        main = destinations[0][1]
        for n, new in destinations:
            kind = "merge" if new == main else "split"
            story, other = (new, old) if kind == "merge" else (old, new)
            conn.execute("INSERT INTO story_events (run_id, kind, story_id, other_id, articles, created) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (run_id, kind, story, other, n, when))
        # whatever pointed at the old story now points at the one it joined
        conn.execute("UPDATE stories SET merged_into = ?, dirty = 1, recompute = 0 WHERE id = ?", (main, old))
        conn.execute("UPDATE stories SET merged_into = ?, dirty = 1 WHERE merged_into = ?", (main, old))
        conn.execute("UPDATE alerts SET story_id = ? WHERE story_id = ?", (main, old))


def current_story(conn, story_id: int) -> int:
    """The story a (possibly merged) story id stands for now."""
    seen = set()
    while story_id not in seen:
        seen.add(story_id)
        row = conn.execute("SELECT merged_into FROM stories WHERE id = ?", (story_id,)).fetchone()
        if not row or row[0] is None:
            return story_id
        story_id = row[0]
    return story_id


# ---------------------------------------------------------------- 2. alignments

def pending_stories(conn) -> list[int]:
    """Stories with members whose lineage has not been evaluated yet, or whose members changed."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT story_id FROM story_members WHERE checked = 0 "
        "UNION SELECT id FROM stories WHERE recompute = 1 AND merged_into IS NULL ORDER BY 1")]


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
    article's verdict (copied, independent, unseen-source, earliest), its source and the
    evidence. Only a copy above the alert threshold (alignment identity) is alerted.
    """
    from phylo.trees.lineage import table_lineage

    rows = story_table(conn, story_id)
    table = [r | {"published": r["date"]} for r in rows]
    edges = table_lineage(table, cached_distances(conn, rows, correction))
    by_label = {r["label"]: r for r in rows}
    ids = {label: r["id"] for label, r in by_label.items()}
    unchecked = {r[0] for r in conn.execute(
        "SELECT article_id FROM story_members WHERE story_id = ? AND checked = 0", (story_id,))}
    added = 0
    with transaction(conn):
        for edge in edges:
            child = ids[edge["label"]]
            source = ids[edge["source"]] if edge["source"] else None
            secondary = [{"article_id": ids[s["label"]], "share": s["share"]}
                         for s in edge.get("secondary_sources") or [] if s["label"] in ids]
            evidence = dict(edge.get("evidence") or {})
            evidence["against"] = ids.get(evidence.get("against"))
            conn.execute("INSERT OR REPLACE INTO lineage (article_id, story_id, source_article_id, identity, "
                         "containment, confidence, note, verdict, secondary, evidence, unseen_group) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (child, story_id, source, edge["identity"], edge["containment"], edge["confidence"],
                          edge["note"], edge.get("verdict"), json.dumps(secondary), json.dumps(evidence),
                          edge.get("unseen_group")))
            # an alert is for a copy: an article that took its text from an earlier one in the story
            copied = edge.get("verdict", "copied") == "copied"
            if child in unchecked and source and copied and edge["identity"] >= alert_threshold:
                added += conn.execute(
                    "INSERT OR IGNORE INTO alerts (article_id, source_article_id, story_id, identity, run_id, created) "
                    "VALUES (?, ?, ?, ?, ?, datetime('now'))", (child, source, story_id, edge["identity"], run_id)).rowcount
        conn.execute("UPDATE story_members SET checked = 1 WHERE story_id = ?", (story_id,))
        conn.execute("UPDATE stories SET dirty = 1, recompute = 0 WHERE id = ?", (story_id,))
    return added
