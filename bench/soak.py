"""``make soak``: the service under sustained load, with faults, for a bounded time.

Drives a two-worker server at capacity (8 client threads, no pauses) with a mix of good and bad
requests — single profiles, batches, what-ifs, descriptions, refused profiles — while the rules
are changed every minute (and reloaded by the server's watcher), a rule of one of the shapes that
once crashed the matcher is dropped into the folder and removed again every 20 s (the last one of
the cycle is past the compiler's limit and must be refused), and one worker process is killed with
SIGKILL half-way. Every ``--report`` seconds it prints calls, errors by status, p50/p99
latency and the server's memory (RSS of all its processes).

It exits non-zero if any call ends with a status that the request did not call for (a killed
worker's calls in flight are retried once, as a client would), if memory grows more than 10 %
after warm-up, if the killed worker is not replaced, if any other worker dies, or if a dropped
rule is not loaded (or the one past the limit not refused) by both workers. ``SOAK_SECONDS`` (default 600) sets the
duration.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import MappingProxyType

import grpc

from trivsel.api.convert import profile_to_proto
from trivsel.engine import Department, Profile, load_ruleset
from trivsel.engine.synthetic import TOO_WIDE, WIDE_SHAPES, random_values, wide_rule_yaml
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

from .machine import machine_line, tree_resident_mib

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
DROP_EVERY = 20.0
DROPS = (*WIDE_SHAPES.items(), ("too-wide", TOO_WIDE))
WARM_UP = 60.0
RSS_LIMIT = 1.10


class Mix:
    """Requests and the statuses each may legitimately end with."""

    def __init__(self, seed: int) -> None:
        ruleset = load_ruleset(ROOT / "rules")
        rng = random.Random(seed)
        self.good = [profile_to_proto(Profile(Department(f"d{i}"), rng.randint(5, 80),
                                              MappingProxyType(random_values(rng, ruleset.dimensions))))
                     for i in range(300)]
        self.bad = [pb.Profile(department_id="bad", respondents=20, scores={"influense": 20.0}),
                    pb.Profile(department_id="bad", respondents=20, scores={"influence": 250.0}),
                    pb.Profile(department_id="", respondents=20, scores={"influence": 20.0})]
        self.small = pb.Profile(department_id="small", respondents=3, scores={"influence": 20.0})
        self.rng = random.Random(seed + 1)

    def next(self) -> tuple[str, object, set[grpc.StatusCode]]:
        r = self.rng.random()
        ok = {grpc.StatusCode.OK}
        if r < 0.62:
            return "Recommend", pb.RecommendRequest(profile=self.rng.choice(self.good),
                                                    language=self.rng.choice(("da", "en"))), ok
        if r < 0.72:
            return ("Recommend", pb.RecommendRequest(profile=self.rng.choice(self.bad)),
                    {grpc.StatusCode.INVALID_ARGUMENT})
        if r < 0.76:
            return "Recommend", pb.RecommendRequest(profile=self.small), {grpc.StatusCode.FAILED_PRECONDITION}
        if r < 0.88:
            profiles = [*self.rng.sample(self.good, 40), self.small, self.bad[0]]
            return "RecommendBatch", pb.RecommendBatchRequest(profiles=profiles, detail=pb.DETAIL_IDS), ok
        if r < 0.95:
            return "WhatIf", pb.WhatIfRequest(profile=self.rng.choice(self.good),
                                             changes=[pb.Change(dimension="influence", set_to=60)]), ok
        return "Describe", pb.DescribeRequest(), ok


def _events(log_path: Path) -> list[dict]:
    """The server's JSON log lines as dicts (other lines skipped)."""
    events = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            events.append(json.loads(line))
    return events


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    report_every = max(5.0, min(30.0, seconds / 20))
    tmp = Path(tempfile.mkdtemp(prefix="trivsel-soak-"))
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("tests"))
    log_path = tmp / "server.log"
    with open(log_path, "a") as log:  # the server writes to its own copy of the descriptor
        server = subprocess.Popen([sys.executable, "server.py", "--address", "127.0.0.1:0", "--rules", str(rules),
                                   "--workers", "2", "--log-format", "json", "--watch-seconds", "1"], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        return _soak(server, seconds, report_every, rules, log_path)
    finally:  # whatever happened, no server is left running and no copy of the rules is left behind
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _soak(server: subprocess.Popen, seconds: float, report_every: float, rules: Path, log_path: Path) -> int:
    """Drive the started server for ``seconds``, print the table and the verdict; 0 if it passed."""
    line = server.stdout.readline()  # type: ignore[union-attr]
    address = "127.0.0.1:" + re.search(r"serving on [^ ]*:(\d+)", line).group(1)  # type: ignore[union-attr]
    time.sleep(3)
    print(f"## Soak: {seconds:g} s at capacity\n\n{machine_line()}\nserver {address}, 2 workers, {THREADS} client "
          f"threads; rules changed every 60 s; a wide rule dropped in or removed every {DROP_EVERY:g} s; one worker "
          "killed (SIGKILL) half-way.\n")
    stop = threading.Event()
    lock = threading.Lock()
    window: list[float] = []
    statuses: Counter[str] = Counter()
    unexpected: list[str] = []
    retried = Counter()
    total_calls = 0

    def worker(n: int) -> None:
        nonlocal total_calls
        mix = Mix(seed=n)
        channel = grpc.insecure_channel(address)
        stub = pb_grpc.RecommenderStub(channel)
        while not stop.is_set():
            method, request, allowed = mix.next()
            start = time.perf_counter()
            code = grpc.StatusCode.OK
            for attempt in range(2):
                try:
                    getattr(stub, method)(request, timeout=30)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as exc:
                    code = exc.code()
                if code is grpc.StatusCode.UNAVAILABLE and attempt == 0:  # a killed worker: retry once
                    with lock:
                        retried[method] += 1
                    channel.close()
                    channel = grpc.insecure_channel(address)
                    stub = pb_grpc.RecommenderStub(channel)
                    continue
                break
            elapsed = time.perf_counter() - start
            with lock:
                total_calls += 1
                statuses[code.name] += 1
                window.append(elapsed)
                if code not in allowed:
                    unexpected.append(f"{method} → {code.name}")
        channel.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    started = time.monotonic()
    next_report = started + report_every
    next_change = started + 60
    next_drop = started + DROP_EVERY
    dropped: str | None = None
    drops = 0
    killed_at: float | None = None
    rss_warm = None
    rows = []
    print("| t (s) | calls/s | p50 ms | p99 ms | server RSS MiB | statuses so far | note |")
    print("|---|---|---|---|---|---|---|")
    version = 0
    while time.monotonic() - started < seconds:
        time.sleep(0.2)
        now = time.monotonic()
        note = ""
        if now >= next_change:
            version += 1
            ruleset_file = rules / "ruleset.yaml"
            text = ruleset_file.read_text(encoding="utf-8")
            ruleset_file.write_text(text.replace(
                f'version: "2026.11.1{"-soak" + str(version - 1) if version > 1 else ""}"',
                f'version: "2026.11.1-soak{version}"'), encoding="utf-8")
            next_change += 60
            note = f"rules changed (v{version})"
        if now >= next_drop:
            next_drop += DROP_EVERY
            drop = rules / "themes" / "zz-soak-drop.yaml"
            if dropped is None:
                dropped, when = DROPS[drops % len(DROPS)]
                drops += 1
                drop.write_text(wide_rule_yaml(f"soak-{dropped}", when), encoding="utf-8")
                note = (note + "; " if note else "") + f"rule dropped in ({dropped})"
            else:
                drop.unlink()
                note = (note + "; " if note else "") + f"rule removed ({dropped})"
                dropped = None
        if killed_at is None and now - started >= seconds / 2:
            workers = [e["worker_pid"] for e in _events(log_path) if e.get("event") == "worker.spawned"]
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed_at = now
                note = (note + "; " if note else "") + f"worker {workers[0]} killed"
        if now >= next_report or note:
            with lock:
                sample, window[:] = list(window), []
                counts = dict(statuses)
            rss = tree_resident_mib(server.pid)
            if rss_warm is None and now - started >= min(WARM_UP, seconds / 4):
                rss_warm = rss
            span = report_every if now >= next_report else max(0.2, now - (next_report - report_every))
            if sample:
                sample.sort()
                p50, p99 = statistics.median(sample) * 1000, sample[int(len(sample) * 0.99)] * 1000
            else:
                p50 = p99 = float("nan")
            print(f"| {now - started:,.0f} | {len(sample) / span:,.0f} | {p50:.1f} | {p99:.1f} | {rss:.0f} | "
                  f"{', '.join(f'{k} {v}' for k, v in sorted(counts.items()))} | {note} |", flush=True)
            rows.append((now - started, rss))
            if now >= next_report:
                next_report += report_every
    stop.set()
    for t in threads:
        t.join(35)
    events = _events(log_path)
    spawned = sum(1 for e in events if e.get("event") == "worker.spawned")
    died = sum(1 for e in events if e.get("event") == "worker.died")
    reloads = sum(1 for e in events if e.get("event") == "reload" and e.get("reason") == "signal"
                  and e.get("outcome") == "loaded")
    refusals = sum(1 for e in events if e.get("event") == "reload.refused")
    refused_drops = sum(1 for n in range(drops) if DROPS[n % len(DROPS)][0] == "too-wide")
    loadable = drops - refused_drops
    # each loadable drop and its removal is one reload per worker; the last two may fall after the
    # end, or in the gap while a killed worker is replaced
    expected_reloads = 2 * max(0, 2 * loadable - 2)
    rss_end = tree_resident_mib(server.pid)
    server.send_signal(signal.SIGTERM)
    code = server.wait(60)
    replaced = killed_at is None or (spawned >= 3 and died >= 1)
    growth = rss_end / rss_warm if rss_warm else 1.0
    print(f"\n{total_calls:,} calls in {seconds:g} s; statuses: "
          f"{', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}; retried after UNAVAILABLE: "
          f"{sum(retried.values())}; unexpected: {len(unexpected)}")
    print(f"reloads applied by workers: {reloads}; refused: {refusals}; rules dropped in: {drops} "
          f"({refused_drops} past the limit); workers spawned {spawned}, died {died} "
          f"(replaced: {'yes' if replaced else 'NO'}); server exit code on SIGTERM: {code}")
    print(f"server RSS after warm-up {rss_warm or 0:.0f} MiB, at the end {rss_end:.0f} MiB "
          f"({(growth - 1) * 100:+.1f} %, limit +{(RSS_LIMIT - 1) * 100:.0f} %)")
    failed = []
    if unexpected:
        failed.append(f"unexpected statuses: {Counter(unexpected).most_common(5)}")
    if growth > RSS_LIMIT:
        failed.append("memory grew more than 10 % after warm-up")
    if not replaced:
        failed.append("the killed worker was not replaced")
    if died > (1 if killed_at is not None else 0):
        failed.append(f"{died} workers died; only the killed one should have")
    if reloads < expected_reloads:
        failed.append(f"workers applied {reloads} reloads, fewer than the {expected_reloads} the drops call for")
    if refused_drops and refusals < 2 * refused_drops - 1:
        failed.append("the rule past the compiler's limit was not refused by the workers")
    if code != 0:
        failed.append(f"server exit code {code}")
    print("result: " + ("PASS" if not failed else "FAIL: " + "; ".join(failed)))
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
