"""Pipeline configuration: built-in defaults, then a user's TOML file, then ``--set`` overrides.

One mechanism for every pipeline: ``load_config(defaults, path, ["train.epochs=3", ...],
schema)``. Dotted keys reach into tables; values in ``--set`` are parsed as TOML values
when they can be (numbers, booleans, lists, quoted strings) and taken as plain strings
otherwise.

Checking values: a *schema* is a dict shaped like the config whose leaves are rules
(``Boolean()``, ``Integer(minimum=1)``, ``Number(above=0, maximum=1)``, ``Text()``,
``Url()``, ``Choice("jc", "none")``, ``Texts()``, ``Tables({...})``). After the file, and after each
override, every value is checked against its rule, so a mistake is reported with where
it came from, in one line, before anything runs::

    monitor.toml: fetch.allow_private must be true or false, not "false" (a string)
    override thresholds.group=abc: thresholds.group must be a number, not "abc"

Booleans are never read from strings or numbers, and numbers never from strings:
``allow_private = "false"`` would otherwise read as true.
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from phylo.errors import InputError


def load_config(defaults: dict, path: str | None = None, overrides: list[str] = (), schema: dict | None = None) -> dict:
    config = copy.deepcopy(defaults)
    if path:
        p = Path(path)
        try:
            user = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such config file")
        except IsADirectoryError:
            raise InputError(f"{path}: is a folder, not a config file")
        except UnicodeDecodeError:
            raise InputError(f"{path}: not a text file (TOML is UTF-8 text)")
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); fix the file and rerun")
        _merge(config, user, path)
        if schema:
            check(config, schema, str(path))
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"override {item!r}: expected KEY=VALUE, e.g. train.epochs=3", setting="set")
        _merge(config, _nest(key.strip().split("."), _parse_value(raw.strip())), f"override {item}")
        if schema:
            check(config, schema, f"override {item}")
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
            raise InputError(f"{origin}: unknown setting {name!r} (known here: {known})", setting=name)
        if isinstance(base[key], dict) and not isinstance(value, dict):
            raise InputError(f"{origin}: {name} is a table of settings ({', '.join(sorted(base[key]))}); "
                             f"set one of them, e.g. {name}.{next(iter(sorted(base[key])), 'key')} = ...",
                             setting=name)
        if isinstance(base[key], dict):
            _merge(base[key], value, origin, f"{name}.")
        else:
            base[key] = value


# --- the schema -----------------------------------------------------------------------------

def _shown(value) -> str:
    """A value as the user wrote it, with what TOML made of it when that may surprise."""
    if isinstance(value, str):
        return f'"{value}" (a string)' if value.lower() in ("true", "false") or _numeric(value) else f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class Rule:
    """One setting's rule. ``problem(value)`` says what is wrong, or None when it is fine."""

    def problem(self, value) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Boolean(Rule):
    def problem(self, value):
        return None if isinstance(value, bool) else f"must be true or false, not {_shown(value)}"


@dataclass(frozen=True)
class Number(Rule):
    """A real number (an integer will do); ``minimum``/``maximum`` inclusive, ``above`` exclusive."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    integer: bool = False

    def problem(self, value):
        what = "a whole number" if self.integer else "a number"
        ok_type = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or (isinstance(value, float) and not math.isfinite(value)):
            return f"must be {what}, not {_shown(value)}"
        if self.above is not None and not value > self.above:
            return f"must be more than {self.above:g}, not {value:g}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}, not {value:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}, not {value:g}"
        return None


def Integer(minimum: float | None = None, maximum: float | None = None) -> Number:  # noqa: N802 (a rule, like the others)
    return Number(minimum=minimum, maximum=maximum, integer=True)


@dataclass(frozen=True)
class Text(Rule):
    """A string; ``required``: not empty; ``pattern_hint`` added to the message when it is not."""

    required: bool = False
    hint: str = ""

    def problem(self, value):
        if not isinstance(value, str):
            return f"must be a string{self.hint}, not {_shown(value)}"
        if self.required and not value.strip():
            return f"must not be empty{self.hint}"
        return None


@dataclass(frozen=True)
class Url(Rule):
    """An http(s) URL; ``optional``: ``""`` (none) will do."""

    optional: bool = False

    def problem(self, value):
        if not isinstance(value, str):
            return f"must be an http(s) URL in quotes, not {_shown(value)}"
        if self.optional and not value:
            return None
        scheme, _, rest = value.partition("://")
        if scheme.lower() not in ("http", "https") or not rest.split("/")[0]:
            return f"must be an http(s) URL such as https://example.org/hook, not \"{value}\""
        return None


@dataclass(frozen=True)
class Choice(Rule):
    options: tuple = ()

    def __init__(self, *options):
        object.__setattr__(self, "options", tuple(options))

    def problem(self, value):
        if value in self.options and isinstance(value, type(self.options[0])):
            return None
        return f"must be one of {', '.join(map(str, self.options))}, not {_shown(value)}"


@dataclass(frozen=True)
class Texts(Rule):
    """A list of strings; ``required``: at least one."""

    required: bool = False

    def problem(self, value):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"must be a list of strings, e.g. [\"a\", \"b\"], not {_shown(value)}"
        if self.required and not value:
            return "must list at least one"
        return None


@dataclass(frozen=True)
class Tables(Rule):
    """A list of tables (``[[name]]`` in TOML), each checked against ``schema``.

    ``required``: keys each table must have; ``label``: what one table is called in
    messages (``source 2``).
    """

    schema: dict = field(default_factory=dict)
    required: tuple = ()
    label: str = "entry"

    def problem(self, value):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return f"must be written as [[tables]], not {_shown(value)}"
        return None

    def entries(self, value: list[dict], name: str):
        """``(where, problem)`` for each problem in the tables (unknown keys included)."""
        for i, entry in enumerate(value, 1):
            where = f"{self.label} {i}" + (f" ({entry['name']})" if isinstance(entry.get("name"), str) else "")
            unknown = sorted(set(entry) - set(self.schema))
            if unknown:
                yield where, (f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(self.schema))})",
                              f"{name}.{unknown[0]}")
            for key in self.required:
                if key not in entry:
                    yield where, (f"{key} is missing", f"{name}.{key}")
            for key, rule in self.schema.items():
                if key in entry:
                    message = rule.problem(entry[key])
                    if message:
                        yield where, (f"{key} {message}", f"{name}.{key}")


def check(config: dict, schema: dict, origin: str, prefix: str = "") -> None:
    """Raise ``InputError`` (one line, naming ``origin`` and the key) at the first value
    that breaks its rule. Keys without a rule are not checked."""
    for key, rule in schema.items():
        if key not in config:
            continue
        name, value = f"{prefix}{key}", config[key]
        if isinstance(rule, dict):
            if not isinstance(value, dict):
                raise InputError(f"{origin}: {name} must be a table of settings, not {_shown(value)}", setting=name)
            check(value, rule, origin, f"{name}.")
            continue
        message = rule.problem(value)
        if message:
            raise InputError(f"{origin}: {name} {message}", setting=name)
        if isinstance(rule, Tables):
            for where, (message, setting) in rule.entries(value, name):
                raise InputError(f"{origin}: {where}: {message}", setting=setting)


def uncovered(defaults: dict, schema: dict, prefix: str = "") -> list[str]:
    """Keys of ``defaults`` that have no rule in ``schema`` (a test keeps this empty)."""
    out = []
    for key, value in defaults.items():
        if key not in schema:
            out.append(f"{prefix}{key}")
        elif isinstance(value, dict) and isinstance(schema[key], dict):
            out += uncovered(value, schema[key], f"{prefix}{key}.")
    return out
