"""The wire renderer writes exactly the messages the engine's answer converts to."""

from __future__ import annotations

import random
from types import MappingProxyType

from engine import Department, Options, Profile, ProfileError
from engine.synthetic import random_values
from service import wire
from service.convert import result_to_proto, ruleset_info_to_proto
from service.errors import profile_error
from trivsel.v1 import recommender_pb2 as pb


def test_varint_matches_protobuf() -> None:
    for n in (1, 127, 128, 300, 16383, 16384, 2**31 - 1):
        assert pb.BatchItem(index=n).SerializeToString() == b"\x08" + wire.varint(n)


def test_answers_parse_to_the_same_messages(recommender) -> None:
    rng = random.Random(31)
    renderer = wire.WireRenderer(recommender)
    checked = 0
    for i in range(2000):
        values = random_values(rng, recommender.ruleset.dimensions, missing_share=rng.choice((0.0, 0.3, 0.9)))
        values["work_environment_competence"] = rng.choice((10.0, 50.0, values.get("work_environment_competence", 1)))
        profile = Profile(Department(f"d{i}", "Navn æøå"), rng.choice((5, 8, 40)), MappingProxyType(values),
                          rng.choice((None, 10, 100)))
        options = Options(top=rng.choice((None, 1, 3, 12)), language=rng.choice(("da", "en")),
                          detail=rng.choice(("full", "ids")))
        try:
            evaluation = recommender.evaluate(profile)
        except ProfileError:
            continue
        expected = result_to_proto(recommender.render(evaluation, options))
        assert pb.RecommendResponse.FromString(renderer.response(evaluation, options)) == expected
        checked += 1
    assert checked > 1500


def test_batch_encoding(recommender) -> None:
    renderer = wire.WireRenderer(recommender)
    evaluation = recommender.evaluate(Profile(Department("a"), 20, MappingProxyType({"influence": 20, "work_pace": 90})))
    try:
        recommender.evaluate(Profile(Department("b"), 2, MappingProxyType({})))
    except ProfileError as exc:
        error = profile_error(exc, "profiles[1]").to_status()
    data = wire.batch([wire.batch_item(0, "a", renderer.response(evaluation, Options())),
                       wire.batch_item(1, "b", error=error)], renderer.ruleset_bytes)
    result = recommender.render(evaluation, Options())
    expected = pb.RecommendBatchResponse(items=[pb.BatchItem(index=0, department_id="a", result=result_to_proto(result)),
                                                pb.BatchItem(index=1, department_id="b", error=error)],
                                         ruleset=ruleset_info_to_proto(result.ruleset))
    assert pb.RecommendBatchResponse.FromString(data) == expected
