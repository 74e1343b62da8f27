"""Which examples form the minibatch at step t: a per-epoch shuffle from a seed.

The batch size is a traced number, so a batch cannot be a gather of a fixed number
of rows. Instead every example gets a weight of 1 (in the batch) or 0, and the
batch gradient is the weighted mean. Each epoch draws a fresh pseudo-random
permutation of the N = 2^k examples from the seed and the epoch number: three
rounds of (multiply by an odd number, add, rotate bits, xor) modulo 2^k, each a
bijection, so every example is used exactly once per epoch. The last batch of an
epoch is smaller when B does not divide N (as with ``drop_last=False``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _rotate(values: jax.Array, bits: int, shift: int) -> jax.Array:
    mask = jnp.uint32((1 << bits) - 1)
    return ((values << shift) | (values >> (bits - shift))) & mask


def epoch_positions(key: jax.Array, epoch: jax.Array, n: int) -> jax.Array:
    """Position of each of the ``n`` examples in the shuffled order of ``epoch``."""
    bits = n.bit_length() - 1
    if n != 1 << bits:
        raise ValueError(f"data set size must be a power of two, got {n}")
    mask = jnp.uint32(n - 1)
    words = jax.random.bits(jax.random.fold_in(key, epoch), (9,), jnp.uint32)
    pos = jnp.arange(n, dtype=jnp.uint32)
    shift = max(bits // 2, 1)
    for r in range(3):
        multiplier, offset, flip = words[3 * r] | jnp.uint32(1), words[3 * r + 1], words[3 * r + 2]
        pos = ((pos * multiplier + offset) & mask) ^ (flip & mask)
        if bits > 1:
            pos = _rotate(pos, bits, shift)
    return pos


def batch_weights(key: jax.Array, t: jax.Array, batch_size: jax.Array, n: int) -> jax.Array:
    """0/1 weights of the ``n`` examples in the minibatch of step ``t`` (0-based)."""
    size = jnp.clip(jnp.round(batch_size), 1.0, float(n))
    per_epoch = jnp.ceil(n / size)
    t = jnp.asarray(t, jnp.float32)
    epoch = jnp.floor(t / per_epoch)
    start = (t - epoch * per_epoch) * size
    pos = epoch_positions(key, epoch.astype(jnp.int32), n).astype(jnp.float32)
    return ((pos >= start) & (pos < start + size)).astype(jnp.float32)
