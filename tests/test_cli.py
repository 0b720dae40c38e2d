"""The ``trivsel`` command as a user runs it: a separate process, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import EXAMPLES, ROOT


def trivsel(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trivsel.client.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=60)


def test_recommend_prints_a_readable_ranking() -> None:
    proc = trivsel("recommend", str(EXAMPLES / "production-high-workload.yaml"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Produktion, linje 3" in out and "nfa-default" in out
    assert out.index("[prioritisation]") < out.index("[influence-over-planning]")
    assert "✓ Influence 28 < 33 (low)" in out


def test_recommend_fits_an_80_column_terminal_in_danish() -> None:
    """Danish titles are long ("Ledere klædes på til at gribe ind over for krænkende handlinger"):
    the summary table wraps its title column instead of running past the terminal's edge."""
    import os
    env = {**os.environ, "COLUMNS": "80", "LINES": "24"}
    for name in ("bullying-reports.yaml", "high-absence.yaml"):
        proc = subprocess.run([sys.executable, "-m", "trivsel.client.cli", "recommend", "--lang", "da", "--top", "8",
                               str(EXAMPLES / name)], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 0, proc.stderr
        too_wide = [line for line in proc.stdout.splitlines() if len(line) > 80]
        assert not too_wide, too_wide
        assert "Indsats" in proc.stdout


def test_recommend_json_and_top() -> None:
    proc = trivsel("recommend", str(EXAMPLES / "high-absence.yaml"), "--json", "--top", "3",
                   "--lang", "da")  # more than three candidates
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["recommendations"]) == 3 and data["language"] == "da"


def test_stdin_profile() -> None:
    text = (EXAMPLES / "bullying-reports.yaml").read_text(encoding="utf-8")
    proc = trivsel("recommend", "-", "--json", stdin=text)
    assert proc.returncode == 0
    assert "negative-acts-policy" in [m["intervention_id"] for m in json.loads(proc.stdout)["must_act"]]


def test_bad_profile_exits_2_naming_fields() -> None:
    proc = trivsel("recommend", "-", stdin="department: {id: x}\nrespondents: 10\nscores: {influense: 30, "
                                           "meaning: 150}\n")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "scores.influense: unknown dimension (did you mean 'influence'?)" in proc.stderr
    assert "scores.meaning" in proc.stderr


def test_small_group_exits_2() -> None:
    proc = trivsel("recommend", "-", "--json", stdin="department: {id: x}\nrespondents: 3\nscores: {}\n")
    assert proc.returncode == 2 and "minimum group size" in proc.stderr
    assert json.loads(proc.stdout)["details"][0]["field"] == "respondents"


def test_unreadable_and_invalid_files_exit_2(tmp_path) -> None:
    assert trivsel("recommend", str(tmp_path / "nope.yaml")).returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("scores: [1, 2\n", encoding="utf-8")
    proc = trivsel("recommend", str(bad))
    assert proc.returncode == 2 and "bad.yaml:" in proc.stderr


def test_broken_rules_exit_2_with_locations(tmp_path, rules_copy) -> None:
    folder = rules_copy(files={"themes/x.yaml": "rules:\n  - id: x\n    when: influence <\n"})
    proc = trivsel("recommend", str(EXAMPLES / "production-high-workload.yaml"), "--rules", str(folder))
    assert proc.returncode == 2
    assert "x.yaml:3:" in proc.stderr


def test_describe_lists_catalogues(ruleset) -> None:
    proc = trivsel("describe")
    assert proc.returncode == 0 and "influence" in proc.stdout and "return-to-work" in proc.stdout
    data = json.loads(trivsel("describe", "--json").stdout)
    assert len(data["dimensions"]) == len(ruleset.dimensions) and data["ruleset"]["id"] == "nfa-default"
    legal = {r["id"]: r["legal"] for r in data["rules"]}
    assert len(legal) == data["rule_count"] and legal["bullying-widespread"] == ["bullying"]
    danish = trivsel("describe", "--lang", "da").stdout
    assert "Regler og retsgrundlag" in danish and "bullying-widespread (2027-06-30): bullying" in danish


def test_lint_exit_codes(rules_copy) -> None:
    assert trivsel("lint").returncode == 0
    folder = rules_copy(files={"themes/x.yaml": "rules:\n  - id: x\n    when: influence <\n"})
    proc = trivsel("lint", str(folder), "--json")
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    assert any(p["file"].endswith("x.yaml") and p["line"] == 3 for p in problems)


def test_legal_links_are_stated_once_per_item() -> None:
    """A must-act item states its hazard's legal basis at the top, so its reasons do not repeat it; a
    ranked item's reasons name the risk area of the executive order they relate to."""
    out = trivsel("recommend", "--top", "3", str(EXAMPLES / "production-high-workload.yaml")).stdout
    must_act = " ".join(out[out.index("!1. "):out.index("\n1. ")].split())
    ranked = " ".join(out[out.index("\n1. "):].split())
    assert "Legal basis: Danish executive order" in must_act and "Relates to the risk factor" not in must_act
    assert "Relates to the risk factor in the executive order on the psychosocial work environment" in ranked


def test_dates_that_have_passed_are_said_to_have_passed() -> None:
    """A healthy department measured 2025-04-22 is due again 2026-04-22: asked later, the answer
    says the date has passed; asked on its own date (--date), it does not."""
    late = trivsel("recommend", str(EXAMPLES / "healthy-department.yaml"), "--lang", "da", "--date", "2026-05-01")
    assert "Næste måling: 2026-04-22 – datoen er passeret: mål igen snarest" in late.stdout
    early = trivsel("recommend", str(EXAMPLES / "healthy-department.yaml"), "--lang", "da", "--date", "2025-05-01")
    assert "Næste måling: 2026-04-22\n" in early.stdout
    report = trivsel("report", str(EXAMPLES / "healthy-department.yaml"), "--format", "md", "--date", "2026-05-01")
    assert "2026-04-22 – the date has passed: measure again soon" in report.stdout
