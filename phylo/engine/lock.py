"""One holder at a time: an exclusive ``flock`` on a lock file.

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
    """Another process holds the lock; ``holder`` is its PID as it wrote it."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


@contextmanager
def exclusive_lock(path: str | Path, what: str):
    """Hold the lock file ``path`` for the ``with`` block, or raise ``LockHeld`` at once.

    ``what`` names the thing protected, for the message (``"the output folder out/"``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise LockHeld(f"another phylo process (pid {holder}) is using {what} (lock file {path}); "
                           "wait for it to finish, or stop it first", holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # the lock is released when fd closes below
    finally:
        os.close(fd)
