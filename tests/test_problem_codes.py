"""The problem-code registry (engine/problems.py PROBLEM_CODES) is complete, has no stale entry,
and docs/RULES.md lists exactly its codes — so a tool that filters on a code can rely on the list."""

from __future__ import annotations

import ast
import re

from trivsel.engine.problems import PROBLEM_CODES

from .conftest import ROOT


def _codes_in_source() -> dict[str, str]:
    """Every literal code passed to Problem(…) or a reader's error/warning(…), with where."""
    found: dict[str, str] = {}
    for folder in ("engine", "api", "service", "client"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name != "Problem" and not (name in ("error", "warning") and isinstance(node.func, ast.Attribute)):
                    continue
                code = node.args[2] if len(node.args) >= 3 else next(
                    (k.value for k in node.keywords if k.arg == "code"), None)
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.setdefault(code.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_code_in_the_source_is_registered_and_every_registered_code_is_used() -> None:
    used = _codes_in_source()
    assert len(used) > 40  # the scan sees the loader's codes at all
    assert {code: where for code, where in used.items() if code not in PROBLEM_CODES} == {}
    assert sorted(set(PROBLEM_CODES) - set(used)) == []


def test_the_rules_guide_lists_exactly_the_registry() -> None:
    text = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")
    section = text[text.index("**Problem codes.**"):]
    table = section[section.index("| code | meaning |"):].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([a-z-]+)` \| ", table, re.M)
    assert sorted(listed) == sorted(PROBLEM_CODES)
