"""Shared fixtures: the bundled rule set, a recommender on it, and scratch rule folders."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trivsel.engine import Recommender, RuleSet, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset(RULES)


@pytest.fixture(scope="session")
def recommender(ruleset: RuleSet) -> Iterator[Recommender]:
    rec = Recommender(ruleset)
    yield rec
    rec.close()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the bundled rules in which files can be replaced or added: ``make(files={...})``."""

    def make(files: dict[str, str] | None = None, drop_themes: bool = False) -> Path:
        target = tmp_path / "rules"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
        if drop_themes:
            shutil.rmtree(target / "themes")
        for name, text in (files or {}).items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    return make


def one_rule_each(conditions: list[str], prefix: str = "b") -> str:
    """A rule file with one rule per condition, ids ``{prefix}0``, ``{prefix}1`` …, each
    recommending task dialogue: for tests that ask which conditions durable_rules matches."""
    return "rules:" + "".join(f"""
  - id: {prefix}{i}
    title: {{da: "{prefix}{i}", en: "{prefix}{i}"}}
    when: "{when}"
    because: {{da: "{prefix}{i}", en: "{prefix}{i}"}}
    recommend: [{{intervention: task-dialogue, weight: 1}}]
    evidence: {{sources: [seed]}}
""" for i, when in enumerate(conditions))
