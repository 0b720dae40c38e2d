"""``make bench``: every benchmark section, printed as Markdown ready for docs/BENCHMARKS.md."""

from __future__ import annotations

import sys

from . import engine_bench, grpc_bench, instructions, memory_effect, org_bench, stages, survey_bench


def main() -> int:
    """``python -m bench [engine|grpc|stages|memory|org|survey]``: every section by default; ``python -m bench
    instructions [--against REV]`` counts instructions per profile (valgrind; not in the default
    run, it takes a few minutes)."""
    if sys.argv[1:2] == ["instructions"]:
        return instructions.main(sys.argv[2:])
    sections = sys.argv[1:] or ["engine", "grpc", "stages", "memory", "org", "survey"]
    for section in sections:
        if section == "engine":
            engine_bench.main([])
        elif section == "grpc":
            grpc_bench.main([])
        elif section == "stages":
            stages.main([])
        elif section == "memory":
            memory_effect.main([])
        elif section == "org":
            org_bench.main()
        elif section == "survey":
            survey_bench.main()
        else:
            print(f"unknown section {section!r}; use engine, grpc, stages, memory, org, survey or instructions",
                  file=sys.stderr)
            return 2
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
