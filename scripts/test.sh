#!/usr/bin/env bash
# The test command: lint, the pytest suite, then the readiness gate CI runs before merge.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate
ruff check .
ruff format --check .
python -m pytest -q "$@"
validate
