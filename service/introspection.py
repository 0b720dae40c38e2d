"""Server reflection, optionally for admins only (``--protect-introspection``).

Reflection hands out the whole API schema — every method, message and field — to anyone who asks.
That is what makes ``grpcurl`` and ``trivsel call`` work without the .proto, and what a deployment
that does not want its surface mapped by strangers turns off for everyone but admins: with
protection on, each reflection stream must carry the admin credential (bearer token or admin
client certificate, service/auth.py), or it ends with UNAUTHENTICATED / PERMISSION_DENIED before
answering anything. Health stays open either way: probes carry no credentials.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from .auth import AdminCheck
from .errors import RpcError, abort

__all__ = ["add_reflection", "SERVICE_NAME"]

SERVICE_NAME = reflection.SERVICE_NAME


class _ProtectedReflection(reflection.ReflectionServicer):
    """The stock servicer, behind the admin check."""

    def __init__(self, service_names: Iterable[str], admin: AdminCheck) -> None:
        super().__init__(tuple(service_names))
        self._admin = admin

    def ServerReflectionInfo(self, request_iterator: Iterator, context: grpc.ServicerContext) -> Iterator:  # noqa: N802
        try:
            self._admin.require(context, "Server reflection")
        except RpcError as exc:
            abort(context, exc)
        yield from super().ServerReflectionInfo(request_iterator, context)


def add_reflection(server: grpc.Server, service_names: Iterable[str], admin: AdminCheck | None = None) -> None:
    """Serve reflection for ``service_names``; only to admins when ``admin`` is given."""
    if admin is None:
        reflection.enable_server_reflection(tuple(service_names), server)
    else:
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(_ProtectedReflection(service_names, admin), server)
