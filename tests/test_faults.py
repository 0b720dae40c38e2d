"""Faults: a durable_rules error mid-evaluation, files that vanish or are half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from trivsel.engine import check_ruleset

from .conftest import ROOT, RULES

PROBE = """
import json, sys
from trivsel.engine import Recommender, Department, Profile, MatchError
from types import MappingProxyType
rec = Recommender.from_folder(sys.argv[1])
p = Profile(Department("x"), 20, MappingProxyType({"quantitative_demands": 80, "influence": 20}))
out = []
for i in range(6):
    try:
        answer = rec.recommend(p)
        out.append(list(answer.must_act_ids + answer.ids))
    except MatchError as exc:
        out.append("error: " + str(exc)[:60])
print(json.dumps({"answers": out, "rebuilds": rec._matcher.rebuilds}))
"""


def test_a_matching_error_fails_one_call_and_the_shard_is_rebuilt() -> None:
    env = {**os.environ, "TRIVSEL_FAILPOINTS": "durable-match:3"}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(RULES)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    answers = data["answers"]
    assert answers[2].startswith("error: matching engine failed in shard 0")
    good = [a for i, a in enumerate(answers) if i != 2]
    assert all(a == good[0] for a in good) and "prioritisation" in good[0]  # before and after: the same answer
    assert data["rebuilds"] == 1


def test_a_vanished_file_is_a_problem_not_a_crash(rules_copy, monkeypatch) -> None:
    folder = rules_copy()
    victim = folder / "themes" / "demands.yaml"
    real = type(victim).open

    def flaky(self, *args, **kwargs):
        if self.name == "demands.yaml":
            raise FileNotFoundError(2, "No such file or directory")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(victim), "open", flaky)
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None
    assert any(p.code == "file-unreadable" and p.position.file.endswith("demands.yaml") for p in problems)


def test_a_half_written_file_is_refused(rules_copy) -> None:
    folder = rules_copy()
    text = (folder / "themes" / "demands.yaml").read_text(encoding="utf-8")
    (folder / "themes" / "demands.yaml").write_text(text[: len(text) // 2], encoding="utf-8")
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None and any(p.is_error for p in problems)

