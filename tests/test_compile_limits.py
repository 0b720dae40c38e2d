"""A rule a consultant can write is a rule the engine runs; what cannot run, lint says where and why.

The conditions in :data:`engine.synthetic.WIDE_SHAPES` once passed lint and then took every worker
down (durable_rules error 113). Each is written into a real rules folder here and must pass
``trivsel lint``, run under ``trivsel test`` with a case that expects it to fire, and agree with
the plain-Python evaluation on random profiles (in a child process, so a crash fails the test).
Rule sets past the compiler's limits are refused by lint at file:line:column.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from trivsel.engine import build as build_module
from trivsel.engine import build_recommender, check_ruleset, durable_compile, loader
from trivsel.engine.synthetic import TOO_WIDE, WIDE_SHAPES, wide_rule_yaml

from .conftest import ROOT
from .test_cli import trivsel

WORST = {  # every dimension at its worst: each shape fires
    "influence": 5, "meaning": 5, "predictability": 5, "recognition": 5, "role_clarity": 5, "leadership_quality": 5,
    "support_supervisor": 5, "support_colleagues": 5, "sense_of_community": 5, "vertical_trust": 5,
    "horizontal_trust": 5, "role_conflicts": 95, "quantitative_demands": 95, "work_pace": 95,
}


def _problems(folder: Path) -> list[dict]:
    proc = trivsel("lint", str(folder), "--json")
    return json.loads(proc.stdout)["problems"]


@pytest.mark.parametrize("shape", sorted(WIDE_SHAPES))
def test_wide_conditions_pass_lint_run_in_rule_tests_and_match_like_python(
        shape: str, rules_copy: Callable[..., Path], tmp_path: Path) -> None:
    folder = rules_copy({"themes/zz-wide.yaml": wide_rule_yaml(f"wide-{shape}", WIDE_SHAPES[shape])})
    lint = trivsel("lint", str(folder))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "0 error(s)" in lint.stdout

    tests = tmp_path / "cases"
    tests.mkdir()
    (tests / "wide.yaml").write_text(
        "tests:\n"
        f"  - name: the {shape} rule fires at the worst values\n"
        f"    profile: {{scores: {json.dumps(WORST)}}}\n"
        f"    expect: {{fires: [wide-{shape}]}}\n"
        f"  - name: the {shape} rule stays silent at good values\n"
        f"    profile: {{scores: {json.dumps({k: (5 if v > 50 else 95) for k, v in WORST.items()})}}}\n"
        f"    expect: {{does_not_fire: [wide-{shape}]}}\n", encoding="utf-8")
    run = trivsel("test", str(folder), "--tests", str(tests))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed, 0 failed" in run.stdout

    proc = subprocess.run([sys.executable, "-m", "tests.crosscheck", "--rules", str(folder), "--profiles", "3000",
                           "--seed", "21"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["mismatches"] == 0, report["examples"]


def test_generated_wide_rule_sets_agree_with_python() -> None:
    """Random rules of every wide shape, over several shards each, on profiles full of threshold values."""
    proc = subprocess.run([sys.executable, "-m", "tests.crosscheck", "--rules", str(ROOT / "rules"), "--generate",
                           "40", "--style", "wide", "--profiles", "3000", "--seed", "31"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["shards"] > 20  # the shapes really are spread over many shards
    assert report["mismatches"] == 0, report["examples"]
    assert report["mean_fired"] > 5


def test_a_condition_past_the_limit_is_refused_at_its_line_with_what_to_do(rules_copy: Callable[..., Path]) -> None:
    folder = rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("too-wide", TOO_WIDE)})
    problems = [p for p in _problems(folder) if p["severity"] == "error"]
    assert [(p["code"], Path(p["file"]).name, p["line"]) for p in problems] == [("too-complex", "zz-wide.yaml", 4)]
    assert problems[0]["column"] > 1  # inside the condition, not the start of the line
    assert "4,096" in problems[0]["message"]
    assert "Split it into several rules" in problems[0]["message"]
    recommender, found = build_recommender(folder)  # the server's step refuses it the same way
    assert recommender is None and [p.code for p in found if p.is_error] == ["too-complex"]


def test_a_wide_condition_gets_a_warning_about_its_cost(rules_copy: Callable[..., Path]) -> None:
    folder = rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("wide", WIDE_SHAPES["4096-alternatives"])})
    warnings = [p for p in _problems(folder) if p["code"] == "wide-condition"]
    assert len(warnings) == 1 and "4,096 alternatives" in warnings[0]["message"]
    six_pairs = rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("wide", WIDE_SHAPES["six-pairs"])})
    assert not [p for p in _problems(six_pairs) if p["code"] == "wide-condition"]


def test_the_rule_set_as_a_whole_is_capped(rules_copy: Callable[..., Path]) -> None:
    wide = WIDE_SHAPES["4096-alternatives"]
    text = "".join(wide_rule_yaml(f"wide-{n}", wide).split("\n", 1)[1] for n in range(3))
    folder = rules_copy({"themes/zz-wide.yaml": "rules:\n" + text})
    errors = [p for p in _problems(folder) if p["severity"] == "error"]
    assert [p["code"] for p in errors] == ["too-complex"]
    assert "6,000" in errors[0]["message"] and errors[0]["line"] == 4 + 1 * 7  # the second rule's condition


def test_too_many_rules_are_refused(rules_copy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_RULES", 50)
    ruleset, problems = check_ruleset(rules_copy())
    assert ruleset is None
    assert [p.code for p in problems if p.is_error] == ["too-many-rules"]


def test_a_huge_sparse_file_is_refused_without_being_read(rules_copy: Callable[..., Path]) -> None:
    folder = rules_copy()
    with open(folder / "themes" / "huge.yaml", "wb") as handle:
        handle.truncate(512 * 1024 * 1024)  # sparse: no disk used, but reading it would take 512 MiB
    # the peak resident memory of this process since its exec (VmHWM; getrusage's ru_maxrss would
    # also count the pytest process it was forked from)
    script = ("import json, sys\nfrom trivsel.engine import check_ruleset\n"
              "ruleset, problems = check_ruleset(sys.argv[1])\n"
              "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
              "print(json.dumps({'codes': [p.code for p in problems if p.is_error], 'peak_mib': int(hwm) / 1024}))")
    proc = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["codes"] == ["file-too-large"]
    assert report["peak_mib"] < 200, report


def test_the_folder_as_a_whole_is_capped(rules_copy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    folder = rules_copy()
    total = sum(p.stat().st_size for p in loader.rule_files(folder))
    monkeypatch.setattr(loader, "MAX_FOLDER_BYTES", total - 1)
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None
    assert "folder-too-large" in [p.code for p in problems if p.is_error]


def test_a_rule_the_engine_refuses_is_named_at_its_position(rules_copy: Callable[..., Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: were the compiler's node limit wrong, the C engine's refusal (error 113)
    comes back as a located problem on the one rule that caused it, not as a crash."""
    folder = rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("fourteen-ands", WIDE_SHAPES["or-of-14-ands"])})
    monkeypatch.setattr(durable_compile, "MAX_LOGIC_NODES", 100)  # let the rule through uncompiled
    recommender, problems = build_recommender(folder)
    assert recommender is None
    errors = [p for p in problems if p.is_error]
    assert [p.code for p in errors] == [build_module.ENGINE_REFUSED]
    assert "'fourteen-ands'" in errors[0].message and "113" in errors[0].message
    assert errors[0].position.file.endswith("zz-wide.yaml") and errors[0].position.line == 2


def test_a_folder_of_many_rules_stops_being_read_at_the_cap(rules_copy: Callable[..., Path]) -> None:
    """The rule cap is counted while reading: files after the one that passes it are never parsed
    (a 32 MiB folder of rules once took the server to 2.7 GB before it refused it)."""
    from trivsel.engine import load_ruleset as load
    from trivsel.engine.synthetic import generate_rules_yaml

    text = generate_rules_yaml(1_500, load(ROOT / "rules"), 7, "plain")
    folder = rules_copy({"themes/gen-a.yaml": text, "themes/gen-b.yaml": text.replace("generated-", "second-"),
                         "themes/gen-c.yaml": text.replace("generated-", "third-")})
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None
    too_many = [p for p in problems if p.code == "too-many-rules"]
    assert len(too_many) == 1 and too_many[0].position.file.endswith("gen-b.yaml")  # gen-c was never read
    assert not any(p.position.file.endswith("gen-c.yaml") for p in problems)
