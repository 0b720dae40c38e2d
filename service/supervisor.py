"""The main process: start the workers, watch the rules, relay signals, replace dead workers.

It imports no gRPC and no durable_rules: workers are started with the ``spawn`` method, so each
begins with a clean interpreter (gRPC and durable_rules both dislike ``fork``). The port is
reserved here with SO_REUSEPORT (so ``--address host:0`` gives every worker the same free port)
and announced on standard output: ``trivsel: serving on 127.0.0.1:50051 (2 workers)``.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from multiprocessing.process import BaseProcess

from .config import ServerConfig
from .logs import configure_logging
from .watch import FolderWatch

__all__ = ["serve"]

RESTART_BACKOFF = 1.0
PIN_FAILED = 4  # a worker's exit code when it cannot be pinned to its CPU


def _reserve_port(config: ServerConfig) -> tuple[socket.socket, int]:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config.host, config.port))
    return sock, sock.getsockname()[1]


def _worker_main(config: ServerConfig, port: int, index: int, supervisor: int, state_dir: str) -> None:
    if config.cpus:  # before gRPC starts its threads: they inherit the main thread's affinity
        cpu = config.cpus[index % len(config.cpus)]
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError as exc:  # the CPU went away (hot-unplug, a changed cgroup): say so, plainly
            configure_logging(config.log_format, config.log_level, worker=index, pid=os.getpid()).error(
                "worker.pin_failed", cpu=cpu, error=str(exc))
            sys.exit(PIN_FAILED)
    from .worker import run_worker

    sys.exit(run_worker(config, port, index, supervisor, state_dir))


def serve(config: ServerConfig) -> int:
    log = configure_logging(config.log_format, config.log_level, role="supervisor", pid=os.getpid())
    try:
        reservation, port = _reserve_port(config)
    except OSError as exc:
        log.error("bind.failed", address=config.address, error=str(exc))
        return 3
    print(f"trivsel: serving on {config.host}:{port} ({config.workers} worker{'s' * (config.workers > 1)})",
          flush=True)
    ctx = multiprocessing.get_context("spawn")
    state_dir = tempfile.mkdtemp(prefix="trivsel-state-")  # the last rule set that loaded, for new workers
    workers: dict[int, BaseProcess] = {}
    stopping = False
    reload_all = False

    def start(index: int) -> None:
        process = ctx.Process(target=_worker_main, args=(config, port, index, os.getpid(), state_dir),
                              name=f"trivsel-worker-{index}")
        process.start()
        workers[index] = process
        log.info("worker.spawned", worker=index, worker_pid=process.pid)

    def on_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

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
    restarts: dict[int, float] = {}
    while not stopping:
        time.sleep(0.1)
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
        for index, process in list(workers.items()):
            if not process.is_alive() and not stopping:
                log.error("worker.died", worker=index, exitcode=process.exitcode)
                if time.monotonic() - restarts.get(index, 0.0) < RESTART_BACKOFF:
                    continue
                restarts[index] = time.monotonic()
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
    shutil.rmtree(state_dir, ignore_errors=True)
    log.info("stopped")
    return 0
