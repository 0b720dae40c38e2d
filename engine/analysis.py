"""Static reasoning about conditions: can a condition ever be true, is it always true, and what is
the smallest change to one dimension that would make a rule fire.

A condition in negation normal form is a disjunction of conjunctions (its DNF terms). A term is
satisfiable when, for each dimension it mentions, the tests leave a non-empty part of the
dimension's range (intervals intersected, excluded points removed, presence consistent). That is
exact for our literals, so "never true" is a proof, not a guess. "Always true" asks the same of the
negated condition, with every mentioned dimension present: a rule such as ``influence >= 0`` fires
for every profile that measures influence, which is almost always a mistake.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .conditions import AllOf, AnyOf, Condition, Literal, literals
from .durable_compile import _dnf, chain_count
from .expr.syntax import NEGATED_OP, Op
from .grading import counting_factor, wilson_lower
from .model import Dimension

__all__ = ["satisfiable", "always_true", "negate", "SuggestedChange", "smallest_change", "ANALYSIS_LIMIT"]

ANALYSIS_LIMIT = 512  # DNF terms; larger conditions are not analysed (the loader caps them anyway)
_STEP = 1e-6          # the values' precision (six decimals)


def negate(cond: Condition) -> Condition:
    """The condition that holds exactly when ``cond`` does not, for present values."""
    if isinstance(cond, Literal):
        if cond.op in NEGATED_OP:
            return Literal(cond.dimension, NEGATED_OP[cond.op], cond.threshold, offset=cond.offset)
        flipped = {Op.BETWEEN: Op.NOT_BETWEEN, Op.NOT_BETWEEN: Op.BETWEEN,
                   Op.PRESENT: Op.MISSING, Op.MISSING: Op.PRESENT}
        return Literal(cond.dimension, flipped[cond.op], cond.threshold, cond.threshold_high, cond.low_inclusive,
                       cond.high_inclusive, cond.band, offset=cond.offset)
    items = tuple(negate(item) for item in cond.items)
    return AnyOf(items) if isinstance(cond, AllOf) else AllOf(items)


@dataclass
class _Domain:
    low: float
    low_in: bool
    high: float
    high_in: bool
    excluded: set[float]
    present: bool = False
    missing: bool = False

    def cut_low(self, value: float, inclusive: bool) -> None:
        if value > self.low or (value == self.low and not inclusive):
            self.low, self.low_in = value, inclusive

    def cut_high(self, value: float, inclusive: bool) -> None:
        if value < self.high or (value == self.high and not inclusive):
            self.high, self.high_in = value, inclusive

    def empty(self) -> bool:
        if self.missing and self.present:
            return True
        if self.missing:
            return False
        if self.low > self.high or (self.low == self.high and not (self.low_in and self.high_in)):
            return True
        if self.low == self.high:
            return self.low in self.excluded
        return False


def _term_satisfiable(term: tuple[Literal, ...], dims: Mapping[str, Dimension],
                      force_present: frozenset[str] = frozenset()) -> bool:
    domains: dict[str, _Domain] = {}
    for lit in term:
        dim = dims.get(lit.dimension)
        if dim is None:
            return True  # unknown dimensions are reported elsewhere; do not claim anything
        d = domains.get(lit.dimension)
        if d is None:
            d = domains[lit.dimension] = _Domain(dim.minimum, True, dim.maximum, True, set(),
                                                 present=lit.dimension in force_present)
        if lit.op == Op.MISSING:
            d.missing = True
            continue
        d.present = True
        t = lit.threshold
        if lit.op == Op.BETWEEN:
            if t is not None:
                d.cut_low(t, lit.low_inclusive)
            if lit.threshold_high is not None:
                d.cut_high(lit.threshold_high, lit.high_inclusive)
        elif t is None:  # present(x): no bound (every comparison has its threshold)
            continue
        elif lit.op == Op.LT:
            d.cut_high(t, False)
        elif lit.op == Op.LE:
            d.cut_high(t, True)
        elif lit.op == Op.GT:
            d.cut_low(t, False)
        elif lit.op == Op.GE:
            d.cut_low(t, True)
        elif lit.op == Op.EQ:
            d.cut_low(t, True)
            d.cut_high(t, True)
        elif lit.op == Op.NE:
            d.excluded.add(t)
    return not any(d.empty() for d in domains.values())


def satisfiable(cond: Condition, dims: Mapping[str, Dimension]) -> bool | None:
    """True/False when decided; None when the condition is too large to analyse."""
    if chain_count(cond) > ANALYSIS_LIMIT:
        return None
    return any(_term_satisfiable(term, dims) for term in _dnf(cond))


def always_true(cond: Condition, dims: Mapping[str, Dimension]) -> bool | None:
    """Whether ``cond`` holds for every profile that has all the dimensions it mentions."""
    negated = negate(cond)
    if chain_count(negated) > ANALYSIS_LIMIT:
        return None
    present = frozenset(lit.dimension for lit in literals(cond) if lit.op != Op.MISSING)
    if any(lit.op == Op.MISSING for lit in literals(cond)):
        return False
    return not any(_term_satisfiable(term, dims, present) for term in _dnf(negated))


@dataclass(frozen=True)
class SuggestedChange:
    """Setting ``dimension`` from ``current`` (None = missing) to ``value`` makes the rule fire."""

    dimension: str
    current: float | None
    value: float

    @property
    def delta(self) -> float:
        return math.inf if self.current is None else abs(self.value - self.current)


def _share_needed(threshold: float, respondents: int, dim: Dimension) -> float | None:
    """The smallest share whose 95 % interval lies clear of ``threshold`` (bisection), if any."""
    low, high = threshold, dim.maximum
    if wilson_lower(high, respondents) <= threshold:
        return None
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if wilson_lower(mid, respondents) <= threshold else (low, mid)
    return high


def _candidates(cond: Condition, dimension: str, dim: Dimension, current: float | None,
                respondents: int) -> list[float]:
    """Values worth trying: each threshold on ``dimension``, one meaningful difference past it (or,
    for a share, where its interval clears it), just past those, and whole numbers near them."""
    points: set[float] = {dim.minimum, dim.maximum}
    for lit in literals(cond):
        if lit.dimension != dimension:
            continue
        bounds = [lit.threshold, lit.threshold_high]
        if lit.margin and lit.threshold is not None:  # where it is clearly past (borderline alone never fires)
            bounds.append(lit.threshold + (-lit.margin if lit.adverse == "low" else lit.margin))
        if lit.share and lit.threshold is not None:
            bounds.append(_share_needed(lit.threshold, respondents, dim))
        for t in bounds:
            if t is None:
                continue
            points.update({t, round(t - _STEP, 6), round(t + _STEP, 6), math.floor(t), math.ceil(t),
                           math.floor(t) - 1, math.ceil(t) + 1, round(t - 0.1, 6), round(t + 0.1, 6)})
    if current is not None:
        points.add(current)
    return sorted(float(p) for p in points if dim.minimum <= p <= dim.maximum)  # floats, as over the wire


def _anchor(dim: Dimension) -> float:
    """For a missing value, measure "nearest" from the middle of the scale."""
    return (dim.minimum + dim.maximum) / 2


def _nicest(working: list[tuple[float, float]], whole: float = 1.0) -> float:
    """The nearest working value, but a whole number (or two decimals) if one is almost as near:
    "influence 41 → 32" reads better than "→ 32.999999", which also prints as a misleading 33.
    ``whole`` is how much further a whole number may lie: a point on a 0–100 scale, a tenth on a
    percentage read to one decimal (absence 8.4 → 9.1, not → 10)."""
    nearest = min(working)[0]
    for allowance, precision in ((whole, 0), (0.01, 2)):
        nice = [(d, v) for d, v in working if round(v, precision) == v and d <= nearest + allowance]
        if nice:
            return min(nice)[1]
    return min(working)[1]


def smallest_change(cond: Condition, values: Mapping[str, float], dims: Mapping[str, Dimension],
                    respondents: int = 20) -> list[SuggestedChange]:
    """For each dimension of a rule that does not fire, the nearest value that would make it fire —
    hold clearly enough to count (engine/grading.py) — with everything else unchanged; closest
    first. Empty if no single dimension can.

    Among equally near values a whole number is preferred (a consultant reads "influence 28 → 32"
    more easily than "→ 32.999999"), then a value with fewer decimals.
    """
    out: list[SuggestedChange] = []
    counts = counting_factor(cond)
    for dimension in dict.fromkeys(lit.dimension for lit in literals(cond)):
        dim = dims.get(dimension)
        if dim is None:
            continue
        current = values.get(dimension)
        trial = dict(values)
        working = []
        for value in _candidates(cond, dimension, dim, current, respondents):
            trial[dimension] = value
            if value != current and counts(trial, respondents) > 0.0:
                working.append((abs(value - current) if current is not None else abs(value - _anchor(dim)), value))
        if working:
            out.append(SuggestedChange(dimension, current, _nicest(working, 1.0 if dim.unit == "score" else 0.1)))
    return sorted(out, key=lambda c: (c.delta, c.dimension))

