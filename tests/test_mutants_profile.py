"""Profile checks at their limits, on both paths (tests/mutation/run.py: the mutants of engine/profile.py
these kill; docs/TESTING.md, "Mutation testing").

Oracles: README ("fewer than 5 respondents are refused"), rules/ruleset.yaml (``min_group_size: 5``),
the dimension catalogue's ranges, and the limits engine/profile.py publishes (``SMALL_GROUP``,
``MIN_RESPONSE_RATE``: "below 50 %"; a measurement date may be at most tomorrow). Every case is asked
of the recommender's fast path (``ProfileChecker.check``) and of the full check, which must agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile, ProfileError, profile_from_dict
from trivsel.engine.model import RuleSet
from trivsel.engine.profile import MIN_RESPONSE_RATE, SMALL_GROUP, CheckedProfile, ProfileChecker, check_profile

TODAY = dt.date(2026, 11, 30)


def make(scores: dict[str, object] | None = None, respondents: int = 20, invited: int | None = None,
         measured: dt.date | None = None, dept: Department | None = None) -> Profile:
    return Profile(dept or Department("d1", "Name"), respondents, MappingProxyType(scores or {}), invited, measured)


def both(ruleset: RuleSet, **options: object) -> list[Callable[[Profile], CheckedProfile]]:
    checker = ProfileChecker(ruleset)
    return [lambda p: checker.check(p, today=TODAY, **options),  # type: ignore[arg-type]
            lambda p: check_profile(p, ruleset, today=TODAY, **options)]  # type: ignore[arg-type]


def refused(check: Callable[[Profile], CheckedProfile], profile: Profile) -> list[str]:
    with pytest.raises(ProfileError) as info:
        check(profile)
    return [e.field for e in info.value.errors]


def test_the_minimum_group_size_is_the_edge_on_both_paths(ruleset: RuleSet) -> None:
    assert ruleset.min_group_size == 5  # README: fewer than 5 are refused
    for check in both(ruleset):
        check(make({"influence": 40}, respondents=5))
        assert refused(check, make({"influence": 40}, respondents=4)) == ["respondents"]
    for check in both(ruleset, min_group_size=8):
        check(make({"influence": 40}, respondents=8))
        assert refused(check, make({"influence": 40}, respondents=7)) == ["respondents"]


def test_every_dimension_accepts_its_range_ends_and_refuses_just_past_them(ruleset: RuleSet) -> None:
    dims = list(ruleset.dimensions.values())
    for check in both(ruleset):
        low = check(make({d.id: d.minimum for d in dims}))
        high = check(make({d.id: d.maximum for d in dims}))
        assert low.values == {d.id: float(d.minimum) for d in dims}
        assert high.values == {d.id: float(d.maximum) for d in dims}
        for d in dims:
            assert refused(check, make({d.id: d.minimum - 0.001})) == [f"scores.{d.id}"], d.id
            assert refused(check, make({d.id: d.maximum + 0.001})) == [f"scores.{d.id}"], d.id


def test_invited_may_equal_respondents_but_not_fall_below(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        assert check(make({"influence": 40}, respondents=20, invited=20)).notices == ()
        assert refused(check, make({"influence": 40}, respondents=20, invited=19)) == ["invited"]
        assert refused(check, make({"influence": 40}, respondents=20, invited=-1)) == ["invited"]


def test_a_measurement_may_be_dated_tomorrow_not_later(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        check(make({"influence": 40}, measured=TODAY + dt.timedelta(days=1)))
        assert refused(check, make({"influence": 40}, measured=TODAY + dt.timedelta(days=2))) == ["measured_on"]


def test_the_notices_start_exactly_at_their_limits(ruleset: RuleSet) -> None:
    assert (SMALL_GROUP, MIN_RESPONSE_RATE) == (10, 0.5)
    cases = [(SMALL_GROUP, None, set()), (SMALL_GROUP - 1, None, {"small-group"}),
             (20, 40, set()),  # exactly 50 %: not below
             (20, 41, {"low-response-rate"}),
             (SMALL_GROUP, 0, set())]  # invited 0: nothing to compare with
    for check in both(ruleset):
        for respondents, invited, codes in cases:
            notices = check(make({"influence": 40}, respondents, invited)).notices
            assert {n.code for n in notices} == codes, (respondents, invited)
        assert [n.code for n in check(make({}, respondents=20)).notices] == ["no-scores"]


def test_the_response_rate_notice_names_the_rate_and_the_counts(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        (notice,) = check(make({"influence": 40}, respondents=20, invited=80)).notices
        assert "25 %" in notice.text.en and "20 of 80" in notice.text.en


def test_department_texts_may_be_200_characters_not_more(ruleset: RuleSet) -> None:
    ok = "x" * 200
    for check in both(ruleset):
        check(make({"influence": 40}, dept=Department(ok, ok, ok)))
        for field, dept in (("department.id", Department(ok + "x")), ("department.name", Department("d", ok + "x")),
                            ("department.sector", Department("d", "", ok + "x"))):
            assert refused(check, make({"influence": 40}, dept=dept)) == [field]
        assert refused(check, make({"influence": 40}, dept=Department("   "))) == ["department.id"]


def test_numbers_are_kept_as_floats_rounded_to_six_decimals(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        values = check(make({"influence": 40, "work_pace": 60.5, "meaning": 33.12345678})).values
        assert values == {"influence": 40.0, "work_pace": 60.5, "meaning": 33.123457}
        assert all(type(v) is float for v in values.values())
        assert refused(check, make({"influence": True})) == ["scores.influence"]


def test_a_reported_share_becomes_one_persons_share() -> None:
    """docs/SURVEYS.md: a negative act from too few answers is "reported", and the engine is given
    one person's share of those who answered it (``persons``), or of the respondents."""
    p = profile_from_dict({"department": {"id": "d"}, "respondents": 8, "persons": {"bullying": 4},
                           "scores": {"bullying": "reported", "violence": "reported", "influence": 40}})
    assert dict(p.scores) == {"bullying": 25.0, "violence": 12.5, "influence": 40}
    assert p.reported == frozenset({"bullying", "violence"})
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"department": {"id": "d"}, "respondents": 8, "persons": {"bullying": 0},
                           "scores": {"bullying": "reported"}})
    assert [e.field for e in info.value.errors] == ["scores.bullying"]


def test_invited_must_be_a_whole_number_of_at_least_0(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        for invited in (True, -1):
            with pytest.raises(ProfileError) as info:
                check(make({"influence": 40}, respondents=20, invited=invited))  # type: ignore[arg-type]
            assert [(e.field, e.message) for e in info.value.errors] == [
                ("invited", "must be a whole number of at least 0")], invited


def test_one_person_who_answered_makes_a_reported_share_of_100() -> None:
    p = profile_from_dict({"department": {"id": "d"}, "respondents": 8, "persons": {"bullying": 1},
                           "scores": {"bullying": "reported"}})
    assert dict(p.scores) == {"bullying": 100.0}


def test_the_file_shape_keeps_every_department_field_and_an_empty_date_is_no_date() -> None:
    p = profile_from_dict({"department": {"id": "prod-3", "name": "Produktion, linje 3", "sector": "private-manual"},
                           "respondents": 24, "measured_on": "", "scores": {}})
    assert p.department == Department("prod-3", "Produktion, linje 3", "private-manual")
    assert p.measured_on is None


def test_a_department_is_a_value() -> None:
    department = Department("d", "Name", "care")
    assert department == Department("d", "Name", "care") and len({department, Department("d", "Name", "care")}) == 1
    with pytest.raises(AttributeError):
        department.name = "Other"  # type: ignore[misc]
