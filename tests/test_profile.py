"""Profile checks: every bad field is named; small groups are refused; warnings are earned."""

from __future__ import annotations

import datetime as dt
import math
from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile, ProfileError, profile_from_dict
from trivsel.engine.profile import check_profile


def make(scores=None, respondents=20, invited=None, dept="d1", measured=None) -> Profile:
    return Profile(Department(dept, "Name"), respondents, MappingProxyType(scores or {}), invited, measured)


def errors(ruleset, profile) -> dict[str, object]:
    with pytest.raises(ProfileError) as info:
        check_profile(profile, ruleset)
    return {e.field: e for e in info.value.errors}


def test_the_fast_path_refuses_what_the_full_check_refuses(recommender) -> None:
    for scores in ({"burnout": "high"}, {"burnout": True}, {"influence": math.nan}, {"influence": -0.5},
                   {"nope": 3}, {"influence": math.inf}):
        with pytest.raises(ProfileError):
            recommender.evaluate(make(scores))
    assert recommender.evaluate(make({"influence": 28.1234567})).checked.values["influence"] == 28.123457


def test_every_bad_field_is_named_at_once(ruleset) -> None:
    found = errors(ruleset, make({"influense": 30, "meaning": math.nan, "work_pace": math.inf, "recognition": 130,
                                  "bullying": -1, "burnout": "high"}, dept=""))
    assert set(found) == {"department.id", "scores.influense", "scores.meaning", "scores.work_pace",
                          "scores.recognition", "scores.bullying", "scores.burnout"}
    assert found["scores.influense"].suggestion == "influence"
    assert found["scores.meaning"].code == "not-finite"
    assert found["scores.recognition"].code == "out-of-range"
    assert found["scores.burnout"].code == "not-a-number"


def test_small_groups_are_refused_without_looking_at_scores(ruleset) -> None:
    found = errors(ruleset, make({"influence": 1000}, respondents=4))
    assert list(found) == ["respondents"]
    assert found["respondents"].code == "group-too-small"
    check_profile(make({"influence": 20}, respondents=5), ruleset)  # the minimum itself is fine


def test_minimum_group_size_is_configurable(ruleset) -> None:
    with pytest.raises(ProfileError):
        check_profile(make(respondents=7), ruleset, min_group_size=8)


def test_the_callers_minimum_group_size_holds_on_the_path_answers_take(recommender) -> None:
    """A privacy guard: the recommender and the server check through ProfileChecker's fast path,
    not check_profile; a caller's larger minimum must refuse a group the rule set's 5 allows."""
    from trivsel.engine import Options

    six = make({"influence": 20}, respondents=6)
    recommender.evaluate(six)  # 6 ≥ the rule set's minimum of 5: answered
    for refuse in (lambda: recommender.evaluate(six, min_group_size=8),
                   lambda: recommender.recommend(six, Options(min_group_size=8))):
        with pytest.raises(ProfileError) as raised:
            refuse()
        assert raised.value.too_small_only
        assert [e.field for e in raised.value.errors] == ["respondents"] and "8" in raised.value.errors[0].message


def test_respondents_cannot_exceed_invited(ruleset) -> None:
    assert "invited" in errors(ruleset, make(respondents=20, invited=10))


def test_measurement_in_the_future_is_refused(ruleset) -> None:
    assert "measured_on" in errors(ruleset, make(measured=dt.date.today() + dt.timedelta(days=30)))


def test_values_are_rounded_once(ruleset) -> None:
    checked = check_profile(make({"influence": 32.99999999}), ruleset)
    assert checked.values["influence"] == 33.0


@pytest.mark.parametrize("respondents, invited, codes", [
    (20, 30, set()),
    (12, 30, {"low-response-rate"}),
    (6, 8, {"small-group"}),
    (6, 20, {"small-group", "low-response-rate"}),
])
def test_warnings(ruleset, respondents: int, invited: int, codes: set[str]) -> None:
    checked = check_profile(make({"influence": 40}, respondents, invited), ruleset)
    assert {n.code for n in checked.notices} == codes


def test_file_shape_is_parsed() -> None:
    p = profile_from_dict({"department": {"id": "x", "name": "X", "sector": "care"}, "respondents": 9,
                           "invited": 10, "measured_on": "2025-05-01", "scores": {"influence": 40}})
    assert (p.department.sector, p.respondents, p.invited, p.measured_on) == ("care", 9, 10, dt.date(2025, 5, 1))


def test_file_shape_errors_are_named() -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"departement": {}, "respondents": "many", "score": {}, "measured_on": "May"})
    fields = {e.field: e for e in info.value.errors}
    assert fields["departement"].suggestion == "department"
    assert fields["score"].suggestion == "scores"
    assert {"respondents", "measured_on", "department"} <= set(fields)


def _outcome(check, profile: Profile) -> tuple:
    """What a check says about a profile, comparable across checkers (the sign of -0.0 included)."""
    try:
        checked = check(profile)
    except ProfileError as exc:
        return ("refused", tuple(str(e) for e in exc.errors))
    return ("accepted", tuple((k, repr(v), type(v)) for k, v in checked.values.items()),
            tuple(n.code for n in checked.notices))


def test_the_fast_path_decides_exactly_as_the_field_by_field_check(ruleset) -> None:
    """On a catalogue whose dimensions do not all share one range (the fast path then checks the
    others one by one), with the awkward values: NaN, infinities, -0.0, bools, huge integers."""
    import dataclasses
    import random

    from trivsel.engine.profile import ProfileChecker

    dims = dict(ruleset.dimensions)
    for i, dim_id in enumerate(list(dims)[:6]):
        dims[dim_id] = dataclasses.replace(dims[dim_id], minimum=-5.0 * i, maximum=10.0 + i)
    mixed = dataclasses.replace(ruleset, dimensions=MappingProxyType(dims))
    rng = random.Random(5)
    awkward = [math.nan, math.inf, -math.inf, -0.0, 0.0, 0, True, False, 10 ** 400, -(10 ** 400), 2 ** 63, 1e308,
               -1e308, 100, 100.0000001, 99.9999999, 12.3456789, -5, -5.0000001, 11, "12", None]
    for catalogue in (ruleset, mixed):
        fast = ProfileChecker(catalogue).check
        slow = lambda p, c=catalogue: check_profile(p, c)  # noqa: E731
        ids = list(catalogue.dimensions)
        for _ in range(3000):
            keys = rng.sample(ids, rng.randint(0, len(ids)))
            if rng.random() < 0.1:
                keys.append(rng.choice(["influense", "", "x" * 90]))
            scores = {k: (rng.choice(awkward) if rng.random() < 0.15
                          else round(rng.uniform(-10, 110), rng.choice([0, 1, 7])))
                      for k in keys}
            profile = Profile(Department("d"), rng.choice([3, 7, 20, 40]), MappingProxyType(scores),
                              rng.choice([None, 25, 100]), rng.choice([None, dt.date(2025, 1, 1)]))
            assert _outcome(fast, profile) == _outcome(slow, profile), scores
