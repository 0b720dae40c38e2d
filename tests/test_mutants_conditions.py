"""Resolving and weighing conditions at their edges (tests/mutation/run.py: the mutants of
engine/conditions.py these kill; docs/TESTING.md, "Mutation testing").

Oracles: the dimension catalogue (ranges; which side of a scale is harmful), docs/RULES.md (a threshold
outside a dimension's range is warned about) and docs/RANKING.md §3–4 (intensity: the distance past
the threshold towards the harmful end over the distance to that end; ``and`` takes the mean of its
parts, ``or`` the largest true branch; a test not in the harmful direction adds no intensity; degree
½ when a test is borderline), worked out by hand on rule sets written as YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.test_rank import profile, small_ruleset
from trivsel.engine.conditions import Literal, is_monotone, literals, resolve
from trivsel.engine.expr import parse
from trivsel.engine.model import RuleSet

RulesCopy = Callable[..., Path]


def issues(ruleset: RuleSet, text: str) -> list[str]:
    return [issue.code for issue in resolve(parse(text), ruleset.dimensions)[1]]


def test_a_threshold_on_a_range_end_is_fine_and_one_past_it_is_warned_about(ruleset: RuleSet) -> None:
    influence = ruleset.dimensions["influence"]
    low, high = influence.minimum, influence.maximum
    for text in (f"influence < {low:g}", f"influence > {high:g}", f"influence between {low:g} and {high:g}"):
        assert issues(ruleset, text) == [], text
    for text in (f"influence < {low - 1:g}", f"influence > {high + 1:g}", f"influence between {low - 1:g} and 50",
                 f"influence between 50 and {high + 1:g}"):
        assert issues(ruleset, text) == ["threshold-out-of-range"], text


def test_a_test_towards_the_healthy_side_is_not_a_harmful_one(ruleset: RuleSet) -> None:
    """Influence is harmful when low, role conflicts when high: ``influence > 60`` and ``role_conflicts < 40``
    point to the healthy side (RANKING.md: lint warns about them, they add no intensity)."""
    assert (ruleset.dimensions["influence"].adverse, ruleset.dimensions["role_conflicts"].adverse) == ("low", "high")
    for text in ("influence > 60", "influence >= 60", "role_conflicts < 40", "role_conflicts <= 40"):
        (lit,) = literals(resolve(parse(text), ruleset.dimensions)[0])
        assert isinstance(lit, Literal) and lit.adverse is None and not is_monotone(lit), text
    for text, side in (("influence < 33", "low"), ("role_conflicts > 67", "high")):
        (lit,) = literals(resolve(parse(text), ruleset.dimensions)[0])
        assert lit.adverse == side and is_monotone(lit), text


def test_a_healthy_side_test_adds_no_intensity_inside_an_or(rules_copy: RulesCopy) -> None:
    """work pace 80 past 67 towards 100: 13/33; the ``or``'s true branch points to the healthy side:
    0. The mean: 13/66. Both tests are clear: degree 1."""
    with small_ruleset(rules_copy, ("a", "work_pace > 67 and (influence > 60 or meaning < 10)",
                                    {"prioritisation": 2})) as rec:
        score = rec.evaluate(profile({"work_pace": 80, "influence": 80, "meaning": 50})).scores.candidates[
            "prioritisation"].score
        assert score == round(2 * (1 + (13 / 33 + 0) / 2), 6)


def test_a_test_at_the_scales_end_counts_fully_in_the_mean(rules_copy: RulesCopy) -> None:
    """work pace at its end, 100 (>= 100: intensity 1, but past the threshold by 0 — borderline) and
    influence 20 (clear, 13/33): intensity (1 + 13/33) / 2 at degree ½."""
    with small_ruleset(rules_copy, ("a", "work_pace >= 100 and influence < 33", {"prioritisation": 1})) as rec:
        score = rec.evaluate(profile({"work_pace": 100, "influence": 20})).scores.candidates["prioritisation"].score
        assert score == round(0.5 * (1 + (1 + 13 / 33) / 2), 6)


def test_an_interval_honours_each_bounds_inclusivity() -> None:
    """A band's interval may leave out either end (Literal: ``threshold`` … ``threshold_high`` with
    inclusivity flags); ``not between`` is its complement; a missing value is in neither."""
    from trivsel.engine.expr.syntax import Op

    for low_inc in (True, False):
        for high_inc in (True, False):
            inside = Literal("x", Op.BETWEEN, 10.0, 20.0, low_inc, high_inc)
            outside = Literal("x", Op.NOT_BETWEEN, 10.0, 20.0, low_inc, high_inc)
            expected = {9.99: False, 10.0: low_inc, 10.01: True, 15.0: True, 19.99: True, 20.0: high_inc,
                        20.01: False}
            assert {v: inside.holds(v) for v in expected} == expected, (low_inc, high_inc)
            assert {v: outside.holds(v) for v in expected} == {v: not h for v, h in expected.items()}
            assert not inside.holds(None) and not outside.holds(None)


def test_a_healthy_side_test_adds_no_intensity_to_a_conjunction_wherever_it_stands(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "influence > 60 and work_pace > 67", {"prioritisation": 2}),
                       ("b", "role_conflicts > 67 and influence > 60", {"role-clarity": 2})) as rec:
        scores = rec.evaluate(profile({"work_pace": 80, "influence": 80, "role_conflicts": 80})).scores.candidates
        assert scores["prioritisation"].score == round(2 * (1 + (0 + 13 / 33) / 2), 6)
        assert scores["role-clarity"].score == round(2 * (1 + (13 / 33 + 0) / 2), 6)


def test_a_test_at_the_scales_end_counts_fully_beside_an_or(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "work_pace >= 100 and (influence < 33 or meaning < 10)",
                                    {"prioritisation": 1})) as rec:
        score = rec.evaluate(profile({"work_pace": 100, "influence": 20, "meaning": 50})).scores.candidates[
            "prioritisation"].score
        assert score == round(0.5 * (1 + (1 + 13 / 33) / 2), 6)


def test_a_resolved_test_is_a_value(ruleset: RuleSet) -> None:
    import dataclasses

    import pytest

    (a,) = literals(resolve(parse("influence < 33"), ruleset.dimensions)[0])
    (b,) = literals(resolve(parse("influence < 33"), ruleset.dimensions)[0])
    assert a == b and hash(a) == hash(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.threshold = 40  # type: ignore[misc]


def test_resolved_conditions_and_their_issues_are_values(ruleset: RuleSet) -> None:
    import dataclasses

    import pytest

    cond, issues = resolve(parse("(influence < 33 and meaning < 33) or influense < 10"), ruleset.dimensions)
    (issue,) = issues
    for thing, field in ((cond, "items"), (cond.items[0], "items"), (issue, "message")):  # type: ignore[union-attr]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, field, ())
