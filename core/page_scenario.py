"""A page's settings as one frozen, typed scenario, declared once and read safely from a link.

Each page declares its scenario as a frozen dataclass whose fields are made by :func:`setting`:
the field's type and default are the dataclass's, and the :class:`Setting` in its metadata says
what values are allowed and how the widget looks. Everything else comes from that one table
(in the manner of TensorFlow Playground's ``state.ts``):

- :meth:`PageScenario.from_query` reads untrusted query parameters, keeps every valid value,
  falls back to the default for the rest and returns one message per thing it ignored;
- :meth:`PageScenario.to_query` writes the settings that differ from their defaults, under
  ``"{page}.{name}"`` keys and with exact number text, so one scenario has one link;
- :meth:`PageScenario.canonical` is that link's query string: what caches key on.

Example::

    @dataclass(frozen=True)
    class PenaltyScenario(PageScenario, page="reg"):
        alpha: float = setting(0.05, "Penalty weight α", options=ALPHAS)

    scenario, ignored = PenaltyScenario.from_query({"reg.alpha": "0.5", "junk": "1"})
    scenario.to_query()  # {"reg.alpha": "0.5"}; ignored == ["junk=1 (unknown setting)"]

Nothing here imports Streamlit: scenarios are plain data that tests, exports and benchmarks
build directly. ``ui/page_form.py`` draws their widgets.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import parse_qs, urlencode

from core.i18n import LINK_KEY, translator
from core.numbers import exact_text, number_text

SPEC = "descent_lab.setting"
"""The dataclass field metadata key that holds a field's :class:`Setting`."""
MAX_ECHO = 30
"""A notice echoes at most this many characters of any one key or value from a link."""
WIDGETS = ("select_slider", "selectbox", "radio", "segmented_control", "multiselect", "slider", "toggle", "number")

S = TypeVar("S", bound="PageScenario")
_ = translator("app")


@dataclass(frozen=True)
class Setting:
    """How one setting of a page is validated, written into links and drawn.

    A setting has either ``options`` (the allowed values: a choice or the positions of a
    select slider) or a range ``low``..``high`` with an optional ``step`` (a slider or a
    number input). ``format`` turns a value into what the widget shows. A setting whose
    default is a tuple holds several of its ``options`` (a multiselect; at most ``most`` of
    them): its link repeats the key once per value, as a URL-bound Streamlit multiselect did.
    ``link_label`` (text options only) makes the link hold the shown text instead of the value:
    the spelling a Streamlit widget bound to the URL wrote, which old share links keep.
    """

    label: str
    options: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    widget: str = "slider"
    help: str | None = None
    format: Callable[[Any], str] | None = None
    most: int | None = None
    link_label: bool = False

    def shown(self, value: Any) -> str:
        """``value`` as the page shows it to a reader."""
        if self.format is not None:
            return self.format(value)
        if isinstance(value, float):
            return number_text(value)
        return str(value)


def setting(
    default: Any,
    label: str,
    *,
    options: Sequence[Any] | None = None,
    low: float | None = None,
    high: float | None = None,
    step: float | None = None,
    widget: str | None = None,
    help: str | None = None,
    format: Callable[[Any], str] | None = None,
    most: int | None = None,
    link_label: bool = False,
) -> Any:
    """A scenario field: its default and its :class:`Setting` (use as a dataclass field's default).

    The widget, when not given: a toggle for a bool, a multiselect for a tuple (several of the
    options, at most ``most``), a select box for text options, a select slider for number
    options, a slider for a range. ``link_label`` (see :class:`Setting`) needs text options.
    """
    if isinstance(default, tuple):
        if options is None or any(v not in options for v in default):
            raise ValueError(f"default {default!r} of {label!r} is not made of its options")
        if most is not None and len(default) > most:
            raise ValueError(f"default {default!r} of {label!r} holds more than {most} values")
        widget = widget or "multiselect"
    if options is not None:
        options = tuple(options)
        if not isinstance(default, tuple) and default not in options:
            raise ValueError(f"default {default!r} of {label!r} is not one of its options")
    elif isinstance(default, bool):
        pass
    elif low is None or high is None or not (low <= default <= high):
        raise ValueError(f"{label!r} needs options or a range holding its default {default!r}")
    if widget is None:
        if isinstance(default, bool):
            widget = "toggle"
        elif options is not None:
            widget = "selectbox" if isinstance(default, str) else "select_slider"
        else:
            widget = "slider"
    if widget not in WIDGETS:
        raise ValueError(f"unknown widget {widget!r} for {label!r}")
    if link_label and (not isinstance(default, str) or options is None):
        raise ValueError(f"{label!r}: only text options can be written into the link by their label")
    spec = Setting(label, options, low, high, step, widget, help, format, most=most, link_label=link_label)
    return dataclasses.field(default=default, metadata={SPEC: spec})


@dataclass(frozen=True)
class Field:
    """One field of a scenario class as the codec sees it: name, link key, type, default, setting."""

    name: str
    key: str
    kind: type
    default: Any
    setting: Setting

    def parse(self, text: str) -> tuple[Any, str | None]:
        """(value to use or None, what was wrong or None) for this setting's link text ``text``.

        The rules of :meth:`PageScenario.from_query`, for a page whose fields are made as it runs.
        """
        return _parse(self, text)


def ignored_text(key: str, text: str, problem: str) -> str:
    """One line of a link's notice: what the link held (cut to :data:`MAX_ECHO`) and why it was ignored."""
    name = _short(key) or _("(no name)")
    return f"{name}={_short(text)} ({problem})"


class PageScenario:
    """The base of every page's scenario (a frozen dataclass of :func:`setting` fields).

    A subclass names its page: ``class MyScenario(PageScenario, page="my")``. Its link keys are
    ``"my.<field>"``; every other key in a link is reported as unknown.
    """

    PAGE: ClassVar[str] = ""

    def __init_subclass__(cls, page: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if page:
            cls.PAGE = page

    @classmethod
    def fields(cls) -> tuple[Field, ...]:
        """The scenario's settings in declaration order (the order of its link)."""
        kinds = {"float": float, "int": int, "str": str, "bool": bool}
        out = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            spec = f.metadata.get(SPEC)
            if spec is None:
                raise TypeError(f"{cls.__name__}.{f.name} is not made by setting()")
            if isinstance(f.type, type):
                kind = f.type
            else:
                kind = tuple if str(f.type).startswith("tuple[") else kinds[str(f.type)]
            out.append(Field(f.name, f"{cls.PAGE}.{f.name}", kind, f.default, spec))
        return tuple(out)

    @classmethod
    def field(cls, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in cls.fields() if f.name == name)

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> tuple[Self, list[str]]:
        """Parse untrusted query parameters into a valid scenario and the list of what was ignored.

        Never raises. A value that is malformed, not finite, out of range or not one of the
        options leaves its setting at the default; a number between two options is moved to
        the nearest one. Each such case, and every key that is not one of this page's
        settings, gives one short message (keys and values cut to :data:`MAX_ECHO` characters).
        """
        values: dict[str, Any] = {}
        ignored: list[str] = []
        by_key = {f.key: f for f in cls.fields()}
        for raw_key, raw_value in dict(query).items():
            key = str(raw_key)
            texts = [str(v) for v in raw_value] if isinstance(raw_value, list | tuple) else [str(raw_value)]
            texts = texts or [""]
            text = ",".join(texts) if key in by_key and by_key[key].kind is tuple else texts[-1]
            if key == LINK_KEY:  # the interface's language: read by the UI, not a setting of the page
                continue
            f = by_key.get(key)
            if f is None:
                ignored.append(ignored_text(key, text, _("unknown setting")))
                continue
            value, problem = _parse_all(f, texts) if f.kind is tuple else _parse(f, text)
            if problem:
                ignored.append(ignored_text(key, text, problem))
            if value is not None:
                values[f.name] = value
        return cls(**values), ignored

    def to_query(self) -> dict[str, str | list[str]]:
        """The link's query parameters: the settings that differ from their defaults, exactly written.

        A tuple setting is a list of texts (the key repeated), or ``""`` when it holds nothing.
        """
        out: dict[str, str | list[str]] = {}
        for f in self.fields():
            value = getattr(self, f.name)
            if value != f.default:
                if f.kind is tuple:
                    out[f.key] = [_text(v) for v in value] or ""
                else:
                    out[f.key] = f.setting.shown(value) if f.setting.link_label else _text(value)
        return out

    def canonical(self) -> str:
        """The query string of :meth:`to_query`: one text per scenario, what caches key on."""
        return urlencode(self.to_query(), doseq=True)

    @classmethod
    def from_canonical(cls, text: str) -> Self:
        """The scenario whose :meth:`canonical` text is ``text`` (which this codec wrote)."""
        scenario, ignored = cls.from_query(parse_qs(text, keep_blank_values=True))
        if ignored:
            raise ValueError(f"not a canonical {cls.__name__} query: {ignored}")
        return scenario

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def _short(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _text(value: Any) -> str:
    """A value as a link holds it: exact numbers, ``true``/``false``, text as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return exact_text(value)
    return str(value)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse_all(f: Field, texts: Sequence[str]) -> tuple[tuple[Any, ...] | None, str | None]:
    """(values to use or None, what was wrong or None) for the link texts of tuple field ``f``.

    Each text is read as one of the options (a number between two options moves to the
    nearest); repeats are dropped. A link of one empty text holds nothing. When no text is an
    option the setting keeps its default; past ``most`` values the rest are dropped.
    """
    if list(texts) == [""]:
        return (), None
    spec = f.setting
    assert spec.options is not None
    item = dataclasses.replace(f, kind=type(spec.options[0]))
    values: list[Any] = []
    problems: list[str] = []
    for text in texts:
        value, problem = _parse(item, text)
        if problem:
            problems.append(f"{_short(text)}: {problem}")
        if value is not None and value not in values:
            values.append(value)
    if spec.most is not None and len(values) > spec.most:
        problems.append(_("more than {most} values; using the first {most}").format(most=spec.most))
        values = values[: spec.most]
    if not values:
        return None, "; ".join(problems)
    return tuple(values), "; ".join(problems) or None


def _parse(f: Field, text: str) -> tuple[Any, str | None]:
    """(value to use or None, what was wrong or None) for the link text ``text`` of field ``f``."""
    spec = f.setting
    if f.kind is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True, None
        if lowered in ("false", "0", "no", "off"):
            return False, None
        return None, _("not true or false")
    if f.kind is str:
        if spec.options is None:
            return text, None
        by_text = {spec.shown(o) if spec.link_label else o: o for o in spec.options}
        if text in by_text:
            return by_text[text], None
        return None, _("not one of {options}").format(options=", ".join(_short(str(t)) for t in list(by_text)[:6]))
    number = _number(text)
    if number is None:
        return None, _("not a number")
    if f.kind is int and number != round(number):
        return None, _("not a whole number")
    if spec.options is not None:
        numbers = [float(o) for o in spec.options]
        if number in numbers:
            return spec.options[numbers.index(number)], None
        if not min(numbers) <= number <= max(numbers):
            return None, _("outside {low} to {high}").format(
                low=spec.shown(spec.options[0]), high=spec.shown(spec.options[-1])
            )
        logs = min(numbers) > 0
        nearest = min(
            range(len(numbers)),
            key=lambda i: abs(math.log(numbers[i] / number)) if logs else abs(numbers[i] - number),
        )
        return spec.options[nearest], _("not a position of the slider; using {value}").format(
            value=spec.shown(spec.options[nearest])
        )
    assert spec.low is not None and spec.high is not None
    if not spec.low <= number <= spec.high:
        return None, _("outside {low} to {high}").format(
            low=spec.shown(f.kind(spec.low)), high=spec.shown(f.kind(spec.high))
        )
    if spec.step:
        snapped = spec.low + round((number - spec.low) / spec.step) * spec.step
        snapped = min(max(float(f"{snapped:.12g}"), spec.low), spec.high)
        if not math.isclose(snapped, number, rel_tol=1e-9, abs_tol=1e-12):
            return f.kind(snapped), _("not a step of the slider; using {value}").format(
                value=spec.shown(f.kind(snapped))
            )
    return f.kind(number), None
