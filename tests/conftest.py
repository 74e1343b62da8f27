"""Shared pytest setup: make the repository root importable."""

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
