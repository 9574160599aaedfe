"""An output folder holds one run's set of files, never a mix of two runs.

``output_folder(out)`` is what ``run_pipeline`` wraps every run in:

1. a lock (``out/.phylo/lock``): a second run into the same folder is refused at once,
   with the holder's PID;
2. a fresh staging folder (``out/.phylo/staging``) that the stages write into (their
   ``out_dir`` input);
3. at the end, whatever happened, ``publish``: each staged file or folder replaces its
   namesake in ``out`` (``os.replace``: readers see the old file or the new, never half),
   and what the previous run published but this one did not (a ``msa.fasta`` after a
   native rerun, the tree of a rerun that failed before its tree) is removed. The names
   published are kept in ``out/.phylo/outputs.json``; files a user put in ``out`` are
   never touched.

A run that fails therefore leaves its own ``articles.tsv`` and ``run.json`` and none of
the previous run's tree, lineage or report.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from phylo.engine.files import atomic_write
from phylo.engine.lock import exclusive_lock
from phylo.errors import InputError

MANIFEST = "outputs.json"


def check_out(out: Path) -> None:
    """Refuse an output path that cannot be a folder, before anything runs."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, not a folder: give --out a new or existing folder", setting="out")
    try:
        (out / ".phylo").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {out} ({exc.strerror}); choose another",
                         setting="out") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"the output folder {out} is not writable; choose another", setting="out")


@contextmanager
def output_folder(out: str | Path):
    """Lock ``out``, yield a fresh staging folder, publish it when the block ends (module docstring)."""
    out = Path(out)
    check_out(out)
    with exclusive_lock(out / ".phylo" / "lock", f"the output folder {out}"):
        staging = out / ".phylo" / "staging"
        shutil.rmtree(staging, ignore_errors=True)  # what a killed run staged and never published
        staging.mkdir(parents=True)
        try:
            yield staging
        finally:
            publish(staging, out)


def published(out: Path) -> list[str]:
    """The names the last run published into ``out`` (empty for a folder phylo never wrote)."""
    try:
        return json.loads((out / ".phylo" / MANIFEST).read_text(encoding="utf-8"))["published"]
    except (OSError, ValueError, KeyError):
        return []


def publish(staging: Path, out: Path) -> list[str]:
    """Move everything staged into ``out``; remove what the last run published and this one did not."""
    names = sorted(p.name for p in staging.iterdir())
    trash = out / ".phylo" / "trash"
    shutil.rmtree(trash, ignore_errors=True)
    trash.mkdir(parents=True)
    for name in names:
        target = out / name
        if target.is_dir() and not target.is_symlink():
            target.rename(trash / name)  # a folder cannot replace a folder in one step: set the old aside
        os.replace(staging / name, target)
    for name in set(published(out)) - set(names):
        old = out / name
        if old.is_dir() and not old.is_symlink():
            old.rename(trash / name)
        else:
            old.unlink(missing_ok=True)
    atomic_write(out / ".phylo" / MANIFEST, json.dumps({"published": names}, indent=1) + "\n")
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return names
