"""Importing a package without the optional packages it only probes for.

Some libraries try, at import time, every optional backend they could use, and a probe
that succeeds costs its whole import: scikit-bio (0.7) tries ``torch``, ``jax`` and
``cupy`` when its ``skbio.util`` loads, so with PyTorch installed (the ``ml`` extra)
``import skbio`` pulls in all of torch, seconds of start-up, to use none of it.
:func:`import_without` imports such a package with those probes answered "not installed".
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import threading

_lock = threading.Lock()


class _ProbeBlocker(importlib.abc.MetaPathFinder):
    """Answers "not installed" for ``probes`` when the import comes from ``package``.

    Only the importing module decides: the same name imported by anyone else, in any
    thread, while the blocker is in place is found as usual.
    """

    def __init__(self, package: str, probes: tuple[str, ...]):
        self.package, self.probes = package, probes

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in self.probes or not _imported_from(self.package):
            return None
        raise ModuleNotFoundError(f"No module named {name!r} (not probed for {self.package})", name=name)


def _imported_from(package: str) -> bool:
    """Whether the innermost frame outside the import machinery belongs to ``package``."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("importlib", "_frozen_importlib")) and module != __name__:
            return module == package or module.startswith(package + ".")
        frame = frame.f_back
    return False


def import_without(package: str, probes: tuple[str, ...]):
    """Import ``package`` (and return it) while its imports of ``probes`` find nothing.

    A probe already imported in this process is used as it is (nothing is blocked then),
    and once ``package`` has loaded, the probes import normally again, for everyone.

    Examples
    --------
    >>> json = import_without("json", ("decimal",))
    >>> json.dumps([1])
    '[1]'
    """
    if package in sys.modules:
        return sys.modules[package]
    blocker = _ProbeBlocker(package, tuple(p for p in probes if p not in sys.modules))
    with _lock:
        sys.meta_path.insert(0, blocker)
        try:
            return importlib.import_module(package)
        finally:
            sys.meta_path.remove(blocker)
