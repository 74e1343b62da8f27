"""How JAX's CPU backend is set up, before it starts: small-loop compilation and one device per core.

Small loops: XLA's CPU runtime normally executes a ``while`` loop op by op, paying a
dispatch for every fused kernel of every iteration. A loop whose body touches few bytes
is instead compiled into one native function (XLA's "small while loop" hoisting), several
times faster per step for a 2D run. XLA's default cut-off (1 KiB per iteration) leaves out
most optimizers once the engine's bookkeeping is added; 16 KiB takes in every single run on
an analytic surface (a data set's per-step minibatch work is larger) and small batches, and
leaves large batches (hundreds of seeds or grid cells, where vectorised kernels win) to the
op-by-op runtime.

Devices: XLA runs one program on one core. Exposing one CPU device per core (up to
:data:`MAX_DEVICES`) lets the engine split a large batch of runs across them
(:mod:`engine.sharding`); everything else keeps running on the first device.

Both must be set before JAX starts its backend, so this module is imported by the packages
that compute (``landscapes``, ``engine``), whose imports come before any computation.
XLA reads this option only from ``XLA_FLAGS`` (a per-program compiler option is refused),
hence the environment edit. Measured (this 2-core machine, alternating sittings, medians):
the eight optimizers x 1000 steps on the bowl took 1.7-2.8 ms with the 16 KiB cut-off against
4.9-7.3 ms with XLA's default, one 1000-step NAdam run on Rosenbrock 0.3-0.55 ms against
3.1-3.5 ms. (The benchmark's 8 x 1000 on Rosenbrock no longer shows it: those eight loops now
fit XLA's default too, 1.6-2.8 ms either way; at that default, NAdam, AMSGrad, AdaBelief
and Newton run op by op on half the built-in surfaces or more, Adam and AdaDelta on some.)
The batched workloads did not care when last measured (1024 seeds: 1.65 s against 1.47 s;
128 x 128 grid: 97 ms against 88 ms, within the noise).
"""

from __future__ import annotations

import os

import jax

SMALL_LOOP_BYTES = 16 * 1024
MAX_DEVICES = 8
_OPTION = "xla_cpu_small_while_loop_byte_threshold"


def configure_xla_flags(environ: dict[str, str] | None = None) -> str:
    """Add the small-loop threshold to ``XLA_FLAGS`` unless the user already set one; returns the flags."""
    env = os.environ if environ is None else environ
    flags = env.get("XLA_FLAGS", "")
    if _OPTION not in flags:
        flags = f"{flags} --xla_backend_extra_options={_OPTION}={SMALL_LOOP_BYTES}".strip()
        env["XLA_FLAGS"] = flags
    return flags


def configure_devices() -> bool:
    """Ask for one CPU device per available core; False if JAX had already started (then it keeps one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        jax.config.update("jax_num_cpu_devices", max(1, min(cores, MAX_DEVICES)))
    except RuntimeError:
        return False
    return True


configure_xla_flags()
configure_devices()
