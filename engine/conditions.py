"""Resolved conditions: the parsed expression checked against the catalogue, in negation normal form.

Semantics of missing values (documented for authors in docs/RULES.md): a comparison on a missing
dimension is *unknown*; ``not``, ``and`` and ``or`` follow Kleene's three-valued logic; a rule fires
only when its condition is *true*. Pushing ``not`` down to the leaves (negation normal form, with
each comparison replaced by its complement) gives exactly that meaning with two-valued leaves that
are simply false for a missing value — which is also how durable_rules treats an absent attribute.
So both matchers evaluate the same :data:`Condition` tree, and the explanation lists its leaves.

``missing(x)`` and ``present(x)`` are the only leaves that can be true for a missing value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard, cast

from .expr import And, BandTest, Between, Compare, Expr, Not, Or, Presence
from .expr.syntax import NEGATED_OP, Op
from .frozen import Frozen
from .problems import ERROR, WARNING
from .suggestions import closest

if TYPE_CHECKING:  # the model holds conditions, so it is imported for the annotations only
    from .model import Dimension

__all__ = ["Literal", "AllOf", "AnyOf", "Condition", "NEVER", "ResolveIssue", "resolve",
           "literals", "predicate", "dimensions_of", "is_monotone", "intensity_function"]

_COMPARE: dict[Op, Callable[[float, float], bool]] = {
    Op.LT: operator.lt, Op.LE: operator.le, Op.GT: operator.gt, Op.GE: operator.ge,
    Op.EQ: operator.eq, Op.NE: operator.ne,
}
_LT, _LE, _GT, _GE, _EQ, _NE, _BETWEEN, _NOT_BETWEEN, _PRESENT, _MISSING = range(10)
_CODES = {Op.LT: _LT, Op.LE: _LE, Op.GT: _GT, Op.GE: _GE, Op.EQ: _EQ, Op.NE: _NE, Op.BETWEEN: _BETWEEN,
          Op.NOT_BETWEEN: _NOT_BETWEEN, Op.PRESENT: _PRESENT, Op.MISSING: _MISSING}


@dataclass(frozen=True)
class Literal(Frozen):
    """A leaf test on one dimension.

    ``op`` is a comparison (``< <= > >= == !=``), ``between``/``not between`` (an interval with
    ``threshold`` … ``threshold_high`` and inclusivity flags), or ``present``/``missing``.
    ``band`` is set when the literal came from ``is [not] <band>``. ``adverse`` is the side of the
    scale this literal points to when that side is the harmful one (``'low'``/``'high'``), else
    ``None``; ``extreme`` is the scale's end on that side (used to measure intensity).
    """

    dimension: str
    op: Op
    threshold: float | None = None
    threshold_high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    band: str | None = None
    adverse: str | None = None
    extreme: float = 0.0
    offset: int = 0
    margin: float = 0.0
    """The dimension's meaningful difference, for a test in the harmful direction: a value that is
    past the threshold by less than this is borderline (engine/grading.py)."""
    share: bool = False
    """The dimension is a share of the respondents: graded by its confidence interval instead."""
    code: int = field(init=False, repr=False, compare=False)
    """``op`` as a small integer (:data:`_CODES`), and ``limit`` the threshold as a plain float:
    :meth:`holds` runs for every test of every fired rule, and compiled (setup.py) integer and
    float comparisons are machine instructions where an enum comparison and an ``operator`` call
    are not."""
    limit: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _CODES[self.op])
        object.__setattr__(self, "limit", self.threshold if self.threshold is not None else 0.0)

    def holds(self, value: float | None) -> bool:
        """Whether the test is true for ``value`` (``None`` = missing)."""
        code = self.code
        if code >= _PRESENT:
            return (value is not None) == (code == _PRESENT)
        if value is None:
            return False
        if code == _LT:
            return value < self.limit
        if code == _LE:
            return value <= self.limit
        if code == _GT:
            return value > self.limit
        if code == _GE:
            return value >= self.limit
        if code == _EQ:
            return value == self.limit
        if code == _NE:
            return value != self.limit
        inside = _inside(value, self)
        return inside if code == _BETWEEN else not inside


def _inside(value: float, lit: Literal) -> bool:
    low, high = lit.threshold, lit.threshold_high
    if low is not None and (value < low or (value == low and not lit.low_inclusive)):
        return False
    return not (high is not None and (value > high or (value == high and not lit.high_inclusive)))


@dataclass(frozen=True)
class AllOf(Frozen):
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf(Frozen):
    items: tuple[Condition, ...]


Condition = Literal | AllOf | AnyOf
NEVER: Condition = AnyOf(())
"""The condition that is never true (an empty disjunction)."""


@dataclass(frozen=True)
class ResolveIssue(Frozen):
    """A problem found while resolving: an offset into the condition text, not yet a file position."""

    offset: int
    message: str
    code: str
    severity: str = ERROR
    suggestion: str | None = None


def resolve(expr: Expr, dimensions: Mapping[str, Dimension]) -> tuple[Condition, list[ResolveIssue]]:
    """Check names and bands against ``dimensions`` and return the NNF condition and any issues."""
    issues: list[ResolveIssue] = []
    condition = _nnf(expr, False, dimensions, issues)
    return _simplify(condition), issues


def _dimension(name: str, offset: int, dimensions: Mapping[str, Dimension],
               issues: list[ResolveIssue]) -> Dimension | None:
    dim = dimensions.get(name)
    if dim is None:
        issues.append(ResolveIssue(offset, f"unknown dimension '{name}'", "unknown-dimension",
                                   suggestion=closest(name, dimensions)))
    return dim


def _check_range(dim: Dimension, value: float, offset: int, issues: list[ResolveIssue]) -> None:
    low, high = dim.minimum, dim.maximum
    if not (low <= value <= high):
        issues.append(ResolveIssue(offset, f"threshold {value:g} is outside the range of "
                                   f"{dim.id} ({low:g}–{high:g})",
                                   "threshold-out-of-range", WARNING))


def _side(op: Op, dim: Dimension) -> tuple[str | None, float]:
    """Which harmful side a one-sided comparison points to, and that side's scale end."""
    adverse = dim.adverse
    if op in (Op.LT, Op.LE) and adverse in ("low", "both"):
        return "low", dim.minimum
    if op in (Op.GT, Op.GE) and adverse in ("high", "both"):
        return "high", dim.maximum
    return None, 0.0


def _compare(name: str, op: Op, value: float, dim: Dimension, offset: int, band: str | None = None) -> Literal:
    side, extreme = _side(op, dim)
    share = bool(side and dim.share)
    margin = float(dim.meaningful_difference) if side and not share else 0.0
    return Literal(name, op, value, band=band, adverse=side, extreme=extreme, offset=offset, margin=margin,
                   share=share)


def _interval(name: str, dim: Dimension, low: float | None, low_inc: bool, high: float | None, high_inc: bool,
              negate: bool, offset: int, band: str | None) -> Condition:
    """A (possibly half-open) interval test, reduced to a one-sided comparison where it is one."""
    if low is None:
        if high is None:
            return NEVER if negate else Literal(name, Op.PRESENT, offset=offset, band=band)
        op = (Op.LE if high_inc else Op.LT)
        return _compare(name, NEGATED_OP[op] if negate else op, high, dim, offset, band)
    if high is None:
        op = (Op.GE if low_inc else Op.GT)
        return _compare(name, NEGATED_OP[op] if negate else op, low, dim, offset, band)
    return Literal(name, Op.NOT_BETWEEN if negate else Op.BETWEEN, low, high, low_inc, high_inc,
                   band=band, offset=offset)


def _nnf(expr: Expr, negate: bool, dimensions: Mapping[str, Dimension], issues: list[ResolveIssue]) -> Condition:
    if isinstance(expr, Not):
        return _nnf(expr.operand, not negate, dimensions, issues)
    if isinstance(expr, (And, Or)):
        parts = tuple(_nnf(item, negate, dimensions, issues) for item in expr.items)
        conjunction = isinstance(expr, And) != negate
        return AllOf(parts) if conjunction else AnyOf(parts)
    if isinstance(expr, Presence):
        _dimension(expr.dimension, expr.offset, dimensions, issues)
        present = expr.present != negate
        return Literal(expr.dimension, Op.PRESENT if present else Op.MISSING, offset=expr.offset)
    dim = _dimension(expr.dimension, expr.offset, dimensions, issues)
    if isinstance(expr, Compare):
        if dim is None:
            return Literal(expr.dimension, expr.op, expr.value, offset=expr.offset)
        _check_range(dim, expr.value, expr.value_offset, issues)
        op = NEGATED_OP[expr.op] if negate else expr.op
        return _compare(expr.dimension, op, expr.value, dim, expr.offset)
    if isinstance(expr, Between):
        if dim is None:
            return Literal(expr.dimension, Op.BETWEEN, expr.low, expr.high, offset=expr.offset)
        _check_range(dim, expr.low, expr.value_offset, issues)
        _check_range(dim, expr.high, expr.value_offset, issues)
        return Literal(expr.dimension, Op.NOT_BETWEEN if negate else Op.BETWEEN, expr.low, expr.high,
                       offset=expr.offset)
    if isinstance(expr, BandTest):
        if dim is None:
            return Literal(expr.dimension, Op.PRESENT, offset=expr.offset)
        band = dim.band(expr.band)
        if band is None:
            names = [b.id for b in dim.bands]
            issues.append(ResolveIssue(expr.band_offset, f"'{expr.dimension}' has no band '{expr.band}' "
                                       f"(bands: {', '.join(names)})", "unknown-band",
                                       suggestion=closest(expr.band, names)))
            return Literal(expr.dimension, Op.PRESENT, offset=expr.offset)
        return _interval(expr.dimension, dim, band.low, band.low_inclusive, band.high, band.high_inclusive,
                         expr.negated != negate, expr.offset, band.id)
    raise TypeError(f"not an expression node: {expr!r}")  # pragma: no cover


def _simplify(cond: Condition) -> Condition:
    """Flatten nested AllOf/AnyOf, drop single-item wrappers, fold never-true branches."""
    if isinstance(cond, Literal):
        return cond
    kind = type(cond)
    items: list[Condition] = []
    for item in (_simplify(i) for i in cond.items):
        if isinstance(item, kind):
            items.extend(item.items)
        elif item == NEVER:
            if kind is AllOf:
                return NEVER
        else:
            items.append(item)
    if len(items) == 1:
        return items[0]
    return kind(tuple(items))


def literals(cond: Condition) -> tuple[Literal, ...]:
    """The leaves of a condition, in source order."""
    if isinstance(cond, Literal):
        return (cond,)
    return tuple(lit for item in cond.items for lit in literals(item))


def dimensions_of(cond: Condition) -> tuple[str, ...]:
    """The dimensions a condition looks at, first mention first, each once."""
    return tuple(dict.fromkeys(lit.dimension for lit in literals(cond)))


def is_monotone(lit: Literal) -> bool:
    """Whether a leaf can only become true (never false) as its dimension gets worse."""
    return lit.adverse is not None


def predicate(cond: Condition) -> Callable[[Mapping[str, float]], bool]:
    """A closure evaluating ``cond`` fast: the plain-Python matcher.

    A leaf means :meth:`Literal.holds`; a conjunction needs every item, a disjunction any. The
    tree is dispatched once, here, rather than on every call (docs/ARCHITECTURE.md, "Measured design
    choices");
    tests/oracles.py ``holds`` is the plain recursive definition the tests compare it with.
    """
    if isinstance(cond, Literal):
        dim, op = cond.dimension, cond.op
        if op == Op.PRESENT:
            return lambda v: v.get(dim) is not None
        if op == Op.MISSING:
            return lambda v: v.get(dim) is None
        if op in _COMPARE:
            fn, t = _COMPARE[op], cast(float, cond.threshold)  # a comparison always has a threshold

            def compare(v: Mapping[str, float]) -> bool:
                x = v.get(dim)
                return x is not None and fn(x, t)
            return compare
        lit = cond

        def interval(v: Mapping[str, float]) -> bool:
            return lit.holds(v.get(dim))
        return interval
    parts = tuple(predicate(item) for item in cond.items)
    if isinstance(cond, AllOf):
        return lambda v: all(p(v) for p in parts)
    return lambda v: any(p(v) for p in parts)


def intensity_function(cond: Condition) -> Callable[[Mapping[str, float]], float]:
    """How strongly a true condition holds, 0 … 1, compiled into closures once per rule (ranking
    calls it per fired rule).

    Mean over a conjunction, max over the true branches of a disjunction. For conditions whose
    leaves all point in the harmful direction this never decreases when the profile gets worse,
    which keeps scores monotone (docs/RANKING.md). tests/oracles.py ``intensity`` is the plain
    recursive definition the tests compare it with.

    A leaf's intensity is its distance past the threshold towards the harmful end, over the
    distance from threshold to that end; a value on or before the threshold gives 0 whether or
    not the bound is inclusive, so no separate "holds" test is needed for leaves.
    """
    if isinstance(cond, Literal):
        lit, dim = cond, cond.dimension
        if lit.adverse is None or lit.threshold is None:
            return lambda v: 0.0
        span = abs(lit.threshold - lit.extreme)
        threshold = lit.threshold
        if span == 0:
            return lambda v: 1.0 if lit.holds(v.get(dim)) else 0.0
        sign = -1.0 if lit.adverse == "low" else 1.0

        def leaf(v: Mapping[str, float]) -> float:
            x = v.get(dim)
            if x is None:
                return 0.0
            d = sign * (x - threshold) / span
            return 0.0 if d <= 0.0 else (1.0 if d >= 1.0 else d)
        return leaf
    if isinstance(cond, AllOf) and _all_literals(cond.items):
        return _conjunction_intensity(cond.items)
    parts = tuple(intensity_function(item) for item in cond.items)
    if isinstance(cond, AllOf):
        n = float(len(parts) or 1)

        def mean(v: Mapping[str, float]) -> float:
            total = 0.0
            for p in parts:
                total += p(v)
            return total / n
        return mean
    tests = tuple(zip(parts, (predicate(item) for item in cond.items)))
    return lambda v: max((p(v) for p, t in tests if t(v)), default=0.0)


def _all_literals(items: tuple[Condition, ...]) -> TypeGuard[tuple[Literal, ...]]:
    return all(isinstance(item, Literal) for item in items)


def _conjunction_intensity(items: tuple[Literal, ...]) -> Callable[[Mapping[str, float]], float]:
    """The common case, a conjunction of leaves, as one loop over plain tuples (no nested calls)."""
    n = float(len(items))
    leaves = []
    for lit in items:
        if lit.adverse is None or lit.threshold is None:
            continue
        span = abs(lit.threshold - lit.extreme)
        if span == 0:
            parts = tuple(intensity_function(i) for i in items)
            return lambda v: sum(p(v) for p in parts) / n
        leaves.append((lit.dimension, lit.threshold, -1.0 / span if lit.adverse == "low" else 1.0 / span))
    table = tuple(leaves)

    def mean(v: Mapping[str, float]) -> float:
        total = 0.0
        for dim, threshold, scale in table:
            x = v.get(dim)
            if x is not None:
                d = (x - threshold) * scale
                if d > 0.0:
                    total += d if d < 1.0 else 1.0
        return total / n
    return mean
