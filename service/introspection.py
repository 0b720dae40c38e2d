"""Server reflection, optionally for admins only (``--protect-introspection``).

Reflection hands out the whole API schema — every method, message and field — to anyone who asks.
That is what makes ``grpcurl`` and ``trivsel call`` work without the .proto, and what a deployment
that does not want its surface mapped by strangers turns off for everyone but admins: with
protection on, each reflection stream must carry the admin credential (bearer token or admin
client certificate, service/auth.py), or it ends with UNAUTHENTICATED / PERMISSION_DENIED before
answering anything. Health stays open either way: probes carry no credentials.

Both versions of the reflection service are served: ``grpc.reflection.v1alpha`` (what grpcio-reflection
ships) and ``grpc.reflection.v1`` (what newer tools ask for first). Their messages are the same on
the wire — same fields, same numbers — so the one servicer answers both; v1 is registered under its
own service name with v1alpha's message classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

from trivsel.api.status import RpcError, abort

from .auth import AdminCheck

__all__ = ["add_reflection", "SERVICE_NAME", "SERVICE_NAME_V1"]

SERVICE_NAME = reflection.SERVICE_NAME
SERVICE_NAME_V1 = "grpc.reflection.v1.ServerReflection"


class _ProtectedReflection(reflection.ReflectionServicer):  # type: ignore[misc]  # grpc_reflection is untyped
    """The stock servicer, behind the admin check."""

    def __init__(self, service_names: Iterable[str], admin: AdminCheck) -> None:
        super().__init__(tuple(service_names))
        self._admin = admin

    def ServerReflectionInfo(self, request_iterator: Iterator[reflection_pb2.ServerReflectionRequest],
                             context: grpc.ServicerContext) -> Iterator[reflection_pb2.ServerReflectionResponse]:
        try:
            self._admin.require(context, "Server reflection")
        except RpcError as exc:
            abort(context, exc)
        yield from super().ServerReflectionInfo(request_iterator, context)


def add_reflection(server: grpc.Server, service_names: Iterable[str], admin: AdminCheck | None = None) -> None:
    """Serve reflection (v1alpha and v1) for ``service_names``; only to admins when ``admin`` is given."""
    names = tuple(service_names)
    servicer = reflection.ReflectionServicer(names) if admin is None else _ProtectedReflection(names, admin)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    v1 = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo, request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME_V1,
                                                                          {"ServerReflectionInfo": v1}),))
