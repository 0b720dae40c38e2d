"""durable_rules and the plain-Python evaluator agree, on the bundled rules and at scale.

Profiles include missing dimensions and many values exactly on thresholds. Each check runs in a
child process with a timeout: a crash or hang in the C engine fails the test instead of the run.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from trivsel.engine.conditions import AllOf, AnyOf, Literal
from trivsel.engine.durable_compile import (
    CHAIN_BUDGET,
    MAX_FACT_PROPERTIES,
    FactWriter,
    chain_count,
    fact_key_collisions,
    plan_shards,
    short_keys,
)
from trivsel.engine.synthetic import random_values

from .conftest import ROOT, RULES, one_rule_each
from .oracles import serialize_fact


def crosscheck(*args: str, timeout: int = 600) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.crosscheck", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"crosscheck died (rc={proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def test_default_rules_agree_on_5000_profiles() -> None:
    report = crosscheck("--rules", str(RULES), "--profiles", "5000", "--seed", "11")
    assert report["mismatches"] == 0, report["examples"]
    assert report["mean_fired"] > 1  # the profiles exercise the rules, not just the empty case


def test_1000_generated_rules_agree_on_5000_profiles() -> None:
    report = crosscheck("--rules", str(RULES), "--generate", "1000", "--style", "mixed", "--profiles", "5000",
                        "--seed", "12")
    assert report["rules"] == 1000
    assert report["shards"] > 1000 / CHAIN_BUDGET
    assert report["mismatches"] == 0, report["examples"]
    assert report["mean_fired"] > 10


def lit(dim: str, op: str = "<", t: float = 1.0) -> Literal:
    return Literal(dim, op, t)


def test_shards_respect_the_chain_budget() -> None:
    conditions = [AnyOf(tuple(lit(f"d{i}") for i in range(7))) for _ in range(40)]
    shards = plan_shards(conditions)
    assert all(s.chains <= CHAIN_BUDGET for s in shards)
    assert sum(s.chains for s in shards) == 40 * 7
    assert sorted(i for s in shards for i in s.names.values()) == list(range(40))


def test_a_rule_larger_than_a_shard_is_split() -> None:
    big = AllOf((AnyOf(tuple(lit(f"a{i}") for i in range(10))), AnyOf(tuple(lit(f"b{i}") for i in range(10)))))
    assert chain_count(big) == 100
    shards = plan_shards([big])
    assert len(shards) == 2
    assert {i for s in shards for i in s.names.values()} == {0}


@pytest.mark.parametrize("value, text", [(1e-05, "0.000010"), (1e16, "10000000000000000.000000"), (28, "28.000000")])
def test_facts_never_use_exponents(value: float, text: str) -> None:
    assert FactWriter({"x": "x"})({"x": value}).endswith(f'"x":{text}}}')


def test_short_fact_keys_never_collide() -> None:
    keys = short_keys([f"dim{i}" for i in range(MAX_FACT_PROPERTIES)])
    assert fact_key_collisions(keys.values()) == {}
    assert FactWriter(keys)({"dim3": 1.5}).endswith('"v3":1.500000}')


def test_the_cached_fact_writer_matches_serialize_fact(ruleset) -> None:
    """The recommender writes facts through per-key-order templates; they must equal the plain form
    (tests/oracles.py)."""
    keys = short_keys(list(ruleset.dimensions))
    write = FactWriter(keys)
    rng = random.Random(5)
    for _ in range(300):
        values = random_values(rng, ruleset.dimensions, missing_share=0.3)
        assert write(values) == serialize_fact(values, keys)


_BOUNDARY_RULES = one_rule_each(["influence <= 33", "influence < 33", "influence >= 67", "influence > 67",
                              "influence == 50", "influence != 50"])


@pytest.mark.parametrize("value, fired", [
    (33.0, {"b0", "b5"}), (32.999999, {"b0", "b1", "b5"}), (33.000001, {"b5"}),
    (67.0, {"b2", "b5"}), (67.000001, {"b2", "b3", "b5"}), (66.999999, {"b5"}), (50.0, {"b4"}),
])
def test_every_comparison_fires_exactly_at_its_boundary_in_durable_rules(rules_copy, value: float,
                                                                         fired: set[str]) -> None:
    """Each operator as durable_rules matches it, at and just beside its threshold: the rule files
    say which side of a limit a value on it belongs to (docs/RULES.md), and no bundled rule uses
    ``<=``, so only this test would see it compiled as ``$lt``. The expected sets are written out,
    not computed."""
    from trivsel.engine import Recommender, load_ruleset

    with Recommender(load_ruleset(rules_copy(files={"themes/test.yaml": _BOUNDARY_RULES}, drop_themes=True))) as rec:
        assert {rec.ruleset.rules[i].id for i in rec.match({"influence": value})} == fired
