"""``phylo run``: a whole pipeline (news by default; mlp and wavelet on the same runner).

The options every pipeline shares (output, store, executor) are declared here; each
pipeline registers its own (``pipelines/<name>.py: register``) and turns them into the
plain parameters its stages take (``main``).
"""

from __future__ import annotations

import importlib

from phylo.errors import InputError

#: Where phylo run's options differ from phylo.cli.main.FLAGS (news pipeline names).
FLAGS = {"mode": "--nw-mode", "strategy": "--mafft-strategy"}


def register(subparsers) -> None:
    from pipelines import PIPELINES

    p = subparsers.add_parser(
        "run", help="run a pipeline end to end (news: URLs -> tree and report)",
        description="Run a pipeline. news: INPUT is a urls.txt (one URL or local file a line). "
                    "mlp / wavelet: INPUT is an optional TOML config. Rerun the same command to resume.",
    )
    p.add_argument("input", nargs="?", help="urls.txt for news; a TOML config for mlp/wavelet")
    p.add_argument("--pipeline", choices=list(PIPELINES), default="news")
    p.add_argument("--out", required=True, help="output folder (created; reruns into it resume)")
    p.add_argument("--force", action="store_true", help="recompute every stage, ignoring stored results")
    p.add_argument("--executor", choices=["local", "serial", "dask"], default="local",
                   help="where fan-out items run (default: local processes/threads)")
    p.add_argument("--workers", type=int, help="worker count (default: all cores)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (implies --executor dask)")
    p.add_argument("--store", help="results store (default: OUT/.phylo/store); share one to reuse results")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting (repeatable): the mlp/wavelet config, or for news the "
                        "fetch/extract settings, e.g. --set fetch.retries=1 (see phylo/web/settings.toml)")
    for name in PIPELINES:
        importlib.import_module(PIPELINES[name]).register(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines import PIPELINES

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1")
    return importlib.import_module(PIPELINES[args.pipeline]).main(args)
