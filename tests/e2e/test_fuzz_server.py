"""A fuzzer against a running server: random bytes and odd-but-valid messages. It stays healthy."""

from __future__ import annotations

import math
import random

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trivsel.v1 import recommender_pb2 as pb

from .harness import SERVING

METHODS = [m.name for m in pb.DESCRIPTOR.services_by_name["Recommender"].methods]
ALLOWED = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION}


def raw_call(channel: grpc.Channel, method: str, payload: bytes) -> grpc.StatusCode:
    call = channel.unary_unary(f"/trivsel.v1.Recommender/{method}", request_serializer=lambda b: b,
                               response_deserializer=lambda b: b)
    try:
        call(payload, timeout=10)
        return grpc.StatusCode.OK
    except grpc.RpcError as exc:
        return exc.code()


def test_random_bytes_to_every_method(server) -> None:
    rng = random.Random(7)
    channel = server.channel()
    seen = set()
    for i in range(700):
        method = METHODS[i % len(METHODS)]
        if method == "Reload":
            continue
        payload = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 7, 64, 700))))
        code = raw_call(channel, method, payload)
        seen.add(code)
        # Undecodable requests are INVALID_ARGUMENT; grpcio's own decoder used to answer INTERNAL and leak the
        # stream, until the connection refused every call (UNAVAILABLE) — the server decodes itself now.
        assert code in ALLOWED, (method, payload[:20], code)
    assert server.health() == SERVING
    assert server.stub().Describe(pb.DescribeRequest(), timeout=10).rule_count > 0
    assert grpc.StatusCode.INVALID_ARGUMENT in seen


ODD_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
    [0.0, -0.0, 1e-300, 5e-324, 1e308, 100.0, 100.000001, -1e-9, 33.0, 32.999999, 67.0, math.nan]))
ODD_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\u0000", "x" * 300, "influ\u0435nce", "💥"]))
PROFILES = st.builds(
    lambda dept, name, respondents, invited, measured, scores: pb.Profile(
        department_id=dept, department_name=name, respondents=respondents, invited=invited, measured_on=measured,
        scores=scores),
    ODD_TEXT, ODD_TEXT, st.integers(min_value=-2**31, max_value=2**31 - 1),
    st.integers(min_value=-2**31, max_value=2**31 - 1),
    st.one_of(ODD_TEXT, st.sampled_from(["2025-05-01", "9999-12-31"])),
    st.dictionaries(st.one_of(st.sampled_from(["influence", "work_pace", "bullying", "stress_prevalence"]), ODD_TEXT),
                    ODD_NUMBERS, max_size=8))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PROFILES, st.integers(min_value=-5, max_value=200), st.sampled_from(["", "da", "en", "fr", "💥"]))
def test_odd_but_valid_messages(server, profile: pb.Profile, top: int, language: str) -> None:
    stub = server.stub(server.channel()) if not hasattr(server, "_fuzz_stub") else server._fuzz_stub
    server._fuzz_stub = stub
    calls = [
        lambda: stub.Recommend(pb.RecommendRequest(profile=profile, top=top, language=language), timeout=10),
        lambda: stub.RecommendBatch(pb.RecommendBatchRequest(profiles=[profile, profile], top=top), timeout=10),
        lambda: stub.WhatIf(pb.WhatIfRequest(profile=profile, changes=[pb.Change(dimension="influence", add=5)],
                                             top=top), timeout=10),
        lambda: stub.Explain(pb.ExplainRequest(profile=profile, rule_id="low-influence", top=top), timeout=10),
        lambda: stub.Levers(pb.LeversRequest(profile=profile, top=top), timeout=10),
    ]
    for call in calls:
        try:
            call()
        except grpc.RpcError as exc:
            assert exc.code() in ALLOWED, (exc.code(), exc.details())


def test_still_healthy_after_the_fuzzing(server) -> None:
    assert server.health() == SERVING
    assert server.events("rpc.crash") == []


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PROFILES)
def test_odd_messages_long(server, profile: pb.Profile) -> None:
    try:
        server.stub().Recommend(pb.RecommendRequest(profile=profile), timeout=10)
    except grpc.RpcError as exc:
        assert exc.code() in ALLOWED


def test_hostile_messages_are_refused_and_the_server_keeps_serving(server) -> None:
    stub = server.stub()
    huge_map = pb.Profile(department_id="x", respondents=20, scores={f"k{i}": float(i) for i in range(100_000)})
    long_id = pb.Profile(department_id="d" * 10_000, respondents=20, scores={"influence": 20})
    lookalike = pb.Profile(department_id="x", respondents=20, scores={"influ\u0435nce": 20})
    for profile, field in ((huge_map, "profile.scores"), (long_id, "profile.department_id"),
                           (lookalike, "profile.scores.influ\u0435nce")):
        with pytest.raises(grpc.RpcError) as info:
            stub.Recommend(pb.RecommendRequest(profile=profile), timeout=30)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in info.value.details()
    # Bounded: each call has a 30 s deadline; the 100,000 keys are refused as a whole, not looked up one by one.
    assert "did you mean 'influence'" in info.value.details()
    assert server.health() == SERVING
