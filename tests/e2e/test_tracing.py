"""Traces: the stage spans under the gRPC server span, the caller's trace continued, the trace id in
the log line — seen by an in-memory exporter in process, and by a real OTLP receiver (a collector
stand-in on an ephemeral port) that the server finds through the standard OTEL_* variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from trivsel.service.servicer import RecommenderService, generic_handler
from trivsel.service.state import RuleSetHolder
from trivsel.service.tracing import configure_tracing, tracing_wanted
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

from ..conftest import RULES
from .harness import ROOT, ServerProcess

PROFILE = pb.Profile(department_id="d", respondents=12, scores={"influence": 20, "quantitative_demands": 80})
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
STAGES = ["validate", "match", "rank", "explain"]


def traceparent(span: str = "00f067aa0ba902b7") -> tuple[tuple[str, str], ...]:
    return (("traceparent", f"00-{TRACE_ID}-{span}-01"),)


def test_tracing_follows_the_standard_variables() -> None:
    assert not tracing_wanted({})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317/v1/traces"})
    assert tracing_wanted({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing_wanted({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"})
    assert not tracing_wanted({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"})
    assert configure_tracing({}, "test") is None  # off: nothing configured, no interceptor


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[pb_grpc.RecommenderStub, InMemorySpanExporter]]:
    """The real servicer in a real gRPC server in this process, traced into memory."""
    exporter = InMemorySpanExporter()
    tracing = configure_tracing({}, "test", exporter=exporter)
    assert tracing is not None
    holder = RuleSetHolder(RULES)
    holder.reload()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=[tracing.interceptor()])
    server.add_generic_rpc_handlers((generic_handler(RecommenderService(holder, tracing=tracing)),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pb_grpc.RecommenderStub(channel), exporter
    channel.close()
    server.stop(None)
    holder.close()


def test_a_call_is_one_server_span_with_its_stages(traced) -> None:
    stub, exporter = traced
    exporter.clear()
    answer = stub.Recommend(pb.RecommendRequest(profile=PROFILE), metadata=traceparent(), timeout=10)
    spans = exporter.get_finished_spans()
    server = next(s for s in spans if s.name == "/trivsel.v1.Recommender/Recommend")
    assert format(server.context.trace_id, "032x") == TRACE_ID  # the caller's trace, continued
    assert format(server.parent.span_id, "016x") == "00f067aa0ba902b7"
    children = sorted((s for s in spans if s.parent is not None and s.parent.span_id == server.context.span_id),
                      key=lambda s: s.start_time)
    assert [s.name for s in children] == STAGES  # in the order the work happens
    assert all(server.start_time <= s.start_time and s.end_time <= server.end_time for s in children)
    assert server.attributes["trivsel.ruleset"] == answer.ruleset.version
    assert server.attributes["trivsel.fingerprint"] == answer.ruleset.fingerprint
    assert server.attributes["trivsel.status"] == "OK" and server.attributes["trivsel.request_id"]
    assert "trivsel.peer" not in server.attributes


def test_a_batch_and_a_refusal_are_traced_too(traced) -> None:
    stub, exporter = traced
    exporter.clear()
    bad = pb.Profile(department_id="tiny", respondents=2, scores={"influence": 20})
    stub.RecommendBatch(pb.RecommendBatchRequest(profiles=[PROFILE, bad, PROFILE]), timeout=10)
    with pytest.raises(grpc.RpcError):
        stub.Recommend(pb.RecommendRequest(profile=bad), timeout=10)
    spans = exporter.get_finished_spans()
    batch = next(s for s in spans if s.name.endswith("/RecommendBatch"))
    assert batch.attributes["trivsel.profiles"] == 3 and batch.attributes["trivsel.refused"] == 1
    assert [s.name for s in spans if s.parent and s.parent.span_id == batch.context.span_id] == STAGES
    refused = next(s for s in spans if s.name.endswith("/Recommend"))
    assert refused.attributes["trivsel.status"] == "FAILED_PRECONDITION"
    assert refused.attributes["rpc.grpc.status_code"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert refused.status.status_code.name == "UNSET"  # a caller's mistake is no server error (semconv)
    # the check refused it: there was a validate stage, and no matching after it
    stages = [s for s in spans if s.parent and s.parent.span_id == refused.context.span_id]
    assert [s.name for s in stages] == ["validate"]
    # the refusal's message repeats the profile (respondents: 2): it stays out of the trace
    assert stages[0].status.status_code.name == "UNSET" and not stages[0].events
    assert not any("department" in key for s in spans for key in s.attributes)


def test_a_bad_tracing_setting_stops_the_server_with_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "zipkin"}
    proc = subprocess.run([sys.executable, str(ROOT / "server.py"), "--address", "127.0.0.1:0", "--rules",
                           str(RULES), "--log-format", "json"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    event = json.loads(proc.stderr.strip().splitlines()[-1])
    assert event["event"] == "tracing.bad_setting" and "'zipkin' is not supported" in event["error"]


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver, as a collector would be: keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list = []
        self.resources: list = []
        self.lock = threading.Lock()

    def Export(self, request, context):
        with self.lock:
            for resource_spans in request.resource_spans:
                self.resources.append({a.key: a.value.string_value for a in resource_spans.resource.attributes})
                for scope in resource_spans.scope_spans:
                    self.spans.extend(scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


def test_spans_reach_an_otlp_collector_and_logs_carry_the_trace_id(tmp_path: Path) -> None:
    collector = Collector()
    receiver = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, receiver)
    port = receiver.add_insecure_port("127.0.0.1:0")
    receiver.start()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_EXPORTER_OTLP_INSECURE": "true",
           "OTEL_SERVICE_NAME": "trivsel-test", "OTEL_BSP_SCHEDULE_DELAY": "100"}
    calls = 3
    try:
        with ServerProcess(RULES, workers=1, log_dir=tmp_path, env=env) as server:
            stub = server.stub()
            for n in range(calls):
                stub.Recommend(pb.RecommendRequest(profile=PROFILE), metadata=traceparent(f"{n + 1:016x}"),
                               timeout=10)
            assert server.stop() == 0  # the worker flushes its spans on the way out
            rpc_lines = server.events("rpc")
    finally:
        receiver.stop(None)
    servers = [s for s in collector.spans if s.name == "/trivsel.v1.Recommender/Recommend"]
    assert len(servers) == calls
    assert {s.trace_id.hex() for s in servers} == {TRACE_ID}
    assert sorted(s.parent_span_id.hex() for s in servers) == [f"{n + 1:016x}" for n in range(calls)]
    for span in servers:
        names = sorted(s.name for s in collector.spans if s.parent_span_id == span.span_id)
        assert names == sorted(STAGES)
    assert not any("Health" in s.name for s in collector.spans)  # the watchdog's checks stay out
    assert {r.get("service.name") for r in collector.resources} == {"trivsel-test"}
    traced_lines = [line for line in rpc_lines if line["method"] == "Recommend"]
    assert len(traced_lines) == calls and {line["trace_id"] for line in traced_lines} == {TRACE_ID}
    assert sorted(line["span_id"] for line in traced_lines) == sorted(s.span_id.hex() for s in servers)
    assert json.dumps(traced_lines)  # plain JSON, as collectors read it
