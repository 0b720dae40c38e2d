"""The CLI's remote back end: the same calls as the embedded one, over gRPC.

Answers are turned back into the engine's own types, and refusals back into the engine's
exceptions with the engine's field names, so every command prints exactly what it prints in
embedded mode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engine import Options, Profile, ProfileError
from engine.description import Description
from engine.profile import FieldError
from engine.result import DETAIL_IDS, Result
from engine.whatif import Change, WhatIfResult
from engine.why import InterventionWhy, RuleWhy
from service import convert
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

__all__ = ["RemoteBackend", "ServerError"]

_SUGGESTION = re.compile(r"^(.*) \(did you mean '([^']*)'\?\)$", re.S)
_DETAIL = {"full": pb.DETAIL_FULL, DETAIL_IDS: pb.DETAIL_IDS}


class ServerError(RuntimeError):
    """The server could not be reached or failed (not the caller's input)."""


def _engine_field(path: str) -> str:
    """``profile.department_id`` → ``department.id``; ``profile.scores.x`` → ``scores.x``."""
    path = path.removeprefix("profile.")
    if path.startswith("department_"):
        return "department." + path[len("department_"):]
    return path


def _translate(exc: grpc.RpcError) -> Exception:
    code = exc.code()  # type: ignore[attr-defined]
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION) and status is not None:
        errors = []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                for v in bad.field_violations:
                    if v.field in ("rule_id", "intervention_id", "target"):
                        return ValueError(exc.details() + (f" ({v.description.split('(', 1)[1]}" if "(" in v.description else ""))  # type: ignore[attr-defined]
                    match = _SUGGESTION.match(v.description)
                    message, suggestion = (match.group(1), match.group(2)) if match else (v.description, None)
                    errors.append(FieldError(_engine_field(v.field), message, suggestion))
            elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
                failure = error_details_pb2.PreconditionFailure()
                detail.Unpack(failure)
                errors += [FieldError(_engine_field(v.subject), v.description, code="group-too-small")
                           for v in failure.violations]
        if errors:
            return ProfileError(errors)
        return ValueError(exc.details())  # type: ignore[attr-defined]
    return ServerError(f"server: {code.name}: {exc.details()}")  # type: ignore[attr-defined]


class RemoteBackend:
    """Calls a Trivsel server at ``address`` (``host:port``)."""

    def __init__(self, address: str, ca: Path | None = None, cert: Path | None = None, key: Path | None = None,
                 tls: bool = False, token: str | None = None, timeout: float = 30.0) -> None:
        if tls or ca or cert:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=ca.read_bytes() if ca else None,
                private_key=key.read_bytes() if key else None,
                certificate_chain=cert.read_bytes() if cert else None)
            self._channel = grpc.secure_channel(address, credentials)
        else:
            self._channel = grpc.insecure_channel(address)
        self._stub = pb_grpc.RecommenderStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._timeout = timeout

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

    def describe(self) -> Description:
        return convert.description_from_proto(self._call("Describe", pb.DescribeRequest()))  # type: ignore[arg-type]

    def reload(self) -> pb.ReloadResponse:
        return self._call("Reload", pb.ReloadRequest())  # type: ignore[return-value]

    def close(self) -> None:
        self._channel.close()
