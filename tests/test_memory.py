"""The worker's allocator settings (service/memory.py): applied where glibc is, and doing what they say.

Each check runs in a child process: the settings are process-wide and the test process must not
change its own allocator."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from service.memory import tune_allocator

from .conftest import ROOT

_PROBE = """
import json, sys
from service.memory import tune_allocator
outcome = tune_allocator(int(sys.argv[1]), env={})
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096
base = rss()
blocks = [bytearray(64 << 10) for _ in range(160)]  # 10 MiB in 64 KiB blocks: from the heap, not mmap
grown = rss() - base
del blocks
print(json.dumps({"outcome": outcome, "grown": grown, "kept": rss() - base}))
"""


def _probe(keep_mb: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(keep_mb)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _glibc() -> bool:
    import ctypes
    return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


@pytest.mark.skipif(not _glibc(), reason="the settings are glibc's")
def test_a_tuned_worker_keeps_freed_memory_and_an_untuned_one_returns_it() -> None:
    tuned, untuned = _probe(32), _probe(0)
    assert tuned["outcome"] == {"malloc": "tuned", "trim_mb": 32, "mmap_mb": 8, "arenas": 2}
    assert untuned["outcome"] == {"malloc": "off"}
    for run in (tuned, untuned):
        assert run["grown"] > 8 << 20  # the blocks were really allocated
    assert tuned["kept"] > 8 << 20     # freed, but kept for the next answer
    assert untuned["kept"] < 4 << 20   # glibc's default: given back at once


def test_the_operator_s_settings_win() -> None:
    assert tune_allocator(32, env={"MALLOC_TRIM_THRESHOLD_": "1000000"}) == {"malloc": "operator"}
    assert tune_allocator(32, env={"MALLOC_MMAP_THRESHOLD_": "1000000"}) == {"malloc": "operator"}
    assert tune_allocator(32, env={"MALLOC_ARENA_MAX": "4"}) == {"malloc": "operator"}
    assert tune_allocator(0, env={}) == {"malloc": "off"}


@pytest.mark.skipif(not _glibc(), reason="the settings are glibc's")
def test_the_mmap_threshold_stays_within_what_glibc_accepts() -> None:
    proc = subprocess.run([sys.executable, "-c", "import json\nfrom service.memory import tune_allocator\n"
                           "print(json.dumps(tune_allocator(1024, env={})))"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert json.loads(proc.stdout) == {"malloc": "tuned", "trim_mb": 1024, "mmap_mb": 32, "arenas": 2}
