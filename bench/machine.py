"""Machine facts printed with every benchmark, so a number is never separated from its hardware."""

from __future__ import annotations

import datetime as dt
import os
import platform

__all__ = ["machine_line", "pin_from_environment", "PIN_VARIABLE"]

PIN_VARIABLE = "TRIVSEL_BENCH_CPU"


def pin_from_environment() -> None:
    """Pin this process to the CPU named by ``TRIVSEL_BENCH_CPU``, if set (the benchmark's echo
    server and load client; Trivsel itself is pinned by its own ``--cpus``). Done by the process
    itself, at start, rather than between fork and exec in the parent, which is unsafe once the
    parent runs threads (gRPC's)."""
    cpu = os.environ.get(PIN_VARIABLE)
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu)})


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    return (f"{dt.date.today().isoformat()} · {_cpu_model()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()} · {platform.system()} {platform.release()}")
