"""A fully connected network whose parameters are one flat vector.

Layout of the flat vector, layer after layer: the weight matrix ``W`` of shape
``(fan_in, fan_out)`` in row-major order, then the bias ``b`` of length ``fan_out``.
Column ``W[:, j]`` holds the incoming weights of unit ``j``: that column is the unit's
"filter" in Li et al.'s filter normalization.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp

ACTIVATIONS = ("tanh", "relu")
"""Hidden-layer activations. tanh is the default: smooth, so the Hessian is defined everywhere."""


@dataclass(frozen=True)
class MLP:
    """Layer widths from input to output, e.g. ``(64, 32, 10)``, and the hidden activation."""

    sizes: tuple[int, ...] = (64, 32, 10)
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"an MLP needs at least two positive layer sizes, not {self.sizes}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {self.activation!r}")

    @property
    def layers(self) -> tuple[tuple[int, int], ...]:
        """``(fan_in, fan_out)`` of each dense layer."""
        return tuple(zip(self.sizes[:-1], self.sizes[1:], strict=True))

    @property
    def n_params(self) -> int:
        """Length of the flat parameter vector."""
        return sum(fan_in * fan_out + fan_out for fan_in, fan_out in self.layers)

    def slices(self) -> tuple[tuple[slice, slice], ...]:
        """Per layer, where its weights and its bias sit in the flat vector."""
        out, start = [], 0
        for fan_in, fan_out in self.layers:
            w = slice(start, start + fan_in * fan_out)
            b = slice(w.stop, w.stop + fan_out)
            out.append((w, b))
            start = b.stop
        return tuple(out)

    def unflatten(self, flat: jax.Array) -> list[tuple[jax.Array, jax.Array]]:
        """The flat vector as ``[(W1, b1), (W2, b2), ...]`` (views, no copy under jit)."""
        return [
            (flat[w].reshape(fan_in, fan_out), flat[b])
            for (w, b), (fan_in, fan_out) in zip(self.slices(), self.layers, strict=True)
        ]

    @staticmethod
    def flatten(layers: Sequence[tuple[jax.Array, jax.Array]]) -> jax.Array:
        """``[(W1, b1), ...]`` back to the flat vector (inverse of :meth:`unflatten`)."""
        return jnp.concatenate([part.reshape(-1) for layer in layers for part in layer])

    def hidden(self, z: jax.Array) -> jax.Array:
        """The hidden activation applied to pre-activations ``z``."""
        return jnp.tanh(z) if self.activation == "tanh" else jax.nn.relu(z)

    def logits(self, flat: jax.Array, x: jax.Array) -> jax.Array:
        """Class scores of the images ``x`` (rows of pixels)."""
        layers = self.unflatten(flat)
        h = x
        for w, b in layers[:-1]:
            h = self.hidden(h @ w + b)
        w, b = layers[-1]
        return h @ w + b

    def loss(self, flat: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        """Mean softmax cross-entropy of the images ``x`` with integer labels ``y``."""
        logits = self.logits(flat, x)
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, y[:, None], axis=-1)[:, 0])

    def accuracy(self, flat: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        """Share of the images ``x`` whose highest score is their label."""
        return jnp.mean(jnp.argmax(self.logits(flat, x), axis=-1) == y)
