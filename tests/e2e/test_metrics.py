"""Prometheus metrics over a 2-worker server: every call counted once, whichever worker took it."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from pathlib import Path

import grpc
import pytest

from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from .harness import ServerProcess

PROFILE = pb.Profile(department_id="m", respondents=20, scores={"influence": 20, "work_pace": 85})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode("utf-8")


def _sum(page: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in page.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line[len(name) + 1:line.index("}")]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_handled_calls_add_up_over_the_workers(tmp_path: Path) -> None:
    port = _free_port()
    with ServerProcess(RULES, workers=2, log_dir=tmp_path, extra=["--metrics-address", f"127.0.0.1:{port}"]) as server:
        deadline = time.monotonic() + 30
        while len(server.events("worker.started")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        calls = 40
        for _ in range(calls):  # a new connection each: the kernel spreads them over both workers
            channel = server.channel(options=[("grpc.use_local_subchannel_pool", 1)])  # a connection of its own
            server.stub(channel).Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10)
            channel.close()
        with pytest.raises(grpc.RpcError):
            server.stub().Recommend(pb.RecommendRequest(profile=pb.Profile(department_id="m", respondents=20,
                                                                           scores={"influense": 1})))
        server.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=[PROFILE] * 7), timeout=10)
        page = _scrape(port)
        assert _sum(page, "grpc_server_handled_total", grpc_method="Recommend", grpc_code="OK") == calls
        assert _sum(page, "grpc_server_handled_total", grpc_method="Recommend", grpc_code="INVALID_ARGUMENT") == 1
        assert _sum(page, "grpc_server_started_total", grpc_method="Recommend") == calls + 1
        assert _sum(page, "grpc_server_handling_seconds_count", grpc_method="Recommend") == calls + 1
        assert _sum(page, "trivsel_batch_profiles_sum", grpc_method="RecommendBatch") == 7
        assert _sum(page, "trivsel_refused_requests_total", reason="invalid_argument") == 1
        pids = {e["pid"] for e in server.events("rpc") if e.get("method") == "Recommend"}
        assert len(pids) == 2, "both workers answered (else the sum proves nothing)"
        fingerprint = server.stub().Describe(pb.DescribeRequest()).ruleset.fingerprint
        assert _sum(page, "trivsel_ruleset_info", fingerprint=fingerprint) == 2  # one line per live worker
        assert _sum(page, "trivsel_reloads_total", outcome="loaded") >= 2
        assert "influense" not in page and "department" not in page  # no label holds what was sent
