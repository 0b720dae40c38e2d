"""A load generator in its own process, so the client never competes with itself for the GIL
of the process under test: ``python -m bench.load ADDRESS KIND THREADS SECONDS`` prints JSON."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import grpc

from bench.machine import pin_from_environment, pinned_environment
from trivsel.api.convert import profile_to_proto
from trivsel.client.profiles import read_profile
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OPTIONS = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]


def request_for(kind: str) -> tuple[str, object]:
    if kind == "unary":
        profile = profile_to_proto(read_profile(str(EXAMPLES / "production-high-workload.yaml")))
        return "Recommend", pb.RecommendRequest(profile=profile)
    detail = pb.DETAIL_IDS if kind == "batch-ids" else pb.DETAIL_FULL
    examples = [profile_to_proto(read_profile(str(p))) for p in sorted(EXAMPLES.glob("*.yaml"))]
    return "RecommendBatch", pb.RecommendBatchRequest(profiles=[examples[i % len(examples)] for i in range(100)],
                                                      detail=detail)


def run_client(address: str, kind: str, threads: int, seconds: float, cpu: int) -> dict[str, Any]:
    """Run this module as the load client, in its own process pinned to ``cpu``, and return its JSON
    result; raises if it failed or no call was answered (every figure per answer would divide by 0)."""
    out = subprocess.run([sys.executable, "-m", "bench.load", address, kind, str(threads), str(seconds)], cwd=ROOT,
                         capture_output=True, text=True, timeout=seconds + 120, env=pinned_environment(cpu))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result: dict[str, Any] = json.loads(out.stdout)
    if not result["items_answered"]:
        raise RuntimeError(f"the server answered nothing to {kind} ({result['errors']} errors)")
    return result


def main() -> int:
    pin_from_environment()
    address, kind, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    method, request = request_for(kind)
    per_call = len(request.profiles) if method == "RecommendBatch" else 1  # type: ignore[attr-defined]
    channels = [grpc.insecure_channel(address, options=OPTIONS) for _ in range(max(1, threads // 4))]
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    answered = [0] * threads  # warm-up included: what the server's CPU time was spent on
    warm_until = time.perf_counter() + 0.5

    def run(i: int) -> None:
        call = getattr(pb_grpc.RecommenderStub(channels[i % len(channels)]), method)
        mine = latencies[i]
        while not stop.is_set():
            start = time.perf_counter()
            try:
                call(request, timeout=30)
            except grpc.RpcError:
                errors[i] += 1
                continue
            answered[i] += 1
            if start > warm_until:
                mine.append(time.perf_counter() - start)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    time.sleep(0.5 + seconds)
    stop.set()
    for w in workers:
        w.join()
    samples = sorted(x for part in latencies for x in part)
    calls = len(samples)
    print(json.dumps({"calls_per_s": calls / seconds, "items_per_s": calls * per_call / seconds,
                      "p50_ms": 1000 * samples[calls // 2] if calls else None,
                      "p99_ms": 1000 * samples[min(calls - 1, int(calls * 0.99))] if calls else None,
                      "errors": sum(errors), "items_answered": sum(answered) * per_call,
                      "mean_ms": 1000 * statistics.fmean(samples) if calls else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
