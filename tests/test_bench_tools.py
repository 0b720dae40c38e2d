"""The benchmark tools still run against the current code (they are not part of the test suite's
timing: nothing here measures speed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.instructions import WORKLOADS

from .conftest import ROOT


@pytest.mark.parametrize("kind", [kind for kind, *_ in WORKLOADS])
def test_the_counted_handler_loop_runs_every_workload(kind: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.handler_loop", kind, "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_handler_loop_refuses_an_unknown_workload() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.handler_loop", "nonsense", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
