"""docs/SECURITY.md's limits on rule folders, each tried at its value and one past it.

A limit tested only far beyond it (10,000 levels, 6,561 alternatives) passes whether the limit is
32 or 3,200; these tests pin the documented numbers: what the document allows loads, one more is
refused with its problem code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from trivsel.engine import check_ruleset, load_ruleset, loader
from trivsel.engine.synthetic import WIDE_SHAPES, generate_rules_yaml, wide_rule_yaml
from trivsel.engine.yaml_source import parse_yaml

from .conftest import ROOT

SECURITY = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")


def _codes(folder: Path) -> list[str]:
    return [p.code for p in check_ruleset(folder)[1] if p.is_error]


def test_yaml_nesting_of_32_levels_loads_and_33_is_refused() -> None:
    """SECURITY.md: "nesting deeper than 32 levels is refused" — 32 levels below the top of the
    document load, 33 do not."""
    assert "nesting deeper than 32 levels is refused" in SECURITY

    def nested(levels: int) -> str:  # the top mapping, then ``levels`` lists nested inside it
        return "rules: " + "[" * levels + "]" * levels + "\n"

    _, problems = parse_yaml(nested(32), "ok.yaml")
    assert not [p for p in problems if p.code == "yaml-too-deep"]
    _, problems = parse_yaml(nested(33), "deep.yaml")
    assert [p.code for p in problems] == ["yaml-too-deep"]
    assert "32 levels" in problems[0].message


def test_500_rule_files_load_and_501_are_refused(rules_copy: Callable[..., Path]) -> None:
    """SECURITY.md: "more than 500 files" are refused."""
    assert "more than 500 files" in SECURITY
    folder = rules_copy()
    present = len(loader.rule_files(folder))
    for n in range(500 - present):
        (folder / "themes" / f"zz-empty-{n:03}.yaml").write_text("rules: []\n", encoding="utf-8")
    assert len(loader.rule_files(folder)) == 500
    assert _codes(folder) == []
    (folder / "themes" / "zz-empty-one-more.yaml").write_text("rules: []\n", encoding="utf-8")
    assert _codes(folder) == ["too-many-files"]


def test_4096_alternatives_compile_and_4097_are_refused(rules_copy: Callable[..., Path]) -> None:
    """The matcher runs at most 4,096 DNF terms per rule (engine/durable_compile.py, SECURITY.md's
    "Rule files" row): four 'or's of eight multiply out to exactly 4,096 and pass; one more
    alternative beside them is refused with ``too-complex``."""
    exactly = WIDE_SHAPES["4096-alternatives"]
    assert exactly.count(" or ") == 4 * 7 and exactly.count(" and ") == 3  # 8 × 8 × 8 × 8
    assert _codes(rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("wide", exactly)})) == []
    one_more = f"({exactly}) or work_pace > 95"
    assert _codes(rules_copy({"themes/zz-wide.yaml": wide_rule_yaml("wide", one_more)})) == ["too-complex"]


def test_2000_rules_load_and_2001_are_refused(rules_copy: Callable[..., Path]) -> None:
    """SECURITY.md: "more than 2,000 rules" are refused (counted while reading)."""
    assert "more than 2,000 rules" in SECURITY
    bundled = load_ruleset(ROOT / "rules")
    room = 2000 - len(bundled.rules)
    folder = rules_copy({"themes/zz-generated.yaml": generate_rules_yaml(room, bundled, 3, "plain")})
    ruleset, problems = check_ruleset(folder)
    assert ruleset is not None and len(ruleset.rules) == 2000, [p.message for p in problems if p.is_error]
    folder = rules_copy({"themes/zz-generated.yaml": generate_rules_yaml(room + 1, bundled, 3, "plain")})
    assert _codes(folder) == ["too-many-rules"]
