"""Rationale in words and numbers: every condition of a rule with the department's actual value.

The explanation evaluates the same resolved condition tree the matcher was compiled from, leaf by
leaf, so "influence 28 < 33" is exactly the test that made the rule fire.
"""

from __future__ import annotations

from typing import Mapping

from .conditions import Literal, literals
from .model import Dimension, Rule
from .result import ConditionResult, Reason
from .templates import format_number

__all__ = ["describe_literal", "explain_conditions", "reason"]

_WORDS = {
    "between": {"en": "is between {lo} and {hi}", "da": "ligger mellem {lo} og {hi}"},
    "not between": {"en": "is not between {lo} and {hi}", "da": "ligger ikke mellem {lo} og {hi}"},
    "present": {"en": "is present", "da": "er målt"},
    "missing": {"en": "is missing", "da": "mangler"},
}
_MISSING = {"en": "(missing)", "da": "(mangler)"}


def describe_literal(lit: Literal, value: float | None, dimension: Dimension | None, language: str) -> str:
    """``Influence 28 < 33 (low)``; ``Work pace 50 is between 40 and 60``; ``Bullying is missing``."""
    name = dimension.name.get(language) if dimension else lit.dimension
    actual = _MISSING[language] if value is None else format_number(value, language)
    if lit.op in ("present", "missing"):
        return f"{name} {_WORDS[lit.op][language]}"
    if lit.op in _WORDS:
        words = _WORDS[lit.op][language].format(lo=format_number(lit.threshold or 0, language),
                                                hi=format_number(lit.threshold_high or 0, language))
        text = f"{name} {actual} {words}"
    else:
        text = f"{name} {actual} {lit.op} {format_number(lit.threshold or 0, language)}"
    if lit.band and dimension is not None:
        band = dimension.band(lit.band)
        if band is not None:
            text += f" ({band.label.get(language)})"
    return text


def explain_conditions(rule: Rule, values: Mapping[str, float], dimensions: Mapping[str, Dimension],
                       language: str) -> tuple[ConditionResult, ...]:
    out = []
    for lit in literals(rule.condition):
        value = values.get(lit.dimension)
        out.append(ConditionResult(lit.dimension, lit.op, lit.threshold, lit.threshold_high, lit.band, value,
                                   lit.holds(value),
                                   describe_literal(lit, value, dimensions.get(lit.dimension), language)))
    return tuple(out)


def reason(rule: Rule, points: float, values: Mapping[str, float], dimensions: Mapping[str, Dimension],
           language: str) -> Reason:
    """One fired rule as it appears under a recommendation."""
    text = rule.rationale[language].render(values, dimensions, language)
    return Reason(rule.id, rule.title.get(language), text, explain_conditions(rule, values, dimensions, language),
                  points)
