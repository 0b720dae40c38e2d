"""``trivsel call``: call any method of a gRPC server that offers reflection, like grpcurl.

It knows nothing about Trivsel: the service, method and message types all come from the server's
reflection service, requests are written as JSON and answers printed as JSON. Useful to check a
deployment from a machine that has only this tool, and as proof that the API can be used by a
client with no generated code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from trivsel.engine.errors import InvalidInput

__all__ = ["list_methods", "call"]


def _pool(channel: grpc.Channel) -> tuple[ProtoReflectionDescriptorDatabase, descriptor_pool.DescriptorPool]:
    database = ProtoReflectionDescriptorDatabase(channel)
    return database, descriptor_pool.DescriptorPool(database)


def list_methods(channel: grpc.Channel) -> list[str]:
    """``service/Method`` for every method the server reflects."""
    database, pool = _pool(channel)
    out = []
    for name in database.get_services():
        if name.startswith("grpc.reflection."):
            continue
        service = pool.FindServiceByName(name)
        out += [f"{name}/{m.name}" for m in service.methods]
    return out


def call(channel: grpc.Channel, method: str, request_json: str, metadata: Sequence[tuple[str, str]] = (),
         timeout: float = 30.0) -> str:
    """Call ``package.Service/Method`` with a JSON request; the answer as JSON."""
    service_name, _, method_name = method.rpartition("/")
    if not service_name:
        raise InvalidInput(f"'{method}': write SERVICE/METHOD, e.g. trivsel.v1.Recommender/Describe")
    _, pool = _pool(channel)
    try:
        service = pool.FindServiceByName(service_name)
    except KeyError:
        raise InvalidInput(f"the server offers no service '{service_name}'") from None
    descriptor = service.methods_by_name.get(method_name)
    if descriptor is None:
        raise InvalidInput(f"'{service_name}' has no method '{method_name}' "
                         f"(methods: {', '.join(m.name for m in service.methods)})")
    request_class = message_factory.GetMessageClass(descriptor.input_type)
    response_class = message_factory.GetMessageClass(descriptor.output_type)
    request = json_format.Parse(request_json or "{}", request_class())
    stub = channel.unary_unary(f"/{service_name}/{method_name}", request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    response = stub(request, timeout=timeout, metadata=tuple(metadata))
    return json.dumps(json_format.MessageToDict(response), ensure_ascii=False, indent=2)
