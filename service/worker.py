"""One worker process: a gRPC server with its own engine, sharing the port with its siblings.

durable_rules never releases the GIL, so threads add no parallelism: the supervisor starts one
worker per core, each binding the same port with SO_REUSEPORT, and the kernel spreads connections
over them. SIGTERM stops accepting, lets calls in flight finish (grace period) and exits 0;
SIGHUP reloads the rules folder.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
from concurrent import futures
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from trivsel.v1 import recommender_pb2 as pb

from .admission import AdmissionSettings
from .auth import AdminCheck
from .config import ServerConfig
from .introspection import SERVICE_NAME as REFLECTION
from .introspection import add_reflection
from .logs import configure_logging
from .memory import tune_allocator
from .metrics import metrics
from .servicer import SERVICE_VERSION, RecommenderService, generic_handler
from .state import REFUSED, RuleSetHolder, log_refusal
from .tracing import configure_tracing
from .watchdog import Heartbeat, Pulse

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

__all__ = ["run_worker", "server_options", "SERVICE_NAME"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["Recommender"].full_name


def server_options(config: ServerConfig) -> list[tuple[str, int]]:
    return [("grpc.so_reuseport", 1), ("grpc.max_receive_message_length", config.max_request_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes), ("grpc.max_concurrent_streams", 256)]


def admission_settings(config: ServerConfig) -> AdmissionSettings:
    return AdmissionSettings(config.heavy_call_limit, config.answer_bytes_in_flight, config.admission_wait_seconds)


def _credentials(config: ServerConfig) -> grpc.ServerCredentials | None:
    if not config.tls:
        return None
    if config.tls_key is None or config.tls_cert is None:  # parse_config refuses a certificate without its key
        raise ValueError("TLS needs both --tls-cert and --tls-key")
    key = config.tls_key.read_bytes()
    cert = config.tls_cert.read_bytes()
    ca = config.client_ca.read_bytes() if config.client_ca else None
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=ca is not None)


def run_worker(config: ServerConfig, port: int, index: int, supervisor: int = 0, state_dir: str = "",
               pulse: Pulse | None = None, ready: Event | None = None) -> int:
    """Serve until SIGTERM; returns the exit code.

    ``supervisor`` is the pid to tell after a Reload call (so the siblings reload too); ``state_dir``
    is where the last rule set that loaded is kept, so a worker started while the folder is broken
    still serves the version its siblings serve. ``pulse`` is where this worker reports that it
    still answers (service/watchdog.py); None: nobody is watching. ``ready`` (a multiprocessing
    Event shared by the workers) is set once this worker's server has started with a rule set
    loaded; the supervisor then announces the address.
    """
    # Signals first: the supervisor may send SIGHUP (a rules change) while this worker is starting,
    # and SIGHUP's default action would end the process.
    stop = threading.Event()
    reload_wanted = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload_wanted.set())
    tracing = configure_tracing(os.environ, SERVICE_VERSION)  # the OTEL_* variables; None: no traces
    log = configure_logging(config.log_format, config.log_level, trace_ids=tracing is not None, worker=index,
                            pid=os.getpid())
    if tracing is not None:
        log.info("tracing.on", exporters=list(tracing.exporters))
    allocator = tune_allocator(config.malloc_keep_mb)  # before the rule set and gRPC allocate much
    health_servicer = health.HealthServicer()

    def set_health(serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", SERVICE_NAME):
            health_servicer.set(name, status)

    holder = RuleSetHolder(config.rules, last_good=Path(state_dir) / "last-good" if state_dir else None)

    def reload(reason: str) -> None:
        outcome = holder.reload()
        current = holder.current
        fields = {"reason": reason, "outcome": outcome.outcome}
        if current is not None:
            fields.update(ruleset=current.info.id, version=current.info.version, fingerprint=current.info.fingerprint)
        if outcome.outcome == REFUSED:
            log.warning("reload.refused", errors=sum(1 for p in outcome.problems if p.is_error),
                        fallback=outcome.fallback, **fields)
            log_refusal(log, outcome.problems)
        else:
            log.info("reload", **fields)
        recorder = metrics()
        if recorder is not None:
            recorder.reloaded(outcome.outcome, current.info if current is not None else None)
        set_health(current is not None)
        if current is not None and started.is_set() and ready is not None:
            ready.set()

    def tell_siblings() -> None:
        if supervisor and os.getppid() == supervisor:  # still our supervisor (it may be pid 1 in a container)
            os.kill(supervisor, signal.SIGUSR1)

    started = threading.Event()
    reload("start")
    gc.collect()
    gc.freeze()  # the rule set lives as long as the process: keep it out of the collector's young generations
    service = RecommenderService(holder, config.max_batch, config.min_group_size, config.admin_token,
                                 on_reloaded=tell_siblings, admin_identities=config.admin_identities,
                                 max_message_bytes=config.max_message_bytes,
                                 admission=admission_settings(config),
                                 protect_introspection=config.protect_introspection, tracing=tracing)
    # maximum_concurrent_rpcs: calls past it (running or queued for a thread) get RESOURCE_EXHAUSTED
    # at once instead of queueing without bound
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.threads), options=server_options(config),
                         maximum_concurrent_rpcs=config.concurrent_calls,
                         interceptors=[tracing.interceptor()] if tracing is not None else None)
    server.add_generic_rpc_handlers((generic_handler(service),))
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    add_reflection(server, (SERVICE_NAME, health.SERVICE_NAME, REFLECTION),
                   AdminCheck(config.admin_token, config.admin_identities) if config.protect_introspection else None)
    target = f"{config.host}:{port}" if ":" not in config.host else f"[{config.host}]:{port}"
    credentials = _credentials(config)
    bound = server.add_secure_port(target, credentials) if credentials else server.add_insecure_port(target)
    if bound == 0:
        log.error("bind.failed", address=target)
        return 3
    heartbeat = Heartbeat.attach(server, pulse, state_dir, index, log)  # its private port: before start
    server.start()
    started.set()
    if holder.current is not None and ready is not None:
        ready.set()
    if heartbeat is not None:
        heartbeat.start()
    log.info("worker.started", address=target, tls=config.tls, mtls=config.client_ca is not None,
             cpus=sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None, **allocator)
    while not stop.is_set():
        if reload_wanted.wait(0.2):
            reload_wanted.clear()
            reload("signal")
    log.info("worker.stopping", grace_seconds=config.grace_seconds)
    set_health(False)
    server.stop(config.grace_seconds).wait()
    holder.close()
    if tracing is not None:
        tracing.shutdown()  # the spans still in the batch exporter go out before the process ends
    log.info("worker.stopped")
    return 0
