"""The bundled rule tests pass and fire every bundled rule (``make test`` runs them at 100 %)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import RULES
from .test_cli import trivsel


def _rules_copy(tmp_path: Path) -> Path:
    """A copy of the bundled rules with an empty tests/ folder, for one test file of the test's own."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    (rules / "tests").mkdir()
    return rules


def test_bundled_rule_tests_pass_with_full_rule_coverage() -> None:
    proc = trivsel("test", "--coverage", "--min-coverage", "100", "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, [c for c in data["cases"] if not c["passed"]]
    assert data["failed"] == 0 and data["passed"] >= 100 and data["problems"] == []
    assert data["coverage"]["rule_percent"] == 100.0
    assert data["coverage"]["interventions_never_recommended"] == []


def test_a_failing_case_is_reported_with_the_answer(tmp_path) -> None:
    rules = _rules_copy(tmp_path)
    (rules / "tests" / "wrong.yaml").write_text(
        "tests:\n  - name: bullying is not first\n    profile: {scores: {bullying: 12}}\n"
        "    expect:\n      top_is: prioritisation\n      fires: [bullying-any, low-influense]\n", encoding="utf-8")
    proc = trivsel("test", str(rules))
    assert proc.returncode == 1
    assert "wrong.yaml:6:" in proc.stdout and "did you mean 'low-influence'" in proc.stdout
    (rules / "tests" / "wrong.yaml").write_text(
        "tests:\n  - name: bullying is not first\n    profile: {scores: {bullying: 12}}\n"
        "    expect:\n      top_is: prioritisation\n", encoding="utf-8")
    proc = trivsel("test", str(rules), "--coverage", "--min-coverage", "50")
    assert proc.returncode == 1
    assert "✗ bullying is not first" in proc.stdout
    assert "top_is: expected prioritisation at rank 1, got " in proc.stdout
    assert "answer: must act: negative-acts-policy |" in proc.stdout
    assert "minimum 50 % NOT met" in proc.stdout


def test_run_selects_cases_by_name() -> None:
    proc = trivsel("test", "--run", "bullying", "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["passed"] >= 3
    assert all("bullying" in c["name"].lower() for c in data["cases"])
    none = trivsel("test", "--run", "no case is called this")
    assert none.returncode == 1 and "no test case matches" in none.stderr


def test_a_failing_relation_is_reported(tmp_path) -> None:
    rules = _rules_copy(tmp_path)
    # Raising influence (a resource) makes influence-over-planning less needed: the relation must fail.
    (rules / "tests" / "relation.yaml").write_text(
        "tests:\n  - name: more influence does not lower influence-over-planning\n"
        "    profile: {scores: {influence: 20, quantitative_demands: 80}}\n"
        "    relation: {raise: influence, by: 30, does_not_lower: influence-over-planning}\n", encoding="utf-8")
    proc = trivsel("test", str(rules))
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 1
    assert "relation: raising influence 20 → 50 lowered influence-over-planning from" in out


def test_a_relation_without_its_step_is_a_located_problem_not_a_crash(tmp_path) -> None:
    rules = _rules_copy(tmp_path)
    (rules / "tests" / "relation.yaml").write_text(
        "tests:\n  - name: no step\n    profile: {scores: {work_pace: 60}}\n"
        "    relation: {raise: work_pace, does_not_lower: prioritisation}\n", encoding="utf-8")
    proc = trivsel("test", str(rules))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "relation.yaml:4:15: error: relation is missing the required key 'by'" in proc.stdout


def test_a_relation_that_cannot_fail_is_refused(tmp_path) -> None:
    """#18: "does not lower" holds for any engine when the intervention scores 0 before the change,
    and when the change is cut to nothing at the end of the scale; such a case fails and says why.
    Prioritisation scores 0 at workload 50 (medium); bullying 0 cannot be lowered."""
    rules = _rules_copy(tmp_path)
    (rules / "tests" / "relation.yaml").write_text(
        "tests:\n  - name: from nothing\n    profile: {scores: {quantitative_demands: 50}}\n"
        "    relation: {raise: quantitative_demands, by: 40, does_not_lower: prioritisation}\n"
        "  - name: at the end of the scale\n    profile: {respondents: 40, scores: {bullying: 0, influence: 20}}\n"
        "    relation: {lower: bullying, by: 5, does_not_lower: influence-over-planning}\n"
        "  - name: a real relation\n    profile: {scores: {quantitative_demands: 74, influence: 28}}\n"
        "    relation: {raise: quantitative_demands, by: 15, does_not_lower: prioritisation}\n", encoding="utf-8")
    data = json.loads(trivsel("test", str(rules), "--json").stdout)
    failures = {c["name"]: " ".join(c["failures"]) for c in data["cases"]}
    assert "prioritisation scores 0 before the change, so 'does not lower' cannot fail" in failures["from nothing"]
    assert "lowering bullying changes nothing (0 is the minimum of its scale)" in failures["at the end of the scale"]
    assert failures["a real relation"] == ""
