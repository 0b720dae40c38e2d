"""The benchmark tools still run against the current code (they are not part of the test suite's
timing: nothing here measures speed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from bench.grpc_bench import budget_for_rate, budget_for_ratio
from bench.instructions import WORKLOADS
from bench.machine import tree_cpu_seconds

from .conftest import ROOT


@pytest.mark.parametrize("kind", [kind for kind, *_ in WORKLOADS])
def test_the_counted_handler_loop_runs_every_workload(kind: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.handler_loop", kind, "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_handler_loop_refuses_an_unknown_workload() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.handler_loop", "nonsense", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    # refused by its own argument check (exit 2 and the usage line), not by an import error (exit 1)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.startswith("usage: python -m bench.handler_loop {unary,batch-ids,batch-full} N")


def test_timed_handler_loop_reports_the_handler_and_the_decoding_per_profile() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.handler_loop", "batch-ids", "1", "--time"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    timing = json.loads(proc.stdout)
    assert timing["kind"] == "batch-ids"
    # decoding is part of the handler's work, so it can only be a part of it
    assert 0 < timing["decode_us_per_profile"] < timing["us_per_profile"]
    # per profile and in µs: a profile takes tens of µs; per call (×100) or in seconds would be far off
    assert 5 < timing["us_per_profile"] < 5_000


def test_tree_cpu_seconds_counts_the_children_of_a_process() -> None:
    """A parent that only waits, with a child that burns CPU: the tree's time grows with the child's."""
    burn = ("import sys, time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"
            "sys.stdin.read()")  # alive until the test closes stdin: a reaped child's time leaves the tree
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               f"{burn!r}]); sys.stdin.read()"], stdin=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while tree_cpu_seconds(parent.pid) < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        used = tree_cpu_seconds(parent.pid)
        own = _own_cpu(parent.pid)
        assert 0.5 <= used < 5, used  # seconds, not clock ticks
        assert own < 0.4, own  # the parent itself only started the child: the time is the child's
    finally:
        parent.communicate("", timeout=30)


def _own_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_rate_target_leaves_its_time_per_profile_minus_the_transport() -> None:
    budget = budget_for_rate("ids", 20_000, echo_cpu=5.0, trivsel_cpu=70.0, in_process=57.0)
    assert budget.allowed == pytest.approx(50.0)
    assert budget.budget == pytest.approx(45.0)
    assert budget.in_server == pytest.approx(65.0)
    assert "1.27× the budget" in budget.row()
    assert budget_for_rate("ids", 10_000, 5.0, 70.0, 57.0).row().endswith("| fits |")


def test_a_ratio_target_allows_the_time_per_call_of_that_share_of_the_echo_rate() -> None:
    budget = budget_for_ratio("unary", 0.7, echo_rate=5_000.0, echo_cpu=150.0, trivsel_cpu=400.0, in_process=99.0)
    assert budget.allowed == pytest.approx(1e6 / 3_500)
    assert budget.budget == pytest.approx(1e6 / 3_500 - 150.0)
    assert budget.in_server == pytest.approx(250.0)
    assert "no budget left" in budget_for_ratio("unary", 0.7, 5_000.0, 400.0, 500.0, 99.0).row()


def test_the_stage_table_lists_every_stage_and_the_whole_handler() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "stages"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {line.split(" | ")[0].lstrip("| "): float(line.split(" | ")[1])
            for line in proc.stdout.splitlines() if line.startswith("| ") and not line.startswith("| stage")}
    for stage in ("decode the request", "check the profile", "match: fact + durable_rules", "score",
                  "encode the answer, full rationale", "the whole `RecommendBatch` handler, ids-only "
                  "(`bench/handler_loop.py`)"):
        assert rows.get(stage, 0) > 0, stage
    # the sums add the stages of each answer once: matching includes the fact, so the fact is not added again
    ids_stages = ("decode the request", "read each profile message", "check the profile",
                  "match: fact + durable_rules", "score", "order", "encode the answer, ids")
    assert rows["the stages of one ids-only answer, summed"] == pytest.approx(sum(rows[s] for s in ids_stages),
                                                                               abs=0.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_memory_bench_sees_the_page_faults_that_keeping_freed_heap_removes() -> None:
    """Short runs of `python -m bench memory`: with glibc's defaults a full-rationale answer faults
    in fresh pages (about six per profile), with the worker's settings almost none."""
    from bench.memory_effect import measure
    from trivsel.service.memory import is_glibc

    if not is_glibc():
        pytest.skip("the settings are glibc's")
    medians = measure(rounds=1, seconds=0.5, burst_seconds=0.5)
    assert medians[0]["batch-full faults"] > 1.0, medians
    assert medians[32]["batch-full faults"] < 0.5 * medians[0]["batch-full faults"], medians
    for figures in medians.values():
        assert figures["batch-full cpu"] > 0 and figures["rss before"] > 10 and figures["rss after"] > 10
