"""Levers: which single improvement would help this department most?

For every dimension in a band that is not ``ok``, the change that takes it to its next better band,
and what that change does: how much the department's total risk falls, which of today's
recommendations are no longer needed, and which rules stop firing. Total risk is the sum of all
candidate interventions' scores (docs/RANKING.md, "Total risk"): it rises with every fired rule and
with how far past its thresholds the department lies, and it never falls when the profile gets
worse — so a lever's reduction is never negative.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Band, Dimension
from .profile import Profile
from .recommender import DEFAULT_OPTIONS, Evaluation, Options, Recommender

__all__ = ["Lever", "LeverReport", "total_risk", "levers", "next_better_band"]


@dataclass(frozen=True)
class Lever:
    """Move ``dimensions`` (one, or two for a pair) to ``targets``; the effect on risk and the list."""

    dimensions: tuple[str, ...]
    currents: tuple[float, ...]
    targets: tuple[float, ...]
    from_bands: tuple[str, ...]
    to_bands: tuple[str, ...]
    risk_before: float
    risk_after: float
    no_longer_needed: tuple[str, ...]
    still_listed: int
    rules_stopped: tuple[str, ...]
    must_act_resolved: tuple[str, ...] = ()
    """Must-act items the change would make unnecessary (the hazard no longer shows)."""

    @property
    def reduction(self) -> float:
        return round(self.risk_before - self.risk_after, 6)

    @property
    def share(self) -> float:
        return self.reduction / self.risk_before if self.risk_before else 0.0


@dataclass(frozen=True)
class LeverReport:
    department_id: str
    risk: float
    listed: tuple[str, ...]
    levers: tuple[Lever, ...]
    best_pair: Lever | None


def total_risk(evaluation: Evaluation) -> float:
    """The sum of every candidate intervention's score, the must-act part's included."""
    return round(sum(c.score for c in evaluation.scores.candidates.values()), 6)


def _better(dim: Dimension, band: Band) -> Band | None:
    index = dim.bands.index(band)
    order = {"ok": 0, "watch": 1, "adverse": 2}
    if dim.adverse == "low":
        step = 1
    elif dim.adverse == "high":
        step = -1
    else:  # both: towards the bands marked ok
        ok = [i for i, b in enumerate(dim.bands) if b.risk == "ok"]
        if not ok or index in ok:
            return None
        step = 1 if index < min(ok) else -1
    neighbour = index + step
    if not 0 <= neighbour < len(dim.bands):
        return None
    better = dim.bands[neighbour]
    return better if order[better.risk] <= order[band.risk] else None


def _entry_value(band: Band, dim: Dimension, current: float) -> float:
    """The value just inside ``band`` on ``current``'s side, on the scale's natural grid: whole
    points for 0–100 scores, tenths for percentages (absence 7.2 % → 5.9 %, not 5.999999)."""
    step = 1.0 if dim.unit == "score" else 0.1
    if band.low is not None and (current < band.low or (current == band.low and not band.low_inclusive)):  # up
        value = math.ceil((band.low if band.low_inclusive else band.low + step) / step - 1e-9) * step
        exact = band.low if band.low_inclusive else band.low + 1e-6
    elif band.high is not None and (current > band.high or (current == band.high and not band.high_inclusive)):
        value = math.floor((band.high if band.high_inclusive else band.high - step) / step + 1e-9) * step
        exact = band.high if band.high_inclusive else band.high - 1e-6
    else:
        return current
    value = round(value, 6)
    return value if band.contains(value) else round(exact, 6)


def next_better_band(dim: Dimension, value: float) -> tuple[Band, Band, float] | None:
    """(current band, next better band, the value to reach it) — or None if already fine."""
    band = dim.band_of(value)
    if band is None or band.risk == "ok":
        return None
    better = _better(dim, band)
    if better is None:
        return None
    return band, better, _entry_value(better, dim, value)


def _effect(recommender: Recommender, profile: Profile, base: Evaluation, listed: tuple[str, ...],
            changes: Sequence[tuple[str, float, Band, Band]], min_group_size: int | None) -> Lever:
    scores = dict(profile.scores)
    for dimension, target, _, _ in changes:
        scores[dimension] = target
    after = recommender.evaluate(profile.with_scores(scores), min_group_size)
    acting_after = {m.intervention_id for m in after.must_act}
    remaining = {c.intervention_id for c in after.ranked} | acting_after
    gone = tuple(i for i in listed if i not in remaining)
    resolved = tuple(m.intervention_id for m in base.must_act if m.intervention_id not in acting_after)
    stopped = recommender.rule_ids([i for i in base.fired if i not in set(after.fired)])
    return Lever(tuple(c[0] for c in changes), tuple(float(profile.scores[c[0]]) for c in changes),
                 tuple(c[1] for c in changes), tuple(c[2].id for c in changes), tuple(c[3].id for c in changes),
                 total_risk(base), total_risk(after), gone, len(listed) - len(gone), stopped, resolved)


def _rank(lever: Lever) -> tuple[int, int, float, tuple[str, ...]]:
    """Levers in order of what they do to the answer: must-act items resolved first, then list
    items no longer needed, then the fall in total risk (docs/RANKING.md, "Levers")."""
    return (-len(lever.must_act_resolved), -len(lever.no_longer_needed), -lever.reduction, lever.dimensions)


def levers(recommender: Recommender, profile: Profile, options: Options = DEFAULT_OPTIONS, pairs: bool = True,
           pair_candidates: int = 6) -> LeverReport:
    """Every single-dimension lever, largest risk reduction first, and the best pair of them."""
    base = recommender.evaluate(profile, options.min_group_size)
    recommender = recommender.view_of(base)  # the department's sector: its bands are the ones to reach
    listed = tuple(c.intervention_id for c in recommender.chosen(base, options.top))  # the ranked part
    moves = []
    values = base.checked.values
    # a negative act's share from too few answers is never shown, so it is no lever either (its
    # current value would be shown): the must-act part already asks for action on it
    hidden = recommender.numbers(base, "en").hidden
    for ident, dim in recommender.ruleset.dimensions.items():  # catalogue order: the same answer for any key order
        if ident not in values or ident in hidden:
            continue
        step = next_better_band(dim, values[ident])
        # a change smaller than the meaningful difference is noise, not a lever (competence 30 → 33)
        if step is not None and abs(step[2] - values[ident]) >= dim.meaningful_difference:
            moves.append((ident, step[2], step[0], step[1]))
    minimum = options.min_group_size
    singles = [_effect(recommender, base.checked.profile, base, listed, [m], minimum) for m in moves]
    singles.sort(key=_rank)
    best_pair = None
    if pairs:
        useful = [m for m in moves
                  if any(s.dimensions == (m[0],) and s.reduction > 0 for s in singles[:pair_candidates])]
        for a, b in itertools.combinations(useful, 2):
            lever = _effect(recommender, base.checked.profile, base, listed, [a, b], minimum)
            if best_pair is None or _rank(lever) < _rank(best_pair):
                best_pair = lever
    return LeverReport(profile.department.id, total_risk(base), listed, tuple(singles), best_pair)
