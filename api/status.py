"""Rich gRPC errors: a status code plus google.rpc details that name each bad field.

A caller's code can read ``google.rpc.BadRequest.field_violations`` to highlight the fields in a
form; the message repeats them for people reading logs.

Every status is bounded and escaped here, whatever built it: the message and the details travel in
the trailers (``grpc-message``, ``grpc-status-details-bin`` in base64), and a client refuses
trailers above its metadata limit (16 KiB by default in grpc-core) — turning an INVALID_ARGUMENT
into a RESOURCE_EXHAUSTED that names nothing. So a status carries at most :data:`MAX_VIOLATIONS`
violations plus one saying how many more there were, each field path and description cut to a
few hundred bytes, and a message of at most :data:`MAX_MESSAGE_BYTES`; every text is escaped
(api/escape.py), since most of them repeat input. The largest status this allows is
:data:`MAX_STATUS_BYTES` serialized, which the answer-size bounds count on for refused items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn, TypeAlias

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from trivsel.engine.errors import TrivselError
from trivsel.engine.profile import FieldError, ProfileError
from trivsel.engine.suggestions import did_you_mean

from .convert import field_path
from .escape import clip, echo

__all__ = ["RpcError", "bad_request", "profile_error", "status_message", "abort", "field_errors", "engine_field",
           "GRPC_TO_RPC_CODE", "MAX_VIOLATIONS", "MAX_MESSAGE_BYTES", "MAX_FIELD_BYTES", "MAX_DESCRIPTION_BYTES",
           "MAX_STATUS_BYTES"]

Metadata: TypeAlias = tuple[tuple[str, str | bytes], ...]
"""gRPC metadata: (key, value) pairs, bytes for a key ending in ``-bin``."""
GRPC_TO_RPC_CODE = {code: getattr(code_pb2, code.name) for code in grpc.StatusCode}
MAX_VIOLATIONS = 10
"""Field violations (or precondition violations) one status lists; one more says how many were left out."""
MAX_MESSAGE_BYTES = 512
"""A status message's length in UTF-8 (grpc-message percent-encodes it: at most three times this)."""
MAX_FIELD_BYTES = 120
"""A violation's field path (``profile.scores.<key>``) or subject."""
MAX_DESCRIPTION_BYTES = 240
"""A violation's description."""
MAX_STATUS_BYTES = 5 * 1024
"""An upper bound on a serialized status built here: the message, at most 11 violations of at most
field + description + 12 bytes of framing each, the Any wrappers (type URL and lengths) and room for
one small ErrorInfo or RetryInfo detail — 4,316 bytes, rounded up."""


class RpcError(TrivselError):
    """Raised inside a handler to end the call with this status (the decorator aborts with it)."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Iterable[Message] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)

    def to_status(self) -> status_pb2.Status:
        return status_message(self.code, self.message, self.details)


def status_message(code: grpc.StatusCode, message: str, details: Iterable[Message] = ()) -> status_pb2.Status:
    """A google.rpc.Status with packed details (also used per item in a batch), bounded and escaped."""
    packed = []
    for detail in details:
        any_msg = any_pb2.Any()
        any_msg.Pack(_bounded(detail))
        packed.append(any_msg)
    return status_pb2.Status(code=GRPC_TO_RPC_CODE[code], message=echo(message, MAX_MESSAGE_BYTES), details=packed)


def _bounded(detail: Message) -> Message:
    """A BadRequest or PreconditionFailure with at most MAX_VIOLATIONS entries (and one more saying
    how many were left out), each text escaped and cut; other details (ours, small) as they are."""
    if isinstance(detail, error_details_pb2.BadRequest):
        shown = [error_details_pb2.BadRequest.FieldViolation(field=echo(v.field, MAX_FIELD_BYTES),
                                                             description=echo(v.description, MAX_DESCRIPTION_BYTES))
                 for v in detail.field_violations[:MAX_VIOLATIONS]]
        hidden = len(detail.field_violations) - len(shown)
        if hidden:
            shown.append(error_details_pb2.BadRequest.FieldViolation(
                field="(more)", description=f"{hidden} more problem(s) not listed; fix these and send again"))
        bad: Message = error_details_pb2.BadRequest(field_violations=shown)  # (google.rpc is untyped here)
        return bad
    if isinstance(detail, error_details_pb2.PreconditionFailure):
        kept = [error_details_pb2.PreconditionFailure.Violation(
            type=echo(v.type, MAX_FIELD_BYTES), subject=echo(v.subject, MAX_FIELD_BYTES),
            description=echo(v.description, MAX_DESCRIPTION_BYTES)) for v in detail.violations[:MAX_VIOLATIONS]]
        hidden = len(detail.violations) - len(kept)
        if hidden:
            kept.append(error_details_pb2.PreconditionFailure.Violation(
                type="MORE", subject="(more)", description=f"{hidden} more violation(s) not listed"))
        failure: Message = error_details_pb2.PreconditionFailure(violations=kept)
        return failure
    return detail


def _violation(error: FieldError, prefix: str) -> error_details_pb2.BadRequest.FieldViolation:
    hint = did_you_mean(error.suggestion)
    return error_details_pb2.BadRequest.FieldViolation(field=field_path(error.field, prefix),
                                                       description=f"{error.message}{hint}")


def bad_request(message: str, violations: Iterable[tuple[str, str]]) -> RpcError:
    """INVALID_ARGUMENT naming fields directly: ``[("profiles", "batch of 20000 exceeds 10000")]``."""
    detail = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations])
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message, [detail])


def profile_error(exc: ProfileError, prefix: str = "profile") -> RpcError:
    """INVALID_ARGUMENT naming every bad field, or FAILED_PRECONDITION for a group below the minimum."""
    if exc.too_small_only:
        detail = error_details_pb2.PreconditionFailure(violations=[
            error_details_pb2.PreconditionFailure.Violation(type="MIN_GROUP_SIZE", subject=f"{prefix}.respondents",
                                                            description=e.message) for e in exc.errors])
        return RpcError(grpc.StatusCode.FAILED_PRECONDITION, exc.errors[0].message, [detail])
    violations = [_violation(e, prefix) for e in exc.errors]
    detail = error_details_pb2.BadRequest(field_violations=violations)
    shown = violations[:MAX_VIOLATIONS]
    # raw parts cut short, so that several fit in the message; status_message escapes it as a whole
    text = "; ".join(f"{clip(v.field, 60)}: {clip(v.description, 80)}" for v in shown)
    if len(violations) > len(shown):
        text += f"; and {len(violations) - len(shown)} more"
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid {prefix}: {text}", [detail])


def field_errors(status: status_pb2.Status) -> list[FieldError]:
    """The engine's field errors back from a status's BadRequest / PreconditionFailure details."""
    import re

    suggestion = re.compile(r"^(.*) \(did you mean '([^']*)'\?\)$", re.S)
    out: list[FieldError] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for v in bad.field_violations:
                match = suggestion.match(v.description)
                message, hint = (match.group(1), match.group(2)) if match else (v.description, None)
                out.append(FieldError(engine_field(v.field), message, hint))
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            out += [FieldError(engine_field(v.subject), v.description, code="group-too-small")
                    for v in failure.violations]
    return out


def engine_field(path: str) -> str:
    """``profile.department_id`` → ``department.id``; ``profile.scores.x`` → ``scores.x``."""
    path = path.removeprefix("profile.")
    if path.startswith("department_"):
        return "department." + path[len("department_"):]
    return path


class _Status(grpc.Status):
    """A status with our own trailing metadata added (grpc.Status is abstract)."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: Metadata) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def abort(context: grpc.ServicerContext, error: RpcError, metadata: Metadata = ()) -> NoReturn:
    """End the call with ``error``; ``metadata`` (the request id) travels with the status, since
    aborting replaces whatever trailing metadata was set before."""
    status = rpc_status.to_status(error.to_status())
    context.abort_with_status(_Status(status.code, status.details, tuple(status.trailing_metadata) + tuple(metadata)))
