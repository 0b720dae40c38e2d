"""The answer: ranked recommendations with their rationale, plus what the caller must know.

Field names are part of the contract: the CLI's ``--json`` and the gRPC API use the same names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .model import RuleSetInfo

__all__ = ["ConditionResult", "Reason", "PlanView", "EvidenceView", "Recommendation", "Warning", "Result",
           "DETAIL_FULL", "DETAIL_IDS"]

DETAIL_FULL = "full"
DETAIL_IDS = "ids"


@dataclass(frozen=True)
class ConditionResult:
    """One leaf test of a rule with the department's value: ``influence 28 < 33``.

    ``op`` is ``< <= > >= == !=``, ``between``/``not between`` (``threshold`` … ``threshold_high``),
    or ``present``/``missing``; ``band`` names the band when the test was written as ``is <band>``.
    """

    dimension: str
    op: str
    threshold: float | None
    threshold_high: float | None
    band: str | None
    actual: float | None
    holds: bool
    text: str


@dataclass(frozen=True)
class Reason:
    """A rule that contributed to a recommendation, and how much."""

    rule_id: str
    title: str
    text: str
    conditions: tuple[ConditionResult, ...]
    points: float


@dataclass(frozen=True)
class PlanView:
    goal: str
    owner: str
    evaluation: str
    follow_up_weeks: int


@dataclass(frozen=True)
class EvidenceView:
    id: str
    citation: str
    url: str | None
    grade: str


@dataclass(frozen=True)
class Recommendation:
    intervention_id: str
    rank: int
    score: float
    title: str
    description: str
    prevention: str
    iglo: tuple[str, ...]
    effort: str
    time_to_effect: str
    plan: PlanView | None
    evidence: tuple[EvidenceView, ...]
    because: tuple[Reason, ...]


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


@dataclass(frozen=True)
class Result:
    """Everything one evaluation returns."""

    department_id: str
    language: str
    recommendations: tuple[Recommendation, ...]
    missing: tuple[str, ...]
    warnings: tuple[Warning, ...]
    ruleset: RuleSetInfo
    fired_rules: tuple[str, ...]
    unevaluable_rules: tuple[str, ...]
    candidates: int

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        return data

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.intervention_id for r in self.recommendations)
