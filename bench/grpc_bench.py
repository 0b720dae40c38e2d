"""The service over the network, next to a bare echo server with the same payload.

Server: one Trivsel worker process (``--workers 1``), bundled rules, JSON logging to a file (one
line per call, as in production). Echo: the same sync gRPC set-up answering with canned bytes of
the same size (``bench/echo_server.py``), i.e. the transport ceiling. Load: a separate client
process (``bench/load.py``). Both servers are pinned to the last CPU and the client to the first
(``--cpus`` for Trivsel, ``TRIVSEL_BENCH_CPU`` for the others): unpinned, the scheduler moves the
server's threads onto the client's core and back, which costs the Python server up to a third of
its throughput and makes runs disagree. Each point runs a few seconds after a 0.5 s warm-up; echo
and Trivsel alternate.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from .machine import PIN_VARIABLE, machine_line

ROOT = Path(__file__).resolve().parent.parent


_CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPU, CLIENT_CPU = _CPUS[-1], _CPUS[0]  # the same CPU when there is only one


def _pinned(cpu: int) -> dict[str, str]:
    """The environment that makes a benchmark process pin itself (bench/machine.py)."""
    return {**os.environ, PIN_VARIABLE: str(cpu)}


def _start(cmd: list[str], log: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True,
                            env=_pinned(SERVER_CPU))
    line = proc.stdout.readline()  # type: ignore[union-attr]
    match = re.search(r"serving on ([0-9.]+:\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"did not start: {line!r} {log.read_text()[-2000:]}")
    return proc, match.group(1)


def _load(address: str, kind: str, threads: int, seconds: float) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.load", address, kind, str(threads), str(seconds)], cwd=ROOT,
                         capture_output=True, text=True, timeout=seconds + 120, env=_pinned(CLIENT_CPU))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout)


def _wait_ready(address: str) -> None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    import time
    deadline = time.monotonic() + 30
    with grpc.insecure_channel(address) as channel:
        while time.monotonic() < deadline:
            try:
                status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise RuntimeError("server not ready")


def main(argv: Sequence[str] | None = None) -> int:
    seconds = float((argv or [None])[0] or 3)
    print(f"## Service over gRPC: Trivsel against a bare echo server\n\n{machine_line()}\n"
          f"One server process each, on CPU {SERVER_CPU}; a separate client process on CPU {CLIENT_CPU}; "
          f"{seconds:g} s per point after 0.5 s warm-up.\n")
    with tempfile.TemporaryDirectory() as tmp:
        trivsel, t_addr = _start([sys.executable, "server.py", "--address", "127.0.0.1:0", "--workers", "1",
                                  "--log-format", "json", "--watch-seconds", "0", "--cpus", str(SERVER_CPU)], Path(tmp) / "trivsel.log")
        echo, e_addr = _start([sys.executable, "-m", "bench.echo_server"], Path(tmp) / "echo.log")
        try:
            _wait_ready(t_addr)
            print("| unary `Recommend` (production example, full answer) | echo calls/s | Trivsel calls/s | "
                  "Trivsel ÷ echo | echo p50 / p99 ms | Trivsel p50 / p99 ms | errors |")
            print("|---|---|---|---|---|---|---|")
            for threads in (1, 4, 16):
                e = _load(e_addr, "unary", threads, seconds)
                t = _load(t_addr, "unary", threads, seconds)
                print(f"| {threads} client thread{'s' * (threads > 1)} | {e['calls_per_s']:,.0f} | "
                      f"{t['calls_per_s']:,.0f} | {t['calls_per_s'] / e['calls_per_s']:.0%} | "
                      f"{e['p50_ms']:.2f} / {e['p99_ms']:.2f} | {t['p50_ms']:.2f} / {t['p99_ms']:.2f} | "
                      f"{e['errors'] + t['errors']} |")
            print("\n| `RecommendBatch`, 100 example profiles per call, 2 client threads | echo profiles/s | "
                  "Trivsel profiles/s | target | Trivsel p50 ms per call | errors |")
            print("|---|---|---|---|---|---|")
            for kind, label, target in (("batch-full", "full rationale", 8000), ("batch-ids", "ids, scores, ranks",
                                                                                    20000)):
                e = _load(e_addr, kind, 2, seconds)
                t = _load(t_addr, kind, 2, seconds)
                verdict = "met" if t["items_per_s"] >= target else "NOT met"
                print(f"| {label} | {e['items_per_s']:,.0f} | {t['items_per_s']:,.0f} | ≥ {target:,} ({verdict}) | "
                      f"{t['p50_ms']:.1f} | {e['errors'] + t['errors']} |")
        finally:
            for proc in (trivsel, echo):
                proc.terminate()
                proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
