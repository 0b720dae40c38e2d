"""``make mutation``: mutation testing of the modules that decide the advice and guard privacy.

cosmic-ray (the ``mutation`` extra in pyproject.toml) changes one thing in one module at a time —
``<`` into ``<=``, ``and`` into ``or``, a number plus one, a loop that never runs … — runs that
module's test command, and puts the file back. A mutant the tests fail on is *killed*; one they pass
on *survived*: either the tests miss a behaviour, or the mutant is equivalent (no observable change).
docs/TESTING.md, "Mutation testing", keeps the scores and the reasons for the equivalent survivors.

Why cosmic-ray and not mutmut: mutmut 3 copies the sources into ``mutants/`` and switches mutants
by the module name it derives from the path (``engine.rank``), while the code is imported as
``trivsel.engine.rank`` through the editable install's package-dir map (pyproject.toml), so its
mutants would never be switched on. cosmic-ray edits the file in place and runs a command, which
is exactly what this layout needs.

Each module gets a targeted test command (:data:`MODULES`: its unit tests and the rule tests that
exercise it), run on the pure-Python modules (``TRIVSEL_PURE_PYTHON=1``; a compiled extension would
not see the edit), with a timeout per mutant (a mutant that loops forever counts as killed). The
sessions live in ``build/mutation/<module>.sqlite``; the report is printed and written to
``build/mutation/report.txt``.

Not run: mutants inside annotations (``from __future__ import annotations`` keeps them as strings
that nothing evaluates, so such a mutant cannot change behaviour), and a selective subset of the
operators (:data:`EXCLUDED_OPERATORS`; Offutt et al., "An experimental determination of sufficient
mutant operators", 1996): an arithmetic operator is replaced by the other three of ``+ - * /``
but not by the shifts, bitwise operators, ``//``, ``%`` and ``**`` (each module would get 11
mutants per operator, almost all killed by the first test that computes anything); a value
comparison is not turned into an identity test (``==`` → ``is``) nor an identity test into a value
comparison (``is None`` → ``== None``), whose outcome depends on CPython's interning rather
than on our code.

Usage: ``python tests/mutation/run.py [MODULE ...] [--report-only] [--timeout S]``
(``make mutation MODULES="rank profile"``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "mutation"


@dataclass(frozen=True)
class Target:
    path: str
    """The module, relative to the repository."""
    tests: tuple[str, ...]
    """pytest arguments: the fastest and most telling tests first (``-x`` stops at the first failure)."""


def _tests(*names: str) -> tuple[str, ...]:
    return tuple(name if name.startswith(("-", "'", "tests/")) else f"tests/{name}.py" for name in names)


MODULES: dict[str, Target] = {
    "conditions": Target("engine/conditions.py", _tests(
        "test_conditions", "test_mutants_conditions", "test_why", "test_bundled_rule_tests",
        "tests/test_matching.py::test_default_rules_agree_on_5000_profiles")),
    "profile": Target("engine/profile.py", _tests("test_profile", "test_mutants_profile", "test_survey")),
    "rank": Target("engine/rank.py", _tests("test_rank", "test_mutants_rank", "test_bundled_rule_tests")),
    "durable_compile": Target("engine/durable_compile.py", _tests(
        "test_matching", "test_mutants_durable_compile", "test_bundled_rule_tests", "test_compile_limits",
        "-k", "'not 1000_generated and not stops_being_read and not huge_sparse and not folder_as_a_whole"
        " and not 4096'")),
    "explain": Target("engine/explain.py", _tests("test_why", "test_mutants_explain", "test_sectors")),
    "rationale": Target("engine/rationale.py", _tests(
        "test_rationale", "test_mutants_rationale", "test_templates", "test_bundled_rule_tests")),
    "instruments": Target("engine/instruments.py", _tests("test_survey", "test_mutants_instruments")),
    "survey": Target("engine/survey.py", _tests("test_survey", "test_mutants_survey")),
}

EXCLUDED_OPERATORS = (
    r"core/ReplaceBinaryOperator_(Add|Sub|Mul|Div)_(FloorDiv|Mod|Pow|RShift|LShift|BitAnd|BitOr|BitXor)$",
    r"core/ReplaceComparisonOperator_(Eq|NotEq|Lt|LtE|Gt|GtE)_(Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot)_(Eq|NotEq|Lt|LtE|Gt|GtE)$",
)


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are, as ((line, col), (end line, end col)), cols 0-based."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            notes = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
            notes += [args.vararg.annotation if args.vararg else None, args.kwarg.annotation if args.kwarg else None,
                      node.returns]
        elif isinstance(node, ast.AnnAssign):
            notes = [node.annotation]
        spans += [((n.lineno, n.col_offset), (n.end_lineno or n.lineno, n.end_col_offset or 0)) for n in notes if n]
    return spans


def _command(target: Target) -> str:
    """The pytest run for ``target``; a test file not written yet is left out."""
    tests = [t for t in target.tests if not t.startswith("tests/") or (ROOT / t.split("::")[0]).exists()]
    return f"{shlex.quote(sys.executable)} -m pytest -x -q -p no:cacheprovider {' '.join(tests)}"


def _config(name: str, target: Target, timeout: float) -> Path:
    path = OUT / f"{name}.toml"
    # JSON strings are TOML basic strings (the command holds quotes, the operators' patterns backslashes)
    path.write_text(f"[cosmic-ray]\nmodule-path = {json.dumps(target.path)}\ntimeout = {timeout}\n"
                    f"excluded-modules = []\ntest-command = {json.dumps(_command(target))}\n"
                    f'[cosmic-ray.distributor]\nname = "local"\n[cosmic-ray.filters.operators-filter]\n'
                    f"exclude-operators = {json.dumps(list(EXCLUDED_OPERATORS))}\n", encoding="utf-8")
    return path


def _skip_unrunnable(session: Path, source: str) -> None:
    """Mark the excluded operators and every mutant inside an annotation as skipped."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans = _annotation_spans(source)
    excluded = re.compile("|".join(f"(?:{e})" for e in EXCLUDED_OPERATORS))
    with use_db(str(session), WorkDB.Mode.open) as db:
        skipped: dict[str, list[str]] = {"excluded operator": [], "inside an annotation": []}
        for item in db.pending_work_items:
            for m in item.mutations:
                start, end = tuple(m.start_pos), tuple(m.end_pos)
                if excluded.match(m.operator_name):
                    skipped["excluded operator"].append(item.job_id)
                elif any(a <= start and end <= b for a, b in spans):
                    skipped["inside an annotation"].append(item.job_id)
        for reason, ids in skipped.items():
            if ids:
                db.set_multiple_results(ids, WorkResult(output=reason, worker_outcome=WorkerOutcome.SKIPPED))


def _reopen_survivors(session: Path) -> None:
    """Make the survivors of the last session pending again, and the mutants that timed out (on a
    loaded machine a slow survivor can look like one); the killed keep their results: tests added
    since then can only kill more."""
    import sqlite3

    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED' OR output = 'timeout'")


def run_module(name: str, target: Target, timeout: float, survivors: bool = False) -> None:
    source_path = ROOT / target.path
    original = source_path.read_bytes()
    session = OUT / f"{name}.sqlite"
    if survivors and not session.exists():
        sys.exit(f"mutation: {name}: no earlier session to take the survivors from ({session})")
    if not survivors:
        session.unlink(missing_ok=True)
    cosmic = [sys.executable, "-m", "cosmic_ray.cli"]
    # the unmutated module must pass its own command, or every mutant would look killed
    started = time.monotonic()
    baseline = subprocess.run(shlex.split(_command(target)), cwd=ROOT, capture_output=True, text=True)
    if baseline.returncode != 0:
        sys.exit(f"mutation: {name}: the tests fail without any mutant:\n{baseline.stdout[-3000:]}")
    took = time.monotonic() - started
    timeout = max(timeout, 4 * took)  # a loaded machine must not turn a slow survivor into a "timeout"
    config = _config(name, target, timeout)
    print(f"{name}: baseline {took:.1f} s, timeout {timeout:.0f} s; {_command(target)}", flush=True)
    if survivors:
        _reopen_survivors(session)
    else:
        subprocess.run([*cosmic, "init", str(config), str(session)], cwd=ROOT, check=True)
        _skip_unrunnable(session, original.decode("utf-8"))
    try:
        subprocess.run([*cosmic, "exec", str(config), str(session)], cwd=ROOT, check=True)
    finally:  # cosmic-ray restores the file after each mutant; an interrupted run may not have
        if source_path.read_bytes() != original:
            source_path.write_bytes(original)
            print(f"mutation: restored {target.path}", file=sys.stderr)
    print(f"{name}: {time.monotonic() - started:.0f} s", flush=True)


def _line(diff: str) -> str:
    """The mutated line, from cosmic-ray's unified diff."""
    added = [d[1:].strip() for d in diff.splitlines() if d.startswith("+") and not d.startswith("+++")]
    return added[0] if added else "?"


def report(names: list[str]) -> str:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    rows, survivors = [], []
    for name in names:
        session = OUT / f"{name}.sqlite"
        if not session.exists():
            continue
        count: Counter[str] = Counter()
        with use_db(str(session), WorkDB.Mode.open) as db:
            pending = len(db.pending_work_items)
            for item, result in db.completed_work_items:
                m = item.mutations[0]
                if result.worker_outcome == WorkerOutcome.SKIPPED:
                    count["skipped"] += 1
                elif result.test_outcome == TestOutcome.SURVIVED:
                    count["survived"] += 1
                    survivors.append(f"{m.module_path}:{m.start_pos[0]}:{m.start_pos[1] + 1}: "
                                     f"{m.operator_name.removeprefix('core/')}  →  {_line(result.diff or '')}")
                elif result.output == "timeout":
                    count["timeout"] += 1
                elif result.test_outcome == TestOutcome.KILLED:
                    count["killed"] += 1
                else:  # the mutant could not be run (no such occurrence, an error in cosmic-ray)
                    count["incompetent"] += 1
        run = count["killed"] + count["timeout"] + count["survived"]
        score = 100.0 * (count["killed"] + count["timeout"]) / run if run else 0.0
        rows.append(f"{name:<16}{run:>7}{count['killed']:>8}{count['survived']:>10}{count['timeout']:>10}"
                    f"{count['incompetent']:>13}{count['skipped']:>9}{pending:>9}{score:>9.1f}")
    head = (f"{'module':<16}{'mutants':>7}{'killed':>8}{'survived':>10}{'timed out':>10}{'incompetent':>13}"
            f"{'skipped':>9}{'pending':>9}{'score %':>9}")
    text = "\n".join([head, *rows, "", f"Survivors ({len(survivors)}):", *sorted(survivors, key=_position)])
    return text + "\n"


def _position(line: str) -> tuple[str, int, int]:
    path, row, col = line.split(":")[:3]
    return path, int(row), int(col)


def _worker_tree(k: int) -> Path:
    """A copy of the checkout in which one worker mutates, importable as ``trivsel``: run from the
    copy, Python finds its ``trivsel/`` (with ``engine`` … linked in, the layout the editable install
    maps) before the editable install's finder, which only answers what nothing else found."""
    tree = OUT / f"tree-{k}"
    shutil.rmtree(tree, ignore_errors=True)
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    generated = [str(p.relative_to(ROOT)) for p in (ROOT / "trivsel" / "v1").glob("*_pb2*")]
    for name in [*listed, *generated]:
        if (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tree / name)
    for package in ("engine", "api", "service", "client"):
        (tree / "trivsel" / package).symlink_to(Path("..") / package, target_is_directory=True)
    return tree


def _parallel(names: list[str], jobs: int, timeout: float, survivors: bool) -> None:
    """The modules spread over ``jobs`` copies of the checkout (largest first, to the least loaded)."""
    shares: list[list[str]] = [[] for _ in range(jobs)]
    load = [0] * jobs
    for name in sorted(names, key=lambda n: -(ROOT / MODULES[n].path).stat().st_size):
        k = load.index(min(load))
        shares[k].append(name)
        load[k] += (ROOT / MODULES[name].path).stat().st_size
    workers = []
    for k, share in enumerate(s for s in shares if s):
        tree = _worker_tree(k)
        if survivors:
            (tree / "build" / "mutation").mkdir(parents=True, exist_ok=True)
            for name in share:
                shutil.copy2(OUT / f"{name}.sqlite", tree / "build" / "mutation" / f"{name}.sqlite")
        log = (OUT / f"worker-{k}.log").open("w")
        print(f"worker {k}: {', '.join(share)} in {tree.relative_to(ROOT)} (log: build/mutation/worker-{k}.log)",
              flush=True)
        workers.append((tree, share, log, subprocess.Popen(
            [sys.executable, "tests/mutation/run.py", "--timeout", str(timeout), "--no-report",
             *(["--survivors"] if survivors else []), *share],
            cwd=tree, stdout=log, stderr=subprocess.STDOUT)))
    failed = False
    for tree, share, log, process in workers:
        failed |= process.wait() != 0
        log.close()
        for name in share:
            if (tree / "build" / "mutation" / f"{name}.sqlite").exists():
                shutil.copy2(tree / "build" / "mutation" / f"{name}.sqlite", OUT / f"{name}.sqlite")
    if failed:
        sys.exit("mutation: a worker failed (build/mutation/worker-*.log)")
    for tree, *_ in workers:
        shutil.rmtree(tree, ignore_errors=True)


def _check_imports(names: list[str]) -> None:
    """The modules the tests will import are the ones this checkout mutates."""
    for name in names:
        module = "trivsel." + MODULES[name].path.removesuffix(".py").replace("/", ".")
        found = subprocess.run([sys.executable, "-c", f"import {module} as m; print(m.__file__)"], cwd=ROOT,
                               check=True, capture_output=True, text=True).stdout.strip()
        if Path(found).resolve() != (ROOT / MODULES[name].path).resolve():
            sys.exit(f"mutation: {module} is imported from {found}, not from {ROOT / MODULES[name].path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds per mutant, at least 4 × the unmutated run (default 30)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="modules mutated side by side, each in its own copy of the checkout (default 1)")
    parser.add_argument("--report-only", action="store_true", help="print the report of the last sessions")
    parser.add_argument("--survivors", action="store_true",
                        help="run only the last sessions' survivors (and timeouts) again, after adding tests")
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.modules or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)} (known: {', '.join(MODULES)})")
    os.environ["TRIVSEL_PURE_PYTHON"] = "1"  # the edited .py runs, never a compiled extension
    # a stopped run (kill, make interrupted) still puts the mutated module back (run_module's finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.chdir(ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not args.report_only:
        if args.jobs > 1 and len(names) > 1:
            _parallel(names, min(args.jobs, len(names)), args.timeout, args.survivors)
        else:
            _check_imports(names)
            for name in names:
                run_module(name, MODULES[name], args.timeout, args.survivors)
    if args.no_report:
        return 0
    text = report(names)
    if not args.report_only:
        text += f"\nWall time: {(time.monotonic() - started) / 60:.1f} min\n"
    (OUT / "report.txt").write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
