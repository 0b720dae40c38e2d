"""Scoring a survey export: privacy by difference with several departments, where problems are
located, and how many are listed (tests/mutation/run.py: the mutants of engine/survey.py these kill;
docs/TESTING.md, "Mutation testing").

Oracles: docs/SURVEYS.md — the header is row 1 and every problem names its row and column (as a
spreadsheet counts them, from 1); a roll-up unit is not shown when it would give a small department
away by difference; a negative act answered by fewer than 20 persons reads "reported"; and
engine/survey.py's published limits (``MAX_PROBLEMS``; an error message lists five problems and
says how many more there are).
"""

from __future__ import annotations

import pytest

from trivsel.engine.model import RuleSet
from trivsel.engine.survey import MAX_PROBLEMS, SurveyError, SurveyProblem, SurveyResult, SurveySpec, score_survey

ROLL_UP = SurveySpec(roll_up=("division",))


def score(ruleset: RuleSet, rows: list[dict[str, str]], columns: list[str], spec: SurveySpec = ROLL_UP,
          min_group: int = 5) -> SurveyResult:
    body = [[row.get(c, "") for c in columns] for row in rows]
    return score_survey(ruleset.instruments["copsoq3"], columns, body, spec, min_group)


def problems(ruleset: RuleSet, header: list[str], body: list[list[str]]) -> SurveyError:
    with pytest.raises(SurveyError) as info:
        score_survey(ruleset.instruments["copsoq3"], header, body, SurveySpec(), 5)
    return info.value


def department(name: str, n: int, **answers: str) -> list[dict[str, str]]:
    return [{"department": name, "division": "D", "QD1": "2", "QD2": "2", **answers} for _ in range(n)]


def test_a_small_department_is_not_given_away_by_difference_beside_several_shown_ones(ruleset: RuleSet) -> None:
    """D = A, B, C (6 each, shown) + S (3, refused): D minus A, B and C would be S's three, so D is
    refused by difference — however many shown departments stand beside S."""
    rows = department("A", 6) + department("B", 6) + department("C", 6) + department("S", 3)
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2"])
    assert [(r.id, r.level, r.respondents, r.by_difference) for r in result.refused] == [
        ("S", "", 3, False), ("D", "division", 21, True)]
    assert {(u.id, u.level) for u in result.units} == {("A", ""), ("B", ""), ("C", "")}


def test_a_scale_left_out_below_is_left_out_above_beside_several_departments(ruleset: RuleSet) -> None:
    """A has ten respondents but only two answered the work-pace items: A's work pace is left out,
    and so is D's (D minus B and C would be A's two), however many departments stand beside A."""
    rows = [{"department": "A", "division": "D", "QD1": "2", "QD2": "2", "WP1": "1" if n < 2 else "",
             "WP2": "1" if n < 2 else ""} for n in range(10)]
    rows += department("B", 8, WP1="4", WP2="4") + department("C", 8, WP1="4", WP2="4")
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2", "WP1", "WP2"])
    division = next(u for u in result.units if u.level == "division")
    assert "work_pace" not in division.scores and "work_pace" not in division.persons
    assert division.scores["quantitative_demands"] == 75.0


def test_a_negative_act_from_exactly_20_answers_is_a_share_in_the_roll_up_too(ruleset: RuleSet) -> None:
    """20 answers are enough (fewer than 20 are "reported"): the department's share shows, and
    nothing under the division was banded, so the division's share shows too."""
    rows = [{"department": "A", "division": "D", "BU": "1" if n < 4 else "5"} for n in range(20)]
    rows += [{"department": "B", "division": "D", "BU": "5"} for _ in range(20)]
    result = score(ruleset, rows, ["department", "division", "BU"])
    a = next(u for u in result.units if u.id == "A")
    division = next(u for u in result.units if u.level == "division")
    assert (a.scores["bullying"], a.reported) == (20.0, frozenset())
    assert (division.scores["bullying"], division.reported) == (10.0, frozenset())


def test_a_duplicated_column_is_a_problem_of_the_header_row(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["department", "QD1", "QD1"], [["A", "1", "1"]] * 5)
    assert [(p.row, p.column, p.code) for p in error.problems] == [(1, "QD1", "duplicate-column")]


def test_a_cell_under_a_column_without_a_header_is_named_by_its_column_number(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["department", "QD1", "", "QD2"], [["A", "1", "", "1"]] * 5 + [["A", "1", "x", "1"]])
    assert [(p.row, p.column, p.code) for p in error.problems] == [(7, "#3", "unnamed-column")]


def test_a_row_with_more_cells_than_the_header_is_refused_unless_they_are_empty(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    fine = score_survey(ruleset.instruments["copsoq3"], header, [["A", "1", "1", "", ""]] * 5, SurveySpec(), 5)
    assert fine.units[0].respondents == 5
    error = problems(ruleset, header, [["A", "1", "1"]] * 5 + [["A", "1", "1", "x"]])
    assert [(p.row, p.code) for p in error.problems] == [(7, "row-width")]


def test_an_answer_is_read_with_spaces_around_it_and_a_blank_row_is_no_respondent(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    body = [["A", " 1 ", "1"], ["", "", ""]] * 5
    result = score_survey(ruleset.instruments["copsoq3"], header, body, SurveySpec(), 5)
    assert (result.rows, result.units[0].respondents, result.units[0].scores["quantitative_demands"]) == (5, 5, 100.0)


def test_a_header_without_rows_is_a_problem_of_the_file(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["department", "QD1"], [])
    assert [(p.row, p.code) for p in error.problems] == [(0, "no-rows")]
    assert str(error) == "the file: no respondent rows under the header"


def test_the_message_lists_five_problems_and_counts_the_rest() -> None:
    rows = [SurveyProblem(n, "QD1", "bad") for n in range(2, 8)]
    listed = "; ".join(f"row {n}, column QD1: bad" for n in range(2, 7))
    assert str(SurveyError(rows[:5])) == listed  # five: all of them, nothing more
    assert str(SurveyError(rows)) == listed + " … and 1 more"


def test_at_most_max_problems_are_listed_and_the_rest_counted(ruleset: RuleSet) -> None:
    n = MAX_PROBLEMS + 7
    error = problems(ruleset, ["department", "QD1"], [["A", "9"]] * n)
    assert (len(error.problems), error.more) == (MAX_PROBLEMS, 7)
    assert str(error).endswith(f" … and {MAX_PROBLEMS - 5 + 7} more")
    assert error.problems[0].row == 2 and error.problems[-1].row == MAX_PROBLEMS + 1
    header = ["department", *(f"X{k}" for k in range(n))]
    error = problems(ruleset, header, [["A", *("1" for _ in range(n))]] * 5)
    assert (len(error.problems), error.more) == (MAX_PROBLEMS, 7)
    few = problems(ruleset, ["department", "QD1"], [["A", "9"]] * 3)
    assert (len(few.problems), few.more) == (3, 0)


def test_a_known_departments_title_and_sector_reach_its_profile_not_the_roll_up(ruleset: RuleSet) -> None:
    rows = department("A", 6)
    spec = SurveySpec(roll_up=("division",), departments={"A": ("Afdeling A", "municipal")})
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2"], spec)
    a = next(u for u in result.units if u.id == "A")
    division = next(u for u in result.units if u.level == "division")
    assert (a.name, a.sector) == ("Afdeling A", "municipal")
    assert (division.name, division.sector) == ("", "")
    assert (result.rows, result.instrument) == (6, "copsoq3")


def test_every_bad_row_is_listed_and_skipping_keeps_the_rows_after_one(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    body = [["A", "1", "1"], ["", "1", "1"], ["A", "1", "1"], ["", "1", "1"]] + [["A", "2", "2"]] * 5
    error = problems(ruleset, header, body)
    assert [(p.row, p.code) for p in error.problems] == [(3, "no-department"), (5, "no-department")]
    result = score_survey(ruleset.instruments["copsoq3"], header, body, SurveySpec(skip_bad_rows=True), 5)
    assert [p.row for p in result.skipped] == [3, 5]
    assert result.units[0].respondents == 7


def test_problems_with_the_columns_count_none_beyond_those_listed(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["department", "X1", "X2", "X3"], [["A", "1", "1", "1"]] * 5)
    assert (len(error.problems), error.more) == (3, 0)
    assert "more" not in str(error)


def test_the_message_counts_the_rest_however_many_there_are(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["department", "QD1"], [["A", "9"]] * (2 * MAX_PROBLEMS))
    assert error.more == MAX_PROBLEMS and str(error).endswith(f" … and {2 * MAX_PROBLEMS - 5} more")


def test_the_profile_file_names_the_sector_only_when_there_is_one(ruleset: RuleSet) -> None:
    spec = SurveySpec(departments={"A": ("Afdeling A", "municipal"), "B": ("Afdeling B", "")})
    rows = department("A", 6) + department("B", 6)
    result = score(ruleset, rows, ["department", "QD1", "QD2"], spec)
    shapes = {u.id: u.to_dict("copsoq3")["department"] for u in result.units}
    assert shapes == {"A": {"id": "A", "name": "Afdeling A", "sector": "municipal"},
                      "B": {"id": "B", "name": "Afdeling B"}}


def test_a_header_problem_stops_nothing_after_it(ruleset: RuleSet) -> None:
    error = problems(ruleset, ["QD1", "QD1", "department", "X9"], [["1", "1", "A", "1"]] * 5)
    assert [(p.row, p.column, p.code) for p in error.problems] == [(1, "QD1", "duplicate-column"),
                                                                   (1, "X9", "unknown-item")]
    error = problems(ruleset, ["department", "respondent_id"], [["A", "r1"]] * 5)
    assert [(p.row, p.code) for p in error.problems] == [(1, "no-items")]


def test_every_negative_act_from_too_few_answers_reads_reported(ruleset: RuleSet) -> None:
    """Six respondents, one reports bullying and one violence: neither share may be shown."""
    rows = [{"department": "A", "BU": "1" if n == 0 else "5", "PV": "1" if n == 1 else "5"} for n in range(6)]
    (unit,) = score(ruleset, rows, ["department", "BU", "PV"], SurveySpec()).units
    assert unit.reported == {"bullying", "violence"}
    assert unit.to_dict("copsoq3")["scores"] == {"bullying": "reported", "violence": "reported"}


def test_a_roll_up_scale_shows_when_what_was_left_out_below_is_a_group_of_its_own(ruleset: RuleSet) -> None:
    """A and C each left out three persons' work pace (too few); D minus B would be those six
    together — no fewer than a group that may be shown — so D's work pace is shown."""
    def few_answer_pace(name: str) -> list[dict[str, str]]:
        return [{"department": name, "division": "D", "QD1": "2", "QD2": "2", "WP1": "1" if n < 3 else "",
                 "WP2": "1" if n < 3 else ""} for n in range(10)]

    rows = few_answer_pace("A") + few_answer_pace("C") + department("B", 8, WP1="4", WP2="4")
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2", "WP1", "WP2"])
    division = next(u for u in result.units if u.level == "division")
    assert division.persons["work_pace"] == 14
    assert division.scores["work_pace"] == round((6 * 100 + 8 * 25) / 14, 6)


def test_a_department_name_may_have_200_characters_not_more(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    ok = score_survey(ruleset.instruments["copsoq3"], header, [["x" * 200, "1", "1"]] * 5, SurveySpec(), 5)
    assert ok.units[0].id == "x" * 200
    error = problems(ruleset, header, [["x" * 201, "1", "1"]] * 5)
    assert {(p.code, p.column) for p in error.problems} == {("too-long", "department")}


def test_skipping_drops_a_row_with_an_answer_outside_the_coding(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    body = [["A", "1", "1"]] * 5 + [["A", "9", "5"]]
    result = score_survey(ruleset.instruments["copsoq3"], header, body, SurveySpec(skip_bad_rows=True), 5)
    assert [(p.row, p.code) for p in result.skipped] == [(7, "bad-answer")]
    assert (result.units[0].respondents, result.units[0].scores["quantitative_demands"]) == (5, 100.0)


def test_what_was_withheld_below_may_show_by_difference_once_it_is_a_group_of_five(ruleset: RuleSet) -> None:
    """S1 (3) and S2 (2) are refused; D1 minus A would be the five of them together: a group that
    may be shown, so D1 is shown. D0 (A2 shown, S0 of 2 refused) is refused by difference, and
    that does not stop D1 from being considered."""
    rows = [dict(r, division="D1") for r in department("A", 6) + department("S1", 3) + department("S2", 2)]
    rows += [dict(r, division="D0") for r in department("A2", 6) + department("S0", 2)]
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2"])
    assert [(r.id, r.level, r.by_difference) for r in result.refused] == [
        ("S0", "", False), ("S1", "", False), ("S2", "", False), ("D0", "division", True)]
    assert next(u for u in result.units if u.id == "D1").respondents == 11


def test_a_roll_up_scale_shows_when_exactly_five_persons_were_left_out_below(ruleset: RuleSet) -> None:
    def pace(name: str, answered: int) -> list[dict[str, str]]:
        return [{"department": name, "division": "D", "QD1": "2", "QD2": "2", "WP1": "1" if n < answered else "",
                 "WP2": "1" if n < answered else ""} for n in range(10)]

    rows = pace("A", 3) + pace("C", 2) + department("B", 8, WP1="4", WP2="4")
    division = next(u for u in score(ruleset, rows, ["department", "division", "QD1", "QD2", "WP1", "WP2"]).units
                    if u.level == "division")
    assert division.persons["work_pace"] == 13


def test_one_refused_respondent_is_not_given_away_by_difference(ruleset: RuleSet) -> None:
    rows = department("A", 6) + department("S", 1)
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2"])
    assert [(r.id, r.level, r.by_difference) for r in result.refused] == [("S", "", False), ("D", "division", True)]


def test_one_persons_left_out_scale_is_not_given_away_by_difference(ruleset: RuleSet) -> None:
    rows = [{"department": "A", "division": "D", "QD1": "2", "QD2": "2", "WP1": "1" if n == 0 else "",
             "WP2": "1" if n == 0 else ""} for n in range(10)]
    rows += department("B", 8, WP1="4", WP2="4")
    result = score(ruleset, rows, ["department", "division", "QD1", "QD2", "WP1", "WP2"])
    division = next(u for u in result.units if u.level == "division")
    assert "work_pace" not in division.scores


def test_a_roll_up_share_under_one_percent_is_reported_where_a_department_was_banded(ruleset: RuleSet) -> None:
    """B: 1 of 6 (banded). D: 1 of 206, under 1 % — still B's report by difference: "reported"."""
    rows = [{"department": "A", "division": "D", "BU": "5"} for _ in range(200)]
    rows += [{"department": "B", "division": "D", "BU": "1" if n == 0 else "5"} for n in range(6)]
    division = next(u for u in score(ruleset, rows, ["department", "division", "BU"]).units if u.level == "division")
    assert division.reported == {"bullying"}


def test_a_roll_up_share_is_reported_where_a_department_under_it_had_too_few_answers_and_no_report(
        ruleset: RuleSet) -> None:
    """B's 0 of 6 is banded too (too few answers); D minus A would give B's 0 back."""
    rows = [{"department": "A", "division": "D", "BU": "1" if n < 2 else "5"} for n in range(25)]
    rows += [{"department": "B", "division": "D", "BU": "5"} for _ in range(6)]
    units = {u.id: u for u in score(ruleset, rows, ["department", "division", "BU"]).units}
    assert (units["B"].scores["bullying"], units["B"].reported) == (0.0, frozenset())
    assert units["D"].reported == {"bullying"}


def test_a_roll_up_of_departments_with_enough_answers_shows_its_share(ruleset: RuleSet) -> None:
    rows = [{"department": name, "division": "D", "BU": "1" if n < 5 else "5"} for name in "AC" for n in range(25)]
    units = {u.id: u for u in score(ruleset, rows, ["department", "division", "BU"]).units}
    assert (units["D"].scores["bullying"], units["D"].reported) == (20.0, frozenset())


def test_19_answers_to_a_negative_act_are_too_few_by_default(ruleset: RuleSet) -> None:
    rows = [{"department": "A", "BU": "1" if n < 4 else "5"} for n in range(19)]
    (unit,) = score(ruleset, rows, ["department", "BU"], SurveySpec()).units
    assert unit.reported == {"bullying"}


def test_only_the_codings_positions_are_answers(ruleset: RuleSet) -> None:
    header = ["department", "QD1", "QD2"]
    for bad in ("0", "6"):
        error = problems(ruleset, header, [["A", "1", "1"]] * 5 + [["A", bad, "1"]])
        assert [(p.row, p.column, p.code) for p in error.problems] == [(7, "QD1", "bad-answer")], bad


def test_a_column_without_a_header_hides_no_column_after_it(ruleset: RuleSet) -> None:
    result = score_survey(ruleset.instruments["copsoq3"], ["department", "", "QD1", "QD2"], [["A", "", "1", "1"]] * 5,
                          SurveySpec(), 5)
    assert result.units[0].scores["quantitative_demands"] == 100.0


def test_the_profile_file_names_the_level_of_a_roll_up_only(ruleset: RuleSet) -> None:
    units = score(ruleset, department("A", 6), ["department", "division", "QD1", "QD2"]).units
    shapes = {u.id: u.to_dict("copsoq3") for u in units}
    assert "level" not in shapes["A"] and shapes["D"]["level"] == "division"


def test_what_scoring_returns_cannot_be_changed_afterwards(ruleset: RuleSet) -> None:
    import dataclasses

    result = score(ruleset, department("A", 6) + department("S", 2), ["department", "division", "QD1", "QD2"])
    problem = SurveyProblem(2, "QD1", "bad")
    for thing, field in ((result, "rows"), (result.units[0], "respondents"), (result.refused[0], "respondents"),
                         (problem, "row"), (ROLL_UP, "roll_up")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, field, 1)
