"""``trivsel … --server`` prints exactly what the embedded engine prints."""

from __future__ import annotations

import socket

import pytest

from ..conftest import EXAMPLES
from ..test_cli import trivsel
from .conftest import ADMIN_TOKEN


@pytest.mark.parametrize("args", [
    ["recommend", str(EXAMPLES / "production-high-workload.yaml")],
    ["recommend", str(EXAMPLES / "care-unit-emotional-demands.yaml"), "--lang", "da", "--top", "3"],
    ["recommend", str(EXAMPLES / "partial-profile.yaml"), "--json"],
    ["recommend", str(EXAMPLES / "low-competence.yaml"), "--json", "--lang", "da"],
    ["whatif", str(EXAMPLES / "production-high-workload.yaml"), "--set", "influence=60", "--set", "work_pace-=20"],
    ["whatif", str(EXAMPLES / "bullying-reports.yaml"), "--set", "bullying=0", "--json"],
    ["describe"],
    ["describe", "--json", "--lang", "da"],
])
def test_same_output_embedded_and_remote(server, args: list[str]) -> None:
    embedded = trivsel(*args)
    remote = trivsel(*args, "--server", server.address)
    assert embedded.returncode == 0, embedded.stderr
    assert remote.returncode == 0, remote.stderr
    if args[0] == "describe" and "--json" in args:  # the load time differs between the two processes
        import json
        a, b = json.loads(embedded.stdout), json.loads(remote.stdout)
        a.pop("loaded_at"), b.pop("loaded_at")
        assert a == b
    else:
        assert remote.stdout == embedded.stdout


def test_same_refusal_embedded_and_remote(server) -> None:
    stdin = "department: {id: x}\nrespondents: 10\nscores: {influense: 30, meaning: 150}\n"
    embedded = trivsel("recommend", "-", stdin=stdin)
    remote = trivsel("recommend", "-", "--server", server.address, stdin=stdin)
    assert embedded.returncode == remote.returncode == 2
    assert sorted(remote.stderr.splitlines()) == sorted(embedded.stderr.splitlines())
    small = "department: {id: x}\nrespondents: 2\nscores: {}\n"
    assert trivsel("recommend", "-", "--server", server.address, stdin=small).stderr == \
        trivsel("recommend", "-", stdin=small).stderr


def test_unreachable_server_exits_3() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = trivsel("recommend", str(EXAMPLES / "partial-profile.yaml"), "--server", f"127.0.0.1:{port}",
                   "--timeout", "2")
    assert proc.returncode == 3 and "UNAVAILABLE" in proc.stderr


def test_reload_command(server) -> None:
    proc = trivsel("reload", "--server", server.address, "--token", ADMIN_TOKEN)
    assert proc.returncode == 0 and proc.stdout.startswith("unchanged: nfa-default")
    assert trivsel("reload", "--server", server.address).returncode == 3


def test_call_through_reflection(server) -> None:
    listed = trivsel("call", "--server", server.address)
    assert "trivsel.v1.Recommender/Recommend" in listed.stdout.splitlines()
    request = ('{"profile": {"departmentId": "prod-3", "respondents": 24, '
               '"scores": {"quantitative_demands": 78, "work_pace": 81, "influence": 28}}, "top": 3}')
    proc = trivsel("call", "trivsel.v1.Recommender/Recommend", request, "--server", server.address)
    assert proc.returncode == 0, proc.stderr
    import json
    answer = json.loads(proc.stdout)
    assert [m["interventionId"] for m in answer["mustAct"]] == ["prioritisation"]
    assert next(r["interventionId"] for r in answer["recommendations"]) == "influence-over-planning"
    bad = trivsel("call", "trivsel.v1.Recommender/Recommend", '{"profile": {"respondents": 2}}', "--server",
                  server.address)
    assert bad.returncode == 3 and "FAILED_PRECONDITION" in bad.stderr


def test_health_command(server) -> None:
    proc = trivsel("health", "--server", server.address)
    assert proc.returncode == 0 and proc.stdout.strip() == "SERVING"


@pytest.mark.parametrize("target", [["--rule", "high-strain-workload"], ["--rule", "bullying-any", "--lang", "da"],
                                    ["--intervention", "prioritisation"],
                                    ["--intervention", "return-to-work", "--json"]])
def test_explain_same_embedded_and_remote(server, target: list[str]) -> None:
    args = ["explain", str(EXAMPLES / "care-unit-emotional-demands.yaml"), *target]
    embedded, remote = trivsel(*args), trivsel(*args, "--server", server.address)
    assert embedded.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == embedded.stdout


def test_explain_unknown_rule_remote(server) -> None:
    proc = trivsel("explain", str(EXAMPLES / "partial-profile.yaml"), "--rule", "low-influense", "--server",
                   server.address)
    assert proc.returncode == 2 and "did you mean 'low-influence'" in proc.stderr


@pytest.mark.parametrize("args", [
    ["levers", str(EXAMPLES / "production-high-workload.yaml")],
    ["levers", str(EXAMPLES / "high-absence.yaml"), "--lang", "da", "--all", "--json"],
    ["org", str(EXAMPLES / "organisation" / "departments.csv")],
    ["org", str(EXAMPLES / "organisation" / "departments.csv"), "--json", "--lang", "da", "--share", "0.5"],
    ["followup", str(EXAMPLES / "production-high-workload.yaml"),
     str(EXAMPLES / "followup" / "production-high-workload-2025-11.yaml")],
])
def test_issue5_commands_same_embedded_and_remote(server, args: list[str]) -> None:
    embedded, remote = trivsel(*args), trivsel(*args, "--server", server.address)
    assert embedded.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == embedded.stdout


def test_org_invalid_department_remote(server, tmp_path) -> None:
    csv = tmp_path / "org.csv"
    csv.write_text("department_id,respondents,influence\na,10,20\nb,10,250\nc,2,40\n", encoding="utf-8")
    embedded, remote = trivsel("org", str(csv)), trivsel("org", str(csv), "--server", server.address)
    assert remote.stdout == embedded.stdout
    assert "b: scores.influence: 250 is outside the range 0–100" in remote.stdout


@pytest.mark.parametrize("args", [["report", str(EXAMPLES / "care-unit-emotional-demands.yaml"), "--lang", "da"],
                                  ["report", "--org", str(EXAMPLES / "organisation" / "departments.csv"),
                                   "--format", "md"]])
def test_reports_same_embedded_and_remote(server, args: list[str]) -> None:
    embedded, remote = trivsel(*args), trivsel(*args, "--server", server.address)
    assert embedded.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == embedded.stdout
