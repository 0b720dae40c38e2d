"""Every example in docs/RULES.md works: rule files load, test files pass, conditions parse, the
missing-value table matches the engine, and the commands run."""

from __future__ import annotations

import datetime as dt
import re
import shlex

import pytest

from trivsel.engine import Recommender, check_ruleset
from trivsel.engine.conditions import predicate, resolve
from trivsel.engine.expr import parse
from trivsel.engine.rule_tests import load_cases, run_cases

from .conftest import ROOT
from .test_cli import trivsel

GUIDE = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")
ENGLISH, _, DANISH = GUIDE.partition('<a id="dansk"></a>')
SECTIONS = {"en": ENGLISH, "da": DANISH}
BLOCK = re.compile(r"^```(\w[\w ]*)\n(.*?)^```", re.M | re.S)


def blocks(text: str, kind: str) -> list[str]:
    return [body for info, body in BLOCK.findall(text) if info.strip() == kind]


@pytest.mark.parametrize("lang", ["en", "da"])
def test_rule_and_test_examples(lang: str, rules_copy, tmp_path) -> None:
    section = SECTIONS[lang]
    rule_blocks, test_blocks = blocks(section, "yaml rules"), blocks(section, "yaml tests")
    assert rule_blocks and test_blocks, f"the {lang} guide lost its examples"
    files = {f"themes/guide-{i}.yaml": text for i, text in enumerate(rule_blocks)}
    files.update({f"tests/guide-{i}.yaml": text for i, text in enumerate(test_blocks)})
    folder = rules_copy(files=files)
    ruleset, problems = check_ruleset(folder, today=dt.date(2026, 11, 28))  # review dates stay in the future
    assert ruleset is not None and [str(p) for p in problems] == []
    cases, case_problems = load_cases(folder / "tests", ruleset)
    assert case_problems == []
    guide_cases = [c for c in cases if "guide-" in c.file]
    with Recommender(ruleset) as rec:
        results = run_cases(rec, guide_cases)
    assert results and all(r.passed for r in results), [r.failures for r in results if not r.passed]


@pytest.mark.parametrize("lang", ["en", "da"])
def test_condition_examples_parse(lang: str, ruleset) -> None:
    lines = [line.strip() for block in blocks(SECTIONS[lang], "conditions") for line in block.splitlines()
             if line.strip()]
    assert len(lines) >= 5
    for text in lines:
        _, issues = resolve(parse(text), ruleset.dimensions)
        assert not issues, (text, issues)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_missing_value_table_matches_the_engine(lang: str, ruleset) -> None:
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| (yes|no|ja|nej) \|$", SECTIONS[lang], re.M)
    assert len(rows) == 7
    for condition, fires in rows:
        cond, _ = resolve(parse(condition), ruleset.dimensions)
        assert predicate(cond)({"meaning": 10.0}) is (fires in ("yes", "ja")), condition


@pytest.mark.parametrize("lang", ["en", "da"])
def test_console_examples_run(lang: str) -> None:
    commands = [line[2:] for block in blocks(SECTIONS[lang], "console") for line in block.splitlines()
                if line.startswith("$ trivsel ")]
    assert commands
    for command in commands:
        proc = trivsel(*shlex.split(command)[1:])
        assert proc.returncode == 0, (command, proc.stderr)
        if " explain " in f" {command} ":
            assert "Smallest change that would make it fire:" in proc.stdout or \
                "Mindste ændring der ville udløse den:" in proc.stdout

