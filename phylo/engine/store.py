"""Content-addressed results on disk: one pickle file per key, written atomically.

A crash or kill can only ever leave a stray temporary file behind, never a half-written
result under a real key, so a rerun trusts whatever it finds.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from phylo.engine.files import atomic_write


def digest(value: Any) -> str:
    """A stable hex key for a plain value (JSON-able where possible, else pickled)."""
    try:
        blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default).encode()
    except (TypeError, ValueError):
        blob = pickle.dumps(value, protocol=4)
    return hashlib.sha256(blob).hexdigest()


def _json_default(obj):
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    raise TypeError(type(obj).__name__)


class Store:
    """Pickled results under ``root/ab/abcdef...``; ``save`` is atomic."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def has(self, key: str) -> bool:
        return self._path(key).exists()

    def load(self, key: str) -> Any:
        with open(self._path(key), "rb") as fh:
            return pickle.load(fh)

    def save(self, key: str, value: Any) -> None:
        # atomic and flushed: readers see the old state or the new, never half
        atomic_write(self._path(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), durable=True)
