"""The ``phylo`` command line: one parser, one subcommand module each, one error handler.

Each module in ``phylo.cli`` named in ``COMMANDS`` exposes ``register(subparsers)``
(adds its parser and sets ``func``) and ``run(args) -> int``. ``run`` is a thin adapter:
it turns arguments into plain values and calls library functions. Heavy imports happen
inside ``run`` so ``phylo --help`` stays fast.

Errors: the library raises plain exceptions (``phylo.errors``) that say what is wrong
with the input; ``main`` prints them as one line, adds the option that changes the
setting at fault, and maps them to the exit status (``EXIT_STATUS``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import traceback

from phylo import __version__
from phylo.errors import InputError, PhyloError, ToolMissing

# Order here is the order in ``phylo --help``.
COMMANDS = ["run", "extract", "encode", "decode", "align", "tree", "compare", "monitor"]

#: Exit status per error type, first match wins: 2 for bad input or a missing tool,
#: 1 for work that failed (too few usable articles, a tool that failed).
EXIT_STATUS = ((InputError, 2), (ToolMissing, 2), (PhyloError, 1))

#: The option that sets each setting a library error can name; a subcommand module's own
#: ``FLAGS`` dict overrides these (``phylo run`` says ``--nw-mode`` where ``phylo align`` says ``--mode``).
FLAGS = {
    "aligner": "--aligner", "unit": "--unit", "mode": "--mode", "gaps": "--gaps", "correction": "--correction",
    "method": "--method", "executor": "--executor", "device": "--device", "cron": "--cron", "every": "--every",
    "strategy": "--strategy", "set": "--set", "tensorboard": "--tensorboard",
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it stops the way Ctrl-C does: ``finally``
    blocks run (``run.json`` is written, temporary folders and child programs go), and
    nothing on the way catches it as an ordinary error."""


def _terminate(signum, frame):
    raise Terminated()


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line plus a hint, exit status 2."""

    def error(self, message):
        self.exit(2, f"ERROR: {self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="phylo", description="Text phylogeny for news: who copied whom.")
    parser.add_argument("--version", action="version", version=f"phylo {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"phylo.cli.{name}").register(sub)
    return parser


def error_line(exc: PhyloError, flags: dict | None = None) -> str:
    """The one line printed for a library error, with the option to change where there is one."""
    setting = getattr(exc, "setting", None) or ""
    flag = (flags or {}).get(setting) or FLAGS.get(setting)
    return f"ERROR: {exc}" + (f" (option: {flag})" if flag else "")


def exit_status(exc: PhyloError) -> int:
    return next(status for kind, status in EXIT_STATUS if isinstance(exc, kind))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args) or 0)
    except PhyloError as exc:
        print(error_line(exc, getattr(sys.modules.get(args.func.__module__), "FLAGS", None)), file=sys.stderr)
        return exit_status(exc)
    except Terminated:
        print("ERROR: stopped by SIGTERM; rerun the same command to resume", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("ERROR: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # anything unexpected is our bug, not the user's
        if os.environ.get("PHYLO_DEBUG"):
            raise
        traceback.print_exc()
        print("ERROR: unexpected failure; please report it with the traceback above", file=sys.stderr)
        return 3
