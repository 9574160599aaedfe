"""The one place where phylo runs external programs (MAFFT today).

A tool is found as: the environment variable ``PHYLO_<NAME>`` (a path), else the
program on ``PATH``. Failures become one-line :class:`~phylo.errors.PhyloError`
messages: missing tool -> :class:`~phylo.errors.ToolMissing` with how to install it,
non-zero exit -> the tail of the tool's stderr, killed by SIGKILL -> a memory hint.
Commands are argument lists, never shell strings.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess

from phylo.errors import PhyloError, ToolMissing

log = logging.getLogger(__name__)

#: How to install each tool we call (the text of the "not installed" error).
INSTALL_HINTS = {
    "mafft": "install it with 'apt-get install mafft' (Debian/Ubuntu) or set PHYLO_MAFFT",
}
STDERR_TAIL_LINES = 15


def env_var(tool: str) -> str:
    """``PHYLO_MAFFT`` for ``mafft``: the variable that overrides where a tool is."""
    return "PHYLO_" + tool.upper().replace("-", "_")


def _missing(tool: str) -> ToolMissing:
    hint = INSTALL_HINTS.get(tool, f"install it or set {env_var(tool)}")
    return ToolMissing(f"{tool} is not installed: {hint}")


def find_tool(tool: str) -> str:
    """Path of ``tool``: ``$PHYLO_<TOOL>`` if set (it must exist), else ``shutil.which``.

    Raises
    ------
    ToolMissing
    """
    override = os.environ.get(env_var(tool))
    if override:
        path = shutil.which(override)  # an executable path, or a name on PATH
        if path is None:
            raise ToolMissing(f"{tool} is not installed: {env_var(tool)}={override} is not an executable file")
        return path
    path = shutil.which(tool)
    if path is None:
        raise _missing(tool)
    return path


def run_tool(args: list[str], *, tool: str, cwd: str | None = None,
             stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """Run ``args`` (``args[0]`` already resolved by :func:`find_tool`), capture stderr.

    Parameters
    ----------
    args : list of str
    tool : str
        Name used in messages.
    cwd : str, optional
    stdout : file object or ``subprocess.PIPE``
        Where the tool's standard output goes (a file keeps big outputs out of memory).

    Returns
    -------
    subprocess.CompletedProcess
        With ``stderr`` (text) and, for ``PIPE``, ``stdout`` (text).

    Raises
    ------
    ToolMissing
        The program could not be started, or the shell said 127 (not found).
    PhyloError
        Non-zero exit (with the tail of stderr) or killed by a signal.
    """
    log.info("running: %s", shlex.join(args))
    try:
        proc = subprocess.run(args, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, text=True, check=False)
    except FileNotFoundError:
        raise _missing(tool) from None
    except PermissionError:
        raise ToolMissing(f"{tool} at {args[0]} is not executable") from None
    if proc.returncode == 0:
        return proc
    tail = "\n".join((proc.stderr or "").strip().splitlines()[-STDERR_TAIL_LINES:])
    detail = f"; its stderr ends with:\n{tail}" if tail else ""
    if proc.returncode == 127:
        raise ToolMissing(f"{tool} could not run a program it needs (exit 127): is it installed?{detail}")
    if proc.returncode == -signal.SIGKILL:
        raise PhyloError(f"{tool} was killed (SIGKILL), most often for running out of memory: "
                         f"try fewer or shorter sequences, or a machine with more memory{detail}")
    if proc.returncode < 0:
        raise PhyloError(f"{tool} was stopped by signal {-proc.returncode}{detail}")
    raise PhyloError(f"{tool} failed with exit status {proc.returncode}{detail}")
