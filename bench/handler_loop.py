"""Call one service handler in-process, N times: the workload that ``bench/instructions.py`` counts
and that ``bench/grpc_bench.py`` times to see what the handler costs without a server around it.

``python -m bench.handler_loop KIND N [TREE] [--time]`` with KIND ``unary``, ``batch-ids`` or
``batch-full`` (the same requests as ``bench/load.py``); TREE is another checkout of the project
whose code and rules are measured instead (``bench/instructions.py --against``). The handler is the
real one — request bytes in, response bytes out, with request id, error mapping and the call's log
line (written to /dev/null) — only the network and gRPC's threads are left out. One call is made
before the N counted ones, so that caches built on first use (fact formats, summaries) are not
counted. With ``--time`` the N calls run in :data:`ROUNDS` rounds and the median round is printed as
JSON (µs of CPU time per profile, and the same for decoding the request alone); the process pins
itself first if ``TRIVSEL_BENCH_CPU`` is set.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

__all__ = ["prepare", "time_per_profile", "KINDS", "ROUNDS"]

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("unary", "batch-ids", "batch-full")
ROUNDS = 5


class _Context:
    """The few ``grpc.ServicerContext`` methods the handlers use."""

    def invocation_metadata(self) -> tuple:
        return ()

    def set_trailing_metadata(self, metadata: object) -> None:
        pass

    def peer(self) -> str:
        return "ipv4:127.0.0.1:0"

    def time_remaining(self) -> None:
        return None

    def is_active(self) -> bool:
        return True


def prepare(kind: str, tree: Path, log_sink: TextIO) -> tuple[Callable[[], Any], int, Callable[[], Any]]:
    """A no-argument call of the real handler on ``kind``'s request, the profiles it handles, and a
    no-argument call that only decodes the request (what an echo server that parses pays too).

    The call's log lines go to ``log_sink``, which must stay open while any prepared call may run:
    structlog keeps the stream it was configured with. The rule set stays loaded for the life of
    the process (as in a worker)."""
    if str(tree) not in sys.path:
        sys.path.insert(0, str(tree))
    from bench.load import request_for
    from trivsel.service.logs import configure_logging
    from trivsel.service.servicer import RecommenderService
    from trivsel.service.state import RuleSetHolder

    real_stderr, sys.stderr = sys.stderr, log_sink
    configure_logging("json", "info", worker=0, pid=os.getpid())  # the log lines are written, to nowhere
    sys.stderr = real_stderr  # (a failure below still shows its traceback)
    holder = RuleSetHolder(tree / "rules")
    holder.reload()
    gc.collect()
    gc.freeze()  # as the worker does after loading
    service = RecommenderService(holder)
    method, request = request_for(kind)
    data, context = request.SerializeToString(), _Context()  # type: ignore[attr-defined]
    handler = getattr(service, method)
    per_call = len(request.profiles) if method == "RecommendBatch" else 1  # type: ignore[attr-defined]
    decode: Callable[[], Any] = functools.partial(request.FromString, data)  # type: ignore[attr-defined]
    return functools.partial(handler, data, context), per_call, decode


def time_per_profile(call: Callable[[], Any], per_call: int, count: int) -> float:
    """Median over :data:`ROUNDS` rounds of ``count`` calls, in µs of this process's CPU time per
    profile: CPU, not wall-clock, because the figure is set against servers' CPU time, and on a
    shared machine the scheduler's pauses would inflate a wall-clock figure."""
    rounds = []
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(count):
            call()
        rounds.append((time.process_time() - start) / (count * per_call))
    return statistics.median(rounds) * 1e6


def main(argv: list[str]) -> int:
    timed = "--time" in argv
    argv = [a for a in argv if a != "--time"]
    if len(argv) < 2 or argv[0] not in KINDS or not argv[1].isdigit():
        print(f"usage: python -m bench.handler_loop {{{','.join(KINDS)}}} N [TREE] [--time]", file=sys.stderr)
        return 2
    kind, count = argv[0], int(argv[1])
    tree = Path(argv[2]).resolve() if len(argv) > 2 else ROOT
    if timed:
        sys.path.insert(0, str(ROOT))
        from bench.machine import pin_from_environment
        pin_from_environment()
    log_sink = open(os.devnull, "w")  # noqa: SIM115 - held here: the calls below log into it
    call, per_call, decode = prepare(kind, tree, log_sink)
    call()
    if timed:
        print(json.dumps({"kind": kind, "us_per_profile": time_per_profile(call, per_call, count),
                          "decode_us_per_profile": time_per_profile(decode, per_call, count)}))
        return 0
    for _ in range(count):
        call()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
