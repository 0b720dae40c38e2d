"""What-if: changes applied to a profile, and the difference between the two answers."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile, ProfileError
from trivsel.engine.whatif import ENTERED, LEFT, Change, apply_changes, parse_change


def profile(scores: dict) -> Profile:
    return Profile(Department("t"), 20, MappingProxyType(scores))


@pytest.mark.parametrize("text, change", [("influence=60", Change("influence", 60.0)),
                                          ("work_pace-=10", Change("work_pace", -10.0, True)),
                                          ("bullying+=2.5", Change("bullying", 2.5, True))])
def test_parse_change(text: str, change: Change) -> None:
    assert parse_change(text) == change
    assert str(change) == text


@pytest.mark.parametrize("text", ["influence", "influence=high", "=3"])
def test_parse_change_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_change(text)


def test_changes_apply_in_order_and_refuse_what_they_cannot(ruleset) -> None:
    base = profile({"influence": 28, "work_pace": 81})
    changed = apply_changes(base, [Change("work_pace", -10, True), Change("work_pace", -1, True),
                                   Change("influence", 60)], ruleset)
    assert dict(changed.scores) == {"influence": 60, "work_pace": 70}
    with pytest.raises(ProfileError) as info:
        apply_changes(base, [Change("influense", 1), Change("meaning", 5, True), Change("work_pace", 30, True)],
                      ruleset)
    fields = {e.field: e for e in info.value.errors}
    assert fields["changes[0].dimension"].suggestion == "influence"
    assert fields["changes[1]"].code == "missing" and fields["changes[2]"].code == "out-of-range"


def test_whatif_difference_names_the_rules(recommender) -> None:
    result = recommender.whatif(profile({"quantitative_demands": 78, "work_pace": 81, "influence": 28}),
                                [Change("influence", 60)])
    moves = {d.intervention_id: d for d in result.differences}
    gone = moves["influence-over-planning"]
    assert gone.movement == LEFT and gone.changed_rank == 0 and gone.baseline_rank > 0
    assert set(gone.rules_stopped) == {"high-strain-workload", "high-strain-pace", "low-influence"}
    assert all(d.movement != ENTERED or d.changed_rank > 0 for d in result.differences)
    assert result.changed_scores["influence"] == 60
    before = {r.intervention_id for r in result.baseline.recommendations} | set(result.baseline.must_act_ids)
    after = {r.intervention_id for r in result.changed.recommendations} | set(result.changed.must_act_ids)
    assert {d.intervention_id for d in result.differences} == before | after
    acting = moves["prioritisation"]  # high workload stays: in the must-act part before and after
    assert acting.baseline_must_act and acting.changed_must_act and acting.movement == "same"


def test_moves_within_a_rule_are_named(recommender) -> None:
    base = profile({"quantitative_demands": 78, "work_pace": 81, "influence": 28})
    result = recommender.whatif(base, [Change("work_pace", 95)])
    moves = {d.intervention_id: d for d in result.differences}
    prioritisation = moves["prioritisation"]
    assert prioritisation.changed_score > prioritisation.baseline_score
    assert prioritisation.rules_started == () and "high-work-pace" in prioritisation.rules_changed
    assert "high-workload" not in prioritisation.rules_changed  # work pace is not part of it: unchanged strength
