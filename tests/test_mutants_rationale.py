"""The rationale's conditions: which tests hold, which are borderline, labels of bands, and a small
group's shares (tests/mutation/run.py: the mutants of engine/rationale.py these kill; docs/TESTING.md,
"Mutation testing").

Oracles: README's example answer (each test with the department's value, ✓ when it holds); docs/RANKING.md
§3 (a borderline test is named so; a share within its confidence interval is "within the statistical
uncertainty"; a share resting on fewer than 20 answers is never shown: "reported by at least one
respondent"); the catalogue (names and band labels); the rule files (titles).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.test_rank import profile, small_ruleset
from trivsel.engine import Options, Recommender
from trivsel.engine.rationale import Numbers
from trivsel.engine.result import ConditionResult

RulesCopy = Callable[..., Path]


def conditions(rec: Recommender, values: dict[str, float], respondents: int = 20) -> tuple[ConditionResult, ...]:
    (item,) = rec.recommend(profile(values, respondents), Options(top=5)).recommendations
    (reason,) = item.because
    return reason.conditions


def test_an_or_rule_shows_which_of_its_tests_hold(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "influence < 33 or meaning < 33", {"prioritisation": 2})) as rec:
        found = conditions(rec, {"influence": 20, "meaning": 50})
        assert [(c.dimension, c.actual, c.holds) for c in found] == [("influence", 20.0, True),
                                                                     ("meaning", 50.0, False)]
        assert [c.text for c in found] == ["Influence 20 < 33", "Meaning of work 50 < 33"]


def test_a_fired_conjunction_holds_throughout_and_only_its_borderline_test_says_so(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "quantitative_demands > 67 and influence < 33", {"prioritisation": 2})) as rec:
        found = conditions(rec, {"quantitative_demands": 80, "influence": 31})
        assert [(c.holds, c.borderline) for c in found] == [(True, False), (True, True)]
        assert [c.text for c in found] == ["Quantitative demands 80 > 67", "Influence 31 < 33 (borderline)"]


def test_a_share_within_its_uncertainty_says_so_and_a_clear_one_does_not(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "stress_prevalence > 17.7 and influence < 33", {"prioritisation": 2})) as rec:
        near, clear = (conditions(rec, {"stress_prevalence": share, "influence": 20}, respondents=30)[0]
                       for share in (17.8, 40))
        assert (near.borderline, near.text) == (
            True, "Stress prevalence 17.8 > 17.7 (within the statistical uncertainty)")
        assert (clear.borderline, clear.text) == (False, "Stress prevalence 40 > 17.7")


def test_a_small_groups_share_is_reported_not_shown_and_the_other_tests_are(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "bullying > 0 and influence < 33", {"prioritisation": 2})) as rec:
        found = conditions(rec, {"bullying": 10, "influence": 20}, respondents=10)
        assert [(c.dimension, c.threshold, c.actual, c.holds, c.text) for c in found] == [
            ("bullying", None, None, True,
             "Bullying: reported by at least one respondent (fewer than 20 answers: no share is shown)"),
            ("influence", 33.0, 20.0, True, "Influence 20 < 33")]


def test_band_tests_carry_the_bands_label_or_its_negation(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "quantitative_demands > 67 and influence is not low and meaning is medium",
                                    {"prioritisation": 2})) as rec:
        found = conditions(rec, {"quantitative_demands": 80, "influence": 50, "meaning": 40})
        assert [c.text for c in found][1:] == ["Influence 50 >= 33 (not low)",
                                               "Meaning of work 40 is between 33 and 67 (medium)"]


def test_a_reason_has_its_rules_title_and_its_own_text(recommender: Recommender) -> None:
    values = {"quantitative_demands": 78, "work_pace": 81, "influence": 28, "support_colleagues": 62}
    result = recommender.recommend(profile(values), Options(top=5))
    reasons = [r for item in (*result.must_act, *result.recommendations) for r in item.because]
    assert reasons
    for reason in reasons:
        rule = recommender.ruleset.rule(reason.rule_id)
        assert rule is not None and reason.title == rule.title.en and reason.text != reason.title


def test_a_value_is_written_once_as_text_and_as_bytes() -> None:
    numbers = Numbers({"influence": 28.5}, "en")
    assert numbers.utf8("influence") == b"28.5" == numbers.utf8("influence")
    assert numbers.text("meaning") == "(missing)"


def test_a_hidden_share_reads_at_least_one_respondent_or_no_respondent() -> None:
    """RANKING.md §3 "Small groups" / SURVEYS.md §4: a share from too few answers is never a number:
    a negative act reads reported by at least one respondent, or none; another share (stress) reads
    that it is not shown."""
    acts = frozenset({"bullying", "violence"})
    hidden = acts | {"stress_prevalence"}
    for language, some, none, not_shown in (
            ("en", "at least one respondent", "no respondent", "a share that is not shown (fewer than 20 answers)"),
            ("da", "mindst én af de svarende", "ingen af de svarende", "en andel, der ikke vises (færre end 20 svar)")):
        numbers = Numbers({"bullying": 0.0, "violence": 12.5, "threats": 0.5, "stress_prevalence": 33.3}, language,
                          hidden=hidden, acts=acts)
        assert (numbers.text("violence"), numbers.text("bullying")) == (some, none)
        assert numbers.text("stress_prevalence") == not_shown
        assert numbers.text("threats") == ("0.5" if language == "en" else "0,5")


def test_a_test_outside_a_middle_band_is_labelled_not_that_band(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "quantitative_demands > 67 and influence is not medium",
                                    {"prioritisation": 2})) as rec:
        found = conditions(rec, {"quantitative_demands": 80, "influence": 20})
        assert found[1].text == "Influence 20 is not between 33 and 67 (not medium)"


def test_every_kind_of_band_test_carries_the_right_label(rules_copy: RulesCopy) -> None:
    """'none' bullying is up to and including 0, 'low' influence below 33, 'high' from 67 (catalogue)."""
    when = ("quantitative_demands > 67 and bullying is not none and influence is low and meaning is not high"
            " and role_clarity is high")
    with small_ruleset(rules_copy, ("a", when, {"prioritisation": 2})) as rec:
        found = conditions(rec, {"quantitative_demands": 80, "bullying": 30, "influence": 20, "meaning": 50,
                                 "role_clarity": 80})
        assert [c.text.rsplit(" (", 1)[-1] for c in found][1:] == ["not none)", "low)", "not high)", "high)"]


def test_a_small_groups_share_of_0_is_not_said_to_be_reported(recommender: Recommender) -> None:
    """SURVEYS.md §4: a share from too few answers reads "reported" (at least one said yes) or 0;
    ten respondents, nobody reported bullying: the condition must not claim a report. (Found by the
    rationale mutants: RuleExplainer._hidden wrote "reported by at least one respondent" whatever
    the value; fixed.)"""
    from trivsel.engine.explain import explain_rule

    why = explain_rule(recommender, profile({"bullying": 0.0, "influence": 40}, respondents=10), "bullying-any")
    (condition,) = why.conditions
    assert not condition.holds and "at least one" not in condition.text
    assert "reported by no respondent" in condition.text and condition.actual is None


def test_a_share_is_phrased_as_a_share_unless_the_group_is_too_small(recommender: Recommender) -> None:
    """RANKING.md §3: below 20 answers no share is shown, "reported by at least one respondent"."""
    texts = {}
    for respondents in (10, 30):
        result = recommender.recommend(profile({"bullying": 10, "influence": 40}, respondents), Options())
        texts[respondents] = next(r.text for m in result.must_act for r in m.because if r.rule_id == "bullying-any")
    assert "reported by at least one respondent." in texts[10] and "%" not in texts[10]
    assert "reported by 10% of the respondents." in texts[30]


def test_a_threshold_of_0_is_written_as_0(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "conflicts > 0 and influence < 33", {"prioritisation": 2}),
                       ("b", "bullying between 0 and 10 and influence < 33", {"role-clarity": 2})) as rec:
        result = rec.recommend(profile({"conflicts": 30, "bullying": 5, "influence": 20}, 30), Options(top=5))
        texts = {r.rule_id: r.conditions[0].text for item in result.recommendations for r in item.because}
        assert texts == {"a": "Quarrels and conflicts 30 > 0", "b": "Bullying 5 is between 0 and 10"}


def test_a_rule_that_did_not_fire_shows_which_of_its_tests_fail(recommender: Recommender) -> None:
    """README, ``trivsel explain``: every condition with the actual value; a share below its limit is
    no borderline case."""
    from trivsel.engine.explain import explain_rule

    why = explain_rule(recommender, profile({"quantitative_demands": 72, "influence": 41}), "high-strain-workload")
    assert not why.fired and [c.holds for c in why.conditions] == [True, False]
    stress = explain_rule(recommender, profile({"stress_prevalence": 10.0}, respondents=30), "stress-above-national")
    assert not stress.fired and [(c.holds, c.borderline) for c in stress.conditions] == [(False, False)]
    assert "uncertainty" not in stress.conditions[0].text
