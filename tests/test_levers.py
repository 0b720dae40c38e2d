"""Levers: the next better band per dimension, and what reaching it does to risk and the list."""

from __future__ import annotations

import random
from types import MappingProxyType

from trivsel.client.profiles import read_profile
from trivsel.engine import Department, Profile
from trivsel.engine.levers import levers, next_better_band, total_risk
from trivsel.engine.synthetic import random_values

from .conftest import EXAMPLES
from .test_cli import trivsel


def test_production_example_levers(recommender) -> None:
    report = levers(recommender, read_profile(str(EXAMPLES / "production-high-workload.yaml")))
    first = report.levers[0]
    assert (first.dimensions, first.currents, first.targets) == (("influence",), (28,), (33.0,))
    assert (first.from_bands, first.to_bands) == (("low",), ("medium",))
    assert first.no_longer_needed == ("influence-over-planning", "leader-influence-practices")
    # workload and pace together end the must-act item (high workload and time pressure): the best pair
    assert report.best_pair is not None and report.best_pair.dimensions == ("quantitative_demands", "work_pace")
    assert report.best_pair.must_act_resolved == ("prioritisation",)
    ranks = [(-len(x.must_act_resolved), -len(x.no_longer_needed), -x.reduction) for x in report.levers]
    assert ranks == sorted(ranks)  # what a change does to the answer decides the order


def _risk(evaluation) -> float:
    """RANKING.md §9: "the sum of every candidate intervention's score, the must-act part's
    included" — written out here rather than taken from engine/levers.py, which it checks."""
    return round(sum(c.score for c in evaluation.scores.candidates.values()), 6)


def test_total_risk_counts_the_must_act_part(recommender) -> None:
    """The production example's must-act item (prioritisation) is part of its total risk."""
    evaluation = recommender.evaluate(read_profile(str(EXAMPLES / "production-high-workload.yaml")))
    scores = {c.intervention_id: c.score for c in evaluation.scores.candidates.values()}
    assert scores.get("prioritisation", 0) > 0
    assert total_risk(evaluation) == _risk(evaluation)
    assert total_risk(evaluation) > round(sum(v for k, v in scores.items() if k != "prioritisation"), 6)


def test_levers_are_honest_on_random_profiles(recommender) -> None:
    rng = random.Random(41)
    for i in range(60):
        sector = rng.choice(("", "private", "municipal", "hospital"))  # the catalogue's own limits, and moved ones
        values = random_values(rng, recommender.ruleset.dimensions, 0.2, 0.3)
        profile = Profile(Department(f"d{i}", "", sector), 20, MappingProxyType(values))
        dims = recommender.view_for_profile(profile).ruleset.dimensions  # the bands of the department's sector
        report = levers(recommender, profile, pairs=False)
        base = recommender.evaluate(profile)
        assert report.risk == _risk(base)
        for lever in report.levers:
            (ident,), (target,) = lever.dimensions, lever.targets
            dim = dims[ident]
            assert dim.band_of(target).id == lever.to_bands[0] != lever.from_bands[0]
            assert abs(target - lever.currents[0]) >= dim.meaningful_difference  # no lever inside the noise
            assert lever.reduction >= 0  # a better value never raises the risk
            after = recommender.evaluate(profile.with_scores({**profile.scores, ident: target}))
            assert _risk(after) == lever.risk_after
            remaining = {c.intervention_id for c in after.ranked}
            assert not set(lever.no_longer_needed) & remaining


def test_a_change_within_the_meaningful_difference_is_no_lever(recommender) -> None:
    """Competence 30 → 33 (3 points) once ranked as the best lever: it is noise, and not offered."""
    profile = Profile(Department("d"), 20, MappingProxyType({"work_environment_competence": 30.0, "influence": 20.0,
                                                               "stress_prevalence": 40.0}))
    report = levers(recommender, profile)
    assert "work_environment_competence" not in {d for lever in report.levers for d in lever.dimensions}
    # The real change (influence 20 → its next band) stays on offer.
    assert ("influence",) in [lever.dimensions for lever in report.levers]


def test_next_better_band_follows_the_harmful_direction(ruleset) -> None:
    dims = ruleset.dimensions
    assert next_better_band(dims["influence"], 20)[2] == 33            # resource: up
    assert next_better_band(dims["work_pace"], 81)[2] == 66            # demand: down
    assert next_better_band(dims["work_pace"], 10)[2] == 20            # demand too low (apathy): up
    assert next_better_band(dims["sickness_absence_pct"], 7.2)[2] == 5.9
    assert next_better_band(dims["influence"], 80) is None             # already in the best band
    assert next_better_band(dims["bullying"], 3)[2] == 0                # any exposure: the way out is none
    assert next_better_band(dims["turnover_pct"], 20)[2] == 19.9        # 20 is already 'high' (elevated is below 20)


def test_levers_command(tmp_path) -> None:
    proc = trivsel("levers", str(EXAMPLES / "production-high-workload.yaml"))
    out = " ".join(proc.stdout.split())  # independent of the terminal's width
    assert proc.returncode == 0
    assert "1. Influence 28 → 33 (low → medium)" in out
    assert ("2 of 5 no longer needed: Influence over how and when tasks are done, Clear agreements on employees' "
            "scope for decisions") in out  # titles, not ids
    assert "no longer a must-act item: Joint prioritisation of tasks" in out
    assert "Best pair:" in out
    da = " ".join(trivsel("levers", str(EXAMPLES / "high-absence.yaml"), "--lang", "da").stdout.split())
    assert "Sygefravær 10,8 → 9,5 (højt → forhøjet)" in da  # the pedagogues' 7,4 %: high from 9,6


def test_a_small_groups_negative_act_share_is_no_lever(recommender) -> None:
    """One report in a team of six (16.7 %) must not be shown, so no lever carries its value."""
    profile = Profile(Department("small"), 6, MappingProxyType({"bullying": 16.7, "influence": 20.0}))
    report = levers(recommender, profile)
    assert "bullying" not in {d for lever in report.levers for d in lever.dimensions}
    assert 16.7 not in {c for lever in report.levers for c in lever.currents}
    large = levers(recommender, Profile(Department("large"), 60, MappingProxyType({"bullying": 16.7,
                                                                                 "influence": 20.0})))
    assert "bullying" in {d for lever in large.levers for d in lever.dimensions}
