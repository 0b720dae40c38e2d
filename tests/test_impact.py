"""diff-rules: the impact of a rule change on a folder of profiles."""

from __future__ import annotations

import json
import re

from .conftest import EXAMPLES, RULES
from .test_cli import trivsel

EXTRA = """
rules:
  - id: extra-dialogue
    title: {da: "Ekstra dialog", en: "Extra dialogue"}
    when: influence < 40
    because: {da: "Indflydelsen er {influence}.", en: "Influence is {influence}."}
    recommend: [{intervention: task-dialogue, weight: 5}]
    evidence: {sources: [seed]}
"""


def test_unchanged_rules_change_nothing() -> None:
    proc = trivsel("diff-rules", str(RULES), str(RULES), "--profiles", str(EXAMPLES), "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["counts"]["changed"] == 0 and data["counts"]["profiles"] == 8


def test_a_new_rule_shows_where_it_enters(rules_copy) -> None:
    new = rules_copy(files={"themes/extra.yaml": EXTRA})
    proc = trivsel("diff-rules", str(RULES), str(new), "--profiles", str(EXAMPLES))
    assert proc.returncode == 0
    assert re.search(r"\+ task-dialogue: entered \(→ \d\) \[rules started: extra-dialogue\]", proc.stdout)
    out = " ".join(proc.stdout.split())
    assert "healthy-department.yaml (lon-adm): list unchanged" in out
    data = json.loads(trivsel("diff-rules", str(RULES), str(new), "--profiles", str(EXAMPLES), "--json").stdout)
    assert data["counts"]["entered"] == data["counts"]["left"] >= 1
    assert data["rules_started"]["extra-dialogue"] >= 1
    changed = {p["name"] for p in data["profiles"] if any(d["movement"] != "same" for d in p["differences"])}
    assert "production-high-workload.yaml" in changed and "healthy-department.yaml" not in changed
