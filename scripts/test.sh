#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite: lint, unit, app and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
