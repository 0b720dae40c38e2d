"""Prometheus metrics for the whole server: every worker counted, one page at ``/metrics``.

Off unless ``--metrics-address HOST:PORT`` (or ``TRIVSEL_METRICS_ADDRESS``) is given. The workers
are separate processes, so the numbers live in prometheus_client's *multiprocess* mode: each
worker writes its counters to files in a directory the supervisor makes (``PROMETHEUS_MULTIPROC_DIR``,
set before the workers are spawned, which inherit it), and the supervisor's HTTP endpoint adds them
up. A dead worker's live gauges are dropped (:func:`worker_died`); its counters stay counted.

The names are the conventional gRPC server ones (``grpc_server_started_total``,
``grpc_server_handled_total{grpc_service, grpc_method, grpc_code}``, the
``grpc_server_handling_seconds`` histogram), so existing dashboards work, plus Trivsel's own:
``trivsel_ruleset_info{id, version, fingerprint}``, ``trivsel_reloads_total{outcome}``,
``trivsel_batch_profiles`` (profiles per batch call) and ``trivsel_refused_requests_total{reason}``.
No label ever holds what a caller sent.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from trivsel.engine.model import RuleSetInfo

__all__ = ["start_endpoint", "worker_died", "WorkerMetrics", "metrics", "ENV"]

ENV = "PROMETHEUS_MULTIPROC_DIR"
SERVICE = "trivsel.v1.Recommender"
_REFUSED = {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "RESOURCE_EXHAUSTED", "UNAUTHENTICATED",
            "PERMISSION_DENIED", "DEADLINE_EXCEEDED", "UNAVAILABLE"}


def start_endpoint(address: str, directory: str) -> WSGIServer:
    """In the supervisor, before the workers start: the shared directory, and the HTTP endpoint."""
    os.environ[ENV] = directory
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    host, _, port = address.rpartition(":")
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]  # unannotated upstream
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0", registry=registry)
    return server


def worker_died(pid: int | None) -> None:
    """Drop a dead worker's live gauges (its ruleset_info line would otherwise stay)."""
    directory = os.environ.get(ENV)
    if directory and pid:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]  # unannotated upstream


class WorkerMetrics:
    """The metrics one worker updates (created only when the supervisor turned metrics on)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        labels = ["grpc_type", "grpc_service", "grpc_method"]
        self.started = Counter("grpc_server_started", "RPCs started on the server.", labels)
        self.handled = Counter("grpc_server_handled", "RPCs completed on the server, by status code.",
                               [*labels, "grpc_code"])
        self.seconds = Histogram("grpc_server_handling_seconds", "Time to handle an RPC, in seconds.", labels,
                                 buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                          5, 10, 30))
        self.ruleset = Gauge("trivsel_ruleset_info", "The rule set a worker serves (value 1).",
                             ["id", "version", "fingerprint"], multiprocess_mode="liveall")
        self.reloads = Counter("trivsel_reloads", "Rule-set reloads, by outcome.", ["outcome"])
        self.batch = Histogram("trivsel_batch_profiles", "Profiles per batch call.", ["grpc_method"],
                               buckets=(1, 10, 50, 100, 500, 1000, 2500, 5000, 10000))
        self.refused = Counter("trivsel_refused_requests", "Calls refused, by reason (the status code).",
                               ["reason"])
        self._serving: tuple[str, str, str] | None = None

    def call(self, method: str, streaming: bool, code: str, seconds: float, profiles: object = None) -> None:
        kind = "client_stream" if streaming else "unary"
        self.started.labels(kind, SERVICE, method).inc()
        self.handled.labels(kind, SERVICE, method, code).inc()
        self.seconds.labels(kind, SERVICE, method).observe(seconds)
        if isinstance(profiles, int):
            self.batch.labels(method).observe(profiles)
        if code in _REFUSED:
            self.refused.labels(code.lower()).inc()

    def reloaded(self, outcome: str, info: RuleSetInfo | None) -> None:
        self.reloads.labels(outcome).inc()
        if info is not None:
            serving = (info.id, info.version, info.fingerprint)
            if serving != self._serving:
                if self._serving is not None:
                    self.ruleset.remove(*self._serving)
                self.ruleset.labels(*serving).set(1)
                self._serving = serving


_metrics: WorkerMetrics | None = None


def metrics() -> WorkerMetrics | None:
    """This worker's metrics, or None when metrics are off."""
    global _metrics
    if _metrics is None and os.environ.get(ENV):
        _metrics = WorkerMetrics()
    return _metrics
