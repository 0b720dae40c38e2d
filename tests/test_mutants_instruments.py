"""The instrument scorer, by the COPSOQ III rule worked out by hand (tests/mutation/run.py: the mutants
of engine/instruments.py these kill; docs/TESTING.md, "Mutation testing").

Oracle: docs/SURVEYS.md §3 — positions coded 100 / 75 / 50 / 25 / 0 from the top option down, a
reversed item from the other end; a person's scale score is the mean of the items answered if at
least half were answered; a department's score is the mean of its persons' scores, resting on that
many persons; a negative act is the share of those who answered its item(s) who said yes at any
frequency; ``respondents`` is who answered at least one item. The bundled instrument
(rules/instruments/copsoq3.yaml) and instruments built here from the same classes.
"""

from __future__ import annotations

import numpy as np
import pytest

from trivsel.engine.instruments import MAX_POSITIONS, Instrument, Item, score_groups
from trivsel.engine.model import RuleSet, Text

COPSOQ = (100.0, 75.0, 50.0, 25.0, 0.0)


def instrument(items: list[Item], coding: tuple[float, ...] = COPSOQ, shares: frozenset[str] = frozenset()
               ) -> Instrument:
    return Instrument("test", Text("test", "test"), coding, tuple(items), shares)


def matrix(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(rows[0]) if rows else 0)


def test_every_position_is_coded_and_a_reversed_item_reads_from_the_other_end() -> None:
    scale = instrument([Item("A", "influence"), Item("R", "meaning", reversed=True)])
    answers = matrix([[p, p] for p in range(1, 6)])
    results = score_groups(scale, answers, np.arange(5), 5)
    assert [r.scores["influence"] for r in results] == [100.0, 75.0, 50.0, 25.0, 0.0]
    assert [r.scores["meaning"] for r in results] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert all(r.persons == {"influence": 1, "meaning": 1} and r.respondents == 1 for r in results)


def test_a_scale_score_needs_half_of_its_items() -> None:
    """Three items: one answered is under half (no score), two is enough; four items: two is half."""
    three = instrument([Item(f"T{k}", "influence") for k in range(3)] + [Item(f"F{k}", "meaning") for k in range(4)])
    answers = matrix([[1, 0, 0, 1, 0, 0, 0],    # one of three; one of four: no scores
                      [1, 3, 0, 1, 3, 0, 0]])   # two of three (100 and 50: 75); two of four
    first, second = score_groups(three, answers, np.array([0, 1]), 2)
    assert (first.scores, first.persons, first.respondents) == ({}, {}, 1)
    assert second.scores == {"influence": 75.0, "meaning": 75.0} and second.persons == {"influence": 1, "meaning": 1}


def test_a_department_is_the_mean_of_its_persons_rounded_to_six_decimals() -> None:
    """Persons 100, 75 and 75 (one of them from two items, 100 and 50): (100 + 75 + 75) / 3."""
    scale = instrument([Item("A", "influence"), Item("B", "influence")])
    answers = matrix([[1, 1], [2, 0], [1, 3], [0, 0]])
    (group,) = score_groups(scale, answers, np.zeros(4, dtype=np.intp), 1)
    assert group.scores == {"influence": round(250 / 3, 6)} == {"influence": 83.333333}
    assert (group.persons, group.respondents) == ({"influence": 3}, 3)


def test_groups_are_scored_apart() -> None:
    scale = instrument([Item("A", "influence")])
    answers = matrix([[1], [5], [3], [0]])
    results = score_groups(scale, answers, np.array([1, 0, 1, 2]), 3)
    assert [(r.scores, r.persons, r.respondents) for r in results] == [
        ({"influence": 0.0}, {"influence": 1}, 1), ({"influence": 75.0}, {"influence": 2}, 2), ({}, {}, 0)]


def test_a_negative_act_is_the_share_of_those_who_answered_who_said_yes_at_any_frequency() -> None:
    """Two bullying items, yes = positions 1–4. Persons: yes on the first; yes on the second only;
    no and no; no and unanswered; nothing answered (not counted). 2 of 4."""
    yes = frozenset({1, 2, 3, 4})
    acts = instrument([Item("B1", "bullying", yes=yes), Item("B2", "bullying", yes=yes)],
                      shares=frozenset({"bullying"}))
    answers = matrix([[1, 5], [5, 4], [5, 5], [5, 0], [0, 0]])
    (group,) = score_groups(acts, answers, np.zeros(5, dtype=np.intp), 1)
    assert (group.scores, group.persons, group.respondents) == ({"bullying": 50.0}, {"bullying": 4}, 4)


def test_the_bundled_copsoq_instrument_scores_the_documented_example(ruleset: RuleSet) -> None:
    """docs/SURVEYS.md: QD4 reversed; answers 1, 2, 3, 1 give 100, 75, 50, 0 → 56.25; 5, 5, –, – give
    0 (two of four: half); 1, –, –, – no score (one of four)."""
    copsoq = ruleset.instruments["copsoq3"]
    columns = [copsoq.codes.index(c) for c in ("QD1", "QD2", "QD3", "QD4")]
    answers = np.zeros((3, len(copsoq.items)), dtype=np.int8)
    for row, given in enumerate(([1, 2, 3, 1], [5, 5, 0, 0], [1, 0, 0, 0])):
        answers[row, columns] = given
    results = score_groups(copsoq, answers, np.arange(3), 3)
    assert [r.scores.get("quantitative_demands") for r in results] == [56.25, 0.0, None]


def test_an_eleven_point_scale_is_coded_to_its_last_position() -> None:
    coding = tuple(float(v) for v in range(0, 101, 10))
    assert len(coding) == MAX_POSITIONS
    scale = instrument([Item("A", "influence"), Item("R", "meaning", reversed=True)], coding=coding)
    results = score_groups(scale, matrix([[1, 1], [11, 11]]), np.arange(2), 2)
    assert [(r.scores["influence"], r.scores["meaning"]) for r in results] == [(0.0, 100.0), (100.0, 0.0)]


def test_answers_that_do_not_fit_the_instrument_are_refused() -> None:
    scale = instrument([Item("A", "influence"), Item("B", "influence")])
    for answers, groups in ((np.zeros((2, 3), dtype=np.int8), np.zeros(2, dtype=np.intp)),
                            (np.zeros((2, 1), dtype=np.int8), np.zeros(2, dtype=np.intp)),
                            (np.zeros((2, 2), dtype=np.int8), np.zeros(3, dtype=np.intp)),
                            (np.zeros((2, 2), dtype=np.int8), np.zeros(1, dtype=np.intp)),
                            (np.zeros((2, 2, 1), dtype=np.int8), np.zeros(2, dtype=np.intp)),
                            (np.zeros(2, dtype=np.int8), np.zeros(2, dtype=np.intp))):
        with pytest.raises(ValueError):
            score_groups(scale, answers, groups, 1)


def test_an_instrument_names_its_dimensions_once_in_item_order(ruleset: RuleSet) -> None:
    scale = instrument([Item("A", "meaning"), Item("B", "influence"), Item("C", "meaning")])
    assert (scale.codes, scale.dimensions) == (("A", "B", "C"), ("meaning", "influence"))
    assert dict(scale.scales()) == {"meaning": (0, 2), "influence": (1,)}
    assert ruleset.instruments["copsoq3"].dimensions[:2] == ("quantitative_demands", "work_pace")


def test_an_instrument_and_its_results_are_values() -> None:
    import dataclasses

    item = Item("A", "influence")
    scale = instrument([item])
    (group,) = score_groups(scale, matrix([[1]]), np.zeros(1, dtype=np.intp), 1)
    for thing, field in ((item, "code"), (scale, "id"), (group, "respondents")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, field, 1)
