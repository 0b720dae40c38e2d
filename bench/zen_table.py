"""The same rules as a GoRules ZEN decision table (``collect`` hit policy), for comparison.

Each rule becomes one row per term of its disjunctive normal form, with one column per dimension;
a cell is a ZEN unary expression. Cells test ``$ != null`` first so that a missing value behaves as
in Trivsel (a comparison on a missing value is not true).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from trivsel.engine.conditions import Literal
from trivsel.engine.durable_compile import _dnf
from trivsel.engine.model import Rule

__all__ = ["decision_table"]


def _number(x: float | None) -> str:
    return repr(float(x))


def _cell(literals: Sequence[Literal]) -> str:
    parts: list[str] = []
    for lit in literals:
        if lit.op == "missing":
            parts.append("$ == null")
            continue
        parts.append("$ != null")
        if lit.op == "present":
            continue
        if lit.op == "between":
            parts.append(f"$ {'>=' if lit.low_inclusive else '>'} {_number(lit.threshold)}")
            parts.append(f"$ {'<=' if lit.high_inclusive else '<'} {_number(lit.threshold_high)}")
        else:
            parts.append(f"$ {lit.op} {_number(lit.threshold)}")
    return " and ".join(dict.fromkeys(parts))


def decision_table(rules: Sequence[Rule], dimensions: Sequence[str]) -> str:
    """JDM (JSON Decision Model) text: input → one collect decision table → output."""
    columns = {d: f"c{i}" for i, d in enumerate(dimensions)}
    rows = []
    for rule in rules:
        for k, term in enumerate(_dnf(rule.condition)):
            by_dim: dict[str, list[Literal]] = {}
            for lit in term:
                by_dim.setdefault(lit.dimension, []).append(lit)
            row = {"_id": f"{rule.id}.{k}", "o": json.dumps(rule.id)}
            row.update({columns[d]: _cell(lits) for d, lits in by_dim.items()})
            rows.append(row)
    content = {
        "hitPolicy": "collect",
        "inputs": [{"id": c, "name": d, "field": d} for d, c in columns.items()],
        "outputs": [{"id": "o", "name": "rule", "field": "rule"}],
        "rules": rows,
    }
    model = {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {"id": "dt", "type": "decisionTableNode", "name": "rules", "position": {"x": 200, "y": 0},
             "content": content},
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
                  {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"}],
    }
    return json.dumps(model)
