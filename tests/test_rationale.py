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
