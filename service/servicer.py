"""The Recommender service: proto in, engine call, proto out, with status codes and one log line.

Every method runs through :func:`rpc`, which gives the call a request id (the caller's
``x-request-id`` or a new one, returned in the response's trailing metadata), times it, turns engine errors
into statuses with field-level details, and logs method, status, latency and rule-set version —
never the profile.
"""

from __future__ import annotations

import functools
import hmac
import itertools
import time
import uuid
from typing import Any, Callable

import grpc
import structlog
from google.protobuf.message import DecodeError

from engine import MatchError, Options, ProfileError
from engine.description import describe
from engine.suggestions import closest
from engine.levers import levers
from engine.organisation import DEFAULT_SHARE, analyse
from engine.why import explain_intervention, explain_rule
from engine.result import DETAIL_FULL, DETAIL_IDS

from . import convert, wire
from .errors import RpcError, abort, bad_request, profile_error
from .state import LOADED, REFUSED, UNCHANGED, RuleSetHolder
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

__all__ = ["RecommenderService", "SERVICE_VERSION", "generic_handler"]

SERVICE_VERSION = "0.1.0"
REQUEST_ID = "x-request-id"
MAX_TOP = 100
BATCH_CHUNK = 128
"""Profiles of a batch evaluated and rendered together: large enough for the caches to stay warm
within each stage, small enough to check the deadline often and hold few evaluations at once."""
_DETAIL = {pb.DETAIL_UNSPECIFIED: DETAIL_FULL, pb.DETAIL_FULL: DETAIL_FULL, pb.DETAIL_IDS: DETAIL_IDS}
_OUTCOME = {LOADED: pb.RELOAD_OUTCOME_LOADED, UNCHANGED: pb.RELOAD_OUTCOME_UNCHANGED,
            REFUSED: pb.RELOAD_OUTCOME_REFUSED}

log = structlog.get_logger("trivsel.rpc")


class RequestIds:
    """The caller's ``x-request-id``, or a new one: a random per-service prefix and a counter
    (unique, and far cheaper than a uuid per call)."""

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:12]
        self._counter = itertools.count(1)

    def __call__(self, context: grpc.ServicerContext) -> str:
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID and value and len(value) <= 128:
                return value
        return f"{self._prefix}{next(self._counter):08x}"


def rpc(method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Request id, timing, decoding, error mapping and the call's log line around a handler.

    The request arrives as bytes and is decoded here, not by gRPC: grpcio's own decoder, on a
    message it cannot parse, answers INTERNAL and leaves the HTTP/2 stream open — after a few
    hundred such calls the connection refuses every new call (measured by the server fuzzer).
    """
    request_class = getattr(pb, pb.DESCRIPTOR.services_by_name["Recommender"].methods_by_name[method].input_type.name)

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def handler(self: "RecommenderService", request: Any, context: grpc.ServicerContext) -> Any:
            start = time.perf_counter()
            rid = self.request_ids(context)
            context.set_trailing_metadata(((REQUEST_ID, rid),))  # sent with the status: no extra round of I/O
            log.debug("rpc.begin", method=method, request_id=rid)
            fields: dict[str, object] = {}
            error: RpcError | None = None
            try:
                remaining = context.time_remaining()
                if remaining is not None and remaining <= 0:
                    raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before the call started")
                if request.__class__ is bytes:
                    try:
                        request = request_class.FromString(request)
                    except DecodeError:
                        raise bad_request(f"the request is not a valid {request_class.DESCRIPTOR.full_name}",
                                          [("request", "cannot be decoded")]) from None
                response = fn(self, request, context, fields)
            except RpcError as exc:
                error = exc
            except ProfileError as exc:
                error = profile_error(exc)
            except MatchError as exc:
                log.error("rpc.match_failed", method=method, request_id=rid, error=str(exc))
                error = RpcError(grpc.StatusCode.INTERNAL, f"the matching engine failed and was reset; the call can be "
                                 f"retried (request id {rid})")
            except Exception:  # noqa: BLE001 - a bug must not kill the worker; the caller gets INTERNAL
                log.exception("rpc.crash", method=method, request_id=rid)
                error = RpcError(grpc.StatusCode.INTERNAL, f"internal error (request id {rid})")
            status = "OK" if error is None else error.code.name
            log.info("rpc", method=method, status=status, latency_ms=round((time.perf_counter() - start) * 1000, 3),
                     request_id=rid, **fields)
            if error is not None:
                abort(context, error, ((REQUEST_ID, rid),))
            return response

        return handler

    return wrap


class RecommenderService(pb_grpc.RecommenderServicer):
    """The API over one :class:`RuleSetHolder`."""

    def __init__(self, holder: RuleSetHolder, max_batch: int = 10_000, min_group_size: int | None = None,
                 admin_token: str | None = None, on_reloaded: Callable[[], None] | None = None,
                 admin_identities: tuple[str, ...] = ()) -> None:
        self.holder = holder
        self.max_batch = max_batch
        self.min_group_size = min_group_size
        self.admin_token = admin_token
        self.admin_identities = admin_identities
        self.on_reloaded = on_reloaded
        self.request_ids = RequestIds()

    # --- helpers ----------------------------------------------------------------------------------
    def _options(self, top: int, language: str, detail: int) -> Options:
        problems = []
        if top < 0 or top > MAX_TOP:
            problems.append(("top", f"must be between 0 (the default) and {MAX_TOP}, not {top}"))
        if language not in ("", "da", "en"):
            problems.append(("language", f"must be 'da' or 'en', not '{language[:20]}'"))
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

    @staticmethod
    def _unavailable() -> RpcError:
        return RpcError(grpc.StatusCode.UNAVAILABLE, "no rule set is loaded; see Describe for the problems")

    # --- the API ----------------------------------------------------------------------------------
    @rpc("Recommend")
    def Recommend(self, request: pb.RecommendRequest, context: grpc.ServicerContext, fields: dict) -> bytes:
        """A serialized RecommendResponse (see service/wire.py for why bytes)."""
        options = self._options(request.top, request.language, request.detail)
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            fields["department"] = request.profile.department_id[:64]
            evaluation = snapshot.recommender.evaluate(convert.profile_from_proto(request.profile),
                                                       options.min_group_size)
            return snapshot.renderer.response(evaluation, options)

    @rpc("RecommendBatch")
    def RecommendBatch(self, request: pb.RecommendBatchRequest, context: grpc.ServicerContext, fields: dict) -> bytes:
        """A serialized RecommendBatchResponse: one item per profile, in order."""
        count = len(request.profiles)
        fields["profiles"] = count
        if count > self.max_batch:
            raise bad_request(f"a batch holds at most {self.max_batch} profiles, not {count}; split it",
                              [("profiles", f"{count} profiles exceed the limit of {self.max_batch}")])
        options = self._options(request.top, request.language, request.detail)
        refused = 0
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            evaluate_many, render = snapshot.recommender.evaluate_many, snapshot.renderer.response
            profile_from_proto, minimum = convert.profile_from_proto, options.min_group_size
            messages = request.profiles
            items = []
            # in chunks, each evaluated stage by stage and then rendered (see evaluate_many for why);
            # the deadline is checked before each chunk
            for start in range(0, count, BATCH_CHUNK):
                self._check_deadline(context)
                chunk = messages[start:start + BATCH_CHUNK]
                outcomes = evaluate_many([profile_from_proto(message) for message in chunk], minimum)
                for i, (message, outcome) in enumerate(zip(chunk, outcomes), start):
                    if isinstance(outcome, ProfileError):
                        refused += 1
                        status = profile_error(outcome, f"profiles[{i}]").to_status()
                        items.append(wire.batch_item(i, message.department_id, error=status))
                    else:
                        items.append(wire.batch_item(i, message.department_id, render(outcome, options)))
            fields["refused"] = refused
            return wire.batch(items, snapshot.renderer.ruleset_bytes)

    @rpc("WhatIf")
    def WhatIf(self, request: pb.WhatIfRequest, context: grpc.ServicerContext, fields: dict) -> pb.WhatIfResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        if len(request.changes) > 1000:
            raise bad_request("too many changes", [("changes", f"{len(request.changes)} changes; at most 1000")])
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            fields["changes"] = len(request.changes)
            profile = convert.profile_from_proto(request.profile)
            changes = convert.changes_from_proto(list(request.changes))
            return convert.whatif_to_proto(snapshot.recommender.whatif(profile, changes, options))

    @rpc("Explain")
    def Explain(self, request: pb.ExplainRequest, context: grpc.ServicerContext, fields: dict) -> pb.ExplainResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        target = request.WhichOneof("target")
        if target is None:
            raise bad_request("say what to explain", [("target", "set rule_id or intervention_id")])
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            ruleset = snapshot.recommender.ruleset
            profile = convert.profile_from_proto(request.profile)
            if target == "rule_id":
                if ruleset.rule(request.rule_id) is None:
                    hint = closest(request.rule_id, [r.id for r in ruleset.rules])
                    raise bad_request(f"unknown rule '{request.rule_id[:80]}'",
                                      [("rule_id", "unknown rule" + (f" (did you mean '{hint}'?)" if hint else ""))])
                why = explain_rule(snapshot.recommender, profile, request.rule_id, options.language,
                                   options.min_group_size)
                return convert.rule_why_to_proto(why, snapshot.info)
            if request.intervention_id not in ruleset.interventions:
                hint = closest(request.intervention_id, ruleset.interventions)
                raise bad_request(f"unknown intervention '{request.intervention_id[:80]}'",
                                  [("intervention_id", "unknown intervention" +
                                    (f" (did you mean '{hint}'?)" if hint else ""))])
            why = explain_intervention(snapshot.recommender, profile, request.intervention_id, options.language,
                                       options.top, options.min_group_size)
            return convert.intervention_why_to_proto(why)

    @rpc("Levers")
    def Levers(self, request: pb.LeversRequest, context: grpc.ServicerContext, fields: dict) -> pb.LeversResponse:
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            report = levers(snapshot.recommender, convert.profile_from_proto(request.profile), options, request.pairs)
            return convert.levers_to_proto(report, snapshot.info)

    @rpc("AnalyseOrganisation")
    def AnalyseOrganisation(self, request: pb.AnalyseOrganisationRequest, context: grpc.ServicerContext,
                            fields: dict) -> pb.AnalyseOrganisationResponse:
        count = len(request.profiles)
        fields["profiles"] = count
        if count > self.max_batch:
            raise bad_request(f"at most {self.max_batch} departments per call, not {count}",
                              [("profiles", f"{count} departments exceed the limit of {self.max_batch}")])
        share = request.escalation_share or DEFAULT_SHARE
        if not 0 < share <= 1:
            raise bad_request("invalid escalation share", [("escalation_share", "must be above 0 and at most 1")])
        options = self._options(request.top, request.language, pb.DETAIL_FULL)
        profiles = [convert.profile_from_proto(message) for message in request.profiles]
        with self.holder.lease() as snapshot:
            if snapshot is None:
                raise self._unavailable()
            fields["ruleset"] = snapshot.info.version
            org = analyse(snapshot.recommender, profiles, options, share)
            self._check_deadline(context)

            def status(errors):  # noqa: ANN001, ANN202
                return profile_error(ProfileError(errors), "profile").to_status()

            return convert.org_to_proto(org, status)

    @rpc("Describe")
    def Describe(self, request: pb.DescribeRequest, context: grpc.ServicerContext, fields: dict) -> pb.DescribeResponse:
        with self.holder.lease() as snapshot:
            refused_at = self.holder.refused_at
            if snapshot is None:
                return pb.DescribeResponse(
                    service="trivsel", service_version=SERVICE_VERSION, api_version="v1", max_batch=self.max_batch,
                    refused_reload=[convert.problem_to_proto(p) for p in self.holder.refused if p.is_error])
            fields["ruleset"] = snapshot.info.version
            ruleset = snapshot.recommender.ruleset
            refused = tuple(p for p in self.holder.refused if p.is_error)
            return convert.description_to_proto(describe(ruleset, refused), SERVICE_VERSION, self.max_batch,
                                                refused_at)

    @rpc("Reload")
    def Reload(self, request: pb.ReloadRequest, context: grpc.ServicerContext, fields: dict) -> pb.ReloadResponse:
        self._authorise_admin(context)
        outcome = self.holder.reload()
        fields["outcome"] = outcome.outcome
        fields["errors"] = sum(1 for p in outcome.problems if p.is_error)
        if outcome.outcome == REFUSED:
            for problem in outcome.problems:
                if problem.is_error:
                    log.warning("reload.problem", problem=str(problem))
        if outcome.outcome == LOADED and self.on_reloaded:
            self.on_reloaded()
        snapshot = outcome.snapshot
        if snapshot is not None:
            fields["ruleset"] = snapshot.info.version
        return pb.ReloadResponse(
            outcome=_OUTCOME[outcome.outcome],
            ruleset=convert.ruleset_info_to_proto(snapshot.info) if snapshot else None,
            problems=[convert.problem_to_proto(p) for p in outcome.problems])

    def _authorise_admin(self, context: grpc.ServicerContext) -> None:
        """Reload needs an admin: a configured bearer token, or a client certificate whose common
        name is listed (mutual TLS). With neither configured, Reload is off (the rules folder is still
        watched, and SIGHUP still reloads). Refusals are logged with the peer and the reason, never
        with what was sent."""
        peer = context.peer()
        if self.admin_identities:
            names = (context.auth_context() or {}).get("x509_common_name", [])
            if any(n.decode("utf-8", "replace") in self.admin_identities for n in names):
                return
        if self.admin_token:
            sent = ""
            for key, value in context.invocation_metadata() or ():
                if key == "authorization" and value.startswith("Bearer "):
                    sent = value[len("Bearer "):]
            if sent and hmac.compare_digest(sent.encode(), self.admin_token.encode()):
                return
            reason = "wrong token" if sent else "no token"
            log.warning("admin.denied", peer=peer, reason=reason)
            if sent:
                raise RpcError(grpc.StatusCode.PERMISSION_DENIED, "the admin token is wrong")
            raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "Reload needs 'authorization: Bearer <token>'"
                           + (" or an admin client certificate" if self.admin_identities else ""))
        if self.admin_identities:
            log.warning("admin.denied", peer=peer, reason="client certificate is not an admin identity")
            raise RpcError(grpc.StatusCode.PERMISSION_DENIED, "Reload needs an admin client certificate")
        log.warning("admin.denied", peer=peer, reason="no admin credential configured")
        raise RpcError(grpc.StatusCode.PERMISSION_DENIED, "Reload is off: start the server with --admin-token or "
                       "--admin-identity (the rules folder is watched, and SIGHUP reloads)")


def _serialize(message: Any) -> bytes:
    """Hot-path handlers return wire bytes already; the others return messages."""
    return message if message.__class__ is bytes else message.SerializeToString()


def generic_handler(service: RecommenderService) -> grpc.GenericRpcHandler:
    """The service's methods, registered with a serializer that passes pre-encoded bytes through."""
    descriptor = pb.DESCRIPTOR.services_by_name["Recommender"]
    methods = {  # no request_deserializer: the handlers decode (see rpc())
        method.name: grpc.unary_unary_rpc_method_handler(getattr(service, method.name), response_serializer=_serialize)
        for method in descriptor.methods}
    return grpc.method_handlers_generic_handler(descriptor.full_name, methods)
