"""``phylo monitor``: watch feeds, group articles into stories, report new copies.

Modules, in the order a run uses them:

  config    defaults, the user's TOML file, checks
  lock      one run at a time per database
  db        the SQLite schema, migrations, transactions
  sources   what feeds, sitemaps and URL lists list now
  run       one run: list, fetch, store, then the story steps, then outputs
  stories   grouping (MinHash/LSH), alignments of new pairs only, lineage and alerts
  outputs   story folders, dashboard, alert delivery
  schedule  the long-running mode (--every / --cron)
"""
