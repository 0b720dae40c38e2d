"""The CLI's remote back end: the same calls as the embedded one, over gRPC.

Answers are turned back into the engine's own types, and refusals back into the engine's
exceptions with the engine's field names, so every command prints exactly what it prints in
embedded mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import grpc
from grpc_status import rpc_status

from engine.suggestions import did_you_mean
from engine import Options, Profile, ProfileError
from engine.description import Description
from engine.result import DETAIL_IDS, Result
from engine.whatif import Change, WhatIfResult
from engine.levers import LeverReport
from engine.organisation import OrgResult
from engine.why import InterventionWhy, RuleWhy
from service import convert

from .backend import Closing
from service.errors import field_errors
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

__all__ = ["RemoteBackend", "ServerError"]

_DETAIL = {"full": pb.DETAIL_FULL, DETAIL_IDS: pb.DETAIL_IDS}


_OPTIONS = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]


class ServerError(RuntimeError):
    """The server could not be reached or failed (not the caller's input)."""


def _translate(exc: grpc.RpcError) -> Exception:
    code = exc.code()  # type: ignore[attr-defined]
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION) and status is not None:
        errors = field_errors(status)
        targets = [e for e in errors if e.field in ("rule_id", "intervention_id", "target")]
        if targets:  # an unknown rule or intervention id: word it as embedded mode does
            hint = did_you_mean(targets[0].suggestion)
            return ValueError(exc.details() + hint)  # type: ignore[attr-defined]
        if errors:
            return ProfileError(errors)
        return ValueError(exc.details())  # type: ignore[attr-defined]
    return ServerError(f"server: {code.name}: {exc.details()}")  # type: ignore[attr-defined]


class RemoteBackend(Closing):
    """Calls a Trivsel server at ``address`` (``host:port``)."""

    def __init__(self, address: str, ca: Path | None = None, cert: Path | None = None, key: Path | None = None,
                 tls: bool = False, token: str | None = None, timeout: float = 30.0) -> None:
        if tls or ca or cert:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=ca.read_bytes() if ca else None,
                private_key=key.read_bytes() if key else None,
                certificate_chain=cert.read_bytes() if cert else None)
            self._channel = grpc.secure_channel(address, credentials, options=_OPTIONS)
        else:
            self._channel = grpc.insecure_channel(address, options=_OPTIONS)
        self._stub = pb_grpc.RecommenderStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._timeout = timeout

    @property
    def channel(self) -> grpc.Channel:
        """The channel, with its credentials, for calls outside the Trivsel API (health, reflection)."""
        return self._channel

    def _call(self, method: str, request: object) -> object:
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise _translate(exc) from None

    def recommend(self, profile: Profile, options: Options) -> Result:
        request = pb.RecommendRequest(profile=convert.profile_to_proto(profile), top=options.top or 0,
                                      language=options.language, detail=_DETAIL[options.detail])
        return convert.result_from_proto(self._call("Recommend", request))  # type: ignore[arg-type]

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult:
        request = pb.WhatIfRequest(profile=convert.profile_to_proto(profile), top=options.top or 0,
                                   language=options.language, changes=convert.changes_to_proto(list(changes)))
        return convert.whatif_from_proto(self._call("WhatIf", request))  # type: ignore[arg-type]

    def explain_rule(self, profile: Profile, rule_id: str, language: str) -> RuleWhy:
        request = pb.ExplainRequest(profile=convert.profile_to_proto(profile), rule_id=rule_id, language=language)
        return convert.why_from_proto(self._call("Explain", request))  # type: ignore[return-value,arg-type]

    def explain_intervention(self, profile: Profile, intervention_id: str, language: str,
                             top: int | None) -> InterventionWhy:
        request = pb.ExplainRequest(profile=convert.profile_to_proto(profile), intervention_id=intervention_id,
                                    language=language, top=top or 0)
        return convert.why_from_proto(self._call("Explain", request))  # type: ignore[return-value,arg-type]

    def levers(self, profile: Profile, options: Options, pairs: bool = True) -> LeverReport:
        request = pb.LeversRequest(profile=convert.profile_to_proto(profile), top=options.top or 0,
                                   language=options.language, pairs=pairs)
        return convert.levers_from_proto(self._call("Levers", request))  # type: ignore[arg-type]

    def analyse(self, profiles: Sequence[Profile], options: Options, share: float) -> OrgResult:
        request = pb.AnalyseOrganisationRequest(profiles=[convert.profile_to_proto(p) for p in profiles],
                                                escalation_share=share, top=options.top or 0, language=options.language)
        return convert.org_from_proto(self._call("AnalyseOrganisation", request), field_errors)  # type: ignore

    def describe(self) -> Description:
        return convert.description_from_proto(self._call("Describe", pb.DescribeRequest()))  # type: ignore[arg-type]

    def reload(self) -> pb.ReloadResponse:
        return self._call("Reload", pb.ReloadRequest())  # type: ignore[return-value]

    def close(self) -> None:
        self._channel.close()
