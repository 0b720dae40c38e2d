"""Engine types ⇄ protobuf messages, both ways.

The server turns engine answers into messages; the CLI's remote back end turns messages back into
the very same engine types, so ``trivsel … --server`` prints exactly what embedded mode prints.
Field names match the engine's (``docs``: the JSON of ``--json``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, cast

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from trivsel.engine.analysis import SuggestedChange
from trivsel.engine.description import Description, RuleSummary
from trivsel.engine.explain import InterventionWhy, RuleWhy
from trivsel.engine.instruments import Instrument, Item
from trivsel.engine.levers import Lever, LeverReport
from trivsel.engine.model import (
    Band,
    Dimension,
    Hazard,
    Intervention,
    Plan,
    Planning,
    Reference,
    RuleSetInfo,
    Sector,
    Source,
    Text,
)
from trivsel.engine.organisation import DepartmentOutcome, Need, OrgResult
from trivsel.engine.problems import Position, Problem
from trivsel.engine.profile import Department, FieldError, Profile, ProfileError
from trivsel.engine.result import (
    ConditionResult,
    EvidenceView,
    HazardView,
    MustActItem,
    PlanView,
    Reason,
    Recommendation,
    Result,
    StrengthView,
    Warning,
)
from trivsel.engine.whatif import Change, RankChange, WhatIfResult
from trivsel.v1 import recommender_pb2 as pb

if TYPE_CHECKING:
    from google.rpc import status_pb2

__all__ = ["profile_from_proto", "profile_to_proto", "result_to_proto", "result_from_proto", "ruleset_info_to_proto",
           "description_to_proto", "description_from_proto", "problem_to_proto", "problem_from_proto",
           "changes_from_proto", "changes_to_proto", "whatif_to_proto", "whatif_from_proto", "field_path",
           "PREVENTION", "EFFORT", "IGLO", "MOVEMENT", "rule_why_to_proto", "intervention_why_to_proto",
           "why_from_proto", "levers_to_proto", "levers_from_proto", "org_to_proto", "org_from_proto",
           "batch_limit_to_proto"]

PREVENTION = {"primary": pb.PREVENTION_PRIMARY, "secondary": pb.PREVENTION_SECONDARY,
              "tertiary": pb.PREVENTION_TERTIARY}
EFFORT = {"low": pb.EFFORT_LOW, "medium": pb.EFFORT_MEDIUM, "high": pb.EFFORT_HIGH}
IGLO = {"I": pb.IGLO_LEVEL_INDIVIDUAL, "G": pb.IGLO_LEVEL_GROUP, "L": pb.IGLO_LEVEL_LEADERSHIP,
        "O": pb.IGLO_LEVEL_ORGANISATION, "A": pb.IGLO_LEVEL_WORK_ENVIRONMENT_ORGANISATION}
MOVEMENT = {"entered": pb.MOVEMENT_ENTERED, "left": pb.MOVEMENT_LEFT, "up": pb.MOVEMENT_UP,
            "down": pb.MOVEMENT_DOWN, "same": pb.MOVEMENT_SAME}
_PREVENTION_BACK = {v: k for k, v in PREVENTION.items()}
_EFFORT_BACK = {v: k for k, v in EFFORT.items()}
_IGLO_BACK = {v: k for k, v in IGLO.items()}
_MOVEMENT_BACK = {v: k for k, v in MOVEMENT.items()}


# --- profiles ----------------------------------------------------------------------------------------
def field_path(engine_field: str, prefix: str = "profile") -> str:
    """The request field an engine field name refers to: ``department.id`` → ``profile.department_id``."""
    if engine_field.startswith("department."):
        return f"{prefix}.department_{engine_field.split('.', 1)[1]}"
    if engine_field.startswith("changes["):
        return engine_field
    return f"{prefix}.{engine_field}"


def profile_from_proto(msg: pb.Profile) -> Profile:
    """An engine profile. An unparsable date is kept as text: the profile check refuses it, so in a
    batch or an organisation only that department is refused."""
    measured: _dt.date | str | None = None
    scores = msg.scores  # copied key by key: dict() goes through the Mapping mixin's Python iterator
    if msg.measured_on:
        try:
            measured = _dt.date.fromisoformat(msg.measured_on)
        except ValueError:
            measured = msg.measured_on
    return Profile(Department(msg.department_id, msg.department_name, msg.sector), msg.respondents,
                   MappingProxyType({k: scores[k] for k in scores}), msg.invited or None, measured,
                   frozenset(msg.reported) if msg.reported else frozenset())


def profile_to_proto(profile: Profile) -> pb.Profile:
    d = profile.department
    return pb.Profile(department_id=d.id, department_name=d.name, sector=d.sector, respondents=profile.respondents,
                      invited=profile.invited or 0,
                      measured_on=(profile.measured_on.isoformat() if isinstance(profile.measured_on, _dt.date)
                                   else profile.measured_on or ""),
                      scores=dict(profile.scores), reported=sorted(profile.reported))


# --- answers -----------------------------------------------------------------------------------------
def ruleset_info_to_proto(info: RuleSetInfo) -> pb.RuleSetInfo:
    return pb.RuleSetInfo(id=info.id, version=info.version, fingerprint=info.fingerprint)


def _iglo(levels: tuple[str, ...]) -> list[pb.IgloLevel]:
    return [IGLO[level] for level in levels]


def condition_to_proto(c: ConditionResult) -> pb.Condition:
    return pb.Condition(dimension=c.dimension, op=c.op, threshold=c.threshold, threshold_high=c.threshold_high,
                        band=c.band or "", actual=c.actual, holds=c.holds, text=c.text, borderline=c.borderline)


def _reason(r: Reason, cache: dict[int, list[pb.Condition]]) -> pb.Reason:
    conditions = cache.get(id(r.conditions))
    if conditions is None:
        conditions = cache[id(r.conditions)] = [condition_to_proto(c) for c in r.conditions]
    return pb.Reason(rule_id=r.rule_id, title=r.title, text=r.text, conditions=conditions, points=r.points,
                     legal=r.legal)


def _recommendation(rec: Recommendation, cache: dict[int, list[pb.Condition]]) -> pb.Recommendation:
    if rec.plan is None:
        return pb.Recommendation(intervention_id=rec.intervention_id, rank=rec.rank, score=rec.score,
                                 prevention=PREVENTION[rec.prevention], iglo=_iglo(rec.iglo),
                                 effort=EFFORT[rec.effort], time_to_effect=rec.time_to_effect,
                                 second_answer=rec.second_answer)
    p = rec.plan
    return pb.Recommendation(
        intervention_id=rec.intervention_id, rank=rec.rank, score=rec.score, title=rec.title,
        description=rec.description, prevention=PREVENTION[rec.prevention], iglo=_iglo(rec.iglo),
        effort=EFFORT[rec.effort], time_to_effect=rec.time_to_effect,
        plan=plan_to_proto(p),
        evidence=[_evidence(e) for e in rec.evidence],
        because=[_reason(r, cache) for r in rec.because], second_answer=rec.second_answer)


def _evidence(source: EvidenceView | Source) -> pb.Evidence:
    """A source as it travels: in an answer (EvidenceView) and in Describe (Source) alike."""
    return pb.Evidence(id=source.id, citation=source.citation, url=source.url or "", grade=source.grade,
                       name=source.label)


def _must_act(item: MustActItem, cache: dict[int, list[pb.Condition]]) -> pb.MustAct:
    msg = pb.MustAct(intervention_id=item.intervention_id, rank=item.rank, title=item.title,
                     description=item.description, prevention=PREVENTION[item.prevention], iglo=_iglo(item.iglo),
                     effort=EFFORT[item.effort], time_to_effect=item.time_to_effect,
                     evidence=[_evidence(e) for e in item.evidence],
                     because=[_reason(r, cache) for r in item.because], severity=item.severity,
                     hazards=[pb.Hazard(id=h.id, title=h.title, severity=h.severity, legal_basis=h.legal_basis,
                                        source=h.source) for h in item.hazards])
    if item.plan is not None:
        p = item.plan
        msg.plan.CopyFrom(plan_to_proto(p))
    return msg


def result_to_proto(result: Result) -> pb.RecommendResponse:
    """The message for an answer (the server's hot paths write the same bytes directly: api/wire.py)."""
    cache: dict[int, list[pb.Condition]] = {}
    return pb.RecommendResponse(
        recommendations=[_recommendation(r, cache) for r in result.recommendations],
        missing=result.missing, warnings=[pb.Warning(code=w.code, message=w.message) for w in result.warnings],
        ruleset=ruleset_info_to_proto(result.ruleset), department_id=result.department_id,
        language=result.language, fired_rules=result.fired_rules, unevaluable_rules=result.unevaluable_rules,
        candidates=result.candidates, must_act=[_must_act(m, cache) for m in result.must_act],
        strengths=[pb.Strength(dimension=s.dimension, value=s.value, band=s.band, text=s.text)
                   for s in result.strengths],
        next_measurement=result.next_measurement)


def _optional(msg: Message, name: str) -> float | None:
    if msg.HasField(name):
        value: float = getattr(msg, name)
        return value
    return None


def _plan_back(r: pb.Recommendation | pb.MustAct) -> PlanView | None:
    return PlanView(*(getattr(r.plan, f) for f in PlanView._fields)) if r.HasField("plan") else None


def _because_back(r: pb.Recommendation | pb.MustAct) -> tuple[Reason, ...]:
    return tuple(
        Reason(b.rule_id, b.title, b.text, tuple(
            ConditionResult(c.dimension, c.op, _optional(c, "threshold"), _optional(c, "threshold_high"),
                            c.band or None, _optional(c, "actual"), c.holds, c.text, c.borderline)
            for c in b.conditions),
            b.points, tuple(b.legal))
        for b in r.because)


def _evidence_back(r: pb.Recommendation | pb.MustAct) -> tuple[EvidenceView, ...]:
    return tuple(EvidenceView(e.id, e.citation, e.url or None, e.grade, e.name or e.id) for e in r.evidence)


def result_from_proto(msg: pb.RecommendResponse) -> Result:
    recommendations = tuple(Recommendation(
        r.intervention_id, r.rank, r.score, r.title, r.description, _PREVENTION_BACK[r.prevention],
        tuple(_IGLO_BACK[i] for i in r.iglo), _EFFORT_BACK[r.effort], r.time_to_effect, _plan_back(r),
        _evidence_back(r), _because_back(r), r.second_answer) for r in msg.recommendations)
    must_act = tuple(MustActItem(
        m.intervention_id, m.rank, m.severity,
        tuple(HazardView(h.id, h.title, h.severity, h.legal_basis, h.source) for h in m.hazards),
        m.title, m.description, _PREVENTION_BACK[m.prevention], tuple(_IGLO_BACK[i] for i in m.iglo),
        _EFFORT_BACK[m.effort], m.time_to_effect, _plan_back(m), _evidence_back(m), _because_back(m))
        for m in msg.must_act)
    strengths = tuple(StrengthView(s.dimension, _optional(s, "value"), s.band, s.text) for s in msg.strengths)
    # the generated stub names the builtin Warning for this field (the message class is declared after it)
    warnings = cast("Iterable[pb.Warning]", msg.warnings)
    return Result(msg.department_id, msg.language, recommendations, tuple(msg.missing),
                  tuple(Warning(w.code, w.message) for w in warnings),
                  RuleSetInfo(msg.ruleset.id, msg.ruleset.version, msg.ruleset.fingerprint),
                  tuple(msg.fired_rules), tuple(msg.unevaluable_rules), msg.candidates, must_act, strengths,
                  msg.next_measurement)


# --- what-if -----------------------------------------------------------------------------------------
def changes_from_proto(changes: list[pb.Change]) -> list[Change]:
    out = []
    for i, c in enumerate(changes):
        kind = c.WhichOneof("change")
        if kind is None:
            raise ProfileError([FieldError(f"changes[{i}]", "set either set_to or add", code="required")])
        out.append(Change(c.dimension, c.set_to if kind == "set_to" else c.add, relative=kind == "add"))
    return out


def changes_to_proto(changes: list[Change]) -> list[pb.Change]:
    return [pb.Change(dimension=c.dimension, add=c.value) if c.relative else pb.Change(dimension=c.dimension,
                                                                                        set_to=c.value)
            for c in changes]


def whatif_to_proto(w: WhatIfResult) -> pb.WhatIfResponse:
    return pb.WhatIfResponse(
        baseline=result_to_proto(w.baseline), changed=result_to_proto(w.changed),
        differences=[pb.RankChange(intervention_id=d.intervention_id, movement=MOVEMENT[d.movement],
                                   baseline_rank=d.baseline_rank, changed_rank=d.changed_rank,
                                   baseline_score=d.baseline_score, changed_score=d.changed_score,
                                   rules_started=d.rules_started, rules_stopped=d.rules_stopped,
                                   rules_changed=d.rules_changed, baseline_must_act=d.baseline_must_act,
                                   changed_must_act=d.changed_must_act)
                     for d in w.differences],
        changed_scores=dict(w.changed_scores))


def whatif_from_proto(msg: pb.WhatIfResponse) -> WhatIfResult:
    return WhatIfResult(result_from_proto(msg.baseline), result_from_proto(msg.changed), tuple(
        RankChange(d.intervention_id, _MOVEMENT_BACK[d.movement], d.baseline_rank, d.changed_rank, d.baseline_score,
                   d.changed_score, tuple(d.rules_started), tuple(d.rules_stopped), tuple(d.rules_changed),
                   d.baseline_must_act, d.changed_must_act)
        for d in msg.differences),
        dict(msg.changed_scores))


# --- descriptions and problems -----------------------------------------------------------------------
def _text(t: Text) -> pb.LocalizedText:
    return pb.LocalizedText(da=t.da, en=t.en)


def _text_back(t: pb.LocalizedText) -> Text:
    return Text(t.da, t.en)


def problem_to_proto(p: Problem) -> pb.Problem:
    return pb.Problem(file=p.position.file, line=p.position.line, column=p.position.column, severity=p.severity,
                      code=p.code, message=p.message, suggestion=p.suggestion or "")


def problem_from_proto(p: pb.Problem) -> Problem:
    return Problem(Position(p.file, p.line, p.column), p.message, p.code, p.severity, p.suggestion or None)


def _timestamp(when: _dt.datetime | None) -> Timestamp | None:
    if when is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(when.astimezone(_dt.UTC).replace(tzinfo=None))
    return ts


def _dimension(d: Dimension) -> pb.Dimension:
    return pb.Dimension(
        id=d.id, group=d.group, name=_text(d.name), description=_text(d.description), unit=d.unit,
        minimum=d.minimum, maximum=d.maximum, adverse=d.adverse, gold_nugget=d.gold_nugget, share=d.share,
        meaningful_difference=d.meaningful_difference,
        bands=[pb.Band(id=b.id, label=_text(b.label), risk=b.risk, low=b.low, low_inclusive=b.low_inclusive,
                       high=b.high, high_inclusive=b.high_inclusive) for b in d.bands],
        reference=_reference(d.reference) if d.reference else None)


def _reference(r: Reference) -> pb.Reference:
    return pb.Reference(value=r.value, label=_text(r.label), source=r.source,
                        short_name=_text(r.short) if r.short else None)


def _reference_back(r: pb.Reference) -> Reference:
    return Reference(r.value, _text_back(r.label), r.source,
                     _text_back(r.short_name) if r.HasField("short_name") else None)


def _dimension_back(d: pb.Dimension) -> Dimension:
    bands = tuple(Band(b.id, _text_back(b.label), b.risk, _optional(b, "low"), b.low_inclusive, _optional(b, "high"),
                       b.high_inclusive) for b in d.bands)
    reference = _reference_back(d.reference) if d.HasField("reference") else None
    return Dimension(d.id, d.group, _text_back(d.name), _text_back(d.description), d.unit, d.minimum, d.maximum,
                     d.adverse, bands, reference, d.gold_nugget, share=d.share,
                     meaningful_difference=d.meaningful_difference)


def _intervention(i: Intervention) -> pb.Intervention:
    return pb.Intervention(
        id=i.id, title=_text(i.title), description=_text(i.description), prevention=PREVENTION[i.prevention],
        iglo=_iglo(i.iglo), effort=EFFORT[i.effort], time_to_effect=i.time_to_effect, evidence=i.evidence,
        plan=pb.PlanTemplate(goal=_text(i.plan.goal), owner=_text(i.plan.owner), evaluation=_text(i.plan.evaluation),
                             follow_up_weeks=i.plan.follow_up_weeks),
        review_by=i.review_by.isoformat() if i.review_by else "")


def _intervention_back(i: pb.Intervention) -> Intervention:
    plan = Plan(_text_back(i.plan.goal), _text_back(i.plan.owner), _text_back(i.plan.evaluation),
                i.plan.follow_up_weeks)
    return Intervention(i.id, _text_back(i.title), _text_back(i.description), _PREVENTION_BACK[i.prevention],
                        tuple(_IGLO_BACK[x] for x in i.iglo), _EFFORT_BACK[i.effort], i.time_to_effect, plan,
                        tuple(i.evidence), review_by=_dt.date.fromisoformat(i.review_by) if i.review_by else None)


def plan_to_proto(p: PlanView) -> pb.Plan:
    """A plan as its message: the fields share their names."""
    return pb.Plan(**p._asdict())


def description_to_proto(desc: Description, service_version: str, max_batch: int,
                         refused_at: _dt.datetime | None = None) -> pb.DescribeResponse:
    return pb.DescribeResponse(
        service="trivsel", service_version=service_version, api_version="v1",
        ruleset=ruleset_info_to_proto(desc.info), title=_text(desc.title), loaded_at=_timestamp(desc.loaded_at),
        rule_count=desc.rule_count, min_group_size=desc.min_group_size, default_top=desc.default_top,
        max_batch=max_batch, dimensions=[_dimension(d) for d in desc.dimensions],
        interventions=[_intervention(i) for i in desc.interventions],
        sources=[_evidence(s) for s in desc.sources],
        refused_reload=[problem_to_proto(p) for p in desc.refused_reload], refused_at=_timestamp(refused_at),
        min_answers_for_shares=desc.min_answers_for_shares,
        rules=[pb.RuleSummary(id=r.id, title=_text(r.title), theme=r.theme, legal=r.legal, must_act=r.must_act,
                              sources=r.sources, review_by=r.review_by.isoformat() if r.review_by else "")
               for r in desc.rules],
        hazards=[pb.HazardInfo(id=h.id, title=_text(h.title), severity=h.severity, legal_basis=_text(h.legal_basis),
                               source=h.source) for h in desc.hazards],
        sectors=[pb.SectorInfo(id=s.id, name=_text(s.name), aliases=s.aliases, fallback=s.fallback,
                               references={d: _reference(r) for d, r in s.references.items()}) for s in desc.sectors],
        planning=(pb.Planning(employees=_text(desc.planning.employees), learning=_text(desc.planning.learning),
                              co_owner=_text(desc.planning.co_owner), apv=_text(desc.planning.apv),
                              source=desc.planning.source) if desc.planning else None),
        instruments=[pb.InstrumentInfo(id=i.id, title=_text(i.title), coding=i.coding, items=[
            pb.InstrumentItem(code=t.code, dimension=t.dimension, reversed=t.reversed, exposed=sorted(t.yes))
            for t in i.items]) for i in desc.instruments])


class LimitFields(Protocol):
    """What :func:`batch_limit_to_proto` reads (service/limits.py's ``Limit``; api/ imports no service)."""

    @property
    def method(self) -> str: ...
    @property
    def full(self) -> bool: ...
    @property
    def top(self) -> int: ...
    @property
    def max_profiles(self) -> int: ...
    @property
    def bytes_per_profile(self) -> int: ...


def batch_limit_to_proto(limit: LimitFields) -> pb.BatchLimit:
    return pb.BatchLimit(method=limit.method, detail=pb.DETAIL_FULL if limit.full else pb.DETAIL_IDS, top=limit.top,
                         max_profiles=limit.max_profiles, bytes_per_profile=limit.bytes_per_profile)


def description_from_proto(msg: pb.DescribeResponse) -> Description:
    loaded = (msg.loaded_at.ToDatetime().replace(tzinfo=_dt.UTC) if msg.HasField("loaded_at") else None)
    return Description(
        RuleSetInfo(msg.ruleset.id, msg.ruleset.version, msg.ruleset.fingerprint), _text_back(msg.title), loaded,
        msg.rule_count, msg.min_group_size, msg.default_top, tuple(_dimension_back(d) for d in msg.dimensions),
        tuple(_intervention_back(i) for i in msg.interventions),
        tuple(Source(s.id, s.citation, s.url or None, s.grade, name=s.name if s.name != s.id else "")
              for s in msg.sources),
        tuple(problem_from_proto(p) for p in msg.refused_reload), msg.min_answers_for_shares or 20,
        tuple(RuleSummary(r.id, _text_back(r.title), r.theme, tuple(r.legal), r.must_act, tuple(r.sources),
                          _dt.date.fromisoformat(r.review_by) if r.review_by else None) for r in msg.rules),
        tuple(Hazard(h.id, _text_back(h.title), h.severity, _text_back(h.legal_basis), h.source)
              for h in msg.hazards),
        tuple(Sector(s.id, _text_back(s.name),
                     MappingProxyType({d: _reference_back(r) for d, r in s.references.items()}),
                     s.fallback, aliases=tuple(s.aliases)) for s in msg.sectors),
        Planning(_text_back(msg.planning.employees), _text_back(msg.planning.learning),
                 _text_back(msg.planning.co_owner), _text_back(msg.planning.apv), msg.planning.source)
        if msg.HasField("planning") else None,
        tuple(Instrument(i.id, _text_back(i.title), tuple(i.coding),
                         tuple(Item(t.code, t.dimension, t.reversed, frozenset(t.exposed)) for t in i.items),
                         frozenset(t.dimension for t in i.items if t.exposed)) for i in msg.instruments))


# --- explanations -----------------------------------------------------------------------------------
def _rule_why_to_proto(w: RuleWhy) -> pb.RuleExplanation:
    return pb.RuleExplanation(
        rule_id=w.rule_id, title=w.title, fired=w.fired, text=w.text,
        conditions=[condition_to_proto(c) for c in w.conditions],
        changes=[pb.SuggestedChange(dimension=c.dimension, current=c.current, value=c.value, text=t)
                 for c, t in zip(w.changes, w.change_texts)],
        missing=w.missing, points=w.points)


def _rule_why_back(m: pb.RuleExplanation) -> RuleWhy:
    conditions = tuple(ConditionResult(c.dimension, c.op, _optional(c, "threshold"), _optional(c, "threshold_high"),
                                       c.band or None, _optional(c, "actual"), c.holds, c.text) for c in m.conditions)
    changes = tuple(SuggestedChange(c.dimension, _optional(c, "current"), c.value) for c in m.changes)
    return RuleWhy(m.rule_id, m.title, m.fired, m.text, conditions, changes, tuple(c.text for c in m.changes),
                   tuple(m.missing), m.points)


def rule_why_to_proto(w: RuleWhy, info: RuleSetInfo) -> pb.ExplainResponse:
    return pb.ExplainResponse(ruleset=ruleset_info_to_proto(info), rules=[_rule_why_to_proto(w)])


def intervention_why_to_proto(w: InterventionWhy) -> pb.ExplainResponse:
    return pb.ExplainResponse(
        ruleset=ruleset_info_to_proto(w.ruleset),
        intervention=pb.InterventionExplanation(intervention_id=w.intervention_id, title=w.title, rank=w.rank,
                                                listed=w.listed, score=w.score, candidates=w.candidates, top=w.top),
        rules=[_rule_why_to_proto(r) for r in w.rules])


def why_from_proto(msg: pb.ExplainResponse) -> RuleWhy | InterventionWhy:
    rules = tuple(_rule_why_back(r) for r in msg.rules)
    if not msg.HasField("intervention"):
        return rules[0]
    i = msg.intervention
    return InterventionWhy(i.intervention_id, i.title, i.rank, i.listed, i.score, i.candidates, i.top, rules,
                           RuleSetInfo(msg.ruleset.id, msg.ruleset.version, msg.ruleset.fingerprint))


# --- levers and the organisation view ---------------------------------------------------------------
def _lever_to_proto(lever: Lever) -> pb.Lever:
    return pb.Lever(dimensions=lever.dimensions, currents=lever.currents, targets=lever.targets,
                    from_bands=lever.from_bands, to_bands=lever.to_bands, risk_before=lever.risk_before,
                    risk_after=lever.risk_after, no_longer_needed=lever.no_longer_needed,
                    still_listed=lever.still_listed, rules_stopped=lever.rules_stopped,
                    must_act_resolved=lever.must_act_resolved)


def _lever_back(m: pb.Lever) -> Lever:
    return Lever(tuple(m.dimensions), tuple(m.currents), tuple(m.targets), tuple(m.from_bands), tuple(m.to_bands),
                 m.risk_before, m.risk_after, tuple(m.no_longer_needed), m.still_listed, tuple(m.rules_stopped),
                 tuple(m.must_act_resolved))


def levers_to_proto(report: LeverReport, info: RuleSetInfo) -> pb.LeversResponse:
    return pb.LeversResponse(ruleset=ruleset_info_to_proto(info), department_id=report.department_id, risk=report.risk,
                             listed=report.listed, levers=[_lever_to_proto(x) for x in report.levers],
                             best_pair=_lever_to_proto(report.best_pair) if report.best_pair else None)


def levers_from_proto(m: pb.LeversResponse) -> LeverReport:
    return LeverReport(m.department_id, m.risk, tuple(m.listed), tuple(_lever_back(x) for x in m.levers),
                       _lever_back(m.best_pair) if m.HasField("best_pair") else None)


def org_to_proto(org: OrgResult, error_status: Callable[[tuple[FieldError, ...]], status_pb2.Status]
                 ) -> pb.AnalyseOrganisationResponse:
    departments = []
    for d in org.departments:
        item = pb.DepartmentResult(department_id=d.department_id, department_name=d.name, respondents=d.respondents,
                                   bands=[pb.DimensionBand(dimension=k, band=v) for k, v in d.bands])
        if d.result is not None:
            item.result.CopyFrom(result_to_proto(d.result))
        elif d.refused is not None:
            item.refused = d.refused
        else:
            item.error.CopyFrom(error_status(d.errors))
        departments.append(item)
    return pb.AnalyseOrganisationResponse(
        ruleset=ruleset_info_to_proto(org.ruleset), language=org.language, escalation_share=org.escalation_share,
        departments=departments,
        needs=[pb.InterventionNeed(intervention_id=n.intervention_id, title=n.title, departments=n.departments,
                                   share=n.share, escalated=n.escalated, reason=n.reason,
                                   department_ids=n.department_ids) for n in org.needs])


def org_from_proto(m: pb.AnalyseOrganisationResponse,
                   field_errors: Callable[[status_pb2.Status], Iterable[FieldError]]) -> OrgResult:
    departments = []
    for d in m.departments:
        kind = d.WhichOneof("outcome")
        result = result_from_proto(d.result) if kind == "result" else None
        refused = d.refused if kind == "refused" else None
        errors = tuple(field_errors(d.error)) if kind == "error" else ()
        departments.append(DepartmentOutcome(d.department_id, d.department_name, d.respondents, result, refused, errors,
                                             tuple((b.dimension, b.band) for b in d.bands)))
    return OrgResult(RuleSetInfo(m.ruleset.id, m.ruleset.version, m.ruleset.fingerprint), m.language,
                     m.escalation_share, tuple(departments),
                     tuple(Need(n.intervention_id, n.title, n.departments, n.share, n.escalated, n.reason,
                                tuple(n.department_ids)) for n in m.needs))
