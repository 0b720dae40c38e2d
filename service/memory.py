"""How a worker's C allocator keeps freed memory: tuned so that answering does not fault in fresh pages.

A full-rationale batch answer is built from many ~10 KB pieces and joined into one buffer (about a
megabyte per 100 profiles), which gRPC copies again. With glibc's defaults the top of the heap is
given back to the system after every call and the next call faults the same pages in again,
zeroed by the kernel: `python -m bench memory` counts ~6 minor page faults per full-rationale
profile with the defaults and ~0.1 with the settings below, and 10–20 % less server CPU per
profile (docs/BENCHMARKS.md; ids-only answers are small, and their cost does not change beyond the
noise). So a worker

* keeps up to ``keep_mb`` of free memory at the top of each heap (``M_TRIM_THRESHOLD``) instead of
  returning it;
* serves buffers below a quarter of that from the heap rather than from a fresh ``mmap`` each
  (``M_MMAP_THRESHOLD``; at most :data:`_MMAP_CAP`);
* uses at most :data:`ARENAS` malloc arenas (``M_ARENA_MAX``; glibc's default is 8 per core), so
  that the memory kept at the tops of heaps is at most ``ARENAS × keep_mb`` rather than that
  times the number of threads. The worker's Python threads take turns on the GIL; gRPC's own C
  threads allocate without it and share the two arenas (no loss measured on full-rationale
  batches).

The cost is resident memory after a burst (+22 MiB against +12 MiB untuned after 16 concurrent
full batches, `python -m bench memory`). Free memory *below* live blocks is not returned in either
setting, and more buffers on the heap can fragment it; ``--malloc-keep-mb 0`` restores glibc's
defaults.

glibc only (``mallopt``). Where the operator has set ``MALLOC_TRIM_THRESHOLD_``,
``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_ARENA_MAX`` or malloc tunables in ``GLIBC_TUNABLES``, nothing
is changed: a later ``mallopt`` would override those, so this steps aside.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping

__all__ = ["tune_allocator", "operator_settings", "is_glibc", "DEFAULT_KEEP_MB", "MIN_KEEP_MB", "MAX_KEEP_MB", "ARENAS"]

DEFAULT_KEEP_MB = 32
MIN_KEEP_MB = 4  # below this the mmap threshold (a quarter) would fall under glibc's own default of 128 KiB
MAX_KEEP_MB = 1024  # mallopt takes a C int: 1024 MiB in bytes is 2**30, well inside it
ARENAS = 2
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's malloc.h
_MMAP_CAP = 32 << 20  # glibc's documented maximum for the dynamic mmap threshold on 64-bit systems
_OPERATOR_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX")


def tune_allocator(keep_mb: int, env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Apply the settings, for the calling process (call it before the process starts threads:
    glibc makes arenas per thread); returns what was done, for the worker's start-up log line.

    ``{"malloc": "tuned", "trim_mb": …, "mmap_mb": …, "arenas": …}``, or ``{"malloc": <why it was
    left alone>}``: ``off`` (``keep_mb`` is 0), ``operator`` (the environment sets it),
    ``not-glibc``; or ``{"malloc": "refused", "refused": <setting>, "applied": [<settings>]}`` if
    glibc refused one (the ones before it stay in effect).
    """
    env = os.environ if env is None else env
    if keep_mb <= 0:
        return {"malloc": "off"}
    if operator_settings(env):
        return {"malloc": "operator"}
    if not MIN_KEEP_MB <= keep_mb <= MAX_KEEP_MB:
        raise ValueError(f"keep_mb must be 0 or {MIN_KEEP_MB}–{MAX_KEEP_MB}, not {keep_mb}")
    mallopt = _mallopt()
    if mallopt is None:
        return {"malloc": "not-glibc"}
    trim = keep_mb << 20
    mmap = min(trim // 4, _MMAP_CAP)
    applied: list[str] = []
    for name, option, value in (("M_ARENA_MAX", _M_ARENA_MAX, ARENAS), ("M_TRIM_THRESHOLD", _M_TRIM_THRESHOLD, trim),
                                ("M_MMAP_THRESHOLD", _M_MMAP_THRESHOLD, mmap)):
        if not mallopt(option, value):
            return {"malloc": "refused", "refused": name, "applied": applied}
        applied.append(name)
    return {"malloc": "tuned", "trim_mb": keep_mb, "mmap_mb": mmap >> 20, "arenas": ARENAS}


def operator_settings(env: Mapping[str, str]) -> bool:
    """Whether ``env`` sets any of glibc's malloc parameters: then the operator has chosen."""
    return any(name in env for name in _OPERATOR_SETTINGS) or "glibc.malloc." in env.get("GLIBC_TUNABLES", "")


def is_glibc() -> bool:
    """Whether this process runs on glibc (musl's ``mallopt`` is a stub that does nothing)."""
    return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


def _mallopt() -> ctypes._NamedFuncPointer | None:
    """glibc's ``mallopt``, or None elsewhere."""
    if not is_glibc():
        return None
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
