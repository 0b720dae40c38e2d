"""AST node classes of the condition language.

Nodes are frozen dataclasses. Every node that names a dimension keeps the offset of that name,
so resolution errors (unknown dimension, unknown band) point at the right column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Op", "Compare", "Between", "BandTest", "Presence", "Not", "And", "Or", "Expr", "NEGATED_OP",
           "COMPARISONS"]


class Op(StrEnum):
    """What a leaf test does. A ``StrEnum``: its value is the operator as rule authors write it and as
    answers carry it (``Condition.op`` in the API), so it prints and serialises as that text."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="
    BETWEEN = "between"
    NOT_BETWEEN = "not between"
    PRESENT = "present"
    MISSING = "missing"


COMPARISONS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE})
"""The tests against one threshold."""

# The comparison that holds exactly when the original does not (for a present value).
NEGATED_OP = {Op.LT: Op.GE, Op.LE: Op.GT, Op.GT: Op.LE, Op.GE: Op.LT, Op.EQ: Op.NE, Op.NE: Op.EQ}


@dataclass(frozen=True)
class Compare:
    """``dimension op value``."""

    dimension: str
    op: Op
    value: float
    offset: int = 0
    value_offset: int = 0


@dataclass(frozen=True)
class Between:
    """``dimension between low and high`` (both ends included)."""

    dimension: str
    low: float
    high: float
    offset: int = 0
    value_offset: int = 0


@dataclass(frozen=True)
class BandTest:
    """``dimension is band`` or ``dimension is not band``."""

    dimension: str
    band: str
    negated: bool = False
    offset: int = 0
    band_offset: int = 0


@dataclass(frozen=True)
class Presence:
    """``present(dimension)`` or ``missing(dimension)``: the only tests true for a missing value."""

    dimension: str
    present: bool
    offset: int = 0


@dataclass(frozen=True)
class Not:
    operand: Expr
    offset: int = 0


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]
    offset: int = 0


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]
    offset: int = 0


Expr = Compare | Between | BandTest | Presence | Not | And | Or
