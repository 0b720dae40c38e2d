"""Server settings from command-line flags, each with an environment variable as its default."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from trivsel.engine.bundled import default_rules_folder

from .memory import DEFAULT_KEEP_MB, MAX_KEEP_MB, MIN_KEEP_MB

__all__ = ["ServerConfig", "parse_config", "build_parser", "parse_cpu_list"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class ServerConfig:
    address: str = "127.0.0.1:50051"
    rules: Path = Path("rules")
    workers: int = 1
    threads: int = 8
    log_format: str = "console"
    log_level: str = "info"
    min_group_size: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    admin_token: str | None = None
    admin_identities: tuple[str, ...] = ()
    max_batch: int = 10_000
    max_message_mb: float = 64
    grace_seconds: float = 10.0
    watch_seconds: float = 1.0
    cpus: tuple[int, ...] = ()  # pin worker i to cpus[i % len(cpus)]; empty: no pinning
    # freed heap a worker keeps for reuse (service/memory.py); 0: glibc's defaults
    malloc_keep_mb: int = DEFAULT_KEEP_MB
    protect_introspection: bool = False  # Describe and reflection need the admin credential (service/auth.py)
    metrics_address: str | None = None  # HOST:PORT for Prometheus /metrics (service/metrics.py); None: off
    max_concurrent_calls: int = 0  # calls one worker holds at once, queued or running (gRPC); 0: 8 x threads
    heavy_calls: int = 0  # RecommendBatch/AnalyseOrganisation calls inside a worker at once; 0: threads - 2, at least 1
    answer_mb_in_flight: int = 0  # worst-case answer MiB those may add up to (service/admission.py); 0: 2 x max message
    admission_wait_seconds: float = 2.0  # how long a heavy call waits for room before RESOURCE_EXHAUSTED
    watchdog_seconds: float = 10.0  # replace a worker that has not answered its own health check this long; 0: off
    # largest request a worker receives (10,000 full profiles: ~8.3 MiB); bounds request memory
    max_request_mb: float = 12.0

    @property
    def concurrent_calls(self) -> int:
        return self.max_concurrent_calls or 8 * self.threads

    @property
    def heavy_call_limit(self) -> int:
        return self.heavy_calls or max(1, self.threads - 2)

    @property
    def answer_bytes_in_flight(self) -> int:
        return int((self.answer_mb_in_flight or 2 * self.max_message_mb) * 1024 * 1024)

    @property
    def max_message_bytes(self) -> int:
        return int(self.max_message_mb * 1024 * 1024)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)

    @property
    def host(self) -> str:
        return self.address.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


def _env(env: Mapping[str, str], name: str, default: _T) -> str | _T:
    return env.get(f"TRIVSEL_{name}", default)


def build_parser(env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    env = os.environ if env is None else env
    p = argparse.ArgumentParser(prog="trivsel serve", description="Serve Trivsel over gRPC. Every flag can also be "
                                "set by the environment variable TRIVSEL_<FLAG> (e.g. TRIVSEL_WORKERS=4).")
    p.add_argument("--address", default=_env(env, "ADDRESS", "127.0.0.1:50051"),
                   help="host:port to listen on; port 0 picks a free port (default 127.0.0.1:50051)")
    p.add_argument("--rules", default=_env(env, "RULES", str(default_rules_folder())), help="rules folder")
    p.add_argument("--workers", type=int, default=int(_env(env, "WORKERS", available_cpus())),
                   help="worker processes sharing the port (default: one per CPU this process may use, "
                        "within a container's CPU limit)")
    p.add_argument("--threads", type=int, default=int(_env(env, "THREADS", 8)),
                   help="request threads per worker (default 8)")
    p.add_argument("--log-format", choices=("console", "json"), default=_env(env, "LOG_FORMAT", "console"))
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default=_env(env, "LOG_LEVEL", "info"))
    p.add_argument("--min-group-size", type=int, default=_env(env, "MIN_GROUP_SIZE", None),
                   help="refuse departments with fewer respondents (default: the rule set's, 5)")
    p.add_argument("--tls-cert", default=_env(env, "TLS_CERT", None), help="server certificate (PEM)")
    p.add_argument("--tls-key", default=_env(env, "TLS_KEY", None), help="server private key (PEM)")
    p.add_argument("--client-ca", default=_env(env, "CLIENT_CA", None),
                   help="CA for client certificates: enables mutual TLS")
    p.add_argument("--admin-token", default=_env(env, "ADMIN_TOKEN", None),
                   help="bearer token required by Reload (prefer the environment variable)")
    p.add_argument("--admin-identity", default=_env(env, "ADMIN_IDENTITY", ""),
                   help="client-certificate common names (comma-separated) allowed to call Reload (needs --client-ca)")
    p.add_argument("--metrics-address", default=_env(env, "METRICS_ADDRESS", None), metavar="HOST:PORT",
                   help="serve Prometheus metrics of all workers at http://HOST:PORT/metrics (default: off)")
    p.add_argument("--max-batch", type=int, default=int(_env(env, "MAX_BATCH", 10_000)))
    p.add_argument("--max-message-mb", type=float, default=float(_env(env, "MAX_MESSAGE_MB", 64)),
                   help="largest answer, in MiB (fractions allowed; default 64); batch limits follow it")
    p.add_argument("--max-request-mb", type=float, default=float(_env(env, "MAX_REQUEST_MB", 12)),
                   help="largest request, in MiB (default 12: 10,000 profiles with every dimension take about "
                        "8.3); with the calls a worker holds at once it bounds the memory requests can take")
    p.add_argument("--grace-seconds", type=float, default=float(_env(env, "GRACE_SECONDS", 10)))
    p.add_argument("--watch-seconds", type=float, default=float(_env(env, "WATCH_SECONDS", 1.0)),
                   help="poll the rules folder this often (0: do not watch)")
    p.add_argument("--cpus", default=_env(env, "CPUS", ""),
                   help="pin the workers to these CPUs, round-robin (e.g. 0-3 or 1,3); default: no pinning. "
                        "Only where the host or a static CPU manager gives the server these cores to itself")
    p.add_argument("--malloc-keep-mb", type=int, default=int(_env(env, "MALLOC_KEEP_MB", DEFAULT_KEEP_MB)),
                   help=f"freed memory each worker keeps for reuse instead of returning it to the system, so that "
                        f"answering does not fault in fresh pages (glibc; default {DEFAULT_KEEP_MB}, 0: the C "
                        f"library's defaults)")
    p.add_argument("--watchdog-seconds", type=float, default=float(_env(env, "WATCHDOG_SECONDS", 10)),
                   help="kill and replace a worker that has not answered its own health check for this long "
                        "(default 10; 0: no watchdog)")
    p.add_argument("--protect-introspection", action="store_true",
                   default=str(_env(env, "PROTECT_INTROSPECTION", "")).lower() in ("1", "true", "yes", "on"),
                   help="Describe and server reflection need the admin credential, like Reload (health stays open)")
    p.add_argument("--max-concurrent-calls", type=int, default=int(_env(env, "MAX_CONCURRENT_CALLS", 0)),
                   help="calls one worker holds at once, running or queued; more get RESOURCE_EXHAUSTED at once "
                        "(default 0: 8 x --threads)")
    p.add_argument("--heavy-calls", type=int, default=int(_env(env, "HEAVY_CALLS", 0)),
                   help="RecommendBatch and AnalyseOrganisation calls one worker works on at once; more get "
                        "RESOURCE_EXHAUSTED at once, so threads stay free for the rest (default 0: --threads - 2)")
    p.add_argument("--answer-mb-in-flight", type=int, default=int(_env(env, "ANSWER_MB_IN_FLIGHT", 0)),
                   help="the worst-case answer sizes of the large calls one worker builds at once may add up to "
                        "this; a call past it waits briefly, then gets RESOURCE_EXHAUSTED (default 0: 2 x "
                        "--max-message-mb)")
    p.add_argument("--admission-wait-seconds", type=float,
                   default=float(_env(env, "ADMISSION_WAIT_SECONDS", 2.0)),
                   help="how long a large call may wait for room (default 2)")
    return p


_CPU_PART = re.compile(r"[0-9]{1,5}(?:-[0-9]{1,5})?", re.ASCII)
MAX_CPU = 4095  # Linux's default CPU limit; a range past it is a typo, not a machine


def parse_cpu_list(text: str) -> tuple[int, ...]:
    """``"0-2,5"`` → ``(0, 1, 2, 5)``; raises ValueError naming the part that is not a CPU or a
    range of CPUs (``1-``, ``3-1``, ``-1``, ``x``, empty parts) or lies past :data:`MAX_CPU`."""
    cpus: dict[int, None] = {}
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    for part in parts:
        if not _CPU_PART.fullmatch(part):
            raise ValueError(f"'{part}' is not a CPU or a range of CPUs like 0-3")
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if last < first:
            raise ValueError(f"'{part}': the range runs backwards")
        if last > MAX_CPU:
            raise ValueError(f"'{part}': CPUs are numbered 0–{MAX_CPU}")
        cpus.update(dict.fromkeys(range(first, last + 1)))
    return tuple(cpus)


def available_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: its affinity, capped by a container's CPU limit (cgroup v2
    ``cpu.max``, or v1's ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``), rounded up — one worker per
    CPU the container may actually use, not per core of the node it runs on."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = period = None
    try:
        fields = (cgroup / "cpu.max").read_text().split()
        if fields and fields[0] != "max":
            quota, period = int(fields[0]), int(fields[1]) if len(fields) > 1 else 100_000
    except (OSError, ValueError, IndexError):
        try:
            quota = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
            period = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            pass
    if quota and period and quota > 0 and period > 0:
        count = min(count, max(1, -(-quota // period)))
    return max(1, count)


def parse_config(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> ServerConfig:
    parser = build_parser(env)
    a = parser.parse_args(argv)
    if a.workers < 1 or a.threads < 1:
        parser.error("--workers and --threads must be at least 1")
    if a.malloc_keep_mb != 0 and not MIN_KEEP_MB <= a.malloc_keep_mb <= MAX_KEEP_MB:
        parser.error(f"--malloc-keep-mb must be 0 (glibc's defaults) or {MIN_KEEP_MB}–{MAX_KEEP_MB}")
    if a.watchdog_seconds != 0 and not 1 <= a.watchdog_seconds <= 3600:
        parser.error("--watchdog-seconds must be 0 (no watchdog) or 1–3600")
    if bool(a.tls_cert) != bool(a.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if a.client_ca and not a.tls_cert:
        parser.error("--client-ca needs --tls-cert and --tls-key")
    identities = tuple(x.strip() for x in (a.admin_identity or "").split(",") if x.strip())
    if identities and not a.client_ca:
        parser.error("--admin-identity needs --client-ca (identities come from client certificates)")
    if ":" not in a.address:
        parser.error("--address must be host:port")
    try:
        cpus = parse_cpu_list(a.cpus or "")
    except ValueError as exc:
        parser.error(f"--cpus: {exc}")
    if cpus and not hasattr(os, "sched_setaffinity"):
        parser.error("--cpus: pinning needs Linux (sched_setaffinity)")
    allowed = os.sched_getaffinity(0) if cpus else set()
    if set(cpus) - allowed:
        parser.error(f"--cpus: this process may only run on CPUs {_ranges(sorted(allowed))}, "
                     f"not {_ranges(sorted(set(cpus) - allowed))}")
    if a.protect_introspection and not (a.admin_token or identities):
        parser.error("--protect-introspection needs --admin-token or --admin-identity "
                     "(the admin credential it asks for)")
    if min(a.max_concurrent_calls, a.heavy_calls, a.answer_mb_in_flight) < 0 or a.admission_wait_seconds < 0:
        parser.error("--max-concurrent-calls, --heavy-calls, --answer-mb-in-flight and --admission-wait-seconds "
                     "cannot be negative")
    if not 0.01 <= a.max_message_mb <= 2047 or not 0.01 <= a.max_request_mb <= 2047:
        parser.error("--max-message-mb and --max-request-mb must be between 0.01 and 2047 "
                     "(gRPC's limit is below 2 GiB)")
    return ServerConfig(a.address, Path(a.rules), a.workers, a.threads, a.log_format, a.log_level,
                        int(a.min_group_size) if a.min_group_size is not None else None, _path(a.tls_cert),
                        _path(a.tls_key), _path(a.client_ca), a.admin_token or None, identities, a.max_batch,
                        a.max_message_mb,
                        a.grace_seconds, a.watch_seconds, cpus, a.malloc_keep_mb,
                        watchdog_seconds=a.watchdog_seconds,
                        protect_introspection=a.protect_introspection, max_concurrent_calls=a.max_concurrent_calls,
                        metrics_address=a.metrics_address or None,
                        heavy_calls=a.heavy_calls, answer_mb_in_flight=a.answer_mb_in_flight,
                        admission_wait_seconds=a.admission_wait_seconds, max_request_mb=a.max_request_mb)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _ranges(cpus: Sequence[int]) -> str:
    return ",".join(str(c) for c in cpus)
