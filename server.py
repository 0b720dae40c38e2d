"""Trivsel's gRPC server from a source checkout: ``python server.py --address 127.0.0.1:50051 --rules rules``.

Installed, the same server is ``trivsel serve`` (or ``python -m trivsel.service``). Flags and their
environment variables: ``python server.py --help``. The pieces live in ``service/``: configuration,
the process model (supervisor and workers), the API adapter, hot reload.
"""

from __future__ import annotations

import sys

from trivsel.service.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
