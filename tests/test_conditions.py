"""Missing-value semantics: NNF evaluation equals Kleene three-valued logic on the source AST.

The reference evaluator below is written independently of ``engine.conditions``: it interprets the
parsed expression directly with UNKNOWN for comparisons on missing values.
"""

from __future__ import annotations

import random

import pytest

from trivsel.engine.conditions import intensity_function, predicate, resolve
from trivsel.engine.expr import And, BandTest, Between, Compare, Not, Or, Presence, parse
from trivsel.engine.synthetic import _condition, random_values

from .oracles import holds, intensity

UNKNOWN = None


def kleene(expr, values, dims):
    if isinstance(expr, Not):
        inner = kleene(expr.operand, values, dims)
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(expr, And):
        results = [kleene(i, values, dims) for i in expr.items]
        if any(r is False for r in results):
            return False
        return UNKNOWN if any(r is UNKNOWN for r in results) else True
    if isinstance(expr, Or):
        results = [kleene(i, values, dims) for i in expr.items]
        if any(r is True for r in results):
            return True
        return UNKNOWN if any(r is UNKNOWN for r in results) else False
    if isinstance(expr, Presence):
        return (expr.dimension in values) == expr.present
    if expr.dimension not in values:
        return UNKNOWN
    v = values[expr.dimension]
    if isinstance(expr, Compare):
        return {"<": v < expr.value, "<=": v <= expr.value, ">": v > expr.value, ">=": v >= expr.value,
                "==": v == expr.value, "!=": v != expr.value}[expr.op]
    if isinstance(expr, Between):
        return expr.low <= v <= expr.high
    if isinstance(expr, BandTest):
        inside = dims[expr.dimension].band(expr.band).contains(v)
        return inside != expr.negated
    raise TypeError(expr)


def test_nnf_matches_kleene_logic_on_random_conditions(ruleset) -> None:
    rng = random.Random(7)
    dims = ruleset.dimensions
    few = {k: dims[k] for k in list(dims)[:4]}  # few dimensions → many shared, missing, on-threshold cases
    for _ in range(3000):
        text = _condition(rng, list(few.values()), "mixed")
        expr = parse(text)
        condition, issues = resolve(expr, dims)
        assert not [i for i in issues if i.severity == "error"], text
        values = random_values(rng, few, missing_share=0.3, on_threshold_share=0.5)
        expected = kleene(expr, values, dims) is True
        assert holds(condition, values) == expected, (text, values)
        assert predicate(condition)(values) == expected, (text, values)


@pytest.mark.parametrize("text, values, fires", [
    ("influence < 33", {}, False),
    ("not influence < 33", {}, False),                       # not unknown = unknown
    ("influence != 50", {}, False),                          # != on a missing value is unknown too
    ("influence < 33 or meaning < 33", {"meaning": 10}, True),  # unknown or true = true
    ("influence < 33 and meaning < 33", {"meaning": 10}, False),
    ("missing(influence)", {}, True),
    ("not present(influence)", {}, True),
    ("influence is not low", {"influence": 33}, True),
    ("influence is low", {"influence": 33}, False),           # bands: 'below 33' excludes 33
])
def test_documented_missing_value_semantics(ruleset, text: str, values: dict, fires: bool) -> None:
    condition, _ = resolve(parse(text), ruleset.dimensions)
    assert holds(condition, values) is fires


def test_unknown_names_are_issues_with_suggestions(ruleset) -> None:
    text = "influense < 33 and work_pace is hihg"
    _, issues = resolve(parse(text), ruleset.dimensions)
    by_code = {i.code: i for i in issues}
    assert by_code["unknown-dimension"].suggestion == "influence"
    assert by_code["unknown-dimension"].offset == 0
    assert by_code["unknown-band"].suggestion == "high"
    assert text[by_code["unknown-band"].offset:] == "hihg"


def test_threshold_outside_range_is_a_warning(ruleset) -> None:
    _, issues = resolve(parse("influence < 130"), ruleset.dimensions)
    assert [(i.code, i.severity) for i in issues] == [("threshold-out-of-range", "warning")]


def test_intensity_grows_towards_the_harmful_end(ruleset) -> None:
    condition, _ = resolve(parse("influence < 33"), ruleset.dimensions)
    assert intensity(condition, {"influence": 32}) < intensity(condition, {"influence": 10}) < \
        intensity(condition, {"influence": 0}) == 1.0
    assert intensity(condition, {"influence": 40}) == 0.0


def test_compiled_intensity_equals_the_reference_on_the_bundled_rules(ruleset) -> None:
    """Ranking uses the compiled closures; the plain recursive definition is the specification."""
    rng = random.Random(23)
    compiled = [(rule.id, rule.condition, intensity_function(rule.condition)) for rule in ruleset.rules]
    checked = 0
    for _ in range(1000):
        values = random_values(rng, ruleset.dimensions)
        for rule_id, condition, fast in compiled:
            if holds(condition, values):
                checked += 1
                assert fast(values) == pytest.approx(intensity(condition, values), abs=1e-12), (rule_id, values)
    assert checked > 1000  # the profiles make many rules fire, so intensities are really compared

