"""Who may call the admin-only parts: Reload always, Describe and reflection with --protect-introspection.

An admin is a caller with the configured bearer token (compared in constant time) or a client
certificate whose common name is listed (mutual TLS). Refusals are logged with the peer and the
reason, never with what was sent.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import grpc
import structlog
from structlog.typing import FilteringBoundLogger

from trivsel.api.status import RpcError

__all__ = ["AdminCheck"]

log: FilteringBoundLogger = structlog.get_logger("trivsel.rpc")


@dataclass(frozen=True)
class AdminCheck:
    token: str | None = None
    identities: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.token or self.identities)

    def require(self, context: grpc.ServicerContext, what: str) -> None:
        """Return if the caller is an admin; raise UNAUTHENTICATED (nothing sent) or
        PERMISSION_DENIED (a wrong credential, or none configured) naming ``what`` otherwise."""
        peer = context.peer()
        if self.identities:
            # a list of values per property (grpc-stubs says one bytes value: see its FIXME)
            auth = cast("Mapping[str, Sequence[bytes]]", context.auth_context())
            names = (auth or {}).get("x509_common_name", [])
            if any(n.decode("utf-8", "replace") in self.identities for n in names):
                return
        if self.token:
            sent = ""
            for key, value in context.invocation_metadata() or ():
                if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
                    sent = value[len("Bearer "):]
            if sent and hmac.compare_digest(sent.encode(), self.token.encode()):
                return
            reason = "wrong token" if sent else "no token"
            log.warning("admin.denied", peer=peer, reason=reason, call=what)
            if sent:
                raise RpcError(grpc.StatusCode.PERMISSION_DENIED, "the admin token is wrong")
            raise RpcError(grpc.StatusCode.UNAUTHENTICATED, f"{what} needs 'authorization: Bearer <token>'"
                           + (" or an admin client certificate" if self.identities else ""))
        if self.identities:
            log.warning("admin.denied", peer=peer, reason="client certificate is not an admin identity", call=what)
            raise RpcError(grpc.StatusCode.PERMISSION_DENIED, f"{what} needs an admin client certificate")
        log.warning("admin.denied", peer=peer, reason="no admin credential configured", call=what)
        raise RpcError(grpc.StatusCode.PERMISSION_DENIED, f"{what} is off: start the server with --admin-token or "
                       "--admin-identity (the rules folder is watched, and SIGHUP reloads)")
