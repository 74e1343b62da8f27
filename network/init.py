"""Initial flat parameter vectors for the MLP: Xavier/Glorot, Xavier scaled, and the symmetric start.

Pure numpy, from a seed (``numpy.random.default_rng``), so a page, a test and a benchmark
get the same vector for the same settings. Biases start at zero in every scheme.

- ``xavier``: each weight drawn from N(0, 2 / (fan_in + fan_out)) (Glorot & Bengio, 2010),
  which keeps the variance of activations and gradients about equal from layer to layer.
- ``scaled``: the Xavier draw times ``scale`` (:data:`SCALE_RANGE`): 0.01 starts every signal
  almost at zero, 10 saturates tanh.
- ``symmetric``: every hidden unit of a layer identical (the same incoming weights, the same
  bias, the same outgoing weights). Gradient descent keeps identical units identical, so the
  layer behaves as one unit however wide it is.
"""

from __future__ import annotations

import numpy as np

from network.mlp import MLP

SCHEMES: tuple[str, ...] = ("xavier", "scaled", "symmetric")
"""Initialization schemes, by key."""

SCALE_RANGE: tuple[float, float] = (1e-3, 100.0)
"""Bounds of the ``scaled`` scheme's factor on the Xavier weights."""


def xavier_std(fan_in: int, fan_out: int) -> float:
    """Standard deviation of a Xavier/Glorot normal weight: sqrt(2 / (fan_in + fan_out))."""
    return float(np.sqrt(2.0 / (fan_in + fan_out)))


def initial_weights(net: MLP, scheme: str = "xavier", seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """The flat float32 starting vector of ``net`` under ``scheme`` (``scale`` only for ``scaled``).

    Raises ``ValueError`` naming the allowed values for an unknown scheme or a scale out of
    :data:`SCALE_RANGE`.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    if scheme == "scaled" and not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise ValueError(f"scale must be in [{SCALE_RANGE[0]}, {SCALE_RANGE[1]}], got {scale}")
    factor = scale if scheme == "scaled" else 1.0
    rng = np.random.default_rng(seed)
    layers = []
    for index, (fan_in, fan_out) in enumerate(net.layers):
        std = xavier_std(fan_in, fan_out) * factor
        if scheme == "symmetric":
            # Units of a hidden layer share one column (incoming weights) and, through the
            # next layer's identical rows, one set of outgoing weights.
            into_hidden = index < len(net.layers) - 1
            from_hidden = index > 0
            shape_in = 1 if from_hidden else fan_in
            shape_out = 1 if into_hidden else fan_out
            w = np.broadcast_to(rng.normal(0.0, std, (shape_in, shape_out)), (fan_in, fan_out))
        else:
            w = rng.normal(0.0, std, (fan_in, fan_out))
        layers.append((np.asarray(w, np.float32), np.zeros(fan_out, np.float32)))
    return np.concatenate([part.reshape(-1) for layer in layers for part in layer]).astype(np.float32)


def hidden_spread(net: MLP, flat: np.ndarray) -> np.ndarray:
    """Per hidden layer, the largest difference between any unit's parameters and unit 0's.

    A unit's parameters are its incoming weights (its column of ``W``), its bias and its
    outgoing weights (its row of the next ``W``). Exactly 0 while the units are identical.
    ``flat`` may be one vector or a stack of them (rows); the result has one column per
    hidden layer.
    """
    flat = np.asarray(flat)
    stack = flat.reshape(-1, flat.shape[-1])
    spreads = []
    for (w_in, b_in), (w_out, _), (fan_in, fan_out), (_, next_out) in zip(
        net.slices()[:-1], net.slices()[1:], net.layers[:-1], net.layers[1:], strict=True
    ):
        incoming = stack[:, w_in].reshape(-1, fan_in, fan_out)
        outgoing = stack[:, w_out].reshape(-1, fan_out, next_out)
        bias = stack[:, b_in]
        spread = np.maximum.reduce(
            [
                np.abs(incoming - incoming[:, :, :1]).max(axis=(1, 2)),
                np.abs(bias - bias[:, :1]).max(axis=1),
                np.abs(outgoing - outgoing[:, :1, :]).max(axis=(1, 2)),
            ]
        )
        spreads.append(spread)
    out = np.stack(spreads, axis=-1)
    return out[0] if flat.ndim == 1 else out
