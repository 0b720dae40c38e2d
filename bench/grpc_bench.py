"""The service over the network, next to a bare echo server with the same payload.

Server: one Trivsel worker process (``--workers 1``), bundled rules, JSON logging to a file (one
line per call, as in production). Echo: the same sync gRPC set-up answering with canned bytes of
the same size (``bench/echo_server.py``), i.e. the transport ceiling. Load: a separate client
process (``bench/load.py``). Both servers are pinned to the last CPU and the client to the first
(``--cpus`` for Trivsel, ``TRIVSEL_BENCH_CPU`` for the others): unpinned, the scheduler moves the
server's threads onto the client's core and back, which costs the Python server up to a third of
its throughput and makes runs disagree. Each point runs a few seconds after a 0.5 s warm-up; echo
and Trivsel alternate.

Then the *budget*: for each §8 target, the server CPU per profile the target allows, minus what the
echo server spends per profile (the transport every server pays), is what is left for Trivsel's own
work; next to it, what that work costs in the server and what the same handler costs called in a
loop with no server around it. Throughput alone cannot say whether a target is out of reach;
this table can: when the handler alone, with warm caches and no gRPC threads, already needs more
than is left, no tuning of the server can meet the target.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import handler_loop
from .load import run_client
from .machine import machine_line, pinned_environment, server_and_client_cpus, tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent


SERVER_CPU, CLIENT_CPU = server_and_client_cpus()


def start_server(cmd: list[str], log: Path, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start a server (Trivsel's ``server.py`` or the echo) that prints "serving on HOST:PORT" on its
    first line, pinned to :data:`SERVER_CPU` if it pins itself from the environment; returns the
    process and its address. ``env`` replaces this process's environment as the base."""
    with open(log, "w") as err:  # the server writes to its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                env=pinned_environment(SERVER_CPU, env))
    line = proc.stdout.readline()  # type: ignore[union-attr]
    match = re.search(r"serving on ([0-9.]+:\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"did not start: {line!r} {log.read_text()[-2000:]}")
    return proc, match.group(1)


def _load(server: subprocess.Popen[str], address: str, kind: str, threads: int, seconds: float) -> dict[str, Any]:
    """Run the load client; its JSON result plus ``cpu_us_per_item``: the server's CPU time
    (the whole process tree, every thread, gRPC's own included) per profile answered."""
    before = tree_cpu_seconds(server.pid)
    result = run_client(address, kind, threads, seconds, CLIENT_CPU)
    result["cpu_us_per_item"] = 1e6 * (tree_cpu_seconds(server.pid) - before) / result["items_answered"]
    return result


def _in_process(kind: str) -> float:
    """µs per profile of the same handler called in-process on the server's CPU, no server around it.

    For batches the request's decoding is taken out: the echo server parses the batch request
    too, so it is already part of the transport cost. (The unary echo does not parse.)"""
    count = 400 if kind == "unary" else 4
    out = subprocess.run([sys.executable, "-m", "bench.handler_loop", kind, str(count), "--time"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, env=pinned_environment(SERVER_CPU))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    timing = json.loads(out.stdout)
    return float(timing["us_per_profile"] - (timing["decode_us_per_profile"] if kind != "unary" else 0.0))


@dataclass(frozen=True)
class Budget:
    """What a target leaves for Trivsel's own work per profile, against what that work costs.

    All in µs of server CPU per profile. ``allowed`` is the CPU time per profile at which a server
    saturating its one core would just meet the target; ``transport`` is what the echo server
    spends per profile (gRPC, HTTP/2, parsing the request, sending the answer), which Trivsel pays
    too; ``budget`` = allowed − transport is what is left for the handler's own work. ``in_server``
    is what that work costs inside the server (Trivsel's CPU per profile − transport) and
    ``in_process`` what the same handler costs called in a loop, with no server around it.
    """

    workload: str
    target: str
    allowed: float
    transport: float
    in_server: float
    in_process: float

    @property
    def budget(self) -> float:
        """µs per profile left for the handler's own work once the transport is paid."""
        return self.allowed - self.transport

    def row(self) -> str:
        """The Markdown row under :data:`BUDGET_HEADER`; the verdict compares the in-process
        handler (the most favourable measure of our own work) with the budget."""
        verdict = ("fits" if self.in_process <= self.budget
                   else f"{self.in_process / self.budget:.2f}× the budget" if self.budget > 0 else "no budget left")
        return (f"| {self.workload} | {self.target} | {self.allowed:,.1f} | {self.transport:,.1f} | "
                f"{self.budget:,.1f} | {self.in_server:,.1f} | {self.in_process:,.1f} | {verdict} |")


BUDGET_HEADER = ("| workload | target | CPU per profile the target allows | echo's CPU per profile (transport) | "
                 "left for Trivsel's own work | Trivsel's own work in the server | the handler in-process | "
                 "the handler alone, against what is left |\n|---|---|---|---|---|---|---|---|")


def budget_for_ratio(workload: str, ratio: float, echo_rate: float, echo_cpu: float, trivsel_cpu: float,
                     in_process: float) -> Budget:
    """A target stated as a share of the echo server's throughput: a server saturating its core
    reaches ``ratio`` × ``echo_rate`` calls/s if each call costs at most 10⁶ ÷ (``ratio`` ×
    ``echo_rate``) µs of CPU."""
    return Budget(workload, f"≥ {ratio:.0%} of echo", 1e6 / (ratio * echo_rate), echo_cpu, trivsel_cpu - echo_cpu,
                  in_process)


def budget_for_rate(workload: str, rate: float, echo_cpu: float, trivsel_cpu: float, in_process: float) -> Budget:
    """A target stated as profiles per second on one worker: at most 10⁶ ÷ ``rate`` µs of CPU each."""
    return Budget(workload, f"≥ {rate:,.0f} profiles/s", 1e6 / rate, echo_cpu, trivsel_cpu - echo_cpu, in_process)


def _wait_ready(address: str) -> None:
    import time

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
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
        trivsel, t_addr = start_server([sys.executable, "server.py", "--address", "127.0.0.1:0", "--workers", "1",
                                        "--log-format", "json", "--watch-seconds", "0", "--cpus", str(SERVER_CPU)],
                                       Path(tmp) / "trivsel.log")
        echo, e_addr = start_server([sys.executable, "-m", "bench.echo_server"], Path(tmp) / "echo.log")
        try:
            _wait_ready(t_addr)
            print("| unary `Recommend` (production example, full answer) | echo calls/s | Trivsel calls/s | "
                  "Trivsel ÷ echo | echo p50 / p99 ms | Trivsel p50 / p99 ms | errors |")
            print("|---|---|---|---|---|---|---|")
            budgets = []
            unary_cpu = {}
            for threads in (1, 8, 16):  # the target (≥ 70 % of echo) is for 8 and 16 client threads
                e = _load(echo, e_addr, "unary", threads, seconds)
                t = _load(trivsel, t_addr, "unary", threads, seconds)
                if threads > 1:
                    unary_cpu[threads] = (e["items_per_s"], e["cpu_us_per_item"], t["cpu_us_per_item"])
                print(f"| {threads} client thread{'s' * (threads > 1)} | {e['calls_per_s']:,.0f} | "
                      f"{t['calls_per_s']:,.0f} | {t['calls_per_s'] / e['calls_per_s']:.0%} | "
                      f"{e['p50_ms']:.2f} / {e['p99_ms']:.2f} | {t['p50_ms']:.2f} / {t['p99_ms']:.2f} | "
                      f"{e['errors'] + t['errors']} |")
            print("\n| `RecommendBatch`, 100 example profiles per call, 2 client threads | echo profiles/s | "
                  "Trivsel profiles/s | target | Trivsel p50 ms per call | errors |")
            print("|---|---|---|---|---|---|")
            # issue #17's targets: 12,000 full (raised from 8,000), 20,000 ids-only
            for kind, label, target in (("batch-full", "full rationale", 12000),
                                        ("batch-ids", "ids, scores, ranks", 20000)):
                e = _load(echo, e_addr, kind, 2, seconds)
                t = _load(trivsel, t_addr, kind, 2, seconds)
                budgets.append(budget_for_rate(f"`RecommendBatch`, {label}", target, e["cpu_us_per_item"],
                                               t["cpu_us_per_item"], _in_process(kind)))
                verdict = "met" if t["items_per_s"] >= target else "NOT met"
                print(f"| {label} | {e['items_per_s']:,.0f} | {t['items_per_s']:,.0f} | ≥ {target:,} ({verdict}) | "
                      f"{t['p50_ms']:.1f} | {e['errors'] + t['errors']} |")
            unary_in_process = _in_process("unary")
            budgets[:0] = [budget_for_ratio(f"unary `Recommend`, {threads} client threads", 0.7, *cpu, unary_in_process)
                           for threads, cpu in unary_cpu.items()]
            print("\n*Budget* — µs of server CPU per profile (each server's whole process tree, gRPC's threads "
                  "included, over every call it answered); the handler in-process is the same handler called in "
                  "a loop on the server's CPU, no server around it (`bench/handler_loop.py --time`, CPU time, "
                  f"median of {handler_loop.ROUNDS} rounds; batches without decoding the request, which the echo "
                  "does too):\n")
            print(BUDGET_HEADER)
            for budget in budgets:
                print(budget.row())
        finally:
            for proc in (trivsel, echo):
                proc.terminate()
                proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
