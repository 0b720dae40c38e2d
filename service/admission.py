"""Admission for heavy calls (RecommendBatch, AnalyseOrganisation): how many, and how much at once.

A worker answers on a small pool of request threads (``--threads``), and durable_rules never
releases the GIL, so a handful of large batches can hold every thread for seconds: health checks
and single Recommend calls then queue behind them and probes fail. And what a worker holds in
memory grows with the answers it is building at once. So heavy calls pass two gates:

* at most ``max_calls`` of them are inside the worker at once (running or waiting here), fewer
  than the request threads, so that threads stay free for everything else; one more is refused at
  once;
* the answers being built may add up to at most ``budget_bytes`` — each call weighs the
  worst-case size of its answer (its profile count times the rule set's bound per profile,
  service/limits.py), so the weight follows the profile count and the detail level. A call that
  does not fit waits, up to ``wait_seconds`` (and never past its deadline), for calls ahead of it
  to finish, then is refused.

Refusals are RESOURCE_EXHAUSTED with a RetryInfo detail, immediate or after the short wait —
never a queue that grows without bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2

from trivsel.api.status import RpcError

__all__ = ["Admission", "AdmissionSettings"]


@dataclass(frozen=True)
class AdmissionSettings:
    max_calls: int
    """Heavy calls inside one worker at once (running or waiting for room)."""
    budget_bytes: int
    """The sum of the worst-case answer sizes of the heavy calls running at once."""
    wait_seconds: float
    """How long a heavy call may wait for room before it is refused."""


class Admission:
    """The two gates of the module docstring, for one worker process."""

    def __init__(self, settings: AdmissionSettings) -> None:
        self.settings = settings
        self._lock = threading.Condition()
        self._calls = 0
        self._weight = 0

    @property
    def in_flight(self) -> tuple[int, int]:
        """(heavy calls inside, bytes admitted): for logs and tests."""
        with self._lock:
            return self._calls, self._weight

    @contextmanager
    def admit(self, weight: int, what: str, deadline_left: float | None = None) -> Iterator[None]:
        """Hold room for a call whose answer may take ``weight`` bytes while the block runs; raise
        RESOURCE_EXHAUSTED if there is none (``what`` names the call in the message)."""
        s = self.settings
        weight = min(weight, s.budget_bytes)  # a call allowed on its own must fit an empty worker
        with self._lock:
            if self._calls >= s.max_calls:
                raise _busy(f"this server is already working on {s.max_calls} large calls; {what} was refused "
                            "without waiting — retry after a moment, or send fewer large calls at once", 1.0)
            self._calls += 1
            try:
                wait = s.wait_seconds if deadline_left is None else max(0.0, min(s.wait_seconds, deadline_left))
                end = time.monotonic() + wait
                while self._weight + weight > s.budget_bytes:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise _busy(f"this server is already building {self._weight / 2**20:.0f} MiB of answers, "
                                    f"and {what} could add {weight / 2**20:.1f} MiB (the limit is "
                                    f"{s.budget_bytes / 2**20:.0f} MiB at once); retry after a moment, send smaller "
                                    "batches, or use DETAIL_IDS", 2.0)
                    self._lock.wait(left)
                self._weight += weight
            except BaseException:
                self._calls -= 1
                raise
        try:
            yield
        finally:
            with self._lock:
                self._calls -= 1
                self._weight -= weight
                self._lock.notify_all()


def _busy(message: str, retry_seconds: float) -> RpcError:
    retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=int(retry_seconds),
                                                                           nanos=int(retry_seconds % 1 * 1e9)))
    info = error_details_pb2.ErrorInfo(reason="SERVER_BUSY", domain="trivsel.v1")
    return RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, message, [info, retry])
