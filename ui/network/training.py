"""The network training page: its settings and the training runs it shows (one cached run per optimizer).

The cached part holds numbers only (:class:`engine.network.train.TrainResult`); the figures
are drawn from them on every run of the page, in the reader's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import optimizers
from charts.network.training import accuracy_figure, loss_figure
from core.i18n import N_, translator
from core.numbers import exact_text, number_text
from core.page_scenario import PageScenario, setting
from engine.config import OptimizerRun
from engine.network.train import HESSIAN_FREE, TrainResult, network_lr, train
from engine.scenario import Scenario
from network.data import digits
from network.init import initial_weights
from network.mlp import ACTIVATIONS, MLP
from optimizers.options import WD_MODES
from optimizers.schedules import SCHEDULES
from ui.page_form import cached_builder

_ = translator("network_training")

WIDTHS = (8, 16, 32, 64, 128)
"""Hidden widths offered (units in the one hidden layer)."""
LR_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
"""Factors on each optimizer's network learning rate (:func:`engine.network.train.network_lr`)."""
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0)
"""Weight-decay strengths λ offered (one for every selected optimizer); 1 is there to show L2 decay diverging."""
OWN_MODE = "own"
"""The weight-decay mode that keeps each optimizer's own (decoupled for AdamW and Lion, L2 for the rest)."""
WD_MODE_LABELS = {
    OWN_MODE: N_("each optimizer's own"),
    "l2": N_("L2 (added to the gradient)"),
    "decoupled": N_("decoupled (AdamW-style)"),
}
CLIP_NORMS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Global-norm clipping thresholds offered (0 = off)."""
SCHEDULE_LABELS = {
    "constant": N_("constant"),
    "step": N_("step decay (×0.5 every 100 steps)"),
    "exponential": N_("exponential (×0.5 per 100 steps)"),
    "cosine": N_("cosine (to 0 at the last step)"),
    "warmup_cosine": N_("50 warm-up steps, then cosine"),
}
"""The schedules of :mod:`optimizers.schedules`, with their default settings spelled out."""
EVALS = 50
"""Evaluation points per run (each a pass over the training and test images)."""


def full_batch() -> int:
    """The batch size that is the whole training set."""
    return digits().n_train


BATCHES = (16, 32, 64, 128, 256, full_batch())


def batch_text(size: int) -> str:
    """A batch size as the page shows it (the whole training set says so)."""
    if size == full_batch():
        return _("{n} (full batch)").format(n=size)
    return str(size)


def scale_text(value: float) -> str:
    """A factor (on a learning rate, or on the Xavier weights) as the pages show it: ``×0.1``."""
    return "×" + number_text(value)


def optimizer_name(key: str) -> str:
    """The optimizer's name as the page shows it, in the reader's language."""
    return optimizers.get(key).name_text()


def decay_text(value: float) -> str:
    """A weight-decay strength as the page shows it (0 says off)."""
    return _("off") if value == 0 else number_text(value)


def clip_text(value: float) -> str:
    """A clipping threshold as the page shows it (0 says off)."""
    return _("off") if value == 0 else number_text(value)


def mode_text(mode: str) -> str:
    """A weight-decay mode as the page shows it."""
    return _(WD_MODE_LABELS[mode])


def schedule_text(name: str) -> str:
    """A learning-rate schedule as the page shows it."""
    return _(SCHEDULE_LABELS[name])


@dataclass(frozen=True)
class TrainingScenario(PageScenario, page="nettrain"):
    """The network training page's settings."""

    opts: tuple[str, ...] = setting(
        ("sgd", "adam"),
        N_("Optimizers (side by side)"),
        options=HESSIAN_FREE,
        format=optimizer_name,
        most=4,
        help=N_("Newton's method is not offered: it needs the Hessian, a matrix with a row and a column per weight."),
    )
    lr_scale: float = setting(
        1.0,
        N_("Learning rate × (on each optimizer's own)"),
        options=LR_SCALES,
        format=scale_text,
        help=N_("Each optimizer starts from a learning rate that trains this network well; this multiplies it."),
    )
    weight_decay: float = setting(
        0.0,
        N_("Weight decay λ"),
        options=WEIGHT_DECAYS,
        format=decay_text,
        help=N_("The same λ for every optimizer; it replaces AdamW's own 0.01."),
    )
    wd_mode: str = setting(
        OWN_MODE,
        N_("Weight decay mode"),
        options=(OWN_MODE, *WD_MODES),
        format=mode_text,
        help=N_("L2 adds λx to the gradient before the optimizer's rule; decoupled subtracts η·λx after it."),
    )
    clip_norm: float = setting(
        0.0,
        N_("Clip the gradient to global norm"),
        options=CLIP_NORMS,
        format=clip_text,
        help=N_("A minibatch gradient longer than this is shortened to this length, before weight decay."),
    )
    schedule: str = setting("constant", N_("Learning-rate schedule"), options=SCHEDULES, format=schedule_text)
    width: int = setting(32, N_("Hidden units"), options=WIDTHS)
    activation: str = setting("tanh", N_("Hidden activation"), options=ACTIVATIONS)
    batch: int = setting(64, N_("Batch size"), options=BATCHES, format=batch_text)
    epochs: int = setting(10, N_("Epochs"), low=1, high=40)
    init_seed: int = setting(0, N_("Initialization seed"), low=0, high=999, widget="number")
    shuffle_seed: int = setting(0, N_("Shuffling seed"), low=0, high=999, widget="number")

    @property
    def net(self) -> MLP:
        """The network: 64 pixels in, one hidden layer, 10 classes out."""
        return MLP((64, self.width, 10), self.activation)

    def run(self, key: str) -> OptimizerRun:
        """Optimizer ``key``: its network learning rate times the factor (kept inside its range), and the options."""
        spec = optimizers.get(key)
        param = spec.hyper("lr")
        lr = min(max(network_lr(key) * self.lr_scale, param.low), param.high)
        settings: dict[str, object] = {
            "lr": float(f"{lr:.6g}"),
            "weight_decay": self.weight_decay,
            "clip_norm": self.clip_norm,
            "schedule": self.schedule,
        }
        if self.wd_mode != OWN_MODE:
            settings["wd_mode"] = self.wd_mode
        return OptimizerRun.build(key, settings)


def _train_first(scenario: TrainingScenario) -> TrainResult:
    """Train the first optimizer of ``scenario`` (the page asks for one at a time, to show progress)."""
    key = scenario.opts[0]
    return train(
        scenario.net,
        scenario.run(key),
        initial_weights(scenario.net, "xavier", seed=scenario.init_seed),
        shuffle_seed=scenario.shuffle_seed,
        batch_size=scenario.batch,
        epochs=scenario.epochs,
        evals=EVALS,
    )


trained = cached_builder(TrainingScenario, _train_first)


@dataclass(frozen=True)
class TrainingView:
    """What the page lays out: the runs (labelled), the two figures and the 2D analogue."""

    results: list[TrainResult]
    loss: dict
    accuracy: dict
    playground: Scenario


def run_label(scenario: TrainingScenario, key: str) -> str:
    """A run's name on the charts: the optimizer and its learning rate."""
    return _("{name} (lr {lr})").format(name=optimizer_name(key), lr=exact_text(scenario.run(key).values["lr"]))


def page_view(scenario: TrainingScenario, progress: Callable[[int, int, str], None] | None = None) -> TrainingView:
    """Train each optimizer (cached per optimizer), reporting ``progress(done, total, name)`` before each."""
    results = []
    for index, key in enumerate(scenario.opts):
        if progress is not None:
            progress(index, len(scenario.opts), optimizer_name(key))
        result = trained(dataclasses.replace(scenario, opts=(key,)))
        results.append(dataclasses.replace(result, label=run_label(scenario, key)))
    return TrainingView(
        results=results,
        loss=loss_figure(results),
        accuracy=accuracy_figure(results),
        playground=playground_scenario(scenario),
    )


def playground_scenario(scenario: TrainingScenario) -> Scenario:
    """The 2D analogue: the same optimizers, at their own defaults, on the Playground's bowl."""
    base = Scenario.default("bowl")
    return dataclasses.replace(base, runs=tuple(OptimizerRun.build(key) for key in scenario.opts))
