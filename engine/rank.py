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

from dataclasses import dataclass
from typing import Iterable, Mapping

from .conditions import intensity
from .model import PREVENTION_ORDER, Rule, RuleSet

__all__ = ["Candidate", "score", "order", "SCORE_DECIMALS"]

SCORE_DECIMALS = 6


@dataclass(frozen=True)
class Candidate:
    """An intervention some fired rule recommends, its score, and each rule's share of it."""

    intervention_id: str
    score: float
    contributions: tuple[tuple[int, float], ...]


def score(fired: Iterable[Rule], values: Mapping[str, float], ruleset: RuleSet,
          low_competence: bool) -> dict[str, Candidate]:
    """Score every intervention recommended by a fired rule (rules in rule-set order)."""
    totals: dict[str, float] = {}
    shares: dict[str, list[tuple[int, float]]] = {}
    for rule in fired:
        strength = 1.0 + intensity(rule.condition, values)
        for rec in rule.recommend:
            points = rec.weight * strength
            totals[rec.intervention] = totals.get(rec.intervention, 0.0) + points
            shares.setdefault(rec.intervention, []).append((rule.index, points))
    policy = ruleset.ranking.low_competence
    out: dict[str, Candidate] = {}
    for ident, total in totals.items():
        factor = 1.0
        if low_competence and policy is not None:
            factor = policy.effort_factor.get(ruleset.interventions[ident].effort, 1.0)
        out[ident] = Candidate(ident, round(total * factor, SCORE_DECIMALS),
                               tuple((i, round(p * factor, SCORE_DECIMALS)) for i, p in shares[ident]))
    return out


def order(candidates: Mapping[str, Candidate], ruleset: RuleSet, low_competence: bool) -> list[Candidate]:
    """All candidates, best first, with the prevention and low-competence constraints applied."""
    interventions = ruleset.interventions

    def key(c: Candidate) -> tuple[float, int, str]:
        return (-c.score, PREVENTION_ORDER.index(interventions[c.intervention_id].prevention), c.intervention_id)

    ranked = sorted(candidates.values(), key=key)
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
