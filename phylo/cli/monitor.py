"""``phylo monitor CONFIG.toml [--once | --every 30m | --cron "0 * * * *"]``."""

from __future__ import annotations

import sys

from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "monitor", help="watch feeds and URL lists; group stories; alert on new copies",
        description="Fetch what is new in the sources of CONFIG (RSS/Atom feeds, sitemaps, URL lists), "
                    "store it in SQLite, group articles into stories, update each story's tree and lineage, "
                    "write a dashboard and alerts. Runs never overlap, and a stopped or killed run is "
                    "completed by the next one. See docs/monitor.md.")
    p.add_argument("config", help="the monitor's TOML config (see fixtures/monitor/example.toml)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one run, then exit (the default; for cron/systemd)")
    when.add_argument("--every", metavar="DURATION", help="run now and then every DURATION (30m, 1h, 45s)")
    when.add_argument("--cron", metavar="SPEC", help="run on a crontab schedule, e.g. '0 * * * *'")
    p.add_argument("--max-runs", type=int, metavar="N", help="with --every/--cron: stop after N runs")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set thresholds.alert=0.9 (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    from phylo.monitor import config as monitor_config
    from phylo.monitor.run import describe, run_once

    def load():
        return monitor_config.load(args.config, args.set)

    config = load()  # check the file before anything starts
    if args.max_runs is not None and args.max_runs < 1:
        raise InputError("--max-runs must be at least 1")
    if args.every or args.cron:
        from phylo.monitor.schedule import run_scheduled

        every = monitor_config.parse_duration(args.every) if args.every else None
        return run_scheduled(load, every=every, cron=args.cron, max_runs=args.max_runs)
    summary = run_once(config)
    print(describe(summary), file=sys.stderr)
    print(f"dashboard: {config['output']}/index.html", file=sys.stderr)
    return 0 if summary["status"] == "ok" else 1  # every source failed, or the run was stopped
