#!/usr/bin/env bash
# The main job, offline, on the bundled fixture story: set up, then phylo run.
set -euo pipefail
cd "$(dirname "$0")/.."
PHYLO_EXTRAS=${PHYLO_EXTRAS:-dask} bash scripts/setup.sh
.venv/bin/phylo run fixtures/harbor-bridge/urls.txt --out out/harbor-bridge "$@"
echo "== done: open out/harbor-bridge/report.html"
