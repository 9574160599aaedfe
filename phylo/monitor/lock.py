"""No two monitor runs on one database at once (``phylo.engine.lock`` on ``DATABASE.lock``)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from phylo.engine.lock import LockHeld, exclusive_lock

__all__ = ["LockHeld", "lock_path", "run_lock"]


def lock_path(database: str | Path) -> Path:
    return Path(f"{database}.lock")


@contextmanager
def run_lock(database: str | Path):
    """Hold the database's lock for the ``with`` block, or raise ``LockHeld`` at once."""
    with exclusive_lock(lock_path(database), f"the monitor database {database}") as path:
        yield path
