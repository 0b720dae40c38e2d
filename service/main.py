"""The server's entry point: ``trivsel serve``, ``python -m trivsel.service`` or ``python server.py``.

Flags and their environment variables: ``trivsel serve --help``. Kept apart from the supervisor so
the console script and the repository's ``server.py`` share one function.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    from .config import parse_config
    from .supervisor import serve

    return serve(parse_config(argv))
