"""Shared pytest setup: make the repository root importable."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The deployed config hides exception details from viewers; tests must see them.
# (Importing core configures JAX's CPU backend before any test computes: core/cpu_backend.py.)
from streamlit import config as _streamlit_config  # noqa: E402

import core.cpu_backend  # noqa: E402, F401

_streamlit_config.set_option("client.showErrorDetails", "full")

# Pages rendered by the tests may be asked for in the pseudo-locale (tests/i18n_helpers.py); a real
# server only accepts it with this switch (ui/i18n.py).
os.environ["DESCENT_LAB_PSEUDO_LOCALE"] = "1"
