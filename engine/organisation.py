"""The organisation view: many departments at once, and what they have in common.

Each department is evaluated on its own (departments below the minimum group size are listed as
refused and never evaluated). Then: how many departments need each intervention (it is in their
list); interventions needed in at least a given share of the evaluated departments (default 30 %)
are raised to organisation level (IGLO O) — a problem that many departments share is usually a
matter of how the organisation works, not of one team; and a departments × dimensions table of
bands for the heat map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import InvalidInput
from .grading import wilson_lower
from .model import Band, Dimension, RuleSetInfo, Text
from .profile import FieldError, Profile, ProfileError
from .recommender import DEFAULT_OPTIONS, Options, Recommender
from .result import Result

__all__ = ["DepartmentOutcome", "Need", "OrgResult", "analyse", "department_bands", "shown_band", "DEFAULT_SHARE"]

DEFAULT_SHARE = 0.3


@dataclass(frozen=True)
class DepartmentOutcome:
    department_id: str
    name: str
    respondents: int
    result: Result | None
    refused: str | None = None
    errors: tuple[FieldError, ...] = ()
    bands: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Need:
    intervention_id: str
    title: str
    departments: int
    share: float
    escalated: bool
    reason: str
    department_ids: tuple[str, ...]


@dataclass(frozen=True)
class OrgResult:
    ruleset: RuleSetInfo
    language: str
    escalation_share: float
    departments: tuple[DepartmentOutcome, ...]
    needs: tuple[Need, ...]

    @property
    def evaluated(self) -> tuple[DepartmentOutcome, ...]:
        return tuple(d for d in self.departments if d.result is not None)

    @property
    def refused(self) -> tuple[DepartmentOutcome, ...]:
        return tuple(d for d in self.departments if d.refused is not None)

    @property
    def invalid(self) -> tuple[DepartmentOutcome, ...]:
        return tuple(d for d in self.departments if d.errors)

    @property
    def escalated(self) -> tuple[Need, ...]:
        return tuple(n for n in self.needs if n.escalated)


def _reason(count: int, total: int, share: float, threshold: float, language: str) -> Text:
    pct, limit = round(share * 100), round(threshold * 100)
    return Text(
        f"Behov i {count} af {total} afdelinger ({pct}\u00a0%), mindst {limit}\u00a0%: "
        "løft indsatsen til organisationsniveau (IGLO: O), for et fælles problem hører sjældent hjemme i én afdeling.",
        f"Needed in {count} of {total} departments ({pct}\u00a0%), at least {limit}\u00a0%: "
        "raise it to organisation level (IGLO: O), since a shared problem rarely belongs to one department.")


def shown_band(dim: Dimension, value: float, respondents: int) -> Band | None:
    """The band an overview may show for a value. A share of the respondents is placed by the lower
    bound of its 95 % confidence interval — "widespread" or "above the national level" is a claim
    the interval must support — but a negative act that was reported at all is never shown as none."""
    band = dim.band_of(value)
    if not dim.share or band is None:
        return band
    supported = dim.band_of(wilson_lower(value, respondents))
    if supported is None:
        return band
    if dim.group == "negative_act" and supported.risk == "ok" and band.risk != "ok":
        return next(b for b in dim.bands if b.risk != "ok")  # any report of a negative act counts
    return supported


def department_bands(dims: Mapping[str, Dimension], profile: Profile) -> tuple[tuple[str, str], ...]:
    """(dimension, band) for every measured dimension in catalogue order — whatever order the
    profile came in — each band as an overview may show it (:func:`shown_band`)."""
    bands = []
    for ident, dim in dims.items():
        value = profile.scores.get(ident)
        band = shown_band(dim, float(value), profile.respondents) if value is not None else None
        if band is not None:
            bands.append((ident, band.id))
    return tuple(bands)


def analyse(recommender: Recommender, profiles: Sequence[Profile], options: Options = DEFAULT_OPTIONS,
            escalation_share: float = DEFAULT_SHARE) -> OrgResult:
    """Evaluate every department and summarise."""
    if not 0 < escalation_share <= 1:
        raise InvalidInput("the escalation share must be above 0 and at most 1")
    outcomes = []
    for profile in profiles:
        d = profile.department
        try:
            result = recommender.recommend(profile, options)
        except ProfileError as exc:
            if exc.too_small_only:
                outcomes.append(DepartmentOutcome(d.id, d.name, profile.respondents, None, exc.errors[0].message))
            else:
                outcomes.append(DepartmentOutcome(d.id, d.name, profile.respondents, None, errors=exc.errors))
            continue
        outcomes.append(DepartmentOutcome(d.id, d.name, profile.respondents, result, bands=department_bands(
            recommender.view_for_profile(profile).ruleset.dimensions, profile)))
    evaluated = [o for o in outcomes if o.result is not None]
    counts: dict[str, list[str]] = {}
    for outcome in outcomes:
        answer = outcome.result
        if answer is None:  # refused: not in ``evaluated``
            continue
        for ident in (*answer.must_act_ids, *answer.ids):
            counts.setdefault(ident, []).append(outcome.department_id)
    total = len(evaluated)
    needs = []
    for ident, departments in counts.items():
        share = len(departments) / total
        escalated = share >= escalation_share - 1e-12
        reason = _reason(len(departments), total, share, escalation_share, options.language).get(options.language) \
            if escalated else ""
        needs.append(Need(ident, recommender.ruleset.interventions[ident].title.get(options.language), len(departments),
                          share, escalated, reason, tuple(departments)))
    needs.sort(key=lambda n: (-n.departments, n.intervention_id))
    return OrgResult(recommender.ruleset.info, options.language, escalation_share, tuple(outcomes), tuple(needs))
