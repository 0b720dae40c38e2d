"""What a Python caller catches when a Trivsel server says no: one base class, one subclass per cause.

All are :class:`CallError`, under the root of every Trivsel error (``trivsel.TrivselError``,
engine/errors.py); the ones that mean "your input was wrong" are also ``trivsel.UserError``.

gRPC reports every failure as an ``RpcError`` with a status code and trailers; a caller wants to
tell "my input was wrong, here is which field" from "try again later" from "you may not". So the
client maps the status code (and the google.rpc details the server attaches — ``BadRequest`` for
fields, ``RetryInfo`` for back-off, ``ErrorInfo`` for a machine-readable reason) to:

* :class:`InvalidArgumentError` (also a ``ValueError``) — the request was refused as input;
  :class:`InvalidProfileError` (also the engine's ``ProfileError``) when it names profile fields.
* :class:`AccessError` — :class:`UnauthenticatedError` (no or a wrong token) and
  :class:`PermissionDeniedError`.
* :class:`ServerError` — the server could not answer: :class:`UnavailableError`,
  :class:`DeadlineExceededError`, :class:`ResourceExhaustedError` (``retry_after`` in seconds when
  the server said), and the rest (internal, unimplemented, …) as ``ServerError`` itself.

Every CallError carries ``code`` (the ``grpc.StatusCode``), ``message`` (the server's words) and
``reason`` (``ErrorInfo.reason``, e.g. ``SERVER_BUSY``, or ``""``).
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from trivsel.api.status import field_errors
from trivsel.engine.errors import TrivselError, UserError
from trivsel.engine.profile import FieldError, ProfileError
from trivsel.engine.suggestions import did_you_mean

__all__ = ["TrivselError", "UserError", "CallError", "InvalidArgumentError", "InvalidProfileError", "AccessError",
           "UnauthenticatedError", "PermissionDeniedError", "ServerError", "UnavailableError",
           "DeadlineExceededError", "ResourceExhaustedError", "from_rpc_error", "from_status"]


class CallError(TrivselError):
    """A call to a Trivsel server failed; ``code``, ``message`` and ``reason`` say how."""

    def __init__(self, code: grpc.StatusCode, message: str, reason: str = "") -> None:
        Exception.__init__(self, message)  # not super(): ProfileError's __init__ takes field errors
        self.code = code
        self.message = message
        self.reason = reason


class InvalidArgumentError(CallError, UserError, ValueError):
    """The request was refused as input (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE)."""


class InvalidProfileError(InvalidArgumentError, ProfileError):
    """A profile was refused; ``errors`` names every bad field as the engine does (``scores.workload``)."""

    def __init__(self, code: grpc.StatusCode, message: str, errors: list[FieldError], reason: str = "") -> None:
        CallError.__init__(self, code, message, reason)
        self.errors = tuple(errors)
        self.args = (str(self),)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)


class AccessError(CallError):
    """The server would not take the call from this caller."""


class UnauthenticatedError(AccessError):
    """No token, or not the right one."""


class PermissionDeniedError(AccessError):
    """The caller is known but may not make this call (e.g. Reload without the admin token)."""


class ServerError(CallError):
    """The server could not answer; the request itself may be fine."""

    def __str__(self) -> str:
        return f"server: {self.code.name}: {self.message}"


class UnavailableError(ServerError):
    """Not reachable, restarting or draining: try again (another replica, or after ``retry_after``)."""

    def __init__(self, code: grpc.StatusCode, message: str, reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(code, message, reason)
        self.retry_after = retry_after


class DeadlineExceededError(ServerError):
    """The answer did not come within the call's timeout."""


class ResourceExhaustedError(UnavailableError):
    """The server is busy or the answer would be too large (``reason`` says which: SERVER_BUSY,
    ANSWER_TOO_LARGE); ``retry_after`` is the server's suggested wait, if it gave one."""


_INPUT = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.OUT_OF_RANGE)
_TARGETS = ("rule_id", "intervention_id", "target")


def from_status(code: grpc.StatusCode, message: str, status: status_pb2.Status | None) -> CallError:
    """The exception for a status code, its message and (when the server sent them) its details."""
    reason, retry_after = _info(status)
    if code in _INPUT:
        errors = field_errors(status) if status is not None else []
        targets = [e for e in errors if e.field in _TARGETS]
        if targets:  # an unknown rule or intervention id: say the nearest known one
            return InvalidArgumentError(code, message + did_you_mean(targets[0].suggestion), reason)
        if errors:
            return InvalidProfileError(code, message, errors, reason)
        return InvalidArgumentError(code, message, reason)
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return UnauthenticatedError(code, message, reason)
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDeniedError(code, message, reason)
    if code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        return ResourceExhaustedError(code, message, reason, retry_after)
    if code is grpc.StatusCode.UNAVAILABLE:
        return UnavailableError(code, message, reason, retry_after)
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return DeadlineExceededError(code, message, reason)
    return ServerError(code, message, reason)


def from_rpc_error(exc: grpc.RpcError) -> CallError:
    """The exception for a failed call (``grpc.RpcError`` from a stub)."""
    code: grpc.StatusCode = exc.code()
    message: str = exc.details() or ""
    try:
        status: status_pb2.Status | None = rpc_status.from_call(exc)  # grpc_status is untyped
    except ValueError:  # details that contradict the code: trust the code
        status = None
    return from_status(code, message, status)


def _info(status: status_pb2.Status | None) -> tuple[str, float | None]:
    reason, retry_after = "", None
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_after = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
    return reason, retry_after
