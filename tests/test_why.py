"""Why (not): every condition with its value, and the smallest change that would make a rule fire."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile
from trivsel.engine.analysis import smallest_change
from trivsel.engine.conditions import resolve
from trivsel.engine.explain import explain_intervention, explain_rule
from trivsel.engine.expr import parse

from .oracles import holds
from .test_cli import trivsel


def profile(scores: dict) -> Profile:
    return Profile(Department("t", "Team"), 14, MappingProxyType(scores))


def test_rule_that_did_not_fire_gets_its_smallest_change(recommender) -> None:
    why = explain_rule(recommender, profile({"quantitative_demands": 72, "influence": 41}), "high-strain-workload")
    assert not why.fired
    assert [(c.dimension, c.holds, c.actual) for c in why.conditions] == [("quantitative_demands", True, 72.0),
                                                                          ("influence", False, 41.0)]
    assert [(c.dimension, c.current, c.value) for c in why.changes] == [("influence", 41.0, 32)]
    assert why.change_texts == ("Influence 41 → 32 (low)",)
    changed = profile({"quantitative_demands": 72, "influence": 32})
    assert explain_rule(recommender, changed, "high-strain-workload").fired  # the suggestion really works


def test_fired_rule_has_no_changes(recommender) -> None:
    why = explain_rule(recommender, profile({"quantitative_demands": 72, "influence": 20}), "high-strain-workload")
    assert why.fired and why.changes == () and all(c.holds for c in why.conditions)


@pytest.mark.parametrize("condition, values", [
    ("influence < 33 and meaning < 33", {"influence": 50, "meaning": 10}),
    ("influence < 33 or work_pace > 80", {"influence": 50, "work_pace": 50}),
    ("bullying > 0", {"bullying": 0}),
    ("quantitative_demands is very_low and influence is low", {"quantitative_demands": 40, "influence": 20}),
    ("not influence is high", {"influence": 90}),
    ("work_pace between 40 and 60", {"work_pace": 75.5}),
])
def test_every_suggested_change_makes_the_condition_hold(recommender, condition: str, values: dict) -> None:
    dims = recommender.ruleset.dimensions
    cond, _ = resolve(parse(condition), dims)
    changes = smallest_change(cond, values, dims)
    assert changes
    for change in changes:
        assert holds(cond, {**values, change.dimension: change.value}), change
    nearest = changes[0]
    assert nearest.delta == min(c.delta for c in changes)


def test_no_single_change_when_two_dimensions_fail(recommender) -> None:
    why = explain_rule(recommender, profile({"quantitative_demands": 40, "influence": 50}), "high-strain-workload")
    assert why.changes == ()


def test_intervention_explanation_lists_every_rule(recommender) -> None:
    why = explain_intervention(recommender, profile({"quantitative_demands": 80, "work_pace": 50, "influence": 20}),
                               "influence-over-planning")
    assert why.listed and why.rank >= 1 and why.score > 0
    recommending = {r.id for r in recommender.ruleset.rules
                    if any(rec.intervention == "influence-over-planning" for rec in r.recommend)}
    assert {w.rule_id for w in why.rules} == recommending
    fired = [w for w in why.rules if w.fired]
    assert fired and sum(w.points for w in fired) == pytest.approx(why.score, abs=1e-4)
    assert why.rules[0].fired  # fired rules first


def test_explain_command_embedded_and_remote_agree(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("department: {id: team-7}\nrespondents: 14\nscores: {quantitative_demands: 72, influence: 41}\n",
                    encoding="utf-8")
    proc = trivsel("explain", str(path), "--rule", "high-strain-workload")
    assert proc.returncode == 0
    assert "✗ Influence 41 < 33 (low)" in proc.stdout
    assert "→ Smallest change that would make it fire: Influence 41 → 32 (low)" in proc.stdout
    wrong = trivsel("explain", str(path), "--rule", "high-strain-workloads")
    assert wrong.returncode == 2 and "did you mean 'high-strain-workload'" in wrong.stderr
