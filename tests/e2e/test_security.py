"""TLS and mutual TLS end to end, admin authorisation, and logs that never hold profile values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from trivsel.v1 import recommender_pb2 as pb

from ..conftest import RULES
from ..test_cli import trivsel
from .harness import ServerProcess

CERTS = Path(__file__).resolve().parents[1] / "certs"
PROFILE = pb.Profile(department_id="d", respondents=12, scores={"influence": 20, "quantitative_demands": 80})


def creds(client: str | None = None, ca: str = "ca") -> grpc.ChannelCredentials:
    key = (CERTS / f"{client}.key").read_bytes() if client else None
    cert = (CERTS / f"{client}.pem").read_bytes() if client else None
    return grpc.ssl_channel_credentials((CERTS / f"{ca}.pem").read_bytes(), key, cert)


TLS = ["--tls-cert", str(CERTS / "server.pem"), "--tls-key", str(CERTS / "server.key")]


def test_tls(tmp_path: Path) -> None:
    with ServerProcess(RULES, log_dir=tmp_path, extra=TLS, credentials=creds()) as server:
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10).recommendations
        with pytest.raises(grpc.RpcError) as info:  # a plaintext client cannot talk to a TLS server
            server.stub(grpc.insecure_channel(server.address)).Recommend(pb.RecommendRequest(profile=PROFILE),
                                                                          timeout=5)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(grpc.RpcError):  # nor one that trusts another CA
            server.stub(server.channel(credentials=creds(ca="rogue-ca"))).Describe(pb.DescribeRequest(), timeout=5)
        proc = trivsel("recommend", str(RULES.parent / "examples" / "partial-profile.yaml"), "--server",
                       f"localhost:{server.port}", "--ca", str(CERTS / "ca.pem"))
        assert proc.returncode == 0, proc.stderr


def test_mutual_tls_and_admin_identity(tmp_path: Path) -> None:
    extra = [*TLS, "--client-ca", str(CERTS / "ca.pem"), "--admin-identity", "trivsel-admin"]
    with ServerProcess(RULES, log_dir=tmp_path, extra=extra, credentials=creds("client")) as server:
        assert server.stub().Recommend(pb.RecommendRequest(profile=PROFILE), timeout=10).recommendations
        for credentials in (creds(), creds("rogue")):  # no client certificate; one from another CA
            with pytest.raises(grpc.RpcError) as info:
                server.stub(server.channel(credentials=credentials)).Describe(pb.DescribeRequest(), timeout=5)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(grpc.RpcError) as info:  # a valid client, but not an admin
            server.stub().Reload(pb.ReloadRequest(), timeout=10)
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        admin = server.stub(server.channel(credentials=creds("admin")))
        assert admin.Reload(pb.ReloadRequest(), timeout=10).outcome == pb.RELOAD_OUTCOME_UNCHANGED
        denied = server.events("admin.denied")
        assert denied and denied[0]["reason"] == "client certificate is not an admin identity"
        proc = trivsel("reload", "--server", f"localhost:{server.port}", "--ca", str(CERTS / "ca.pem"), "--cert",
                       str(CERTS / "admin.pem"), "--key", str(CERTS / "admin.key"))
        assert proc.returncode == 0 and proc.stdout.startswith("unchanged")


def test_no_log_line_holds_profile_values_or_secrets(tmp_path: Path) -> None:
    token = "tok-5ecret-9f8e7d"
    with ServerProcess(RULES, log_dir=tmp_path, extra=["--log-level", "debug"],
                       env={"TRIVSEL_ADMIN_TOKEN": token}) as server:
        stub = server.stub()
        secret_scores = {"influence": 13.371337, "bullying": 4.242424, "stress_prevalence": 27.182818,
                         "quantitative_demands": 71.717171}
        sensitive = pb.Profile(department_id="dept-7", department_name="Hemmelig Afdeling Æblegrød", sector="sikret",
                               respondents=17, invited=23, scores=secret_scores)
        stub.Recommend(pb.RecommendRequest(profile=sensitive))
        stub.RecommendBatch(pb.RecommendBatchRequest(profiles=[sensitive] * 3))
        stub.WhatIf(pb.WhatIfRequest(profile=sensitive, changes=[pb.Change(dimension="influence", set_to=66.606606)]))
        stub.Explain(pb.ExplainRequest(profile=sensitive, rule_id="bullying-any"))
        stub.Levers(pb.LeversRequest(profile=sensitive))
        bad = pb.Profile(department_id="dept-8", respondents=17, scores={"influence": 150.151515})
        with pytest.raises(grpc.RpcError):
            stub.Recommend(pb.RecommendRequest(profile=bad))
        for wrong in ("Bearer guess-1234", "Bearer " + token[:-1]):
            with pytest.raises(grpc.RpcError):
                stub.Reload(pb.ReloadRequest(), metadata=(("authorization", wrong),))
        stub.Reload(pb.ReloadRequest(), metadata=(("authorization", f"Bearer {token}"),))
    logs = server.logs()
    assert len(server.events("rpc")) >= 9
    for secret in ["13.371337", "4.242424", "27.182818", "71.717171", "66.606606", "150.151515", "Æblegrød",
                   "Hemmelig", "sikret", token, "guess-1234", token[:-1]]:
        assert secret not in logs, secret
    assert any(e.get("reason") == "wrong token" for e in server.events("admin.denied"))


def _local_health(port: int, **settings: str) -> subprocess.CompletedProcess[str]:
    """``trivsel health --local`` with only the server's own TRIVSEL_* settings (the HEALTHCHECK)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIVSEL_")}
    env.update({"TRIVSEL_ADDRESS": f"0.0.0.0:{port}", **settings})
    return subprocess.run([sys.executable, "-m", "trivsel.client.cli", "health", "--local", "--timeout", "5"],
                          capture_output=True, text=True, env=env, timeout=30)


def test_the_container_health_check_follows_address_and_tls(tmp_path: Path) -> None:
    server_tls = {"TRIVSEL_TLS_CERT": str(CERTS / "server.pem"), "TRIVSEL_TLS_KEY": str(CERTS / "server.key")}
    with ServerProcess(RULES, log_dir=tmp_path) as plain:
        checked = _local_health(plain.port)
        assert checked.returncode == 0 and checked.stdout.strip() == "SERVING", checked.stderr
        assert _local_health(plain.port, **server_tls).returncode != 0  # TLS against a plaintext server fails
    with ServerProcess(RULES, log_dir=tmp_path, extra=TLS, credentials=creds()) as tls:
        assert _local_health(tls.port).returncode != 0  # plaintext against TLS fails: the settings matter
        checked = _local_health(tls.port, **server_tls, TRIVSEL_HEALTH_CA=str(CERTS / "ca.pem"))
        assert checked.returncode == 0 and checked.stdout.strip() == "SERVING", checked.stderr
    mutual = {**server_tls, "TRIVSEL_CLIENT_CA": str(CERTS / "ca.pem"), "TRIVSEL_HEALTH_CA": str(CERTS / "ca.pem")}
    with ServerProcess(RULES, log_dir=tmp_path, extra=[*TLS, "--client-ca", str(CERTS / "ca.pem")],
                       credentials=creds("client")) as mtls:
        missing = _local_health(mtls.port, **mutual)
        assert missing.returncode == 2 and "TRIVSEL_HEALTH_CERT" in missing.stderr
        checked = _local_health(mtls.port, **mutual, TRIVSEL_HEALTH_CERT=str(CERTS / "client.pem"),
                                TRIVSEL_HEALTH_KEY=str(CERTS / "client.key"))
        assert checked.returncode == 0 and checked.stdout.strip() == "SERVING", checked.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_container_health_check_reads_the_servers_own_flags(tmp_path: Path) -> None:
    """`docker run IMAGE --address … --tls-cert …`: flags, not variables; the check reads them from
    the server process (here by --pid; in a container it is pid 1)."""
    port = _free_port()
    flags = ["--address", f"127.0.0.1:{port}", *TLS, "--client-ca", str(CERTS / "ca.pem")]
    with ServerProcess(RULES, log_dir=tmp_path, extra=flags, credentials=creds("client")) as server:
        assert server.port == port
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIVSEL_")}
        check = [sys.executable, "-m", "trivsel.client.cli", "health", "--local", "--pid", str(server.proc.pid),
                 "--timeout", "5"]
        missing = subprocess.run(check, capture_output=True, text=True, env=env, timeout=30)
        assert missing.returncode == 2 and "TRIVSEL_HEALTH_CERT" in missing.stderr
        env.update(TRIVSEL_HEALTH_CA=str(CERTS / "ca.pem"), TRIVSEL_HEALTH_CERT=str(CERTS / "client.pem"),
                   TRIVSEL_HEALTH_KEY=str(CERTS / "client.key"))
        checked = subprocess.run(check, capture_output=True, text=True, env=env, timeout=30)
        assert checked.returncode == 0 and checked.stdout.strip() == "SERVING", checked.stderr
