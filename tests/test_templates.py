"""Rationale templates: the one-``%`` fast path renders exactly what the part-by-part path renders."""

from __future__ import annotations

import random

import pytest

from trivsel.engine.rationale import Numbers
from trivsel.engine.templates import Template, TemplateError, format_number


def _slow(template: Template) -> Template:
    """The same template with the fast path switched off."""
    copy = Template(template.parts)
    object.__setattr__(copy, "values_only", None)
    return copy


@pytest.mark.parametrize("text", [
    "Influence is low ({influence}) while demands are high ({quantitative_demands}).",
    "100% sure: {influence}%% of {work_pace} {{literal}} %s %d %(x)s",
    "{influence}{influence}{work_pace}",
    "Nothing to fill in, 50 %",
])
@pytest.mark.parametrize("language", ["en", "da"])
def test_fast_path_renders_like_the_general_path(text: str, language: str) -> None:
    template = Template.parse(text)
    rng = random.Random(text)
    for _ in range(200):
        values = {d: round(rng.uniform(0, 100), rng.choice([0, 1, 2, 6]))
                  for d in ("influence", "quantitative_demands", "work_pace") if rng.random() < 0.8}
        numbers = Numbers(values, language)
        fast = template.render(values, {}, language, numbers.text)
        assert fast == _slow(template).render(values, {}, language, numbers.text)


def test_fast_path_is_taken_only_for_plain_values() -> None:
    assert Template.parse("a {influence} b").values_only == ("a %s b", ("influence",))
    assert Template.parse("a {influence.band}").values_only is None
    assert Template.parse("plain").values_only is None and Template.parse("plain").plain == "plain"


def test_missing_value_and_danish_comma() -> None:
    template = Template.parse("{influence} / {meaning}")
    assert template.render({"influence": 28.5}, {}, "da", Numbers({"influence": 28.5}, "da").text) == "28,5 / mangler"
    assert format_number(28.0, "en") == "28"


def test_unmatched_brace_is_refused() -> None:
    with pytest.raises(TemplateError):
        Template.parse("{influence")
