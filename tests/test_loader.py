"""Loading rule folders: the bundled set is complete and clean; broken files give located problems."""

from __future__ import annotations

import pytest

from trivsel.engine import RuleSetError, check_ruleset, load_ruleset
from trivsel.engine.model import PREVENTION_ORDER

VOCABULARY = {
    # The contract's ids, kept exactly, plus the COPSOQ III scales added in issue #13 (the last four
    # demands and core_task).
    "demand": ["quantitative_demands", "work_pace", "emotional_demands", "role_conflicts", "hiding_emotions",
               "illegitimate_tasks", "work_life_conflict", "job_insecurity"],
    "resource": ["influence", "meaning", "predictability", "recognition", "role_clarity", "leadership_quality",
                 "support_supervisor", "support_colleagues", "sense_of_community", "vertical_trust",
                 "horizontal_trust", "organisational_justice", "commitment", "psychological_safety",
                 "work_environment_competence", "core_task"],
    "negative_act": ["bullying", "sexual_harassment", "violence", "threats", "conflicts"],
    "signal": ["stress_prevalence", "sickness_absence_pct", "turnover_pct", "job_satisfaction", "burnout"],
}
FIXED_INTERVENTIONS = ["prioritisation", "influence-over-planning", "colleague-support", "available-leadership",
                       "cross-team-coordination", "psychological-safety", "build-environment-competence",
                       "negative-acts-policy", "violence-prevention", "recognition-practice", "role-clarity",
                       "change-communication", "individual-coping-support", "return-to-work"]


def test_bundled_rules_load_without_any_problem(ruleset) -> None:
    import datetime as dt

    # As of a fixed day, so that the rules' review dates passing later turns into lint warnings, not test failures.
    _, problems = check_ruleset(ruleset.folder, today=dt.date(2026, 11, 28))
    assert [str(p) for p in problems] == []


def test_catalogue_holds_the_public_vocabulary(ruleset) -> None:
    for group, ids in VOCABULARY.items():
        for ident in ids:
            assert ruleset.dimensions[ident].group == group
    assert len(ruleset.dimensions) == sum(len(v) for v in VOCABULARY.values())
    assert ruleset.dimensions["stress_prevalence"].reference.value == 17.7
    assert ruleset.dimensions["quantitative_demands"].adverse == "both"


def test_intervention_catalogue_is_complete(ruleset) -> None:
    assert len(ruleset.interventions) >= 25
    for ident in FIXED_INTERVENTIONS:
        assert ident in ruleset.interventions
    assert ruleset.interventions["individual-coping-support"].prevention == "secondary"
    assert ruleset.interventions["return-to-work"].prevention == "tertiary"
    assert {i.prevention for i in ruleset.interventions.values()} == set(PREVENTION_ORDER)


def test_rule_set_size_and_coverage(ruleset) -> None:
    assert len(ruleset.rules) >= 40
    assert len({r.theme for r in ruleset.rules}) >= 6
    recommended = {rec.intervention for r in ruleset.rules for rec in r.recommend}
    assert recommended == set(ruleset.interventions)
    assert set(ruleset.used_dimensions) == set(ruleset.dimensions)


def test_fingerprint_follows_content(rules_copy) -> None:
    a = load_ruleset(rules_copy())
    b = load_ruleset(rules_copy(files={"themes/extra.yaml": """
        rules:
          - id: extra-rule
            title: {da: Ekstra, en: Extra}
            when: influence < 10
            because: {da: "Meget lav indflydelse ({influence}).", en: "Very low influence ({influence})."}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed]}
        """}))
    assert a.info.fingerprint != b.info.fingerprint
    assert len(b.rules) == len(a.rules) + 1


def problems_of(folder):
    _, problems = check_ruleset(folder)
    return problems


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, f"no {code} among {[str(p) for p in problems]}"
    return found[0]


BROKEN_RULE = """
rules:
  - id: broken-one
    titel: {da: Brudt, en: Broken}
    when: influense < 33 and work_pace is hihg
    because: {da: "Tekst {influence}", en: "Text"}
    recommend:
      - {intervention: prioritisaton, weight: 7}
    evidence: {sources: [seed, nowhere]}
"""


def test_broken_rule_reports_every_problem_with_position(rules_copy) -> None:
    problems = problems_of(rules_copy(files={"themes/broken.yaml": BROKEN_RULE}))
    file = "broken.yaml"
    key = only(problems, "unknown-key")
    assert key.position.file.endswith(file) and (key.position.line, key.position.column) == (3, 5)
    assert key.suggestion == "title"
    dim = only(problems, "unknown-dimension")
    assert (dim.position.line, dim.position.column) == (4, 11) and dim.suggestion == "influence"
    band = only(problems, "unknown-band")
    assert (band.position.line, band.position.column) == (4, 43) and band.suggestion == "high"
    intervention = only(problems, "unknown-intervention")
    assert (intervention.position.line, intervention.suggestion) == (7, "prioritisation")
    weight = only(problems, "out-of-range")
    assert (weight.position.line, weight.position.column) == (7, 47)
    source = only(problems, "unknown-source")
    assert source.position.line == 8
    assert only(problems, "missing-field").message.endswith("'title'")
    with pytest.raises(RuleSetError) as info:
        load_ruleset(rules_copy(files={"themes/broken.yaml": BROKEN_RULE}))
    assert len(info.value.errors) >= 6
    assert f"{file}:4:11: error: unknown dimension 'influense' (did you mean 'influence'?)" in str(info.value)


def test_expression_syntax_error_points_into_the_file(rules_copy) -> None:
    folder = rules_copy(files={"themes/syntax.yaml": """
        rules:
          - id: syntax
            title: {da: A, en: A}
            when: "influence < low"
            because: {da: A, en: A}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed]}
        """})
    problem = only(problems_of(folder), "expression-syntax")
    # "when: " is 4+6 columns in, the quote is one more, 'low' is at offset 12 of the condition.
    assert (problem.position.line, problem.position.column) == (4, 24)
    assert "expected a number after '<'" in problem.message


def test_block_scalar_condition_positions(rules_copy) -> None:
    folder = rules_copy(files={"themes/block.yaml": """
        rules:
          - id: block
            title: {da: A, en: A}
            when: |
              influence < 33 and
              meaning is lowest
            because: {da: A, en: A}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed]}
        """})
    problem = only(problems_of(folder), "unknown-band")
    assert (problem.position.line, problem.position.column) == (6, 18)


def test_duplicate_ids_across_files(rules_copy) -> None:
    folder = rules_copy(files={"themes/zz-duplicate.yaml": """
        rules:
          - id: high-strain-workload
            title: {da: A, en: A}
            when: influence < 20
            because: {da: A, en: A}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed]}
        """})
    problem = only(problems_of(folder), "duplicate-id")
    assert problem.position.file.endswith("zz-duplicate.yaml")
    assert "first defined at" in problem.message and "demands.yaml" in problem.message


def test_missing_translation_and_wrong_types(rules_copy) -> None:
    folder = rules_copy(files={"themes/texts.yaml": """
        rules:
          - id: texts
            title: {da: Kun dansk}
            when: influence < 20
            because: "just one language"
            recommend: [{intervention: prioritisation, weight: high}]
            evidence: {sources: [seed], review_by: soon}
        """})
    problems = problems_of(folder)
    assert only(problems, "missing-translation").position.line == 3
    wrong = [p for p in problems if p.code == "wrong-type"]
    assert {p.position.line for p in wrong} == {5, 6, 7}


def test_yaml_syntax_error_has_position(rules_copy) -> None:
    folder = rules_copy(files={"themes/bad-yaml.yaml": "rules:\n  - id: x\n    when: [unclosed\n"})
    problem = only(problems_of(folder), "yaml-syntax")
    assert problem.position.line >= 3


def test_anchors_and_aliases_are_refused(rules_copy) -> None:
    folder = rules_copy(files={"themes/alias.yaml": """
        rules:
          - &one
            id: alias-a
            title: {da: A, en: A}
            when: influence < 20
            because: {da: A, en: A}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed]}
          - *one
        """})
    assert only(problems_of(folder), "yaml-alias").position.line == 9


def test_unknown_top_level_key_suggests_the_kind(rules_copy) -> None:
    folder = rules_copy(files={"themes/kind.yaml": "rule:\n  - id: x\n"})
    problem = only(problems_of(folder), "file-kind")
    assert problem.suggestion == "rules"


def test_warnings_do_not_stop_a_load(rules_copy) -> None:
    folder = rules_copy(files={"themes/warn.yaml": """
        rules:
          - id: better-is-worse
            title: {da: A, en: A}
            when: influence > 60
            because: {da: A, en: A}
            recommend: [{intervention: prioritisation, weight: 1}]
            evidence: {sources: [seed], review_by: 2020-01-01}
        """})
    ruleset = load_ruleset(folder)
    codes = {p.code for p in ruleset.warnings}
    assert {"non-monotone", "review-overdue"} <= codes


def test_missing_ruleset_header(rules_copy, tmp_path) -> None:
    folder = rules_copy()
    (folder / "ruleset.yaml").unlink()
    assert only(problems_of(folder), "no-ruleset")


def test_hidden_folders_and_tests_are_not_rules(rules_copy) -> None:
    folder = rules_copy()
    (folder / "..data").mkdir()
    (folder / "..data" / "ruleset.yaml").write_text((folder / "ruleset.yaml").read_text("utf-8"), "utf-8")
    (folder / "tests").mkdir()
    (folder / "tests" / "case.yaml").write_text("cases: []\n", "utf-8")
    _, problems = check_ruleset(folder)
    assert [p for p in problems if p.is_error] == []


def test_loading_again_and_again_keeps_no_memory() -> None:
    """Found by the soak: a shared YAML constructor kept every loaded node alive (2 MiB a reload)."""
    import gc
    import tracemalloc

    from .conftest import RULES

    tracemalloc.start()
    try:
        for _ in range(3):
            load_ruleset(RULES)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            load_ruleset(RULES)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 1_000_000, after - before


def test_a_rule_names_its_legal_basis_by_hazard_with_a_suggestion_when_misspelt(rules_copy) -> None:
    """``legal:`` names hazards of the executive order; a typo is located and a hazard suggested, and a
    must-act rule rests on its own hazard without saying so twice."""
    folder = rules_copy(files={"themes/legal.yaml": """
        rules:
          - id: pace-legal
            title: {da: A, en: A}
            when: work_pace is high
            legal: [workloda]
            because: {da: "Tempo {work_pace}.", en: "Pace {work_pace}."}
            recommend:
              - {intervention: prioritisation, weight: 2}
            evidence: {sources: [bek-1406]}
    """})
    _, problems = check_ruleset(folder)
    bad = only(problems, "unknown-hazard")
    assert bad.position.file.endswith("legal.yaml") and (bad.position.line, bad.position.column) == (5, 13)
    assert bad.suggestion == "workload"
    good = load_ruleset(rules_copy(files={"themes/legal.yaml": """
        rules:
          - id: pace-legal
            title: {da: A, en: A}
            when: work_pace is high
            legal: [workload, unclear-demands, workload]
            because: {da: "Tempo {work_pace}.", en: "Pace {work_pace}."}
            recommend:
              - {intervention: prioritisation, weight: 2}
            evidence: {sources: [bek-1406]}
    """}))
    rules = {r.id: r for r in good.rules}
    assert rules["pace-legal"].legal == ("workload", "unclear-demands")
    assert rules["bullying-any"].legal == ("bullying",) and rules["low-influence"].legal == ()


def test_every_risk_area_of_the_executive_order_has_rules_resting_on_it(ruleset) -> None:
    """The five risk areas (workload and time pressure; unclear and conflicting demands; emotional
    demands; offensive acts incl. bullying and sexual harassment; work-related violence incl. threats):
    each hazard is the legal basis of at least one rule, and each of those rules looks at a dimension
    that measures that area."""
    measures = {"workload": {"quantitative_demands", "work_pace"},
                "unclear-demands": {"role_clarity", "role_conflicts"},
                "emotional-demands": {"emotional_demands", "hiding_emotions"}, "bullying": {"bullying"},
                "sexual-harassment": {"sexual_harassment"}, "violence": {"violence"}, "threats": {"threats"}}
    assert set(ruleset.hazards) == set(measures)
    for hazard, dims in measures.items():
        resting = [r for r in ruleset.rules if hazard in r.legal]
        assert resting, hazard
        for rule in resting:
            assert dims & set(rule.dimensions), (hazard, rule.id)


def test_every_bundled_rule_and_intervention_has_sources_and_a_review_date(ruleset) -> None:
    for rule in ruleset.rules:
        assert rule.evidence.sources and rule.evidence.review_by, rule.id
    for item in ruleset.interventions.values():
        assert item.evidence and item.review_by, item.id


def test_an_intervention_past_its_review_date_is_a_located_warning(rules_copy, ruleset) -> None:
    import datetime as dt

    _, problems = check_ruleset(rules_copy(), today=dt.date(2028, 1, 2))
    overdue = [p for p in problems if p.code == "review-overdue" and p.position.file.endswith("interventions.yaml")]
    assert len(overdue) == len(ruleset.interventions) and all(p.severity == "warning" for p in overdue)
    assert "2027-12-31" in overdue[0].message and overdue[0].position.line > 0


def test_a_date_that_is_no_date_is_a_located_problem(rules_copy) -> None:
    """2027-13-31 looks like a YAML timestamp; PyYAML's constructor raises on it — it must come out
    as the field's own located problem, not a traceback."""
    folder = rules_copy()
    path = folder / "themes" / "demands.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("review_by: 2027-12-31", "review_by: 2027-13-31", 1), encoding="utf-8")
    _, problems = check_ruleset(folder)
    bad = [p for p in problems if p.is_error]
    assert len(bad) == 1 and bad[0].position.file.endswith("demands.yaml")
    assert "must be a date like" in bad[0].message and bad[0].position.line > 1
