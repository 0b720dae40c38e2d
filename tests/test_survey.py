"""Scoring survey answers: every scale against the COPSOQ III rule worked out by hand.

The bundled instruments (rules/instruments/) and respondent tables written here with known answers:
reversed items, the half-answered rule, empty cells, the group-size refusal, negative acts banded
below 20 answers, roll-up columns, and every kind of bad input with its row and column.
"""

from __future__ import annotations

import pytest

from trivsel.engine.profile import profile_from_dict
from trivsel.engine.survey import REPORTED, SurveyError, SurveySpec, score_survey

QD = ["QD1", "QD2", "QD3", "QD4"]  # QD4 is reversed


def _table(rows: list[dict[str, str]], columns: list[str]) -> tuple[list[str], list[list[str]]]:
    return columns, [[row.get(c, "") for c in columns] for row in rows]


PLAIN = SurveySpec(ignore=("division",))


def _score(ruleset, rows, columns, spec=PLAIN, instrument="copsoq3", min_group=5):
    header, body = _table(rows, columns)
    return score_survey(ruleset.instruments[instrument], header, body, spec, min_group)


def _unit(result, ident, level=""):
    return next(u for u in result.units if u.id == ident and u.level == level)


def _department_a() -> list[dict[str, str]]:
    """Seven respondents; by hand, with QD4 read from the other end (position p → (p − 1) × 25):
    r1 1,2,3,1 → 100, 75, 50, 0 → 56.25 · r2 5,5,–,– → half answered → 0 · r3 1,–,–,– → under
    half: no score · r4 2,2,2,5 → 75, 75, 75, 100 → 81.25 · r5 none (answers only WP1) ·
    r6 3,3,3,3 → 50 × 4 → 50 · r7 4,4,4,4 → 25, 25, 25, 75 → 37.5.
    Department: (56.25 + 0 + 81.25 + 50 + 37.5) / 5 = 45, on 5 persons.
    Bullying: r2 and r4 said yes, r3 did not answer: 2 of 6."""
    answers = [("1", "2", "3", "1", "5"), ("5", "5", "", "", "1"), ("1", "", "", "", ""), ("2", "2", "2", "5", "4"),
               ("", "", "", "", "5"), ("3", "3", "3", "3", "5"), ("4", "4", "4", "4", "5")]
    rows = []
    for n, (a, b, c, d, bu) in enumerate(answers, start=1):
        rows.append({"department": "A", "respondent_id": f"r{n}", "division": "D1", "QD1": a, "QD2": b, "QD3": c,
                     "QD4": d, "BU": bu, "WP1": "2" if n == 5 else ""})
    return rows


COLUMNS = ["respondent_id", "department", "division", *QD, "BU", "WP1", "IT1"]


def test_scales_follow_the_copsoq_rule(ruleset) -> None:
    result = _score(ruleset, _department_a(), COLUMNS, PLAIN)
    a = _unit(result, "A")
    assert a.respondents == 7  # every row answered at least one item
    assert a.scores["quantitative_demands"] == 45.0 and a.persons["quantitative_demands"] == 5
    assert "work_pace" not in a.scores  # r5 answered WP1 alone: one of three items is under half
    assert "illegitimate_tasks" not in a.scores  # nobody answered IT1


def test_a_score_resting_on_too_few_persons_is_left_out(ruleset) -> None:
    """Ten respondents, but only three answered the work-pace items: their mean would be those three
    people's answers, so it is not shown — nor, in the division, what it would give away."""
    rows = [{"department": "A", "division": "D", "QD1": "2", "QD2": "2", "WP1": "1" if n < 3 else "",
             "WP2": "1" if n < 3 else ""} for n in range(10)]
    rows += [{"department": "B", "division": "D", "QD1": "3", "QD2": "3", "WP1": "4", "WP2": "4"}] * 8
    result = _score(ruleset, rows, ["department", "division", "QD1", "QD2", "WP1", "WP2"],
                    SurveySpec(roll_up=("division",)))
    a = _unit(result, "A")
    assert "work_pace" not in a.scores and "work_pace" not in a.persons and a.scores["quantitative_demands"] == 75
    division = _unit(result, "D", "division")
    assert "work_pace" not in division.scores  # D minus B would be A's three
    assert division.scores["quantitative_demands"] == round((10 * 75 + 8 * 50) / 18, 6)


def test_a_roll_up_share_is_banded_where_a_department_under_it_is(ruleset) -> None:
    """B's one report among 6 reads "reported"; the division's 1 of 31 would give B's count back
    by difference (A has none), so it reads "reported" too."""
    rows = [{"department": "A", "division": "D", "BU": "5"}] * 25
    rows += [{"department": "B", "division": "D", "BU": "1" if n == 0 else "5"} for n in range(6)]
    result = _score(ruleset, rows, ["department", "division", "BU"], SurveySpec(roll_up=("division",)))
    assert _unit(result, "B").reported == {"bullying"}
    division = _unit(result, "D", "division")
    assert division.reported == {"bullying"} and division.to_dict("copsoq3")["scores"]["bullying"] == REPORTED


def test_a_single_item_scale_needs_its_item(ruleset) -> None:
    rows = [{"department": "A", "IT1": str(p)} for p in (1, 2, 3, 4, 5)] + [{"department": "A", "IT1": "", "QD1": "1"}]
    a = _unit(_score(ruleset, rows, ["department", "IT1", "QD1"]), "A")
    assert a.scores["illegitimate_tasks"] == (100 + 75 + 50 + 25 + 0) / 5 and a.persons["illegitimate_tasks"] == 5
    assert a.respondents == 6


def test_negative_acts_are_a_share_and_banded_below_20_answers(ruleset) -> None:
    small = _unit(_score(ruleset, _department_a(), COLUMNS), "A")
    assert small.persons["bullying"] == 6 and "bullying" in small.reported
    assert small.scores["bullying"] == round(100 / 6, 6)  # one person of six: all a small group's answer says
    assert small.to_dict("copsoq3")["scores"]["bullying"] == REPORTED
    large_rows = [{"department": "B", "BU": "1" if n < 3 else ("5" if n < 20 else "")} for n in range(24)]
    large = _unit(_score(ruleset, large_rows, ["department", "BU"]), "B")
    assert large.persons["bullying"] == 20 and large.scores["bullying"] == 15.0 and not large.reported
    none = _unit(_score(ruleset, [{"department": "C", "BU": "5"}] * 6, ["department", "BU"]), "C")
    assert none.scores["bullying"] == 0.0 and not none.reported  # nobody: nothing to hide


def test_reversed_items_read_from_the_other_end(ruleset) -> None:
    rows = [{"department": "A", "QD4": "1"}] * 3 + [{"department": "A", "QD4": "5"}] * 2
    # QD4 alone is 1 of 4 items: under half, no score; with QD3 answered it counts
    rows = [dict(r, QD3="1") for r in rows]
    a = _unit(_score(ruleset, rows, ["department", "QD3", "QD4"]), "A")
    expected = (3 * (100 + 0) / 2 + 2 * (100 + 100) / 2) / 5
    assert a.scores["quantitative_demands"] == expected


def test_small_units_are_refused_with_their_count_only(ruleset) -> None:
    rows = _department_a() + [{"department": "B", "division": "D1", "QD1": "1", "QD2": "1"}] * 4
    result = _score(ruleset, rows, COLUMNS, SurveySpec(roll_up=("division",)))
    assert next((r.id, r.level, r.respondents) for r in result.refused) == ("B", "", 4)
    assert "B" not in {u.id for u in result.units}


def test_a_roll_up_rests_on_all_its_respondents(ruleset) -> None:
    rows = _department_a() + [{"department": "C", "division": "D1", "QD1": "1", "QD2": "1"}] * 6  # 100 each
    division = _unit(_score(ruleset, rows, COLUMNS, SurveySpec(roll_up=("division",))), "D1", "division")
    assert division.respondents == 13
    assert division.scores["quantitative_demands"] == (56.25 + 0 + 81.25 + 50 + 37.5 + 6 * 100) / 11
    assert division.persons["quantitative_demands"] == 11


def test_a_roll_up_never_gives_a_small_department_away_by_difference(ruleset) -> None:
    """Division D1 = A (6, shown) + B (4, refused): D1 minus A would be B's answers, so D1 is not
    shown either. With a second small department E (3) in it, D1 minus A is B and E together: seven
    people, no smaller than any group that may be shown, so D1 may be shown."""
    b = [{"department": "B", "division": "D1", "QD1": "1", "QD2": "1"}] * 4
    result = _score(ruleset, _department_a() + b, COLUMNS, SurveySpec(roll_up=("division",)))
    assert [(r.id, r.level, r.by_difference) for r in result.refused] == [("B", "", False), ("D1", "division", True)]
    e = [{"department": "E", "division": "D1", "QD1": "3", "QD2": "3"}] * 3
    result = _score(ruleset, _department_a() + b + e, COLUMNS, SurveySpec(roll_up=("division",)))
    assert [(r.id, r.level) for r in result.refused] == [("B", ""), ("E", "")]
    assert _unit(result, "D1", "division").respondents == 14


def test_the_profile_file_reads_back(ruleset) -> None:
    a = _unit(_score(ruleset, _department_a(), COLUMNS), "A")
    profile = profile_from_dict(a.to_dict("copsoq3"))
    assert profile.respondents == 7 and profile.scores["quantitative_demands"] == 45.0
    assert profile.scores["bullying"] == round(100 / 6, 6)  # "reported" → one person of the six who answered
    assert profile.reported == {"bullying"}


def test_respondent_ids_never_reach_a_result(ruleset) -> None:
    result = _score(ruleset, _department_a(), COLUMNS, PLAIN)
    assert "r1" not in repr(result)


@pytest.mark.parametrize("change, where, code", [
    (lambda h, b: (h[:1] + ["QD5" if c == "QD4" else c for c in h[1:]], b), (1, "QD5"), "unknown-item"),
    (lambda h, b: ([c if c != "department" else "afdeling" for c in h], b), (1, "department"), "missing-column"),
    (lambda h, b: (h, [r if n != 2 else [*r[:3], "9", *r[4:]] for n, r in enumerate(b)]), (4, "QD1"), "bad-answer"),
    (lambda h, b: (h, [r if n != 1 else [r[0], "", *r[2:]] for n, r in enumerate(b)]), (3, "department"),
     "no-department"),
    (lambda h, b: (h, [r if n != 3 else ["r1", *r[1:]] for n, r in enumerate(b)]), (5, "respondent_id"),
     "duplicate-respondent"),
    (lambda h, b: (h, [r if n != 0 else r[:-1] for n, r in enumerate(b)]), (2, ""), "row-width"),
])
def test_bad_input_is_located_and_nothing_is_scored(ruleset, change, where, code) -> None:
    header, body = change(*_table(_department_a(), COLUMNS))
    with pytest.raises(SurveyError) as info:
        score_survey(ruleset.instruments["copsoq3"], header, body, PLAIN, 5)
    problem = info.value.problems[0]
    assert (problem.row, problem.column, problem.code) == (*where, code)
    if code == "unknown-item":
        assert problem.suggestion == "QD4"


def test_bad_rows_can_be_skipped_and_are_listed(ruleset) -> None:
    header, body = _table(_department_a(), COLUMNS)
    body[2][3] = "x"  # row 4, QD1
    result = score_survey(ruleset.instruments["copsoq3"], header, body,
                          SurveySpec(ignore=("division",), skip_bad_rows=True), 5)
    assert [(p.row, p.column) for p in result.skipped] == [(4, "QD1")]
    assert _unit(result, "A").respondents == 6


def test_unknown_departments_against_a_list(ruleset) -> None:
    header, body = _table(_department_a(), COLUMNS)
    spec = SurveySpec(ignore=("division",), departments={"A1": ("Afdeling A", "municipal")})
    with pytest.raises(SurveyError) as info:
        score_survey(ruleset.instruments["copsoq3"], header, body, spec, 5)
    assert info.value.problems[0].code == "unknown-department" and info.value.problems[0].suggestion == "A1"


def test_a_reported_share_is_never_shown_even_in_a_large_group(ruleset, recommender) -> None:
    """25 respondents, but only 10 answered the bullying item (2 said yes): no share may be shown,
    though the group is large enough for the rest. The answer says "at least one respondent"."""
    from trivsel.engine import Options

    rows = [{"department": "A", "QD1": "3", "QD2": "3", "BU": ("1" if n < 2 else "5") if n < 10 else ""}
            for n in range(25)]
    unit = _unit(_score(ruleset, rows, ["department", "QD1", "QD2", "BU"]), "A")
    assert unit.respondents == 25 and unit.reported == {"bullying"} and unit.persons["bullying"] == 10
    result = recommender.recommend(unit.profile(), Options(language="da"))
    text = repr(result)
    assert "negative-acts-policy" in result.must_act_ids
    assert "mindst én af de svarende" in text and "10 %" not in text and "20 %" not in text


def test_a_bad_instrument_is_refused_like_a_bad_rule(rules_copy) -> None:
    from trivsel.engine import check_ruleset

    folder = rules_copy(files={"instruments/zz.yaml": """
        instrument:
          id: zz
          title: {da: "Prøve", en: "Trial"}
          coding: [100, 50, 0]
          items:
            - {code: A1, dimension: influense}
            - {code: A2, dimension: influence}
            - {code: a2, dimension: influence}
            - {code: A3, dimension: bullying}
            - {code: A4, dimension: sickness_absence_pct}
            - {code: A5, dimension: influence, exposed: [1]}
        """})
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None
    found = {(p.position.line, p.position.column, p.code) for p in problems if p.position.file.endswith("zz.yaml")}
    assert (6, 29, "unknown-dimension") in found
    assert (8, 14, "duplicate-id") in found            # 'a2' is 'A2' in any case
    assert (9, 29, "no-exposure") in found             # a share needs its exposed positions
    assert (10, 29, "not-a-survey-scale") in found     # absence comes from records
    assert (11, 49, "bad-share") in found              # a scale is coded, not counted
    unknown = next(p for p in problems if p.code == "unknown-dimension" and p.position.file.endswith("zz.yaml"))
    assert unknown.suggestion == "influence"
