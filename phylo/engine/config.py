"""Pipeline configuration: built-in defaults, then a user's TOML file, then ``--set`` overrides.

One mechanism for every pipeline: ``load_config(defaults, path, ["train.epochs=3", ...])``.
Dotted keys reach into tables; values in ``--set`` are parsed as TOML values when they can
be (numbers, booleans, lists, quoted strings) and taken as plain strings otherwise.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

from phylo.errors import InputError


def load_config(defaults: dict, path: str | None = None, overrides: list[str] = ()) -> dict:
    config = copy.deepcopy(defaults)
    if path:
        p = Path(path)
        try:
            user = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such config file")
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); fix the file and rerun")
        _merge(config, user, path)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"override {item!r}: expected KEY=VALUE, e.g. train.epochs=3", setting="set")
        _merge(config, _nest(key.strip().split("."), _parse_value(raw.strip())), f"override {item}")
    return config


def _parse_value(raw: str):
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _nest(parts: list[str], value) -> dict:
    out = value
    for part in reversed(parts):
        out = {part: out}
    return out


def _merge(base: dict, new: dict, origin: str, prefix: str = "") -> None:
    """Merge ``new`` into ``base``; unknown keys are errors (a typo must not pass silently)."""
    for key, value in new.items():
        name = f"{prefix}{key}"
        if key not in base:
            known = ", ".join(sorted(base)) or "none"
            raise InputError(f"{origin}: unknown setting {name!r} (known here: {known})")
        if isinstance(base[key], dict) and isinstance(value, dict):
            _merge(base[key], value, origin, f"{name}.")
        else:
            base[key] = value
