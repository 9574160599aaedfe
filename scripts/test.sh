#!/usr/bin/env bash
# Set up everything the tests need (MAFFT, headless Chromium, all extras), then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES="mafft chromium chromium-driver" PHYLO_EXTRAS="ml,dask,test" bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
