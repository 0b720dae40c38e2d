"""What-if: apply changes to a profile and compare the two rankings.

The answer says, for every intervention in either list, whether it entered, left, moved up or
down, or kept its place — and which rules recommending it started or stopped firing, which is
the "why" of the move.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import InvalidInput
from .model import RuleSet
from .profile import FieldError, Profile, ProfileError
from .result import Result

__all__ = ["Change", "RankChange", "WhatIfResult", "apply_changes", "compare", "parse_change", "diff_rankings",
           "recommenders_of",
           "ENTERED", "LEFT", "UP", "DOWN", "SAME"]

ENTERED, LEFT, UP, DOWN, SAME = "entered", "left", "up", "down", "same"


@dataclass(frozen=True)
class Change:
    """Set ``dimension`` to ``value``, or (``relative``) add ``value`` to it."""

    dimension: str
    value: float
    relative: bool = False

    def __str__(self) -> str:
        if not self.relative:
            return f"{self.dimension}={self.value:g}"
        return f"{self.dimension}{'+=' if self.value >= 0 else '-='}{abs(self.value):g}"


def parse_change(text: str) -> Change:
    """``influence=60``, ``work_pace-=10``, ``bullying+=2`` (the CLI's ``--set``)."""
    for op in ("+=", "-=", "="):
        name, sep, number = text.partition(op)
        if sep and not name.strip():
            raise InvalidInput(f"'{text}': name the dimension before '{op}'")
        if sep:
            try:
                value = float(number)
            except ValueError:
                raise InvalidInput(f"'{text}': '{number}' is not a number") from None
            if op == "-=":
                value = -value
            return Change(name.strip(), value, relative=op != "=")
    raise InvalidInput(f"'{text}': write DIMENSION=VALUE, DIMENSION+=DELTA or DIMENSION-=DELTA")


def apply_changes(profile: Profile, changes: Sequence[Change], ruleset: RuleSet) -> Profile:
    """The profile with the changes applied in order; bad changes raise :class:`ProfileError`."""
    from .suggestions import closest

    scores = dict(profile.scores)
    errors: list[FieldError] = []
    for i, change in enumerate(changes):
        path = f"changes[{i}]"
        dim = ruleset.dimensions.get(change.dimension)
        if dim is None:
            errors.append(FieldError(f"{path}.dimension", f"unknown dimension '{change.dimension}'",
                                     closest(change.dimension, ruleset.dimensions), code="unknown"))
            continue
        if not math.isfinite(change.value):
            errors.append(FieldError(path, "must be a finite number", code="not-finite"))
            continue
        if change.relative:
            current = scores.get(change.dimension)
            if current is None:
                errors.append(FieldError(path, f"'{change.dimension}' is missing from the profile; "
                                         "set it instead of adding to it", code="missing"))
                continue
            new = current + change.value
        else:
            new = change.value
        if not (dim.minimum <= new <= dim.maximum):
            errors.append(FieldError(path, f"{change} gives {new:g}, outside the range "
                                     f"{dim.minimum:g}–{dim.maximum:g}", code="out-of-range"))
            continue
        scores[change.dimension] = new
    if errors:
        raise ProfileError(errors)
    return profile.with_scores(scores)


@dataclass(frozen=True)
class RankChange:
    """One intervention's difference between the two answers (rank 0 = not in that list)."""

    intervention_id: str
    movement: str
    baseline_rank: int
    changed_rank: int
    baseline_score: float
    changed_score: float
    rules_started: tuple[str, ...]
    rules_stopped: tuple[str, ...]
    rules_changed: tuple[str, ...] = ()
    """Rules behind it that fire both times but count more or less (the department moved within them)."""
    baseline_must_act: bool = False
    changed_must_act: bool = False
    """Whether it stood in the must-act part (rank 0 there): moving into it counts as up, out of it as down."""


@dataclass(frozen=True)
class WhatIfResult:
    baseline: Result
    changed: Result
    differences: tuple[RankChange, ...]
    changed_scores: Mapping[str, float]


def diff_rankings(baseline: Result, changed: Result, recommenders: Mapping[str, set[str]],
                  baseline_scores: Mapping[str, float], changed_scores: Mapping[str, float],
                  rules_changed: frozenset[str] = frozenset()) -> tuple[RankChange, ...]:
    """Every intervention in either answer: how it moved, and which of the rules that recommend it
    (``recommenders``: intervention → rule ids, from either rule set) started or stopped firing, or
    (``rules_changed``) fire both times with a different strength."""
    before = {r.intervention_id: r.rank for r in baseline.recommendations}
    after = {r.intervention_id: r.rank for r in changed.recommendations}
    acting_before, acting_after = set(baseline.must_act_ids), set(changed.must_act_ids)
    fired_before, fired_after = set(baseline.fired_rules), set(changed.fired_rules)
    started = [r for r in changed.fired_rules if r not in fired_before]
    stopped = [r for r in baseline.fired_rules if r not in fired_after]
    differences = []
    everything = [*baseline.must_act_ids, *before, *changed.must_act_ids, *after]
    for ident in dict.fromkeys(everything):
        old, new = before.get(ident, 0), after.get(ident, 0)
        was, now = ident in acting_before, ident in acting_after
        if was and now:
            movement = SAME
        elif now:  # into the must-act part: from the list (up) or from nowhere
            movement = UP if old else ENTERED
        elif was:  # out of it: into the list (down) or out of the answer
            movement = DOWN if new else LEFT
        else:
            movement = ENTERED if not old else LEFT if not new else UP if new < old else DOWN if new > old else SAME
        mine = recommenders.get(ident, set())
        differences.append(RankChange(ident, movement, old, new, baseline_scores.get(ident, 0.0),
                                      changed_scores.get(ident, 0.0), tuple(r for r in started if r in mine),
                                      tuple(r for r in stopped if r in mine),
                                      tuple(r for r in changed.fired_rules if r in mine and r in rules_changed),
                                      was, now))
    return tuple(differences)


def recommenders_of(*rulesets: RuleSet) -> dict[str, set[str]]:
    """Intervention id → the ids of the rules (in any of ``rulesets``) that recommend it."""
    out: dict[str, set[str]] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            for rec in rule.recommend:
                out.setdefault(rec.intervention, set()).add(rule.id)
    return out


def compare(baseline: Result, changed: Result, ruleset: RuleSet, baseline_scores: Mapping[str, float],
            changed_scores: Mapping[str, float], changed_values: Mapping[str, float],
            rules_changed: frozenset[str] = frozenset()) -> WhatIfResult:
    """Diff two answers. ``*_scores`` hold every candidate's score (not only the listed ones)."""
    differences = diff_rankings(baseline, changed, recommenders_of(ruleset), baseline_scores, changed_scores,
                                rules_changed)
    return WhatIfResult(baseline, changed, differences, dict(changed_values))
