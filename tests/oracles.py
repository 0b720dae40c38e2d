"""Reference implementations: the plain, slow definitions the tests compare the product against.

The engine keeps only the fast forms it runs on every call — conditions compiled into closures
(``conditions.predicate``, ``conditions.intensity_function``) and facts written through cached
templates (``durable_compile.FactWriter``). Each function here is the readable definition of
the same thing, written for clarity rather than speed, and used only by tests:

* :func:`holds` — whether a resolved condition is true for a profile's values;
* :func:`intensity` (and :func:`literal_intensity` for one leaf) — how strongly it holds, 0 … 1
  (docs/RANKING.md);
* :func:`serialize_fact` — the durable_rules fact for one profile;
* :func:`band_of` — the band a value lies in, from the bands' bounds as the catalogue writes them.

A test that finds the engine and an oracle disagree has found a bug in one of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from trivsel.engine.conditions import AllOf, Condition, Literal
from trivsel.engine.durable_compile import FACT_PREFIX
from trivsel.engine.model import Band, Dimension

__all__ = ["band_of", "holds", "intensity", "literal_intensity", "serialize_fact"]


def holds(cond: Condition, values: Mapping[str, float]) -> bool:
    """Whether ``cond`` is true for ``values`` (a missing dimension is simply absent).

    The tree is walked on every call: a leaf asks :meth:`Literal.holds`, a conjunction needs every
    item, a disjunction any.
    """
    if isinstance(cond, Literal):
        return cond.holds(values.get(cond.dimension))
    if isinstance(cond, AllOf):
        return all(holds(item, values) for item in cond.items)
    return any(holds(item, values) for item in cond.items)


def literal_intensity(lit: Literal, value: float | None) -> float:
    """How far past its threshold, towards the harmful end, ``value`` lies: 0 … 1.

    0 for a leaf that does not point to a harmful side, a missing value, or a test that does not
    hold; otherwise the distance past the threshold over the distance from the threshold to the
    scale's end on that side (1 when the two coincide).
    """
    if lit.adverse is None or value is None or lit.threshold is None or not lit.holds(value):
        return 0.0
    span = abs(lit.threshold - lit.extreme)
    if span == 0:
        return 1.0
    return max(0.0, min(1.0, abs(value - lit.threshold) / span))


def intensity(cond: Condition, values: Mapping[str, float]) -> float:
    """How strongly a true condition holds, 0 … 1.

    Mean over a conjunction, max over the true branches of a disjunction. For conditions whose
    leaves all point in the harmful direction this never decreases when the profile gets worse,
    which keeps scores monotone (docs/RANKING.md).
    """
    if isinstance(cond, Literal):
        return literal_intensity(cond, values.get(cond.dimension))
    if isinstance(cond, AllOf):
        return sum(intensity(i, values) for i in cond.items) / len(cond.items) if cond.items else 0.0
    return max((intensity(i, values) for i in cond.items if holds(i, values)), default=0.0)


def serialize_fact(values: Mapping[str, float], keys: Mapping[str, str] | None = None) -> str:
    """The fact for one profile: the fixed prefix, then each value with six decimals (durable's
    parser rejects exponents) under its short key from ``keys``, or under its own id without."""
    parts = [FACT_PREFIX]
    for dimension, value in values.items():
        name = dimension if keys is None else keys[dimension]
        parts.append(f',"{name}":{value:.6f}')
    parts.append("}")
    return "".join(parts)


def band_of(dim: Dimension, value: float) -> Band:
    """The one band of ``dim`` whose bounds hold ``value``: above ``low`` (or at it, when the band
    includes it) and below ``high`` (or at it). Exactly one band must hold it; the catalogue's bands
    cover the scale without gaps or overlaps."""
    def inside(band: Band) -> bool:
        above = band.low is None or value > band.low or (value == band.low and band.low_inclusive)
        below = band.high is None or value < band.high or (value == band.high and band.high_inclusive)
        return above and below

    holding = [band for band in dim.bands if inside(band)]
    assert len(holding) == 1, (dim.id, value, [b.id for b in holding])
    return holding[0]
