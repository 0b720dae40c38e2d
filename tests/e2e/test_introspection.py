"""Introspection: Describe shows no server paths, Describe and reflection can be limited to admins,
and the CLI shows what came from a profile or a server escaped."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from trivsel.service.config import parse_config
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from ..test_cli import trivsel
from .harness import ServerProcess

TOKEN = "introspection-admin-token"
ADMIN = (("authorization", f"Bearer {TOKEN}"),)


def list_services(server: ServerProcess, metadata: tuple = ()) -> list[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(server.channel())
    responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                          metadata=metadata, timeout=10)
    return [s.name for r in responses for s in r.list_services_response.service]


def test_describe_shows_refused_files_relative_to_the_rules_folder(tmp_path: Path) -> None:
    rules = tmp_path / "server-side" / "secret-layout" / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    with ServerProcess(rules, log_dir=tmp_path) as server:
        (rules / "themes" / "broken.yaml").write_text("rules:\n  - id: x\n    when: influence is lowish\n",
                                                      encoding="utf-8")
        deadline = time.monotonic() + 20
        describe = server.stub().Describe(pb.DescribeRequest(), timeout=10)
        while not describe.refused_reload and time.monotonic() < deadline:
            time.sleep(0.2)
            describe = server.stub().Describe(pb.DescribeRequest(), timeout=10)
        assert describe.refused_reload, "the broken file was never refused"
        assert {p.file for p in describe.refused_reload} == {"themes/broken.yaml"}
        wire = describe.SerializeToString()
        assert str(tmp_path).encode() not in wire and b"secret-layout" not in wire


def test_protected_introspection_needs_the_admin_credential(tmp_path: Path) -> None:
    with ServerProcess(RULES, log_dir=tmp_path, extra=["--protect-introspection"],
                       env={"TRIVSEL_ADMIN_TOKEN": TOKEN}) as server:
        stub = server.stub()
        with pytest.raises(grpc.RpcError) as info:
            stub.Describe(pb.DescribeRequest(), timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED and "Describe" in info.value.details()
        with pytest.raises(grpc.RpcError) as info:
            stub.Describe(pb.DescribeRequest(), timeout=10, metadata=(("authorization", "Bearer guess"),))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert stub.Describe(pb.DescribeRequest(), timeout=10, metadata=ADMIN).rule_count > 0
        with pytest.raises(grpc.RpcError) as info:
            list_services(server)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as info:
            list_services(server, (("authorization", "Bearer guess"),))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "trivsel.v1.Recommender" in list_services(server, ADMIN)
        # health and the ordinary calls stay open
        assert server.health() == 1
        profile = pb.Profile(department_id="d", respondents=20, scores={"influence": 20})
        assert stub.Recommend(pb.RecommendRequest(profile=profile), timeout=10).recommendations
        denied = server.events("admin.denied")
        assert {e["call"] for e in denied} >= {"Describe", "Server reflection"}
        assert TOKEN not in server.logs() and "guess" not in server.logs()


def test_introspection_is_open_by_default(tmp_path: Path) -> None:
    with ServerProcess(RULES, log_dir=tmp_path) as server:
        assert "trivsel.v1.Recommender" in list_services(server)
        assert server.stub().Describe(pb.DescribeRequest(), timeout=10).rule_count > 0


def test_protection_without_a_credential_is_a_configuration_error() -> None:
    with pytest.raises(SystemExit):
        parse_config(["--protect-introspection"], env={})
    assert parse_config([], env={"TRIVSEL_PROTECT_INTROSPECTION": "true",
                                 "TRIVSEL_ADMIN_TOKEN": TOKEN}).protect_introspection


def test_the_cli_escapes_what_came_from_a_profile(tmp_path: Path) -> None:
    profile = tmp_path / "evil.yaml"
    profile.write_text('department: {id: "prod-\\e]0;owned\\a", name: "Linje \\e[2J\\e[31m3"}\n'
                       "respondents: 24\nscores: {influence: 20, work_pace: 85}\n", encoding="utf-8")
    proc = trivsel("recommend", str(profile))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "Linje \\x1b[2J\\x1b[31m3 (prod-\\x1b]0;owned\\x07)" in proc.stdout
    bad = tmp_path / "bad.yaml"  # a refused profile: its error names the bad key, escaped
    bad.write_text('department: {id: x}\nrespondents: 24\nscores: {"influ\\e]0;pwned\\aence": 20}\n', "utf-8")
    refused = trivsel("recommend", str(bad))
    assert refused.returncode == 2 and "\x1b" not in refused.stderr and "\x07" not in refused.stderr
    assert "influ\\x1b]0;pwned\\x07ence" in refused.stderr


def test_lint_escapes_what_came_from_a_rule_file(rules_copy) -> None:
    folder = rules_copy({"themes/evil.yaml": 'rules:\n  - id: "bad\\e[31mRED"\n'})
    proc = trivsel("lint", str(folder))
    assert proc.returncode == 1 and "\x1b" not in proc.stdout + proc.stderr
    assert "bad\\x1b[31mRED" in proc.stdout


def test_the_cli_escapes_what_came_from_a_server(tmp_path: Path) -> None:
    """Rule texts come from rule files on the server; an organisation's names from the caller's data."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    interventions = next(rules.rglob("interventions.yaml"))
    text = interventions.read_text(encoding="utf-8")
    assert "Joint prioritisation of tasks" in text
    interventions.write_text(text.replace("Joint prioritisation of tasks",
                                          'Joint prioritisation\\e]8;;http://x\\a of tasks', 1), encoding="utf-8")
    org = tmp_path / "org.csv"
    org.write_text("department_id,department_name,respondents,influence,work_pace,quantitative_demands\n"
                   "a1,\"Lager \x1b[5mblink\",20,20,85,80\n", encoding="utf-8")
    with ServerProcess(rules, log_dir=tmp_path) as server:
        for args in (("recommend", str(RULES.parent / "examples" / "production-high-workload.yaml")),
                     ("org", str(org))):
            proc = trivsel(*args, "--server", server.address)
            assert proc.returncode == 0, proc.stderr
            assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout, args
        assert "prioritisation\\x1b]8;;http://x\\x07 of tasks" in trivsel(
            "recommend", str(RULES.parent / "examples" / "production-high-workload.yaml"), "--server",
            server.address).stdout


def _reflect_v1(server: ServerProcess, request: reflection_pb2.ServerReflectionRequest,
                metadata: tuple = ()) -> list[reflection_pb2.ServerReflectionResponse]:
    """A call to grpc.reflection.v1 (its messages are v1alpha's on the wire)."""
    call = server.channel().stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                          request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                          response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    return list(call(iter([request]), metadata=metadata, timeout=10))


def test_reflection_v1_answers_as_v1alpha_does_through_trivsel_serve(tmp_path: Path) -> None:
    """Newer tools ask grpc.reflection.v1 first; `trivsel serve` takes every server flag."""
    launcher = [sys.executable, "-m", "trivsel.client.cli", "serve"]
    with ServerProcess(RULES, log_dir=tmp_path, launcher=launcher, extra=["--workers", "1"]) as server:
        names = [s.name for r in _reflect_v1(server, reflection_pb2.ServerReflectionRequest(list_services=""))
                 for s in r.list_services_response.service]
        assert names == list_services(server) and "trivsel.v1.Recommender" in names
        files = _reflect_v1(server, reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="trivsel.v1.Recommender"))
        assert files[0].file_descriptor_response.file_descriptor_proto
    with ServerProcess(RULES, log_dir=tmp_path, extra=["--protect-introspection"],
                       env={"TRIVSEL_ADMIN_TOKEN": TOKEN}) as server:
        with pytest.raises(grpc.RpcError) as info:
            _reflect_v1(server, reflection_pb2.ServerReflectionRequest(list_services=""))
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert _reflect_v1(server, reflection_pb2.ServerReflectionRequest(list_services=""), ADMIN)
