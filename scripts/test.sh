#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite: lint, unit, app and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh requirements-dev.txt
# The browser tests drive Debian's Chromium (never a Playwright download), with a CJK font so that the
# Korean interface's screenshots show Hangul rather than empty boxes; install both once.
if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo_cmd="sudo"
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo_cmd" ]; }; then
    echo "Installing Chromium and a CJK font for the browser tests..." >&2
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "Chromium or fonts-noto-cjk is missing and cannot be installed here (needs apt-get, and root or sudo):" \
      "the browser tests may skip (and fail in CI), and Korean screenshots show boxes." >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
