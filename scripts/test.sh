#!/usr/bin/env bash
# The test command: lint, the pytest suite, then the readiness gate CI runs before merge.
# Needs nothing running: every test that starts localcloud gives it its own state dir and a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${VIRTUAL_ENV:-}" ] || . .venv/bin/activate

# The dashboard's headless browser test needs Debian's chromium (only the tests do).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (for the dashboard's headless browser test)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium is not installed; the dashboard browser test will be skipped (apt-get install chromium)" >&2
  fi
fi

ruff check .
ruff format --check .
# Two workers, one test file each at a time (a file shares its localcloud between its tests): the
# suite waits on gcloud and revision processes as much as it computes, so two overlap well on 2 cores.
python -m pytest -q -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
validate
