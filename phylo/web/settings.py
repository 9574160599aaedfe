"""The fetch and extract settings: the defaults in ``settings.toml``, then the user's.

The one place they are defined is ``settings.toml`` inside the package. ``load`` layers
a user's TOML file and ``--set KEY=VALUE`` overrides over it, and every consumer
(``phylo run``, ``phylo extract``, ``phylo monitor``) goes through it.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

from phylo import __version__
from phylo.engine.config import load_config


def defaults() -> dict:
    """``{"fetch": {...}, "extract": {...}}`` as shipped (a fresh copy each call)."""
    shipped = tomllib.loads(files("phylo.web").joinpath("settings.toml").read_text(encoding="utf-8"))
    _fill(shipped["fetch"])
    return shipped


def load(path: str | None = None, overrides: list[str] = ()) -> dict:
    """The built-in settings, then the user's TOML file (``[fetch]``, ``[extract]``), then ``--set``."""
    settings = load_config(defaults(), path, list(overrides))
    _fill(settings["fetch"])
    return settings


def _fill(fetch: dict) -> None:
    """TOML has no null: an empty ``cache_dir`` means none, an empty ``user_agent`` ours."""
    fetch["cache_dir"] = fetch["cache_dir"] or None
    fetch["user_agent"] = fetch["user_agent"] or f"phylo/{__version__} (news text-phylogeny research tool)"


_DEFAULTS = defaults()
FETCH_DEFAULTS: dict = _DEFAULTS["fetch"]
EXTRACT_DEFAULTS: dict = _DEFAULTS["extract"]
