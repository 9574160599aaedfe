"""No two monitor runs on one database at once: an exclusive ``flock`` on a lock file.

The kernel drops an ``flock`` when its holder exits, however it exits (even SIGKILL),
so a stale lock never blocks the next run; the PID written into the file is only
there to name the holder in the message.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from phylo.errors import PhyloError


class LockHeld(PhyloError):
    """Another run holds the lock."""


def lock_path(database: str | Path) -> Path:
    return Path(f"{database}.lock")


@contextmanager
def run_lock(database: str | Path):
    """Hold the database's lock for the ``with`` block, or raise ``LockHeld`` at once."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise LockHeld(f"another monitor run (pid {holder}) is using {database} (lock file {path}); "
                           f"this run was skipped: wait for it to finish, or stop it first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # the lock is released when fd closes below
    finally:
        os.close(fd)
