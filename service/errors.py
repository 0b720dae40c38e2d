"""Rich gRPC errors: a status code plus google.rpc details that name each bad field.

A caller's code can read ``google.rpc.BadRequest.field_violations`` to highlight the fields in a
form; the message repeats them for people reading logs.
"""

from __future__ import annotations

from typing import Iterable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from engine.profile import FieldError, ProfileError

from .convert import field_path

__all__ = ["RpcError", "bad_request", "profile_error", "status_message", "abort", "field_errors", "engine_field",
           "GRPC_TO_RPC_CODE"]

GRPC_TO_RPC_CODE = {code: getattr(code_pb2, code.name) for code in grpc.StatusCode}


class RpcError(Exception):
    """Raised inside a handler to end the call with this status (the decorator aborts with it)."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Iterable[object] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)

    def to_status(self) -> status_pb2.Status:
        return status_message(self.code, self.message, self.details)


def status_message(code: grpc.StatusCode, message: str, details: Iterable[object] = ()) -> status_pb2.Status:
    """A google.rpc.Status with packed details (also used per item in a batch)."""
    packed = []
    for detail in details:
        any_msg = any_pb2.Any()
        any_msg.Pack(detail)  # type: ignore[arg-type]
        packed.append(any_msg)
    return status_pb2.Status(code=GRPC_TO_RPC_CODE[code], message=message, details=packed)


def _violation(error: FieldError, prefix: str) -> error_details_pb2.BadRequest.FieldViolation:
    hint = f" (did you mean '{error.suggestion}'?)" if error.suggestion else ""
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
    text = "; ".join(f"{v.field}: {v.description}" for v in violations)
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
            out += [FieldError(engine_field(v.subject), v.description, code="group-too-small") for v in failure.violations]
    return out


def engine_field(path: str) -> str:
    """``profile.department_id`` → ``department.id``; ``profile.scores.x`` → ``scores.x``."""
    path = path.removeprefix("profile.")
    if path.startswith("department_"):
        return "department." + path[len("department_"):]
    return path


class _Status(grpc.Status):
    """A status with our own trailing metadata added (grpc.Status is abstract)."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def abort(context: grpc.ServicerContext, error: RpcError, metadata: tuple = ()) -> None:
    """End the call with ``error``; ``metadata`` (the request id) travels with the status, since
    aborting replaces whatever trailing metadata was set before."""
    status = rpc_status.to_status(error.to_status())
    context.abort_with_status(_Status(status.code, status.details, tuple(status.trailing_metadata) + tuple(metadata)))
