"""``trivsel.Client``: the Python way to ask a Trivsel server, without touching protobuf.

Other teams' Python services call the server with plain values — a profile as the same mapping the
CLI reads from a JSON file (or an engine ``Profile``) — and get the engine's own frozen answer types
back (``Result``, ``WhatIfResult``, ``Description`` …), so an answer reads the same whether it was
computed in-process or over the network. Failures arrive as the exceptions in
``trivsel.client.errors`` (``InvalidProfileError`` names every bad field), never as a bare
``grpc.RpcError``.

    import trivsel
    with trivsel.Client("trivsel.internal:50051", token="…") as client:
        result = client.recommend({"department": {"id": "care-3"}, "respondents": 24, "scores": {…}},
                                  language="da", top=5)
        for rec in result.recommendations: print(rec.rank, rec.title)

The client is synchronous and safe to share between threads (one gRPC channel underneath).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol, Self, TypeVar, cast

import grpc

from trivsel.api import convert
from trivsel.api.status import field_errors
from trivsel.engine.description import Description
from trivsel.engine.explain import InterventionWhy, RuleWhy
from trivsel.engine.levers import LeverReport
from trivsel.engine.organisation import OrgResult
from trivsel.engine.profile import FieldError, Profile, ProfileError, profile_from_dict
from trivsel.engine.result import DETAIL_FULL, DETAIL_IDS, Result
from trivsel.engine.whatif import Change, WhatIfResult, parse_change
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

from .errors import InvalidArgumentError, InvalidProfileError, TrivselError, from_rpc_error, from_status

__all__ = ["Client", "ProfileLike", "SERVICE_NAME"]

ProfileLike = Profile | Mapping[str, object]
"""An engine ``Profile``, or the mapping a profile JSON file holds (``department``, ``scores`` …)."""

SERVICE_NAME = "trivsel.v1.Recommender"
"""The name the health service reports on."""

_DETAIL: dict[str, pb.Detail] = {DETAIL_FULL: pb.DETAIL_FULL, DETAIL_IDS: pb.DETAIL_IDS}
_MESSAGE_LIMIT = 256 << 20  # the largest answer the server can be configured to send (--max-message-mb)
_OPTIONS: list[tuple[str, int | str]] = [("grpc.max_receive_message_length", _MESSAGE_LIMIT),
                                         ("grpc.max_send_message_length", _MESSAGE_LIMIT)]
_CODES = {code.value[0]: code for code in grpc.StatusCode}

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")


class _RecommenderStub(Protocol):
    """The generated ``RecommenderStub``'s methods with their message types (protoc's gRPC plugin
    writes no type stubs for it)."""

    Recommend: grpc.UnaryUnaryMultiCallable[pb.RecommendRequest, pb.RecommendResponse]
    RecommendBatch: grpc.UnaryUnaryMultiCallable[pb.RecommendBatchRequest, pb.RecommendBatchResponse]
    WhatIf: grpc.UnaryUnaryMultiCallable[pb.WhatIfRequest, pb.WhatIfResponse]
    Explain: grpc.UnaryUnaryMultiCallable[pb.ExplainRequest, pb.ExplainResponse]
    Levers: grpc.UnaryUnaryMultiCallable[pb.LeversRequest, pb.LeversResponse]
    AnalyseOrganisation: grpc.UnaryUnaryMultiCallable[pb.AnalyseOrganisationRequest, pb.AnalyseOrganisationResponse]
    Describe: grpc.UnaryUnaryMultiCallable[pb.DescribeRequest, pb.DescribeResponse]
    Reload: grpc.UnaryUnaryMultiCallable[pb.ReloadRequest, pb.ReloadResponse]


class Client:
    """A connection to one Trivsel server (``host:port``); close it, or use it in a ``with`` block.

    ``tls=True`` (or any of ``ca``/``cert``/``key``) makes a TLS channel: ``ca`` is the server's CA
    bundle (the system's roots otherwise), ``cert``/``key`` a client certificate for mutual TLS.
    (``cert`` and ``key`` go together.) ``token`` is sent as ``authorization: Bearer …``.
    ``timeout`` is each call's deadline in seconds. ``server_name`` is the name to check the
    server's certificate against, when it differs from the address's host.
    """

    def __init__(self, address: str, *, tls: bool = False, ca: Path | str | None = None,
                 cert: Path | str | None = None, key: Path | str | None = None, token: str | None = None,
                 timeout: float = 30.0, server_name: str | None = None) -> None:
        options = list(_OPTIONS)
        if server_name:  # the name the server's certificate must carry, when it is not the address's host
            options.append(("grpc.ssl_target_name_override", server_name))
        if tls or ca or cert or key:
            credentials = grpc.ssl_channel_credentials(root_certificates=_read(ca), private_key=_read(key),
                                                       certificate_chain=_read(cert))
            self._channel = grpc.secure_channel(address, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(address, options=options)
        # the generated stub's constructor is untyped; _RecommenderStub says what it holds
        self._stub: _RecommenderStub = pb_grpc.RecommenderStub(self._channel)  # type: ignore[no-untyped-call]  # the stub is generated without annotations
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.timeout = timeout

    @property
    def channel(self) -> grpc.Channel:
        """The channel, with its credentials, for calls outside the Trivsel API (health, reflection)."""
        return self._channel

    def _call(self, method: grpc.UnaryUnaryMultiCallable[_Request, _Response], request: _Request) -> _Response:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    def recommend(self, profile: ProfileLike, *, language: str = "en", top: int | None = None,
                  detail: str = DETAIL_FULL) -> Result:
        """The ranked interventions, must-act items and rationale for one department.

        ``top`` defaults to the rule set's own list length; ``detail="ids"`` drops the texts."""
        request = pb.RecommendRequest(profile=_profile(profile), top=top or 0, language=language,
                                      detail=_detail(detail))
        return convert.result_from_proto(self._call(self._stub.Recommend, request))

    def recommend_batch(self, profiles: Sequence[ProfileLike], *, language: str = "en", top: int | None = None,
                        detail: str = DETAIL_FULL) -> list[Result | TrivselError]:
        """One answer per profile, in order: a ``Result``, or the error that profile alone got (a
        refused profile does not fail the others, whether this client or the server refused it;
        its fields are named ``profiles[i].…``). A refused *call* raises as every method does."""
        answers: list[Result | TrivselError | None] = [None] * len(profiles)
        sent: list[int] = []
        messages: list[pb.Profile] = []
        for i, profile in enumerate(profiles):
            try:
                messages.append(_profile(profile))
                sent.append(i)
            except InvalidProfileError as exc:
                answers[i] = InvalidProfileError(exc.code, exc.message, [
                    FieldError(f"profiles[{i}].{e.field}", e.message, e.suggestion, e.code) for e in exc.errors])
        if messages:
            request = pb.RecommendBatchRequest(profiles=messages, top=top or 0, language=language,
                                               detail=_detail(detail))
            response = self._call(self._stub.RecommendBatch, request)
            for item in response.items:
                index = sent[item.index]
                if item.HasField("result"):
                    answers[index] = convert.result_from_proto(item.result)
                else:
                    code = _CODES.get(item.error.code, grpc.StatusCode.UNKNOWN)
                    error = from_status(code, item.error.message, item.error)
                    if isinstance(error, InvalidProfileError) and index != item.index:  # fields by the caller's index
                        sent_as, ours = f"profiles[{item.index}].", f"profiles[{index}]."
                        error.errors = tuple(replace(e, field=ours + e.field.removeprefix(sent_as))
                                             if e.field.startswith(sent_as) else e for e in error.errors)
                        error.args = (str(error),)
                    answers[index] = error
        # every index is filled: refused above, or answered by one item of the response each
        return cast(list[Result | TrivselError], answers)

    def what_if(self, profile: ProfileLike, changes: Sequence[Change | str], *, language: str = "en",
                top: int | None = None) -> WhatIfResult:
        """How the answer moves under changes such as ``"workload-=10"`` or ``"influence=60"``."""
        parsed = [c if isinstance(c, Change) else parse_change(c) for c in changes]
        request = pb.WhatIfRequest(profile=_profile(profile), top=top or 0, language=language,
                                   changes=convert.changes_to_proto(parsed))
        return convert.whatif_from_proto(self._call(self._stub.WhatIf, request))

    def explain_rule(self, profile: ProfileLike, rule_id: str, *, language: str = "en") -> RuleWhy:
        """Why a rule fired or not for this profile, condition by condition."""
        request = pb.ExplainRequest(profile=_profile(profile), rule_id=rule_id, language=language)
        # asked for a rule, the answer holds no intervention: why_from_proto gives a RuleWhy
        return cast(RuleWhy, convert.why_from_proto(self._call(self._stub.Explain, request)))

    def explain_intervention(self, profile: ProfileLike, intervention_id: str, *, language: str = "en",
                             top: int | None = None) -> InterventionWhy:
        """Why an intervention is (or is not) in the list, and which rules speak for it."""
        request = pb.ExplainRequest(profile=_profile(profile), intervention_id=intervention_id, language=language,
                                    top=top or 0)
        # asked for an intervention, the answer holds one: why_from_proto gives an InterventionWhy
        return cast(InterventionWhy, convert.why_from_proto(self._call(self._stub.Explain, request)))

    def levers(self, profile: ProfileLike, *, language: str = "en", top: int | None = None,
               pairs: bool = True) -> LeverReport:
        """The smallest changes that would change the answer."""
        request = pb.LeversRequest(profile=_profile(profile), top=top or 0, language=language, pairs=pairs)
        return convert.levers_from_proto(self._call(self._stub.Levers, request))

    def analyse_organisation(self, profiles: Sequence[ProfileLike], *, language: str = "en", top: int | None = None,
                             escalation_share: float = 0.0) -> OrgResult:
        """Many departments at once: what recurs across them and what belongs a level up.

        ``escalation_share`` 0 means the server's default share."""
        request = pb.AnalyseOrganisationRequest(profiles=[_profile(p) for p in profiles], top=top or 0,
                                                language=language, escalation_share=escalation_share)
        return convert.org_from_proto(self._call(self._stub.AnalyseOrganisation, request), field_errors)

    def describe(self) -> Description:
        """The loaded rule set: dimensions, bands, interventions, sectors, limits."""
        return convert.description_from_proto(self._call(self._stub.Describe, pb.DescribeRequest()))

    def reload(self) -> pb.ReloadResponse:
        """Reload the rules from the server's folder (needs the admin token); the outcome per worker."""
        return self._call(self._stub.Reload, pb.ReloadRequest())

    def health(self) -> str:
        """The health service's word for the Recommender: ``SERVING`` or ``NOT_SERVING``."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        try:
            response = health_pb2_grpc.HealthStub(self._channel).Check(
                health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))  # grpc_health is untyped

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read(path: Path | str | None) -> bytes | None:
    """A certificate or key file's bytes; ``None`` when none is given."""
    return Path(path).read_bytes() if path else None


def _detail(detail: str) -> pb.Detail:
    if detail not in _DETAIL:
        raise InvalidArgumentError(grpc.StatusCode.INVALID_ARGUMENT,
                                   f"detail must be '{DETAIL_FULL}' or '{DETAIL_IDS}', not {detail!r}")
    return _DETAIL[detail]


def _profile(profile: ProfileLike) -> pb.Profile:
    """A profile on the wire; a mapping is read exactly as the CLI reads a profile file, and what
    cannot even be put on the wire (a score that is not a number) is refused here with every
    field named — the same :class:`InvalidProfileError` the server would give."""
    if not isinstance(profile, Profile):
        try:
            profile = profile_from_dict(profile)
        except ProfileError as exc:
            raise InvalidProfileError(grpc.StatusCode.INVALID_ARGUMENT, str(exc), list(exc.errors)) from None
    errors = [FieldError(f"scores.{key}", f"must be a number, not {type(value).__name__}",
                         code="not-a-number")
              for key, value in profile.scores.items()
              if isinstance(value, bool) or not isinstance(value, (int, float))]
    if errors:
        raise InvalidProfileError(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(map(str, errors)), errors)
    try:
        return convert.profile_to_proto(profile)
    except (TypeError, ValueError) as exc:  # any other value protobuf cannot hold
        error = FieldError("profile", str(exc))
        raise InvalidProfileError(grpc.StatusCode.INVALID_ARGUMENT, str(error), [error]) from None
