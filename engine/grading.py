"""How firmly a matched rule holds: clear or borderline (docs/RANKING.md, "graded").

The matchers decide which rules' conditions are true, exactly as written; this module decides
what each true condition counts for:

* a test on a 0–100 scale (or another dimension with a meaningful difference *m*) is **clear**
  when the value lies at least *m* past the threshold in the harmful direction, **borderline**
  when it lies past the threshold by less than *m* (influence 31 against "below 33");
* a test on a share of the respondents (negative acts, stress) is **clear** when the lower bound
  of the share's 95 % Wilson interval lies past the threshold, **borderline** when only the
  share itself does — one answer in six is 16.7 %, but the interval reaches down to 3 %;
* any other test (``==``, ``between``, ``present(…)``, a test on the harmless side) is clear when
  it holds.

A condition's **degree** is 1 when clear, ½ when borderline (``and`` takes the weakest part,
``or`` the strongest true branch), and it is **supported** when at least one clear test in the
harmful direction makes it true. A rule counts only when it is supported — a difference smaller
than the meaningful difference never fires a rule alone — and then with its degree as a factor,
so a borderline value weighs half. Both never fall when a value gets worse, which keeps scores
monotone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from .conditions import AllOf, Condition, Literal, literals
from .expr.syntax import Op

__all__ = ["Grade", "Grader", "grade_function", "CountingFactor", "counting_factor", "borderline_tests",
           "wilson_lower", "borderline_zone", "in_zone", "share_grade", "BORDERLINE", "CLEAR"]

CLEAR, BORDERLINE = 1.0, 0.5
_Z = 1.959964  # the 97.5 % normal quantile: a two-sided 95 % interval
Grade = tuple[float, bool]
"""(degree, supported): degree 0 means the rule does not count at all."""


def wilson_lower(percent: float, n: int) -> float:
    """The lower bound, in percent, of the 95 % Wilson score interval of a share of ``n`` answers."""
    if n <= 0:
        return 0.0
    p = min(1.0, max(0.0, percent / 100.0))
    z2 = _Z * _Z
    centre = p + z2 / (2 * n)
    spread = _Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z2 / n) * 100.0)


def share_grade(lit: Literal, value: float, n: int) -> float:
    """A share test's degree for ``value`` from ``n`` answers: 1 clear, ½ borderline, 0 not true."""
    if lit.threshold is None or not lit.holds(value):
        return 0.0
    low = wilson_lower(value, n)
    clear = low >= lit.threshold if lit.op in (Op.LE, Op.GE) else low > lit.threshold
    return CLEAR if clear else BORDERLINE


class Grader:
    """A condition compiled for grading: :meth:`grade` gives (degree, supported) for the values
    and the number of respondents. Small classes rather than closures: compiled (setup.py), a
    method call on a known class is a direct C call whose (float, bool) result is not boxed, where
    calling a closure goes through Python's calling convention and allocates a tuple each time."""

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        raise NotImplementedError

    def __call__(self, v: Mapping[str, float], n: int) -> Grade:
        return self.grade(v, n)


class _WhenTrue(Grader):
    """A test graded only by whether it holds: clear when true. It supports a rule when it points
    in a harmful direction on a dimension without a meaningful difference; a test with no harmful
    direction (``==``, ``between``, ``present`` …) never does."""

    def __init__(self, lit: Literal, supports: bool) -> None:
        self.lit, self.dim, self.supports = lit, lit.dimension, supports

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        return (CLEAR, self.supports) if self.lit.holds(v.get(self.dim)) else (0.0, False)


class _Share(Grader):
    """Adverse 'high' on a share: the interval's lower bound must lie past the threshold."""

    def __init__(self, lit: Literal, threshold: float) -> None:
        self.lit, self.dim, self.threshold = lit, lit.dimension, threshold
        self.inclusive = lit.op in (Op.LE, Op.GE)

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        x = v.get(self.dim)
        if x is None or not self.lit.holds(x):
            return 0.0, False
        low = wilson_lower(x, n)
        clear = low >= self.threshold if self.inclusive else low > self.threshold
        return (CLEAR, True) if clear else (BORDERLINE, False)


class _Scaled(Grader):
    """A harmful-direction test with a meaningful difference: clear at least that far past."""

    def __init__(self, lit: Literal, threshold: float) -> None:
        self.lit, self.dim, self.threshold, self.margin = lit, lit.dimension, threshold, lit.margin
        self.sign = -1.0 if lit.adverse == "low" else 1.0

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        x = v.get(self.dim)
        if x is None or not self.lit.holds(x):
            return 0.0, False
        return (CLEAR, True) if self.sign * (x - self.threshold) >= self.margin else (BORDERLINE, False)


class _All(Grader):
    """``and``: the weakest part's degree; supported when any part is."""

    def __init__(self, parts: tuple[Grader, ...]) -> None:
        self.parts = parts

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        degree, supported = CLEAR, False
        for part in self.parts:
            d, s = part.grade(v, n)
            if d <= 0.0:
                return 0.0, False
            degree = d if d < degree else degree
            supported = supported or s
        return degree, supported


class _Any(Grader):
    """``or``: the strongest true branch's degree; supported by any supported true branch."""

    def __init__(self, parts: tuple[Grader, ...]) -> None:
        self.parts = parts

    def grade(self, v: Mapping[str, float], n: int) -> tuple[float, bool]:
        degree, supported = 0.0, False
        for part in self.parts:
            d, s = part.grade(v, n)
            degree = d if d > degree else degree
            supported = supported or (s and d > 0.0)
        return degree, supported


def _leaf(lit: Literal) -> Grader:
    if lit.adverse is None or lit.threshold is None:
        return _WhenTrue(lit, supports=False)
    if lit.share:
        return _Share(lit, lit.threshold)
    if not lit.margin:
        return _WhenTrue(lit, supports=True)
    return _Scaled(lit, lit.threshold)


def grade_function(cond: Condition) -> Grader:
    """``cond`` compiled into a :class:`Grader`, called as ``(values, respondents) -> (degree, supported)``."""
    if isinstance(cond, Literal):
        return _leaf(cond)
    parts = tuple(grade_function(item) for item in cond.items)
    return _All(parts) if isinstance(cond, AllOf) else _Any(parts)


Zone = tuple[float, bool, float, bool]
"""(low, low included, high, high included): where a leaf with a margin is borderline."""


def borderline_zone(lit: Literal) -> Zone | None:
    """Where a test with a meaningful difference is borderline — true, but not clearly past its
    threshold — as an interval, for renderers that mark such values without grading whole rules.
    None for a test without a margin (shares are graded by their interval: :func:`share_grade`)."""
    if not lit.margin or lit.threshold is None or lit.adverse is None or lit.op not in (Op.LT, Op.LE, Op.GT, Op.GE):
        return None
    t, m = lit.threshold, lit.margin
    if lit.adverse == "low":
        return t - m, False, t, lit.op == Op.LE
    return t, lit.op == Op.GE, t + m, False


def in_zone(zone: Zone, x: float) -> bool:
    low, low_in, high, high_in = zone
    return (low < x or (low_in and x == low)) and (x < high or (high_in and x == high))


def borderline_tests(cond: Condition) -> Callable[[Mapping[str, float], int], tuple[str, ...]]:
    """The dimensions of ``cond``'s tests that hold only borderline for the values (no branch
    logic: every test of the condition is looked at, true ones only)."""
    leaves = tuple((lit, _leaf(lit)) for lit in literals(cond) if lit.adverse is not None)

    def near(v: Mapping[str, float], n: int) -> tuple[str, ...]:
        return tuple(lit.dimension for lit, grader in leaves if grader.grade(v, n)[0] == BORDERLINE)
    return near


class CountingFactor:
    """The factor a matched rule counts with: its degree if supported, else 0. A condition with no
    test in a harmful direction (only ``==``, ``between``, ``present`` …) needs no support."""

    def __init__(self, cond: Condition) -> None:
        self.grader = grade_function(cond)
        self.needs_support = any(lit.adverse is not None for lit in literals(cond))

    def factor(self, v: Mapping[str, float], n: int) -> float:
        degree, supported = self.grader.grade(v, n)
        return degree if degree > 0.0 and (supported or not self.needs_support) else 0.0

    def __call__(self, v: Mapping[str, float], n: int) -> float:
        return self.factor(v, n)


def counting_factor(cond: Condition) -> CountingFactor:
    """:class:`CountingFactor` of ``cond`` (called as ``(values, respondents) -> factor``)."""
    return CountingFactor(cond)
