"""What a rule set offers, for hosts that build forms and texts from it (``describe``)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .instruments import Instrument
from .model import Dimension, Hazard, Intervention, Planning, Reference, RuleSet, RuleSetInfo, Sector, Source, Text
from .problems import Problem

__all__ = ["Description", "RuleSummary", "describe", "description_to_dict"]


@dataclass(frozen=True)
class RuleSummary:
    """What a reviewer needs to know about a rule without reading its YAML: its legal basis (the
    hazards of the executive order it rests on), whether it makes action compulsory, its sources and
    when it is due for review."""

    id: str
    title: Text
    theme: str
    legal: tuple[str, ...]
    must_act: str
    sources: tuple[str, ...]
    review_by: _dt.date | None


@dataclass(frozen=True)
class Description:
    info: RuleSetInfo
    title: Text
    loaded_at: _dt.datetime | None
    rule_count: int
    min_group_size: int
    default_top: int
    dimensions: tuple[Dimension, ...]
    interventions: tuple[Intervention, ...]
    sources: tuple[Source, ...]
    refused_reload: tuple[Problem, ...] = ()
    min_answers_for_shares: int = 20
    rules: tuple[RuleSummary, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    sectors: tuple[Sector, ...] = ()
    planning: Planning | None = None
    instruments: tuple[Instrument, ...] = ()


def describe(ruleset: RuleSet, refused_reload: tuple[Problem, ...] = ()) -> Description:
    return Description(ruleset.info, ruleset.title, ruleset.loaded_at, len(ruleset.rules), ruleset.min_group_size,
                       ruleset.ranking.top, tuple(ruleset.dimensions.values()),
                       tuple(ruleset.interventions.values()), tuple(ruleset.sources.values()), refused_reload,
                       ruleset.min_answers_for_shares,
                       tuple(RuleSummary(r.id, r.title, r.theme, r.legal, r.must_act.intervention if r.must_act else "",
                                         r.evidence.sources, r.evidence.review_by) for r in ruleset.rules),
                       tuple(sorted(ruleset.hazards.values(), key=lambda h: (-h.severity, h.id))),
                       tuple(ruleset.sectors.values()), ruleset.planning,
                       tuple(ruleset.instruments.values()))


def _dimension(d: Dimension) -> dict[str, object]:
    return {
        "id": d.id, "group": d.group, "name": d.name.to_dict(), "description": d.description.to_dict(),
        "unit": d.unit, "minimum": d.minimum, "maximum": d.maximum, "adverse": d.adverse,
        "gold_nugget": d.gold_nugget,
        "bands": [{"id": b.id, "label": b.label.to_dict(), "risk": b.risk, "low": b.low,
                   "low_inclusive": b.low_inclusive, "high": b.high, "high_inclusive": b.high_inclusive}
                  for b in d.bands],
        "reference": None if d.reference is None else _reference(d.reference),
    }


def _reference(r: Reference) -> dict[str, object]:
    return {"value": r.value, "label": r.label.to_dict(), "source": r.source,
            "short": r.short.to_dict() if r.short else None}


def _intervention(i: Intervention) -> dict[str, object]:
    return {
        "id": i.id, "title": i.title.to_dict(), "description": i.description.to_dict(), "prevention": i.prevention,
        "iglo": list(i.iglo), "effort": i.effort, "time_to_effect": i.time_to_effect,
        "plan": {"goal": i.plan.goal.to_dict(), "owner": i.plan.owner.to_dict(),
                 "evaluation": i.plan.evaluation.to_dict(), "follow_up_weeks": i.plan.follow_up_weeks},
        "evidence": list(i.evidence), "review_by": i.review_by.isoformat() if i.review_by else None,
    }


def description_to_dict(desc: Description) -> dict[str, object]:
    """The JSON shape of ``trivsel describe --json`` (and of the ``Describe`` RPC's fields)."""
    return {
        "ruleset": desc.info.to_dict(),
        "title": desc.title.to_dict(),
        "loaded_at": desc.loaded_at.isoformat() if desc.loaded_at else None,
        "rule_count": desc.rule_count,
        "min_group_size": desc.min_group_size, "min_answers_for_shares": desc.min_answers_for_shares,
        "default_top": desc.default_top,
        "dimensions": [_dimension(d) for d in desc.dimensions],
        "interventions": [_intervention(i) for i in desc.interventions],
        "sources": [{"id": s.id, "name": s.label, "citation": s.citation, "url": s.url, "grade": s.grade}
                    for s in desc.sources],
        "hazards": [{"id": h.id, "title": h.title.to_dict(), "severity": h.severity,
                     "legal_basis": h.legal_basis.to_dict(), "source": h.source} for h in desc.hazards],
        "rules": [{"id": r.id, "title": r.title.to_dict(), "theme": r.theme, "legal": list(r.legal),
                   "must_act": r.must_act or None, "sources": list(r.sources),
                   "review_by": r.review_by.isoformat() if r.review_by else None} for r in desc.rules],
        "sectors": [{"id": s.id, "name": s.name.to_dict(), "aliases": list(s.aliases), "fallback": s.fallback,
                     "references": {d: _reference(r) for d, r in s.references.items()}} for s in desc.sectors],
        "planning": None if desc.planning is None else {
            "employees": desc.planning.employees.to_dict(), "learning": desc.planning.learning.to_dict(),
            "co_owner": desc.planning.co_owner.to_dict(), "apv": desc.planning.apv.to_dict(),
            "source": desc.planning.source},
        "instruments": [{"id": i.id, "title": i.title.to_dict(), "coding": list(i.coding),
                         "items": [{"code": t.code, "dimension": t.dimension, "reversed": t.reversed,
                                    "exposed": sorted(t.yes)} for t in i.items]} for i in desc.instruments],
        "refused_reload": [p.to_dict() for p in desc.refused_reload],
    }
