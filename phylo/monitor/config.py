"""The monitor's settings: built-in defaults, then the user's TOML file, checked.

A config file looks like ``fixtures/monitor/example.toml``::

    database = "monitor.sqlite"        # relative paths are relative to the config file
    output = "monitor-out"

    [[sources]]                        # one table per source
    name = "wire"
    kind = "feed"                      # feed (RSS/Atom), sitemap, or urls (a urls.txt)
    location = "https://example.org/rss.xml"   # a URL, or a local file
    topics = ["bridge"]                # optional: only these topics' keyword filters apply

    [[topics]]                         # optional keyword filters
    name = "bridge"
    keywords = ["bridge", "causeway"]  # an article is kept if its title or text has one

Every key has a rule in ``SCHEMA`` (``phylo.engine.config``: types and ranges; the
fetch and extract rules are ``phylo.web.settings.SCHEMA``); ``load`` checks the file and
each ``--set`` against it, so a mistake stops the monitor with one line before anything
is fetched. What a rule cannot say (source names unique, topics that exist, relative
paths) is checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

from phylo.engine.config import Boolean, Choice, Integer, Number, Tables, Text, Texts, Url, load_config
from phylo.errors import InputError
from phylo.trees.grouping import STORY_THRESHOLD
from phylo.web.settings import EXTRACT_SCHEMA, FETCH_SCHEMA, shipped

SOURCE_KINDS = ("feed", "sitemap", "urls")

DEFAULTS = {
    "database": "monitor.sqlite",
    "output": "monitor-out",
    "sources": [],
    "topics": [],
    "thresholds": {
        "group": STORY_THRESHOLD,  # mean shared-text overlap between two groups of articles for one story
        "alert": 0.8,  # identity (0-1) to the inferred source above which a new copy is alerted
    },
    # The fetch and extract settings of phylo/web/settings.toml, every key of them, except
    # that unattended runs follow links found in feeds: private/loopback addresses and
    # local files are refused unless the user says otherwise.
    "fetch": {**shipped()["fetch"], "allow_private": False},
    "extract": shipped()["extract"],
    "alerts": {
        "file": "alerts.jsonl",  # in the output folder
        "webhook": "",  # a URL to POST each alert to as JSON; empty = none
        "stderr": True,
        "retry_after": 300.0,  # seconds before a failed delivery is tried again; doubles each time
        "retry_max": 21600.0,  # the longest wait between two tries (6 h)
    },
    "run": {
        "batch": 20,  # articles fetched, then committed together
        "workers": 4,  # fetch threads
        "max_tries": 3,  # a failing article URL is retried on this many runs, then left
        "draw": True,  # draw each story's tree as SVG for its report
        "unit": "codon",  # alignment unit (phylo.align.nw)
        "correction": "jc",  # distance correction: "jc" or "none"
        "gaps": "affine",  # tree distances: how gaps count (phylo.align.distances): affine, runs or columns
    },
}

SOURCE_SCHEMA = {"name": Text(required=True), "kind": Choice(*SOURCE_KINDS),
                 "location": Text(required=True, hint=" (a URL or a file)"), "topics": Texts()}
TOPIC_SCHEMA = {"name": Text(required=True), "keywords": Texts(required=True)}

#: The rule of every setting (see phylo.engine.config).
SCHEMA = {
    "database": Text(required=True, hint=" (the SQLite file)"),
    "output": Text(required=True, hint=" (the output folder)"),
    "sources": Tables(SOURCE_SCHEMA, required=("kind", "location"), label="source"),
    "topics": Tables(TOPIC_SCHEMA, required=("name", "keywords"), label="topic"),
    "thresholds": {"group": Number(above=0, maximum=1), "alert": Number(above=0, maximum=1)},
    "fetch": FETCH_SCHEMA,
    "extract": EXTRACT_SCHEMA,
    "alerts": {"file": Text(required=True), "webhook": Url(optional=True), "stderr": Boolean(),
               "retry_after": Number(minimum=0), "retry_max": Number(minimum=0)},
    "run": {"batch": Integer(minimum=1), "workers": Integer(minimum=1), "max_tries": Integer(minimum=1),
            "draw": Boolean(), "unit": Choice("codon", "nt"), "correction": Choice("jc", "none"),
            "gaps": Choice("affine", "runs", "columns")},
}


def load(path: str | Path, overrides: list[str] = ()) -> dict:
    """The checked config of ``path``, with paths made absolute (relative to the file)."""
    config = load_config(DEFAULTS, str(path), overrides, SCHEMA)
    base = Path(path).resolve().parent
    config["database"] = str(_resolve(base, config["database"]))
    config["output"] = str(_resolve(base, config["output"]))
    if config["fetch"]["cache_dir"]:
        config["fetch"]["cache_dir"] = str(_resolve(base, config["fetch"]["cache_dir"]))
    config["topics"] = check_topics(config["topics"])
    config["sources"] = check_sources(config["sources"], config["topics"], base, path)
    return config


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def check_topics(topics: list[dict]) -> list[dict]:
    return [{"name": t["name"], "keywords": [k.lower() for k in t["keywords"]]} for t in topics]


def check_sources(sources: list[dict], topics: list[dict], base: Path, origin) -> list[dict]:
    if not sources:
        raise InputError(f"{origin}: no sources; add at least one [[sources]] table with kind and location")
    names = set()
    known_topics = {t["name"] for t in topics}
    out = []
    for i, source in enumerate(sources, 1):
        where = f"{origin}: source {i}"
        location = source["location"]
        if not re.match(r"https?://", location, re.I):
            location = str(_resolve(base, location))  # a local file, relative to the config
        name = source.get("name") or location
        if name in names:
            raise InputError(f"{where}: two sources are named {name!r}; names must be unique")
        names.add(name)
        missing = set(source.get("topics") or []) - known_topics
        if missing:
            raise InputError(f"{where}: unknown topic(s) {sorted(missing)}; define them as [[topics]]")
        out.append({"name": name, "kind": source["kind"], "location": location,
                    "topics": list(source.get("topics") or [])})
    return out


def fetch_settings(config: dict, *, for_feed_links: bool) -> dict:
    """Settings for ``phylo.web.fetch.fetch``: links found in feeds may never be local files."""
    s = {k: v for k, v in config["fetch"].items() if v != ""}
    s["cache_dir"] = config["fetch"]["cache_dir"] or None
    s["allow_files"] = not for_feed_links
    return s


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)", re.I)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``"30m"`` -> 1800.0; also ``"1h30m"``, ``"45s"``, ``"2d"``, ``"90"`` (seconds)."""
    text = text.strip()
    parts = list(_DURATION.finditer(text))
    if not parts or "".join(m.group(0) for m in parts).replace(" ", "") != text.replace(" ", ""):
        raise InputError(f"duration {text!r}: write a duration such as 30m, 1h, 1h30m or 45s", setting="every")
    seconds = sum(float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()] for m in parts)
    if seconds <= 0:
        raise InputError(f"duration {text!r}: the interval must be longer than zero", setting="every")
    return seconds
