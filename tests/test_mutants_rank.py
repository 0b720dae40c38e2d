"""The scoring model's numbers and order, worked out by hand from docs/RANKING.md (tests/mutation/run.py:
the mutants of engine/rank.py these kill; docs/TESTING.md, "Mutation testing").

Each rule set here is written as YAML into a copy of the bundled rules (themes replaced), and the
expected numbers come from RANKING.md §4: e(r, i) = weight × (1 + intensity) × degree, intensity
(33 − value) / 33 for ``influence < 33``; a finding counts with its strongest rule; further findings
count k = ``ranking.further_findings`` (0.333333 in rules/ruleset.yaml) times the one before;
scores rounded to six decimals. Order rules: §5.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.test_rank import profile, ranked_ids, small_ruleset
from trivsel.engine import Options

K = 0.333333  # rules/ruleset.yaml ranking.further_findings

RulesCopy = Callable[..., Path]


def test_a_score_is_the_documented_evidence_rounded_to_six_decimals(rules_copy: RulesCopy) -> None:
    with small_ruleset(rules_copy, ("a", "influence < 33", {"prioritisation": 3})) as rec:
        score = rec.evaluate(profile({"influence": 20})).scores.candidates["prioritisation"].score
        assert score == round(3 * (1 + 13 / 33), 6) == 4.181818


def test_further_findings_count_a_third_and_the_points_add_up(rules_copy: RulesCopy) -> None:
    """Two findings (influence; meaning) and a weaker rule of the first finding, which fired but
    repeats what the stronger says: it is listed with 0 points."""
    with small_ruleset(rules_copy, ("strong", "influence < 50", {"prioritisation": 4}),
                       ("weak", "influence < 45", {"prioritisation": 1}),
                       ("other", "meaning < 50", {"prioritisation": 2})) as rec:
        evaluation = rec.evaluate(profile({"influence": 30, "meaning": 40}))
        f1, f2, repeat = 4 * (1 + 20 / 50), 2 * (1 + 10 / 50), 1 * (1 + 15 / 45)
        assert evaluation.scores.candidates["prioritisation"].score == round(f1 + K * f2, 6)
        by_rule = {rec.ruleset.rules[i].id: p for i, p in rec.contributions("prioritisation", evaluation)}
        assert by_rule == {"strong": f1, "other": K * f2, "weak": 0.0}
        assert [rec.ruleset.rules[i].id for i, _ in rec.contributions("prioritisation", evaluation)] == [
            "strong", "other", "weak"]
        assert repeat < f1


def test_a_second_answer_to_one_finding_is_marked_even_among_two(rules_copy: RulesCopy) -> None:
    """§5.2: two primary answers to the influence finding: the lower one is a second answer."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"prioritisation": 3}),
                       ("b", "influence < 45", {"role-clarity": 2})) as rec:
        items = rec.recommend(profile({"influence": 30}), Options(top=5)).recommendations
        assert [(i.intervention_id, i.second_answer) for i in items] == [("prioritisation", False),
                                                                         ("role-clarity", True)]


def test_a_supplement_to_a_new_finding_is_not_a_second_answer(rules_copy: RulesCopy) -> None:
    """§5.2 and 5.4: a secondary measure competes with a third of its score, but it answers a finding
    no primary measure answers, so it is no second answer; the primary one leads."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"task-redistribution": 5}),
                       ("b", "meaning < 50", {"role-clarity": 1})) as rec:
        items = rec.recommend(profile({"influence": 30, "meaning": 40}), Options(top=5)).recommendations
        assert [(i.intervention_id, i.second_answer) for i in items] == [("role-clarity", False),
                                                                         ("task-redistribution", False)]


def test_a_near_tie_of_equal_effort_keeps_the_higher_score_first(rules_copy: RulesCopy) -> None:
    """§6: under low competence a near-tie is ordered by effort; at equal effort (both low) the
    higher score stays first."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"prioritisation": 5}),
                       ("b", "meaning < 50", {"role-clarity": 4.6}),
                       ("d", "work_environment_competence is low", {"build-environment-competence": 1})) as rec:
        assert ranked_ids(rec, {"influence": 40, "meaning": 40, "work_environment_competence": 20}) == [
            "build-environment-competence", "prioritisation", "role-clarity"]
        assert ranked_ids(rec, {"influence": 40, "meaning": 30, "work_environment_competence": 20}) == [
            "build-environment-competence", "role-clarity", "prioritisation"]


def test_second_answers_come_back_in_their_order_as_soon_as_they_beat_a_new_answer(rules_copy: RulesCopy) -> None:
    """§5.2: prioritisation (7.0) answers influence; role-clarity (4.2 → a third: 1.4) and
    colleague-support (1.4 → 0.47) are second answers to it; task-dialogue (1.2) answers meaning.
    1.4 beats 1.2, 0.47 does not: prioritisation, role-clarity², task-dialogue, colleague-support²."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"prioritisation": 5, "role-clarity": 3,
                                                            "colleague-support": 1}),
                       ("b", "meaning < 50", {"task-dialogue": 1})) as rec:
        items = rec.recommend(profile({"influence": 30, "meaning": 40}), Options(top=5)).recommendations
        assert [(i.intervention_id, i.second_answer) for i in items] == [
            ("prioritisation", False), ("role-clarity", True), ("task-dialogue", False), ("colleague-support", True)]


LOW = {"work_environment_competence": 20}  # clearly low: the low-competence policy applies (§6)
PROCESS = ("p", "work_environment_competence is low", {"build-environment-competence": 1})


def test_the_strongest_finding_counts_fully_wherever_its_rule_stands(rules_copy: RulesCopy) -> None:
    """The weaker finding's rule comes first in the file; the stronger one still gets the full points."""
    with small_ruleset(rules_copy, ("weak", "meaning < 50", {"prioritisation": 1}),
                       ("strong", "influence < 50", {"prioritisation": 4})) as rec:
        evaluation = rec.evaluate(profile({"influence": 30, "meaning": 40}))
        by_rule = {rec.ruleset.rules[i].id: p for i, p in rec.contributions("prioritisation", evaluation)}
        assert by_rule == {"strong": 4 * 1.4, "weak": K * 1 * 1.2}


def test_the_best_primary_measure_moves_to_the_very_top(rules_copy: RulesCopy) -> None:
    """§5.4, with two secondary measures above it by score: it goes first, they keep their order."""
    with small_ruleset(rules_copy, ("a", "burnout > 60", {"individual-coping-support": 5,
                                                          "stress-response-procedure": 4, "prioritisation": 1})) as rec:
        assert ranked_ids(rec, {"burnout": 80}) == ["prioritisation", "individual-coping-support",
                                                     "stress-response-procedure"]


def test_a_second_answer_stands_in_a_near_tie_with_its_reduced_score(rules_copy: RulesCopy) -> None:
    """prioritisation 7.0 answers influence; role-clarity (4.9, a second answer: 1.63) stands beside
    psychological-safety (1.68, meaning): within 10 %, so the simpler (role clarity, low effort)
    goes first under low competence."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"prioritisation": 5, "role-clarity": 3.5}),
                       ("b", "meaning < 50", {"psychological-safety": 1.4}), PROCESS) as rec:
        assert ranked_ids(rec, {"influence": 30, "meaning": 40, **LOW}) == [
            "build-environment-competence", "prioritisation", "role-clarity", "psychological-safety"]


def test_a_near_tie_is_relative_to_the_score(rules_copy: RulesCopy) -> None:
    """3.0 and 2.52 lie 16 % apart: no near-tie, the higher score stays first though it is more effort."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"work-organisation-change": 2.5}),
                       ("b", "meaning < 50", {"role-clarity": 2.1}), PROCESS) as rec:
        assert ranked_ids(rec, {"influence": 40, "meaning": 40, **LOW}) == [
            "build-environment-competence", "work-organisation-change", "role-clarity"]


def test_equal_scores_are_a_near_tie(rules_copy: RulesCopy) -> None:
    """2.4 and 2.4: psychological-safety sorts first by id, role-clarity is the simpler action."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"psychological-safety": 2}),
                       ("b", "meaning < 50", {"role-clarity": 2}), PROCESS) as rec:
        assert ranked_ids(rec, {"influence": 40, "meaning": 40}) == ["psychological-safety", "role-clarity"]
        assert ranked_ids(rec, {"influence": 40, "meaning": 40, **LOW}) == [
            "build-environment-competence", "role-clarity", "psychological-safety"]


def test_near_ties_are_grouped_one_step_at_a_time(rules_copy: RulesCopy) -> None:
    """6.0 (high effort) and 5.52 (medium) are a near-tie; 1.44 (low) is not one with them, but is with
    the process (1.39): psychological-safety, work-organisation-change, colleague-support."""
    with small_ruleset(rules_copy, ("a", "influence < 50", {"work-organisation-change": 5}),
                       ("b", "meaning < 50", {"psychological-safety": 4.6}),
                       ("c", "recognition < 50", {"colleague-support": 1.2}), PROCESS) as rec:
        assert ranked_ids(rec, {"influence": 40, "meaning": 40, "recognition": 40, **LOW}) == [
            "build-environment-competence", "psychological-safety", "work-organisation-change", "colleague-support"]
