"""Sector references: a department's sickness absence is compared with its own sector's level.

The bundled catalogue (rules/catalogue/sectors.yaml) and the real matcher: durable_rules sees the
values moved by the sector's offset, everything shown reads the department's own values against
the sector's moved limits. These tests hold the two halves to each other and to the published
figures the catalogue cites.
"""

from __future__ import annotations

import random
from types import MappingProxyType

import pytest

from trivsel.client.report import render_profile_report
from trivsel.engine import Department, Options, Profile, Recommender, check_ruleset
from trivsel.engine.description import describe
from trivsel.engine.sectors import find_sector, sector_dimensions

from .oracles import holds

ABSENCE = "sickness_absence_pct"


def _profile(sector: str, absence: float, **scores: float) -> Profile:
    return Profile(Department("d", "Afdelingen", sector), 30, MappingProxyType({ABSENCE: absence, **scores}))


def _fired(recommender: Recommender, profile: Profile) -> set[str]:
    return set(recommender.recommend(profile).fired_rules)


def test_the_catalogue_cites_the_published_figures(ruleset) -> None:
    """Each sector's value is the figure its label names: the DA percentages as published, the day
    counts of the public statistics divided by 227 working days (rounded to a tenth)."""
    refs = {s.id: s.references[ABSENCE] for s in ruleset.sectors.values()}
    assert refs["private"].value == 3.8 and "2024" in refs["private"].label.en
    for sector, days in (("municipal", 16.1), ("regional", 12.0), ("state", 7.7), ("all-sectors", 11.0),
                         ("municipal-eldercare", 19.7), ("municipal-daycare", 16.9), ("regional-hospital", 13.33)):
        assert refs[sector].value == round(days / 227 * 100, 1), sector
        assert str(days).replace(".", ",") in refs[sector].label.da and "227" in refs[sector].label.da
    fallback = [s for s in ruleset.sectors.values() if s.fallback]
    assert [s.id for s in fallback] == ["all-sectors"]
    # the private sector is the catalogue's own reference, so it needs no view of its own
    assert ruleset.dimensions[ABSENCE].reference == refs["private"]


@pytest.mark.parametrize("sector, absence, elevated, high", [
    ("private", 5.2, True, False),       # 1.4 above 3.8: clearly elevated
    ("private", 8.4, True, True),        # 2.2 above is high; 8.4 is 4.6 above
    ("kommune", 8.4, True, False),       # 1.3 above the municipalities' 7.1: elevated, not high
    ("Municipal", 10.5, True, True),     # 3.4 above: high (ids and aliases in any case)
    ("hospital", 5.5, False, False),     # below hospital staff's 5.9
    ("ældrepleje", 8.0, False, False),   # below municipal care staff's 8.7
    ("", 6.2, True, False),              # no sector: all sectors, 4.8
])
def test_the_limits_move_with_the_sector(recommender, sector: str, absence: float, elevated: bool,
                                         high: bool) -> None:
    fired = _fired(recommender, _profile(sector, absence))
    assert ("sickness-absence-elevated" in fired) is elevated
    assert ("sickness-absence-high" in fired) is high


def test_the_matcher_and_the_shown_conditions_agree_in_every_sector(recommender, ruleset) -> None:
    """What durable_rules fires (on moved values) is exactly what the view's conditions say about
    the department's own values, at and around every moved limit."""
    rng = random.Random(13)
    rules = [r for r in ruleset.rules if ABSENCE in r.dimensions]
    checked = 0
    for sector in ruleset.sectors.values():
        view = recommender.view_for(sector.id)
        ref = sector.references[ABSENCE].value
        # values as the profile check leaves them: rounded to six decimals
        edges = [round(x, 6) for x in (ref, ref + 2.2, ref - 0.000001, ref + 0.000001, ref + 2.2 - 0.000001,
                                        ref + 2.2 + 0.000001, ref + 1.0, ref + 3.2)]
        for absence in edges + [round(rng.uniform(0, 20), rng.choice((1, 6))) for _ in range(40)]:
            values = {ABSENCE: absence, "burnout": rng.choice((40.0, 80.0)), "stress_prevalence": 30.0}
            fired = set(view.match(values))
            for rule in rules:
                shown = view.ruleset.rules[rule.index]
                assert (rule.index in fired) == holds(shown.condition, values), (sector.id, absence, rule.id)
            checked += 1
    assert checked > 400


def test_answers_show_the_sectors_figures_never_the_moved_values(recommender) -> None:
    result = recommender.recommend(_profile("kommune", 8.4), Options(language="da"))
    reasons = [r for rec in result.recommendations for r in rec.because if r.rule_id == "sickness-absence-elevated"]
    assert reasons
    text = reasons[0].text
    assert "8,4 %" in text and "kommunerne 2022 (7,1 %)" in text
    condition = reasons[0].conditions[0]
    assert condition.actual == 8.4 and condition.threshold == 7.1
    assert condition.text == "Sygefravær 8,4 > 7,1 (ikke normalt)"
    assert "5,1" not in text and "5.1" not in repr(reasons)  # 8.4 − 3.3, the value the matcher saw


def test_a_missing_or_unknown_sector_is_compared_with_all_sectors_and_says_so(recommender) -> None:
    none = recommender.recommend(_profile("", 6.2), Options(language="da"))
    assert [w.code for w in none.warnings if "sector" in w.code] == ["no-sector"]
    assert "alle sektorer 2022 (4,8 %)" in next(w.message for w in none.warnings if w.code == "no-sector")
    typo = recommender.recommend(_profile("hospitl", 6.2), Options(language="en"))
    message = next(w.message for w in typo.warnings if w.code == "unknown-sector")
    assert "'hospitl'" in message and "did you mean 'hospital'" in message and "4.8%" in message
    known = recommender.recommend(_profile("Kommune", 6.2))
    assert not [w for w in known.warnings if "sector" in w.code]
    # a profile without a sector-dependent value needs no sector, whatever it says
    other = recommender.recommend(Profile(Department("d", "", "hospitl"), 30, MappingProxyType({"influence": 20})))
    assert not [w for w in other.warnings if "sector" in w.code]


def test_levers_whatif_and_explanations_use_the_sectors_limits(recommender) -> None:
    from trivsel.engine.explain import explain_rule
    from trivsel.engine.levers import levers
    from trivsel.engine.whatif import Change
    profile = _profile("municipal", 10.5)
    report = levers(recommender, profile)
    absence = next(lever for lever in report.levers if lever.dimensions == (ABSENCE,))
    assert absence.targets == (9.2,) and absence.from_bands == ("high",) and absence.to_bands == ("elevated",)
    why = explain_rule(recommender, _profile("municipal", 7.5), "sickness-absence-high")
    # "high" starts at 7.1 + 2.2 = 9.3 and counts from one meaningful difference (1 point) past it
    assert not why.fired and why.changes[0].value == 10.3
    moved = recommender.whatif(profile, [Change(ABSENCE, 7.0)])
    assert "return-to-work" not in moved.changed.ids and "return-to-work" in moved.baseline.ids


def test_batches_answer_each_department_against_its_own_sector(recommender) -> None:
    profiles = [_profile(s, 8.4) for s in ("private", "kommune", "hospital", "")]
    outcomes = recommender.evaluate_many(profiles)
    answers = [recommender.render(e, Options()) for e in outcomes]  # type: ignore[arg-type]
    assert answers == [recommender.recommend(p) for p in profiles]
    # hospital staff's high band starts at 8.1: 8.4 is only borderline in it, so it does not count
    assert ["sickness-absence-high" in a.fired_rules for a in answers] == [True, False, False, True]


def test_reports_draw_the_sectors_bands(recommender, ruleset) -> None:
    description = describe(ruleset)
    dims = {d.id: d for d in sector_dimensions(description.dimensions, description.sectors, "kommune", [ABSENCE])}
    assert [b.high for b in dims[ABSENCE].bands] == [7.1, 9.3, None]
    profile = _profile("kommune", 8.4)
    page = render_profile_report(profile, recommender.recommend(profile, Options(language="da")), description, None,
                                 fmt="md")
    row = next(line for line in page.splitlines() if "| Sygefravær |" in line)
    assert "forhøjet" in row  # against 3.8 % it would read "højt"
    # the report names its yardstick in the header, and cites it
    assert "- **Sygefravær sammenlignes med:** 7,1 % (Kommuner) – kommunerne 2022 (KL)" in page
    kilder = page[page.index("## Kilder"):]
    assert ruleset.sources["kl-syg"].citation in kilder and ruleset.sources["aml-15a"].citation in kilder
    typo = render_profile_report(_profile("kommmune", 8.4), recommender.recommend(_profile("kommmune", 8.4)),
                                 description, None, fmt="md")
    assert "compared with:** 4.8% (All sectors) – all sectors 2022" in typo
    assert find_sector(description.sectors, "unknown").id == "all-sectors"


def test_describe_lists_the_vocabulary(ruleset) -> None:
    sectors = describe(ruleset).sectors
    assert {s.id for s in sectors} >= {"private", "municipal", "regional", "state", "all-sectors"}
    assert all(ABSENCE in s.references for s in sectors)


def _problems(rules_copy, text: str) -> list:
    folder = rules_copy(files={"catalogue/sectors.yaml": text})
    _, problems = check_ruleset(folder)
    return [p for p in problems if p.position.file.endswith("sectors.yaml") or p.code.startswith("sector")]


def test_a_bad_sector_file_is_refused_with_positions_and_suggestions(rules_copy) -> None:
    problems = _problems(rules_copy, """
        sectors:
          - id: all-sectors
            fallback: true
            name: {da: Alle, en: All}
            references:
              sickness_absense_pct: {value: 4.8, label: {da: a, en: a}, source: dst-syg}
          - id: municipal
            name: {da: Kommuner, en: Municipalities}
            aliases: [kommune, Kommune]
            references:
              influence: {value: 50, label: {da: a, en: a}, source: dst-syg}
              sickness_absence_pct: {value: 7.1, label: {da: a, en: a}, source: dst-sig}
        """)
    by_code = {p.code: p for p in problems}
    unknown = by_code["unknown-dimension"]
    assert (unknown.position.line, unknown.position.column) == (6, 7) and unknown.suggestion == "sickness_absence_pct"
    assert "has no reference of its own" in by_code["sector-reference"].message
    assert by_code["duplicate-id"].position.line == 9  # 'Kommune' is 'kommune' in any case
    assert by_code["unknown-source"].suggestion == "dst-syg"


def test_exactly_one_fallback_with_every_reference(rules_copy) -> None:
    two = _problems(rules_copy, """
        sectors:
          - {id: a, fallback: true, name: {da: A, en: A}, references: {}}
          - {id: b, fallback: true, name: {da: B, en: B}, references: {}}
        """)
    assert [p.code for p in two] == ["sector-fallback"]
    lacking = _problems(rules_copy, """
        sectors:
          - {id: a, fallback: true, name: {da: A, en: A}, references: {}}
          - id: b
            name: {da: B, en: B}
            references: {sickness_absence_pct: {value: 7.1, label: {da: a, en: a}, source: dst-syg}}
        """)
    assert [p.code for p in lacking] == ["sector-fallback"] and "sickness_absence_pct" in lacking[0].message


def test_a_number_compared_with_a_sector_dependent_dimension_is_flagged(rules_copy) -> None:
    """A warning (it runs), with a band test as the suggestion only where one means the same."""
    rules = "".join(f"""
          - id: zz-{i}
            title: {{da: "Fravær", en: "Absence"}}
            when: {when}
            because: {{da: "x", en: "x"}}
            recommend: [{{intervention: task-dialogue, weight: 1}}]
            evidence: {{sources: [seed], review_by: 2027-12-31}}""" for i, when in enumerate(
        ("sickness_absence_pct > 3.8", "sickness_absence_pct >= 6", "sickness_absence_pct < 2")))
    folder = rules_copy(files={"themes/zz.yaml": "rules:" + rules + "\n"})
    ruleset, problems = check_ruleset(folder)
    assert ruleset is not None
    warnings = [p for p in problems if p.code == "sector-number"]
    assert all(w.position.file.endswith("zz.yaml") for w in warnings)
    assert [w.suggestion for w in warnings] == ["sickness_absence_pct is not normal", "sickness_absence_pct is high",
                                                None]  # '< 2' is no band: no suggestion that would mean '> 3.8'
