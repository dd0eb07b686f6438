#!/usr/bin/env bash
# Create .venv and install the project with its development extras. Safe to run again.
# (The browser the dashboard's test needs is installed by scripts/test.sh, not here.)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[dev]'
