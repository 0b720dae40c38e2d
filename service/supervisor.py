"""The main process: start the workers, watch the rules, relay signals, replace dead and hung workers.

It imports no gRPC and no durable_rules: workers are started with the ``spawn`` method, so each
begins with a clean interpreter (gRPC and durable_rules both dislike ``fork``). The port is
reserved here with SO_REUSEPORT (so ``--address host:0`` gives every worker the same free port)
and logged (``listening``); standard output announces ``trivsel: serving on 127.0.0.1:50051 (2
workers)`` once the first worker answers with a rule set loaded — not before, so a script that
waits for the line can call at once, and a server whose rules never load never claims to serve.

Supervision, each piece in its own module: a fixed port already served or bound by another server
is refused before the reservation (``port_guard``); workers die with the supervisor
(``lifeline``); a worker that stops answering its own health check is killed (``watchdog``); a
worker that dies is replaced at once after a stable run, and after a growing wait when it keeps
dying at start-up (``restarts``), with one ``worker.died`` line per death.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from trivsel.native import BUILD

from .config import ServerConfig
from .lifeline import Lifeline, hold, watch
from .logs import configure_logging
from .metrics import start_endpoint, worker_died
from .port_guard import ADDRESS_IN_USE, address_taken
from .restarts import RestartBackoff
from .tracing import settings_problem
from .watch import FolderWatch
from .watchdog import Pulse, Watchdog

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

__all__ = ["serve", "FAILPOINT_WORKER_START", "FAILPOINT_EXIT"]

PIN_FAILED = 4  # a worker's exit code when it cannot be pinned to its CPU
# Fault injection, off by default: TRIVSEL_FAILPOINTS=worker-start-exit makes every worker exit
# with FAILPOINT_EXIT as it starts, so tests can drive the restart backoff end to end.
FAILPOINT_WORKER_START = "worker-start-exit"
FAILPOINT_EXIT = 70


def _reserve_port(config: ServerConfig) -> tuple[socket.socket, int]:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config.host, config.port))
    return sock, sock.getsockname()[1]


def _failpoint(name: str) -> bool:
    return name in {spec.strip() for spec in os.environ.get("TRIVSEL_FAILPOINTS", "").split(",")}


def _announce(config: ServerConfig, port: int) -> None:
    """The one line on standard output; in JSON mode one object with the same words inside."""
    build = "compiled" if BUILD.compiled else "pure Python"
    announcement = (f"trivsel: serving on {config.host}:{port} ({config.workers} worker{'s' * (config.workers > 1)}, "
                    f"{build})")
    if config.log_format == "json":  # standard output holds JSON only
        print(json.dumps({"event": "serving", "address": f"{config.host}:{port}", "workers": config.workers,
                          "build": str(BUILD), "message": announcement}), flush=True)
    else:
        print(announcement, flush=True)


def _worker_main(config: ServerConfig, port: int, index: int, supervisor: int, state_dir: str,
                 lifeline: Connection | None = None, pulse: Pulse | None = None, ready: Event | None = None) -> None:
    hold(supervisor)  # first of all: from here on this worker cannot outlive its supervisor (on Linux)
    if _failpoint(FAILPOINT_WORKER_START):
        sys.exit(FAILPOINT_EXIT)
    if config.cpus:  # before gRPC starts its threads: they inherit the main thread's affinity
        cpu = config.cpus[index % len(config.cpus)]
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError as exc:  # the CPU went away (hot-unplug, a changed cgroup): say so, plainly
            configure_logging(config.log_format, config.log_level, worker=index, pid=os.getpid()).error(
                "worker.pin_failed", cpu=cpu, error=str(exc))
            sys.exit(PIN_FAILED)
    watch(lifeline)  # after the pinning, which only threads started later inherit
    from .worker import run_worker

    sys.exit(run_worker(config, port, index, supervisor, state_dir, pulse, ready))


def serve(config: ServerConfig) -> int:
    log = configure_logging(config.log_format, config.log_level, role="supervisor", pid=os.getpid())
    problem = settings_problem(os.environ)  # service/tracing.py; imports no OpenTelemetry
    if problem is not None:
        log.error("tracing.bad_setting", error=problem)
        return 2
    taken = address_taken(config.host, config.port)
    if taken:
        log.error("bind.failed", address=config.address, error=ADDRESS_IN_USE, detail=taken)
        return 3
    try:
        reservation, port = _reserve_port(config)
    except OSError as exc:
        log.error("bind.failed", address=config.address, error=str(exc))
        return 3
    log.info("listening", address=f"{config.host}:{port}", workers=config.workers)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()  # set by the first worker serving with a rule set: then the announcement
    state_dir = tempfile.mkdtemp(prefix="trivsel-state-")  # the last good rule set, the workers' probe sockets
    metrics_server = None
    if config.metrics_address:  # before the workers: they inherit the shared directory's name
        metrics_dir = os.path.join(state_dir, "metrics")
        os.mkdir(metrics_dir)
        try:
            metrics_server = start_endpoint(config.metrics_address, metrics_dir)
        except (OSError, ValueError) as exc:
            log.error("bind.failed", address=config.metrics_address, error=str(exc), what="metrics")
            shutil.rmtree(state_dir, ignore_errors=True)
            return 3
        log.info("metrics.serving", address=config.metrics_address)
    lifeline = Lifeline(ctx)
    watchdog = Watchdog(config.watchdog_seconds)
    backoff = RestartBackoff()
    workers: dict[int, BaseProcess] = {}
    spawned_at: dict[int, float] = {}
    restart_at: dict[int, float] = {}  # dead workers' slots, waiting out their backoff
    proven: set[int] = set()  # slots whose worker the watchdog killed after it had answered
    stopping = False
    reload_all = False

    def start(index: int) -> None:
        # From this (the main) thread only: a worker's parent-death signal fires when the thread
        # that started it ends.
        pulse = watchdog.pulse(ctx)
        process = ctx.Process(target=_worker_main, name=f"trivsel-worker-{index}",
                              args=(config, port, index, os.getpid(), state_dir, lifeline.reader, pulse, ready))
        process.start()
        workers[index] = process
        spawned_at[index] = time.monotonic()
        watchdog.watch(index, pulse, spawned_at[index])
        log.info("worker.spawned", worker=index, worker_pid=process.pid)

    def on_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    def stop_requested() -> bool:  # read through a call: mypy would take `not stopping` (the loop's test) as holding
        return stopping  # for the whole loop body, though the signal handler above may set it at any time

    def on_reload(*_: object) -> None:
        nonlocal reload_all
        reload_all = True

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    signal.signal(signal.SIGUSR1, on_reload)  # a worker reloaded through the API: bring the others along
    for index in range(config.workers):
        start(index)
    watch = FolderWatch(config.rules) if config.watch_seconds > 0 else None
    last_poll = time.monotonic()
    announced = False
    while not stopping:
        time.sleep(0.1)
        if not announced and ready.is_set():
            announced = True
            _announce(config, port)
        if watch is not None and time.monotonic() - last_poll >= config.watch_seconds:
            last_poll = time.monotonic()
            if watch.poll():
                log.info("rules.changed", folder=str(config.rules))
                reload_all = True
        if reload_all:
            reload_all = False
            for process in workers.values():
                if process.is_alive() and process.pid:
                    os.kill(process.pid, signal.SIGHUP)
        now = time.monotonic()
        for index, silent, answered in watchdog.silent(now):
            process = workers[index]
            watchdog.forget(index)
            if process.is_alive() and not stopping:
                log.error("worker.hung", worker=index, worker_pid=process.pid, silent_seconds=round(silent, 1),
                          answered_before=answered, watchdog_seconds=config.watchdog_seconds)
                process.kill()  # the death is noticed, logged and replaced below, like any other
                if answered:
                    proven.add(index)
        for index, process in list(workers.items()):
            if stop_requested():
                break
            if index in restart_at:
                if now >= restart_at[index]:
                    del restart_at[index]
                    start(index)
                continue
            if not process.is_alive():
                watchdog.forget(index)
                worker_died(process.pid)
                uptime = now - spawned_at[index]
                delay = backoff.after_death(index, uptime, proven=index in proven)
                proven.discard(index)
                log.error("worker.died", worker=index, worker_pid=process.pid, exitcode=process.exitcode,
                          uptime_seconds=round(uptime, 1), restart_in_seconds=delay)
                if delay > 0:
                    restart_at[index] = now + delay
                else:
                    start(index)
    log.info("stopping", workers=len(workers))
    for process in workers.values():
        if process.is_alive() and process.pid:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + config.grace_seconds + 5
    for process in workers.values():
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.error("worker.killed", worker_pid=process.pid)
            process.kill()
            process.join()
    reservation.close()
    lifeline.close()
    if metrics_server is not None:
        metrics_server.shutdown()
    shutil.rmtree(state_dir, ignore_errors=True)
    log.info("stopped")
    return 0
