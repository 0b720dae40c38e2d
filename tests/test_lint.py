"""``trivsel lint``: one broken file per kind of problem, each found at its exact line and column."""

from __future__ import annotations

import json

import pytest

from trivsel.engine import check_ruleset

from .test_cli import trivsel

RULE = """\
rules:
  - id: {id}
    title: {{da: Titel, en: Title}}
    when: {when}
    because: {{da: Tekst, en: Text}}
    recommend: [{{intervention: {intervention}, weight: {weight}}}]
    evidence: {{sources: [seed]{review}}}
"""


def rule(id: str = "lint-case", when: str = "influence < 30", intervention: str = "prioritisation",
         weight: str = "2", review: str = "") -> str:
    return RULE.format(id=id, when=when, intervention=intervention, weight=weight, review=review)


NEW_INTERVENTION = """\
interventions:
  - id: lonely-intervention
    title: {da: Ensom, en: Lonely}
    description: {da: Ingen anbefaler den., en: No rule recommends it.}
    prevention: primary
    iglo: [G]
    effort: low
    time_to_effect: weeks
    plan:
      goal: {da: Mål, en: Goal}
      owner: {da: Leder, en: Manager}
      evaluation: {da: Evaluering, en: Evaluation}
      follow_up_weeks: 6
    evidence: [seed]
"""

CASES = [
    # name, file text, code, severity, line, column, suggestion
    ("yaml syntax", "rules:\n  - id: x\n    when: [influence\n", "yaml-syntax", "error", 4, 1, None),
    ("unknown key", rule().replace("    because:", "    becuase:"), "unknown-key", "error", 5, 5, "because"),
    ("wrong type", rule(weight='"heavy"'), "wrong-type", "error", 6, 56, None),
    ("missing field", rule().replace("    title: {da: Titel, en: Title}\n", ""), "missing-field", "error", 2, 5, None),
    ("missing English", rule().replace("{da: Tekst, en: Text}", "{da: Tekst}"), "missing-translation", "error", 5,
     14, None),
    ("unknown dimension", rule(when="influense < 30"), "unknown-dimension", "error", 4, 11, "influence"),
    ("unknown band", rule(when="influence is lw"), "unknown-band", "error", 4, 24, "low"),
    ("unknown intervention", rule(intervention="prioritization"), "unknown-intervention", "error", 6, 32,
     "prioritisation"),
    ("expression syntax", rule(when="influence < low"), "expression-syntax", "error", 4, 23, None),
    ("threshold outside range", rule(when="influence < 130"), "threshold-out-of-range", "warning", 4, 23, None),
    ("never true", rule(when="work_pace > 80 and work_pace < 20"), "never-true", "warning", 4, 11, None),
    ("always true", rule(when="influence >= 0"), "always-true", "warning", 4, 11, None),
    ("recommends nothing", rule().replace("[{intervention: prioritisation, weight: 2}]", "[]"), "empty-list",
     "error", 6, 16, None),
    ("weight out of range", rule(weight="7"), "out-of-range", "error", 6, 56, None),
    ("review overdue", rule(review=", review_by: 2021-03-01"), "review-overdue", "warning", 7, 44, None),
    ("unknown source", rule().replace("sources: [seed]", "sources: [sead]"), "unknown-source", "error", 7, 26,
     "seed"),
    ("alias", "rules:\n  - &a {id: x}\n  - *a\n", "yaml-alias", "error", 3, 5, None),
]


@pytest.mark.parametrize("name, text, code, severity, line, column, suggestion", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_located(rules_copy, name, text, code, severity, line, column, suggestion) -> None:
    folder = rules_copy(files={"themes/zz-lint.yaml": text})
    _, problems = check_ruleset(folder)
    found = [p for p in problems if p.code == code and p.position.file.endswith("zz-lint.yaml")]
    assert found, [str(p) for p in problems]
    problem = found[0]
    assert (problem.severity, problem.position.line, problem.position.column) == (severity, line, column), str(problem)
    assert problem.suggestion == suggestion


def test_duplicate_id_across_files(rules_copy) -> None:
    folder = rules_copy(files={"themes/a-one.yaml": rule(id="twice"), "themes/b-two.yaml": rule(id="twice")})
    _, problems = check_ruleset(folder)
    dup = next(p for p in problems if p.code == "duplicate-id")
    assert dup.position.file.endswith("b-two.yaml") and (dup.position.line, dup.position.column) == (2, 9)
    assert "a-one.yaml:2:9" in dup.message


def test_intervention_no_rule_recommends(rules_copy) -> None:
    folder = rules_copy(files={"catalogue/zz-more.yaml": NEW_INTERVENTION})
    _, problems = check_ruleset(folder)
    unused = next(p for p in problems if p.code == "unused-intervention")
    assert unused.position.file.endswith("zz-more.yaml") and (unused.position.line, unused.position.column) == (2, 9)


def test_lint_command_prints_every_problem_and_exits_1(rules_copy) -> None:
    text = rule(when="influense < 30", weight="9").replace("    because:", "    becuase:")
    folder = rules_copy(files={"themes/zz-lint.yaml": text})
    proc = trivsel("lint", str(folder))
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if "zz-lint.yaml" in line]
    assert any(line.endswith("zz-lint.yaml:4:11: error: unknown dimension 'influense' (did you mean 'influence'?)")
               for line in lines)
    assert any(":5:5: error: unknown key 'becuase'" in line for line in lines)
    assert any(":6:56: error: weight is 9; it must be > 0 and <= 5" in line for line in lines)
    data = json.loads(trivsel("lint", str(folder), "--json").stdout)
    assert data["ok"] is False and {p["code"] for p in data["problems"]} >= {"unknown-dimension", "unknown-key"}


def test_warnings_alone_exit_0(rules_copy) -> None:
    folder = rules_copy(files={"themes/zz-lint.yaml": rule(when="influence >= 0")})
    proc = trivsel("lint", str(folder))
    assert proc.returncode == 0 and "warning: condition is true for every value of influence" in proc.stdout
