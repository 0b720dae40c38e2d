"""``trivsel health --local``: reach the server running beside us the way its own settings say.

A container's HEALTHCHECK runs inside the container, next to ``trivsel serve``, and must follow
whatever the operator set — another port, TLS, mutual TLS — whether as ``TRIVSEL_*`` variables
or as flags (``docker run IMAGE --address 0.0.0.0:6000 --tls-cert …``). A fixed
``--server 127.0.0.1:50051`` breaks on each. So the check reads the server's own settings:

* from the server process (``--pid``, default 1: the container's entrypoint), its command line and
  environment in ``/proc``, parsed by the server's own parser (service/config.py) — flags and
  variables exactly as the server saw them;
* when that process is not a Trivsel server (or ``/proc`` cannot be read), from this process's
  ``TRIVSEL_*`` variables, which a container shares with its entrypoint.

From those: the port, on ``localhost`` when the server listens on a wildcard (``0.0.0.0``,
``::``); TLS when the server has a certificate, trusting ``TRIVSEL_HEALTH_CA`` (the CA that signed
it) or else the certificate itself (right for a self-signed one), checking the name
``TRIVSEL_HEALTH_NAME`` (default ``localhost``); with mutual TLS, the client certificate
``TRIVSEL_HEALTH_CERT`` and key ``TRIVSEL_HEALTH_KEY`` (the check says so when they are missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from trivsel.engine.errors import UserError

from .api import Client

__all__ = ["local_client", "local_address", "server_settings", "HealthSettingsError"]

_WILDCARDS = ("", "0.0.0.0", "::", "[::]", "*")
_ENTRY_POINTS = ("serve", "trivsel.service")  # `trivsel serve …`, `python -m trivsel.service …`


class HealthSettingsError(UserError, ValueError):
    """A setting the check needs is missing or unreadable."""


def local_address(address: str) -> str:
    host, _, port = address.rpartition(":")
    if host in _WILDCARDS:
        host = "localhost"
    return f"{host}:{port or 50051}"


def server_settings(pid: int) -> tuple[list[str], dict[str, str]] | None:
    """The server's own arguments and environment, read from ``/proc/<pid>``; None when that
    process is not a Trivsel server or cannot be read."""
    try:
        argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
        environ = dict(line.decode().partition("=")[::2]
                       for line in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in line)
    except (OSError, UnicodeDecodeError):
        return None
    for i, arg in enumerate(argv):
        if arg in _ENTRY_POINTS or arg.endswith("server.py"):
            return argv[i + 1:], environ
    return None


def local_client(env: Mapping[str, str], timeout: float, pid: int = 1) -> Client:
    """A client for the local server as its settings (or ``env``, the TRIVSEL_* variables) say."""
    from trivsel.service.config import parse_config

    found = server_settings(pid)
    settings: Mapping[str, str] = env
    address = env.get("TRIVSEL_ADDRESS", "127.0.0.1:50051")
    cert: Path | str | None = env.get("TRIVSEL_TLS_CERT")
    client_ca: Path | str | None = env.get("TRIVSEL_CLIENT_CA")
    if found is not None:
        args, server_env = found
        try:
            config = parse_config(args, server_env)
        except SystemExit:  # the server would not have started with these either
            raise HealthSettingsError(f"the server's settings (pid {pid}) do not parse") from None
        address, cert, client_ca = config.address, config.tls_cert, config.client_ca
        settings = {**server_env, **env}  # the check's own TRIVSEL_HEALTH_* win
    if not cert:
        return Client(local_address(address), timeout=timeout)
    health_cert = health_key = None
    if client_ca:
        health_cert, health_key = settings.get("TRIVSEL_HEALTH_CERT"), settings.get("TRIVSEL_HEALTH_KEY")
        if not (health_cert and health_key):
            raise HealthSettingsError("the server requires client certificates (--client-ca): set "
                                      "TRIVSEL_HEALTH_CERT and TRIVSEL_HEALTH_KEY to one it accepts")
    ca = settings.get("TRIVSEL_HEALTH_CA") or str(cert)
    for name, path in (("TRIVSEL_HEALTH_CA", ca), ("TRIVSEL_HEALTH_CERT", health_cert),
                       ("TRIVSEL_HEALTH_KEY", health_key)):
        if path and not Path(path).is_file():
            raise HealthSettingsError(f"{name}: {path} is not a readable file")
    return Client(local_address(address), ca=ca, cert=health_cert, key=health_key, timeout=timeout,
                  server_name=settings.get("TRIVSEL_HEALTH_NAME", "localhost"))
