"""Turn resolved conditions into durable_rules ruleset definitions, within the engine's limits.

Pure data transformation, no durable_rules import (that lives in :mod:`engine.durable_adapter`).
What the limits are, what was measured and why we shard: docs/MATCHING.md. In short:

* a fact may match at most 64 pending alpha branches, an alpha node holds at most 512 children and
  256 rules on one node crash — so each shard holds at most :data:`CHAIN_BUDGET` condition chains
  (a rule's chain count is the size of its disjunctive normal form);
* one durable rule may hold at most :data:`MAX_LOGIC_NODES` ``$and``/``$or`` nodes: the C core
  records two entries per node in a fixed array of 32 (``MAX_SEQUENCE_EXPRESSIONS``) and refuses
  the whole ruleset with error 113 at the 32nd — an ``or`` of 14 two-test ``and`` tests is enough;
* a rule over either limit is compiled as one flat durable rule per DNF term (one ``$and``
  node each), spread over as many shards as it needs; firings are de-duplicated. So every
  condition the grammar accepts compiles, up to :data:`MAX_DNF_TERMS` terms per rule and
  :data:`MAX_TOTAL_CHAINS` for the whole rule set (:func:`complexity_problem` says which);
* every rule starts with ``__e == 1`` (a positive test: a rule made only of ``$nex`` would also
  match the engine's own state fact), and each shard has a close sentinel so ``delete_state`` never
  frees an uninitialised context;
* numbers are written by hand with six decimals: durable's parser rejects ``1e-05`` and
  ``Infinity``, which ``json.dumps`` produces;
* dimensions travel under short property names (``v0``, ``v1`` …, see :func:`short_keys`): the
  engine copies the whole fact into every action message, so a shorter fact is a faster match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .conditions import NEVER, AllOf, AnyOf, Condition, Literal
from .errors import UserError
from .expr.syntax import Op
from .frozen import Frozen

__all__ = ["CHAIN_BUDGET", "MAX_DNF_TERMS", "MAX_LOGIC_NODES", "MAX_TOTAL_CHAINS", "logic_nodes", "dnf_terms",
           "complexity_problem", "MAX_FACT_PROPERTIES", "ShardSpec", "chain_count", "plan_shards",
           "fnv1a_32", "fact_key_collisions", "CLOSE_FACT", "RETRACT_FACT", "ComplexityError",
           "format_number", "short_keys", "FactWriter"]

CHAIN_BUDGET = 60
MAX_DNF_TERMS = 4096
"""Alternatives one rule may expand to: ~69 shards, each one more assert per evaluation."""
MAX_TOTAL_CHAINS = 6_000
"""Alternatives for the whole rule set: about a hundred shards, whose time per evaluation and C
memory per worker (docs/ARCHITECTURE.md, "Measured design choices"; docs/MATCHING.md) are the most
an answer and a worker should carry."""
MAX_LOGIC_NODES = 15
"""``$and``/``$or`` nodes in one durable rule, the wrapper included: 15 create, 16 give error 113."""
MAX_FACT_PROPERTIES = 240
RESERVED_KEYS = ("sid", "id", "__e", "__z", "$s")
FACT_PREFIX = '{"sid":"0","id":"f","__e":1'
RETRACT_FACT = '{"sid":"0","id":"f"}'
CLOSE_FACT = '{"sid":"0","id":"z","__z":1}'
CLOSE_RETRACT = '{"sid":"0","id":"z"}'
CLOSE_RULE = "~close"

_OPS = {Op.LT: "$lt", Op.LE: "$lte", Op.GT: "$gt", Op.GE: "$gte", Op.NE: "$neq"}


class ComplexityError(UserError, ValueError):
    """A condition whose normal form is too large to match safely."""


def format_number(value: float) -> str:
    """The one number format both the fact and the ruleset use (durable parses it reliably)."""
    return f"{value:.6f}"


def fnv1a_32(text: str) -> int:
    """durable_rules identifies property names by this hash; equal hashes alias two names."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def fact_key_collisions(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Names whose hash collides with an earlier name or a reserved key: ``{name: (name, other)}``."""
    seen = {fnv1a_32(k): k for k in RESERVED_KEYS}
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        h = fnv1a_32(name)
        if h in seen and seen[h] != name:
            out[name] = (name, seen[h])
        seen.setdefault(h, name)
    return out


def short_keys(dimensions: Sequence[str]) -> dict[str, str]:
    """A short, collision-free durable property name for each dimension id."""
    keys = {dim: f"v{i}" for i, dim in enumerate(dimensions)}
    clashes = fact_key_collisions(keys.values())
    if clashes:  # pragma: no cover - v0…v239 are checked by a test
        raise ValueError(f"fact keys collide: {clashes}")
    return keys


def chain_count(cond: Condition) -> int:
    """The number of alpha chains durable builds for ``cond``: its DNF size."""
    if isinstance(cond, Literal):
        return 2 if cond.op == Op.NOT_BETWEEN and cond.threshold is not None and cond.threshold_high is not None else 1
    if isinstance(cond, AllOf):
        n = 1
        for item in cond.items:
            n *= chain_count(item)
            if n > MAX_DNF_TERMS:
                return n
        return n
    return sum(chain_count(item) for item in cond.items)


def logic_nodes(cond: Condition) -> int:
    """``$and``/``$or`` nodes in :func:`_expression` of ``cond``, without the rule's own wrapper."""
    if isinstance(cond, Literal):
        return 1 if cond.op in (Op.BETWEEN, Op.NOT_BETWEEN) else 0
    return 1 + sum(logic_nodes(item) for item in cond.items)


def complexity_problem(cond: Condition) -> str | None:
    """Why ``cond`` cannot be compiled (None if it can): the one limit no rewriting removes."""
    chains = chain_count(cond)
    if chains > MAX_DNF_TERMS:
        return (f"this condition has more than {MAX_DNF_TERMS:,} alternatives when its 'or's are multiplied out "
                f"(each 'and' of 'or's multiplies them); the matcher runs at most {MAX_DNF_TERMS:,} per rule. "
                f"Split it into several rules, each with one branch of an outer 'or', or test fewer dimensions "
                f"per 'or'")
    return None


_Json = dict[str, object]
"""A JSON object of a durable_rules definition (a rule, an expression, a test)."""


def _bounds(lit: Literal, dim: str) -> list[_Json]:
    """A ``between`` literal's two tests."""
    return [{("$gte" if lit.low_inclusive else "$gt"): {dim: lit.threshold}},
            {("$lte" if lit.high_inclusive else "$lt"): {dim: lit.threshold_high}}]


def _literal(lit: Literal, keys: Mapping[str, str]) -> _Json:
    dim = keys.get(lit.dimension, lit.dimension)
    if lit.op == Op.PRESENT:
        return {"$ex": {dim: 1}}
    if lit.op == Op.MISSING:
        return {"$nex": {dim: 1}}
    if lit.op == Op.EQ:
        return {dim: lit.threshold}
    if lit.op in _OPS:
        return {_OPS[lit.op]: {dim: lit.threshold}}
    if lit.op == Op.BETWEEN:
        return {"$and": _bounds(lit, dim)}
    outside_low = {("$lt" if lit.low_inclusive else "$lte"): {dim: lit.threshold}}
    outside_high = {("$gt" if lit.high_inclusive else "$gte"): {dim: lit.threshold_high}}
    return {"$or": [outside_low, outside_high]}


def _expression(cond: Condition, keys: Mapping[str, str]) -> _Json:
    if isinstance(cond, Literal):
        return _literal(cond, keys)
    key = "$and" if isinstance(cond, AllOf) else "$or"
    return {key: [_expression(item, keys) for item in cond.items]}


def dnf_terms(cond: Condition) -> list[tuple[Literal, ...]]:
    """The distinct terms of ``cond``'s disjunctive normal form, in order (callers bound the size)."""
    return list(dict.fromkeys(tuple(dict.fromkeys(term)) for term in _dnf(cond)))


def _dnf(cond: Condition) -> list[tuple[Literal, ...]]:
    """The disjunctive normal form as a list of conjunctions (callers bound its size first)."""
    if isinstance(cond, Literal):
        if cond.op == Op.NOT_BETWEEN:
            low = Literal(cond.dimension, Op.LT if cond.low_inclusive else Op.LE, cond.threshold)
            high = Literal(cond.dimension, Op.GT if cond.high_inclusive else Op.GE, cond.threshold_high)
            return [(low,), (high,)]
        return [(cond,)]
    if isinstance(cond, AnyOf):
        return [term for item in cond.items for term in _dnf(item)]
    terms: list[tuple[Literal, ...]] = [()]
    for item in cond.items:
        terms = [a + b for a in terms for b in _dnf(item)]
    return terms


def _rule(expression: _Json) -> _Json:
    return {"all": [{"m": {"$and": [{"__e": 1}, expression]}}]}


@dataclass(frozen=True)
class ShardSpec(Frozen):
    """One durable ruleset: its JSON definition and which rule index each durable rule name means."""

    definition: str
    names: Mapping[str, int]
    chains: int


def _pieces(index: int, cond: Condition, keys: Mapping[str, str]) -> list[tuple[str, _Json, int]]:
    """The durable rules for one of our rules: the condition as it is written if it fits both
    limits, else one flat rule per DNF term (one chain and one ``$and`` node each)."""
    problem = complexity_problem(cond)
    if problem:
        raise ComplexityError(problem)
    chains = chain_count(cond)
    if chains <= CHAIN_BUDGET and 1 + logic_nodes(cond) <= MAX_LOGIC_NODES:
        return [(f"r{index}", _rule(_expression(cond, keys)), chains)]
    pieces: list[tuple[str, _Json, int]] = []
    for k, term in enumerate(dnf_terms(cond)):
        tests = [test for lit in term for test in _flat_tests(lit, keys)]
        pieces.append((f"r{index}.{k}", {"all": [{"m": {"$and": [{"__e": 1}, *tests]}}]}, 1))
    return pieces


def _flat_tests(lit: Literal, keys: Mapping[str, str]) -> list[_Json]:
    """A literal as plain comparisons for a flat ``$and``: ``between`` (and ``is medium``) as its two
    bounds, so a term of any number of them stays one ``$and`` node (``not between`` never reaches
    here: :func:`_dnf` splits it into two terms)."""
    if lit.op == Op.BETWEEN:
        return _bounds(lit, keys.get(lit.dimension, lit.dimension))
    return [_literal(lit, keys)]


def plan_shards(conditions: Sequence[Condition], keys: Mapping[str, str] | None = None,
                budget: int = CHAIN_BUDGET) -> tuple[ShardSpec, ...]:
    """Pack the rules into shards of at most ``budget`` chains each (first fit, in rule order).

    ``keys`` maps dimension ids to the property names used in the fact (:func:`short_keys`).
    """
    keys = keys or {}
    pieces = [p for i, cond in enumerate(conditions) if cond != NEVER for p in _pieces(i, cond, keys)]
    shards: list[list[tuple[str, _Json, int]]] = []
    loads: list[int] = []
    for piece in pieces:
        for s, load in enumerate(loads):
            if load + piece[2] <= budget:
                shards[s].append(piece)
                loads[s] += piece[2]
                break
        else:
            shards.append([piece])
            loads.append(piece[2])
    specs = []
    for shard, load in zip(shards, loads):
        definition = {name: rule for name, rule, _ in shard}
        definition[CLOSE_RULE] = {"pri": 65535, "all": [{"m": {"__z": 1}}]}
        names = {name: int(name[1:].split(".")[0]) for name, _, _ in shard}
        specs.append(ShardSpec(_encode(definition), names, load))
    return tuple(specs)


def _encode(value: object) -> str:
    """JSON with every float written by :func:`format_number`."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return json.dumps(value)


class FactWriter:
    """The fact for one profile: its values under their short keys (:func:`short_keys`), each with
    six decimals, as one ``%`` format per profile. Keys are validated dimension ids (no escaping
    needed); values are finite (checked before). tests/oracles.py ``serialize_fact`` is the plain
    form the tests compare it with.

    Profiles from one survey usually carry the same dimensions in the same order, so the format
    string for a given key order is built once and kept (at most 1,024 of them).
    """

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = keys
        self._templates: dict[tuple[str, ...], str] = {}

    def __call__(self, values: Mapping[str, float]) -> str:
        names = tuple(values)
        template = self._templates.get(names)
        if template is None:
            if len(self._templates) >= 1024:
                self._templates.clear()
            template = FACT_PREFIX + "".join([f',"{self._keys[k]}":%.6f' for k in names]) + "}"
            self._templates[names] = template
        return template % tuple(values.values())
