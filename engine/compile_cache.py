"""Switch on JAX's persistent compilation cache in a project-local folder.

With the minimum compile time and entry size lowered to zero, even the small
programs of a 2D demo are written to disk, so a restarted server (or a Docker image
whose cache was warmed at build time) skips compiling them again.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

import core.cpu_backend  # noqa: F401  (must run before JAX starts its backend)

CACHE_DIR = Path(os.environ.get("DESCENT_LAB_JAX_CACHE", Path(__file__).resolve().parent.parent / ".jax_cache"))


def enable_compilation_cache(path: Path = CACHE_DIR) -> Path:
    """Point JAX's persistent cache at ``path`` (created if missing) and cache everything."""
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    # JAX otherwise writes the cache folder's path (for GPU autotuning caches) into every
    # compile key, so a cache warmed in one folder would miss everywhere else.
    jax.config.update("jax_persistent_cache_enable_xla_caches", "none")
    return path
