"""The one user-facing exception type, caught in one place (phylo.cli.main)."""


class PhyloError(Exception):
    """A problem the user can fix; printed as one line, ``ERROR: ...``.

    ``exit_code`` is 1 for failed work (e.g. too few usable articles) and 2 for
    usage errors (bad arguments, unreadable input files).
    """

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(PhyloError):
    """Bad arguments or input files: exit status 2."""

    exit_code = 2


class ToolMissing(PhyloError):
    """An external program (e.g. mafft) is not installed."""

    exit_code = 2


class EntryError(PhyloError):
    """One input entry (a URL, a page, an item of a fan-out stage) failed.

    ``status`` is a short slug for tables (``http-404``, ``not-html``, ``too-short``...);
    ``message`` says what happened and what to do. The runner records these per item
    and does not persist them, so a rerun retries exactly the failed items.
    """

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
