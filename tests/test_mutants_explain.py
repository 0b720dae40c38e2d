"""``trivsel explain``: a rule's conditions and smallest change in either language, where an
intervention stands, and what a small group's answer keeps back (tests/mutation/run.py: the mutants of
engine/explain.py these kill; docs/TESTING.md, "Mutation testing").

Oracles: README ("trivsel explain PROFILE --rule ID / --intervention ID: every condition with the
actual value; for a rule that did not fire, the smallest change that would make it fire"), docs/RANKING.md
(the must-act part stands apart from the list and is always shown; small groups' shares are never
shown), the catalogue's names and band labels in both languages, and the bundled rules.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile, ProfileError, Recommender
from trivsel.engine.explain import explain_intervention, explain_rule


def profile(scores: dict[str, float], respondents: int = 14) -> Profile:
    return Profile(Department("t", "Team"), respondents, MappingProxyType(scores))


def test_the_smallest_change_is_written_in_the_answers_language(recommender: Recommender) -> None:
    values = {"quantitative_demands": 72, "influence": 41}
    dims = recommender.ruleset.dimensions
    for language in ("en", "da"):
        why = explain_rule(recommender, profile(values), "high-strain-workload", language)
        name, low = dims["influence"].name.get(language), dims["influence"].band("low")
        assert low is not None
        assert why.change_texts == (f"{name} 41 → 32 ({low.label.get(language)})",)
        assert why.title == recommender.ruleset.rule("high-strain-workload").title.get(language)  # type: ignore[union-attr]


def test_a_missing_value_is_named_missing_in_the_change(recommender: Recommender) -> None:
    for language, missing in (("en", "(missing)"), ("da", "(mangler)")):
        why = explain_rule(recommender, profile({"quantitative_demands": 72}), "high-strain-workload", language)
        assert not why.fired and why.missing == ("influence",)
        assert [c.dimension for c in why.changes] == ["influence"]
        name = recommender.ruleset.dimensions["influence"].name.get(language)
        assert why.change_texts[0].startswith(f"{name} {missing} → ")


def test_unknown_ids_are_key_errors_and_a_small_group_is_refused(recommender: Recommender) -> None:
    with pytest.raises(KeyError):
        explain_rule(recommender, profile({"influence": 20}), "no-such-rule")
    with pytest.raises(KeyError):
        explain_intervention(recommender, profile({"influence": 20}), "no-such-intervention")
    for ask in (lambda: explain_rule(recommender, profile({"influence": 20}, 4), "high-strain-workload"),
                lambda: explain_intervention(recommender, profile({"influence": 20}, 8), "prioritisation",
                                             min_group_size=10)):
        with pytest.raises(ProfileError):
            ask()


def test_a_must_act_intervention_is_shown_though_it_is_not_in_the_list(recommender: Recommender) -> None:
    """The care unit's violence prevention is a must-act item: shown, whatever ``top`` is."""
    values = {"violence": 12.5, "threats": 20.8, "emotional_demands": 76, "influence": 20, "quantitative_demands": 80}
    why = explain_intervention(recommender, profile(values, 24), "violence-prevention", top=1)
    assert why.listed and why.score > 0
    assert why.rules[0].fired and why.rules[0].points > 0


def test_where_an_intervention_stands_counts_only_the_list_shown(recommender: Recommender) -> None:
    values = {"quantitative_demands": 80, "work_pace": 85, "influence": 20, "support_supervisor": 20,
              "role_clarity": 20, "recognition": 20, "predictability": 20}
    full = explain_intervention(recommender, profile(values, 24), "influence-over-planning", top=10)
    assert full.rank >= 1 and full.listed and full.top >= full.rank and full.candidates >= full.top
    below = explain_intervention(recommender, profile(values, 24), "influence-over-planning", top=full.rank - 1)
    assert (below.rank, below.listed, below.top) == (full.rank, False, full.rank - 1)


def test_an_intervention_nothing_recommends_scores_0_and_lists_its_rules_nearest_first(
        recommender: Recommender) -> None:
    why = explain_intervention(recommender, profile({"influence": 60, "quantitative_demands": 50}),
                               "influence-over-planning")
    assert (why.rank, why.listed, why.score) == (0, False, 0.0)
    assert not any(r.fired for r in why.rules)
    nearest = [min((c.delta for c in r.changes), default=float("inf")) for r in why.rules]
    assert nearest == sorted(nearest)


def test_fired_rules_come_first_largest_share_first(recommender: Recommender) -> None:
    values = {"quantitative_demands": 80, "work_pace": 85, "influence": 20}
    why = explain_intervention(recommender, profile(values, 24), "influence-over-planning")
    fired = [r for r in why.rules if r.fired]
    assert len(fired) >= 2 and list(why.rules[:len(fired)]) == fired
    assert [r.points for r in fired] == sorted((r.points for r in fired), reverse=True)


def test_a_small_groups_share_is_neither_shown_nor_moved(recommender: Recommender) -> None:
    """Ten respondents, bullying 0: a rule on widespread bullying did not fire, and its smallest
    change would name a share of ten people, so none is offered."""
    rule = next(r for r in recommender.ruleset.rules if r.dimensions == ("bullying",)
                and r.condition is not None and "widespread" in r.when)
    why = explain_rule(recommender, profile({"bullying": 0.0, "influence": 40}, 10), rule.id)
    assert not why.fired and why.changes == () and why.change_texts == ()


def test_the_rank_is_the_place_in_the_answers_list_and_the_last_place_shown_is_listed(
        recommender: Recommender) -> None:
    from trivsel.engine import Options

    values = {"quantitative_demands": 80, "work_pace": 85, "influence": 20, "support_supervisor": 20,
              "role_clarity": 20, "recognition": 20, "predictability": 20}
    ids = recommender.recommend(profile(values, 24), Options(top=30)).recommendations
    place = next(i for i, item in enumerate(ids) if item.intervention_id == "influence-over-planning")
    why = explain_intervention(recommender, profile(values, 24), "influence-over-planning", top=place + 1)
    assert (why.rank, why.top, why.listed) == (place + 1, place + 1, True)
    assert all(r.points == 0.0 for r in why.rules if not r.fired)


def test_another_interventions_must_act_item_lists_nothing_else(recommender: Recommender) -> None:
    """The care unit must act on violence; an action below the list's one place is not listed."""
    values = {"violence": 12.5, "threats": 20.8, "emotional_demands": 76, "influence": 20, "quantitative_demands": 80,
              "work_pace": 85, "role_clarity": 20}
    for ident in ("work-organisation-change", "available-leadership"):  # ids after and before the must-act ones
        why = explain_intervention(recommender, profile(values, 24), ident, top=1)
        assert why.rank > 1 and not why.listed, ident


def test_an_explanation_is_a_value(recommender: Recommender) -> None:
    import dataclasses

    why = explain_intervention(recommender, profile({"influence": 20}), "prioritisation")
    with pytest.raises(dataclasses.FrozenInstanceError):
        why.rank = 1  # type: ignore[misc]


def test_a_rules_explanation_is_a_value(recommender: Recommender) -> None:
    import dataclasses

    why = explain_rule(recommender, profile({"quantitative_demands": 72, "influence": 41}), "high-strain-workload")
    with pytest.raises(dataclasses.FrozenInstanceError):
        why.fired = True  # type: ignore[misc]
