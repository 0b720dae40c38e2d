"""The Recommender service: proto in, engine call, proto out, with status codes and one log line.

Every method runs through :func:`rpc`, which gives the call a request id (the caller's
``x-request-id`` or a new one, returned in the response's trailing metadata), times it, turns engine errors
into statuses with field-level details, serializes the answer and checks it against the send limit
(so the log line says what the caller really gets: gRPC would drop an oversized answer after the
handler returned, with the call already logged OK), and logs method, status, latency and rule-set
version — never the profile.

The heavy calls (RecommendBatch, AnalyseOrganisation) are refused before any work when their answer
might not fit one message (service/limits.py), pass admission (service/admission.py), and are built
under a running size check.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import functools
import itertools
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeAlias

import grpc
import structlog
from google.protobuf.message import DecodeError, Message
from structlog.typing import FilteringBoundLogger

from trivsel.api import convert, wire
from trivsel.api.escape import clip, escape
from trivsel.api.status import RpcError, abort, bad_request, profile_error
from trivsel.engine import MatchError, Options, Profile, ProfileError
from trivsel.engine.description import describe
from trivsel.engine.explain import explain_intervention, explain_rule
from trivsel.engine.levers import levers
from trivsel.engine.organisation import DEFAULT_SHARE, department_bands
from trivsel.engine.organisation import _reason as escalation_reason
from trivsel.engine.problems import Problem
from trivsel.engine.recommender import Evaluation, StageHook, no_stages
from trivsel.engine.result import DETAIL_FULL, DETAIL_IDS
from trivsel.engine.suggestions import closest, did_you_mean
from trivsel.engine.survey import SurveyError, SurveyProblem, SurveySpec, score_survey
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

from .admission import Admission, AdmissionSettings
from .auth import AdminCheck
from .limits import BATCH, ORGANISATION, AnswerLimits, SizeGuard
from .metrics import metrics
from .state import LOADED, REFUSED, UNCHANGED, RuleSetHolder, Snapshot, log_refusal
from .tracing import Tracing

__all__ = ["RecommenderService", "SERVICE_VERSION", "generic_handler"]

SERVICE_VERSION = "0.1.0"
REQUEST_ID = "x-request-id"
MAX_TOP = 100
BATCH_CHUNK = 128
"""Profiles of a batch evaluated and rendered together: large enough for the caches to stay warm
within each stage, small enough to check the deadline often and hold few evaluations at once."""
Outcome = tuple[int, pb.Profile, Profile, Evaluation | ProfileError]
"""A batch's profile as :meth:`RecommenderService._evaluated` gives it: its index, the message, the
decoded profile and what the engine made of it."""
_DETAIL: dict[int, str] = {pb.DETAIL_UNSPECIFIED: DETAIL_FULL, pb.DETAIL_FULL: DETAIL_FULL, pb.DETAIL_IDS: DETAIL_IDS}
_OUTCOME = {LOADED: pb.RELOAD_OUTCOME_LOADED, UNCHANGED: pb.RELOAD_OUTCOME_UNCHANGED,
            REFUSED: pb.RELOAD_OUTCOME_REFUSED}

log: FilteringBoundLogger = structlog.get_logger("trivsel.rpc")

Fields: TypeAlias = dict[str, str | int]
"""A call's log fields: a handler adds what its log line (and its span) should say."""
Handler: TypeAlias = Callable[["RecommenderService", Any, grpc.ServicerContext, Fields], "bytes | Message"]
"""A method under :func:`rpc`: the decoded request (the message class its descriptor names; for a
client stream, an iterator of them), the context and the log fields; wire bytes or a message back."""
Endpoint: TypeAlias = Callable[["RecommenderService", Any, grpc.ServicerContext], bytes]
"""What gRPC calls: the request as it arrived (bytes; for a client stream, an iterator of bytes)."""


class RequestIds:
    """The caller's ``x-request-id``, or a new one: a random per-service prefix and a counter
    (unique, and far cheaper than a uuid per call)."""

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:12]
        self._counter = itertools.count(1)

    def __call__(self, context: grpc.ServicerContext) -> str:
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID and value and len(value) <= 128:
                return value  # type: ignore[return-value]  # str: only "-bin" keys carry bytes
        return f"{self._prefix}{next(self._counter):08x}"


def rpc(method: str) -> Callable[[Handler], Endpoint]:
    """Request id, timing, decoding, error mapping and the call's log line around a handler.

    The request arrives as bytes and is decoded here, not by gRPC: grpcio's own decoder, on a
    message it cannot parse, answers INTERNAL and leaves the HTTP/2 stream open — after a few
    hundred such calls the connection refuses every new call (measured by the server fuzzer).
    """
    descriptor = pb.DESCRIPTOR.services_by_name["Recommender"].methods_by_name[method]
    request_class: type[Message] = getattr(pb, descriptor.input_type.name)
    streaming = descriptor.client_streaming

    def decoded(messages: Iterable[bytes | Message]) -> Iterator[bytes | Message]:
        """A client stream's messages, decoded as they arrive (a bad one fails the call, located)."""
        for n, raw in enumerate(messages):
            try:
                yield request_class.FromString(raw) if raw.__class__ is bytes else raw
            except DecodeError:
                raise bad_request(f"message {n} is not a valid {request_class.DESCRIPTOR.full_name}",
                                  [(f"messages[{n}]", "cannot be decoded")]) from None

    def wrap(fn: Handler) -> Endpoint:
        @functools.wraps(fn)
        def handler(self: RecommenderService, request: Any, context: grpc.ServicerContext) -> bytes:
            start = time.perf_counter()
            rid = self.request_ids(context)
            context.set_trailing_metadata(((REQUEST_ID, rid),))  # sent with the status: no extra round of I/O
            log.debug("rpc.begin", method=method, request_id=rid)
            fields: Fields = {}
            error: RpcError | None = None
            try:
                remaining = context.time_remaining()
                if remaining is not None and remaining <= 0:
                    raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before the call started")
                if streaming:
                    request = decoded(request)
                elif request.__class__ is bytes:
                    fields["request_bytes"] = len(request)
                    try:
                        request = request_class.FromString(request)
                    except DecodeError:
                        raise bad_request(f"the request is not a valid {request_class.DESCRIPTOR.full_name}",
                                          [("request", "cannot be decoded")]) from None
                response: bytes | Message | None = fn(self, request, context, fields)
                if response.__class__ is not bytes:  # a message: mypy cannot narrow on this test, isinstance would cost
                    response = response.SerializeToString()  # type: ignore[union-attr]  # not bytes: a message
                fields["answer_bytes"] = len(response)
                if len(response) > self.max_message_bytes:
                    fields["answer_bytes"] = len(response)
                    response = None
                    raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                   f"the answer is larger than this server sends in one message "
                                   f"({self.max_message_bytes / 2**20:.0f} MiB); it was not sent")
            except RpcError as exc:
                error = exc
            except ProfileError as exc:
                error = profile_error(exc)
            except MatchError as exc:
                log.error("rpc.match_failed", method=method, request_id=rid, error=str(exc))
                error = RpcError(grpc.StatusCode.INTERNAL, f"the matching engine failed and was reset; the call can be "
                                 f"retried (request id {rid})")
            except Exception:
                log.exception("rpc.crash", method=method, request_id=rid)
                error = RpcError(grpc.StatusCode.INTERNAL, f"internal error (request id {rid})")
            status = "OK" if error is None else error.code.name
            recorder = metrics()
            if recorder is not None:
                recorder.call(method, streaming, status, time.perf_counter() - start, fields.get("profiles"))
            if self.tracing is not None:
                self.tracing.annotate(status, {"request_id": rid, "status": status, **fields})
            fields["peer"] = escape(context.peer()[:80])  # ipv4:10.0.0.7:53122 — who called, not what they sent
            log.info("rpc", method=method, status=status, latency_ms=round((time.perf_counter() - start) * 1000, 3),
                     request_id=rid, **fields)
            if error is not None:
                abort(context, error, ((REQUEST_ID, rid),))
            return response  # type: ignore[return-value]  # bytes: with no error, it was serialized above

        return handler

    return wrap


class RecommenderService(pb_grpc.RecommenderServicer):
    """The API over one :class:`RuleSetHolder`."""

    def __init__(self, holder: RuleSetHolder, max_batch: int = 10_000, min_group_size: int | None = None,
                 admin_token: str | None = None, on_reloaded: Callable[[], None] | None = None,
                 admin_identities: tuple[str, ...] = (), max_message_bytes: int = 64 * 1024 * 1024,
                 admission: AdmissionSettings | None = None, protect_introspection: bool = False,
                 tracing: Tracing | None = None) -> None:
        self.holder = holder
        self.tracing = tracing  # service/tracing.py: None unless the OTEL_* variables ask for traces
        self.stage: StageHook = tracing.stage if tracing is not None else no_stages
        self.max_batch = max_batch
        self.min_group_size = min_group_size
        self.admin = AdminCheck(admin_token, admin_identities)
        self.on_reloaded = on_reloaded
        self.request_ids = RequestIds()
        self.max_message_bytes = max_message_bytes
        self.admission = Admission(admission or AdmissionSettings(max_calls=6, budget_bytes=2 * max_message_bytes,
                                                                  wait_seconds=2.0))
        self.protect_introspection = protect_introspection

    # --- helpers ----------------------------------------------------------------------------------
    def _options(self, top: int, language: str, detail: int) -> Options:
        problems = []
        if top < 0 or top > MAX_TOP:
            problems.append(("top", f"must be between 0 (the default) and {MAX_TOP}, not {top}"))
        if language not in ("", "da", "en"):
            problems.append(("language", f"must be 'da' or 'en', not '{clip(language, 20)}'"))
        if detail not in _DETAIL:
            problems.append(("detail", f"unknown detail level {detail}"))
        if problems:
            raise bad_request("invalid request: " + "; ".join(f"{f}: {d}" for f, d in problems), problems)
        return Options(top=top or None, language=language or "en", detail=_DETAIL[detail],
                       min_group_size=self.min_group_size)

    @staticmethod
    def _check_deadline(context: grpc.ServicerContext) -> None:
        remaining = context.time_remaining()
        if (remaining is not None and remaining <= 0) or not context.is_active():
            raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before the answer was ready")

    def _limits(self, snapshot: Snapshot) -> AnswerLimits:
        return AnswerLimits(snapshot.renderer, self.max_message_bytes, self.max_batch)

    def _admit(self, count: int, bound: int, what: str,
               context: grpc.ServicerContext) -> AbstractContextManager[None]:
        """Admission (service/admission.py) for a call of more than one chunk of profiles. A call of
        one chunk or less is not counted: it takes tens of milliseconds, like a few Recommend calls,
        and what it builds at worst (a chunk of full answers, a few MB) is bounded by the request
        threads building at once — while counting it would refuse the many small parallel batches
        a bulk client sends."""
        if count <= BATCH_CHUNK:
            return contextlib.nullcontext()
        return self.admission.admit(bound, what, context.time_remaining())

    def _too_many(self, count: int, what: str) -> RpcError:
        return bad_request(f"a call holds at most {self.max_batch} {what}, not {count}; split it",
                           [("profiles", f"{count} {what} exceed the limit of {self.max_batch}")])

    @staticmethod
    def _unavailable() -> RpcError:
        return RpcError(grpc.StatusCode.UNAVAILABLE, "no rule set is loaded; see Describe for the problems")

    # --- the API ----------------------------------------------------------------------------------
    @rpc("Recommend")
    def Recommend(self, request: pb.RecommendRequest, context: grpc.ServicerContext, fields: Fields) -> bytes:
        """A serialized RecommendResponse (see api/wire.py for why bytes)."""
        options = self._options(request.top, request.language, request.detail)
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            fields["department"] = escape(request.profile.department_id[:64])
            evaluation = snapshot.recommender.evaluate(convert.profile_from_proto(request.profile),
                                                       options.min_group_size, self.stage)
            with self.stage("explain"):
                return snapshot.renderer.response(evaluation, options)

    @rpc("RecommendBatch")
    def RecommendBatch(self, request: pb.RecommendBatchRequest, context: grpc.ServicerContext, fields: Fields) -> bytes:
        """A serialized RecommendBatchResponse: one item per profile, in order."""
        count = len(request.profiles)
        fields["profiles"] = count
        if count > self.max_batch:
            raise self._too_many(count, "profiles")
        options = self._options(request.top, request.language, request.detail)
        refused = 0
        messages = request.profiles
        with self._heavy_call(BATCH, messages, options, request.top, f"this batch of {count} profiles", context,
                              fields) as snapshot:
            render = snapshot.renderer.response
            guard = SizeGuard(self.max_message_bytes, "profile")
            items = []
            for i, message, _, outcome in self._evaluated(snapshot, messages, options, context):
                if isinstance(outcome, ProfileError):
                    refused += 1
                    status = profile_error(outcome, f"profiles[{i}]").to_status()
                    item = wire.batch_item(i, message.department_id, error=status)
                else:
                    item = wire.batch_item(i, message.department_id, render(outcome, options))
                guard.take(len(item[0]) + len(item[1]), i)  # the answer's size, after each item
                items.append(item)
            fields["refused"] = refused
            return wire.batch(items, snapshot.renderer.ruleset_bytes)

    @rpc("WhatIf")
    def WhatIf(self, request: pb.WhatIfRequest, context: grpc.ServicerContext, fields: Fields) -> pb.WhatIfResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        if len(request.changes) > 1000:
            raise bad_request("too many changes", [("changes", f"{len(request.changes)} changes; at most 1000")])
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            fields["changes"] = len(request.changes)
            profile = convert.profile_from_proto(request.profile)
            changes = convert.changes_from_proto(list(request.changes))
            return convert.whatif_to_proto(snapshot.recommender.whatif(profile, changes, options))

    @rpc("Explain")
    def Explain(self, request: pb.ExplainRequest, context: grpc.ServicerContext, fields: Fields) -> pb.ExplainResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        target = request.WhichOneof("target")
        if target is None:
            raise bad_request("say what to explain", [("target", "set rule_id or intervention_id")])
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            ruleset = snapshot.recommender.ruleset
            profile = convert.profile_from_proto(request.profile)
            if target == "rule_id":
                if ruleset.rule(request.rule_id) is None:
                    hint = closest(request.rule_id, [r.id for r in ruleset.rules])
                    raise bad_request(f"unknown rule '{clip(request.rule_id)}'",
                                      [("rule_id", "unknown rule" + did_you_mean(hint))])
                rule_why = explain_rule(snapshot.recommender, profile, request.rule_id, options.language,
                                        options.min_group_size)
                return convert.rule_why_to_proto(rule_why, snapshot.info)
            if request.intervention_id not in ruleset.interventions:
                hint = closest(request.intervention_id, ruleset.interventions)
                raise bad_request(f"unknown intervention '{clip(request.intervention_id)}'",
                                  [("intervention_id", "unknown intervention" +
                                    did_you_mean(hint))])
            why = explain_intervention(snapshot.recommender, profile, request.intervention_id, options.language,
                                       options.top, options.min_group_size)
            return convert.intervention_why_to_proto(why)

    @rpc("Levers")
    def Levers(self, request: pb.LeversRequest, context: grpc.ServicerContext, fields: Fields) -> pb.LeversResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            report = levers(snapshot.recommender, convert.profile_from_proto(request.profile), options, request.pairs)
            return convert.levers_to_proto(report, snapshot.info)

    @rpc("AnalyseOrganisation")
    def AnalyseOrganisation(self, request: pb.AnalyseOrganisationRequest, context: grpc.ServicerContext,
                            fields: Fields) -> bytes:
        """A serialized AnalyseOrganisationResponse, equal to ``convert.org_to_proto(analyse(...))``
        but built like a batch: departments evaluated in chunks and written to wire format as they
        go, keeping only what the needs are counted from — never every department's answer as
        engine objects and then as messages at once (what made parallel large calls take
        gigabytes)."""
        count = len(request.profiles)
        fields["profiles"] = count
        if count > self.max_batch:
            raise self._too_many(count, "departments")
        share = request.escalation_share or DEFAULT_SHARE
        if not 0 < share <= 1:
            raise bad_request("invalid escalation share", [("escalation_share", "must be above 0 and at most 1")])
        options = self._options(request.top, request.language, request.detail)
        messages = request.profiles
        with self._heavy_call(ORGANISATION, messages, options, request.top,
                              f"this organisation of {count} departments", context, fields) as snapshot:
            return self._organisation(snapshot, messages, options, share, context, fields)

    @contextlib.contextmanager
    def _heavy_call(self, method: str, messages: Sequence[pb.Profile], options: Options, top: int, what: str,
                    context: grpc.ServicerContext, fields: Fields) -> Iterator[Snapshot]:
        """The rule set for a call over many profiles, once its answer's worst case fits the send
        limit (refused before any work otherwise) and it has been admitted among the heavy calls."""
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            bound = self._limits(snapshot).check(method, messages, options.detail == DETAIL_FULL, top)
            fields["answer_bound"] = bound
            with self._admit(len(messages), bound, what, context):
                yield snapshot

    def _evaluated(self, snapshot: Snapshot, messages: Sequence[pb.Profile], options: Options,
                   context: grpc.ServicerContext) -> Iterator[Outcome]:
        """Each profile of a batch or an organisation with its outcome, in order: decoded and evaluated
        in chunks, each chunk stage by stage (see evaluate_many for why), the deadline checked before
        each chunk; what the caller does with an outcome counts as the ``explain`` stage."""
        evaluate_many = snapshot.recommender.evaluate_many
        for start in range(0, len(messages), BATCH_CHUNK):
            self._check_deadline(context)
            chunk = messages[start:start + BATCH_CHUNK]
            profiles = [convert.profile_from_proto(message) for message in chunk]
            outcomes = evaluate_many(profiles, options.min_group_size, self.stage)
            with self.stage("explain"):
                yield from zip(range(start, start + len(chunk)), chunk, profiles, outcomes)

    def _organisation(self, snapshot: Snapshot, messages: Sequence[pb.Profile], options: Options, share: float,
                      context: grpc.ServicerContext, fields: Fields) -> bytes:
        recommender, render = snapshot.recommender, snapshot.renderer.response
        guard = SizeGuard(self.max_message_bytes, "department")
        departments = []
        needed: dict[str, list[str]] = {}
        evaluated = refused = 0
        for i, _, profile, outcome in self._evaluated(snapshot, messages, options, context):
            d = profile.department
            if isinstance(outcome, ProfileError):
                refused += 1
                if outcome.too_small_only:
                    piece = wire.department(d.id, d.name, profile.respondents, refused=outcome.errors[0].message)
                else:
                    status = profile_error(ProfileError(outcome.errors), "profile").to_status()
                    piece = wire.department(d.id, d.name, profile.respondents, error=status)
            else:
                evaluated += 1
                # as the engine's organisation view: the bands of the department's sector
                bands = department_bands(recommender.view_of(outcome).ruleset.dimensions, profile)
                for ident in (*(m.intervention_id for m in outcome.must_act),
                              *(c.intervention_id for c in recommender.chosen(outcome, options.top))):
                    needed.setdefault(ident, []).append(d.id)
                piece = wire.department(d.id, d.name, profile.respondents, render(outcome, options), bands=bands)
            guard.take(len(piece[0]) + len(piece[1]) + len(piece[2]), i)
            departments.append(piece)
        fields["refused"] = refused
        needs = []
        lang = options.language
        for ident, ids in sorted(needed.items(), key=lambda item: (-len(item[1]), item[0])):
            part = len(ids) / evaluated
            escalated = part >= share - 1e-12
            reason = escalation_reason(len(ids), evaluated, part, share, lang).get(lang) if escalated else ""
            needs.append(pb.InterventionNeed(
                intervention_id=ident, title=recommender.ruleset.interventions[ident].title.get(lang),
                departments=len(ids), share=part, escalated=escalated, reason=reason,
                department_ids=ids).SerializeToString())
            guard.take(len(needs[-1]), len(messages))
        return wire.organisation(departments, snapshot.renderer.ruleset_bytes, lang, share, needs)

    @rpc("ScoreSurvey")
    def ScoreSurvey(self, request: Iterable[pb.ScoreSurveyRequest], context: grpc.ServicerContext,
                    fields: Fields) -> pb.ScoreSurveyResponse:
        """Rows in, scored profiles out (engine/survey.py). The rows are the respondents' answers:
        they are held only while the call runs and never logged — the log line gets counts."""
        header: pb.SurveyHeader | None = None
        rows: list[list[str]] = []
        cells = size = 0
        for n, message in enumerate(request):
            self._check_deadline(context)
            if message.HasField("header"):
                if header is not None:
                    raise bad_request("the header came twice", [(f"messages[{n}].header", "send it once, first")])
                header = message.header
            elif header is None:
                raise bad_request("the first message must carry the header", [("messages[0].header", "missing")])
            for row in message.rows:
                values = list(row.cells)
                longest = max(map(len, values), default=0)
                if longest > MAX_SURVEY_CELL:
                    at = next(k for k, v in enumerate(values) if len(v) == longest)
                    raise bad_request("a cell is too long", [(f"rows[{len(rows)}].cells[{at}]",
                                                              f"longer than {MAX_SURVEY_CELL} characters")])
                rows.append(values)
                cells += len(values)
                size += sum(map(len, values))
            if len(rows) > MAX_SURVEY_ROWS or cells > MAX_SURVEY_CELLS or size > MAX_SURVEY_TEXT:
                rows.clear()
                raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, f"a survey may carry at most {MAX_SURVEY_ROWS:,} "
                               f"rows, {MAX_SURVEY_CELLS:,} cells and {MAX_SURVEY_TEXT // 2**20} MiB of text; split "
                               "it by department")
        if header is None:
            raise bad_request("the call carried no header", [("messages[0].header", "missing")])
        fields["rows"] = len(rows)
        options = self._options(header.top, header.language, header.detail)
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
            ruleset = snapshot.recommender.ruleset
            instrument = ruleset.instruments.get(header.instrument)
            if instrument is None:
                raise bad_request(f"no instrument '{header.instrument[:64]}'", [(
                    "header.instrument", f"not one of: {', '.join(ruleset.instruments) or 'none'}")])
            measured = None
            if header.measured_on:
                try:
                    measured = _dt.date.fromisoformat(header.measured_on)
                except ValueError:
                    raise bad_request("measured_on is not a date", [("header.measured_on", "not a date like "
                                                                     "2025-05-01")]) from None
            known = {d.id: (d.name, d.sector) for d in header.departments} if header.departments else None
            spec = SurveySpec(header.department_column or "department", header.id_column or "respondent_id",
                              tuple(header.roll_up), tuple(header.ignore), known, header.skip_bad_rows)
            try:
                result = score_survey(instrument, list(header.columns), rows, spec, ruleset.min_group_size,
                                      ruleset.min_answers_for_shares)
            except SurveyError as exc:
                raise bad_request(f"the survey has {len(exc.problems) + exc.more} problem(s); nothing was scored",
                                  [(_survey_field(p), p.message + did_you_mean(p.suggestion))
                                   for p in exc.problems]) from None
            finally:
                rows.clear()  # the answers go no further than scoring
            fields["units"] = len(result.units)
            response = pb.ScoreSurveyResponse(
                instrument=instrument.id, rows=result.rows, ruleset=convert.ruleset_info_to_proto(snapshot.info),
                refused=[pb.RefusedUnit(id=r.id, level=r.level, respondents=r.respondents,
                                        by_difference=r.by_difference) for r in result.refused],
                skipped=[pb.SurveyProblem(row=p.row, column=p.column, message=p.message, code=p.code)
                         for p in result.skipped])
            for unit in result.units:
                profile = unit.profile(measured)
                scored = response.profiles.add(profile=convert.profile_to_proto(profile), level=unit.level,
                                               persons=dict(unit.persons), reported=sorted(unit.reported))
                if header.recommend:
                    evaluation = snapshot.recommender.evaluate(profile, options.min_group_size)
                    scored.recommendation.ParseFromString(snapshot.renderer.response(evaluation, options))
            return response

    @rpc("Describe")
    def Describe(self, request: pb.DescribeRequest, context: grpc.ServicerContext,
                 fields: Fields) -> pb.DescribeResponse:
        if self.protect_introspection:
            self.admin.require(context, "Describe")
        with self.holder.lease() as snapshot:
            refused_at = self.holder.refused_at
            refused = tuple(self._relative(p) for p in self.holder.refused if p.is_error)
            if snapshot is None:
                response = pb.DescribeResponse(service="trivsel", service_version=SERVICE_VERSION, api_version="v1",
                                               max_batch=self.max_batch,
                                               refused_reload=[convert.problem_to_proto(p) for p in refused])
            else:
                fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
                ruleset = snapshot.recommender.ruleset
                response = convert.description_to_proto(describe(ruleset, refused), SERVICE_VERSION, self.max_batch,
                                                        refused_at)
                limits = self._limits(snapshot).advertised()
                response.batch_limits.extend(convert.batch_limit_to_proto(limit) for limit in limits)
                # what every call can carry at its default detail (full) and list length: the one number
                # a caller that reads nothing else can rely on (batch_limits has the rest)
                response.max_batch = min((x.max_profiles for x in limits if x.full and x.top == ruleset.ranking.top),
                                         default=self.max_batch)
            settings = self.admission.settings
            response.max_message_bytes = self.max_message_bytes
            response.max_heavy_calls = settings.max_calls
            response.max_answer_bytes_in_flight = settings.budget_bytes
            return response

    def _relative(self, problem: Problem) -> Problem:
        """A rule-file problem as Describe shows it: the file relative to the rules folder, and
        the folder's absolute path taken out of the message — the server's layout is nobody's
        business. A file outside the folder (a kept last-good copy) shows by its name only."""
        folder = self.holder.folder.resolve()
        name = problem.position.file
        path = Path(name)
        if path.is_absolute():
            try:
                name = str(path.resolve().relative_to(folder))
            except ValueError:
                name = path.name
        message = problem.message.replace(f"{folder}/", "").replace(str(folder), ".")
        return dataclasses.replace(problem, position=dataclasses.replace(problem.position, file=name),
                                   message=message)

    @rpc("Reload")
    def Reload(self, request: pb.ReloadRequest, context: grpc.ServicerContext, fields: Fields) -> pb.ReloadResponse:
        self.admin.require(context, "Reload")
        outcome = self.holder.reload()
        fields["outcome"] = outcome.outcome
        fields["errors"] = sum(1 for p in outcome.problems if p.is_error)
        if outcome.outcome == REFUSED:
            log_refusal(log, outcome.problems)
        if outcome.outcome == LOADED and self.on_reloaded:
            self.on_reloaded()
        snapshot = outcome.snapshot
        if snapshot is not None:
            fields["ruleset"], fields["fingerprint"] = snapshot.info.version, snapshot.info.fingerprint
        return pb.ReloadResponse(
            outcome=_OUTCOME[outcome.outcome],
            ruleset=convert.ruleset_info_to_proto(snapshot.info) if snapshot else None,
            problems=[convert.problem_to_proto(self._relative(p)) for p in outcome.problems])

MAX_SURVEY_ROWS = 200_000
MAX_SURVEY_CELLS = 30_000_000
MAX_SURVEY_TEXT = 128 * 2**20
MAX_SURVEY_CELL = 1_000
"""A ScoreSurvey call's bounds: twice the benchmark's 100,000 respondents × 90 items and then some,
128 MiB of cell text at most (the benchmark's export is 18 MiB), and no cell longer than a
department name could sensibly be — so one call holds at most a few hundred MiB while it runs."""


def _survey_field(problem: SurveyProblem) -> str:
    """``rows[12].QD3`` for a cell (rows counted from 0, after the header), ``header.columns`` for a column."""
    if problem.row <= 1:
        return "header.columns" + (f".{problem.column}" if problem.column else "")
    return f"rows[{problem.row - 2}]" + (f".{problem.column}" if problem.column else "")


def _serialize(message: bytes | Message) -> bytes:
    """Hot-path handlers return wire bytes already; the others return messages."""
    # a message when not bytes, which mypy cannot narrow to without an isinstance test (hot path)
    return message if message.__class__ is bytes else message.SerializeToString()  # type: ignore[union-attr]  # not bytes: a message


def generic_handler(service: RecommenderService) -> grpc.GenericRpcHandler:
    """The service's methods, registered with a serializer that passes pre-encoded bytes through."""
    descriptor = pb.DESCRIPTOR.services_by_name["Recommender"]
    # no request_deserializer: the handlers decode (see rpc())
    methods: dict[str, grpc.RpcMethodHandler[bytes, bytes | Message]] = {
        method.name: (grpc.stream_unary_rpc_method_handler if method.client_streaming else
                      grpc.unary_unary_rpc_method_handler)(getattr(service, method.name),
                                                           response_serializer=_serialize)
        for method in descriptor.methods}
    return grpc.method_handlers_generic_handler(descriptor.full_name, methods)
