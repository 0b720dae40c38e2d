"""Instructions per profile, counted by valgrind: the repeatable measure on a noisy machine.

Wall-clock numbers on the shared development VM drift by up to 2x within minutes; the number of
instructions the interpreter executes for the same work barely moves (with the hash seed fixed,
callgrind's counts agree to within a few hundred instructions run after run, whatever else the
machine does). So code changes to the hot path are compared here:

    python -m bench instructions                  # this tree
    python -m bench instructions --against HEAD~3  # and an earlier revision, side by side

Each workload (``bench/handler_loop.py``: the real handler, in-process, no network) runs twice
under callgrind, once with no counted calls and once with N; the difference divided by the
profiles handled is the cost of one profile, start-up and rule loading excluded.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .machine import machine_line

ROOT = Path(__file__).resolve().parent.parent
LOOP = ROOT / "bench" / "handler_loop.py"
WORKLOADS = (("unary", "unary `Recommend`, production example, full answer", 200, 1),
             ("batch-ids", "`RecommendBatch`, ids, scores, ranks", 4, 100),
             ("batch-full", "`RecommendBatch`, full rationale", 3, 100))


def _collected(kind: str, calls: int, tree: Path) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # set iteration orders, and with them the count, repeat
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                          str(LOOP), kind, str(calls), str(tree)], cwd=tree, capture_output=True, text=True,
                         timeout=1800, env=env)
    match = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not match:
        raise RuntimeError(f"callgrind run failed ({kind}, {calls}): {out.stderr[-1500:]}")
    return int(match.group(1))


def per_profile(kind: str, calls: int, profiles_per_call: int, tree: Path) -> float:
    return (_collected(kind, calls, tree) - _collected(kind, 0, tree)) / (calls * profiles_per_call)


def _worktree(revision: str, into: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(into), revision], cwd=ROOT, check=True,
                   capture_output=True)
    shutil.copytree(ROOT / "trivsel", into / "trivsel", dirs_exist_ok=True)  # generated, not committed
    return into


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench instructions")
    parser.add_argument("--against", metavar="REVISION", help="also count an earlier git revision")
    against = parser.parse_args(list(argv or [])).against
    print(f"## Instructions per profile (callgrind)\n\n{machine_line()}\n")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: skipped.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        other = _worktree(against, Path(tmp) / "other") if against else None
        try:
            head = "| workload | this tree |" + (f" {against} | this ÷ {against} |" if other else "")
            print(head + "\n|---|---|" + ("---|---|" if other else ""))
            for kind, label, calls, per_call in WORKLOADS:
                now = per_profile(kind, calls, per_call, ROOT)
                row = f"| {label} | {now:,.0f} |"
                if other is not None:
                    then = per_profile(kind, calls, per_call, other)
                    row += f" {then:,.0f} | {now / then:.2f} |"
                print(row)
        finally:
            if other is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
