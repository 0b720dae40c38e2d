"""Start the real server (``server.py``) as a child process on an ephemeral port and talk to it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from trivsel.v1 import recommender_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ServerProcess:
    """``with ServerProcess(rules=..., workers=2) as server: server.stub().Recommend(...)``"""

    def __init__(self, rules: Path, workers: int = 1, extra: list[str] | None = None, log_dir: Path | None = None,
                 env: dict[str, str] | None = None, wait: bool = True,
                 credentials: grpc.ChannelCredentials | None = None, launcher: list[str] | None = None) -> None:
        self.launcher = launcher or [sys.executable, str(ROOT / "server.py")]  # or e.g. `trivsel serve`
        self.credentials = credentials  # used by channel() (health checks included) unless told otherwise
        self.rules = rules
        self.workers = workers
        self.extra = extra or []
        self.log_path = (log_dir or Path("/tmp")) / f"trivsel-server-{os.getpid()}-{time.monotonic_ns()}.log"
        self.env = {**os.environ, **(env or {})}
        self.wait = wait
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._channels: list[grpc.Channel] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - held for the server's life; stop() closes it
        cmd = [*self.launcher, "--address", "127.0.0.1:0", "--rules", str(self.rules),
               "--workers", str(self.workers), "--log-format", "json", "--watch-seconds", "0.2",
               "--grace-seconds", "10", *self.extra]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                     env=self.env)
        if not self.wait:  # the announcement waits for a worker serving rules: take the port from the log
            self.port = self._listening_port()
            return self
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        self.first_line = line
        match = re.search(r"serving on [^ ]*:(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}\n{self.logs()[-3000:]}")
        self.port = int(match.group(1))
        self.wait_health(SERVING)
        return self

    def _listening_port(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events("listening"):
                return int(event["address"].rsplit(":", 1)[1])
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not reserve its port\n{self.logs()[-3000:]}")

    def channel(self, options: list | None = None, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
        """A new channel (a new connection: with several workers the kernel picks one per connection)."""
        if credentials is None and self.credentials is not None:
            credentials = self.credentials
        if credentials is not None:
            channel = grpc.secure_channel(f"localhost:{self.port}", credentials, options=options or [])
        else:
            channel = grpc.insecure_channel(self.address, options=options or [])
        self._channels.append(channel)
        return channel

    def stub(self, channel: grpc.Channel | None = None) -> pb_grpc.RecommenderStub:
        return pb_grpc.RecommenderStub(channel or self.channel())

    def health(self, channel: grpc.Channel | None = None) -> int:
        stub = health_pb2_grpc.HealthStub(channel or self.channel())
        return stub.Check(health_pb2.HealthCheckRequest(service="trivsel.v1.Recommender"), timeout=5).status

    def wait_health(self, status: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                last = self.health()
                if last == status:
                    return
            except grpc.RpcError as exc:
                last = exc.code()
            time.sleep(0.1)
        raise TimeoutError(f"health never became {status} (last: {last})\n{self.logs()[-3000:]}")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30.0) -> int:
        for channel in self._channels:
            channel.close()
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def events(self, name: str | None = None) -> list[dict]:
        """The server's JSON log lines (optionally only those whose event is ``name``)."""
        out = []
        for line in self.logs().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if name is None or event.get("event") == name:
                out.append(event)
        return out

    def logs(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8")
        except OSError:
            return ""

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
