"""Trivsel: rule-based recommendations for the psychosocial work environment.

Installed, everything lives under this one name — ``trivsel.engine`` (load rules, evaluate a
profile, explain), ``trivsel.service`` (the gRPC server), ``trivsel.client`` (the CLI and the
Python client), ``trivsel.v1`` (the generated gRPC code), and the bundled ``rules`` and ``proto``
as package data. In the repository these are the top-level folders ``engine/``, ``service/``,
``client/``, ``rules/`` and ``proto/``; pyproject.toml's package-dir maps them here.

For Python callers::

    import trivsel
    with trivsel.Client("localhost:50051") as client:
        result = client.recommend(profile_mapping, language="da")

``Client`` and the call errors are loaded on first use, so ``import trivsel.engine`` (the server's
workers, the embedded CLI) does not pay for the gRPC client.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING

# First, before any compiled module can load: the compiled hot path or pure Python (trivsel/native.py).
from trivsel import native  # noqa: F401
from trivsel.engine.errors import TrivselError, UserError

if TYPE_CHECKING:
    from trivsel.client.api import Client
    from trivsel.client.errors import (
        AccessError,
        CallError,
        DeadlineExceededError,
        InvalidArgumentError,
        InvalidProfileError,
        PermissionDeniedError,
        ResourceExhaustedError,
        ServerError,
        UnauthenticatedError,
        UnavailableError,
    )

__all__ = ["Client", "TrivselError", "UserError", "CallError", "InvalidArgumentError", "InvalidProfileError",
           "AccessError", "UnauthenticatedError", "PermissionDeniedError", "ServerError", "UnavailableError",
           "DeadlineExceededError", "ResourceExhaustedError", "__version__"]

try:
    __version__ = metadata.version("trivsel")
except metadata.PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> object:
    if name == "Client":
        from trivsel.client.api import Client

        return Client
    if name in __all__:  # the call errors
        from trivsel.client import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'trivsel' has no attribute {name!r}")
