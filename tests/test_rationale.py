"""The rationale's condition texts (engine/rationale.py), checked against the catalogue's own words."""

from __future__ import annotations

from trivsel.engine import Department, Options, Profile


def test_every_band_test_names_its_band_in_the_answers_language(recommender) -> None:
    """A test written as ``is <band>`` shows the band's label from the catalogue (rules/catalogue),
    in Danish in a Danish answer and in English in an English one — for every such test of every
    bundled rule (110 of them), so a renderer that always used one language fails here."""
    ruleset = recommender.ruleset
    checked = 0
    for rule in ruleset.rules:
        explainer = recommender.explainer(rule.index)
        for language in ("da", "en"):
            for dim, _, _, _, band, _, _, suffix, *_ in explainer.leaves(language):
                if band:
                    label = ruleset.dimensions[dim].band(band).label.get(language)
                    assert suffix.endswith(f"{label})"), (rule.id, language, suffix)
                    checked += 1
    assert checked >= 200


def test_a_danish_answer_names_bands_in_danish(recommender) -> None:
    """End to end: high demands and low influence (band tests) in a Danish answer read "(høj)" and
    "(lav)" — the catalogue's Danish labels — never "(high)" or "(low)"."""
    values = {"influence": 30.0, "quantitative_demands": 80.0}
    result = recommender.recommend(Profile(Department("d", "D", "private"), 25, values), Options(language="da"))
    texts = {c.dimension: c.text for r in result.recommendations for reason in r.because for c in reason.conditions
             if c.band}
    assert "(høj)" in texts["quantitative_demands"] and "(lav)" in texts["influence"], texts
    assert not any("(high)" in t or "(low)" in t for t in texts.values()), texts


def test_a_small_groups_stress_share_is_stated_without_its_value(recommender) -> None:
    """RANKING.md "Small groups": 4 stressed of 6 (66.7 %) fires the stress rules, and every text
    and condition of the answer says so without the share. A condition keeps its threshold (the
    national 17.7 %, which the rule's own text names) and loses its value; 24 of 36 is shown."""
    values = {"stress_prevalence": 66.7, "quantitative_demands": 75.0}
    for language, words in (("da", "en andel, der ikke vises (færre end 20 svar)"),
                            ("en", "a share that is not shown (fewer than 20 answers)")):
        small = recommender.recommend(Profile(Department("d", "D", "private"), 6, values), Options(language=language))
        assert "stress-above-national" in small.fired_rules
        shown = str(small.to_dict())
        assert "66.7" not in shown and "66,7" not in shown
        reasons = [r for item in (*small.must_act, *small.recommendations) for r in item.because
                   if "stress_prevalence" in {c.dimension for c in r.conditions}]
        assert reasons and all(words in r.text for r in reasons), [r.text for r in reasons]
        conditions = [c for r in reasons for c in r.conditions if c.dimension == "stress_prevalence"]
        assert all(c.actual is None and c.threshold is not None for c in conditions)
        assert all(("andelen vises ikke" if language == "da" else "the share is not shown") in c.text
                   for c in conditions)
        large = recommender.recommend(Profile(Department("d", "D", "private"), 36, values), Options(language=language))
        assert ("66,7 %" if language == "da" else "66.7%") in str(large.to_dict())
