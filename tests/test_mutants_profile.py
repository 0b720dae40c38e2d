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


def test_a_dimension_with_a_range_of_its_own_is_held_to_it_on_the_fast_path(ruleset: RuleSet) -> None:
    """The fast path checks most dimensions against the range they share and the others one by one:
    a dimension whose range (10–50) lies inside the shared one must still refuse 5 and 55."""
    import dataclasses

    dims = dict(ruleset.dimensions)
    dims["influence"] = dataclasses.replace(dims["influence"], minimum=10.0, maximum=50.0)
    narrow = dataclasses.replace(ruleset, dimensions=MappingProxyType(dims))
    for check in both(narrow):
        for value in (10, 10.0, 30.5, 50, 50.0):
            assert check(make({"influence": value, "meaning": 40})).values["influence"] == float(value)
        for value in (5, 9.999, 50.001, 55):
            assert refused(check, make({"influence": value, "meaning": 40})) == ["scores.influence"], value


def test_without_a_given_day_the_fast_path_allows_tomorrow_and_not_later(ruleset: RuleSet) -> None:
    checker = ProfileChecker(ruleset)
    today = dt.date.today()
    for check in (checker.check, lambda p: check_profile(p, ruleset)):
        check(make({"influence": 40}, measured=today + dt.timedelta(days=1)))
        with pytest.raises(ProfileError):
            check(make({"influence": 40}, measured=today + dt.timedelta(days=2)))


def test_a_refusal_is_too_small_only_when_the_group_is_all_that_is_wrong(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        with pytest.raises(ProfileError) as small:
            check(make({"influence": 400}, respondents=3))
        with pytest.raises(ProfileError) as bad:
            check(make({"influence": 400}))
        assert small.value.too_small_only is True and bad.value.too_small_only is False


def test_the_response_rate_is_a_whole_percentage_rounded_to_the_nearest(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        for respondents, invited, shown in ((444, 1000, "44 %"), (255, 1000, "26 %"), (20, 80, "25 %")):
            (notice,) = check(make({"influence": 40}, respondents=respondents, invited=invited)).notices
            assert f"The response rate is {shown} ({respondents} of {invited})" in notice.text.en


def test_a_boolean_is_no_number_of_respondents(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        with pytest.raises(ProfileError) as info:
            check(make({"influence": 40}, respondents=True))  # type: ignore[arg-type]
        assert [(e.field, e.message) for e in info.value.errors] == [("respondents", "must be a whole number")]


def test_at_most_1000_scores_and_the_first_50_problems(ruleset: RuleSet) -> None:
    """engine/profile.py: a profile with more than 1000 scores is refused before it is read; a
    hostile profile gets the first 50 problems."""
    for check in both(ruleset):
        with pytest.raises(ProfileError) as many:
            check(make({f"x{n}": 1 for n in range(1000)}))
        assert len(many.value.errors) == 50 and all(e.code == "unknown" for e in many.value.errors)
        with pytest.raises(ProfileError) as too_many:
            check(make({f"x{n}": 1 for n in range(1001)}))
        assert [(e.field, e.code) for e in too_many.value.errors] == [("scores", "too-many")]


def test_a_long_unknown_key_is_named_by_its_first_80_characters(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        for key, field in (("k" * 80, "scores." + "k" * 80), ("k" * 81, "scores." + "k" * 80 + "…")):
            assert refused(check, make({key: 1})) == [field]


def test_every_bad_score_is_named_whatever_comes_first(ruleset: RuleSet) -> None:
    for check in both(ruleset):
        found = refused(check, make({"burnout": "high", "influence": 10 ** 400, "meaning": 400}))
        assert found == ["scores.burnout", "scores.influence", "scores.meaning"]


def test_the_file_shape_needs_respondents_and_reads_dates_given_as_dates() -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"department": {"id": "d", "unit": "x"}, "scores": {"bullying": "reported"}})
    found = {(e.field, e.code) for e in info.value.errors}
    assert found >= {("respondents", "required"), ("department.unit", "unknown")}
    assert "scores.bullying" in {e.field for e in info.value.errors}
    p = profile_from_dict({"department": {"id": "d"}, "respondents": 0, "measured_on": dt.date(2025, 5, 1)})
    assert (p.respondents, p.measured_on) == (0, dt.date(2025, 5, 1))


def test_a_profile_and_its_problems_cannot_be_changed_once_made() -> None:
    import dataclasses

    from trivsel.engine.model import Text
    from trivsel.engine.profile import FieldError, Notice

    profile = make({"influence": 40})
    problem = FieldError("respondents", "must be a whole number")
    notice = Notice("small-group", Text("", ""))
    for thing, field in ((profile, "respondents"), (problem, "field"), (notice, "code")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, field, 3)
