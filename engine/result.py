r"""The answer: ranked recommendations with their rationale, plus what the caller must know.

Field names are part of the contract: the CLI's ``--json`` and the gRPC API use the same names.

The parts of an answer are ``NamedTuple``\ s rather than frozen dataclasses: one answer holds
hundreds of them (every condition of every contributing rule), and a NamedTuple is built several
times faster while being just as immutable (docs/ARCHITECTURE.md, "Measured design choices").
``Result.to_dict`` gives the JSON shape.
"""

from __future__ import annotations

from typing import NamedTuple

from .model import RuleSetInfo

__all__ = ["ConditionResult", "Reason", "PlanView", "EvidenceView", "Recommendation", "HazardView", "MustActItem",
           "StrengthView", "Warning", "Result", "DETAIL_FULL", "DETAIL_IDS"]

DETAIL_FULL = "full"
DETAIL_IDS = "ids"


class ConditionResult(NamedTuple):
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
    borderline: bool = False
    """The value lies within the meaningful difference of the threshold (or, for a share, the
    threshold lies inside its confidence interval): the test counts half (docs/RANKING.md)."""


class Reason(NamedTuple):
    """A rule that contributed to a recommendation, and how much."""

    rule_id: str
    title: str
    text: str
    conditions: tuple[ConditionResult, ...]
    points: float
    # The risk areas of the executive order (hazard titles, in the answer's language) the rule rests
    # on; empty where only the general duty applies.
    legal: tuple[str, ...] = ()


class PlanView(NamedTuple):
    """An action plan: the intervention's own goal, owner, outcome criterion and follow-up interval,
    and what every plan of the rule set says (engine.model.Planning): the employees' part, the
    process (learning) criterion, and the co-owner where the action is labelled A in IGLO+A."""

    goal: str
    owner: str
    evaluation: str
    follow_up_weeks: int
    employees: str = ""
    learning: str = ""
    co_owner: str = ""


class EvidenceView(NamedTuple):
    id: str
    citation: str
    url: str | None
    grade: str
    label: str = ""


class Recommendation(NamedTuple):
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
    second_answer: bool = False
    """Its strongest finding is one a better-ranked intervention or the must-act part already
    answers: it ranks with a third of its score (docs/RANKING.md, "One answer per finding")."""


class HazardView(NamedTuple):
    """A hazard the law names, as one must-act item shows it."""

    id: str
    title: str
    severity: int
    legal_basis: str
    source: str


class MustActItem(NamedTuple):
    """An intervention the department must carry out because it shows a hazard the law names.

    Listed beside the ranked recommendations, never counted against ``top`` and never cut by a
    policy; ``rank`` is its place in severity order (1 = most severe). ``because`` holds the rules
    that found the hazard, with the department's values, as for a recommendation.
    """

    intervention_id: str
    rank: int
    severity: int
    hazards: tuple[HazardView, ...]
    title: str
    description: str
    prevention: str
    iglo: tuple[str, ...]
    effort: str
    time_to_effect: str
    plan: PlanView | None
    evidence: tuple[EvidenceView, ...]
    because: tuple[Reason, ...]


class StrengthView(NamedTuple):
    """A clearly good finding to keep (engine/strengths.py); ``value`` is None for a pseudo-finding
    such as "no negative act reported"."""

    dimension: str
    value: float | None
    band: str
    text: str


class Warning(NamedTuple):
    code: str
    message: str


class Result(NamedTuple):
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
    must_act: tuple[MustActItem, ...] = ()
    strengths: tuple[StrengthView, ...] = ()
    next_measurement: str = ""
    """ISO date of the next measurement, given when nothing needs acting on ("keep what works")."""

    def to_dict(self) -> dict[str, object]:
        """Plain dicts, lists and scalars, ready for ``json.dumps``."""
        return {k: _plain(v) for k, v in self._asdict().items()}

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.intervention_id for r in self.recommendations)

    @property
    def must_act_ids(self) -> tuple[str, ...]:
        return tuple(m.intervention_id for m in self.must_act)


def _plain(value: object) -> object:
    if isinstance(value, RuleSetInfo):
        return value.to_dict()
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
