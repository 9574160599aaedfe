"""The exceptions phylo raises for problems a user can fix.

They say what is wrong with the input, in one line, and nothing about the command
line: ``phylo.cli.main`` maps each type to an exit status and adds the flag to change,
so the library can be used from Python (``phylo.analyze``) with plain exceptions.
"""


class PhyloError(Exception):
    """A problem the user can fix (a failed run, a tool that failed); exit status 1."""


class InputError(PhyloError, ValueError):
    """Something wrong with an input: a file, a value, a setting; exit status 2.

    ``setting`` names the parameter at fault (``"mode"``, ``"fetch.read_timeout"``) when
    there is one, so the command line can say which option sets it.
    """

    def __init__(self, message: str, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


class ToolMissing(PhyloError):
    """An external program (e.g. mafft) is not installed; exit status 2."""


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
