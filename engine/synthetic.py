"""Synthetic rule sets and profiles, for scale tests and benchmarks.

Generated rules are real YAML files in a real rules folder (the bundled catalogues plus one
generated theme file), so they go through the same loader, compiler and matcher as the rules
consultants write. Thresholds come from a small grid that includes every band bound, and random
profiles put many values exactly on those thresholds: that is where two matchers disagree if they
disagree at all.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from .model import Dimension, RuleSet

__all__ = ["generate_rules_yaml", "write_ruleset", "threshold_grid", "random_values", "STYLES", "WIDE_SHAPES",
           "TOO_WIDE", "wide_rule_yaml"]

STYLES = ("plain", "mixed", "wide")
"""``plain``: ands of 1–3 comparisons; ``mixed``: nested and/or/not up to depth 2 with every kind
of test; ``wide``: the shapes that overflow one durable rule — ands of up to six ors (up to 4,096
alternatives), ors of 14–90 tests, ors of 10–30 two-test ands, nesting 12–20 levels deep."""


def threshold_grid(dim: Dimension) -> list[float]:
    """Thresholds worth testing for a dimension: band bounds, scale ends and a few round numbers."""
    grid = {dim.minimum, dim.maximum}
    grid.update(b.high for b in dim.bands if b.high is not None)
    span = dim.maximum - dim.minimum
    grid.update(round(dim.minimum + span * k / 10, 6) for k in range(1, 10))
    return sorted(grid)


def _comparison(rng: random.Random, dim: Dimension, style: str) -> str:
    grid = threshold_grid(dim)
    if style == "plain":
        op = rng.choice(("<", "<=", ">", ">="))
        return f"{dim.id} {op} {rng.choice(grid):g}"
    kind = rng.random()
    if kind < 0.55:
        op = rng.choice(("<", "<=", ">", ">=", "==", "!="))
        return f"{dim.id} {op} {rng.choice(grid):g}"
    if kind < 0.75:
        band = rng.choice(dim.bands).id
        return f"{dim.id} is {'not ' if rng.random() < 0.3 else ''}{band}"
    if kind < 0.9:
        low, high = sorted(rng.sample(grid, 2))
        return f"{dim.id} between {low:g} and {high:g}"
    return f"{rng.choice(('missing', 'present'))}({dim.id})"


_PAIRS = (("influence is low", "meaning is low"), ("recognition is low", "predictability is low"),
          ("support_supervisor is low", "support_colleagues is low"),
          ("vertical_trust is low", "horizontal_trust is low"), ("role_clarity is low", "role_conflicts is high"),
          ("quantitative_demands is high", "work_pace is high"))
_RESOURCES = ("influence", "meaning", "predictability", "recognition", "role_clarity", "leadership_quality",
              "support_supervisor", "support_colleagues", "sense_of_community", "vertical_trust")
WIDE_SHAPES: dict[str, str] = {
    # six pairs of alternatives: 2^6 = 64 alternatives, over one shard's budget
    "six-pairs": " and ".join(f"({a} or {b})" for a, b in _PAIRS),
    # 61 plain tests: one more than a shard's budget
    "or-of-61": " or ".join(f"{_RESOURCES[i % 10]} < {20 + i * 0.25:g}" for i in range(61)),
    # 14 two-test ands: 16 and/or nodes in one durable rule, past the C core's 15
    "or-of-14-ands": " or ".join(f"({_RESOURCES[i % 10]} < 30 and {_RESOURCES[(i + 3) % 10]} < {25 + i})"
                                 for i in range(14)),
    # sixteen ranges in one 'and' (each two comparisons, like "is medium"): 17 and-nodes written as is
    "and-of-16-ranges": " and ".join(
        [f"{d} between 0 and {28 + k}" for k, d in enumerate((*_RESOURCES, "horizontal_trust", "influence"))]
        + [f"{d} between 70 and 100" for d in ("quantitative_demands", "work_pace", "role_conflicts", "work_pace")]),
    # four ors of eight tests each: 8^4 = 4,096 alternatives, the most one rule may have
    "4096-alternatives": " and ".join(
        "(" + " or ".join(f"{_RESOURCES[(j + k) % 10]} < {22 + k}" for k in range(8)) + ")" for j in range(4)),
}
"""Conditions a consultant can write that once took the server down (durable_rules error 113),
kept so tests, benchmarks and the soak can drop them into a rules folder."""
TOO_WIDE = " and ".join("(" + " or ".join(f"influence < {20 + k + j}" for k in range(9)) + ")" for j in range(4))
"""Four ors of nine tests: 9^4 = 6,561 alternatives, past the compiler's limit; lint refuses it."""


def wide_rule_yaml(rule_id: str, when: str, intervention: str = "prioritisation") -> str:
    """A complete rules file with one rule, ``when`` as its condition."""
    return (f"rules:\n  - id: {rule_id}\n    title: {{da: \"Bred betingelse\", en: \"Wide condition\"}}\n"
            f"    when: \"{when}\"\n    because: {{da: \"Mange forhold er belastende.\", "
            f"en: \"Many conditions are adverse.\"}}\n"
            f"    recommend:\n      - {{intervention: {intervention}, weight: 3}}\n"
            f"    evidence: {{sources: [seed]}}\n")


def _wide(rng: random.Random, dims: Sequence[Dimension]) -> str:
    def pick() -> str:
        return _comparison(rng, rng.choice(list(dims)), "mixed")

    shape = rng.randrange(5)
    if shape == 0:  # an and of ors: the product of the ors' sizes, up to 4^6
        return " and ".join("(" + " or ".join(pick() for _ in range(rng.randint(2, 4))) + ")"
                            for _ in range(rng.randint(2, 6)))
    if shape == 1:
        return " or ".join(pick() for _ in range(rng.randint(14, 90)))
    if shape == 2:
        return " or ".join(f"({pick()} and {pick()})" for _ in range(rng.randint(10, 30)))
    if shape == 3:  # an and of ranges, each two comparisons
        dims_ = rng.sample(list(dims), rng.randint(14, min(20, len(dims))))
        return " and ".join(f"{d.id} between {d.minimum:g} and {d.maximum:g}" if rng.random() < 0.5
                            else _comparison(rng, d, "mixed") for d in dims_)
    text = pick()  # alternately nested and/or, 12–20 levels
    for level in range(rng.randint(12, 20)):
        text = f"({text} {'and' if level % 2 else 'or'} {pick()})"
    return text


def _condition(rng: random.Random, dims: Sequence[Dimension], style: str, depth: int = 0) -> str:
    if style == "wide":
        return _wide(rng, dims)
    if style == "plain":
        parts = [_comparison(rng, d, style) for d in rng.sample(list(dims), rng.randint(1, 3))]
        return " and ".join(parts)
    if depth >= 2 or rng.random() < 0.45:
        text = _comparison(rng, rng.choice(list(dims)), style)
    else:
        op = rng.choice((" and ", " or "))
        text = "(" + op.join(_condition(rng, dims, style, depth + 1) for _ in range(rng.randint(2, 3))) + ")"
    if rng.random() < 0.15:
        text = f"not {text}"
    return text


def generate_rules_yaml(count: int, ruleset: RuleSet, seed: int = 1, style: str = "mixed") -> str:
    """``count`` random rules over ``ruleset``'s catalogue, as the text of a rules file."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    rng = random.Random(seed)
    dims = list(ruleset.dimensions.values())
    interventions = sorted(ruleset.interventions)
    sources = sorted(ruleset.sources)
    lines = ["rules:"]
    for n in range(count):
        condition = _condition(rng, dims, style).replace('"', "'")
        picks = rng.sample(interventions, rng.randint(1, 3))
        lines += [
            f"  - id: generated-{n:05d}",
            f"    title: {{da: \"Genereret regel {n}\", en: \"Generated rule {n}\"}}",
            f"    when: \"{condition}\"",
            f"    because: {{da: \"Genereret regel {n}.\", en: \"Generated rule {n}.\"}}",
            "    recommend:",
        ]
        lines += [f"      - {{intervention: {p}, weight: {rng.randint(1, 5)}}}" for p in picks]
        lines += ["    evidence:", f"      sources: [{rng.choice(sources)}]"]
    return "\n".join(lines) + "\n"


def write_ruleset(target: Path, base: Path, count: int, seed: int = 1, style: str = "mixed",
                  keep_rules: bool = False) -> Path:
    """A rules folder at ``target``: ``base``'s header and catalogues plus ``count`` generated rules.

    With ``keep_rules`` the base's own rule files are kept as well.
    """
    from .loader import load_ruleset

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("tests"))
    if not keep_rules:
        shutil.rmtree(target / "themes", ignore_errors=True)
    catalogue = load_ruleset(base)
    (target / "generated.yaml").write_text(generate_rules_yaml(count, catalogue, seed, style), encoding="utf-8")
    return target


def random_values(rng: random.Random, dims: Mapping[str, Dimension], missing_share: float = 0.2,
                  on_threshold_share: float = 0.4) -> dict[str, float]:
    """A random, valid set of scores: some missing, many exactly on a threshold."""
    values: dict[str, float] = {}
    for ident, dim in dims.items():
        if rng.random() < missing_share:
            continue
        if rng.random() < on_threshold_share:
            values[ident] = rng.choice(threshold_grid(dim))
        else:
            values[ident] = round(rng.uniform(dim.minimum, dim.maximum), rng.choice((0, 1, 2, 6)))
    return values
