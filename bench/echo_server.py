"""The transport ceiling: a bare gRPC server that answers Trivsel's methods with canned bytes.

Same server set-up as a Trivsel worker (sync server, 8 threads, one process), same request
bytes in, same response bytes out — but no engine. ``python -m bench.echo_server PORT_FILE``.
"""

from __future__ import annotations

import sys
from concurrent import futures
from pathlib import Path

import grpc

from bench.machine import pin_from_environment
from trivsel.api.convert import result_to_proto
from trivsel.api.wire import varint
from trivsel.client.profiles import read_profile
from trivsel.engine import Options, Recommender
from trivsel.v1 import recommender_pb2 as pb

RULES = Path(__file__).resolve().parent.parent / "rules"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def canned_answer(rec: Recommender) -> bytes:
    """The unary answer, computed once: the echo server sends exactly these bytes."""
    profile = read_profile(str(EXAMPLES / "production-high-workload.yaml"))
    return result_to_proto(rec.recommend(profile, Options())).SerializeToString()


def canned_items(rec: Recommender) -> dict[tuple[int, str], bytes]:
    """Each example's ``BatchItem`` field (tag and length included), per (detail, department id):
    the answer Trivsel gives that profile, so the echo's batch answer has the size of Trivsel's."""
    items: dict[tuple[int, str], bytes] = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        profile = read_profile(str(path))
        for detail, name in ((pb.DETAIL_FULL, "full"), (pb.DETAIL_IDS, "ids")):
            answer = result_to_proto(rec.recommend(profile, Options(detail=name)))
            item = pb.BatchItem(department_id=profile.department.id, result=answer).SerializeToString()
            items[(detail, profile.department.id)] = b"\x0a" + varint(len(item)) + item
    return items


def main() -> int:
    pin_from_environment()
    with Recommender.from_folder(RULES) as rec:
        answer, items = canned_answer(rec), canned_items(rec)
    identity = lambda b: b  # noqa: E731

    def batch_handler(request: bytes, context: grpc.ServicerContext) -> bytes:
        # Echo: for each profile, the bytes Trivsel answers it with (parsing the request is part of
        # any server's work, so the echo parses it too), joined once as Trivsel joins its answer.
        parsed = pb.RecommendBatchRequest.FromString(request)
        detail = parsed.detail or pb.DETAIL_FULL
        return b"".join([items[(detail, p.department_id)] for p in parsed.profiles])

    handlers = {"Recommend": grpc.unary_unary_rpc_method_handler(lambda request, context: answer,
                                                                 request_deserializer=identity,
                                                                 response_serializer=identity),
                "RecommendBatch": grpc.unary_unary_rpc_method_handler(batch_handler, request_deserializer=identity,
                                                                      response_serializer=identity)}
    server = grpc.server(futures.ThreadPoolExecutor(8), options=[("grpc.max_receive_message_length", 256 << 20),
                                                                 ("grpc.max_send_message_length", 256 << 20)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("trivsel.v1.Recommender", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"echo: serving on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main())
