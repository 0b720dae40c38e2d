"""The worker's allocator settings (service/memory.py): applied where glibc is, and doing what they say.

Each check that applies them runs in a child process: the settings are process-wide and the test
process must not change its own allocator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from trivsel.service.memory import is_glibc, tune_allocator

from .conftest import ROOT

_PROBE = """
import json, os, sys
from trivsel.service.memory import tune_allocator
outcome = tune_allocator(int(sys.argv[1]), env={})
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * page
base = rss()
blocks = [bytearray(64 << 10) for _ in range(160)]  # 10 MiB in 64 KiB blocks: from the heap, not mmap
grown = rss() - base
del blocks
print(json.dumps({"outcome": outcome, "grown": grown, "kept": rss() - base}))
"""


def _clean_env() -> dict[str, str]:
    """The environment without the operator's malloc settings: glibc reads those at start."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}


def _run(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=_clean_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.skipif(not is_glibc(), reason="the settings are glibc's")
def test_a_tuned_worker_keeps_freed_memory_and_an_untuned_one_returns_it() -> None:
    tuned, untuned = _run(_PROBE, "32"), _run(_PROBE, "0")
    assert tuned["outcome"] == {"malloc": "tuned", "trim_mb": 32, "mmap_mb": 8, "arenas": 2}
    assert untuned["outcome"] == {"malloc": "off"}
    for run in (tuned, untuned):
        assert run["grown"] > 8 << 20  # the blocks were really allocated
    assert tuned["kept"] > 8 << 20     # freed, but kept for the next answer
    assert untuned["kept"] < 4 << 20   # glibc's default: given back at once


def test_the_operator_s_settings_win() -> None:
    for env in ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, {"MALLOC_MMAP_THRESHOLD_": "1000000"},
                {"MALLOC_ARENA_MAX": "4"}, {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1000000"}):
        assert tune_allocator(32, env=env) == {"malloc": "operator"}, env
    assert tune_allocator(0, env={}) == {"malloc": "off"}
    with pytest.raises(ValueError):
        tune_allocator(2, env={})  # a quarter of it would be below glibc's own mmap threshold


@pytest.mark.skipif(not is_glibc(), reason="the settings are glibc's")
def test_the_mmap_threshold_is_capped_at_glibc_s_documented_maximum() -> None:
    outcome = _run("import json\nfrom trivsel.service.memory import tune_allocator\n"
                   "print(json.dumps(tune_allocator(1024, env={})))")
    assert outcome == {"malloc": "tuned", "trim_mb": 1024, "mmap_mb": 32, "arenas": 2}
