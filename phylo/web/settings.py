"""The fetch and extract settings: the defaults in ``settings.toml``, then the user's.

The one place they are defined is ``settings.toml`` inside the package, and the one
place their rules are is ``SCHEMA`` below (``phylo.engine.config``: types and ranges).
``load`` layers a user's TOML file and ``--set KEY=VALUE`` overrides over it and checks
every value, and every consumer (``phylo run``, ``phylo extract``, ``phylo monitor``)
goes through it, so ``--set fetch.robots=maybe`` is refused the same way everywhere.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

from phylo import __version__
from phylo.engine.config import Boolean, Integer, Number, Text, load_config

#: The rules for every key of settings.toml (tests/test_fetch.py checks none is missing).
FETCH_SCHEMA = {
    "connect_timeout": Number(above=0), "read_timeout": Number(above=0), "deadline": Number(above=0),
    "retries": Integer(minimum=0), "backoff": Number(minimum=0), "backoff_max": Number(minimum=0),
    "retry_after_max": Number(minimum=0), "max_bytes": Integer(minimum=1), "source_max_bytes": Integer(minimum=1),
    "max_redirects": Integer(minimum=0),
    "rate_per_host": Number(minimum=0), "host_concurrency": Integer(minimum=1), "robots": Boolean(),
    "refresh": Boolean(), "allow_private": Boolean(), "allow_files": Boolean(),
    "cache_dir": Text(hint=" (a folder; \"\" for none)"), "user_agent": Text(),
}
EXTRACT_SCHEMA = {"min_chars": Integer(minimum=0), "favor_precision": Boolean()}
SCHEMA = {"fetch": FETCH_SCHEMA, "extract": EXTRACT_SCHEMA}


def shipped() -> dict:
    """settings.toml as written (``""`` for "none" and "ours"): what ``SCHEMA`` checks."""
    return tomllib.loads(files("phylo.web").joinpath("settings.toml").read_text(encoding="utf-8"))


def defaults() -> dict:
    """``{"fetch": {...}, "extract": {...}}`` as shipped, filled in (a fresh copy each call)."""
    settings = shipped()
    fill(settings["fetch"])
    return settings


def load(path: str | None = None, overrides: list[str] = ()) -> dict:
    """The built-in settings, then the user's TOML file (``[fetch]``, ``[extract]``), then ``--set``,
    each value checked against ``SCHEMA``."""
    settings = load_config(shipped(), path, list(overrides), SCHEMA)
    fill(settings["fetch"])
    return settings


def fill(fetch: dict) -> None:
    """TOML has no null: an empty ``cache_dir`` means none, an empty ``user_agent`` ours."""
    fetch["cache_dir"] = fetch["cache_dir"] or None
    fetch["user_agent"] = fetch["user_agent"] or f"phylo/{__version__} (news text-phylogeny research tool)"


_DEFAULTS = defaults()
FETCH_DEFAULTS: dict = _DEFAULTS["fetch"]
EXTRACT_DEFAULTS: dict = _DEFAULTS["extract"]
