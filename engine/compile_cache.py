"""Switch on JAX's persistent compilation cache in a project-local folder, for the app's own programs.

With the minimum compile time and entry size lowered to zero, even the small
programs of a 2D demo are written to disk, so a restarted server (or a Docker image
whose cache was warmed at build time) skips compiling them again.

What is kept out, and why: every formula a visitor types compiles into programs of its
own, which no other surface ever reuses, so writing them to disk grew the folder by one
set of entries per new formula, without bound (a link can carry any formula). They are
compiled with writing switched off (:func:`jit_for`), so the folder holds only programs
the code itself defines -- the built-in surfaces times the optimizers and output modes,
a set fixed by the code, which ``scripts/warm_cache.py`` fills at build time.

Why not a size cap with least-recently-used eviction instead: JAX's own one
(``jax_compilation_cache_max_size``) needs the ``filelock`` package, and, more to the
point, a long-running server loads the built-in entries once at start and never reads
them again, so under a stream of new formulas they would be the least recently used and
be evicted first -- exactly the warmed entries that make first visits fast. A formula's
programs are cheap to lose: a revisit after a restart compiles again, as its first visit
did, and within a process the engine keeps them in memory.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
from jax._src import config as _jax_config

import core.cpu_backend  # noqa: F401  (must run before JAX starts its backend)

CACHE_DIR = Path(os.environ.get("DESCENT_LAB_JAX_CACHE", Path(__file__).resolve().parent.parent / ".jax_cache"))

USER_TAG = "custom"
"""The tag of a landscape built from a visitor's formula (:mod:`landscapes.custom`): never written to disk."""


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


def persists(landscape: Any) -> bool:
    """Whether programs compiled for ``landscape`` may be written to the persistent cache (not a user formula)."""
    return USER_TAG not in getattr(landscape, "tags", ())


def jit_for(landscape: Any, fn: Callable, **options: Any) -> Callable:
    """``jax.jit(fn, **options)``; for a user's formula, compiled without writing to the persistent cache.

    JAX compiles on the first call, in the calling thread, and reads the minimum compile
    time worth caching at that moment from a thread-local setting; an infinite minimum
    there skips the write for this call only, leaving other threads (other sessions)
    as they are. Reading the cache is unaffected (a formula's programs are never in it).
    """
    jitted = jax.jit(fn, **options)
    if persists(landscape):
        return jitted

    @functools.wraps(fn)
    def transient(*args: Any, **kwargs: Any) -> Any:
        with _jax_config.persistent_cache_min_compile_time_secs(math.inf):
            return jitted(*args, **kwargs)

    return transient
