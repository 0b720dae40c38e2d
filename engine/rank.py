"""From fired rules to an ordered list of interventions (the scoring model of docs/RANKING.md).

score(i) = Σ over fired rules r recommending i of  weight(r, i) × (1 + intensity(r))
           × effort_factor(effort(i))   when the low-competence policy applies

* intensity ∈ [0, 1] says how far past its thresholds the department lies (conditions.intensity);
* every term is ≥ 0 and, for rules whose tests point in the harmful direction, never falls when
  the profile gets worse; the effort factors are ≥ 1 — so a worse profile never lowers a score;
* ordering: score (higher first), then prevention level (primary, secondary, tertiary), then id;
* a secondary or tertiary measure never stands first when a primary one was triggered;
* under the low-competence policy, its ``first`` intervention is pinned to rank 1.
"""

from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple

from .conditions import intensity_function
from .model import RuleSet

__all__ = ["Candidate", "Scores", "Scorer", "order", "SCORE_DECIMALS"]

SCORE_DECIMALS = 6
_SCALE = 10 ** SCORE_DECIMALS


def _quantise(score: float) -> float:
    """Six decimals (scores are ≥ 0); cheaper than ``round`` and just as deterministic."""
    return int(score * _SCALE + 0.5) / _SCALE


class Candidate(NamedTuple):
    """An intervention some fired rule recommends, and its score (rounded to six decimals, so that
    equal sums compare equal)."""

    intervention_id: str
    score: float


_new = tuple.__new__  # Candidate(a, b) without the generated __new__'s Python frame


class Scores(NamedTuple):
    """Every candidate's score, plus each fired rule's strength (1 + intensity), from which the
    share of any one intervention can be recomputed without keeping all shares."""

    candidates: dict[str, Candidate]
    strengths: dict[int, float]
    low_competence: bool


class Scorer:
    """The scoring model compiled for one rule set.

    Per rule: its intensity function and its (intervention, weight) pairs; per intervention: the
    rules that recommend it. The per-request loop touches only tuples, floats and dicts, and only
    the interventions that make the list get their per-rule shares worked out.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self._rules = tuple((intensity_function(rule.condition),
                             tuple((rec.intervention, rec.weight) for rec in rule.recommend))
                            for rule in ruleset.rules)
        recommenders: dict[str, list[tuple[int, float]]] = {}
        for rule in ruleset.rules:
            for rec in rule.recommend:
                recommenders.setdefault(rec.intervention, []).append((rule.index, rec.weight))
        self._recommenders = {k: tuple(v) for k, v in recommenders.items()}
        self._effort = {i.id: i.effort for i in ruleset.interventions.values()}
        self._policy = ruleset.ranking.low_competence

    def _factor(self, ident: str, low_competence: bool) -> float:
        policy = self._policy
        return policy.effort_factor.get(self._effort[ident], 1.0) if low_competence and policy else 1.0

    def score(self, fired: Iterable[int], values: Mapping[str, float], low_competence: bool) -> Scores:
        """Score every intervention recommended by the fired rules (indices in rule-set order)."""
        totals: dict[str, float] = {}
        strengths: dict[int, float] = {}
        rules = self._rules
        total_of = totals.get
        for index in fired:
            strength_of, recommends = rules[index]
            strength = strengths[index] = 1.0 + strength_of(values)
            for ident, weight in recommends:
                totals[ident] = total_of(ident, 0.0) + weight * strength
        if low_competence and self._policy is not None:
            candidates = {ident: Candidate(ident, _quantise(total * self._factor(ident, True)))
                          for ident, total in totals.items()}
        else:  # the common case, inlined: this runs for every candidate of every answer
            candidates = {ident: _new(Candidate, (ident, int(total * _SCALE + 0.5) / _SCALE))
                          for ident, total in totals.items()}
        return Scores(candidates, strengths, low_competence)

    def contributions(self, ident: str, scores: Scores) -> list[tuple[int, float]]:
        """(rule index, points) for each fired rule behind ``ident``, largest share first."""
        factor = self._factor(ident, True) if scores.low_competence else 1.0
        strengths = scores.strengths
        # sorted as (-points, index) tuples: the native tuple order, no key function per item
        ranked = sorted([(-(weight * strengths[index] * factor), index)
                         for index, weight in self._recommenders.get(ident, ()) if index in strengths])
        return [(index, -negative) for negative, index in ranked]


def order(candidates: Mapping[str, Candidate], ruleset: RuleSet, low_competence: bool) -> list[Candidate]:
    """All candidates, best first, with the prevention and low-competence constraints applied."""
    interventions = ruleset.interventions
    level = ruleset.prevention_rank
    # (-score, prevention level, id, candidate) tuples sort natively; ids are unique, so the
    # candidate itself is never compared
    ranked = [entry[3] for entry in sorted([(-c.score, level[c.intervention_id], c.intervention_id, c)
                                            for c in candidates.values()])]
    if ranked and interventions[ranked[0].intervention_id].prevention != "primary":
        best_primary = next((c for c in ranked if interventions[c.intervention_id].prevention == "primary"), None)
        if best_primary is not None:
            ranked.remove(best_primary)
            ranked.insert(0, best_primary)
    policy = ruleset.ranking.low_competence
    if low_competence and policy is not None and policy.first in candidates:
        pinned = candidates[policy.first]
        ranked.remove(pinned)
        ranked.insert(0, pinned)
    return ranked
