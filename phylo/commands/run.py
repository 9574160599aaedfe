"""``phylo run``: a whole pipeline (news by default; mlp and wavelet on the same runner)."""

from __future__ import annotations

import importlib

from phylo.errors import UsageError


def register(subparsers) -> None:
    from pipelines import PIPELINES

    p = subparsers.add_parser(
        "run", help="run a pipeline end to end (news: URLs -> tree and report)",
        description="Run a pipeline. news: INPUT is a urls.txt (one URL or local file a line). "
                    "mlp / wavelet: INPUT is an optional TOML config. Rerun the same command to resume.",
    )
    p.add_argument("input", nargs="?", help="urls.txt for news; a TOML config for mlp/wavelet")
    p.add_argument("--pipeline", choices=sorted(PIPELINES), default="news")
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
                        "fetch/extract settings, e.g. --set fetch.retries=1 (see phylo/settings/fetch.toml)")
    ml = p.add_argument_group("mlp and wavelet pipelines")
    ml.add_argument("--device", default="auto", help="torch device: auto (GPU when present), cpu, cuda")
    ml.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files here")
    news = p.add_argument_group("news pipeline")
    news.add_argument("--stories", action="store_true",
                      help="a corpus of many stories: group articles that share text, align only those pairs, "
                           "and build one tree per story (forest.tsv, stories/*.nwk)")
    news.add_argument("--aligner", choices=["nw", "mafft"], default="nw")
    news.add_argument("--unit", choices=["codon", "nt"], default="codon",
                      help="native aligner unit: one codon per character (default) or nucleotides")
    news.add_argument("--nw-mode", choices=["full", "auto", "anchor"], default="anchor",
                      help="native aligner: anchor (default: exact shared stretches fixed, the rest aligned "
                           "between them; ~25x faster than full DP on long copies and closer to the true "
                           "lineage, see docs/align.md), full (best score over every cell), auto (checked band)")
    news.add_argument("--gaps", choices=["affine", "runs", "columns"], default="affine",
                      help="tree distances: a gap run (an inserted or deleted passage) counts as one "
                           "difference plus one per 15 nt (affine, default), as one difference (runs), or "
                           "every gap column counts (columns)")
    news.add_argument("--correction", choices=["jc", "none"], default="jc",
                      help="distance correction: Jukes-Cantor (default) or plain p-distance")
    news.add_argument("--method", choices=["nj", "upgma"], default="nj", help="tree method")
    news.add_argument("--root", choices=["date", "midpoint"], default="date",
                      help="root at the earliest-dated article (default) or at the midpoint")
    news.add_argument("--bootstrap", type=int, default=0, metavar="N",
                      help="branch support from N resampled replicates (0: none)")
    news.add_argument("--normalize", action="store_true",
                      help="fold accents and whitespace before encoding instead of dropping them")
    news.add_argument("--mafft-strategy", default="auto", help="MAFFT strategy (auto, fftns2, linsi, ...)")
    news.add_argument("--timeout", type=float, help="per-request read timeout in seconds")
    news.add_argument("--rate", type=float, help="requests per second to one host (default 1; 0 = no limit)")
    news.add_argument("--ignore-robots", action="store_true", help="fetch even where robots.txt disallows")
    news.add_argument("--cache-dir", help="keep fetched pages here for reuse across runs")
    news.add_argument("--refresh", action="store_true", help="refetch pages even if cached")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines import PIPELINES

    if args.scheduler:
        args.executor = "dask"
    if getattr(args, "bootstrap", 0) < 0:
        raise UsageError("--bootstrap must be 0 or more")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    module = importlib.import_module(PIPELINES[args.pipeline])
    return module.main(args)


def make_executor(args):
    """The executor the user asked for."""
    from phylo.executors import make_executor as make

    if args.executor == "dask":
        try:
            from phylo.dask_executor import DaskExecutor
        except ImportError as exc:
            raise UsageError(f"the dask executor needs the dask extra: pip install 'phylo[dask]' ({exc})")
        return DaskExecutor(address=args.scheduler, workers=args.workers)
    return make(args.executor, args.workers)
