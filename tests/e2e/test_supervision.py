"""Process supervision: workers die with their supervisor, a served address is refused, a hung
worker is replaced (a busy one is not), and a worker that keeps dying at start-up is restarted
ever more slowly with one log line per death.

The numbers these tests measure (calls failed, time to recover) are printed; run with ``-s`` to
see them (docs/SECURITY.md, "Process supervision", quotes them)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from trivsel.service.port_guard import ADDRESS_IN_USE
from trivsel.service.restarts import RestartBackoff, RestartPolicy
from trivsel.service.supervisor import FAILPOINT_EXIT, FAILPOINT_WORKER_START
from trivsel.v1 import recommender_pb2 as pb
from trivsel.v1 import recommender_pb2_grpc as pb_grpc

from ..conftest import RULES
from .harness import ROOT, ServerProcess

PROFILE = pb.Profile(department_id="d", respondents=12, scores={"influence": 20, "quantitative_demands": 80})
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


@pytest.fixture
def short_tmp() -> Iterator[dict[str, str]]:
    """A TMPDIR for the server short enough for its workers' unix sockets, removed afterwards even
    when the supervisor was killed and could not remove its state directory itself."""
    folder = tempfile.mkdtemp(prefix="tsup-")
    try:
        yield {"TMPDIR": folder}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def gone(pid: int) -> bool:
    """The process has ended: it is no more, or it is a zombie waiting for a reaper with no thread
    left (those hold no sockets and run no code)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return state in ("Z", "X") and threads <= 1


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def started_workers(server: ServerProcess) -> dict[int, int]:
    """worker index → pid of the newest worker that has started serving."""
    started = {e["pid"] for e in server.events("worker.started")}
    return {e["worker"]: e["worker_pid"] for e in server.events("worker.spawned") if e["worker_pid"] in started}


def recommend_on_a_new_connection(address: str, timeout: float = 1.0) -> None:
    """One call on its own connection: with several workers the kernel picks one per connection."""
    with grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        pb_grpc.RecommenderStub(channel).Recommend(pb.RecommendRequest(profile=PROFILE), timeout=timeout)


def test_workers_die_with_their_supervisor(tmp_path: Path, short_tmp: dict[str, str]) -> None:
    with ServerProcess(RULES, workers=2, log_dir=tmp_path, env=short_tmp) as server:
        assert wait_for(lambda: len(started_workers(server)) == 2, 30), server.logs()[-2000:]
        pids = list(started_workers(server).values())
        port = server.port
        killed = time.monotonic()
        server.proc.kill()  # SIGKILL: no handler runs, nothing is cleaned up
        server.proc.wait(10)
        assert wait_for(lambda: all(gone(pid) for pid in pids), 5), [p for p in pids if not gone(p)]
        ended = time.monotonic() - killed
        assert wait_for(lambda: not answers(port), 2)  # no orphan keeps the port
        closed = time.monotonic() - killed
    print(f"\nworkers gone {ended:.2f} s and the port closed {closed:.2f} s after the supervisor was killed")
    # the address is free for a new server, which alone answers there
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env=short_tmp,
                       extra=["--address", f"127.0.0.1:{port}"]) as again:
        assert again.port == port
        assert again.stub().Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10).recommendations


def run_second_server(port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Another server on ``port``; killed after 30 s if it starts (the state directory it then leaves
    behind is in ``env``'s TMPDIR)."""
    return subprocess.run([sys.executable, str(ROOT / "server.py"), "--address", f"127.0.0.1:{port}",
                           "--rules", str(RULES), "--workers", "1", "--log-format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30, env={**os.environ, **env})


def test_a_second_server_on_a_served_address_is_refused(tmp_path: Path, short_tmp: dict[str, str]) -> None:
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env=short_tmp) as server:
        second = run_second_server(server.port, short_tmp)
        assert second.returncode == 3, second.stderr
        assert "serving on" not in second.stdout
        assert ADDRESS_IN_USE in second.stderr and "a server answers on it" in second.stderr
        for _ in range(6):  # the first server still answers every new connection
            recommend_on_a_new_connection(server.address, timeout=10)
        assert len(server.events("worker.spawned")) == 1


def test_a_port_another_server_has_reserved_is_refused(short_tmp: dict[str, str]) -> None:
    # What a second server's supervisor holds while its workers are still loading their rules:
    # bound with SO_REUSEPORT, not listening. SO_REUSEPORT alone would let us share it silently.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as reservation:
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reservation.bind(("127.0.0.1", 0))
        second = run_second_server(reservation.getsockname()[1], short_tmp)
    assert second.returncode == 3, second.stderr
    assert ADDRESS_IN_USE in second.stderr and "another socket is bound to it" in second.stderr


def test_a_stopped_worker_is_replaced_while_calls_keep_succeeding(tmp_path: Path,
                                                                  short_tmp: dict[str, str]) -> None:
    with ServerProcess(RULES, workers=2, log_dir=tmp_path, env=short_tmp, extra=["--watchdog-seconds", "2"]) as server:
        assert wait_for(lambda: len(started_workers(server)) == 2, 30), server.logs()[-2000:]
        stopped = started_workers(server)[0]
        attempts = failed = calls = 0
        unanswered: list[str] = []
        done = threading.Event()

        def client() -> None:
            nonlocal attempts, failed, calls
            while not done.is_set():
                for _ in range(20):  # retry on a new connection until a live worker answers
                    attempts += 1
                    try:
                        recommend_on_a_new_connection(server.address)
                        break
                    except grpc.RpcError as exc:
                        failed += 1
                        if exc.code() not in RETRYABLE:  # type: ignore[attr-defined]
                            unanswered.append(str(exc.code()))  # type: ignore[attr-defined]
                            break
                else:
                    unanswered.append("no answer after 20 attempts")
                calls += 1

        thread = threading.Thread(target=client)
        thread.start()
        try:
            time.sleep(0.5)
            os.kill(stopped, signal.SIGSTOP)
            paused = time.monotonic()
            assert wait_for(lambda: server.events("worker.hung"), 10), server.logs()[-2000:]
            detected = time.monotonic() - paused
            assert wait_for(lambda: started_workers(server).get(0, stopped) != stopped, 15), server.logs()[-2000:]
            recovered = time.monotonic() - paused
            failed_before_recovery = failed
            time.sleep(1.0)
        finally:
            done.set()
            thread.join(30)
            if not gone(stopped):
                os.kill(stopped, signal.SIGKILL)
        hung = server.events("worker.hung")
        assert [e["worker_pid"] for e in hung] == [stopped] and hung[0]["answered_before"] is True
        assert gone(stopped)
        died = server.events("worker.died")
        assert [(e["worker_pid"], e["exitcode"], e["restart_in_seconds"]) for e in died] == \
            [(stopped, -signal.SIGKILL, 0.0)]  # it had answered before: replaced at once
        print(f"\nstopped worker killed after {detected:.1f} s, replacement serving after {recovered:.1f} s; "
              f"{calls} calls, {attempts} attempts, {failed} failed and retried "
              f"({failed_before_recovery} before the replacement served)")
        assert not unanswered, unanswered  # every call was answered in the end
        assert calls > 0 and failed == failed_before_recovery  # none failed once the replacement served
        for _ in range(10):
            recommend_on_a_new_connection(server.address, timeout=10)


def test_a_busy_worker_is_not_taken_for_a_hung_one(tmp_path: Path, short_tmp: dict[str, str]) -> None:
    # One request thread and more large batches than it can run within the watchdog's timeout:
    # the worker's own health check waits in the queue longer than the timeout, yet it works.
    profiles = [pb.Profile(department_id=f"d{i}", respondents=12,
                           scores={"influence": i % 100, "work_pace": (i * 7) % 100, "quantitative_demands": 80})
                for i in range(10_000)]
    request = pb.RecommendBatchRequest(profiles=profiles, detail=pb.DETAIL_IDS)
    # Admission control (service/admission.py) would refuse most of these batches at once, which
    # is its job; here it is opened up so that they queue. Environment variables, not flags: the
    # server ignores them where that control does not exist.
    env = {**short_tmp, "TRIVSEL_HEAVY_CALLS": "8", "TRIVSEL_ANSWER_MB_IN_FLIGHT": "4096"}
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env=env,
                       extra=["--watchdog-seconds", "1", "--threads", "1"]) as server:
        stub = server.stub(server.channel(options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)]))
        codes: list[grpc.StatusCode] = []
        deadline = time.monotonic() + 6

        def client() -> None:
            while time.monotonic() < deadline:
                try:
                    stub.RecommendBatch(request, timeout=30)
                    codes.append(grpc.StatusCode.OK)
                except grpc.RpcError as exc:
                    codes.append(exc.code())  # type: ignore[attr-defined]

        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        waited = [e for e in server.events("watchdog.unanswered") if e["code"] == "DEADLINE_EXCEEDED"]
        print(f"\nbusy worker: {len(codes)} batches, statuses {sorted({c.name for c in codes})}, "
              f"health check waited past the timeout {len(waited)} times")
        assert not server.events("worker.hung") and not server.events("worker.died")
        assert grpc.StatusCode.UNAVAILABLE not in codes and grpc.StatusCode.OK in codes
        assert waited, "the health check never waited past the timeout: the load was too light to test this"


def test_a_worker_dying_at_start_is_restarted_ever_more_slowly(tmp_path: Path, short_tmp: dict[str, str]) -> None:
    env = {**short_tmp, "TRIVSEL_FAILPOINTS": FAILPOINT_WORKER_START}
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env=env, wait=False) as server:
        time.sleep(6)
        died = server.events("worker.died")
        spawned = server.events("worker.spawned")
        assert server.stop() == 0  # stops cleanly while a restart is pending
    delays = [e["restart_in_seconds"] for e in died]
    print(f"\n{len(died)} deaths in 6 s, restart delays {delays}")
    assert {e["exitcode"] for e in died} == {FAILPOINT_EXIT}
    assert 2 <= len(died) <= 4  # without a backoff: one line every 0.1 s
    assert len({e["worker_pid"] for e in died}) == len(died)  # each death logged once
    assert delays == [1.0, 2.0, 4.0, 8.0][:len(died)]
    assert len(spawned) - len(died) in (0, 1)


def test_the_backoff_starts_over_after_a_stable_run() -> None:
    policy = RestartPolicy(first=1.0, cap=30.0, stable=10.0)
    backoff = RestartBackoff(policy)
    assert [backoff.after_death(0, 0.5) for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff.after_death(1, 0.5) == 1.0  # each worker slot counts its own deaths
    assert backoff.after_death(0, 12.0) == 0.0  # up longer than `stable`: a one-off death, replaced at once
    assert backoff.after_death(0, 0.5) == 1.0
    assert backoff.after_death(0, 0.5, proven=True) == 0.0  # killed by the watchdog after answering
