"""Whole answers for the example profiles: what they recommend, why, and what they contain."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trivsel.client.profiles import read_profile
from trivsel.engine import Department, Options, Profile, ProfileError
from trivsel.engine.result import DETAIL_IDS

from .conftest import EXAMPLES


def recommend(recommender, name: str, **options):
    return recommender.recommend(read_profile(str(EXAMPLES / name)), Options(**options))


def test_high_strain_example_puts_workload_and_influence_first(recommender) -> None:
    """Workload 78 and pace 81 are the executive order's "high workload and time pressure": joint
    prioritisation must be done (must-act), and influence over planning leads the list."""
    result = recommend(recommender, "production-high-workload.yaml")
    assert result.must_act_ids == ("prioritisation",)
    assert ([h.id for h in result.must_act[0].hazards] == ["workload"]
            and "1406" in result.must_act[0].hazards[0].legal_basis)
    assert result.ids[0] == "influence-over-planning" and "prioritisation" not in result.ids
    for rec in (*result.must_act, *result.recommendations[:1]):
            texts = " ".join(reason.text for reason in rec.because)
            assert "78" in texts and "28" in texts  # quantitative_demands and influence, from the profile
            conditions = {(c.dimension, c.op, c.threshold, c.actual, c.holds) for r in rec.because
                          for c in r.conditions}
            assert ("influence", "<", 33.0, 28.0, True) in conditions


def test_answer_contains_everything_promised(recommender) -> None:
    result = recommend(recommender, "care-unit-emotional-demands.yaml")
    assert 1 <= len(result.recommendations) <= 5
    assert result.ruleset.id == "nfa-default" and len(result.ruleset.fingerprint) == 16
    for rank, rec in enumerate(result.recommendations, start=1):
        assert rec.rank == rank and rec.score > 0
        assert rec.title and rec.description and rec.prevention in ("primary", "secondary", "tertiary")
        assert rec.iglo and rec.effort and rec.plan.goal and rec.plan.owner and rec.plan.evaluation
        assert rec.plan.follow_up_weeks > 0 and rec.evidence
        assert rec.because and all(r.conditions and r.text and r.rule_id in result.fired_rules for r in rec.because)
        assert sum(r.points for r in rec.because) == pytest.approx(rec.score, abs=1e-4)
    # first answers stand in score order; a second answer (marked) ranks with a third of its score
    firsts = [r.score for r in result.recommendations if not r.second_answer and r.prevention == "primary"]
    assert firsts == sorted(firsts, reverse=True)


def test_reported_negative_acts_are_must_act_items_in_severity_order(recommender) -> None:
    result = recommend(recommender, "bullying-reports.yaml")
    # sexual harassment (severity 95), threats (90, answered by violence prevention), bullying (85)
    assert result.must_act_ids == ("sexual-harassment-prevention", "violence-prevention", "negative-acts-policy")
    assert [m.rank for m in result.must_act] == list(range(1, len(result.must_act) + 1))
    assert not set(result.must_act_ids) & set(result.ids)  # never repeated in the list


def test_care_unit_gets_violence_prevention_first_whatever_the_list_length(recommender) -> None:
    for top in (1, 2, 5):
        result = recommend(recommender, "care-unit-emotional-demands.yaml", top=top)
        assert result.must_act_ids[0] == "violence-prevention"
        assert [h.id for h in result.must_act[0].hazards] == ["violence", "threats"]
        # the must-act part (three items) is not counted against top; the unit has two other candidates
        assert len(result.recommendations) == min(top, 2) and result.candidates == 2


def test_poor_collaboration_gets_cross_team_coordination(recommender) -> None:
    assert "cross-team-coordination" in recommend(recommender, "poor-collaboration.yaml").ids


def test_healthy_department_gets_its_strengths_and_the_next_measurement(recommender) -> None:
    result = recommend(recommender, "healthy-department.yaml")
    assert result.recommendations == () and result.must_act == () and result.fired_rules == ()
    assert [w.code for w in result.warnings] == ["keep-what-works"]
    assert result.next_measurement == "2026-04-22"  # measured 2025-04-22, twelve months on
    kept = {s.dimension for s in result.strengths}
    assert {"influence", "meaning", "support_colleagues", "quantitative_demands", "no-negative-acts"} <= kept
    assert "work_environment_competence" in kept and "organisational_justice" not in kept  # 71: not clearly high


def test_partial_profile_names_what_is_missing(recommender) -> None:
    result = recommend(recommender, "partial-profile.yaml")
    profile = read_profile(str(EXAMPLES / "partial-profile.yaml"))
    assert set(result.missing) == set(recommender.ruleset.dimensions) - set(profile.scores)
    assert result.unevaluable_rules
    assert "missing-dimensions" in {w.code for w in result.warnings}


def test_high_absence_includes_tertiary_and_secondary_after_primary(recommender) -> None:
    result = recommend(recommender, "high-absence.yaml", top=10)
    levels = [r.prevention for r in result.recommendations]
    assert levels[0] == "primary" and "tertiary" in levels


def test_danish_and_english_texts_differ(recommender) -> None:
    da = recommend(recommender, "production-high-workload.yaml", language="da")
    en = recommend(recommender, "production-high-workload.yaml", language="en")
    assert da.ids == en.ids
    assert da.recommendations[0].title != en.recommendations[0].title
    assert da.recommendations[0].because[0].text != en.recommendations[0].because[0].text
    assert "Indflydelse 28 < 33" in {c.text.split(" (")[0] for rec in da.recommendations for r in rec.because
                                     for c in r.conditions}


def test_ids_only_detail_skips_texts(recommender) -> None:
    full = recommend(recommender, "production-high-workload.yaml")
    ids = recommend(recommender, "production-high-workload.yaml", detail=DETAIL_IDS)
    assert ids.ids == full.ids and [r.score for r in ids.recommendations] == [r.score for r in full.recommendations]
    assert all(r.because == () and r.title == "" for r in ids.recommendations)


def test_json_field_names_are_the_contract(recommender) -> None:
    data = recommend(recommender, "production-high-workload.yaml").to_dict()
    assert {"recommendations", "missing", "warnings", "ruleset"} <= set(data)
    assert set(data["ruleset"]) == {"id", "version", "fingerprint"}
    rec = data["recommendations"][0]
    assert {"intervention_id", "rank", "score", "title", "description", "prevention", "iglo", "effort", "plan",
            "evidence", "because"} <= set(rec)
    reason = rec["because"][0]
    assert {"rule_id", "text", "conditions"} <= set(reason)
    assert {"dimension", "op", "threshold", "actual", "holds"} <= set(reason["conditions"][0])


def test_refused_profile_changes_nothing(recommender) -> None:
    before = recommend(recommender, "production-high-workload.yaml").to_dict()
    profile = read_profile(str(EXAMPLES / "production-high-workload.yaml")).with_scores({"influence": -5})
    with pytest.raises(ProfileError):
        recommender.recommend(profile)
    assert recommend(recommender, "production-high-workload.yaml").to_dict() == before


def test_kept_summaries_equal_freshly_worked_out_ones(recommender) -> None:
    """Missing dimensions, unevaluable rules and warnings are kept per summary key: whatever the
    key leaves out would show here as a kept summary that differs from a fresh one."""
    import random
    from types import MappingProxyType

    from trivsel.api.wire import WireRenderer
    from trivsel.engine import Department, Profile
    from trivsel.engine.synthetic import random_values

    rng = random.Random(8)
    renderer = WireRenderer(recommender)
    dims = recommender.ruleset.dimensions
    shapes = [set(rng.sample(list(dims), k)) for k in (29, 20, 12, 4)]  # a few surveys' key sets
    answers, kept_hits = [], 0
    for _ in range(1500):
        shape = rng.choice(shapes)
        values = {k: v for k, v in random_values(rng, dims, missing_share=0.0).items() if k in shape}
        profile = Profile(Department("d"), rng.choice([5, 8, 30]), MappingProxyType(values),
                          rng.choice([None, 9, 12, 100]))
        try:
            evaluation = recommender.evaluate(profile)
        except ProfileError:
            continue
        for language in ("en", "da"):
            options = Options(language=language)
            kept_hits += (recommender.summary_key(evaluation), language) in recommender._summaries
            answers.append((evaluation, options, recommender.summary(evaluation, language),
                            renderer.response(evaluation, options)))
    assert kept_hits > 1000  # the kept path was really taken
    for evaluation, options, kept, kept_bytes in answers:
        assert _summary_seen(kept) == _summary_from_scratch(recommender, evaluation, options.language)
        recommender._summaries.clear()
        renderer._summaries.clear()
        assert renderer.response(evaluation, options) == kept_bytes


def _summary_from_scratch(rec, evaluation, language: str) -> tuple:
    """The summary as its definition says, from the rule set's public data and the evaluation
    alone — none of the recommender's own helpers, which the kept summaries are built from:
    the dimensions some rule looks at that the profile lacks (catalogue order), the rules looking
    at one of them that did not fire (rule order), and the warnings: the profile check's, then
    "missing-dimensions" worded as docs/RANKING.md's answer shows it, then "low-competence"."""
    values = evaluation.checked.values
    rules = rec.ruleset.rules
    used = {d for rule in rules for d in rule.dimensions}
    missing = tuple(d for d in rec.ruleset.dimensions if d in used and d not in values)
    fired = set(evaluation.fired)
    unevaluable = tuple(r.id for r in rules if set(r.dimensions) & set(missing) and r.index not in fired)
    codes = [n.code for n in evaluation.checked.notices]
    words = None
    if missing:
        codes.append("missing-dimensions")
        n, m = len(missing), len(unevaluable)
        words = (f"{n} {'dimension' if n == 1 else 'dimensioner'} mangler i profilen; "
                 f"{m} {'regel' if m == 1 else 'regler'} kunne derfor ikke vurderes." if language == "da" else
                 f"{n} {'dimension is' if n == 1 else 'dimensions are'} missing from the profile, so "
                 f"{m} {'rule' if m == 1 else 'rules'} could not be evaluated.")
    if evaluation.low_competence:
        codes.append("low-competence")
    return missing, unevaluable, tuple(codes), words


def _summary_seen(kept: tuple) -> tuple:
    """A kept summary in the shape of :func:`_summary_from_scratch`."""
    missing, unevaluable, warnings = kept
    words = next((w.message for w in warnings if w.code == "missing-dimensions"), None)
    return missing, unevaluable, tuple(w.code for w in warnings), words


def test_evaluating_many_equals_evaluating_each(recommender) -> None:
    """The batch path evaluates stage by stage; each outcome must be what evaluating that profile
    alone gives, refusals (with their field errors) in their places."""
    import random
    from types import MappingProxyType

    from trivsel.engine import Department, Profile
    from trivsel.engine.synthetic import random_values

    rng = random.Random(5)
    profiles = []
    for i in range(400):
        values = random_values(rng, recommender.ruleset.dimensions, missing_share=rng.choice((0.0, 0.3, 0.9)))
        if i % 37 == 0:
            values["influence"] = -5.0  # out of range: refused
        values["work_environment_competence"] = rng.choice((10.0, values.get("work_environment_competence", 60.0)))
        profiles.append(Profile(Department(f"d{i}"), rng.choice((2, 20, 20, 20)), MappingProxyType(values)))
    outcomes = recommender.evaluate_many(profiles)
    assert len(outcomes) == len(profiles)
    refused = 0
    for profile, outcome in zip(profiles, outcomes):
        try:
            alone = recommender.evaluate(profile)
        except ProfileError as exc:
            refused += 1
            assert isinstance(outcome, ProfileError) and outcome.errors == exc.errors
            continue
        assert outcome == alone
    assert 40 < refused < 200  # both kinds of outcome were compared


def test_a_refused_profile_in_a_batch_is_freed_with_its_batch(recommender) -> None:
    """A kept ProfileError must not hold evaluate_many's frame (and with it the whole chunk) in a
    reference cycle: freed by reference counting alone, with the cyclic collector off."""
    import gc
    import weakref
    from types import MappingProxyType

    from trivsel.engine import Department, Profile

    gc.disable()
    try:
        outcomes = recommender.evaluate_many([Profile(Department("small"), 2, MappingProxyType({})),
                                              Profile(Department("ok"), 20, MappingProxyType({"influence": 20.0}))])
        assert isinstance(outcomes[0], ProfileError)
        error = weakref.ref(outcomes[0])
        del outcomes
        assert error() is None
    finally:
        gc.enable()


def test_a_share_near_its_limit_is_called_uncertain_not_borderline(recommender) -> None:
    """9 of 31 stressed (29 %) is above the national 17.7 %, but its 95 % interval reaches below it:
    the answer says the difference is within the statistical uncertainty, not "within the
    meaningful difference" (a share has none)."""
    profile = Profile(Department("skole", "", "municipal"), 31, MappingProxyType({"stress_prevalence": 29.0}))
    result = recommender.recommend(profile, Options(language="da"))
    messages = [w.message for w in result.warnings if w.code == "borderline"]
    assert len(messages) == 1 and "statistiske usikkerhed med 31 besvarelser: Andel stressede" in messages[0]
    assert "betydende forskel" not in messages[0]
