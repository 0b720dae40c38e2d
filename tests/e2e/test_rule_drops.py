"""Rules dropped into a watched folder: what lint accepts the server serves, what lint refuses the
server refuses — and a 2-worker server answers every call meanwhile.

Each shape in :data:`engine.synthetic.WIDE_SHAPES` once took both workers down (durable_rules
error 113). Here each is dropped into the folder of a running server under a steady stream of
calls; the test waits until both workers report the new version, checks that the server fires the
rule exactly when ``trivsel test`` says it fires, and removes it again. A condition past the
compiler's limit is refused by lint and by both workers, which keep serving the version before.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import grpc

from trivsel.engine import check_ruleset
from trivsel.engine.synthetic import TOO_WIDE, WIDE_SHAPES, wide_rule_yaml
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from ..test_cli import trivsel
from ..test_compile_limits import WORST
from .conftest import ADMIN, ADMIN_TOKEN
from .harness import SERVING, ServerProcess

BEST = {k: (5.0 if v > 50 else 95.0) for k, v in WORST.items()}


class SteadyLoad:
    """Recommend calls over four connections (so both workers get some) until stopped; counts failures."""

    def __init__(self, server: ServerProcess, limit: int = 200_000) -> None:
        self.stubs = [server.stub() for _ in range(4)]
        self.calls = self.failures = 0
        self.errors: list[str] = []
        self.limit = limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        request = pb.RecommendRequest(profile=pb.Profile(department_id="load", respondents=20, scores=WORST))
        while not self._stop.is_set() and self.calls < self.limit:
            try:
                self.stubs[self.calls % 4].Recommend(request, timeout=10)
            except grpc.RpcError as exc:
                self.failures += 1
                self.errors.append(f"{exc.code().name}: {exc.details()}")
            self.calls += 1

    def __enter__(self) -> SteadyLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


def _wait_for(server: ServerProcess, event: str, fingerprint: str | None, workers: int = 2, after: int = 0,
              timeout: float = 30) -> list[dict]:
    """The log events ``event`` (after the first ``after``) until ``workers`` distinct pids have one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in server.events(event)[after:] if fingerprint is None or e.get("fingerprint") == fingerprint]
        if len({e["pid"] for e in found}) >= workers:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{workers} workers never logged {event} {fingerprint}\n{server.logs()[-3000:]}")


def _server_fires(server: ServerProcess, rule_id: str, scores: dict[str, float]) -> set[bool]:
    """Whether the rule fired, asked over eight connections (both workers answer some)."""
    request = pb.RecommendRequest(profile=pb.Profile(department_id="d", respondents=20, scores=scores))
    return {rule_id in server.stub().Recommend(request, timeout=10).fired_rules for _ in range(8)}


def _rule_test_says(folder: Path, tmp_path: Path, rule_id: str) -> bool:
    cases = tmp_path / "cases"
    cases.mkdir(exist_ok=True)
    (cases / "drop.yaml").write_text(
        f"tests:\n  - name: fires at the worst values\n    profile: {{scores: {json.dumps(WORST)}}}\n"
        f"    expect: {{fires: [{rule_id}]}}\n"
        f"  - name: silent at good values\n    profile: {{scores: {json.dumps(BEST)}}}\n"
        f"    expect: {{does_not_fire: [{rule_id}]}}\n", encoding="utf-8")
    proc = trivsel("test", str(folder), "--tests", str(cases))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode == 0 and "2 passed, 0 failed" in proc.stdout


def test_wide_rules_dropped_into_a_watched_folder_are_served_without_a_failed_call(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    original = check_ruleset(rules)[0].info.fingerprint  # type: ignore[union-attr]
    drop = rules / "themes" / "zz-drop.yaml"
    with ServerProcess(rules, workers=2, log_dir=tmp_path) as server, SteadyLoad(server) as load:
        _wait_for(server, "reload", original)
        for shape, when in WIDE_SHAPES.items():
            rule_id = f"drop-{shape}"
            seen = len(server.events("reload"))
            drop.write_text(wide_rule_yaml(rule_id, when), encoding="utf-8")
            lint = trivsel("lint", str(rules))
            assert lint.returncode == 0, lint.stdout + lint.stderr
            fingerprint = check_ruleset(rules)[0].info.fingerprint  # type: ignore[union-attr]
            _wait_for(server, "reload", fingerprint, after=seen)
            assert _rule_test_says(rules, tmp_path, rule_id)
            assert _server_fires(server, rule_id, WORST) == {True}, shape
            assert _server_fires(server, rule_id, BEST) == {False}, shape
            seen = len(server.events("reload"))
            drop.unlink()
            _wait_for(server, "reload", original, after=seen)

        # past the compiler's limit: lint refuses it, and so does each worker, which keeps serving
        seen = len(server.events("reload.refused"))
        drop.write_text(wide_rule_yaml("too-wide", TOO_WIDE), encoding="utf-8")
        lint = trivsel("lint", str(rules), "--json")
        assert lint.returncode == 1
        assert [p["code"] for p in json.loads(lint.stdout)["problems"] if p["severity"] == "error"] == ["too-complex"]
        _wait_for(server, "reload.refused", None, after=seen)
        described = server.stub().Describe(pb.DescribeRequest())
        assert described.ruleset.fingerprint == original
        assert [p.code for p in described.refused_reload] == ["too-complex"]
        assert server.health() == SERVING
        assert not _rule_test_says(rules, tmp_path, "too-wide")  # trivsel test refuses the folder, cleanly
    assert load.calls > 100
    assert load.failures == 0, load.errors[:5]
    assert not server.events("worker.died")


def test_the_reload_call_answers_refused_or_loaded_never_internal(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    drop = rules / "themes" / "zz-drop.yaml"
    with ServerProcess(rules, workers=1, log_dir=tmp_path, extra=["--watch-seconds", "0"],
                       env={"TRIVSEL_ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        stub = server.stub()
        drop.write_text(wide_rule_yaml("too-wide", TOO_WIDE), encoding="utf-8")
        refused = stub.Reload(pb.ReloadRequest(), metadata=ADMIN)
        assert refused.outcome == pb.RELOAD_OUTCOME_REFUSED
        problem = next(p for p in refused.problems if p.severity == "error")
        assert (problem.code, Path(problem.file).name, problem.line) == ("too-complex", "zz-drop.yaml", 4)
        drop.write_text(wide_rule_yaml("or-of-14-ands", WIDE_SHAPES["or-of-14-ands"]), encoding="utf-8")
        loaded = stub.Reload(pb.ReloadRequest(), metadata=ADMIN)
        assert loaded.outcome == pb.RELOAD_OUTCOME_LOADED
        assert _server_fires(server, "or-of-14-ands", WORST) == {True}
        assert not server.stub().Describe(pb.DescribeRequest()).refused_reload
