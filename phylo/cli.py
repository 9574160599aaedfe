"""The ``phylo`` command line: one parser, one subcommand module each, one error handler.

Each module in ``phylo.commands`` exposes ``register(subparsers)`` (adds its parser and
sets ``func``) and ``run(args) -> int``. ``run`` is a thin adapter: it turns arguments
into plain values and calls library functions. Heavy imports happen inside ``run`` so
``phylo --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

from phylo import __version__
from phylo.errors import PhyloError

# Order here is the order in ``phylo --help``.
COMMANDS = ["run", "extract", "encode", "decode", "align", "tree", "compare", "monitor"]


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
        try:
            module = importlib.import_module(f"phylo.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"phylo.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PhyloError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return exc.exit_code
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
