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
from pathlib import Path
from typing import Mapping, Sequence

from .model import Dimension, RuleSet

__all__ = ["generate_rules_yaml", "write_ruleset", "threshold_grid", "random_values", "STYLES"]

STYLES = ("plain", "mixed")


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


def _condition(rng: random.Random, dims: Sequence[Dimension], style: str, depth: int = 0) -> str:
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
