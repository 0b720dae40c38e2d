"""No request can exhaust the service: answers bounded before they are built, heavy calls admitted
by weight, memory bounded under parallel large calls, errors that fit a client's metadata limit,
and input echoed only escaped."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from types import MappingProxyType

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from bench.machine import tree_cpu_seconds, tree_resident_mib
from trivsel.api.convert import org_to_proto, profile_to_proto
from trivsel.api.status import MAX_VIOLATIONS, RpcError, profile_error
from trivsel.engine import Department, Options, Profile, ProfileError, Recommender
from trivsel.engine.organisation import analyse
from trivsel.engine.synthetic import random_values
from trivsel.service.limits import SizeGuard
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from .harness import ServerProcess

CLIENT_METADATA_LIMIT = 16 * 1024  # grpc-core's default for what a client accepts in headers and trailers
MEMORY_LIMIT_MIB = 600


@pytest.fixture(scope="module")
def embedded():
    with Recommender.from_folder(RULES) as rec:
        yield rec


def synthetic(count: int, seed: int, rec: Recommender, id_length: int = 0) -> list[Profile]:
    """Random valid profiles; a few too small and a few invalid, as a real survey export has."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        values = random_values(rng, rec.ruleset.dimensions, missing_share=rng.choice((0.0, 0.2)))
        ident = f"dept-{i}" if not id_length else f"{i:06d}".ljust(id_length, "x")
        respondents = 3 if i % 97 == 5 else 20
        if i % 89 == 7:
            values["influence"] = 400.0
        out.append(Profile(Department(ident, f"Afdeling {i}"), respondents, MappingProxyType(values), 40))
    return out


def detail_of(exc: grpc.RpcError, kind):
    for detail in rpc_status.from_call(exc).details:
        if detail.Is(kind.DESCRIPTOR):
            out = kind()
            detail.Unpack(out)
            return out
    return None


def limits_of(describe: pb.DescribeResponse) -> dict[tuple[str, int, int], pb.BatchLimit]:
    return {(x.method, x.detail, x.top): x for x in describe.batch_limits}


def big(server: ServerProcess):
    """A stub whose channel accepts answers up to the server's own default limit (64 MiB)."""
    return server.stub(server.channel(options=[("grpc.max_receive_message_length", 64 * 1024 * 1024),
                                               ("grpc.max_send_message_length", 64 * 1024 * 1024)]))


def trailer_bytes(exc: grpc.RpcError) -> int:
    return sum(len(k) + len(v if isinstance(v, bytes) else v.encode()) for k, v in exc.trailing_metadata() or ())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with ServerProcess(RULES, log_dir=tmp_path_factory.mktemp("logs")) as running:
        yield running


# --- answers bounded before they are built --------------------------------------------------------
def test_describe_advertises_limits_per_detail_level(server) -> None:
    describe = server.stub().Describe(pb.DescribeRequest())
    limits = limits_of(describe)
    assert describe.max_message_bytes == 64 * 1024 * 1024
    assert {(m, d) for m, d, _ in limits} == {(m, d) for m in ("RecommendBatch", "AnalyseOrganisation")
                                              for d in (pb.DETAIL_FULL, pb.DETAIL_IDS)}
    full, ids = limits[("RecommendBatch", pb.DETAIL_FULL, 5)], limits[("RecommendBatch", pb.DETAIL_IDS, 5)]
    assert 0 < full.max_profiles < ids.max_profiles <= 10_000
    assert full.max_profiles * full.bytes_per_profile <= describe.max_message_bytes
    organisation = limits[("AnalyseOrganisation", pb.DETAIL_FULL, 5)]
    # what every call carries at its default detail and length
    assert describe.max_batch == min(full.max_profiles, organisation.max_profiles)
    assert describe.max_heavy_calls >= 1 and describe.max_answer_bytes_in_flight >= describe.max_message_bytes


def test_a_batch_that_cannot_fit_is_refused_before_any_work(server, embedded) -> None:
    describe = server.stub().Describe(pb.DescribeRequest())
    full = limits_of(describe)[("RecommendBatch", pb.DETAIL_FULL, 5)]
    profiles = [profile_to_proto(p) for p in synthetic(10_000, 3, embedded)]
    with pytest.raises(grpc.RpcError) as info:
        server.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=profiles), timeout=30,
                                     metadata=(("x-request-id", "too-big-1"),))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    message = info.value.details()
    assert "DETAIL_IDS" in message and "split" in message and "64 MiB" in message
    error = detail_of(info.value, error_details_pb2.ErrorInfo)
    assert error.reason == "ANSWER_TOO_LARGE" and int(error.metadata["max_profiles"]) >= full.max_profiles
    assert int(error.metadata["max_message_bytes"]) == describe.max_message_bytes
    bad = detail_of(info.value, error_details_pb2.BadRequest)
    assert bad.field_violations[0].field == "profiles"
    line = next(e for e in server.events("rpc") if e["request_id"] == "too-big-1")
    assert line["status"] == "INVALID_ARGUMENT" and "refused" not in line  # refused before any profile was read
    # what the refusal says fits, fits: the same profiles, split as told, and as DETAIL_IDS whole
    part = int(error.metadata["max_profiles"])
    answer = big(server).RecommendBatch(pb.RecommendBatchRequest(profiles=profiles[:part]), timeout=60)
    assert len(answer.items) == part and answer.ByteSize() <= describe.max_message_bytes
    answer = big(server).RecommendBatch(pb.RecommendBatchRequest(profiles=profiles, detail=pb.DETAIL_IDS),
                                        timeout=60)
    assert len(answer.items) == 10_000


def test_answers_stay_within_the_advertised_bytes_per_profile(server, embedded) -> None:
    """The bound must hold for any profile: random ones at the longest ids, both languages, the
    default and the longest list."""
    limits = limits_of(server.stub().Describe(pb.DescribeRequest()))
    every = [profile_to_proto(p) for p in synthetic(250, 5, embedded, id_length=200)]
    for (method, detail, top), limit in limits.items():
        profiles = every[:limit.max_profiles]  # as many as the call may carry (the longest list allows fewer)
        for language in ("da", "en"):
            if method == "RecommendBatch":
                answer = big(server).RecommendBatch(pb.RecommendBatchRequest(
                    profiles=profiles, top=top, detail=detail, language=language), timeout=60)
                sizes = [item.ByteSize() + 6 for item in answer.items]  # with its tag and length
            else:
                answer = big(server).AnalyseOrganisation(pb.AnalyseOrganisationRequest(
                    profiles=profiles, top=top, detail=detail, language=language), timeout=60)
                needs = sum(len(n.department_ids) for n in answer.needs)
                sizes = [d.ByteSize() + 6 + needs // len(profiles) * 206 for d in answer.departments]
            assert max(sizes) <= limit.bytes_per_profile, (method, detail, top, language, max(sizes))


def test_organisation_answer_equals_the_engine_view(server, embedded) -> None:
    profiles = synthetic(400, 8, embedded)
    for language, top, share in (("da", 0, 0.0), ("en", 3, 0.2)):
        answer = big(server).AnalyseOrganisation(pb.AnalyseOrganisationRequest(
            profiles=[profile_to_proto(p) for p in profiles], language=language, top=top, escalation_share=share),
            timeout=60)
        expected = org_to_proto(analyse(embedded, profiles, Options(top=top or None, language=language), share or 0.3),
                                lambda errors: profile_error(ProfileError(errors), "profile").to_status())
        assert answer == expected


def test_the_size_guard_stops_at_the_limit() -> None:
    guard = SizeGuard(10_000, "profile")
    guard.take(4_000, 0)
    guard.take(4_000, 1)
    with pytest.raises(RpcError) as info:
        guard.take(4_000, 2)
    assert info.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "profile 2" in info.value.message


def test_an_answer_over_the_send_limit_is_logged_as_refused(tmp_path: Path) -> None:
    """gRPC drops an answer over its send limit after the handler returned; the call must not be
    logged OK. Describe's answer (the whole catalogue) is larger than a 20 KiB limit."""
    with ServerProcess(RULES, log_dir=tmp_path, extra=["--max-message-mb", "0.02"]) as small:
        with pytest.raises(grpc.RpcError) as info:
            small.stub().Describe(pb.DescribeRequest(), timeout=10, metadata=(("x-request-id", "big-describe"),))
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "not sent" in info.value.details()
        time.sleep(0.2)
        line = next(e for e in small.events("rpc") if e["request_id"] == "big-describe")
        assert line["status"] == "RESOURCE_EXHAUSTED" and line["answer_bytes"] > 20 * 1024
        # and the batch limits follow the send limit: even a handful of full answers is refused up front
        profile = pb.Profile(department_id="d", respondents=20, scores={"influence": 10, "work_pace": 90})
        with pytest.raises(grpc.RpcError) as info:
            small.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=[profile] * 5), timeout=10)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert small.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=[profile], detail=pb.DETAIL_IDS),
                                           timeout=10).items


# --- errors that fit a client's metadata limit, echoing input escaped -----------------------------
def test_a_thousand_bad_keys_still_give_invalid_argument(server) -> None:
    rng = random.Random(4)
    scores = {"".join(rng.choice("abcdefghij") for _ in range(100)): 1.0 for _ in range(1000)}
    channel = server.channel(options=[("grpc.max_metadata_size", CLIENT_METADATA_LIMIT)])
    with pytest.raises(grpc.RpcError) as info:
        server.stub(channel).Recommend(pb.RecommendRequest(profile=pb.Profile(
            department_id="d", respondents=20, scores=scores)), timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailer_bytes(info.value) < CLIENT_METADATA_LIMIT // 2
    bad = detail_of(info.value, error_details_pb2.BadRequest)
    assert len(bad.field_violations) == MAX_VIOLATIONS + 1
    assert "more problem" in bad.field_violations[-1].description
    assert all(len(v.field.encode()) <= 120 for v in bad.field_violations)


@pytest.mark.parametrize("method", ["Recommend", "Explain", "Batch", "Organisation"])
def test_huge_ids_are_not_echoed_whole(server, method: str) -> None:
    huge = "é\x1b[2J" * 200_000  # 1.2 million characters, with a terminal escape in it
    profile = pb.Profile(department_id=huge, department_name=huge, sector=huge, respondents=20,
                         scores={huge[:5000]: 1.0, "influence": 30})
    channel = server.channel(options=[("grpc.max_metadata_size", CLIENT_METADATA_LIMIT),
                                      ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 64 * 1024 * 1024)])
    stub = server.stub(channel)
    if method in ("Recommend", "Explain"):
        with pytest.raises(grpc.RpcError) as info:
            if method == "Recommend":
                stub.Recommend(pb.RecommendRequest(profile=profile), timeout=20)
            else:
                stub.Explain(pb.ExplainRequest(profile=pb.Profile(department_id="d", respondents=20),
                                               rule_id=huge), timeout=20)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert trailer_bytes(info.value) < CLIENT_METADATA_LIMIT // 2
        text = info.value.details() + str(detail_of(info.value, error_details_pb2.BadRequest))
        assert "\x1b" not in text and "\\x1b" in text
        return
    if method == "Batch":
        answer = stub.RecommendBatch(pb.RecommendBatchRequest(profiles=[profile] * 2), timeout=20)
        items = [(item.department_id, item.error) for item in answer.items]
    else:
        answer = stub.AnalyseOrganisation(pb.AnalyseOrganisationRequest(profiles=[profile] * 2), timeout=20)
        items = [(d.department_id, d.error) for d in answer.departments]
    for department_id, error in items:
        assert len(department_id) == 200  # cut to the longest valid id
        assert error.ByteSize() < 6 * 1024 and "\x1b" not in error.message


def test_control_characters_are_escaped_in_status_messages(server) -> None:
    evil = "x\x1b]0;pwned\x07\x1b[31m\u202e"
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Explain(pb.ExplainRequest(profile=pb.Profile(department_id="d", respondents=20),
                                                intervention_id=evil), timeout=10)
    assert "\\x1b]0;pwned\\x07\\x1b[31m\\u202e" in info.value.details()
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(pb.RecommendRequest(profile=pb.Profile(department_id="d", respondents=20,
                                                                       scores={evil: 1})), timeout=10)
    bad = detail_of(info.value, error_details_pb2.BadRequest)
    assert bad.field_violations[0].field == "profile.scores.x\\x1b]0;pwned\\x07\\x1b[31m\\u202e"
    assert not any(ord(c) < 0x20 for c in info.value.details() + str(bad.field_violations[0].field))


# --- admission and memory under parallel large calls ----------------------------------------------
def _sampler(pid: int, stop: threading.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        peaks.append(tree_resident_mib(pid))
        stop.wait(0.05)


def _prober(server: ServerProcess, stop: threading.Event, outcomes: list[object]) -> None:
    channel = server.channel()
    while not stop.is_set():
        try:
            outcomes.append(server.health(channel))
        except grpc.RpcError as exc:
            outcomes.append(exc.code())
        stop.wait(0.1)


def test_parallel_large_organisations_keep_memory_bounded_and_health_answering(tmp_path: Path, embedded) -> None:
    """4 parallel 10,000-department calls, at full detail (refused: the answer cannot fit) and with
    ids only (answered, or refused as busy), then 4 at the largest full-detail size advertised: the
    server's process tree stays below 600 MiB and every health check answers SERVING."""
    departments = [profile_to_proto(p) for p in synthetic(10_000, 21, embedded)]
    with ServerProcess(RULES, workers=2, log_dir=tmp_path) as server:
        limits = limits_of(server.stub().Describe(pb.DescribeRequest()))
        full_limit = limits[("AnalyseOrganisation", pb.DETAIL_FULL, 5)]
        # ids only: as many as the server advertises, up to 10,000 (the bound grows with the rule set)
        ids_count = min(10_000, limits[("AnalyseOrganisation", pb.DETAIL_IDS, 5)].max_profiles)
        rounds = {
            "full-10000": pb.AnalyseOrganisationRequest(profiles=departments),
            f"ids-{ids_count}": pb.AnalyseOrganisationRequest(profiles=departments[:ids_count], detail=pb.DETAIL_IDS),
            f"full-{full_limit.max_profiles}": pb.AnalyseOrganisationRequest(
                profiles=departments[:full_limit.max_profiles]),
        }
        big = [("grpc.max_receive_message_length", 256 * 1024 * 1024)]
        report = {}
        baseline = tree_resident_mib(server.proc.pid)
        for name, request in rounds.items():
            stop, peaks, health = threading.Event(), [], []
            watchers = [threading.Thread(target=_sampler, args=(server.proc.pid, stop, peaks)),
                        threading.Thread(target=_prober, args=(server, stop, health))]
            outcomes: list[object] = []

            def call(request=request, outcomes=outcomes) -> None:
                try:
                    answer = server.stub(server.channel(big)).AnalyseOrganisation(request, timeout=120)
                    outcomes.append(len(answer.departments))
                except grpc.RpcError as exc:
                    outcomes.append(exc.code())

            callers = [threading.Thread(target=call) for _ in range(4)]
            cpu = tree_cpu_seconds(server.proc.pid)
            for t in watchers + callers:
                t.start()
            for t in callers:
                t.join()
            stop.set()
            for t in watchers:
                t.join()
            report[name] = {"peak_mib": round(max(peaks)), "cpu_s": round(tree_cpu_seconds(server.proc.pid) - cpu, 2),
                                "ok": sum(1 for o in outcomes if isinstance(o, int)),
                                "failed": [o.name for o in outcomes if not isinstance(o, int)],
                                "health_checks": len(health)}
            assert max(peaks) < MEMORY_LIMIT_MIB, report
            assert health and all(h == 1 for h in health), (name, health)
            if name == "full-10000":
                assert outcomes == [grpc.StatusCode.INVALID_ARGUMENT] * 4
            else:
                assert all(o == len(request.profiles) or o == grpc.StatusCode.RESOURCE_EXHAUSTED
                           for o in outcomes), outcomes
                assert any(isinstance(o, int) for o in outcomes), outcomes
        print(f"\nbaseline {baseline:.0f} MiB; {report}")


def test_heavy_calls_past_the_limit_are_refused_at_once(tmp_path: Path, embedded) -> None:
    """One connection sending many large batches cannot hold every thread: past --heavy-calls they
    are refused with RESOURCE_EXHAUSTED (SERVER_BUSY, with RetryInfo), and a small call still gets
    through meanwhile."""
    profiles = [profile_to_proto(p) for p in synthetic(600, 30, embedded)]
    with ServerProcess(RULES, log_dir=tmp_path, extra=["--heavy-calls", "2", "--threads", "8"]) as server:
        # the largest full-detail batch the server advertises, up to 600
        most = limits_of(server.stub().Describe(pb.DescribeRequest()))[("RecommendBatch", pb.DETAIL_FULL, 5)]
        request = pb.RecommendBatchRequest(profiles=profiles[:min(600, most.max_profiles)])
        channel = server.channel(options=[("grpc.max_receive_message_length", 128 * 1024 * 1024)])
        stub = server.stub(channel)
        futures = [stub.RecommendBatch.future(request, timeout=120) for _ in range(16)]
        single = server.stub().Recommend(pb.RecommendRequest(profile=profiles[0]), timeout=30)
        assert single.recommendations
        codes = []
        busy = None
        for future in futures:
            try:
                future.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
                busy = busy or exc
        assert codes.count(grpc.StatusCode.OK) >= 2
        assert set(codes) == {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}, codes
        assert detail_of(busy, error_details_pb2.ErrorInfo).reason == "SERVER_BUSY"
        assert detail_of(busy, error_details_pb2.RetryInfo) is not None
        print(f"\n16 parallel batches of 600 with --heavy-calls 2: {codes.count(grpc.StatusCode.OK)} answered, "
              f"{codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED)} refused as busy")
