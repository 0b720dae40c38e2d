"""How a worker's C allocator keeps freed memory: tuned so that answering does not fault in fresh pages.

A batch answer is built from many ~10 KB pieces and joined into one buffer (about a megabyte for
100 profiles with their rationale), which gRPC copies again. With glibc's defaults the heap shrinks
back after every call (its trim threshold follows the largest buffer freed, about 2 MB here) and
the next call faults the same pages in again, zeroed by the kernel: measured as 10–25 % of the
server's CPU per full-rationale profile (`docs/BENCHMARKS.md`). So a worker keeps up to
``keep_mb`` of freed heap for reuse (``M_TRIM_THRESHOLD``) and takes buffers below a quarter of
that from the heap instead of fresh ``mmap`` s (``M_MMAP_THRESHOLD``). The cost is resident memory:
after a burst, each malloc arena may hold up to ``keep_mb`` it no longer uses — so the arenas are
capped at :data:`ARENAS` (``M_ARENA_MAX``; glibc's default is 8 per core, and the worker's Python
threads take turns on the GIL anyway), which bounds what a worker keeps at ``ARENAS × keep_mb``
(measured: +36 MiB after a burst of 16 concurrent full batches with the default arenas, +20 MiB
with two, +15 MiB untuned).

glibc only (``mallopt``); elsewhere, or when the operator set ``MALLOC_TRIM_THRESHOLD_``,
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_ARENA_MAX`` (glibc reads those at start and they win),
nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Mapping

__all__ = ["tune_allocator", "DEFAULT_KEEP_MB", "MAX_KEEP_MB", "ARENAS"]

DEFAULT_KEEP_MB = 32
MAX_KEEP_MB = 1024
ARENAS = 2
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's malloc.h
_MMAP_CAP = 32 << 20  # glibc refuses a larger mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2)
_OPERATOR_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX")


def tune_allocator(keep_mb: int, env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Apply the settings (before the process starts threads: arenas are made per thread); returns
    what was done, for the worker's start-up log line.

    ``{"malloc": "tuned", "trim_mb": …, "mmap_mb": …, "arenas": …}``, or ``{"malloc": <reason it was left
    alone>}``: ``off`` (``keep_mb`` is 0), ``operator`` (the environment sets it), ``not-glibc``,
    or ``refused`` (mallopt said no).
    """
    env = os.environ if env is None else env
    if keep_mb <= 0:
        return {"malloc": "off"}
    if any(name in env for name in _OPERATOR_SETTINGS):
        return {"malloc": "operator"}
    mallopt = _mallopt()
    if mallopt is None:
        return {"malloc": "not-glibc"}
    trim = keep_mb << 20
    mmap = min(trim // 4, _MMAP_CAP)
    if not (mallopt(_M_ARENA_MAX, ARENAS) and mallopt(_M_TRIM_THRESHOLD, trim) and mallopt(_M_MMAP_THRESHOLD, mmap)):
        return {"malloc": "refused"}
    return {"malloc": "tuned", "trim_mb": trim >> 20, "mmap_mb": mmap >> 20, "arenas": ARENAS}


def _mallopt() -> "ctypes._NamedFuncPointer | None":
    """glibc's ``mallopt``, or None where the C library is not glibc (musl's is a stub)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version"):
        return None
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
