"""The documents' worked examples, run: README's console example and docs/RANKING.md's examples.

A reader takes these numbers and orders as what Trivsel does. Each test reads the figures from the
document itself where the document states them (a score, an interval's bound, an order), so a
change to the engine that moves one fails here, and so does a document left behind by a change.
The oracles are the documented rules (a Wilson interval written out here, the intensity formula of
RANKING.md §4), not the engine's own helpers.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trivsel.client.profiles import read_profile
from trivsel.engine import Department, Options, Profile, Recommender
from trivsel.engine.result import Result

from .conftest import EXAMPLES, ROOT

RANKING = (ROOT / "docs" / "RANKING.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
Z = 1.959964  # the 95 % two-sided normal quantile (RANKING.md §3: "the 95 % Wilson interval")


def wilson(share_pct: float, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share (in %) of ``n`` respondents, in %."""
    p, z2 = share_pct / 100, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return 100 * (centre - half), 100 * (centre + half)


def _recommend(recommender: Recommender, scores: dict[str, float], respondents: int = 24,
               sector: str = "private", top: int | None = None) -> Result:
    profile = Profile(Department("doc", "Doc", sector), respondents, scores)
    return recommender.recommend(profile, Options(language="en", top=top))


def _reason(result: Result, rule_id: str):
    return next(r for item in (*result.must_act, *result.recommendations) for r in item.because
                if r.rule_id == rule_id)


# --------------------------------------------------------------------------------- README's example

def _console_block(heading: str) -> list[str]:
    """The lines of the first ``console`` block after ``heading`` in README.md."""
    after = README[README.index(heading):]
    body = after[after.index("```console\n") + len("```console\n"):]
    return body[:body.index("```")].rstrip("\n").splitlines()


def test_the_readmes_recommendation_is_what_the_command_prints() -> None:
    """README "A recommendation": the command in its first line prints every line shown, in that
    order ("…" stands for lines left out, a line ending in "…" for the rest of that line)."""
    block = _console_block("## A recommendation")
    command = block[0]
    assert command.startswith("$ .venv/bin/trivsel recommend "), command
    args = command.removeprefix("$ .venv/bin/trivsel ").split()
    env = {k: v for k, v in os.environ.items() if k != "TRIVSEL_SERVER"} | {"COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-m", "trivsel.client.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.splitlines()
    at = 0
    for line in block[1:]:
        if line.strip() == "…":
            continue
        prefix = line[:-1].rstrip() if line.endswith("…") else None
        for index in range(at, len(printed)):
            if printed[index] == line or (prefix is not None and printed[index].startswith(prefix)):
                at = index + 1
                break
        else:
            pytest.fail(f"README shows a line the command does not print (after line {at}):\n{line}\n\n"
                        f"printed:\n{proc.stdout}")


# --------------------------------------------------------------------------------- RANKING.md §3

def _table(heading: str) -> dict[str, str]:
    """RANKING.md's two-column table under ``heading``: first cell → second cell."""
    after = RANKING[RANKING.index(heading):]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", after[:after.index("\n\n", after.index("| profile"))], re.M)
    return {a: b for a, b in rows if a != "profile"}  # the header is no example


GRADING = _table("**Worked examples.**")


def test_every_grading_example_of_the_document_is_checked() -> None:
    """The checks below are keyed by the table's rows: a row added or reworded must be checked."""
    assert set(GRADING) == set(CHECKS), set(GRADING) ^ set(CHECKS)


def _influence_31(rec: Recommender) -> None:
    result = _recommend(rec, {"influence": 31})
    assert "low-influence" not in result.fired_rules
    assert "borderline" in {w.code for w in result.warnings}


def _influence_28(rec: Recommender) -> None:
    assert "low-influence" in _recommend(rec, {"influence": 28}).fired_rules


def _absence_3_9(rec: Recommender) -> None:
    result = _recommend(rec, {"sickness_absence_pct": 3.9}, sector="private")  # the private sector's 3.8 %
    assert "sickness-absence-elevated" not in result.fired_rules


def _stress_17_8_of_30(rec: Recommender) -> None:
    low, _ = wilson(17.8, 30)
    stated = float(re.search(r"reaches down to ([\d.]+) %", GRADING["17.8 % of 30 stressed against 17.7 %"])[1])
    assert round(low, 1) == stated and low < 17.7
    assert "stress-above-national" not in _recommend(rec, {"stress_prevalence": 17.8}, 30).fired_rules


def _bullying_1_of_6(rec: Recommender) -> None:
    low, high = wilson(16.7, 6)
    stated = re.search(r"interval is ([\d.]+)–([\d.]+) %", GRADING["1 of 6 reports bullying (16.7 %)"])
    assert (round(low, 1), round(high)) == (float(stated[1]), float(stated[2]))
    result = _recommend(rec, {"bullying": 16.7}, 6)
    assert "negative-acts-policy" in {m.intervention_id for m in result.must_act}
    assert "bullying-widespread" not in result.fired_rules
    assert "reported by at least one respondent" in _reason(result, "bullying-any").text
    assert "16.7" not in str(result.to_dict())


def _violence_3_of_24(rec: Recommender) -> None:
    low, _ = wilson(12.5, 24)
    assert round(low, 1) == float(re.search(r"lower bound ([\d.]+) %", GRADING["violence 3 of 24 (12.5 %)"])[1])
    result = _recommend(rec, {"violence": 12.5}, 24)
    assert "violence-any" in result.fired_rules and "violence-widespread" not in result.fired_rules


def _bullying_25_of_100(rec: Recommender) -> None:
    low, _ = wilson(25, 100)
    assert round(low, 1) == float(re.search(r"lower bound ([\d.]+) %", GRADING["bullying 25 of 100"])[1])
    assert "bullying-widespread" in _recommend(rec, {"bullying": 25}, 100).fired_rules


def _strain_half(rec: Recommender) -> None:
    """workload 80 (clear) with influence 31 (borderline): "high strain" counts at degree ½.
    RANKING.md §4: e = weight × (1 + intensity) × degree, intensity of an ``and`` the mean of its
    parts, each part (limit − value) / limit towards the harmful end (RANKING.md's (33 − 28)/33)."""
    rule = next(r for r in rec.ruleset.rules if r.id == "high-strain-workload")
    high = rec.ruleset.dimensions["quantitative_demands"].band("high")
    workload_part = (80 - high.low) / (100 - high.low)
    influence_part = (33 - 31) / 33
    result = _recommend(rec, {"quantitative_demands": 80, "influence": 31})
    # where it is an intervention's strongest finding, its points are its evidence, undiminished
    leading = [(item.intervention_id, item.because[0]) for item in (*result.must_act, *result.recommendations)
               if item.because and item.because[0].rule_id == rule.id]
    assert leading
    for intervention, reason in leading:
        weight = next(r.weight for r in rule.recommend if r.intervention == intervention)
        assert reason.points == pytest.approx(weight * (1 + (workload_part + influence_part) / 2) * 0.5, abs=1e-6)


CHECKS = {
    "influence 31 (low band: below 33)": _influence_31,
    "influence 28": _influence_28,
    "sickness absence 3.9 % against the 3.8 % reference": _absence_3_9,
    "17.8 % of 30 stressed against 17.7 %": _stress_17_8_of_30,
    "1 of 6 reports bullying (16.7 %)": _bullying_1_of_6,
    "violence 3 of 24 (12.5 %)": _violence_3_of_24,
    "bullying 25 of 100": _bullying_25_of_100,
    "workload 80 (clear) and influence 31 (borderline)": _strain_half,
}


@pytest.mark.parametrize("row", sorted(CHECKS))
def test_grading_example(recommender: Recommender, row: str) -> None:
    CHECKS[row](recommender)


# --------------------------------------------------------------------------------- RANKING.md §4–§7

def test_intensity_example_of_section_4(recommender: Recommender) -> None:
    """§4: "for `influence < 33`, (33 − value) / 33" — influence 28 fires low influence with
    intensity 5/33, so its evidence for each intervention is weight × (1 + 5/33)."""
    assert "for `influence < 33`,\n  (33 − value) / 33" in RANKING
    rule = next(r for r in recommender.ruleset.rules if r.id == "low-influence")
    result = _recommend(recommender, {"influence": 28})
    leading = [(item.intervention_id, item.because[0]) for item in result.recommendations
               if item.because and item.because[0].rule_id == "low-influence"]  # its strongest finding: undiminished
    assert leading, "low influence leads no intervention: nothing was checked"
    for intervention, reason in leading:
        weight = next(r.weight for r in rule.recommend if r.intervention == intervention)
        assert reason.points == pytest.approx(weight * (1 + 5 / 33), abs=1e-6)


def _scenario(name_start: str, tmp_path: Path) -> Profile:
    cases = yaml.safe_load((ROOT / "rules" / "tests" / "consultant-scenarios.yaml").read_text(encoding="utf-8"))
    case = next(c for c in cases["tests"] if c["name"].startswith(name_start))
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(case["profile"]), encoding="utf-8")
    return read_profile(str(path))


def test_it_unit_example_of_section_5(recommender: Recommender, tmp_path: Path) -> None:
    """§5's IT unit: the must-act item, the first four places and their scores as the text gives them."""
    text = RANKING[RANKING.index("**Worked example** — an IT unit"):]
    text = " ".join(text[:text.index("\n\n")].split())
    stated = re.findall(r"(\d)\. ([a-z ]+?)(²?) \((\d+\.\d+)", text)
    assert len(stated) == 4, stated
    names = {"change communication": "change-communication", "psychological safety": "psychological-safety",
             "trust and justice": "trust-and-justice", "task dialogue": "task-dialogue"}
    result = recommender.recommend(_scenario("IT unit after a reorganisation", tmp_path), Options(language="en"))
    assert [m.intervention_id for m in result.must_act] == ["role-clarity"]
    for (rank, name, mark, score), got in zip(stated, result.recommendations):
        assert (got.rank, got.intervention_id) == (int(rank), names[name.strip()])
        assert round(got.score, 2) == float(score), (name, got.score)
        assert got.second_answer == (mark == "²")


def test_care_unit_example_of_section_2(recommender: Recommender) -> None:
    """§2: must act violence prevention, sexual-harassment prevention, handling emotional demands —
    whatever ``top`` the caller asks for; the ranked list holds two more, both second answers."""
    assert "must act 1. violence prevention\n(violence, threats), 2. sexual-harassment prevention, 3. handling " \
           "emotional demands" in RANKING
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    must = ["violence-prevention", "sexual-harassment-prevention", "emotional-demands-support"]
    for top in (None, 1, 3, 12):
        result = recommender.recommend(profile, Options(top=top))
        assert [m.intervention_id for m in result.must_act] == must, top
        assert not set(must) & set(result.ids)
    assert "the ranked list below it holds two more actions, both marked as\nsupplementing the must-act part" in RANKING
    listed = recommender.recommend(profile, Options()).recommendations
    assert len(listed) == 2 and all(r.second_answer for r in listed)


def test_low_competence_example_of_section_6(recommender: Recommender) -> None:
    """§6: competence 24 puts the process first, then psychological safety, manager training and a
    stress procedure — the last a secondary measure, behind a primary one with a lower score (§5
    rule 2), with the scores the text gives."""
    text = RANKING[RANKING.index("**Worked example** — `examples/low-competence.yaml`"):]
    stated = [float(x) for x in re.findall(r"\((\d+\.\d+)", text[:text.index("\n\n")])]
    result = recommender.recommend(read_profile(str(EXAMPLES / "low-competence.yaml")), Options())
    assert list(result.ids) == ["build-environment-competence", "psychological-safety", "leadership-development",
                                "stress-response-procedure"]
    assert [round(r.score, 2) for r in result.recommendations[1:]] == stated
    assert stated[2] > stated[1], "the example shows a higher-scored secondary measure below a primary one"


def test_healthy_department_example_of_section_7(recommender: Recommender) -> None:
    """§7: no must-act item, no recommendation; four demands in balance, fourteen resources clearly
    good and no negative act reported; the next measurement a year after; justice 71 not listed."""
    profile = read_profile(str(EXAMPLES / "healthy-department.yaml"))
    result = recommender.recommend(profile, Options())
    assert not result.must_act and not result.recommendations
    dims = recommender.ruleset.dimensions
    groups = [dims[s.dimension].group for s in result.strengths if s.dimension in dims]
    assert "eight demands in balance or low, fifteen resources clearly good" in RANKING
    assert groups.count("demand") == 8 and groups.count("resource") == 15
    assert "no-negative-acts" in {s.dimension for s in result.strengths}
    assert "organisational_justice" not in {s.dimension for s in result.strengths}
    assert profile.measured_on is not None
    assert result.next_measurement == profile.measured_on.replace(year=profile.measured_on.year + 1).isoformat()
