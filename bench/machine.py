"""Machine facts printed with every benchmark, so a number is never separated from its hardware."""

from __future__ import annotations

import datetime as dt
import os
import platform

__all__ = ["machine_line", "pin_from_environment", "PIN_VARIABLE", "tree_cpu_seconds", "process_tree"]

PIN_VARIABLE = "TRIVSEL_BENCH_CPU"


def pin_from_environment() -> None:
    """Pin this process to the CPU named by ``TRIVSEL_BENCH_CPU``, if set (the benchmark's echo
    server and load client; Trivsel itself is pinned by its own ``--cpus``). Done by the process
    itself, at start, rather than between fork and exec in the parent, which is unsafe once the
    parent runs threads (gRPC's)."""
    cpu = os.environ.get(PIN_VARIABLE)
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu)})


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live process below it (from /proc: each task's ``children`` file)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except FileNotFoundError:
            continue  # ended meanwhile
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    queue.extend(int(child) for child in fh.read().split())
            except FileNotFoundError:
                pass  # the thread ended meanwhile
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live descendants, all threads.

    Why: a server's throughput says how fast it answered, but only its CPU time says what an answer
    cost it when the load client, not the server, is the bottleneck. A Trivsel server is a
    supervisor with worker children, so the whole tree is summed. A child that ends drops out of
    the sum (its time goes to the parent's "children" counters), so a window in which a worker
    exits is not comparable. Linux only: raises where /proc or the ``children`` files are missing,
    rather than report a zero that would make every figure derived from it meaningless.
    """
    if not os.path.exists(f"/proc/{pid}/task/{pid}/children"):
        raise RuntimeError("CPU accounting needs Linux's /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)")
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in process_tree(pid):
        try:
            with open(f"/proc/{proc}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


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
