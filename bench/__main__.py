"""``make bench``: every benchmark section, printed as Markdown ready for docs/BENCHMARKS.md.

Each section runs once per build — pure Python first, then the compiled hot path (trivsel/native.py)
— each in its own process, so that one ``make bench`` gives before and after on the same machine
and day. ``--build compiled`` or ``--build pure`` runs one of them only.
"""

from __future__ import annotations

import os
import subprocess
import sys

from . import engine_bench, grpc_bench, instructions, memory_effect, org_bench, stages, survey_bench


def main() -> int:
    """``python -m bench [engine|grpc|stages|memory|org|survey]``: every section by default; ``python -m bench
    instructions [--against REV]`` counts instructions per profile (valgrind; not in the default
    run, it takes a few minutes)."""
    if sys.argv[1:2] == ["instructions"]:
        return instructions.main(sys.argv[2:])
    args = sys.argv[1:]
    build = "both"
    if "--build" in args:
        at = args.index("--build")
        build = args[at + 1] if at + 1 < len(args) else ""
        del args[at:at + 2]
        if build not in ("both", "compiled", "pure"):
            print("--build takes both, compiled or pure", file=sys.stderr)
            return 2
    sections = args or ["engine", "grpc", "stages", "memory", "org", "survey"]
    if build == "both":
        return _each_build(sections)
    from trivsel.native import BUILD

    if BUILD.kind != build:
        print(f"asked for the {build} build, but this process runs {BUILD}", file=sys.stderr)
        return 2
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


def _each_build(sections: list[str]) -> int:
    """Every section in a process of its own per build, pure first: the sections start their
    servers and helper processes from this environment, so TRIVSEL_PURE_PYTHON reaches them all."""
    for section in sections:
        for build in ("pure", "compiled"):
            env = {k: v for k, v in os.environ.items() if k != "TRIVSEL_PURE_PYTHON"}
            if build == "pure":
                env["TRIVSEL_PURE_PYTHON"] = "1"
            label = "pure Python" if build == "pure" else "compiled"
            print(f"<!-- build: {build} -->\n#### {section}, {label} build\n", flush=True)
            code = subprocess.run([sys.executable, "-m", "bench", section, "--build", build], env=env).returncode
            if code != 0:
                return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
