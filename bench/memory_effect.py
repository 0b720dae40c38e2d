"""What keeping freed heap (``--malloc-keep-mb``, service/memory.py) does: ``python -m bench memory``.

A one-worker server pinned like the gRPC section's, started alternately with ``--malloc-keep-mb 0``
(glibc's defaults) and with the default setting, each time loaded for a few seconds by the
benchmark's batch client (2 threads). Per profile answered it reads, over the server's process
tree, the CPU time and the minor page faults (``/proc/PID/stat``), and it reads the worker's
resident memory before and after a burst of 16 concurrent full-rationale batches. Alternating
runs spread the VM's slow phases over both settings; medians are printed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .grpc_bench import CLIENT_CPU, SERVER_CPU, start_server
from .load import run_client
from .machine import machine_line, process_tree, resident_mib, tree_cpu_seconds, tree_minor_faults

__all__ = ["main", "measure"]

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (0, 32)
KINDS = ("batch-full", "batch-ids")


def _one_run(keep_mb: int, seconds: float, burst_seconds: float = 3.0) -> dict[str, float]:
    """One server with ``keep_mb``: CPU µs and minor faults per profile for each kind, and the
    worker's resident MiB before and after a burst."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    with tempfile.TemporaryDirectory() as tmp:
        server, address = start_server([sys.executable, "server.py", "--address", "127.0.0.1:0", "--workers", "1",
                                        "--log-format", "json", "--watch-seconds", "0", "--cpus", str(SERVER_CPU),
                                        "--malloc-keep-mb", str(keep_mb)], Path(tmp) / "server.log", env)
        try:
            time.sleep(1.5)  # the worker loads the rules
            out: dict[str, float] = {}
            for kind in KINDS:
                cpu, faults = tree_cpu_seconds(server.pid), tree_minor_faults(server.pid)
                answered = run_client(address, kind, 2, seconds, CLIENT_CPU)["items_answered"]
                out[f"{kind} cpu"] = 1e6 * (tree_cpu_seconds(server.pid) - cpu) / answered
                out[f"{kind} faults"] = (tree_minor_faults(server.pid) - faults) / answered
            worker = max((p for p in process_tree(server.pid) if p != server.pid), key=resident_mib)
            out["rss before"] = resident_mib(worker)
            run_client(address, "batch-full", 16, burst_seconds, CLIENT_CPU)
            time.sleep(1)
            out["rss after"] = resident_mib(worker)
            return out
        finally:
            server.terminate()
            server.wait(30)


def measure(rounds: int, seconds: float, burst_seconds: float = 3.0) -> dict[int, dict[str, float]]:
    """Median of each figure per setting over ``rounds`` alternating runs."""
    runs: dict[int, list[dict[str, float]]] = {keep: [] for keep in SETTINGS}
    for _ in range(rounds):
        for keep in SETTINGS:
            runs[keep].append(_one_run(keep, seconds, burst_seconds))
    return {keep: {name: statistics.median(r[name] for r in results) for name in results[0]}
            for keep, results in runs.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table (Markdown, as recorded in docs/BENCHMARKS.md); takes no arguments."""
    if argv:
        print("usage: python -m bench memory", file=sys.stderr)
        return 2
    rounds, seconds = 3, 3.0
    medians = measure(rounds, seconds)
    print(f"## Keeping freed heap (`--malloc-keep-mb`)\n\n{machine_line()}\n"
          f"One worker on CPU {SERVER_CPU}, the batch client (2 threads, {seconds:g} s per kind) on CPU {CLIENT_CPU}; "
          f"medians of {rounds} alternating runs per setting; per profile answered.\n")
    print("| setting | full rationale: CPU µs | minor faults | ids only: CPU µs | minor faults | "
          "worker RSS MiB before → after 16 concurrent full batches |")
    print("|---|---|---|---|---|---|")
    for keep, m in medians.items():
        label = "`--malloc-keep-mb 0` (glibc's defaults)" if keep == 0 else f"`--malloc-keep-mb {keep}` (default)"
        print(f"| {label} | {m['batch-full cpu']:.1f} | {m['batch-full faults']:.2f} | {m['batch-ids cpu']:.1f} | "
              f"{m['batch-ids faults']:.2f} | {m['rss before']:.0f} → {m['rss after']:.0f} |")
    return 0
