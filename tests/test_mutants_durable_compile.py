"""Compiling conditions for durable_rules at the limits docs/MATCHING.md states (tests/mutation/run.py:
the mutants of engine/durable_compile.py these kill; docs/TESTING.md, "Mutation testing").

Oracles: docs/MATCHING.md — a rule's chains are the terms of its disjunctive normal form (an ``or``
adds, an ``and`` multiplies); a rule with at most 60 alternatives and at most 15 ``and``/``or``
nodes (its own wrapper included) is one durable rule as written, otherwise one flat rule per
alternative; shards are packed first fit in rule order, at most 60 chains each; at most 4,096
alternatives per rule. The FNV-1a 32-bit reference values (the hash durable_rules names
properties by). The catalogue's band bounds, matched by the real durable_rules engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from trivsel.engine import Recommender, load_ruleset
from trivsel.engine.conditions import AllOf, AnyOf, Condition, Literal
from trivsel.engine.durable_compile import (
    CHAIN_BUDGET,
    MAX_DNF_TERMS,
    MAX_LOGIC_NODES,
    ComplexityError,
    FactWriter,
    chain_count,
    complexity_problem,
    fnv1a_32,
    logic_nodes,
    plan_shards,
)
from trivsel.engine.expr.syntax import Op

from .conftest import one_rule_each

RulesCopy = Callable[..., Path]


def lit(dim: str, op: Op = Op.LT, low: float = 50.0, high: float | None = None) -> Literal:
    return Literal(dim, op, low, high)


def ors(prefix: str, n: int) -> AnyOf:
    return AnyOf(tuple(lit(f"{prefix}{i}") for i in range(n)))


def durable_rules(shards: tuple[object, ...]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for shard in shards:
        out.update(json.loads(shard.definition))  # type: ignore[attr-defined]
    out.pop("~close")
    return out


def test_fnv1a_32_gives_the_reference_values() -> None:
    assert fnv1a_32("") == 0x811C9DC5
    assert fnv1a_32("a") == 0xE40C292C
    assert fnv1a_32("foobar") == 0xBF9CF968


def test_chains_are_the_terms_of_the_normal_form() -> None:
    between, outside = lit("x", Op.BETWEEN, 10, 20), lit("x", Op.NOT_BETWEEN, 10, 20)
    assert [chain_count(c) for c in (lit("a"), between, outside)] == [1, 1, 2]
    assert chain_count(AnyOf((lit("a"), outside, lit("b")))) == 4
    assert chain_count(AllOf((ors("a", 3), ors("b", 4), outside))) == 3 * 4 * 2
    assert chain_count(AllOf((ors("a", 2), AnyOf((AllOf((ors("b", 3), ors("c", 2))), lit("d")))))) == 2 * (6 + 1)


def test_logic_nodes_count_every_and_and_or() -> None:
    between, outside = lit("x", Op.BETWEEN, 10, 20), lit("x", Op.NOT_BETWEEN, 10, 20)
    assert [logic_nodes(c) for c in (lit("a"), between, outside)] == [0, 1, 1]
    assert logic_nodes(AllOf((lit("a"), between, AnyOf((lit("b"), outside))))) == 1 + 1 + 1 + 1


def test_a_rule_up_to_the_limits_is_one_durable_rule_as_written() -> None:
    """60 alternatives and 15 nodes with the wrapper: one rule; 61 alternatives or 16 nodes: one flat
    rule per alternative."""
    sixty = AnyOf(tuple(lit(f"a{i}") for i in range(CHAIN_BUDGET)))
    sixty_one = AnyOf(tuple(lit(f"a{i}") for i in range(CHAIN_BUDGET + 1)))
    nodes = MAX_LOGIC_NODES - 1  # plus the wrapper: 15
    fifteen = AnyOf(tuple(AllOf((lit(f"a{i}"), lit(f"b{i}"))) for i in range(nodes - 1)))
    sixteen = AnyOf(tuple(AllOf((lit(f"a{i}"), lit(f"b{i}"))) for i in range(nodes)))
    assert (chain_count(sixty), logic_nodes(fifteen), logic_nodes(sixteen)) == (60, 14, 15)
    for cond, names in ((sixty, ["r0"]), (fifteen, ["r0"]),
                        (sixty_one, [f"r0.{k}" for k in range(61)]), (sixteen, [f"r0.{k}" for k in range(14)])):
        shards = plan_shards([cond])
        assert sorted(durable_rules(shards)) == sorted(names)
        assert all(index == 0 for s in shards for index in s.names.values())


def test_a_flat_rule_holds_the_bounds_of_a_between_as_plain_tests() -> None:
    big = AllOf((lit("x", Op.BETWEEN, 10, 20), AnyOf(tuple(lit(f"a{i}") for i in range(CHAIN_BUDGET + 1)))))
    first = durable_rules(plan_shards([big]))["r0.0"]
    tests = [{"__e": 1}, {"$gte": {"x": 10}}, {"$lte": {"x": 20}}, {"$lt": {"a0": 50}}]
    assert first == {"all": [{"m": {"$and": tests}}]}


def test_shards_are_packed_first_fit_in_rule_order() -> None:
    rules: list[Condition] = [ors("a", 50), ors("b", 20), ors("c", 10)]
    shards = plan_shards(rules)
    assert [(s.chains, sorted(s.names.values())) for s in shards] == [(60, [0, 2]), (20, [1])]


def test_alternatives_are_capped_per_rule() -> None:
    at_cap = AllOf(tuple(ors(f"p{k}", 2) for k in range(12)))  # 2 ** 12 = 4096
    over = AllOf((*at_cap.items, AnyOf((lit("q0"), lit("q1")))))
    assert chain_count(at_cap) == MAX_DNF_TERMS and complexity_problem(at_cap) is None
    assert complexity_problem(over) is not None and f"{MAX_DNF_TERMS:,}" in (complexity_problem(over) or "")
    with pytest.raises(ComplexityError):
        plan_shards([over])


_BAND_RULES = one_rule_each(["bullying is some", "not bullying is some", "influence is medium",
                              "not influence is medium", "influence between 40 and 60"])


@pytest.mark.parametrize("values, fired", [
    ({"bullying": 0.0, "influence": 33.0}, {"b1", "b2"}),
    ({"bullying": 0.000001, "influence": 32.999999}, {"b0", "b3"}),
    ({"bullying": 9.999999, "influence": 66.999999}, {"b0", "b2"}),
    ({"bullying": 10.0, "influence": 67.0}, {"b1", "b3"}),
    ({"bullying": 5.0, "influence": 40.0}, {"b0", "b2", "b4"}),
    ({"bullying": 5.0, "influence": 60.0}, {"b0", "b2", "b4"}),
    ({"bullying": 5.0, "influence": 60.000001}, {"b0", "b2"}),
])
def test_band_intervals_fire_at_their_bounds_in_durable_rules(rules_copy: RulesCopy, values: dict[str, float],
                                                              fired: set[str]) -> None:
    """'some' bullying lies strictly between 0 and 10, 'medium' influence from 33 up to, not
    including, 67 (rules/catalogue); ``between`` includes both ends. Written out, not computed."""
    with Recommender(load_ruleset(rules_copy(files={"themes/test.yaml": _BAND_RULES}, drop_themes=True))) as rec:
        assert {rec.ruleset.rules[i].id for i in rec.match(values)} == fired


def test_the_fact_stays_right_past_the_writers_cache() -> None:
    import random

    keys = {f"d{i}": f"v{i}" for i in range(12)}
    write = FactWriter(keys)
    rng = random.Random(3)
    orders = {tuple(rng.sample(sorted(keys), 6)) for _ in range(1400)}
    assert len(orders) > 1100  # more key orders than the writer keeps templates for (1,024)
    for n, names in enumerate(sorted(orders)):
        values = {name: n + k / 8 for k, name in enumerate(names)}
        expected = '{"sid":"0","id":"f","__e":1' + "".join(
            f',"{keys[name]}":{value:.6f}' for name, value in values.items()) + "}"
        assert write(values) == expected


def test_names_whose_hashes_collide_are_found_in_either_order() -> None:
    """'altarage' and 'zinke' have the same FNV-1a 32-bit hash (a published collision): durable_rules
    would take them for one property."""
    from trivsel.engine.durable_compile import fact_key_collisions

    assert fnv1a_32("altarage") == fnv1a_32("zinke")
    assert fact_key_collisions(["altarage", "zinke"]) == {"zinke": ("zinke", "altarage")}
    assert fact_key_collisions(["zinke", "altarage"]) == {"altarage": ("altarage", "zinke")}
    assert fact_key_collisions(["zinke", "zinke", "v1"]) == {}


def test_thresholds_are_written_with_six_decimals_never_an_exponent() -> None:
    """MATCHING.md: durable's parser rejects ``1e-05``, which ``json.dumps`` writes."""
    (shard,) = plan_shards([lit("a", Op.LT, 0.00001)])
    assert '{"$lt":{"a":0.000010}}' in shard.definition and "e-" not in shard.definition


def test_a_shard_is_a_value() -> None:
    import dataclasses

    (shard,) = plan_shards([lit("a")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        shard.chains = 2  # type: ignore[misc]


_PRESENCE_RULES = one_rule_each(["present(influence)", "missing(influence)"], "p")


def test_presence_and_absence_fire_in_durable_rules(rules_copy: RulesCopy) -> None:
    """docs/RULES.md: ``present(x)`` and ``missing(x)`` are the only tests true of a missing value."""
    with Recommender(load_ruleset(rules_copy(files={"themes/test.yaml": _PRESENCE_RULES}, drop_themes=True))) as rec:
        for values, fired in (({"influence": 0.0}, {"p0"}), ({"influence": 40.0}, {"p0"}), ({"meaning": 40.0}, {"p1"})):
            assert {rec.ruleset.rules[i].id for i in rec.match(values)} == fired, values
