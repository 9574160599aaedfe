"""The monitor's SQLite database: schema, migrations and transactions.

One file holds everything a run needs to resume: the sources, every URL a source
listed (``items``) and what became of it, the articles, the runs, the links between
articles that share text, the stories, their members and how they changed, the cached
pair alignments, the lineage edges, the alerts and their delivery on each channel.

Consistency under a kill: the connection is in autocommit mode and every write goes
through ``transaction(conn)`` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a kill at any
point rolls back at most the step in flight. Each step leaves a marker that the next
run looks for (items ``pending``, articles ``grouped = 0``, members ``checked = 0``,
stories ``recompute = 1`` or ``dirty = 1``, alerts ``delivered = 0``), so it finishes
exactly what was left; a run row still ``running`` when the next run starts was killed,
and is marked ``interrupted``.

Schema versions: ``PRAGMA user_version`` says how many of ``MIGRATIONS`` have been
applied; opening a database applies the missing ones in order, each in a transaction.
To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from phylo.errors import PhyloError

MIGRATIONS = [
    # 1: the first schema
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,              -- feed, sitemap, urls
        location TEXT NOT NULL,
        added TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,            -- running, ok, stopped, failed (a killed run stays running)
        pid INTEGER,
        new_articles INTEGER NOT NULL DEFAULT 0,
        new_pairs INTEGER NOT NULL DEFAULT 0,
        alerts INTEGER NOT NULL DEFAULT 0,
        sources TEXT                     -- JSON: per source name, {"listed", "new"} or {"error"}
    );
    CREATE TABLE items (                 -- every URL a source listed, and what became of it
        url TEXT PRIMARY KEY,            -- canonical URL (or file:// URI)
        source_id INTEGER NOT NULL REFERENCES sources(id),
        kind TEXT NOT NULL,              -- url or file (phylo.web.fetch entry kinds)
        target TEXT NOT NULL,            -- what phylo.web.fetch is given
        first_run INTEGER NOT NULL,
        status TEXT NOT NULL,            -- pending, ok, duplicate, filtered, or an error slug
        message TEXT,
        tries INTEGER NOT NULL DEFAULT 0,
        article_id INTEGER REFERENCES articles(id),
        title TEXT,                      -- from the feed: used when the page has none
        published TEXT
    );
    CREATE INDEX items_status ON items(status);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,        -- canonical final URL
        content_hash TEXT NOT NULL,      -- of the whitespace-collapsed text
        origin TEXT NOT NULL,            -- host (or site name for saved files): the scope of content dedupe
        source_id INTEGER REFERENCES sources(id),
        title TEXT, site TEXT, published TEXT, byline TEXT, lang TEXT,
        text TEXT NOT NULL,
        topics TEXT,                     -- JSON list of matched topics
        signature BLOB NOT NULL,         -- MinHash (phylo.trees.grouping), uint64 bytes
        first_seen TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        grouped INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX articles_grouped ON articles(grouped);
    -- One site serving the same text under two URLs is one article; the same text on
    -- another site is a copy, which is exactly what the monitor reports.
    CREATE UNIQUE INDEX articles_content ON articles(content_hash, origin);
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        created_run INTEGER NOT NULL,
        updated_run INTEGER NOT NULL,
        merged_into INTEGER REFERENCES stories(id),
        dirty INTEGER NOT NULL DEFAULT 1 -- its output folder needs rewriting
    );
    CREATE TABLE story_members (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        story_id INTEGER NOT NULL REFERENCES stories(id),
        run_id INTEGER NOT NULL,
        checked INTEGER NOT NULL DEFAULT 0  -- lineage and alert evaluated for this article
    );
    CREATE INDEX story_members_story ON story_members(story_id);
    CREATE TABLE story_sizes (           -- growth: a story's size after each run that changed it
        story_id INTEGER NOT NULL, run_id INTEGER NOT NULL, size INTEGER NOT NULL,
        PRIMARY KEY (story_id, run_id)
    );
    CREATE TABLE pairs (                 -- cached alignments: article texts never change
        a INTEGER NOT NULL, b INTEGER NOT NULL,
        identity REAL NOT NULL,
        result TEXT NOT NULL,            -- JSON: align_pairs' result for the pair
        run_id INTEGER NOT NULL,
        PRIMARY KEY (a, b), CHECK (a < b)
    );
    CREATE TABLE lineage (               -- each story member's inferred source
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        story_id INTEGER NOT NULL,
        source_article_id INTEGER REFERENCES articles(id),
        identity REAL,                   -- alignment identity with the source
        containment REAL,                -- share of the article's text found in the source
        confidence REAL,                 -- bootstrap support (phylo.trees.lineage)
        note TEXT
    );
    CREATE TABLE alerts (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),  -- one alert per article, ever
        source_article_id INTEGER NOT NULL REFERENCES articles(id),
        story_id INTEGER NOT NULL,
        identity REAL NOT NULL,
        run_id INTEGER NOT NULL,
        created TEXT NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: grouping that keeps stories apart (exact links, clusters, merges and splits
    # recorded), alerts delivered channel by channel, runs that say what failed
    """
    ALTER TABLE articles ADD COLUMN shingles BLOB;  -- word 3-gram hashes (phylo.trees.grouping.shingle_array), uint32
    CREATE TABLE links (                 -- article pairs that share text (exact overlap >= grouping.LINK_MIN)
        a INTEGER NOT NULL REFERENCES articles(id),
        b INTEGER NOT NULL REFERENCES articles(id),
        weight REAL NOT NULL,            -- overlap when the later article arrived
        run_id INTEGER NOT NULL,
        PRIMARY KEY (a, b), CHECK (a < b)
    );
    CREATE INDEX links_b ON links(b);
    ALTER TABLE stories ADD COLUMN recompute INTEGER NOT NULL DEFAULT 0;  -- members changed: redo its lineage
    CREATE TABLE story_events (          -- how stories changed: merge, split, dissolved
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL,              -- merge: other_id joined story_id; split: articles left story_id for
                                         -- other_id; dissolved: story_id's articles no longer share enough text
        story_id INTEGER NOT NULL,
        other_id INTEGER,
        articles INTEGER NOT NULL,       -- how many articles moved
        created TEXT NOT NULL
    );
    CREATE TABLE deliveries (            -- each alert on each channel: delivered, or why not yet
        article_id INTEGER NOT NULL REFERENCES alerts(article_id),
        channel TEXT NOT NULL,           -- file, stderr, webhook
        delivered TEXT,                  -- when the channel accepted it (NULL: not yet)
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try TEXT,                   -- not before this time (backoff after a failure)
        error TEXT,                      -- the last failure
        PRIMARY KEY (article_id, channel)
    );
    ALTER TABLE runs ADD COLUMN items TEXT;          -- JSON: items this run tried, counted by outcome
    ALTER TABLE runs ADD COLUMN completed_by INTEGER; -- an interrupted run: the run that finished its work
    ALTER TABLE items ADD COLUMN run_id INTEGER;     -- the run that last tried the item
    -- stories are regrouped with the new rule on the next run (ids kept where stories stay)
    UPDATE articles SET grouped = 0;
    """,
    # 3: verdicts (phylo.trees.lineage): how each member got its text, and the evidence
    """
    ALTER TABLE lineage ADD COLUMN verdict TEXT;       -- copied, independent, unseen-source, earliest
    ALTER TABLE lineage ADD COLUMN secondary TEXT;     -- JSON: [{"article_id", "share"}] (merges)
    ALTER TABLE lineage ADD COLUMN evidence TEXT;      -- JSON: passages, longest_words, share, quotes, against
    ALTER TABLE lineage ADD COLUMN unseen_group TEXT;  -- members sharing one source missing from the story
    -- every story's lineage is redone with verdicts on the next run (no alert for old members)
    UPDATE stories SET recompute = 1 WHERE merged_into IS NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database; rows behave like dicts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)  # autocommit; see transaction()
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")  # readers (the dashboard, tests) never block a run
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a crash loses no committed transaction
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn, path)
    return conn


def migrate(conn: sqlite3.Connection, path: Path | str = "database") -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise PhyloError(f"{path} was written by a newer phylo (schema {version}, this one knows "
                         f"{SCHEMA_VERSION}); upgrade phylo to use it")
    for number in range(version, SCHEMA_VERSION):
        with transaction(conn):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT on its own; run statement by statement inside our transaction
    out, buf = [], ""
    for line in script.splitlines():
        buf += line.split("--", 1)[0] + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]


@contextmanager
def transaction(conn: sqlite3.Connection):
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
