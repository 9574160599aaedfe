"""``phylo extract``: article text and metadata from saved pages or URLs."""

from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extract", help="article text (and metadata) from pages or URLs",
        description="Fetch each page (a URL or a saved .html/.txt file) and print its article: "
                    "title, site, date and text, or one JSON object per line with --json. "
                    "A page that fails is reported on standard error; the others still print.")
    p.add_argument("pages", nargs="+", metavar="PAGE_OR_URL", help="http(s) URL, file:// URL or path to a saved page")
    p.add_argument("--json", action="store_true", help="one JSON object per line: source, title, site, published, byline, extractor (which extraction path found the text), text")
    p.add_argument("--settings", metavar="TOML", help="settings file with [fetch] and [extract] tables "
                                                      "(the defaults, commented: phylo/web/settings.toml)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting, e.g. --set fetch.robots=false (repeatable)")
    p.set_defaults(func=run)


def extract_one(source: str, settings: dict) -> dict:
    """Fetch and extract one page given on the command line (paths are relative to the cwd)."""
    from phylo.web.extract import extract
    from phylo.web.fetch import fetch
    from phylo.web.sources import parse_entry

    page = fetch(parse_entry(source), settings["fetch"])
    return {"source": source, **extract(page, settings["extract"])}


def format_article(article: dict) -> str:
    """Title, a line of site, date and byline, a blank line, then the text."""
    details = [article.get("site"), article.get("published"), article.get("byline") and f"by {article['byline']}"]
    lines = [article.get("title") or "(no title)", " | ".join(d for d in details if d), "", article["text"]]
    return "\n".join(lines)


def run(args) -> int:
    from phylo.errors import EntryError
    from phylo.web.settings import load as load_settings

    settings = load_settings(args.settings, args.set)
    failed = printed = 0
    for source in args.pages:
        try:
            article = extract_one(source, settings)
        except EntryError as exc:
            print(f"ERROR: {source}: {exc.message}", file=sys.stderr)
            failed += 1
            continue
        if args.json:
            keys = ("source", "title", "site", "published", "byline", "extractor", "text")
            print(json.dumps({key: article.get(key) for key in keys}, ensure_ascii=False), flush=True)
        else:
            print(("\n" + "=" * 72 + "\n\n" if printed else "") + format_article(article), flush=True)
        printed += 1
    return 1 if failed else 0
