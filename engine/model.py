"""The rule set as immutable data: catalogues, rules, ranking policy.

Everything here is a frozen dataclass built once by the loader. A :class:`RuleSet` is a snapshot:
a reload builds a new one and swaps a reference, so a request never sees a half-loaded set.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from .conditions import Condition
from .frozen import Frozen
from .problems import Position, Problem
from .templates import Template

if TYPE_CHECKING:  # engine/instruments.py imports this module: for the annotations only
    from .instruments import Instrument

__all__ = [
    "LANGUAGES", "Text", "Band", "Reference", "Dimension", "Source", "Plan", "Intervention",
    "Recommend", "Evidence", "Hazard", "Sector", "Planning", "MustAct", "Rule", "LowCompetencePolicy", "RankingPolicy",
    "RuleSetInfo", "RuleSet", "PREVENTION_ORDER", "IGLO_LEVELS", "EFFORTS",
]

LANGUAGES = ("da", "en")
PREVENTION_ORDER = ("primary", "secondary", "tertiary")
IGLO_LEVELS = ("I", "G", "L", "O", "A")
EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True)
class Text(Frozen):
    """A text shown to users, in Danish and English."""

    da: str
    en: str

    def get(self, language: str) -> str:
        return self.da if language == "da" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"da": self.da, "en": self.en}


@dataclass(frozen=True)
class Band(Frozen):
    """A named interval of a dimension's scale.

    Bounds are ``None`` at the open ends; ``low_inclusive``/``high_inclusive`` say whether the bound
    itself belongs to the band. ``risk`` is ``ok``, ``watch`` or ``adverse``.
    """

    id: str
    label: Text
    risk: str
    low: float | None
    low_inclusive: bool
    high: float | None
    high_inclusive: bool
    position: Position = field(default=Position(""), compare=False)

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)))


@dataclass(frozen=True)
class Reference(Frozen):
    """A published figure to compare with: the value, what it is (``label``), its source, and
    optionally a ``short`` name for running text ("the municipalities 2022")."""

    value: float
    label: Text
    source: str
    short: Text | None = None


@dataclass(frozen=True)
class Sector(Frozen):
    """One entry of the sector vocabulary (rules/catalogue/sectors.yaml): the references a
    department of this sector is compared with, for the dimensions whose level depends on the
    sector (sickness absence is twice as high in the municipalities as in the private sector, so
    one national figure would call every care unit "high"). ``fallback`` marks the all-sector
    entry used, with a warning, when a profile names no sector or one the vocabulary lacks."""

    id: str
    name: Text
    references: Mapping[str, Reference]
    fallback: bool = False
    position: Position = field(default=Position(""), compare=False)
    aliases: tuple[str, ...] = ()
    """Other names a caller may send, case-folded ("kommune", "municipality")."""


@dataclass(frozen=True)
class Dimension(Frozen):
    """One profile dimension: its scale, which direction is harmful, and its bands."""

    id: str
    group: str
    name: Text
    description: Text
    unit: str
    minimum: float
    maximum: float
    adverse: str
    bands: tuple[Band, ...]
    reference: Reference | None = None
    gold_nugget: bool = False
    position: Position = field(default=Position(""), compare=False)
    share: bool = False
    """A share of the respondents (negative acts, stress): graded by its 95 % confidence interval."""
    meaningful_difference: float = 0.0
    """The smallest difference that counts (5 points on 0–100 scales): a value this close to a
    band's bound is borderline (docs/RANKING.md)."""

    def band_of(self, value: float) -> Band | None:
        for band in self.bands:
            if band.contains(value):
                return band
        return None

    def band(self, band_id: str) -> Band | None:
        for band in self.bands:
            if band.id == band_id:
                return band
        return None


@dataclass(frozen=True)
class Source(Frozen):
    id: str
    citation: str
    url: str | None
    grade: str
    position: Position = field(default=Position(""), compare=False)
    # The short name a reader recognises ("WHO 2022", "BEK 1406"), shown where a full citation
    # would drown the text; the id stands in when a rule set gives none.
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Plan(Frozen):
    """An action-plan template: goal, owner role, evaluation criterion, follow-up interval."""

    goal: Text
    owner: Text
    evaluation: Text
    follow_up_weeks: int


@dataclass(frozen=True)
class Intervention(Frozen):
    id: str
    title: Text
    description: Text
    prevention: str
    iglo: tuple[str, ...]
    effort: str
    time_to_effect: str
    plan: Plan
    evidence: tuple[str, ...]
    position: Position = field(default=Position(""), compare=False)
    builds: tuple[str, ...] = ()
    """The resources the intervention builds: where all of them are already clear strengths, it is
    not recommended (a strength is kept, not fixed)."""
    review_by: _dt.date | None = None
    """When its description, plan and evidence are due for another look (lint warns after)."""


@dataclass(frozen=True)
class Recommend(Frozen):
    """A rule's recommendation of one intervention, with its weight (0 < weight ≤ 5)."""

    intervention: str
    weight: float


@dataclass(frozen=True)
class Evidence(Frozen):
    sources: tuple[str, ...]
    review_by: _dt.date | None = None


@dataclass(frozen=True)
class Hazard(Frozen):
    """A risk the law names: wherever a department shows it, the employer must act on it.

    Answers list each hazard found in a *must-act* part beside the ranked list — never counted
    against the list's length, never cut by a policy — ordered by ``severity`` (1–100, higher
    first), each with its ``legal_basis`` and the ``source`` that states it.
    """

    id: str
    title: Text
    severity: int
    legal_basis: Text
    source: str
    position: Position = field(default=Position(""), compare=False)


@dataclass(frozen=True)
class MustAct(Frozen):
    """A rule's statement that, when it fires, ``hazard`` is present and ``intervention`` must be done."""

    hazard: str
    intervention: str


@dataclass(frozen=True)
class Rule(Frozen):
    """One rule: when its condition is true, it recommends interventions and says why."""

    id: str
    index: int
    title: Text
    when: str
    condition: Condition
    because: Text
    rationale: Mapping[str, Template]
    recommend: tuple[Recommend, ...]
    evidence: Evidence
    theme: str
    dimensions: tuple[str, ...]
    position: Position = field(default=Position(""), compare=False)
    must_act: MustAct | None = None
    # The hazards (risk areas the executive order names) whose legal basis the rule rests on: its
    # must-act hazard, and any named with ``legal:`` — a rule can concern a risk area without making
    # action compulsory (a high work pace is part of "stor arbejdsmængde og tidspres").
    legal: tuple[str, ...] = ()


@dataclass(frozen=True)
class LowCompetencePolicy(Frozen):
    """When a group's work-environment competence is low: build the process first, keep it simple.

    ``condition`` decides when the policy applies. ``first`` (if a rule triggered it) is placed
    first and does not count against the list's length, so it adds a place and takes none.
    Candidates whose scores lie within ``near_tie`` (a fraction) of each other are ordered simpler
    action first. The policy never changes a score and never removes an action: severity decides,
    effort only breaks near-ties (docs/RANKING.md).
    """

    when: str
    condition: Condition
    first: str
    near_tie: float = 0.1


@dataclass(frozen=True)
class RankingPolicy(Frozen):
    """``top``: the list's default length; ``further_findings``: the weight of each further,
    distinct finding behind an intervention relative to the one before it (1 = a plain sum,
    ⅓ by default: evidence that repeats itself does not add up)."""

    top: int = 5
    low_competence: LowCompetencePolicy | None = None
    further_findings: float = 1 / 3
    meaningful_difference: float = 5.0
    """For every dimension with unit ``score`` that does not set its own (COPSOQ: 5–10 points)."""


@dataclass(frozen=True)
class Planning(Frozen):
    """What every action plan says besides its own goal, owner and criterion (ruleset.yaml,
    ``planning``): the employees' part (a dialogue meeting before actions are chosen), the
    process (learning) criterion of the follow-up, the co-owner of the actions labelled A in IGLO+A
    (the work-environment organisation, or MED), and the APV duties the plan serves, with their
    source. Kept once for the rule set because it is the same for every plan; a report states it
    once above the plan, an API answer carries it in each plan."""

    employees: Text
    learning: Text
    co_owner: Text
    apv: Text
    source: str


@dataclass(frozen=True)
class RuleSetInfo(Frozen):
    """What every answer names: which rule set, which version, which exact content."""

    id: str
    version: str
    fingerprint: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class RuleSet(Frozen):
    """An immutable, validated, versioned snapshot of everything under ``rules/``."""

    info: RuleSetInfo
    title: Text
    min_group_size: int
    ranking: RankingPolicy
    dimensions: Mapping[str, Dimension]
    interventions: Mapping[str, Intervention]
    sources: Mapping[str, Source]
    rules: tuple[Rule, ...]
    warnings: tuple[Problem, ...] = ()
    folder: str = ""
    loaded_at: _dt.datetime | None = None
    hazards: Mapping[str, Hazard] = field(default_factory=lambda: MappingProxyType({}))
    min_answers_for_shares: int = 20
    """Below this many respondents a negative act's share is never shown: "reported by at least
    one respondent" instead (one report in a team of six would point to a person)."""
    remeasure_months: int = 12
    """When nothing needs acting on, the next measurement is due this many months later."""
    sectors: Mapping[str, Sector] = field(default_factory=lambda: MappingProxyType({}))
    """The sector vocabulary, in file order (empty: every department is compared with the
    dimensions' own references)."""
    planning: Planning | None = None
    """The texts every action plan carries (None: plans carry only their own fields)."""
    instruments: Mapping[str, Instrument] = field(default_factory=lambda: MappingProxyType({}))
    """Survey instruments by id (rules/instruments/)."""
    sector: str = ""
    """The sector this snapshot's thresholds are shifted to (engine/sectors.py); "" for the
    rule set as written."""
    prevention_rank: Mapping[str, int] = field(init=False, repr=False, compare=False)
    """Each intervention's prevention level as a sort key (primary 0, secondary 1, tertiary 2).
    Worked out once here: the ranking reads it for every answer, and a ``cached_property`` is
    worked out again on every read once mypyc compiles the class (it has no instance dict)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "prevention_rank", MappingProxyType(
            {i.id: PREVENTION_ORDER.index(i.prevention) for i in self.interventions.values()}))

    def rule(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None


    @property
    def used_dimensions(self) -> frozenset[str]:
        """Dimensions at least one rule looks at."""
        return frozenset(d for rule in self.rules for d in rule.dimensions)
