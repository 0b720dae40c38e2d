"""Call one service handler in-process, N times: the workload that ``bench/instructions.py`` counts.

``python -m bench.handler_loop KIND N [TREE]`` with KIND ``unary``, ``batch-ids`` or ``batch-full``
(the same requests as ``bench/load.py``); TREE is another checkout of the project whose code and
rules are measured instead (``bench/instructions.py --against``). The handler is the real one — request bytes in, response
bytes out, with request id, error mapping and the call's log line (written to /dev/null) — only
the network and gRPC's threads are left out. One call is made before the N counted ones, so that
caches built on first use (fact formats, summaries) are not counted.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("unary", "batch-ids", "batch-full")


class _Context:
    """The few ``grpc.ServicerContext`` methods the handlers use."""

    def invocation_metadata(self) -> tuple:
        return ()

    def set_trailing_metadata(self, metadata: object) -> None:
        pass

    def time_remaining(self) -> None:
        return None

    def is_active(self) -> bool:
        return True


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in KINDS or not argv[1].isdigit():
        print(f"usage: python -m bench.handler_loop {{{','.join(KINDS)}}} N [TREE]", file=sys.stderr)
        return 2
    kind, count = argv[0], int(argv[1])
    tree = Path(argv[2]).resolve() if len(argv) > 2 else ROOT
    sys.path.insert(0, str(tree))
    from bench.load import request_for
    from service.logs import configure_logging
    from service.servicer import RecommenderService
    from service.state import RuleSetHolder

    devnull = open(os.devnull, "w")  # noqa: SIM115 - open while the calls log into it
    real_stderr, sys.stderr = sys.stderr, devnull
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
    handler(data, context)
    for _ in range(count):
        handler(data, context)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
