#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite: lint, unit, app and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh requirements-dev.txt
# The browser tests drive Debian's Chromium (never a Playwright download); Noto Sans CJK makes the
# Korean interface's screenshots and the exported animations show Hangul rather than empty boxes; the
# deployment tests run Debian's HAProxy in front of two app processes. Install whichever is missing, once.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo_cmd="sudo"
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo_cmd" ]; }; then
    echo "Installing ${missing[*]} for the browser, export and deployment tests..." >&2
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} missing and cannot be installed here (needs apt-get, and root or sudo):" \
      "the tests that need them will skip (and fail in CI)." >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
