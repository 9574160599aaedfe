"""``phylo monitor``: watch feeds, group articles into stories, report new copies.

Modules, in the order a run uses them:

  config    defaults, the user's TOML file, every value checked against one schema
  lock      one run at a time per database
  db        the SQLite schema, migrations, transactions
  sources   what feeds, sitemaps and URL lists list now
  run       one run: list, fetch, store, then the story steps, then outputs; killed runs
  stories   grouping (LSH candidates, exact overlaps, clusters; merges and splits),
            alignments of new pairs only, lineage and alerts
  outputs   story folders, dashboard, alert delivery on each channel (with retries)
  schedule  the long-running mode (--every / --cron)
"""
