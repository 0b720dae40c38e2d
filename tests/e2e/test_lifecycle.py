"""Starting broken, getting fixed, several workers agreeing, a worker dying, reflection, and a
client built from nothing but the .proto files."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from trivsel.service.memory import is_glibc, operator_settings
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from .conftest import ADMIN, ADMIN_TOKEN
from .harness import NOT_SERVING, ROOT, SERVING, ServerProcess

PROFILE = pb.Profile(department_id="d", respondents=12, scores={"influence": 20, "quantitative_demands": 80})


def broken_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "themes" / "broken.yaml").write_text("rules:\n  - id: broken\n    when: influence < low\n", "utf-8")
    return rules


def test_health_follows_the_rule_set(tmp_path: Path) -> None:
    rules = broken_copy(tmp_path)
    with ServerProcess(rules, workers=1, log_dir=tmp_path, wait=False) as server:
        server.wait_health(NOT_SERVING)
        with pytest.raises(grpc.RpcError) as info:
            server.stub().Recommend(pb.RecommendRequest(profile=PROFILE))
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        described = server.stub().Describe(pb.DescribeRequest())
        problem = next(p for p in described.refused_reload if p.code == "expression-syntax")
        assert problem.file.endswith("broken.yaml") and (problem.line, problem.column) == (3, 23)
        assert "expected a number" in problem.message
        # up, but not serving: the port is in the log, standard output has not claimed to serve
        assert server.events("listening") and not select.select([server.proc.stdout], [], [], 0.5)[0]
        (rules / "themes" / "broken.yaml").unlink()
        server.wait_health(SERVING)
        announced = json.loads(server.proc.stdout.readline())  # now, with a rule set loaded
        assert announced["event"] == "serving" and announced["address"] == server.address
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE)).recommendations
        assert not server.stub().Describe(pb.DescribeRequest()).refused_reload
        with pytest.raises(grpc.RpcError) as info:  # no admin credential configured: Reload is off
            server.stub().Reload(pb.ReloadRequest())
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED and "--admin-token" in info.value.details()
        server.signal(signal.SIGTERM)
        assert server.proc.wait(20) == 0


def _new_version(text: str, version: str) -> str:
    """The header with ``version`` put in, whatever the bundled version is (it must differ)."""
    new, count = re.subn(r'^  version: "[^"]*"', f'  version: "{version}-test"', text, count=1, flags=re.M)
    assert count == 1
    return new


def test_workers_converge_on_one_version_after_reload(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    with ServerProcess(rules, workers=2, log_dir=tmp_path, extra=["--watch-seconds", "0"],
                       env={"TRIVSEL_ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        before = server.stub().Describe(pb.DescribeRequest()).ruleset.fingerprint
        text = (rules / "ruleset.yaml").read_text(encoding="utf-8")
        (rules / "ruleset.yaml").write_text(_new_version(text, "2026.11.2"), "utf-8")
        response = server.stub().Reload(pb.ReloadRequest(), metadata=ADMIN)  # one worker gets it, tells the others
        assert response.outcome == pb.RELOAD_OUTCOME_LOADED and response.ruleset.version == "2026.11.2-test"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            versions = {server.stub().Describe(pb.DescribeRequest()).ruleset.version for _ in range(12)}
            on_new = {e["pid"] for e in server.events("reload") if e["version"] == "2026.11.2-test"}
            if versions == {"2026.11.2-test"} and len(on_new) == 2:
                break
            time.sleep(0.2)
        assert versions == {"2026.11.2-test"}
        assert len(on_new) == 2  # both workers report the new version
        assert before != response.ruleset.fingerprint


def test_reload_refused_keeps_serving_and_reports(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    with ServerProcess(rules, workers=1, log_dir=tmp_path, extra=["--watch-seconds", "0"],
                       env={"TRIVSEL_ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        (rules / "themes" / "broken.yaml").write_text("rules:\n  - id: broken\n    when: influense < 3\n", "utf-8")
        response = server.stub().Reload(pb.ReloadRequest(), metadata=ADMIN)
        assert response.outcome == pb.RELOAD_OUTCOME_REFUSED
        problem = next(p for p in response.problems if p.code == "unknown-dimension")
        assert problem.severity == "error" and problem.suggestion == "influence" and problem.line == 3
        assert server.health() == SERVING
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE)).recommendations
        assert "broken.yaml:3:11: error: unknown dimension 'influense'" in server.logs()


def test_reload_needs_the_admin_token_when_one_is_set(tmp_path: Path) -> None:
    with ServerProcess(RULES, workers=1, log_dir=tmp_path, env={"TRIVSEL_ADMIN_TOKEN": "s3cret-token"}) as server:
        stub = server.stub()
        with pytest.raises(grpc.RpcError) as info:
            stub.Reload(pb.ReloadRequest())
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as info:
            stub.Reload(pb.ReloadRequest(), metadata=(("authorization", "Bearer wr0ng-guess"),))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        ok = stub.Reload(pb.ReloadRequest(), metadata=(("authorization", "Bearer s3cret-token"),))
        assert ok.outcome == pb.RELOAD_OUTCOME_UNCHANGED
        assert "s3cret-token" not in server.logs() and "wr0ng-guess" not in server.logs()


def test_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    with ServerProcess(RULES, workers=2, log_dir=tmp_path) as server:
        pids = [e["worker_pid"] for e in server.events("worker.spawned")]
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(server.events("worker.spawned")) < 3:
            time.sleep(0.1)
        assert server.events("worker.died")[0]["exitcode"] == -signal.SIGKILL
        new_pid = server.events("worker.spawned")[-1]["worker_pid"]
        assert new_pid not in pids
        time.sleep(1.5)
        for _ in range(10):  # fresh connections land on both workers
            assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10).recommendations


def _thread_cpus(pid: int) -> set[str]:
    """The CPUs every thread of ``pid`` may run on, as /proc reports them."""
    lists = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                lists.add(line.split(":", 1)[1].strip())
    return lists


def test_workers_are_pinned_to_the_cpus_asked_for(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs to tell the workers' pinning apart")
    wanted = [cpus[-1], cpus[0]]  # worker 0 on the last CPU, worker 1 on the first
    with ServerProcess(RULES, workers=2, log_dir=tmp_path, extra=["--cpus", f"{wanted[0]},{wanted[1]}"]) as server:
        deadline = time.monotonic() + 30  # health is SERVING once the first worker serves; wait for both
        while len(server.events("worker.started")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        started = {e["worker"]: e for e in server.events("worker.started")}
        spawned = {e["worker"]: e["worker_pid"] for e in server.events("worker.spawned")}
        for index in (0, 1):
            assert started[index]["cpus"] == [wanted[index]]
            # every thread, gRPC's own included, inherited the pinning
            assert _thread_cpus(spawned[index]) == {str(wanted[index])}
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10).recommendations


def test_workers_are_not_pinned_by_default(server) -> None:
    deadline = time.monotonic() + 30  # the line is written just after the server starts answering
    while not server.events("worker.started") and time.monotonic() < deadline:
        time.sleep(0.05)
    started = server.events("worker.started")
    assert started and started[0]["cpus"] == sorted(os.sched_getaffinity(0))
    if is_glibc() and not operator_settings(os.environ):  # the allocator is tuned by default (service/memory.py)
        assert started[0]["malloc"] == "tuned"
        assert (started[0]["trim_mb"], started[0]["mmap_mb"], started[0]["arenas"]) == (32, 8, 2)


def test_reflection_lists_the_services(server) -> None:
    database = ProtoReflectionDescriptorDatabase(server.channel())
    services = set(database.get_services())
    assert {"trivsel.v1.Recommender", "grpc.health.v1.Health"} <= services
    descriptor = database.FindFileContainingSymbol("trivsel.v1.Recommender")
    assert descriptor.package == "trivsel.v1"


PROTO_ONLY_CLIENT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import grpc
from trivsel.v1 import recommender_pb2 as pb, recommender_pb2_grpc as stubs
assert pb.__file__.startswith(sys.argv[1]), pb.__file__
channel = grpc.insecure_channel(sys.argv[2])
response = stubs.RecommenderStub(channel).Recommend(pb.RecommendRequest(
    profile=pb.Profile(department_id="prod-3", respondents=24, invited=30,
                       scores={"quantitative_demands": 78, "work_pace": 81, "influence": 28}), top=3))
ours = [m for m in sys.modules if m.split(".")[0] in ("engine", "client", "service", "server")]
print(json.dumps({"ids": [r.intervention_id for r in response.recommendations],
                  "must_act": [m.intervention_id for m in response.must_act], "ours": ours,
                  "because": response.recommendations[0].because[0].conditions[0].text}))
"""


def test_a_client_built_only_from_the_proto_files(server, tmp_path: Path) -> None:
    import google.rpc.status_pb2 as status

    out = tmp_path / "generated"
    out.mkdir()
    googleapis = Path(status.__file__).parents[2]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"-I{googleapis}",
                    f"--python_out={out}", f"--grpc_python_out={out}",
                    str(ROOT / "proto" / "trivsel" / "v1" / "recommender.proto")], check=True)
    proc = subprocess.run([sys.executable, "-c", PROTO_ONLY_CLIENT, str(out), server.address], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ours"] == []
    assert data["must_act"] == ["prioritisation"] and "influence-over-planning" in data["ids"]
    assert re.search(r"\d", data["because"])


def test_sighup_reloads(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    with ServerProcess(rules, workers=2, log_dir=tmp_path, extra=["--watch-seconds", "0"]) as server:
        text = (rules / "ruleset.yaml").read_text(encoding="utf-8")
        (rules / "ruleset.yaml").write_text(_new_version(text, "2026.11.9"), "utf-8")
        server.signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            versions = {server.stub().Describe(pb.DescribeRequest()).ruleset.version for _ in range(8)}
            if versions == {"2026.11.9-test"}:
                break
            time.sleep(0.2)
        assert versions == {"2026.11.9-test"}


def test_a_worker_started_while_the_folder_is_broken_serves_the_last_good_version(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    with ServerProcess(rules, workers=1, log_dir=tmp_path, extra=["--watch-seconds", "0"]) as server:
        version = server.stub().Describe(pb.DescribeRequest()).ruleset.fingerprint
        (rules / "themes" / "broken.yaml").write_text("rules:\n  - id: broken\n    when: influence <\n", "utf-8")
        pid = server.events("worker.spawned")[0]["worker_pid"]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(server.events("worker.spawned")) < 2:
            time.sleep(0.1)
        server.wait_health(SERVING)
        described = server.stub().Describe(pb.DescribeRequest())
        assert described.ruleset.fingerprint == version  # the version it served before, not nothing
        assert any(p.file.endswith("broken.yaml") for p in described.refused_reload)
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE)).recommendations
        assert any(e.get("fallback") for e in server.events("reload.refused"))


def test_standard_output_is_json_in_json_mode(tmp_path: Path) -> None:
    """A log collector reading standard output sees JSON objects only, the announcement included."""
    with ServerProcess(RULES, workers=1, log_dir=tmp_path) as server:  # the harness runs --log-format json
        line = server.first_line
    announcement = json.loads(line)
    assert announcement["event"] == "serving" and announcement["address"] == f"127.0.0.1:{server.port}"
    assert announcement["workers"] == 1 and "serving on" in announcement["message"]
    # which build serves (trivsel/native.py): the same as this process's, since the server inherits
    # the environment (make test-pure sets TRIVSEL_PURE_PYTHON)
    from trivsel.native import BUILD

    assert announcement["build"] == str(BUILD)
    assert announcement["message"].endswith("compiled)" if BUILD.compiled else "pure Python)")
