"""``trivsel health --local``: reach the server running beside us the way its own settings say.

A container's HEALTHCHECK runs inside the container, next to ``trivsel serve``, and must follow
whatever the operator set: another port in ``TRIVSEL_ADDRESS``, TLS (``TRIVSEL_TLS_CERT``), mutual
TLS (``TRIVSEL_CLIENT_CA``). A fixed ``--server 127.0.0.1:50051`` breaks on each of those. So the
address and the channel are derived from the same variables the server reads:

* the port of ``TRIVSEL_ADDRESS`` (default 50051), on ``localhost`` when the server listens on a
  wildcard (``0.0.0.0``, ``::``), else on its own host;
* with ``TRIVSEL_TLS_CERT``: TLS, trusting ``TRIVSEL_HEALTH_CA`` (the CA that signed the server's
  certificate) or else the server's certificate itself (right for a self-signed one), checking the
  name ``TRIVSEL_HEALTH_NAME`` (default ``localhost``);
* with ``TRIVSEL_CLIENT_CA`` as well: the client certificate ``TRIVSEL_HEALTH_CERT`` and key
  ``TRIVSEL_HEALTH_KEY``, which must be set (the check says so, rather than failing on a handshake).
"""

from __future__ import annotations

from typing import Mapping

from .api import Client

__all__ = ["local_client", "local_address", "HealthSettingsError"]

_WILDCARDS = ("", "0.0.0.0", "::", "[::]", "*")


class HealthSettingsError(ValueError):
    """A setting the check needs is missing."""


def local_address(env: Mapping[str, str]) -> str:
    host, _, port = env.get("TRIVSEL_ADDRESS", "127.0.0.1:50051").rpartition(":")
    if host in _WILDCARDS:
        host = "localhost"
    return f"{host}:{port or 50051}"


def local_client(env: Mapping[str, str], timeout: float) -> Client:
    """A client for the local server as ``env`` (the TRIVSEL_* variables) configures it."""
    address = local_address(env)
    server_cert = env.get("TRIVSEL_TLS_CERT")
    if not server_cert:
        return Client(address, timeout=timeout)
    cert = key = None
    if env.get("TRIVSEL_CLIENT_CA"):
        cert, key = env.get("TRIVSEL_HEALTH_CERT"), env.get("TRIVSEL_HEALTH_KEY")
        if not (cert and key):
            raise HealthSettingsError("the server requires client certificates (TRIVSEL_CLIENT_CA): set TRIVSEL_HEALTH_CERT "
                             "and TRIVSEL_HEALTH_KEY to one it accepts")
    return Client(address, ca=env.get("TRIVSEL_HEALTH_CA") or server_cert, cert=cert, key=key, timeout=timeout,
                  server_name=env.get("TRIVSEL_HEALTH_NAME", "localhost"))
