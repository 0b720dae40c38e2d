"""A fault inside the matching engine fails one call with INTERNAL; the next calls are correct."""

from __future__ import annotations

from pathlib import Path

import grpc

from trivsel.api.convert import profile_to_proto, result_from_proto
from trivsel.client.profiles import read_profile
from trivsel.engine import Recommender
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import EXAMPLES, RULES
from .harness import SERVING, ServerProcess


def test_durable_fault_fails_one_call_and_later_calls_are_right(tmp_path: Path) -> None:
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    with Recommender.from_folder(RULES) as rec:
        expected = rec.recommend(profile)
    request = pb.RecommendRequest(profile=profile_to_proto(profile))
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env={"TRIVSEL_FAILPOINTS": "durable-match:4"}) as server:
        stub = server.stub()
        outcomes = []
        for _ in range(8):
            try:
                outcomes.append(result_from_proto(stub.Recommend(request)) == expected)
            except grpc.RpcError as exc:
                outcomes.append(exc.code())
        assert outcomes == [True, True, True, grpc.StatusCode.INTERNAL, True, True, True, True]
        assert server.health() == SERVING
        failure = server.events("rpc.match_failed")
        assert failure and "shard 0" in failure[0]["error"]
