"""The network geometry engine: Hessian eigenvalues, filter-normalized directions, slices, trajectory PCA."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine.network import hessian
from network.data import digits
from network.mlp import MLP

TINY = MLP((4, 3, 2))


def tiny_problem(seed: int = 0):
    """A 4-3-2 network on six images of four pixels: small enough for a dense Hessian."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    y = rng.integers(0, 2, size=6).astype(np.int32)
    w = rng.normal(scale=0.8, size=TINY.n_params).astype(np.float32)
    return w, x, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lanczos_top_eigenvalue_matches_dense_hessian(seed):
    w, x, y = tiny_problem(seed)
    dense = jax.hessian(lambda p: TINY.loss(p, jnp.asarray(x), jnp.asarray(y)))(jnp.asarray(w))
    expected = float(np.linalg.eigvalsh(np.asarray(dense, np.float64))[-1])
    got = hessian.top_eigenvalue(TINY, w, x, y)
    assert got == pytest.approx(expected, rel=1e-3, abs=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_lanczos_top_eigenvalue_on_a_net_larger_than_its_step_count(seed):
    """64-8-10 (610 weights) on 300 digits: 20 Lanczos steps cannot span the space, so this tests convergence."""
    from network.init import initial_weights

    net = MLP((64, 8, 10))
    assert net.n_params == 610
    d = digits()
    x, y = d.x_train[:300], d.y_train[:300]
    w = initial_weights(net, "xavier", seed=seed)
    dense = jax.hessian(lambda p: net.loss(p, jnp.asarray(x), jnp.asarray(y)))(jnp.asarray(w))
    expected = float(np.linalg.eigvalsh(np.asarray(dense, np.float64))[-1])
    got = hessian.top_eigenvalue(net, w, x, y)
    assert got == pytest.approx(expected, rel=1e-3)


def test_hvp_matches_dense_hessian_times_vector():
    w, x, y = tiny_problem(3)
    v = np.random.default_rng(9).normal(size=TINY.n_params).astype(np.float32)
    dense = np.asarray(jax.hessian(lambda p: TINY.loss(p, jnp.asarray(x), jnp.asarray(y)))(jnp.asarray(w)))
    got = np.asarray(hessian.hvp(TINY, jnp.asarray(w), jnp.asarray(x), jnp.asarray(y), jnp.asarray(v)))
    np.testing.assert_allclose(got, dense @ v, rtol=1e-4, atol=1e-5)


def test_top_eigenvalues_of_several_weight_vectors_in_one_call():
    rows = [tiny_problem(s) for s in (4, 5)]
    x, y = rows[0][1], rows[0][2]
    flats = np.stack([w for w, _, _ in rows])
    together = hessian.top_eigenvalues(TINY, flats, x, y)
    for w, value in zip(flats, together, strict=True):
        dense = jax.hessian(lambda p: TINY.loss(p, jnp.asarray(x), jnp.asarray(y)))(jnp.asarray(w))
        assert value == pytest.approx(float(np.linalg.eigvalsh(np.asarray(dense, np.float64))[-1]), rel=1e-3)


# --- landscape.py --------------------------------------------------------------------------------

from engine.network import landscape as ls  # noqa: E402

SMALL = MLP((64, 8, 10))


def test_each_filter_of_the_direction_has_the_norm_of_the_weight_filter():
    rng = np.random.default_rng(0)
    w = rng.normal(scale=0.3, size=SMALL.n_params).astype(np.float32)
    d = ls.random_direction(SMALL, w, seed=4)
    for (dw, db), (ww, _) in zip(SMALL.unflatten(jnp.asarray(d)), SMALL.unflatten(jnp.asarray(w)), strict=True):
        dw, ww = np.asarray(dw, np.float64), np.asarray(ww, np.float64)
        for j in range(ww.shape[1]):
            assert np.linalg.norm(dw[:, j]) == pytest.approx(np.linalg.norm(ww[:, j]), rel=1e-5)
        assert not np.any(np.asarray(db)), "bias entries of the direction must be zero"
    assert np.any(d != 0)


def test_filter_normalization_is_per_filter_not_per_layer():
    """A direction whose filters have different norms comes out with the weights' filter norms, column by column."""
    w = np.zeros(TINY.n_params, np.float32)
    (wsl, _), (w2sl, _) = TINY.slices()
    w[wsl] = np.array([[1, 0, 0], [0, 2, 0], [0, 0, 3], [0, 0, 0]], np.float32).ravel()
    w[w2sl] = np.array([[5, 0], [0, 0], [0, 7]], np.float32).ravel()
    d = np.ones(TINY.n_params, np.float32)
    out = ls.filter_normalize(TINY, d, w)
    (w1, _), (w2, _) = TINY.unflatten(jnp.asarray(out))
    np.testing.assert_allclose(np.linalg.norm(np.asarray(w1), axis=0), [1, 2, 3], rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(w2), axis=0), [5, 7], rtol=1e-6)
    # Direction entries within one filter keep their ratios (all ones here): each column is constant.
    np.testing.assert_allclose(np.asarray(w1), np.broadcast_to([0.5, 1.0, 1.5], (4, 3)), rtol=1e-6)


def test_slice_matches_the_loss_point_by_point():
    data = digits()
    x, y = data.x_train[:50], data.y_train[:50]
    rng = np.random.default_rng(1)
    w = rng.normal(scale=0.2, size=SMALL.n_params).astype(np.float32)
    s = ls.random_slice(SMALL, w, x, y, radius=0.5, seed=2, n=5)
    d1, d2 = ls.random_direction(SMALL, w, 2), ls.random_direction(SMALL, w, 3)
    assert s.z.shape == (5, 5)
    for i, j in [(0, 0), (2, 2), (4, 1), (1, 3)]:
        point = w + s.a[j] * d1 + s.b[i] * d2
        expected = float(SMALL.loss(jnp.asarray(point), jnp.asarray(x), jnp.asarray(y)))
        assert s.z[i, j] == pytest.approx(expected, rel=1e-4)
    assert s.z[2, 2] == pytest.approx(s.centre_loss, rel=1e-5)


def test_pca_projection_reconstructs_the_trajectory_within_the_unexplained_squared_distance():
    rng = np.random.default_rng(3)
    # A curved path in 30 dimensions, with a little of everything: the plane cannot hold it all.
    t = np.linspace(0, 1, 25)[:, None]
    u, v, noise = rng.normal(size=(3, 30))
    snaps = 3 * t * u + 2 * t**2 * v + 0.05 * rng.normal(size=(25, 30)) * noise
    pca = ls.trajectory_pca(snaps)
    diffs = snaps - snaps[-1]
    recon = pca.coords @ pca.directions.astype(np.float64)
    residual = float(((diffs - recon) ** 2).sum())
    assert residual == pytest.approx(pca.unexplained * pca.total, rel=1e-3, abs=1e-6)
    assert pca.total == pytest.approx(float((diffs**2).sum()), rel=1e-9)
    assert 0 < pca.unexplained < 0.2
    assert pca.shares[0] >= pca.shares[1] > 0
    np.testing.assert_allclose(pca.directions @ pca.directions.T, np.eye(2), atol=1e-5)
    np.testing.assert_allclose(pca.coords[-1], 0.0, atol=1e-9)


def test_pca_of_a_planar_trajectory_explains_everything():
    rng = np.random.default_rng(5)
    u, v = rng.normal(size=(2, 12))
    t = np.linspace(0, 2, 9)[:, None]
    snaps = np.sin(t) * u + t * v
    pca = ls.trajectory_pca(snaps)
    assert pca.shares.sum() == pytest.approx(1.0, abs=1e-9)
    recon = pca.coords @ pca.directions.astype(np.float64) + snaps[-1]
    np.testing.assert_allclose(recon, snaps, atol=1e-5)


def test_endpoint_plane_holds_the_three_endpoints():
    rng = np.random.default_rng(6)
    pts = rng.normal(size=(3, SMALL.n_params)).astype(np.float32)
    plane = ls.endpoint_plane(SMALL, pts)
    recon = plane.origin + plane.coords @ plane.directions.astype(np.float64)
    np.testing.assert_allclose(recon, pts, atol=1e-4)
    assert not plane.random_second


def test_flatness_is_positive_and_grows_with_the_radius():
    """Around random weights the loss rises on average in every direction, and more the farther one goes."""
    data = digits()
    x, y = data.x_train[:80], data.y_train[:80]
    rng = np.random.default_rng(2)
    w = rng.normal(scale=0.3, size=SMALL.n_params).astype(np.float32)
    f_small = ls.flatness(SMALL, w, x, y, radius=0.2, directions=4)
    f_large = ls.flatness(SMALL, w, x, y, radius=0.8, directions=4)
    assert 0 < f_small < f_large


# --- sharpness.py: the edge of stability at the page's defaults -----------------------------------

from engine.network import sharpness as sh  # noqa: E402


@pytest.fixture(scope="module")
def gd_runs():
    return {r.lr: r for r in sh.sharpness_runs(sh.DEFAULT_LRS, sh.DEFAULT_STEPS)}


def test_gd_sharpens_to_two_over_eta_and_hovers_there(gd_runs):
    """η = 1: the top eigenvalue starts far below 2/η = 2, rises past it, and the second half stays near it."""
    run = gd_runs[1.0]
    assert not run.result.diverged
    assert run.sharpness[0] < 0.5 * run.limit
    assert run.sharpness.max() >= run.limit
    assert run.hover_share() >= 0.5
    assert run.result.train_loss[-1] < 0.25 * run.result.train_loss[0], "the loss keeps falling at the edge"


def test_gd_with_a_small_step_never_reaches_its_line(gd_runs):
    """η = 0.25: the sharpness rises (progressive sharpening) but stays below 2/η = 8."""
    run = gd_runs[0.25]
    assert run.sharpness.max() > 3 * run.sharpness[0]
    assert run.sharpness.max() < 0.8 * run.limit
    assert run.hover_share() == 0.0


def test_sharpness_at_the_start_is_the_top_eigenvalue_of_the_start(gd_runs):
    d = digits()
    start = sh.initial_weights(sh.MODEL, sh.INIT_SEED)
    expected = hessian.top_eigenvalue(sh.MODEL, start, d.x_train, d.y_train, steps=40, seed=7)
    assert gd_runs[1.0].sharpness[0] == pytest.approx(expected, rel=1e-3)


# --- batch_study.py: the verdict follows the numbers ----------------------------------------------

from engine.network import batch_study as bs  # noqa: E402


def make_cell(batch, sharp, flat, lr=0.25):
    sharp, flat = np.asarray(sharp, float), np.asarray(flat, float)
    acc = np.full(sharp.size, 0.9)
    return bs.Cell(batch, lr, sharp.size, 0, sharp, acc, acc, flat)


def test_compare_supports_contradicts_or_is_unclear_by_the_seed_spread():
    # small: mean 2, sd 1; large: mean 5, sd 1 -> gap 3 > 2: supports (lower is flatter).
    small = make_cell(16, [1.0, 2.0, 3.0], [0.1, 0.1, 0.1])
    large = make_cell(1348, [4.0, 5.0, 6.0], [0.1, 0.1, 0.1])
    v = bs.compare("sharpness", 0.25, small, large)
    assert v.outcome == bs.SUPPORTS
    assert (v.small_mean, v.small_sd, v.large_mean, v.large_sd) == pytest.approx((2.0, 1.0, 5.0, 1.0))
    assert bs.compare("sharpness", 0.25, large, small).outcome == bs.CONTRADICTS
    # gap 1.5 < sd 1 + sd 1: unclear.
    closer = make_cell(1348, [2.5, 3.5, 4.5], [0.1, 0.1, 0.1])
    assert bs.compare("sharpness", 0.25, small, closer).outcome == bs.UNCLEAR
    # One seed: no spread to judge by, so never a clear outcome.
    one = make_cell(16, [0.1], [0.0])
    assert bs.compare("sharpness", 0.25, one, large).outcome == bs.UNCLEAR


def test_overall_verdict():
    small = make_cell(16, [1.0, 2.0, 3.0], [0.01, 0.02, 0.03])
    large = make_cell(1348, [4.0, 5.0, 6.0], [0.02, 0.03, 0.04])
    found = bs.verdicts([large, small])
    assert [(v.measure, v.small, v.large, v.outcome) for v in found] == [
        ("sharpness", 16, 1348, bs.SUPPORTS),
        ("flatness", 16, 1348, bs.UNCLEAR),
    ]
    assert bs.overall(found) == bs.UNCLEAR
    flatter = make_cell(1348, [4.0, 5.0, 6.0], [0.2, 0.3, 0.4])
    assert bs.overall(bs.verdicts([small, flatter])) == bs.SUPPORTS
    sharper = make_cell(1348, [0.1, 0.2, 0.3], [0.2, 0.3, 0.4])
    assert bs.overall(bs.verdicts([small, sharper])) == bs.CONTRADICTS
    assert bs.overall([]) == bs.UNCLEAR


def test_the_full_batch_option_is_the_whole_training_set():
    assert bs.BATCH_OPTIONS[-1] == digits().n_train


def test_accuracy_sentence_reads_higher_accuracy_as_better():
    small = bs.Cell(16, 0.25, 3, 0, np.ones(3), np.ones(3), np.array([0.90, 0.91, 0.92]), np.ones(3))
    large = bs.Cell(1348, 0.25, 3, 0, np.ones(3), np.ones(3), np.array([0.96, 0.965, 0.97]), np.ones(3))
    (sentence,) = bs.accuracy_sentences([small, large])
    assert "clearly lower test accuracy" in sentence and "B = 16: 91.0%" in sentence
    swapped = bs.Cell(16, 0.25, 3, 0, np.ones(3), np.ones(3), large.test_acc, np.ones(3))
    worse = bs.Cell(1348, 0.25, 3, 0, np.ones(3), np.ones(3), small.test_acc, np.ones(3))
    (reverse,) = bs.accuracy_sentences([swapped, worse])
    assert "clearly higher test accuracy" in reverse


@pytest.mark.parametrize("batch", [8, 256, 1348])
def test_every_cell_runs_exactly_the_stated_steps(batch):
    """23 steps: not a whole number of epochs for B = 8 (168 a epoch) or B = 256 (5 a epoch)."""
    cell = bs.run_cell(batch, 0.1, 2, 23, model=MLP((64, 4, 10)))
    assert cell.steps_run == 23


def test_a_cell_whose_every_seed_diverged_says_so_instead_of_nan():
    dead = bs.Cell(16, 0.5, 3, 3, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    alive = make_cell(1348, [4.0, 5.0, 6.0], [0.1, 0.2, 0.3], lr=0.5)
    sentences = [bs.verdict_sentence(v) for v in bs.verdicts([dead, alive])] + bs.accuracy_sentences([dead, alive])
    assert len(sentences) == 3
    for sentence in sentences:
        assert "nan" not in sentence.lower() and "B = 16: every seed diverged" in sentence, sentence
    assert "B = 1348: 5 ± 1 (mean ± sd over seeds)" in bs.verdict_sentence(bs.verdicts([dead, alive])[0])
