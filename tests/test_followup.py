"""Follow-up: two measurements of one department."""

from __future__ import annotations

import json

from .conftest import EXAMPLES
from .test_cli import trivsel

BEFORE = EXAMPLES / "production-high-workload.yaml"
AFTER = EXAMPLES / "followup" / "production-high-workload-2025-11.yaml"


def test_followup_reports_bands_rules_and_interventions() -> None:
    data = json.loads(trivsel("followup", str(BEFORE), str(AFTER), "--json").stdout)
    changes = {c["dimension"]: c for c in data["band_changes"]}
    assert changes["influence"]["direction"] == "better" and changes["influence"]["after_band"] == "medium"
    assert changes["work_pace"]["before_band"] == "high" and changes["work_pace"]["after_band"] == "medium"
    assert "quantitative_demands" not in changes  # 78 → 69 stays high, but only just
    # 69 lies in the high band by less than the meaningful difference: borderline, so the rule on
    # workload alone no longer fires, while the combination with pace (81 → 64) is gone too
    assert "high-strain-workload" in data["resolved"] and "high-workload" in data["resolved"]
    assert {"influence-over-planning", "prioritisation"} <= set(data["no_longer_triggered"])
    assert data["still_recommended"] == []


def test_followup_text_and_worsening(tmp_path) -> None:
    proc = trivsel("followup", str(BEFORE), str(AFTER), "--lang", "da")
    assert proc.returncode == 0 and "↑ Indflydelse 28 (lav) → 41 (middel): bedre" in proc.stdout
    worse = tmp_path / "worse.yaml"
    worse.write_text("department: {id: prod-3}\nrespondents: 24\nmeasured_on: 2025-11-03\n"
                     "scores: {quantitative_demands: 78, work_pace: 81, influence: 28, support_colleagues: 20, "
                     "bullying: 4}\n", encoding="utf-8")
    data = json.loads(trivsel("followup", str(BEFORE), str(worse), "--json").stdout)
    changes = {c["dimension"]: c["direction"] for c in data["band_changes"]}
    assert changes == {"support_colleagues": "worse", "bullying": "measured"}
    assert "bullying-any" in data["new"] and "negative-acts-policy" in data["newly_recommended"]
