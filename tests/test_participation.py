"""Every action plan names the employees' part, a learning criterion, the AMO/MED co-owner where the
action is labelled A, a follow-up date, and the APV duties it serves (issue #13, "Participation")."""

from __future__ import annotations

import datetime as _dt

from trivsel.api.convert import description_from_proto, description_to_proto
from trivsel.client.profiles import read_profile
from trivsel.client.report import render_profile_report
from trivsel.engine import check_ruleset
from trivsel.engine.description import describe
from trivsel.engine.recommender import Options

from .conftest import EXAMPLES
from .test_cli import trivsel


def test_every_plan_carries_the_rule_sets_texts_and_a_co_owner_only_for_a(recommender, ruleset) -> None:
    planning = ruleset.planning
    assert planning is not None and planning.source in ruleset.sources
    assert "dialogmøde" in planning.employees.da and "før indsatserne vælges" in planning.employees.da
    assert "§ 15 a" in planning.apv.da and "hvert tredje år" in planning.apv.da and "sygefravær" in planning.apv.da
    result = recommender.recommend(read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml")),
                                   Options(language="da"))
    items = (*result.must_act, *result.recommendations)
    assert len(items) >= 4
    for item in items:
        assert item.plan.employees == planning.employees.da and item.plan.learning == planning.learning.da
        labelled_a = "A" in item.iglo
        assert (item.plan.co_owner == planning.co_owner.da) is labelled_a, item.intervention_id
        if labelled_a:  # the co-owner is named once, not also inside the owner
            assert "arbejdsmiljøorganisation" not in item.plan.owner.lower()
    assert {i.intervention_id for i in items if i.plan.co_owner} >= {"violence-prevention",
                                                                     "sexual-harassment-prevention"}


def test_every_intervention_with_a_names_the_organisation_nowhere_else(ruleset) -> None:
    """The owner names who leads; the AMO/MED comes from IGLO+A, so a plan never names it twice and
    never forgets it where the label says it co-owns the action."""
    for item in ruleset.interventions.values():
        if "A" in item.iglo:
            assert "arbejdsmiljøorganisation" not in item.plan.owner.da.lower(), item.id
            assert "work-environment organisation" not in item.plan.owner.en.lower(), item.id


def test_the_report_states_participation_and_the_apv_once(recommender, ruleset) -> None:
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    description = describe(ruleset)
    for fmt in ("md", "html"):
        page = render_profile_report(profile, recommender.recommend(profile, Options(language="da")), description,
                                     None, fmt=fmt)
        assert page.count("arbejdsmiljølovens § 15 a") == 1
        assert page.count("før indsatserne vælges") == 1
        assert "medansvarlig: arbejdsmiljøorganisationen (i kommuner og regioner MED-udvalget)" in page
    # the texts reach a remote report: Describe carries them
    remote = description_from_proto(description_to_proto(description, "test", 10))
    assert remote.planning == ruleset.planning


def test_the_cli_plan_gives_a_date_and_the_participation_once(tmp_path) -> None:
    text = (EXAMPLES / "care-unit-emotional-demands.yaml").read_text(encoding="utf-8")
    today = _dt.date.today()
    recent, old = today - _dt.timedelta(days=7), today - _dt.timedelta(weeks=30)
    (tmp_path / "recent.yaml").write_text(text.replace("2025-03-15", recent.isoformat()), encoding="utf-8")
    (tmp_path / "old.yaml").write_text(text.replace("2025-03-15", old.isoformat()), encoding="utf-8")
    out = " ".join(trivsel("recommend", str(tmp_path / "recent.yaml"), "--lang", "da").stdout.split())
    assert f"Følg op senest {(recent + _dt.timedelta(weeks=8)).isoformat()} (8 uger efter målingen)" in out
    # a plan made long after the survey: the follow-up counts from today, and says so
    late = " ".join(trivsel("recommend", str(tmp_path / "old.yaml"), "--lang", "da").stdout.split())
    assert (f"Følg op senest {(today + _dt.timedelta(weeks=8)).isoformat()} (8 uger fra i dag; fristen regnet fra "
            "målingen er overskredet)") in late
    assert out.count("For alle handleplaner:") == 1 and out.count("dialogmøde") == 1
    assert "Medansvarlig: arbejdsmiljøorganisationen (i kommuner og regioner MED-udvalget)" in out
    assert "Medarbejdernes del: Medarbejderne inddrages fra starten" in out


def test_a_bad_planning_block_is_located(rules_copy) -> None:
    folder = rules_copy()
    path = folder / "ruleset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("source: aml-15a", "source: aml-15"), encoding="utf-8")
    ruleset, problems = check_ruleset(folder)
    assert ruleset is None
    problem = next(p for p in problems if p.code == "unknown-source")
    assert problem.position.file.endswith("ruleset.yaml") and problem.suggestion == "aml-15a"
