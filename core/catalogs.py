"""Which source files each translation domain (one ``.po`` catalog per language) extracts from.

A domain is a part of the app that one translator can own: the app's shell and shared widgets,
each lesson group, the network pages, the animation export, the
surfaces' and optimizers' own names and help texts (``models``). A file belongs to exactly one
domain, and the ``translator(...)`` it uses names that domain (``tests/test_i18n.py`` checks
both). Patterns are ``pathlib`` globs relative to the repository root; a file matched by a more
specific domain is left out of ``app``.
"""

from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HARD_LESSONS = ("ill_conditioning", "saddles", "cliffs", "minibatch_noise", "implicit_regularization", "schedules")
REG_LESSONS = ("l1_l2", "weight_decay", "early_stopping", "dropout_noise", "input_scaling")

SOURCES: dict[str, tuple[str, ...]] = {
    "lessons_hard": (
        *(f"views/lesson_{name}.py" for name in HARD_LESSONS),
        *(
            f"ui/lessons/{name}.py"
            for name in ("conditioning", "saddles", "cliffs", "minibatch_noise", "implicit", "schedules")
        ),
        *(
            f"charts/lessons/{name}.py"
            for name in ("conditioning", "saddles", "cliffs", "noise", "implicit", "schedules")
        ),
        *(
            f"engine/lessons/{name}.py"
            for name in ("conditioning", "basins", "cliffs", "noise", "implicit", "schedules")
        ),
    ),
    "lessons_reg": (
        *(f"views/lesson_{name}.py" for name in REG_LESSONS),
        *(f"ui/lessons/{name}.py" for name in REG_LESSONS),
        *(
            f"charts/lessons/{name}.py"
            for name in ("regularization", "weight_decay", "early_stopping", "noise_injection", "input_scaling")
        ),
        *(
            f"engine/lessons/{name}.py"
            for name in ("regularization", "weight_decay", "early_stopping", "noise_injection", "input_scaling")
        ),
    ),
    "network_training": (
        "views/network_training.py",
        "views/network_initialization.py",
        "ui/network/training*.py",
        "ui/network/initialization*.py",
        "charts/network/training*.py",
        "charts/network/initialization*.py",
        "engine/network/train*.py",
        "network/*.py",
    ),
    "network_geometry": (
        "views/network_landscape.py",
        "views/network_sharpness.py",
        "views/network_batch_flatness.py",
        "ui/network/geometry*.py",
        "charts/network/geometry*.py",
        "engine/network/hessian.py",
        "engine/network/landscape.py",
        "engine/network/sharpness.py",
        "engine/network/batch_study.py",
    ),
    "export": ("charts/animation*.py", "charts/video*.py", "ui/animation_export*.py"),
    "models": ("landscapes/**/*.py", "optimizers/**/*.py", "core/param.py"),
    "app": (
        "app.py",
        "views/*.py",
        "ui/**/*.py",
        "charts/**/*.py",
        "core/*.py",
        "engine/**/*.py",
    ),
}
"""Domain -> globs of its source files; ``app`` takes whatever the other domains leave."""
DOMAINS = tuple(SOURCES)


def domain_files(domain: str, root: Path = ROOT) -> list[Path]:
    """The source files of ``domain``, sorted; ``app``'s exclude every other domain's files."""
    found = {p for pattern in SOURCES[domain] for p in root.glob(pattern) if p.is_file()}
    if domain == "app":
        taken = {p for other in DOMAINS if other != "app" for p in domain_files(other, root)}
        found -= taken
    return sorted(found)


@functools.cache
def domain_of(path: str | Path) -> str:
    """The domain that owns the source file ``path`` (``app`` for any file no other domain claims).

    Lets shared code translate text declared in another module, e.g. a page scenario's setting
    labels, with the translator of the module that declared it.
    """
    resolved = Path(path).resolve()
    for domain in DOMAINS:
        if domain != "app" and resolved in domain_files(domain):
            return domain
    return "app"
