"""``make bench``: every benchmark section, printed as Markdown ready for docs/BENCHMARKS.md."""

from __future__ import annotations

import sys

from . import engine_bench


def main() -> int:
    return engine_bench.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
