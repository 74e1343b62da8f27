"""The network initialization page: its settings, the symmetric-start runs and the scaled-start runs.

All four starts (symmetric, Xavier, too small, too large) train in one vmapped call: one
compiled program serves the page. The cached builder holds numbers only; the figures are
drawn in the reader's language.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

import optimizers
from charts.network.initialization import gradient_figure, spread_figure, weights_figure
from charts.network.training import accuracy_figure, loss_figure
from core.i18n import N_, translator
from core.numbers import exact_text
from core.page_scenario import PageScenario, setting
from engine.config import OptimizerRun
from engine.network.train import HESSIAN_FREE, TrainResult, network_lr, train_many
from engine.scenario import Scenario
from network.init import hidden_spread, initial_weights
from network.mlp import MLP
from ui.network.training import BATCHES, EVALS, LR_SCALES, WIDTHS, batch_text, optimizer_name, scale_text
from ui.page_form import cached_builder

_ = translator("network_training")

SMALL_SCALES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
LARGE_SCALES = (2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 100.0)
SADDLE_START = (-1.5, 0.0)
"""The Playground analogue of the symmetric start: exactly on the saddle's ridge line y = 0."""


@dataclass(frozen=True)
class InitScenario(PageScenario, page="netinit"):
    """The network initialization page's settings."""

    opt: str = setting("sgd", N_("Optimizer"), options=HESSIAN_FREE, format=optimizer_name)
    lr_scale: float = setting(1.0, N_("Learning rate × (on the optimizer's own)"), options=LR_SCALES, format=scale_text)
    width: int = setting(16, N_("Hidden units"), options=WIDTHS)
    batch: int = setting(64, N_("Batch size"), options=BATCHES, format=batch_text)
    epochs: int = setting(10, N_("Epochs"), low=1, high=40)
    init_seed: int = setting(0, N_("Initialization seed"), low=0, high=999, widget="number")
    shuffle_seed: int = setting(0, N_("Shuffling seed"), low=0, high=999, widget="number")
    small: float = setting(0.01, N_("Too small: Xavier ×"), options=SMALL_SCALES, format=scale_text)
    large: float = setting(10.0, N_("Too large: Xavier ×"), options=LARGE_SCALES, format=scale_text)

    @property
    def net(self) -> MLP:
        """The network: 64 pixels in, one tanh hidden layer, 10 classes out."""
        return MLP((64, self.width, 10))

    def run(self) -> OptimizerRun:
        """The optimizer with its network learning rate times the factor (kept inside its range)."""
        param = optimizers.get(self.opt).hyper("lr")
        lr = min(max(network_lr(self.opt) * self.lr_scale, param.low), param.high)
        return OptimizerRun.build(self.opt, {"lr": float(f"{lr:.6g}")})


@dataclass(frozen=True)
class Experiment:
    """Four starts trained alike in one vmapped call (one compiled program for the page).

    ``symmetric`` and ``xavier`` for part (a), with the hidden-unit spread at each evaluation
    point; ``small``, ``xavier`` and ``large`` for part (b).
    """

    symmetric: TrainResult
    xavier: TrainResult
    small: TrainResult
    large: TrainResult
    spread_symmetric: np.ndarray
    spread_xavier: np.ndarray


def _experiment(scenario: InitScenario) -> Experiment:
    net, seed = scenario.net, scenario.init_seed
    inits = np.stack(
        [
            initial_weights(net, "symmetric", seed=seed),
            initial_weights(net, "xavier", seed=seed),
            initial_weights(net, "scaled", seed=seed, scale=scenario.small),
            initial_weights(net, "scaled", seed=seed, scale=scenario.large),
        ]
    )
    symmetric, xavier, small, large = train_many(
        net,
        [scenario.run()] * len(inits),
        inits,
        [scenario.shuffle_seed] * len(inits),
        batch_size=scenario.batch,
        epochs=scenario.epochs,
        evals=EVALS,
        snapshots=True,
    )
    return Experiment(
        symmetric=symmetric,
        xavier=xavier,
        small=small,
        large=large,
        spread_symmetric=hidden_spread(net, symmetric.weights)[:, 0],
        spread_xavier=hidden_spread(net, xavier.weights)[:, 0],
    )


experiment = cached_builder(InitScenario, _experiment)


@dataclass(frozen=True)
class SymmetryView:
    """What part (a) lays out."""

    data: Experiment
    spread: dict
    accuracy: dict
    weights_symmetric: dict
    weights_xavier: dict
    playground: Scenario


@dataclass(frozen=True)
class ScalesView:
    """What part (b) lays out."""

    results: list[TrainResult]
    loss: dict
    accuracy: dict
    gradients: dict


def first_layer(net: MLP, flat: np.ndarray) -> np.ndarray:
    """The first layer's ``W`` (pixels x hidden units) out of the flat vector."""
    w, _ = net.slices()[0]
    return np.asarray(flat[w]).reshape(net.layers[0])


def symmetry_view(data: Experiment, scenario: InitScenario) -> SymmetryView:
    """Part (a) of the trained experiment, drawn."""
    names = (_("symmetric start"), _("Xavier start"))
    runs = [dataclasses.replace(r, label=name) for r, name in zip((data.symmetric, data.xavier), names, strict=True)]
    net = scenario.net
    return SymmetryView(
        data=data,
        spread=spread_figure(
            [data.symmetric.steps, data.xavier.steps], [data.spread_symmetric, data.spread_xavier], names
        ),
        accuracy=accuracy_figure(runs),
        weights_symmetric=weights_figure(first_layer(net, data.symmetric.final), _("Symmetric start, after training")),
        weights_xavier=weights_figure(first_layer(net, data.xavier.final), _("Xavier start, after training")),
        playground=saddle_scenario(),
    )


def scales_view(data: Experiment, scenario: InitScenario) -> ScalesView:
    """Part (b) of the trained experiment, drawn."""
    names = (
        _("Xavier {factor} (too small)").format(factor=scale_text(scenario.small)),
        _("Xavier"),
        _("Xavier {factor} (too large)").format(factor=scale_text(scenario.large)),
    )
    results = [
        dataclasses.replace(r, label=n) for r, n in zip((data.small, data.xavier, data.large), names, strict=True)
    ]
    return ScalesView(
        results=results,
        loss=loss_figure(results),
        accuracy=accuracy_figure(results),
        gradients=gradient_figure(results),
    )


def saddle_scenario() -> Scenario:
    """The 2D analogue of the symmetric start: gradient descent started exactly on the saddle's ridge line."""
    base = Scenario.default("saddle")
    run = OptimizerRun.build("sgd", {"lr": 0.05})
    return dataclasses.replace(base, start=SADDLE_START, runs=(run,), steps=300)


def lr_text(scenario: InitScenario) -> str:
    """The learning rate in use, as the page shows it."""
    return exact_text(scenario.run().values["lr"])
