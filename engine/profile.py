"""A department's profile, and the checks it must pass before any rule sees it.

The dimension catalogue is the schema of a profile: unknown ids, non-finite numbers and values
outside a dimension's range are refused, each named with its field (and a suggestion for a
misspelled id). A group smaller than the minimum size is refused outright: with few respondents,
answers can be traced to individuals. Values are rounded to six decimals here, once, so that both
matchers and the explanation see the very same number.
"""

from __future__ import annotations

import collections
import datetime as _dt
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from .errors import UserError
from .model import RuleSet, Text
from .schema import parse_date
from .suggestions import closest, did_you_mean

__all__ = ["Department", "Profile", "FieldError", "ProfileError", "Notice", "CheckedProfile", "check_profile",
           "ProfileChecker",
           "profile_from_dict", "MIN_RESPONSE_RATE", "SMALL_GROUP"]

MIN_RESPONSE_RATE = 0.5
SMALL_GROUP = 10
MAX_ID_LENGTH = 200
MAX_SCORES = 1000      # far above any catalogue; a profile with more is refused before it is read
MAX_FIELD_ERRORS = 50  # a hostile profile gets the first 50 problems, not a million suggestions


@dataclass(frozen=True)
class Department:
    id: str
    name: str = ""
    sector: str = ""


@dataclass(frozen=True)
class Profile:
    """What a caller sends: who, how many answered, when, and the scores."""

    department: Department
    respondents: int
    scores: Mapping[str, float]
    invited: int | None = None
    measured_on: _dt.date | str | None = None
    """A date; text that is not one is refused by the profile check (naming the field)."""
    reported: frozenset[str] = frozenset()
    """Shares given as "reported" (a scored survey's negative acts from fewer than 20 answers): the
    value is one person's share, enough for the rules, and no answer or report shows it."""

    def with_scores(self, scores: Mapping[str, float]) -> Profile:
        return Profile(self.department, self.respondents, MappingProxyType(dict(scores)), self.invited,
                       self.measured_on, self.reported)


@dataclass(frozen=True)
class FieldError:
    """One bad field: a dotted path (``scores.influence``), what is wrong, and maybe a suggestion."""

    field: str
    message: str
    suggestion: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        hint = did_you_mean(self.suggestion)
        return f"{self.field}: {self.message}{hint}"

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "message": self.message, "suggestion": self.suggestion, "code": self.code}


class ProfileError(UserError, ValueError):
    """The profile was refused. ``errors`` names every bad field; ``code`` is ``invalid`` or
    ``group-too-small`` (which callers map to different status codes)."""

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def too_small_only(self) -> bool:
        return bool(self.errors) and all(e.code == "group-too-small" for e in self.errors)


@dataclass(frozen=True)
class Notice:
    """A warning for the answer, in both languages."""

    code: str
    text: Text


class CheckedProfile(NamedTuple):
    """A profile that passed the checks: rounded values and the warnings it earned.

    ``values`` is a plain dict for speed (every rule reads it); nothing writes to it after the check.
    A NamedTuple rather than a frozen dataclass because one is made per profile on the hot path.
    """

    profile: Profile
    values: Mapping[str, float]
    notices: tuple[Notice, ...] = ()
    sector: str = ""
    """The sector whose references the profile is compared with (engine/sectors.py); "" when no
    value depends on the sector, or the rule set has no sector vocabulary."""


def _percent(x: float) -> str:
    return f"{x * 100:.0f}"


class ProfileChecker:
    """:func:`check_profile` for one rule set, with the catalogue's ranges looked up once.

    A valid profile takes the fast path: whole-profile tests done by C loops (known ids as a set
    test, finiteness by one sum — NaN and infinities survive a sum, finite values in a range
    cannot overflow it — and the range by ``min``/``max`` where dimensions share their bounds).
    Any doubt falls back to the full check, which names every bad field.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._ranges = {d.id: (d.minimum, d.maximum) for d in ruleset.dimensions.values()}
        bounds = collections.Counter(self._ranges.values())
        self._common = bounds.most_common(1)[0][0] if bounds else (0.0, 0.0)
        self._known = frozenset(self._ranges)
        self._others = {k: b for k, b in self._ranges.items() if b != self._common}
        self._latest: tuple[float, _dt.date] = (0.0, _dt.date.min)

    def _latest_date(self) -> _dt.date:
        """Tomorrow (a measurement date may not lie later), worked out at most once a minute."""
        now = time.monotonic()
        until, latest = self._latest
        if now >= until:
            latest = _dt.date.today() + _dt.timedelta(days=1)
            self._latest = (now + 60.0, latest)
        return latest

    def check(self, profile: Profile, min_group_size: int | None = None,
              today: _dt.date | None = None) -> CheckedProfile:
        minimum = self.ruleset.min_group_size if min_group_size is None else min_group_size
        scores = profile.scores
        if len(scores) > MAX_SCORES:
            return check_profile(profile, self.ruleset, min_group_size, today)
        respondents, dept, measured = profile.respondents, profile.department, profile.measured_on
        if (respondents.__class__ is int and respondents >= minimum and dept.id.__class__ is str
                and 0 < len(dept.id) <= MAX_ID_LENGTH and dept.id.strip() and len(dept.name) <= MAX_ID_LENGTH
                and len(dept.sector) <= MAX_ID_LENGTH
                and (measured is None
                     or (isinstance(measured, _dt.date)
                         and measured <= (today + _dt.timedelta(days=1) if today else self._latest_date())))
                and (profile.invited is None or (profile.invited.__class__ is int and respondents <= profile.invited))
                and self._known.issuperset(scores)):
            raw = list(scores.values())
            kinds = set(map(type, raw))  # not v.__class__ over a float-typed v: compiled, that is always float
            if kinds <= _NUMBER_TYPES and (kinds == _FLOAT or all(-_BIG < v < _BIG for v in raw)):
                total = sum(raw)  # cannot overflow: floats, or integers a float can hold
                low, high = self._common
                if total - total == 0.0 and (not raw or (low <= min(raw) and max(raw) <= high)):
                    others = self._others
                    if not others or all(others[k][0] <= v <= others[k][1] for k, v in scores.items() if k in others):
                        if kinds == _FLOAT and all(map(float.is_integer, raw)):  # whole numbers: nothing to round
                            values = dict(scores)
                        elif kinds == _INT:
                            values = dict(zip(scores, map(float, raw)))
                        else:
                            values = {k: ((v if v.is_integer() else round(v, 6)) if v.__class__ is float else float(v))
                                      for k, v in scores.items()}
                        notices = _notices(profile) if respondents < SMALL_GROUP or profile.invited or not raw else ()
                        return CheckedProfile(profile, values, tuple(notices))
        return check_profile(profile, self.ruleset, min_group_size, today)


_NUMBER_TYPES = frozenset((int, float))  # not bool: True would pass as 1
_FLOAT, _INT = {float}, {int}
_BIG = 2 ** 53  # integers beyond this go to the full check (which also names those too big for a float)


def check_profile(profile: Profile, ruleset: RuleSet, min_group_size: int | None = None,
                  today: _dt.date | None = None) -> CheckedProfile:
    """Validate ``profile`` against the rule set's catalogue, or raise :class:`ProfileError` naming
    every bad field. The one full check: :meth:`ProfileChecker.check` hands it every profile its
    fast path does not accept at once."""
    errors: list[FieldError] = []
    minimum = ruleset.min_group_size if min_group_size is None else min_group_size
    dept_id = profile.department.id
    if not isinstance(dept_id, str) or not dept_id.strip():
        errors.append(FieldError("department.id", "a department id is required", code="required"))
    elif len(dept_id) > MAX_ID_LENGTH:
        errors.append(FieldError("department.id", f"longer than {MAX_ID_LENGTH} characters", code="too-long"))
    for name in ("name", "sector"):
        if len(getattr(profile.department, name) or "") > MAX_ID_LENGTH:
            errors.append(FieldError(f"department.{name}", f"longer than {MAX_ID_LENGTH} characters",
                                     code="too-long"))
    respondents = profile.respondents
    if isinstance(respondents, bool) or not isinstance(respondents, int):
        errors.append(FieldError("respondents", "must be a whole number"))
    elif respondents < minimum:
        errors.append(FieldError("respondents", f"{respondents} respondents is below the minimum group size of "
                                 f"{minimum}; small groups are not evaluated, to protect anonymity",
                                 code="group-too-small"))
    invited = profile.invited
    if invited is not None:
        if isinstance(invited, bool) or not isinstance(invited, int) or invited < 0:
            errors.append(FieldError("invited", "must be a whole number of at least 0"))
        elif isinstance(respondents, int) and invited and respondents > invited:
            errors.append(FieldError("invited", f"{invited} invited is fewer than {respondents} respondents"))
    if isinstance(profile.measured_on, str):
        errors.append(FieldError("measured_on", f"'{profile.measured_on[:40]}' is not a date like 2025-05-01"))
    elif profile.measured_on is not None and profile.measured_on > (today or _dt.date.today()) + _dt.timedelta(days=1):
        errors.append(FieldError("measured_on", f"{profile.measured_on.isoformat()} lies in the future"))
    values: dict[str, float] = {}
    dims = ruleset.dimensions
    if len(profile.scores) > MAX_SCORES:
        raise ProfileError([FieldError("scores", f"{len(profile.scores)} scores; a profile has at most {MAX_SCORES}",
                                       code="too-many")])
    for key, raw in profile.scores.items():
        if len(errors) >= MAX_FIELD_ERRORS:
            break
        path = f"scores.{key if not isinstance(key, str) or len(key) <= 80 else key[:80] + '…'}"
        dim = dims.get(key) if isinstance(key, str) else None
        if dim is None:
            hint = closest(str(key), dims) if len(str(key)) <= 80 else None
            errors.append(FieldError(path, "unknown dimension", hint, code="unknown"))
            continue
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            errors.append(FieldError(path, f"must be a number, not {type(raw).__name__}", code="not-a-number"))
            continue
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond any float (10**400 from a YAML file)
            errors.append(FieldError(path, f"{str(raw)[:12]}… is outside the range {dim.minimum:g}–{dim.maximum:g}",
                                     code="out-of-range"))
            continue
        if not math.isfinite(value):
            errors.append(FieldError(path, f"must be a finite number, not {value}", code="not-finite"))
            continue
        if not (dim.minimum <= value <= dim.maximum):
            errors.append(FieldError(path, f"{value:g} is outside the range {dim.minimum:g}–{dim.maximum:g}",
                                     code="out-of-range"))
            continue
        values[key] = value if value.is_integer() else round(value, 6)
    if errors:
        # The group-size refusal is final and says nothing about the scores (it must not hint at them).
        small = [e for e in errors if e.code == "group-too-small"]
        raise ProfileError(small if small else errors)
    return CheckedProfile(profile, values, tuple(_notices(profile)))


def _notices(profile: Profile) -> list[Notice]:
    notices: list[Notice] = []
    n, invited = profile.respondents, profile.invited
    if invited:
        rate = n / invited
        if rate < MIN_RESPONSE_RATE:
            notices.append(Notice("low-response-rate", Text(
                f"Svarprocenten er {_percent(rate)} % ({n} af {invited}); under 50 % er resultatet måske "
                "ikke dækkende for afdelingen.",
                f"The response rate is {_percent(rate)} % ({n} of {invited}); below 50 % the results may not "
                "represent the department.")))
    if n < SMALL_GROUP:
        notices.append(Notice("small-group", Text(
            f"Kun {n} besvarelser: enkelte svar vejer tungt, så tolk resultatet varsomt.",
            f"Only {n} respondents: single answers weigh heavily, so interpret the results with care.")))
    if not profile.scores:
        notices.append(Notice("no-scores", Text("Profilen indeholder ingen målinger.",
                                                "The profile contains no scores.")))
    return notices


REPORTED_WORD = "reported"
"""A negative act's share from too few answers, as a scored survey writes it (engine/survey.py)."""


def _reported(key: object, value: object, persons: Mapping[object, object], respondents: int | None,
              errors: list[FieldError]) -> object:
    """"reported" → one person's share of those who answered (``persons``), or of the respondents."""
    if value != REPORTED_WORD:
        return value
    count = persons.get(key, respondents)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        errors.append(FieldError(f"scores.{key}", "'reported' needs the number of persons who answered "
                                 "(persons, or respondents)"))
        return value
    return round(100.0 / count, 6)


def _date(value: object, errors: list[FieldError]) -> _dt.date | None:
    if value is None or value == "":
        return None
    date = parse_date(value)
    if date is None:
        errors.append(FieldError("measured_on", "must be a date like 2025-05-01"))
    return date


def _count(data: Mapping[str, object], key: str, errors: list[FieldError], required: bool) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            errors.append(FieldError(key, "is required", code="required"))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(key, "must be a whole number"))
        return None
    return value


def profile_from_dict(data: object) -> Profile:
    """Build a profile from the file shape (``department``, ``respondents``, ``invited``,
    ``measured_on``, ``scores``); structural mistakes raise :class:`ProfileError`."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise ProfileError([FieldError("profile", "must be a mapping with department, respondents and scores")])
    # persons, instrument and level come with a profile scored from survey answers (trivsel score)
    allowed = ("department", "respondents", "invited", "measured_on", "scores", "persons", "instrument", "level")
    for key in data:
        if key not in allowed:
            errors.append(FieldError(str(key), "unknown field", closest(str(key), allowed), code="unknown"))
    dept = data.get("department")
    if isinstance(dept, Mapping):
        for key in dept:
            if key not in ("id", "name", "sector"):
                errors.append(FieldError(f"department.{key}", "unknown field",
                                         closest(str(key), ("id", "name", "sector")), code="unknown"))
        department = Department(str(dept.get("id") or ""), str(dept.get("name") or ""), str(dept.get("sector") or ""))
    else:
        errors.append(FieldError("department", "must be a mapping with id, name and sector", code="required"))
        department = Department("")
    respondents = _count(data, "respondents", errors, required=True)
    invited = _count(data, "invited", errors, required=False)
    measured = _date(data.get("measured_on"), errors)
    scores = data.get("scores", {})
    if scores is None:
        scores = {}
    if not isinstance(scores, Mapping):
        errors.append(FieldError("scores", "must be a mapping from dimension id to number"))
        scores = {}
    persons = data.get("persons") or {}
    if not isinstance(persons, Mapping):
        errors.append(FieldError("persons", "must be a mapping from dimension id to a number of persons"))
        persons = {}
    reported = frozenset(str(k) for k, v in scores.items() if v == REPORTED_WORD)
    if reported:
        scores = {k: _reported(k, v, persons, respondents, errors) for k, v in scores.items()}
    if errors:
        raise ProfileError(errors)
    return Profile(department, respondents or 0, MappingProxyType(dict(scores)), invited, measured, reported)
