"""From fired rules to an ordered list of interventions (the scoring model of docs/RANKING.md).

A fired rule r gives each intervention i it recommends the evidence
``e(r, i) = weight(r, i) × (1 + intensity(r))``, intensity ∈ [0, 1] saying how far past its
thresholds the department lies (conditions.intensity_function). Evidence is grouped into *findings*: rules
that test the same set of dimensions are one finding (``bullying > 0`` and ``bullying is
widespread`` say the same thing at two strengths), and a finding counts with its strongest rule.
Then

    score(i) = f₁ + k·f₂ + k²·f₃ + …      (findings sorted strongest first, k = further_findings, ⅓)

so evidence that repeats itself does not add up, and no number of further findings can lift a
score above 1 / (1 − k) = 1.5 times its strongest finding: an intervention triggered by one
strong finding is not outranked by one triggered by many weak, overlapping ones.

* every term is ≥ 0, a finding's strength never falls when the profile gets worse, and a sorted
  sum with non-increasing weights never falls when a term grows or is added — so a worse profile
  never lowers a score;
* ordering: score (higher first), then prevention level (primary, secondary, tertiary), then id;
* a secondary or tertiary measure never stands first when a primary one was triggered;
* under the low-competence policy, its ``first`` intervention is placed first (and does not count
  against the list's length), and near-ties are broken by effort — it never changes a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .conditions import intensity_function
from .grading import counting_factor
from .model import EFFORTS, RuleSet

__all__ = ["Candidate", "Scores", "Scorer", "order", "SCORE_DECIMALS"]

SCORE_DECIMALS = 6
_SCALE: int = 10 ** SCORE_DECIMALS


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
    """Every candidate's score, plus each fired rule's strength ((1 + intensity) × degree), from
    which the points of any one intervention's rules can be worked out again without keeping them
    all; and for each candidate the rule behind its strongest evidence (its leading finding)."""

    candidates: dict[str, Candidate]
    strengths: dict[int, float]
    low_competence: bool
    leading: dict[str, int] = {}  # noqa: RUF012 - a NamedTuple field's default, not a class attribute; never mutated


class Scorer:
    """The scoring model compiled for one rule set.

    Per rule: its intensity function, its finding (an int naming its set of dimensions) and its
    (intervention, weight) pairs. The per-request loop keeps, per intervention, the strongest
    evidence of each finding; only the interventions that make the list get their per-rule points
    worked out.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        findings: dict[frozenset[str], int] = {}
        self._rules = tuple((intensity_function(rule.condition),
                             findings.setdefault(frozenset(rule.dimensions), len(findings)),
                             tuple((rec.intervention, rec.weight) for rec in rule.recommend),
                             counting_factor(rule.condition))
                            for rule in ruleset.rules)
        recommenders: dict[str, list[tuple[int, float]]] = {}
        for rule in ruleset.rules:
            for rec in rule.recommend:
                recommenders.setdefault(rec.intervention, []).append((rule.index, rec.weight))
        self._recommenders = {k: tuple(v) for k, v in recommenders.items()}
        self._further = ruleset.ranking.further_findings

    def _total(self, strongest: Iterable[float]) -> float:
        total, factor, further = 0.0, 1.0, self._further
        for evidence in sorted(strongest, reverse=True):
            total += evidence * factor
            factor *= further
        return total

    def score(self, matched: Iterable[int], values: Mapping[str, float], low_competence: bool,
              respondents: int = 0) -> Scores:
        """Score every intervention recommended by the matched rules that count (engine/grading.py):
        a rule's strength is (1 + intensity) × its degree; ``strengths`` holds exactly the rules
        that count — the rules that fired."""
        best: dict[str, dict[int, float]] = {}
        lead: dict[str, tuple[float, int]] = {}
        strengths: dict[int, float] = {}
        rules = self._rules
        for index in matched:
            strength_of, finding, recommends, counts = rules[index]
            factor = counts.factor(values, respondents)
            if factor <= 0.0:
                continue
            strength = strengths[index] = (1.0 + strength_of(values)) * factor
            for ident, weight in recommends:
                evidence = weight * strength
                per_finding = best.get(ident)
                if per_finding is None:
                    best[ident] = {finding: evidence}
                    lead[ident] = (evidence, index)
                else:
                    if evidence > per_finding.get(finding, 0.0):
                        per_finding[finding] = evidence
                    if evidence > lead[ident][0]:
                        lead[ident] = (evidence, index)
        total = self._total
        candidates = {ident: _new(Candidate, (ident, _quantise(total(per.values()) if len(per) > 1
                                                                else next(iter(per.values())))))
                      for ident, per in best.items()}
        return Scores(candidates, strengths, low_competence, {ident: index for ident, (_, index) in lead.items()})

    def contributions(self, ident: str, scores: Scores) -> list[tuple[int, float]]:
        """(rule index, points) for each fired rule behind ``ident``, largest share first.

        A finding's strongest rule gets the finding's points (its evidence times the factor for
        the finding's place); a weaker rule of the same finding is listed with 0 points: it fired,
        but repeats what the stronger one says. The points add up to the score.
        """
        strengths = scores.strengths
        rules = self._rules
        leaders: dict[int, tuple[float, int]] = {}
        fired: list[int] = []
        for index, weight in self._recommenders.get(ident, ()):
            if index not in strengths:
                continue
            fired.append(index)
            evidence = weight * strengths[index]
            finding = rules[index][1]
            leader = leaders.get(finding)
            if leader is None or evidence > leader[0]:
                leaders[finding] = (evidence, index)
        points: dict[int, float] = dict.fromkeys(fired, 0.0)
        factor = 1.0
        for evidence, index in sorted(leaders.values(), key=lambda item: (-item[0], item[1])):
            points[index] = evidence * factor
            factor *= self._further
        # sorted as (-points, index) tuples: the native tuple order, no key function per item
        return [(index, -negative) for negative, index in sorted([(-p, i) for i, p in points.items()])]


def order(candidates: Mapping[str, Candidate], ruleset: RuleSet, low_competence: bool,
          leading: Mapping[str, int] | None = None, answered: frozenset[int] = frozenset(),
          second: set[str] | None = None) -> list[Candidate]:
    """All candidates, best first, with the finding, prevention and low-competence rules applied.
    ``answered``: the rules whose finding the must-act part already answers; ``second``, if given,
    receives the ids of the candidates ranked as second answers."""
    interventions = ruleset.interventions
    level = ruleset.prevention_rank
    # (-score, prevention level, id, candidate) tuples sort natively; ids are unique, so the
    # candidate itself is never compared
    ranked = [entry[3] for entry in sorted([(-c.score, level[c.intervention_id], c.intervention_id, c)
                                            for c in candidates.values()])]
    standing = {c.intervention_id: c.score for c in ranked}
    if leading and (len(ranked) > 1 or answered):
        pinned = policy_first if low_competence and (policy_first := _first(ruleset)) else None
        ranked = _one_answer_per_finding(ranked, ruleset, leading, level, answered, second, standing, pinned)
    policy = ruleset.ranking.low_competence
    if low_competence and policy is not None and policy.near_tie > 0:
        ranked = _simpler_first_within_near_ties(ranked, ruleset, policy.near_tie, standing)
    if ranked and interventions[ranked[0].intervention_id].prevention != "primary":
        best_primary = next((c for c in ranked if interventions[c.intervention_id].prevention == "primary"), None)
        if best_primary is not None:
            ranked.remove(best_primary)
            ranked.insert(0, best_primary)
    if low_competence and policy is not None and policy.first in candidates:
        first = candidates[policy.first]
        ranked.remove(first)
        ranked.insert(0, first)
    return ranked


def _first(ruleset: RuleSet) -> str | None:
    policy = ruleset.ranking.low_competence
    return policy.first if policy is not None else None


def _one_answer_per_finding(ranked: list[Candidate], ruleset: RuleSet, leading: Mapping[str, int],
                            level: Mapping[str, int], answered: frozenset[int] = frozenset(),
                            second: set[str] | None = None, standing: dict[str, float] | None = None,
                            pinned: str | None = None) -> list[Candidate]:
    """Few but important areas: a candidate whose leading finding looks only at dimensions that
    better-ranked *primary* candidates already answer — or whose leading finding is one the
    must-act part answers (``answered``: the rules that put something there) — is a second answer
    to the same problem, and competes with a third of its score (the weight of a further finding)
    against answers to new problems. Only a primary (workplace) measure answers a finding: an
    individual or return-to-work measure never turns the workplace answer into a second one, and
    itself always competes as a supplement, with a third of its score (secondary and tertiary
    prevention supplement primary prevention, never replace it). The process the low-competence
    policy places first (``pinned``) answers no finding.

    One pass over the score order: such a candidate waits in a queue (in score order, so in the
    order of its reduced score too) and comes back as soon as its reduced score beats the next new
    answer's score. Scores themselves are unchanged; ``standing`` receives the reduced ones.
    """
    primary = ruleset.prevention_rank
    rules, further = ruleset.rules, ruleset.ranking.further_findings
    covered: set[str] = set()
    waiting: list[tuple[float, Candidate]] = []
    out: list[Candidate] = []
    for candidate in ranked:
        lead = leading[candidate.intervention_id]
        dims = rules[lead].dimensions
        is_primary = primary[candidate.intervention_id] == 0
        repeats = lead in answered or (covered and covered.issuperset(dims))
        if repeats or not is_primary:
            waiting.append((candidate.score * further, candidate))
            if second is not None and repeats:
                second.add(candidate.intervention_id)
            if standing is not None:
                standing[candidate.intervention_id] = candidate.score * further
            continue
        while waiting and (waiting[0][0], -level[waiting[0][1].intervention_id]) > \
                (candidate.score, -level[candidate.intervention_id]):
            out.append(waiting.pop(0)[1])
        out.append(candidate)
        if candidate.intervention_id != pinned:
            covered.update(dims)
    out.extend(c for _, c in waiting)
    return out


_EFFORT_RANK = {effort: n for n, effort in enumerate(EFFORTS)}


def _simpler_first_within_near_ties(ranked: list[Candidate], ruleset: RuleSet, near_tie: float,
                                    standing: Mapping[str, float] | None = None) -> list[Candidate]:
    """Groups of consecutive candidates whose standing (their score, or the reduced score of a
    second answer) lies within ``near_tie`` of the group's first, each ordered by effort (low
    first), keeping the order otherwise. Groups are formed from the top down, so the order is
    deterministic."""
    interventions = ruleset.interventions
    level = ruleset.prevention_rank
    worth = (lambda c: standing[c.intervention_id]) if standing is not None else (lambda c: c.score)
    out: list[Candidate] = []
    start = 0
    while start < len(ranked):
        end = start + 1
        floor = worth(ranked[start]) * (1 - near_tie)
        while end < len(ranked) and worth(ranked[end]) >= floor and worth(ranked[end]) <= worth(ranked[start]):
            end += 1
        group = ranked[start:end]
        group.sort(key=lambda c: (_EFFORT_RANK[interventions[c.intervention_id].effort], -worth(c),
                                  level[c.intervention_id], c.intervention_id))
        out.extend(group)
        start = end
    return out
