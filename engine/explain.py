"""Why did — or didn't — a rule fire, and why is an intervention where it is in the list?

For a rule: every condition with the department's value and whether it held, and for a rule that
did not fire, the smallest change to one dimension that would make it fire (engine.analysis).
For an intervention: its place in the list (or why it is not there), and the same story for every
rule that can recommend it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .analysis import SuggestedChange, smallest_change
from .model import RuleSetInfo
from .profile import Profile
from .rationale import Numbers
from .result import ConditionResult
from .templates import format_number

if TYPE_CHECKING:  # for the annotations only: this module is handed a recommender, never builds one
    from .recommender import Recommender

__all__ = ["RuleWhy", "InterventionWhy", "explain_rule", "explain_intervention", "describe_change"]


@dataclass(frozen=True)
class RuleWhy:
    rule_id: str
    title: str
    fired: bool
    text: str
    conditions: tuple[ConditionResult, ...]
    changes: tuple[SuggestedChange, ...]
    change_texts: tuple[str, ...]
    missing: tuple[str, ...]
    points: float = 0.0


@dataclass(frozen=True)
class InterventionWhy:
    intervention_id: str
    title: str
    rank: int          # 0 = not a candidate (no rule recommending it fired)
    listed: bool       # within the answer's top
    score: float
    candidates: int
    top: int
    rules: tuple[RuleWhy, ...]
    ruleset: RuleSetInfo


def describe_change(change: SuggestedChange, recommender: Recommender, language: str) -> str:
    """``influence 28 → 34 (medium)`` / ``influence (missing) → 32 (low)``."""
    dim = recommender.ruleset.dimensions[change.dimension]
    name = dim.name.get(language)
    band = dim.band_of(change.value)
    before = format_number(change.current, language) if change.current is not None else \
        ("(mangler)" if language == "da" else "(missing)")
    after = format_number(change.value, language) + (f" ({band.label.get(language)})" if band else "")
    return f"{name} {before} → {after}"


def _rule_why(recommender: Recommender, index: int, values: Mapping[str, float], fired: set[int], numbers: Numbers,
              points: float = 0.0, respondents: int = 20) -> RuleWhy:
    explainer = recommender.explainer(index)
    rule = explainer.rule
    was_fired = index in fired
    changes = () if was_fired else tuple(
        c for c in smallest_change(rule.condition, values, recommender.ruleset.dimensions, respondents)
        if c.dimension not in numbers.hidden)  # a small group's negative-act share is not shown, nor moved
    missing = tuple(d for d in rule.dimensions if d not in values)
    texts = tuple(describe_change(c, recommender, numbers.language) for c in changes)
    return RuleWhy(rule.id, explainer.title(numbers.language), was_fired, explainer.text(numbers),
                   explainer.conditions(numbers), changes, texts, missing, points)


def explain_rule(recommender: Recommender, profile: Profile, rule_id: str, language: str = "en",
                 min_group_size: int | None = None) -> RuleWhy:
    """Why ``rule_id`` did or did not fire for ``profile`` (refused like Recommend for a small group)."""
    rule = recommender.ruleset.rule(rule_id)
    if rule is None:
        raise KeyError(rule_id)
    evaluation = recommender.evaluate(profile, min_group_size)
    recommender = recommender.view_of(evaluation)  # the department's sector: its thresholds
    values = evaluation.checked.values
    return _rule_why(recommender, rule.index, values, set(evaluation.fired), recommender.numbers(evaluation, language),
                     respondents=profile.respondents)


def explain_intervention(recommender: Recommender, profile: Profile, intervention_id: str, language: str = "en",
                         top: int | None = None, min_group_size: int | None = None) -> InterventionWhy:
    """Where ``intervention_id`` stands for ``profile``, and every rule that can recommend it."""
    item = recommender.ruleset.interventions.get(intervention_id)
    if item is None:
        raise KeyError(intervention_id)
    evaluation = recommender.evaluate(profile, min_group_size)
    recommender = recommender.view_of(evaluation)  # the department's sector: its thresholds
    values = evaluation.checked.values
    numbers = recommender.numbers(evaluation, language)
    fired = set(evaluation.fired)
    ranks = {c.intervention_id: i + 1 for i, c in enumerate(evaluation.ranked)}
    shown = len(recommender.chosen(evaluation, top))
    shares = dict(recommender.contributions(intervention_id, evaluation))
    rules = [r for r in recommender.ruleset.rules if any(rec.intervention == intervention_id for rec in r.recommend)]
    whys = [_rule_why(recommender, r.index, values, fired, numbers, shares.get(r.index, 0.0), profile.respondents)
            for r in rules]
    whys.sort(key=lambda w: (not w.fired, -w.points, min((c.delta for c in w.changes), default=float("inf"))))
    rank = ranks.get(intervention_id, 0)
    candidate = evaluation.scores.candidates.get(intervention_id)
    score = candidate.score if candidate is not None else 0.0
    acting = any(m.intervention_id == intervention_id for m in evaluation.must_act)  # shown, apart from the list
    return InterventionWhy(intervention_id, item.title.get(language), rank, acting or 0 < rank <= shown, score,
                           len(evaluation.ranked), shown, tuple(whys), recommender.ruleset.info)
