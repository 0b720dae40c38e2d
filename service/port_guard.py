"""Refuse an address another server already has.

Workers share their port with SO_REUSEPORT, and the kernel lets *any* process of the same user
do the same: a second Trivsel started on a busy address would bind without error and the kernel
would split new connections between the two servers — perhaps on different rule sets — with no
sign of it anywhere. So before the supervisor reserves a fixed port it asks two questions:

1. Does something answer there? A TCP connection to the address (to loopback for a wildcard
   address) succeeds when any process listens, even a stopped one (the kernel completes the
   handshake).
2. Is the port bound at all? A probe socket with SO_REUSEADDR but *without* SO_REUSEPORT fails
   to bind while another socket holds the port, listening or not — which catches a second
   server's supervisor whose workers are still loading their rules (its reservation is bound
   but not yet listening). SO_REUSEADDR keeps connections of a previous server lingering in
   TIME_WAIT from counting (on Linux).

Both are checks made before the reservation, so two servers started within the same instant on
one port can still both pass; anything slower than that is refused.
"""

from __future__ import annotations

import errno
import socket

__all__ = ["address_taken", "ADDRESS_IN_USE"]

ADDRESS_IN_USE = "address already in use by another server"
_WILDCARD_TO_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def address_taken(host: str, port: int, timeout: float = 1.0) -> str | None:
    """Why ``host:port`` already belongs to someone else, or None when it looks free (port 0 is
    always free: the kernel picks an unused port)."""
    if port == 0:
        return None
    target = _WILDCARD_TO_LOOPBACK.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=timeout):
            return "a server answers on it"
    except OSError:
        pass
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "another socket is bound to it (a server starting up?)"
            # anything else (no such address, no permission) is for the real bind to report
    return None
