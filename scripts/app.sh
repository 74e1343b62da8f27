#!/usr/bin/env bash
# Set up (first time only) and start Descent Lab at http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh requirements.txt
exec .venv/bin/streamlit run app.py "$@"
