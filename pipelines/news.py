"""The news pipeline: URLs -> articles -> DNA -> alignments -> distances -> tree -> report.

``STAGES`` is the whole pipeline; each stage function below is a thin adapter over the
library (``phylo.*``) so the runner can key, store and fan it out.
"""

from __future__ import annotations

import os
from pathlib import Path

from phylo.errors import PhyloError
from phylo.engine.executors import Failure
from phylo.engine.runner import Stage

MIN_ARTICLES = 3
BOOTSTRAP_BLOCKS = 20  # blocks of text per sequence in a pairwise bootstrap replicate


# --- collecting ----------------------------------------------------------------------

def read_list(urls_list: str) -> list[dict]:
    from phylo.web.sources import read_entries

    return read_entries(urls_list)


def distinct_targets(entries: list[dict]) -> list:
    """Each distinct article once, in list order: a URL listed twice, or again with tracking
    parameters (``?utm_source=...``), is fetched once (entries with one ``key``, see
    ``phylo.web.sources``).

    Local files carry their size and modification time, so an edited file is re-read.
    Entries that are already bad (e.g. a missing file) become Failures.
    """
    out, seen = [], set()
    for entry in entries:
        if entry.get("error"):
            out.append(Failure(entry["error"], entry.get("message", "")))
            continue
        if _key(entry) in seen:
            continue
        seen.add(_key(entry))
        target = {k: entry[k] for k in ("kind", "target", "entry")}
        if entry["kind"] == "file" and os.path.exists(entry["target"]):
            stat = os.stat(entry["target"])
            target["stamp"] = [stat.st_size, stat.st_mtime_ns]
        out.append(target)
    return out


def _key(entry: dict) -> str:
    return entry.get("key") or entry["target"]


def fetch_page(target: dict, fetch_settings: dict) -> dict:
    from phylo.web.fetch import fetch

    return fetch(target, fetch_settings)


def extract_article(page: dict, extract_settings: dict) -> dict:
    from phylo.web.extract import extract

    article = extract(page, extract_settings)
    return {**article, "final_url": page.get("final_url"), "url": page.get("url")}


def make_table(entries: list[dict], targets: list, articles: list, normalize: bool = False,
               transliterate: bool = False) -> list[dict]:
    """One row per input entry (articles.tsv), with unique labels for the usable ones.

    Articles of any length are usable: the native aligner's default (anchor) mode has no
    length limit, and MAFFT takes what it is given. ``kept`` is the share of each
    article's characters the encoding writes (``encoding_check``).
    """
    from phylo.trees.labels import make_labels

    # targets and articles run in step (articles maps over pages, which map over targets)
    by_target = {t["target"]: a for t, a in zip(targets, articles) if not isinstance(t, Failure)}
    fetched_as = {}  # key -> the target fetched for it (its first entry's)
    for entry in entries:
        if not entry.get("error"):
            fetched_as.setdefault(_key(entry), entry["target"])
    rows, first_line = [], {}
    for entry in entries:
        row = {"url": entry["entry"], "line": entry["line"]}
        if entry.get("error"):
            row |= {"status": entry["error"], "message": entry.get("message", "")}
            rows.append(row)
            continue
        key = _key(entry)
        result = by_target[fetched_as[key]]
        if key in first_line:
            row |= {"status": "duplicate", "message": f"same article as line {first_line[key]}; used once"}
        elif isinstance(result, Failure):
            row |= {"status": result.status, "message": result.message}
        else:
            row |= {k: result.get(k) for k in ("final_url", "title", "site", "published", "byline", "text",
                                                "extractor")}
            row |= {"chars": len(result.get("text") or ""), "status": "ok", "message": ""}
            row |= encoding_check(row["text"], normalize, transliterate)
        first_line.setdefault(key, entry["line"])
        rows.append(row)
    usable = [r for r in rows if r["status"] == "ok"]
    for row, label in zip(usable, make_labels(usable)):
        row["label"] = label
    return rows


#: Below this share of its characters kept, an article is mostly lost to the encoding: warned.
KEPT_WARNING = 0.5


def encoding_check(text: str, normalize: bool, transliterate: bool) -> dict:
    """``kept`` (share of characters the encoding writes), and a status or warning when most is lost.

    The DNA writer table has A-Z, 0-9, space and period only, so text in another script
    keeps little but its spaces and digits: a tree of that would look like a result and
    mean nothing. Nothing kept is ``not-encodable``; under ``KEPT_WARNING`` is a warning.
    """
    from phylo.align.encoding import kept_share

    kept = kept_share(text, normalize=normalize, transliterate=transliterate)
    advice = "" if transliterate else "; for text in another script, rerun with --transliterate"
    if kept == 0:
        return {"kept": kept, "status": "not-encodable",
                "message": f"none of its characters are in the DNA writer table (A-Z, 0-9, space, period){advice}"}
    if kept < KEPT_WARNING:
        return {"kept": kept, "message": f"warning: the encoding keeps only {kept:.0%} of its characters "
                                         f"(the DNA writer table has A-Z, 0-9, space, period){advice}"}
    return {"kept": kept}


def write_table(table: list[dict], out_dir: str) -> str:
    """articles.tsv is written before any analysis, so failures are on disk whatever happens."""
    from phylo.report.files import write_articles

    path = Path(out_dir) / "articles.tsv"
    write_articles(path, table)
    return str(path)


# --- analysing ------------------------------------------------------------------------

def encode_usable(table: list[dict], normalize: bool, transliterate: bool = False) -> dict[str, str]:
    """The DNA writer sequence of every usable article, by label."""
    from phylo.align.encoding import encode

    return {r["label"]: encode(r["text"], normalize=normalize, transliterate=transliterate)
            for r in table if r["status"] == "ok"}


def encode_articles(table: list[dict], normalize: bool, transliterate: bool = False) -> dict[str, str]:
    """As encode_usable, but one story's tree needs at least three articles."""
    usable = [r for r in table if r["status"] == "ok"]
    if len(usable) < MIN_ARTICLES:
        failed = len(table) - len(usable)
        raise PhyloError(
            f"only {len(usable)} usable article(s) of {len(table)} entries ({failed} failed, see articles.tsv); "
            f"a tree needs at least {MIN_ARTICLES}: fix or add URLs and rerun"
        )
    return encode_usable(table, normalize, transliterate)


def align_all(sequences: dict[str, str], aligner: str, unit: str, correction: str | None,
              mafft_strategy: str, nw_mode: str = "anchor", gaps: str = "affine") -> dict:
    """Pairwise identities and distances (and the MSA for MAFFT): ``phylo.align.pairwise``.

    The distances count gaps as ``gaps`` says (``phylo.align.distances``); ``identity``
    is always matches / columns, the share of the text two articles have in common.
    """
    from phylo.align.pairwise import pairwise_distances

    return pairwise_distances(sequences, aligner=aligner, unit=unit, mode=nw_mode, strategy=mafft_strategy,
                              gaps=gaps, correction=correction)


def replicate_seeds(bootstrap: int) -> list[int]:
    """One seed per bootstrap replicate (none when --bootstrap is 0)."""
    return list(range(1, bootstrap + 1))


def replicate_tree(seed: int, sequences: dict[str, str], distances: dict, aligner: str, unit: str,
                   correction: str | None, method: str, nw_mode: str = "anchor", gaps: str = "affine") -> str:
    """One bootstrap replicate's tree (see phylo.trees.support for how each aligner resamples)."""
    from phylo.align.scikit_bio import DistanceMatrix

    from phylo.align.pairwise import msa_distance_data, pairwise_distances
    from phylo.trees.build import build_tree, to_newick
    from phylo.trees.support import block_weights, resample_blocks, resample_columns

    labels = distances["labels"]
    if distances.get("msa"):
        data = msa_distance_data(resample_columns(distances["msa"], seed), gaps=gaps, correction=correction)
    else:
        weights = block_weights(BOOTSTRAP_BLOCKS, seed)
        resampled = {label: resample_blocks(sequences[label], weights) for label in labels}
        data = pairwise_distances(resampled, aligner="nw", unit=unit, mode=nw_mode, threads=1, gaps=gaps,
                                  correction=correction)
    return to_newick(build_tree(DistanceMatrix(data["matrix"], labels), method))


def make_tree(distances: dict, table: list[dict], replicates: list, method: str, root: str) -> dict:
    from phylo.trees.build import rooted_tree, to_newick
    from phylo.trees.support import add_support

    dates = {r["label"]: r.get("published") for r in table if r.get("label")} if root == "date" else {}
    tree, rooting = rooted_tree(distances["labels"], distances["matrix"], dates, method)
    done = [r for r in replicates if isinstance(r, str)]
    if done:
        tree = add_support(tree, done)
    return {"newick": to_newick(tree), "rooting": rooting, "method": method, "replicates": len(done)}


def infer_lineage(table: list[dict], distances: dict) -> list[dict]:
    """Each article's verdict (copied, independent, unseen-source, earliest), its source
    among earlier articles, the evidence and a calibrated confidence (``phylo.trees.lineage``)."""
    from phylo.trees.lineage import table_lineage

    return table_lineage(table, distances)


def write_outputs(out_dir: str, table: list[dict], sequences: dict, distances: dict, tree: dict,
                  lineage: list[dict]) -> dict:
    """Every remaining file of the output contract; returns their names."""
    from phylo.align.scikit_bio import DistanceMatrix

    from phylo.align.distances import write_phylip, write_tsv
    from phylo.engine.files import atomic_write, tsv_text
    from phylo.report.draw import draw_lineage, draw_tree
    from phylo.report.files import LINEAGE_COLUMNS, fasta_text
    from phylo.report.graph import write_network_files
    from phylo.report.html import write_report
    from phylo.report.verdicts import flat_row, read_row
    from phylo.trees.lineage import lineage_newick

    out = Path(out_dir)
    dm = DistanceMatrix(distances["matrix"], distances["labels"])
    atomic_write(out / "sequences.fasta", fasta_text(sequences))
    write_tsv(dm, out / "distances.tsv")
    write_phylip(dm, out / "distances.phy")
    if distances.get("msa"):
        atomic_write(out / "msa.fasta", fasta_text(distances["msa"]))
    atomic_write(out / "tree.nwk", tree["newick"] + "\n")
    # the evidence and secondary sources as the schema's flat cells (phylo.report.verdicts)
    atomic_write(out / "lineage.tsv", tsv_text([flat_row(read_row(r)) for r in lineage], LINEAGE_COLUMNS))
    atomic_write(out / "lineage.nwk", lineage_newick(lineage) + "\n")
    write_network_files(out, lineage, table)
    info = {r["label"]: r for r in table if r.get("label")}
    draw_tree(tree["newick"], info, [out / "tree.svg", out / "tree.png"])
    draw_lineage(lineage, info, [out / "lineage.svg", out / "lineage.png"])
    write_report(out / "report.html", table=table, tree=tree, dm=dm, lineage=lineage,
                 svg=(out / "tree.svg").read_text(encoding="utf-8"),
                 lineage_svg=(out / "lineage.svg").read_text(encoding="utf-8"))
    return {"files": sorted(p.name for p in out.iterdir() if p.is_file())}


STAGES = [
    Stage("entries", read_list, inputs=("urls_list",), persist=False),
    Stage("targets", distinct_targets, inputs=("entries",), persist=False),
    Stage("pages", fetch_page, inputs=("targets",), params=("fetch_settings",), map="targets", io_bound=True),
    Stage("articles", extract_article, inputs=("pages",), params=("extract_settings",), map="pages",
          io_bound=True, version=2),
    Stage("table", make_table, inputs=("entries", "targets", "articles"), params=("normalize", "transliterate"),
          persist=False),
    Stage("articles_tsv", write_table, inputs=("table", "out_dir"), persist=False),
    Stage("sequences", encode_articles, inputs=("table",), params=("normalize", "transliterate"), persist=False),
    Stage("distances", align_all, inputs=("sequences",), version=3,
          params=("aligner", "unit", "correction", "mafft_strategy", "nw_mode", "gaps")),
    Stage("replicate_seeds", replicate_seeds, params=("bootstrap",), persist=False),
    Stage("replicates", replicate_tree, inputs=("replicate_seeds", "sequences", "distances"), version=2,
          params=("aligner", "unit", "correction", "method", "nw_mode", "gaps"), map="replicate_seeds"),
    Stage("tree", make_tree, inputs=("distances", "table", "replicates"), params=("method", "root"), version=2),
    Stage("lineage", infer_lineage, inputs=("table", "distances"), version=3),
    Stage("outputs", write_outputs, inputs=("out_dir", "table", "sequences", "distances", "tree", "lineage"),
          persist=False),
]


def write_story_outputs(out_dir: str, sequences: dict, forest: list[dict]) -> dict:
    """--stories mode: forest.tsv, forest.json, stories/*.nwk and sequences.fasta."""
    from phylo.trees.forest import write_forest
    from phylo.engine.files import atomic_write
    from phylo.report.files import fasta_text

    atomic_write(Path(out_dir) / "sequences.fasta", fasta_text(sequences))
    return write_forest(out_dir, forest)


def story_analysis_stages() -> list[Stage]:
    """From the article table to a forest: group by shared text, align only those pairs (phylo.trees.forest)."""
    from phylo.trees import forest

    return [
        Stage("sequences", encode_usable, inputs=("table",), params=("normalize", "transliterate"), persist=False),
        Stage("fingerprints", forest.table_fingerprints, inputs=("table",), params=("num_perm", "shingle_k")),
        Stage("candidates", forest.find_candidates, inputs=("fingerprints",), version=2),
        Stage("stories", forest.group_stories, inputs=("fingerprints", "candidates"), params=("story_threshold",)),
        Stage("pairs", forest.pairs_to_align, inputs=("stories",), params=("per_article",), version=2),
        Stage("chunks", forest.chunk_pairs, inputs=("pairs", "sequences"), params=("chunk_size",), persist=False),
        Stage("aligned", forest.align_chunk, inputs=("chunks",), params=("unit", "nw_mode"), map="chunks",
              version=2),
        Stage("forest", forest.build_forest, inputs=("table", "stories", "aligned"),
              params=("correction", "method", "gaps"), version=3),
    ]


def story_stages() -> list[Stage]:
    """--stories: collect as usual (up to articles.tsv), then one tree per story."""
    return STAGES[:6] + story_analysis_stages() + [
        Stage("forest_outputs", write_story_outputs, inputs=("out_dir", "sequences", "forest"), persist=False),
    ]


def story_params() -> dict:
    """The --stories parameters that have no option (grouping defaults: ``phylo.trees.grouping``)."""
    from phylo.trees.grouping import STORY_K, STORY_THRESHOLD  # numpy, datasketch: only for --stories

    return {"num_perm": 128, "shingle_k": STORY_K, "story_threshold": STORY_THRESHOLD, "per_article": 8,
            "chunk_size": 64}

PACKAGES = ["numpy", "numba", "scikit-bio", "biopython", "trafilatura", "requests", "ete3", "bokeh", "networkx"]


# --- command line ------------------------------------------------------------------------

def register(parser) -> None:
    """The news pipeline's options on ``phylo run`` (its INPUT is a urls.txt)."""
    news = parser.add_argument_group("news pipeline")
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
    news.add_argument("--transliterate", action="store_true",
                      help="write other scripts (Cyrillic, Greek, Chinese...) in Latin letters before encoding "
                           "(implies --normalize); the table keeps only A-Z, 0-9, space and period")
    news.add_argument("--mafft-strategy", default="auto", help="MAFFT strategy (auto, fftns2, linsi, ...)")
    news.add_argument("--timeout", type=float, help="per-request read timeout in seconds")
    news.add_argument("--rate", type=float, help="requests per second to one host (default 1; 0 = no limit)")
    news.add_argument("--ignore-robots", action="store_true", help="fetch even where robots.txt disallows")
    news.add_argument("--cache-dir", help="keep fetched pages here for reuse across runs")
    news.add_argument("--refresh", action="store_true", help="refetch pages even if cached")


def params_from_args(args) -> dict:
    """The run parameters (they key the stored results) from ``phylo run`` options.

    Fetch and extract settings: the built-in defaults (``phylo/web/settings.toml``), then
    ``--set fetch.KEY=VALUE`` / ``--set extract.KEY=VALUE``, then the dedicated flags
    (--timeout, --rate, ...).
    """
    import json

    from phylo.errors import InputError
    from phylo.web.settings import load as load_settings

    if args.bootstrap < 0:
        raise InputError("--bootstrap must be 0 or more")
    if args.timeout is not None and not args.timeout > 0:
        raise InputError(f"--timeout {args.timeout:g}: give the seconds to wait for a server, more than 0")
    if args.rate is not None and not args.rate >= 0:
        raise InputError(f"--rate {args.rate:g}: give requests per second to one host, 0 or more (0: no limit)")
    if args.stories:
        ignored = [flag for flag, used in (("--aligner mafft", args.aligner != "nw"),
                                           ("--bootstrap", args.bootstrap),
                                           ("--root midpoint", args.root != "date"),
                                           ("--mafft-strategy", args.mafft_strategy != "auto")) if used]
        if ignored:
            raise InputError(f"--stories aligns only the pairs that share text, with the native aligner, and roots "
                             f"each story at its earliest article; it cannot take {', '.join(ignored)}: drop "
                             "them, or run one story's list without --stories")
    # the dedicated flags are settings too: layered over --set, checked like them
    flags = [("fetch.robots=false", args.ignore_robots), ("fetch.refresh=true", args.refresh),
             (f"fetch.read_timeout={args.timeout!r}", args.timeout is not None),
             (f"fetch.rate_per_host={args.rate!r}", args.rate is not None),
             (f"fetch.cache_dir={json.dumps(str(Path(args.cache_dir or '.').resolve()))}", args.cache_dir)]
    settings = load_settings(None, [*args.set, *(item for item, given in flags if given)])
    fetch_settings = settings["fetch"]
    return {
        "fetch_settings": fetch_settings,
        "extract_settings": settings["extract"],
        "normalize": args.normalize or args.transliterate,
        "transliterate": args.transliterate,
        "aligner": args.aligner,
        "unit": args.unit,
        "correction": None if args.correction == "none" else args.correction,
        "mafft_strategy": args.mafft_strategy,
        "nw_mode": args.nw_mode,
        "gaps": args.gaps,
        "method": args.method,
        "root": args.root,
        "bootstrap": args.bootstrap,
    }


def main(args) -> int:
    """``phylo run`` for news: run the stages into ``--out``, print the tree and what was left out."""
    import sys

    from phylo.engine.executors import make_executor
    from phylo.engine.runner import run_pipeline
    from phylo.errors import InputError
    from phylo.trees.build import ascii_tree

    if not args.input:
        raise InputError("phylo run needs a urls.txt (one URL or local file a line)")
    out = Path(args.out)
    stages, params = (story_stages(), params_from_args(args) | story_params()) if args.stories else \
        (STAGES, params_from_args(args))
    result = run_pipeline(
        "news", stages, {"urls_list": str(Path(args.input).resolve())},
        params, out, store_dir=args.store, executor=make_executor(args.executor, args.workers, args.scheduler),
        force=args.force,
        progress=False if args.no_progress else None, packages=PACKAGES,
    )
    table = result.values["table"]
    failed = [r for r in table if r["status"] != "ok"]
    for row in failed:
        print(f"left out: line {row['line']}: {row['url']}: {row['status']}: {row['message']}", file=sys.stderr)
    for row in table:
        if row["status"] == "ok" and row.get("message", "").startswith("warning:"):
            print(f"line {row['line']}: {row['url']}: {row['message']}", file=sys.stderr)
    used = len(table) - len(failed)
    # a failed fetch leaves one entry out; a failed alignment or replicate leaves the results short
    broken = {stage: items for stage, items in result.failures.items() if stage not in ("pages", "articles")}
    for stage, items in broken.items():
        print(f"ERROR: {len(items)} item(s) of the {stage} stage failed (the first: {items[0]['status']}: "
              f"{items[0]['message']}); the outputs in {out}/ are incomplete: rerun the same command to retry them",
              file=sys.stderr)
    if args.stories:
        from phylo.trees.forest import forest_summary

        summary = forest_summary(result.values["forest"])
        for row in summary[:20]:
            print(f"{row['story']}\t{row['size']} articles\t{row['sites']} sites\t{row['first_article']}")
        print(f"{used} of {len(table)} entries in {len(summary)} stories of 2+; outputs in {out}/", file=sys.stderr)
        return 1 if broken else 0
    tree = result.values["tree"]
    print(ascii_tree(tree["newick"]))
    print(f"{used} of {len(table)} entries in the tree ({tree['rooting']}); outputs in {out}/", file=sys.stderr)
    return 1 if broken else 0
