"""The handwritten digits that scikit-learn ships (1,797 images of 8 x 8 pixels), split once.

Nothing is downloaded: ``sklearn.datasets.load_digits`` reads a file inside the installed
package. Pixels (0-16) are scaled to [0, 1]; the split into training and test images is a
fixed permutation (seed 0), so every page and every test sees the same two sets.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

TEST_SHARE = 0.25
"""Share of the images held out for testing (449 of 1,797)."""
CLASSES = 10


@dataclass(frozen=True)
class Digits:
    """Training and test images (float32 rows of 64 pixels in [0, 1]) and their labels (int32 0-9)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return int(self.y_train.shape[0])


@functools.cache
def digits() -> Digits:
    """The digits, split into training and test images (cached: loaded once per process)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (np.asarray(bunch.data, np.float32) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target, np.int32)
    order = np.random.RandomState(0).permutation(len(y))
    n_test = round(TEST_SHARE * len(y))
    test, train = order[:n_test], order[n_test:]
    return Digits(x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test])
