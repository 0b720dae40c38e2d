"""Find workers that have stopped answering, so the supervisor can replace them.

A dead worker is easy to see (the supervisor reaps it); a hung one is not: durable_rules can spin
in C holding the GIL, a process can be stopped (SIGSTOP, a debugger), gRPC's own threads can wedge.
The worker keeps its share of the port meanwhile, so the kernel keeps handing it new connections
that are never answered.

The check used is the one callers would make: each worker calls ``grpc.health.v1/Check`` on its
*own* gRPC server, once a second or so, over a private unix socket in the supervisor's state
directory (added to the same server before it starts, so the call goes through the same
completion queue and request thread pool as a caller's). Each answer — any status but
DEADLINE_EXCEEDED or UNAVAILABLE, NOT_SERVING included, since a worker without a rule set still
answers — adds one to a counter in memory shared with the supervisor. The supervisor only looks
for the counter to change, by its own clock, and kills (SIGKILL) a worker whose counter has not
moved for ``--watchdog-seconds``; the ordinary restart then replaces it.

Busy is not hung: the check waits in the same queue as callers' calls, so a worker with more
long calls than request threads (many very large batches at once) answers it late. While the
check waits, the worker still counts as alive as long as it visibly works — the process used at
least :data:`BUSY_SHARE` of a core meanwhile. The hangs this is for use none: a stopped process,
threads deadlocked on a lock, a wedged gRPC core. And a GIL held in C (durable_rules never
releases it) stops this thread too, so nothing is counted at all. Killing an overloaded worker
instead would fail every call it holds and hand its load to its siblings.

Why not simpler: a thread that only bumps the counter would notice a stopped process or a GIL held
in C, but not a server whose threads are all stuck or whose gRPC core no longer answers. Why not
from outside: the supervisor cannot reach one particular worker through the shared port (the
kernel picks the worker per connection), and it would need gRPC itself, which it keeps out of its
process. Why a private socket: it reaches exactly this worker, and, being a file in a directory
only the server's user can open (mode 0700), it needs no TLS even when the port uses it.

Limits: a worker spinning without answering — every request thread in a runaway loop that still
lets the GIL go — looks busy and is left alone. A worker that has not answered yet (starting,
loading its rules) is given :data:`STARTUP_GRACE` seconds more. If the socket cannot be made (a
state directory path too long for a unix socket) the worker says so (``watchdog.no_probe``) and
its counter is bumped by the thread alone.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the supervisor imports this module and keeps gRPC out of its process
    import ctypes

    import grpc
    from structlog.typing import FilteringBoundLogger

__all__ = ["Pulse", "Heartbeat", "Watchdog", "STARTUP_GRACE", "BUSY_SHARE"]

STARTUP_GRACE = 60.0  # seconds a new worker may take to load its rules before its first answer
BUSY_SHARE = 0.25  # while its check waits, a worker using this share of a core is working, not hung
_UNIX_PATH_MAX = 100  # sun_path holds 108 bytes (Linux), 104 (BSD); keep a margin


@dataclass(frozen=True)
class Pulse:
    """What a worker needs to report that it answers: a counter shared with the supervisor."""

    counter: ctypes.c_ulonglong  # multiprocessing RawValue("Q"): written by the worker only, read by the supervisor
    timeout: float

    @property
    def interval(self) -> float:
        """How often the worker checks itself: several times per timeout, at most once a second."""
        return max(0.1, min(1.0, self.timeout / 5))


class Heartbeat:
    """The worker's side: a daemon thread that checks this worker's own server and counts answers."""

    def __init__(self, pulse: Pulse, target: str | None, log: FilteringBoundLogger) -> None:
        self.pulse = pulse
        self.target = target
        self.log = log

    @classmethod
    def attach(cls, server: grpc.Server, pulse: Pulse | None, state_dir: str, index: int,
               log: FilteringBoundLogger) -> Heartbeat | None:
        """Add the private socket to ``server`` (call before ``server.start()``); None without a pulse."""
        if pulse is None:
            return None
        target = None
        path = os.path.join(state_dir, f"probe-{index}-{os.getpid()}.sock") if state_dir else ""
        if path and len(path.encode()) <= _UNIX_PATH_MAX:
            try:
                bound = server.add_insecure_port(f"unix:{path}")
            except RuntimeError:
                bound = 0
            target = f"unix:{path}" if bound else None
        if target is None:
            log.warning("watchdog.no_probe", path=path or None,
                        reason="the worker's health is not checked through gRPC, only that it runs")
        return cls(pulse, target, log)

    def start(self) -> None:
        threading.Thread(target=self._run, name="trivsel-heartbeat", daemon=True).start()

    def _run(self) -> None:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        unanswered = (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE)
        check = None
        if self.target:
            channel = grpc.insecure_channel(self.target, options=[("grpc.enable_http_proxy", 0)])
            check = health_pb2_grpc.HealthStub(channel).Check
        request = health_pb2.HealthCheckRequest(service="")
        interval = self.pulse.interval
        failing = False
        while True:
            started = time.monotonic()
            answered = True
            if check is not None:
                call = check.future(request, timeout=self.pulse.timeout)
                cpu = time.process_time()
                while True:
                    try:
                        call.result(timeout=interval)
                        break
                    except grpc.FutureTimeoutError:  # waiting behind callers' calls, or hung
                        used, cpu = time.process_time() - cpu, time.process_time()
                        if used >= BUSY_SHARE * interval:
                            self.pulse.counter.value += 1  # busy working: not hung
                    except grpc.RpcError as exc:
                        answered = exc.code() not in unanswered
                        if not answered and not failing:
                            self.log.warning("watchdog.unanswered", code=exc.code().name)
                        break
            failing = not answered
            if answered:
                self.pulse.counter.value += 1
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


@dataclass
class _Watched:
    counter: ctypes.c_ulonglong
    seen: int
    since: float  # when ``seen`` was first observed (the worker's start, before its first answer)
    answered: bool = False


class Watchdog:
    """The supervisor's side: which workers' counters have stood still too long."""

    def __init__(self, timeout: float, startup_grace: float = STARTUP_GRACE) -> None:
        self.timeout = timeout
        self.startup_grace = startup_grace
        self._watched: dict[int, _Watched] = {}

    @property
    def enabled(self) -> bool:
        return self.timeout > 0

    def pulse(self, ctx: BaseContext) -> Pulse | None:
        """A fresh counter for a worker about to start (None when the watchdog is off)."""
        return Pulse(ctx.RawValue("Q", 0), self.timeout) if self.enabled else None

    def watch(self, index: int, pulse: Pulse | None, now: float) -> None:
        if pulse is not None:
            self._watched[index] = _Watched(pulse.counter, 0, now)

    def forget(self, index: int) -> None:
        self._watched.pop(index, None)

    def silent(self, now: float) -> list[tuple[int, float, bool]]:
        """Workers past their limit: (index, seconds without an answer, answered ever)."""
        overdue = []
        for index, watched in self._watched.items():
            value = watched.counter.value
            if value != watched.seen:
                watched.seen, watched.since, watched.answered = value, now, True
                continue
            limit = self.timeout if watched.answered else self.timeout + self.startup_grace
            if now - watched.since > limit:
                overdue.append((index, now - watched.since, watched.answered))
        return overdue
