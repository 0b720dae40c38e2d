"""Hostile input is refused with a clear message, in bounded time and memory."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from types import MappingProxyType

import pytest

from trivsel.engine import Department, Profile, ProfileError, check_ruleset
from trivsel.engine.expr import ExpressionError, parse
from trivsel.engine.profile import MAX_SCORES

from .conftest import ROOT

BILLION_LAUGHS = "rules:\n" + "\n".join(
    [f"  - &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" if i else "  - &l0 [lol, lol, lol]" for i in range(9)])


def problems_for(rules_copy, name: str, text: str) -> list:
    _, problems = check_ruleset(rules_copy(files={name: text}))
    return [p for p in problems if p.position.file.endswith(name.split("/")[-1])]


def test_alias_bomb(rules_copy) -> None:
    found = problems_for(rules_copy, "themes/bomb.yaml", BILLION_LAUGHS)
    assert found and all(p.code == "yaml-alias" for p in found)


def test_deep_nesting(rules_copy) -> None:
    found = problems_for(rules_copy, "themes/deep.yaml", "rules: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert found and found[0].code in ("yaml-too-deep", "yaml-syntax")


def test_huge_rule_file_is_refused_before_parsing(tmp_path) -> None:
    script = textwrap.dedent("""
        import shutil, sys, resource
        from pathlib import Path
        from trivsel.engine import check_ruleset
        folder = Path(sys.argv[1]) / "rules"
        shutil.copytree("rules", folder)
        (folder / "themes" / "huge.yaml").write_text("rules:\\n" + ("# padding " * 100 + "\\n") * 50_000)
        _, problems = check_ruleset(folder)
        print([p.code for p in problems if "huge" in p.position.file])
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    codes, rss_mb = proc.stdout.splitlines()
    assert codes == "['file-too-large']"
    assert int(rss_mb) < 600  # a 50 MB file is read once, not parsed into a tree


def test_ten_thousand_character_id(rules_copy) -> None:
    text = "rules:\n  - id: " + "a" * 10_000 + "\n    title: {da: A, en: A}\n"
    found = problems_for(rules_copy, "themes/long.yaml", text)
    assert any(p.code == "too-long" and p.position.line == 2 for p in found)


def test_unicode_look_alikes(rules_copy, recommender) -> None:
    lookalike = "influ\u0435nce"  # Cyrillic 'е'
    text = f"rules:\n  - id: x\n    title: {{da: A, en: A}}\n    when: {lookalike} < 30\n"
    found = problems_for(rules_copy, "themes/look.yaml", text)
    syntax = next(p for p in found if p.code == "expression-syntax")
    assert (syntax.position.line, syntax.position.column) == (4, 16) and "unexpected character" in syntax.message
    rule_id = problems_for(rules_copy, "themes/id.yaml", "rules:\n  - id: pri\u043eritisation\n")
    assert any(p.code == "bad-id" for p in rule_id)
    with pytest.raises(ProfileError) as info:
        recommender.evaluate(Profile(Department("x"), 20, MappingProxyType({lookalike: 20})))
    assert info.value.errors[0].suggestion == "influence"


def test_expression_nested_10000_deep() -> None:
    with pytest.raises(ExpressionError):
        parse("(" * 10_000 + "influence < 3" + ")" * 10_000)
    with pytest.raises(ExpressionError):
        parse("not " * 10_000 + "influence < 3")


def test_profile_with_100000_keys(recommender) -> None:
    scores = {f"dimension_{i}": float(i) for i in range(100_000)}
    with pytest.raises(ProfileError) as info:
        recommender.evaluate(Profile(Department("x"), 20, MappingProxyType(scores)))
    assert info.value.errors[0].code == "too-many" and str(MAX_SCORES) in info.value.errors[0].message


def test_many_bad_keys_get_a_bounded_answer(recommender) -> None:
    scores = {f"junk_{i}": math.nan for i in range(900)}
    with pytest.raises(ProfileError) as info:
        recommender.evaluate(Profile(Department("x"), 20, MappingProxyType(scores)))
    assert len(info.value.errors) == 50
