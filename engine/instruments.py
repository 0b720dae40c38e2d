"""Survey instruments, and scoring respondent answers into department scores.

An instrument (``rules/instruments/<id>.yaml``, loaded with the rule set) says how a survey's answer
positions are coded and which dimension each item measures. Scoring follows the COPSOQ III rule
(docs/SURVEYS.md):

* an answer position is coded by the instrument's ``coding`` (COPSOQ: 100 / 75 / 50 / 25 / 0 from
  the top option down); a reversed item is read from the other end;
* a person's score on a scale is the mean of the scale's items that person answered, if at least
  half of them were answered; otherwise the person has no score on it;
* a department's score is the mean of its persons' scores, and rests on that many persons;
* a negative act (a share of the respondents) is the share of those who answered an item of it that
  said yes at any frequency (the ``yes`` positions): 0–100.

The arithmetic works on one int8 matrix (respondents × items; 0 = no answer) and the department of
each row, for every department at once: numpy's ``bincount`` sums per department, so 100,000
respondents × 90 items take a fraction of a second (docs/BENCHMARKS.md, "Survey scoring").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: a server worker pins its CPUs first, and
    import numpy as np  # numpy's import starts threads that would escape the pinning

from .model import Text
from .problems import Position

__all__ = ["Item", "Instrument", "GroupScore", "score_groups", "MAX_POSITIONS"]

MAX_POSITIONS = 11
"""Answer positions an instrument may have (0–10 scales are the widest in common use)."""


@dataclass(frozen=True)
class Item:
    """One survey item: its column code, the dimension it measures, whether it is read from the
    other end (``reversed``), and for a share dimension the answer positions that mean yes."""

    code: str
    dimension: str
    reversed: bool = False
    yes: frozenset[int] = frozenset()
    position: Position = field(default=Position(""), compare=False)


@dataclass(frozen=True)
class Instrument:
    id: str
    title: Text
    coding: tuple[float, ...]
    """The value of answer positions 1, 2, … (COPSOQ: 100, 75, 50, 25, 0)."""
    items: tuple[Item, ...]
    shares: frozenset[str]
    """The dimensions scored as shares of the respondents (negative acts, stress)."""
    position: Position = field(default=Position(""), compare=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions the instrument measures, in item order."""
        return tuple(dict.fromkeys(i.dimension for i in self.items))

    def scales(self) -> Mapping[str, tuple[int, ...]]:
        """Item indices per dimension."""
        out: dict[str, list[int]] = {}
        for n, item in enumerate(self.items):
            out.setdefault(item.dimension, []).append(n)
        return {d: tuple(ix) for d, ix in out.items()}


@dataclass(frozen=True)
class GroupScore:
    """One group's result: how many answered at least one item, and per dimension the score and
    the number of persons it rests on (persons with a scale score, or who answered a share item)."""

    respondents: int
    scores: Mapping[str, float]
    persons: Mapping[str, int]


def _lookup(coding: Sequence[float], reversed_: bool) -> np.ndarray:
    """Position → value, NaN for 0 (no answer); a reversed item reads the coding backwards."""
    import numpy as np

    values = list(reversed(coding)) if reversed_ else list(coding)
    return np.array([np.nan, *values] + [np.nan] * (MAX_POSITIONS + 1 - len(values) - 1), dtype=np.float64)


def score_groups(instrument: Instrument, answers: np.ndarray, groups: np.ndarray, n_groups: int) -> list[GroupScore]:
    """Score every group at once.

    ``answers`` is an int8 matrix, one row per respondent and one column per item in the
    instrument's order, holding answer positions (1 …) and 0 for no answer; ``groups`` gives each
    row's group index (0 … ``n_groups`` − 1). Positions must already be checked against the coding.
    """
    import numpy as np

    if answers.ndim != 2 or answers.shape[1] != len(instrument.items) or len(groups) != answers.shape[0]:
        raise ValueError("answers must have one column per item and one group per row")
    groups = groups.astype(np.intp, copy=False)
    answered_any = (answers != 0).any(axis=1)
    respondents = np.bincount(groups, weights=answered_any, minlength=n_groups)
    scores: list[dict[str, float]] = [{} for _ in range(n_groups)]
    persons: list[dict[str, int]] = [{} for _ in range(n_groups)]
    lookups = {False: _lookup(instrument.coding, False), True: _lookup(instrument.coding, True)}
    for dimension, columns in instrument.scales().items():
        items = [instrument.items[c] for c in columns]
        block = answers[:, columns]
        if dimension in instrument.shares:
            answered = block != 0
            said_yes = np.zeros(block.shape, dtype=bool)
            for k, item in enumerate(items):
                said_yes[:, k] = np.isin(block[:, k], tuple(item.yes))
            person_answered = answered.any(axis=1)
            person_yes = said_yes.any(axis=1)
            n = np.bincount(groups, weights=person_answered, minlength=n_groups)
            yes = np.bincount(groups, weights=person_yes, minlength=n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = yes / n * 100.0
        else:
            coded = np.empty(block.shape, dtype=np.float64)
            for k, item in enumerate(items):
                coded[:, k] = lookups[item.reversed][block[:, k]]
            answered = ~np.isnan(coded)
            count = answered.sum(axis=1)
            total = np.where(answered, coded, 0.0).sum(axis=1)
            has_score = count * 2 >= len(columns)  # at least half of the scale's items (so at least one)
            person = np.where(has_score, total / np.maximum(count, 1), 0.0)
            n = np.bincount(groups, weights=has_score, minlength=n_groups)
            sums = np.bincount(groups, weights=person, minlength=n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = sums / n
        for g in range(n_groups):
            if n[g] > 0:
                scores[g][dimension] = round(float(value[g]), 6)
                persons[g][dimension] = int(n[g])
    return [GroupScore(int(respondents[g]), scores[g], persons[g]) for g in range(n_groups)]
