"""Follow-up: compare two measurements of one department (step 4 of the systematic approach:
follow up and adjust).

Which dimensions changed band and in which direction; which risk constellations (fired rules)
were resolved, persist or are new; which interventions are no longer triggered. It works on two
answers and the dimension catalogue, so it gives the same report embedded and against a server.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass

from .frozen import Frozen
from .model import Band, Dimension
from .organisation import shown_band
from .profile import Profile
from .result import Result

__all__ = ["BandChange", "FollowUp", "compare_measurements", "RISK_ORDER"]

RISK_ORDER = {"ok": 0, "watch": 1, "adverse": 2}


@dataclass(frozen=True)
class BandChange(Frozen):
    dimension: str
    before: float | None
    after: float | None
    before_band: str | None
    after_band: str | None
    direction: str  # better | worse | changed | measured | dropped


@dataclass(frozen=True)
class FollowUp(Frozen):
    department_id: str
    before_date: str
    after_date: str
    band_changes: tuple[BandChange, ...]
    resolved: tuple[str, ...]
    persisting: tuple[str, ...]
    new: tuple[str, ...]
    no_longer_triggered: tuple[str, ...]
    still_recommended: tuple[str, ...]
    newly_recommended: tuple[str, ...]


def _direction(dim: Dimension, before_band: Band, after_band: Band) -> str:
    a, b = RISK_ORDER[before_band.risk], RISK_ORDER[after_band.risk]
    return "better" if b < a else "worse" if b > a else "changed"


def _iso(day: _dt.date | str | None) -> str:
    """The measurement's date as text ("" when not given). A date the profile check could not read
    stays text, but such a profile is refused before it is recommended, so it never gets here."""
    if isinstance(day, _dt.date):
        return day.isoformat()
    return day or ""


def compare_measurements(before: Profile, after: Profile, before_result: Result, after_result: Result,
                         dimensions: Mapping[str, Dimension], min_answers: int = 20) -> FollowUp:
    """The follow-up report. The results should list every candidate (a large ``top``).

    A share of the respondents is placed in the band its confidence interval supports, and a share
    from fewer than ``min_answers`` respondents (a negative act's, or stress) is not given at all
    (its ``before``/``after`` is None): one report in a team of seven must not read "14.3
    (widespread)", nor two stressed of seven "28.6"."""
    changes = []
    for ident, dim in dimensions.items():
        x, y = before.scores.get(ident), after.scores.get(ident)
        if x is None and y is None:
            continue
        bx = shown_band(dim, x, before.respondents) if x is not None else None
        by = shown_band(dim, y, after.respondents) if y is not None else None
        if dim.share:
            x = x if x is None or before.respondents >= min_answers else None
            y = y if y is None or after.respondents >= min_answers else None
            if bx is not None and by is not None and bx.id != by.id:
                changes.append(BandChange(ident, x, y, bx.id, by.id, _direction(dim, bx, by)))
            elif (bx is None) != (by is None):
                changes.append(BandChange(ident, x, y, bx.id if bx else None, by.id if by else None,
                                          "measured" if bx is None else "dropped"))
            continue
        if x is None:
            changes.append(BandChange(ident, None, y, None, by.id if by else None, "measured"))
        elif y is None:
            changes.append(BandChange(ident, x, None, bx.id if bx else None, None, "dropped"))
        elif bx is not None and by is not None and bx.id != by.id:
            changes.append(BandChange(ident, x, y, bx.id, by.id, _direction(dim, bx, by)))
    fired_before, fired_after = before_result.fired_rules, after_result.fired_rules
    rec_before = before_result.must_act_ids + before_result.ids  # both parts: what was asked of the department
    rec_after = after_result.must_act_ids + after_result.ids
    return FollowUp(
        before.department.id, _iso(before.measured_on), _iso(after.measured_on), tuple(changes),
        tuple(r for r in fired_before if r not in fired_after), tuple(r for r in fired_before if r in fired_after),
        tuple(r for r in fired_after if r not in fired_before),
        tuple(i for i in rec_before if i not in rec_after), tuple(i for i in rec_before if i in rec_after),
        tuple(i for i in rec_after if i not in rec_before))
