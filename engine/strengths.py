"""What is clearly good in a department, and should be kept (docs/RANKING.md, "strengths").

NFA's advice is to start from what works. So every answer names the department's strengths
beside what needs to change — and a department with nothing to act on gets its strengths and the
date of its next measurement rather than an empty answer.

A strength must be clear, not borderline, by the same meaningful difference that grades the rules:

* a **resource** lies at least the meaningful difference inside its best band (``influence`` 72 or
  more when the top band starts at 67);
* a **demand** lies, by the same margin, inside a band marked ``ok`` on both sides — neither too
  much nor too little;
* **no negative act** was reported, when the profile measured all of them;
* **sickness absence** lies at least its meaningful difference below its reference.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import NamedTuple

from .model import Band, Dimension, RuleSet, Text
from .templates import format_number

__all__ = ["Strength", "StrengthFinder", "clear_strength", "next_measurement", "NO_NEGATIVE_ACTS", "KEEP", "TEXTS"]

NO_NEGATIVE_ACTS = "no-negative-acts"
"""The pseudo-dimension of the strength "no negative act reported"."""

_RESOURCE = Text("{name}: et klart godt niveau ({value}, {band}) – en styrke at holde fast i.",
                 "{name}: clearly good ({value}, {band}) – a strength to keep.")
_DEMAND = Text("{name}: i balance ({value}, {band}) – hverken for meget eller for lidt.",
               "{name}: in balance ({value}, {band}) – neither too much nor too little.")
_LOW_DEMAND = Text("{name}: lavt niveau ({value}) – ikke en belastning i dag.",
                   "{name}: low ({value}) – not a strain today.")
KEEP = Text("Hold fast i det, der virker: tal i gruppen om, hvad der skaber styrkerne, og værn om dem, når "
            "arbejdet ændrer sig.",
            "Keep what works: talk in the team about what creates these strengths, and protect them when the "
            "work changes.")
"""The advice that goes with the strengths, once per answer."""
_NONE_REPORTED = Text("Ingen har rapporteret mobning, seksuel chikane, vold eller trusler. Bevar den kultur, og "
                      "sørg for, at alle ved, hvordan man melder en krænkelse, hvis det skulle ske.",
                      "No one reported bullying, sexual harassment, violence or threats. Keep that culture, and "
                      "make sure everyone knows how to report an offensive act should one happen.")
_BELOW_REFERENCE = Text("{name}: {value} %, tydeligt under niveauet for {reference_name} ({reference} %).",
                        "{name}: {value}%, clearly below the level of {reference_name} ({reference}%).")
_NEGATIVE_ACTS = ("bullying", "sexual_harassment", "violence", "threats")
TEXTS = (_RESOURCE, _DEMAND, _LOW_DEMAND, _NONE_REPORTED, _BELOW_REFERENCE)
"""Every strength sentence, for renderers that bound an answer's size before building it."""


class Strength(NamedTuple):
    """One clearly good finding, with a sentence saying what it is and to keep it."""

    dimension: str
    value: float | None
    band: str
    text: str


def _best_band(dim: Dimension) -> Band | None:
    """A resource's best band: the top one, if it is marked ``ok``."""
    top = dim.bands[-1] if dim.bands else None
    return top if top is not None and top.risk == "ok" else None


def _clearly_inside(band: Band, value: float, margin: float) -> bool:
    return ((band.low is None or value >= band.low + margin) and
            (band.high is None or value <= band.high - margin))


def clear_strength(dim: Dimension, value: float) -> bool:
    """Whether a resource's value is a clear strength: at least its meaningful difference inside its
    best band (an intervention that only builds such a resource is not recommended)."""
    best = _best_band(dim) if dim.group == "resource" else None
    return best is not None and best.contains(value) and _clearly_inside(best, value, dim.meaningful_difference)


class StrengthFinder:
    """:func:`strengths` compiled for one rule set: per dimension, the interval where a value is a
    clear strength, so that an answer costs a few comparisons and only its strengths are worded."""

    def __init__(self, ruleset: RuleSet) -> None:
        tests: list[tuple[str, float, bool, float, bool, Dimension, Text]] = []
        for ident, dim in ruleset.dimensions.items():
            if dim.share:
                continue
            m = dim.meaningful_difference
            if dim.group == "resource":
                best = _best_band(dim)
                if best is not None:
                    tests.append(_interval(ident, best, m, dim, _RESOURCE))
            elif dim.group == "demand":
                for index, band in enumerate(dim.bands):
                    # in balance: an ok band by a clear margin — for a demand harmful both ways, not
                    # the band next to "too little" (a low workload beside "very low" is no strength)
                    below_ok = index == 0 or dim.bands[index - 1].risk == "ok"
                    if band.risk == "ok" and (dim.adverse == "high" or below_ok):
                        tests.append(_interval(ident, band, m, dim, _LOW_DEMAND if dim.adverse == "high" else _DEMAND))
            elif dim.group == "signal" and dim.reference is not None and dim.adverse == "high" and m:
                tests.append((ident, dim.minimum, True, dim.reference.value - m, True, dim, _BELOW_REFERENCE))
        self._tests = tuple(tests)
        self._acts = tuple(a for a in _NEGATIVE_ACTS if a in ruleset.dimensions)

    def __call__(self, values: Mapping[str, float], language: str) -> tuple[Strength, ...]:
        out: list[Strength] = []
        for ident, low, low_in, high, high_in, dim, text in self._tests:
            value = values.get(ident)
            if value is None or value < low or value > high or (value == low and not low_in) or \
                    (value == high and not high_in):
                continue
            band = dim.band_of(value)
            out.append(Strength(ident, value, band.id if band else "", text.get(language).format(
                name=dim.name.get(language), value=format_number(value, language),
                band=band.label.get(language) if band else "",
                reference=format_number(dim.reference.value, language) if dim.reference else "",
                reference_name=(dim.reference.short or dim.reference.label).get(language) if dim.reference else "")))
        if self._acts and all(values.get(a) == 0 for a in self._acts):
            out.append(Strength(NO_NEGATIVE_ACTS, None, "none", _NONE_REPORTED.get(language)))
        return tuple(out)


def _interval(ident: str, band: Band, margin: float, dim: Dimension,
              text: Text) -> tuple[str, float, bool, float, bool, Dimension, Text]:
    """The values at least ``margin`` inside ``band``, as (low, low included, high, high included)."""
    low = band.low + margin if band.low is not None else dim.minimum
    high = band.high - margin if band.high is not None else dim.maximum
    return ident, low, True, high, True, dim, text


def next_measurement(measured_on: _dt.date | None, months: int) -> _dt.date | None:
    """``months`` after the measurement (the same day of the month, or the month's last day)."""
    if measured_on is None:
        return None
    month = measured_on.month - 1 + months
    year, month = measured_on.year + month // 12, month % 12 + 1
    for day in (measured_on.day, 30, 29, 28):
        try:
            return _dt.date(year, month, min(day, 31))
        except ValueError:
            continue
    return None  # pragma: no cover - day 28 exists in every month
