"""Trivsel's gRPC server: ``python server.py --address 127.0.0.1:50051 --rules rules``.

Also ``trivsel serve``. Flags and their environment variables: ``python server.py --help``.
The pieces live in ``service/``: configuration, the process model (supervisor and workers), the
API adapter, hot reload.
"""

from __future__ import annotations

import sys
from typing import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    from service.config import parse_config
    from service.supervisor import serve

    return serve(parse_config(argv))


if __name__ == "__main__":
    sys.exit(main())
