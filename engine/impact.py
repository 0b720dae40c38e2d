"""Impact preview: how a rule change would change the answers for a set of real profiles.

The review step before a rule change goes live (``trivsel diff-rules OLD NEW --profiles DIR``):
every profile is evaluated with both rule sets, and the report says per profile what entered,
left or moved — with the rules that started or stopped firing — and sums it up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .model import RuleSetInfo
from .profile import Profile, ProfileError
from .recommender import DEFAULT_OPTIONS, Options, Recommender
from .result import Result
from .whatif import DOWN, ENTERED, LEFT, SAME, UP, RankChange, diff_rankings, recommenders_of

__all__ = ["ProfileImpact", "Impact", "preview"]


@dataclass(frozen=True)
class ProfileImpact:
    """One profile under both rule sets: the list's differences, and the rules that now fire or
    no longer fire for it (they may change scores without changing the list)."""

    name: str
    department_id: str
    differences: tuple[RankChange, ...]
    old_error: str | None = None
    new_error: str | None = None
    rules_started: tuple[str, ...] = ()
    rules_stopped: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the answer's list changed (or the profile is refused by only one rule set)."""
        return self.old_error != self.new_error or any(d.movement != SAME for d in self.differences)


@dataclass(frozen=True)
class Impact:
    old: RuleSetInfo
    new: RuleSetInfo
    profiles: tuple[ProfileImpact, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    by_intervention: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    rules_started: Mapping[str, int] = field(default_factory=dict)
    rules_stopped: Mapping[str, int] = field(default_factory=dict)


def preview(old: Recommender, new: Recommender, profiles: Sequence[tuple[str, Profile]],
            options: Options = DEFAULT_OPTIONS) -> Impact:
    """Evaluate every ``(name, profile)`` with both recommenders and compare."""
    recommenders = recommenders_of(old.ruleset, new.ruleset)
    impacts = []
    counts = {"profiles": len(profiles), "changed": 0, ENTERED: 0, LEFT: 0, UP: 0, DOWN: 0, "refused": 0}
    by_intervention: dict[str, dict[str, int]] = {}
    started: dict[str, int] = {}
    stopped: dict[str, int] = {}
    for name, profile in profiles:
        answers: list[Result | None] = []
        errors: list[str | None] = []
        scores: list[dict[str, float]] = []
        for recommender in (old, new):
            try:
                evaluation = recommender.evaluate(profile, options.min_group_size)
                answers.append(recommender.render(evaluation, options))
                scores.append({c.intervention_id: c.score for c in evaluation.ranked})
                errors.append(None)
            except ProfileError as exc:
                answers.append(None)
                scores.append({})
                errors.append(str(exc))
        if answers[0] is None or answers[1] is None:
            counts["refused"] += 1
            impact = ProfileImpact(name, profile.department.id, (), errors[0], errors[1])
        else:
            differences = diff_rankings(answers[0], answers[1], recommenders, scores[0], scores[1])
            began = tuple(r for r in answers[1].fired_rules if r not in set(answers[0].fired_rules))
            ended = tuple(r for r in answers[0].fired_rules if r not in set(answers[1].fired_rules))
            impact = ProfileImpact(name, profile.department.id, differences, rules_started=began, rules_stopped=ended)
            for d in differences:
                if d.movement != SAME:
                    counts[d.movement] += 1
                    by_intervention.setdefault(d.intervention_id, {}).setdefault(d.movement, 0)
                    by_intervention[d.intervention_id][d.movement] += 1
            for rule in began:
                started[rule] = started.get(rule, 0) + 1
            for rule in ended:
                stopped[rule] = stopped.get(rule, 0) + 1
        counts["changed"] += impact.changed
        impacts.append(impact)
    return Impact(old.ruleset.info, new.ruleset.info, tuple(impacts), counts, by_intervention,
                  dict(sorted(started.items())), dict(sorted(stopped.items())))
