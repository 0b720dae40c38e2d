"""From a survey export (one row per respondent, one column per item) to scored department profiles.

The export's rows arrive as text cells under a header (client/survey_input.py reads CSV and XLSX;
the gRPC ``ScoreSurvey`` call streams them). This module checks them against an instrument
(engine/instruments.py), builds the answer matrix and scores every department — and every unit of
any roll-up column, such as a division — at once.

What it guards (docs/SURVEYS.md):

* **Bad input is located.** Every problem names its row (the header is row 1, as in a spreadsheet)
  and column: an unknown item column (with the nearest code), a missing department column, an empty
  or unknown department, an answer outside the coding, a duplicate respondent id, a row with too few
  or too many cells. Nothing is scored while any remains, unless bad rows may be skipped — and then
  every skipped row is listed.
* **Small groups are not exposed.** A unit under the minimum group size is refused with its name and
  count only. A negative act answered by fewer than ``min_answers`` persons is not given as a number:
  it reads "reported" (at least one said yes) or 0, and the engine is given one person's share.
* **Respondent data goes nowhere else.** Nothing here logs or keeps rows; a respondent id column is
  used to find duplicates and never reaches a result.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # numpy is imported where it is used: a server worker pins its CPUs first, and
    import numpy as np  # numpy's import starts threads that would escape the pinning

from .errors import UserError
from .instruments import GroupScore, Instrument, score_groups
from .profile import Department, Profile
from .suggestions import closest, did_you_mean

__all__ = ["SurveySpec", "SurveyProblem", "ScoredUnit", "RefusedUnit", "SurveyResult", "SurveyError", "score_survey",
           "REPORTED", "MAX_PROBLEMS"]

REPORTED = "reported"
"""How a negative act's share from too few answers is written: at least one said yes."""
MAX_NAME = 200
"""The longest department (or roll-up unit) name, as for a profile's department id."""
MAX_PROBLEMS = 200
"""At most this many problems are listed (a wrong file has one per cell); the count says the rest."""
_MISSING = ("", "na", "n/a", "-", ".")


@dataclass(frozen=True)
class SurveySpec:
    """How to read one export: which column holds the department, which (if any) a respondent id,
    which columns roll up (a division of several departments), which to leave aside, and the known
    departments (id → (name, sector)); with that list, a department outside it is an error."""

    department_column: str = "department"
    id_column: str | None = "respondent_id"
    """Used (to find duplicates) when the export has it; never carried into a result."""
    roll_up: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    departments: Mapping[str, tuple[str, str]] | None = None
    skip_bad_rows: bool = False


@dataclass(frozen=True)
class SurveyProblem:
    """One bad cell, row or column: ``row`` 1 is the header, 0 the file as a whole."""

    row: int
    column: str
    message: str
    suggestion: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        hint = did_you_mean(self.suggestion)
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "") if self.row else \
            (f"column {self.column}" if self.column else "the file")
        return f"{where}: {self.message}{hint}"


class SurveyError(UserError, ValueError):
    """The export could not be scored: every problem found (the first :data:`MAX_PROBLEMS`)."""

    def __init__(self, problems: Sequence[SurveyProblem], more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        super().__init__("; ".join(str(p) for p in self.problems[:5]) + (f" … and {len(self.problems) - 5 + more} more"
                                                                          if len(self.problems) + more > 5 else ""))


@dataclass(frozen=True)
class ScoredUnit:
    """A department (``level`` "") or a roll-up unit (``level`` = the column, e.g. "division")."""

    id: str
    name: str
    sector: str
    level: str
    respondents: int
    scores: Mapping[str, float]
    persons: Mapping[str, int]
    reported: frozenset[str] = frozenset()
    """Negative acts from too few answers: written "reported", not as a number."""

    def profile(self, measured_on: _dt.date | None = None) -> Profile:
        """The profile the other commands read (a reported share as one person's share)."""
        scores = dict(self.scores)
        return Profile(Department(self.id, self.name, self.sector), self.respondents, MappingProxyType(scores),
                       None, measured_on, self.reported)

    def to_dict(self, instrument: str) -> dict[str, object]:
        """The profile file's shape, with how many persons each score rests on."""
        department = {"id": self.id, "name": self.name} | ({"sector": self.sector} if self.sector else {})
        return {"department": department, "respondents": self.respondents, "instrument": instrument,
                **({"level": self.level} if self.level else {}),
                "scores": {d: (REPORTED if d in self.reported else v) for d, v in self.scores.items()},
                "persons": dict(self.persons)}


@dataclass(frozen=True)
class RefusedUnit:
    """A unit under the minimum group size — or a roll-up unit that would give a small department
    away by difference (``by_difference``): its name and count, nothing else."""

    id: str
    level: str
    respondents: int
    by_difference: bool = False


@dataclass(frozen=True)
class SurveyResult:
    instrument: str
    units: tuple[ScoredUnit, ...]
    refused: tuple[RefusedUnit, ...]
    skipped: tuple[SurveyProblem, ...] = ()
    rows: int = 0
    ignored: tuple[str, ...] = field(default=())


def _answer_table(count: int) -> dict[str, int]:
    """Cell text → answer position (0 for no answer): "3", "3.0", "3,0", " 3 "."""
    table = dict.fromkeys(_MISSING, 0)
    for p in range(1, count + 1):
        for text in (str(p), f"{p}.0", f"{p},0"):
            table[text] = p
    return table


def _columns(header: Sequence[str], instrument: Instrument, spec: SurveySpec
             ) -> tuple[dict[str, int], dict[str, int], list[str], list[SurveyProblem]]:
    """Where each needed column is: (meta column → index, item code → index, ignored, problems)."""
    problems: list[SurveyProblem] = []
    by_name: dict[str, int] = {}
    for n, raw in enumerate(header):
        name = (raw or "").strip()
        key = name.casefold()
        if not name:
            continue  # a column without a header: its cells must be empty (checked per row)
        if key in by_name:
            problems.append(SurveyProblem(1, name, f"the column '{name}' appears twice", code="duplicate-column"))
            continue
        by_name[key] = n
    meta: dict[str, int] = {}
    wanted = [spec.department_column, *spec.roll_up]
    if spec.id_column and spec.id_column.casefold() in by_name:
        meta[spec.id_column] = by_name[spec.id_column.casefold()]
        wanted.append(spec.id_column)
    for column in wanted:
        if column in meta:
            continue
        index = by_name.get(column.casefold())
        if index is None:
            problems.append(SurveyProblem(1, column, f"the required column '{column}' is missing",
                                          closest(column, [h.strip() for h in header]), code="missing-column"))
        else:
            meta[column] = index
    codes = {c.casefold(): c for c in instrument.codes}
    ignore = {c.casefold() for c in spec.ignore}
    items: dict[str, int] = {}
    ignored: list[str] = []
    taken = {c.casefold() for c in wanted}
    for key, index in by_name.items():
        name = header[index].strip()
        if key in taken:
            continue
        if key in codes:
            items[codes[key]] = index
        elif key in ignore:
            ignored.append(name)
        else:
            problems.append(SurveyProblem(1, name, f"the instrument '{instrument.id}' has no item '{name}'; "
                                          "rename it to an item code, or name it with --roll-up (a unit above "
                                          "departments) or --ignore",
                                          closest(name, instrument.codes), code="unknown-item"))
    if not items and not problems:
        problems.append(SurveyProblem(1, "", f"no column is an item of '{instrument.id}'", code="no-items"))
    return meta, items, ignored, problems


def score_survey(instrument: Instrument, header: Sequence[str], rows: Iterable[Sequence[str]], spec: SurveySpec,
                 min_group_size: int, min_answers: int = 20) -> SurveyResult:
    """Check and score an export. Raises :class:`SurveyError` with every problem found (bad rows
    too, unless ``spec.skip_bad_rows``; problems with the columns always)."""
    import numpy as np

    meta, items, ignored, problems = _columns(header, instrument, spec)
    if problems:
        raise SurveyError(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))
    width = len(header)
    unnamed = [n for n, h in enumerate(header) if not (h or "").strip()]
    dept_at = meta[spec.department_column]
    id_at = meta.get(spec.id_column) if spec.id_column else None
    table = _answer_table(len(instrument.coding))
    known = spec.departments
    row_problems: list[SurveyProblem] = []
    bad: set[int] = set()
    kept: list[Sequence[str]] = []
    kept_numbers: list[int] = []
    seen_ids: dict[str, int] = {}
    total = 0
    for number, row in enumerate(rows, start=2):
        if not any((c or "").strip() for c in row):
            continue  # a blank line: not a respondent, but it keeps its row number
        total += 1
        problem = None
        if len(row) > width and not any((c or "").strip() for c in row[width:]):
            row = row[:width]  # trailing empty cells (a delimiter at the end of the line)
        if len(row) != width:
            problem = SurveyProblem(number, "", f"{len(row)} cells, the header has {width}", code="row-width")
        elif unnamed and any((row[n] or "").strip() for n in unnamed):
            problem = SurveyProblem(number, f"#{next(n for n in unnamed if (row[n] or '').strip()) + 1}",
                                    "a cell under a column without a header", code="unnamed-column")
        else:
            department = (row[dept_at] or "").strip()
            if not department:
                problem = SurveyProblem(number, spec.department_column, "no department", code="no-department")
            elif len(department) > MAX_NAME:
                problem = SurveyProblem(number, spec.department_column, f"longer than {MAX_NAME} characters",
                                        code="too-long")
            elif known is not None and department not in known:
                # the cell itself is not repeated: a wrong column could hold anything (e-mail addresses)
                problem = SurveyProblem(number, spec.department_column, "not one of the known departments",
                                        closest(department, known), code="unknown-department")
            elif id_at is not None:
                ident = (row[id_at] or "").strip()
                if ident and ident in seen_ids:
                    problem = SurveyProblem(number, spec.id_column or "", f"the respondent id is already on row "
                                            f"{seen_ids[ident]}", code="duplicate-respondent")
                elif ident:
                    seen_ids[ident] = number
        if problem is not None:
            row_problems.append(problem)
            bad.add(number)
            continue
        kept.append(row)
        kept_numbers.append(number)
    seen_ids.clear()  # ids are for finding duplicates only
    # answers: column by column, through a dict (C speed); a cell outside the coding is found by its None
    codes = instrument.codes
    matrix = np.zeros((len(kept), len(codes)), dtype=np.int8)
    late: set[int] = set()  # kept rows with an answer outside the coding
    for j, code in enumerate(codes):
        index = items.get(code)
        if index is None:
            continue  # not in this export: every person has it unanswered
        cells = [r[index] for r in kept]
        values = list(map(table.get, cells))
        if None in values:
            stripped = [table.get((c or "").strip().casefold()) if v is None else v for c, v in zip(cells, values)]
            values = stripped
        if None in values:
            for k, v in enumerate(values):
                if v is None:
                    row_problems.append(SurveyProblem(kept_numbers[k], header[index].strip(),
                                                      f"the answer is outside the coding (1–{len(instrument.coding)},"
                                                      " or empty)", code="bad-answer"))
                    values[k] = 0
                    late.add(k)
        matrix[:, j] = cast("list[int]", values)  # every None replaced above
    if not total:
        raise SurveyError([SurveyProblem(0, "", "no respondent rows under the header", code="no-rows")])
    if row_problems and not spec.skip_bad_rows:
        row_problems.sort(key=lambda p: (p.row, p.column))
        raise SurveyError(row_problems[:MAX_PROBLEMS], max(0, len(row_problems) - MAX_PROBLEMS))
    if late:  # skipping: drop the rows with a bad answer too
        keep_index = np.array([k not in late for k in range(len(kept))], dtype=bool)
        matrix = matrix[keep_index]
        kept = [r for k, r in enumerate(kept) if k not in late]
    units, refused = _score_units(instrument, matrix, kept, meta, spec, min_group_size, min_answers)
    row_problems.sort(key=lambda p: (p.row, p.column))
    return SurveyResult(instrument.id, tuple(units), tuple(refused), tuple(row_problems), total, tuple(ignored))


def _score_units(instrument: Instrument, matrix: np.ndarray, rows: list[Sequence[str]], meta: Mapping[str, int],
                 spec: SurveySpec, min_group_size: int, min_answers: int) -> tuple[list[ScoredUnit], list[RefusedUnit]]:
    """Departments first, then each roll-up level. What is withheld from a department is withheld
    from the roll-ups too wherever the difference would show it:

    * a unit under the minimum group size is refused; a roll-up unit whose refused departments add up
      to fewer than that is refused as well (it minus its shown departments would be them);
    * a scale score resting on fewer persons than the minimum group size is left out, and so is a
      roll-up's score on that scale when what was left out below it rests on fewer than that;
    * a share from fewer than ``min_answers`` answers reads "reported", and so does the roll-up's
      share wherever a department under it was banded or refused (its count would follow by difference).
    """
    import numpy as np

    units: list[ScoredUnit] = []
    refused: list[RefusedUnit] = []
    dept_at = meta[spec.department_column]
    small: dict[str, int] = {}  # refused departments: respondents
    withheld: dict[str, dict[str, int]] = {}  # department → scale dimension → persons left out
    banded: dict[str, set[str]] = {}  # department → shares given as "reported" (or refused)
    for level, column in (("", spec.department_column), *((c, c) for c in spec.roll_up)):
        at = meta[column]
        index: dict[str, int] = {}
        groups = np.fromiter((index.setdefault((r[at] or "").strip(), len(index)) for r in rows), dtype=np.intp,
                             count=len(rows))
        if not index:
            continue
        below: dict[str, set[str]] = {}  # roll-up unit → its departments
        if level:
            for r in rows:
                below.setdefault((r[at] or "").strip(), set()).add((r[dept_at] or "").strip())
        results = score_groups(instrument, matrix, groups, len(index))
        for name, g in sorted(index.items()):
            result: GroupScore = results[g]
            departments = below.get(name, set())
            if result.respondents < min_group_size:
                refused.append(RefusedUnit(name, level, result.respondents))
                if not level:
                    small[name] = result.respondents
                    withheld[name] = dict(result.persons)
                    banded[name] = set(instrument.shares)
                continue
            left_out = sum(small.get(d, 0) for d in departments)
            if 0 < left_out < min_group_size:
                refused.append(RefusedUnit(name, level, result.respondents, by_difference=True))
                continue
            scores, persons = dict(result.scores), dict(result.persons)
            reported: set[str] = set()
            for d in list(scores):
                if d in instrument.shares:
                    if (persons[d] < min_answers or any(d in banded.get(x, ()) for x in departments)) and scores[d] > 0:
                        reported.add(d)  # one person's share: "reported", nothing more
                        scores[d] = round(100.0 / persons[d], 6)
                    continue
                hidden = sum(withheld.get(x, {}).get(d, 0) for x in departments)
                if persons[d] < min_group_size or 0 < hidden < min_group_size:
                    del scores[d], persons[d]  # one or two persons' answers: not shown
            if not level:
                withheld[name] = {d: n for d, n in result.persons.items() if d not in scores}
                banded[name] = reported | {d for d in instrument.shares if d in result.persons
                                           and result.persons[d] < min_answers}
            title, sector = (spec.departments or {}).get(name, ("", "")) if not level else ("", "")
            units.append(ScoredUnit(name, title, sector, level, result.respondents, MappingProxyType(scores),
                                    MappingProxyType(persons), frozenset(reported)))
    return units, refused
