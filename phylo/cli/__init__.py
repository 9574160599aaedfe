"""The command line: ``phylo COMMAND ...``; one module per subcommand, dispatched by ``main``."""

from phylo.cli.main import main

__all__ = ["main"]
