"""Machine facts printed with every benchmark, so a number is never separated from its hardware."""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Mapping

__all__ = ["machine_line", "pin_from_environment", "pinned_environment", "server_and_client_cpus", "PIN_VARIABLE",
           "tree_cpu_seconds", "tree_minor_faults", "tree_resident_mib", "resident_mib", "process_tree"]

PIN_VARIABLE = "TRIVSEL_BENCH_CPU"


def server_and_client_cpus() -> tuple[int, int]:
    """The CPU for a server under test (the last one this process may use) and for the load client
    (the first): apart, so that they do not take turns on one core; the same on a one-CPU machine."""
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[-1], cpus[0]


def pinned_environment(cpu: int, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) plus what makes a benchmark process pin
    itself to ``cpu`` (:func:`pin_from_environment`)."""
    return {**(os.environ if base is None else base), PIN_VARIABLE: str(cpu)}


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


def _tree_stat_sum(pid: int, fields: tuple[int, ...]) -> int:
    """The sum of these fields of ``/proc/PID/stat`` (counted after the command name, from 0) over
    ``pid`` and its live descendants. Linux only: raises where /proc or the ``children`` files are
    missing, rather than report a zero that would make every figure derived from it meaningless."""
    if not os.path.exists(f"/proc/{pid}/task/{pid}/children"):
        raise RuntimeError("process accounting needs Linux's /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)")
    total = 0
    for proc in process_tree(pid):
        try:
            with open(f"/proc/{proc}/stat", encoding="ascii") as fh:
                values = fh.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # ended meanwhile
        total += sum(int(values[i]) for i in fields)
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live descendants, all threads.

    Why: a server's throughput says how fast it answered, but only its CPU time says what an answer
    cost it when the load client, not the server, is the bottleneck. A Trivsel server is a
    supervisor with worker children, so the whole tree is summed. A child that ends drops out of
    the sum (its time goes to the parent's "children" counters), so a window in which a worker
    exits is not comparable.
    """
    return _tree_stat_sum(pid, (11, 12)) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15 of stat)


def tree_minor_faults(pid: int) -> int:
    """Minor page faults so far of ``pid`` and its live descendants: pages the kernel had to map
    (and zero) on first touch — what an allocator that hands memory back and takes it again costs."""
    return _tree_stat_sum(pid, (7,))  # minflt (field 10 of stat)


def resident_mib(pid: int) -> float:
    """Resident memory of one process (``VmRSS``), MiB; 0.0 if it has ended."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def tree_resident_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its live descendants, MiB."""
    return sum(resident_mib(proc) for proc in process_tree(pid))


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
