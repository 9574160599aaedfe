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

Fixed tables (``thresholds``, ``fetch``, ``extract``, ``alerts``, ``run``) are merged by
``phylo.engine.config.load_config``, which rejects unknown keys; the two lists of tables
(``sources``, ``topics``) are checked here, since their entries have no defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

from phylo.engine.config import load_config
from phylo.errors import InputError
from phylo.trees.grouping import STORY_THRESHOLD
from phylo.web.settings import EXTRACT_DEFAULTS, FETCH_DEFAULTS

SOURCE_KINDS = ("feed", "sitemap", "urls")

DEFAULTS = {
    "database": "monitor.sqlite",
    "output": "monitor-out",
    "sources": [],
    "topics": [],
    "thresholds": {
        "group": STORY_THRESHOLD,  # estimated Jaccard of word 3-shingles for two articles to share a story
        "alert": 0.8,  # identity (0-1) to the inferred source above which a new copy is alerted
    },
    # The fetch and extract settings of phylo/web/settings.toml, every key of them, except
    # that unattended runs follow links found in feeds: private/loopback addresses and
    # local files are refused unless the user says otherwise.
    "fetch": {**FETCH_DEFAULTS, "allow_private": False},
    "extract": dict(EXTRACT_DEFAULTS),
    "alerts": {
        "file": "alerts.jsonl",  # in the output folder
        "webhook": "",  # a URL to POST each alert to as JSON; empty = none
        "stderr": True,
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

SOURCE_KEYS = {"name", "kind", "location", "topics"}
TOPIC_KEYS = {"name", "keywords"}


def load(path: str | Path, overrides: list[str] = ()) -> dict:
    """The checked config of ``path``, with paths made absolute (relative to the file)."""
    config = load_config(DEFAULTS, str(path), overrides)
    base = Path(path).resolve().parent
    config["database"] = str(_resolve(base, config["database"]))
    config["output"] = str(_resolve(base, config["output"]))
    if config["fetch"]["cache_dir"]:
        config["fetch"]["cache_dir"] = str(_resolve(base, config["fetch"]["cache_dir"]))
    config["topics"] = check_topics(config["topics"], path)
    config["sources"] = check_sources(config["sources"], config["topics"], base, path)
    check_values(config, path)
    return config


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def check_topics(topics, origin) -> list[dict]:
    out = []
    for i, topic in enumerate(topics, 1):
        where = f"{origin}: topic {i}"
        if not isinstance(topic, dict):
            raise InputError(f"{where}: write topics as [[topics]] tables")
        unknown = set(topic) - TOPIC_KEYS
        if unknown:
            raise InputError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(TOPIC_KEYS)})")
        keywords = topic.get("keywords")
        if not topic.get("name") or not isinstance(keywords, list) or not keywords:
            raise InputError(f"{where}: a topic needs a name and a non-empty list of keywords")
        out.append({"name": str(topic["name"]), "keywords": [str(k).lower() for k in keywords]})
    return out


def check_sources(sources, topics: list[dict], base: Path, origin) -> list[dict]:
    if not sources:
        raise InputError(f"{origin}: no sources; add at least one [[sources]] table with kind and location")
    names = set()
    known_topics = {t["name"] for t in topics}
    out = []
    for i, source in enumerate(sources, 1):
        where = f"{origin}: source {i}"
        if not isinstance(source, dict):
            raise InputError(f"{where}: write sources as [[sources]] tables")
        unknown = set(source) - SOURCE_KEYS
        if unknown:
            raise InputError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(SOURCE_KEYS)})")
        kind, location = source.get("kind"), source.get("location")
        if kind not in SOURCE_KINDS:
            raise InputError(f"{where}: kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
        if not location:
            raise InputError(f"{where}: location (a URL or a file) is missing")
        if not re.match(r"https?://", location, re.I):
            location = str(_resolve(base, location))  # a local file, relative to the config
        name = str(source.get("name") or location)
        if name in names:
            raise InputError(f"{where}: two sources are named {name!r}; names must be unique")
        names.add(name)
        wanted = list(source.get("topics") or [])
        missing = set(wanted) - known_topics
        if missing:
            raise InputError(f"{where}: unknown topic(s) {sorted(missing)}; define them as [[topics]]")
        out.append({"name": name, "kind": kind, "location": location, "topics": wanted})
    return out


def check_values(config: dict, origin) -> None:
    t = config["thresholds"]
    for key in ("group", "alert"):
        if not 0 < float(t[key]) <= 1:
            raise InputError(f"{origin}: thresholds.{key} must be in (0, 1], not {t[key]}")
    if int(config["run"]["batch"]) < 1 or int(config["run"]["workers"]) < 1:
        raise InputError(f"{origin}: run.batch and run.workers must be at least 1")
    if config["run"]["correction"] not in ("jc", "none"):
        raise InputError(f"{origin}: run.correction must be jc or none")
    if config["run"]["gaps"] not in ("affine", "runs", "columns"):
        raise InputError(f"{origin}: run.gaps must be affine, runs or columns")


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
