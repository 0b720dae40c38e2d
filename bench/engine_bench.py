"""Per-profile cost of ``recommend`` against zen-engine and a plain-Python evaluator.

For the bundled rules and for generated sets of 100 and 1,000 rules, over the same random
profiles (20 % of dimensions missing, many values on thresholds), it prints the median µs of:

* trivsel recommend — check + durable_rules match + rank + explain (full rationale, English);
* trivsel match     — the durable_rules matching alone;
* python            — the same conditions evaluated by closures in plain Python;
* zen               — zen-engine evaluating the same rules as a ``collect`` decision table;

then the ratios, and the number of profiles on which zen's or Python's firings differ from ours.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from trivsel.engine import Department, Options, Profile, Recommender, load_ruleset
from trivsel.engine.conditions import predicate
from trivsel.engine.synthetic import random_values, write_ruleset

from .machine import machine_line
from .zen_table import decision_table

RULES = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Row:
    name: str
    rules: int
    shards: int
    mean_fired: float
    recommend_us: float
    match_us: float
    python_us: float
    zen_us: float | None
    zen_mismatches: int | None


def _interleaved_medians(calls: dict[str, Callable[[int], object]], count: int, rounds: int) -> dict[str, float]:
    """Median µs per call of each function, timed alternately on the same item.

    Interleaving makes the machine's noise (a shared VM here) fall on every engine alike, so the
    ratios stay meaningful even when absolute numbers drift.
    """
    samples: dict[str, list[int]] = {name: [] for name in calls}
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for i in range(count):
            for name, fn in calls.items():
                start = clock()
                fn(i)
                samples[name].append(clock() - start)
    return {name: statistics.median(s) / 1000 for name, s in samples.items()}


def measure(name: str, folder: Path, profiles: int, rounds: int, seed: int) -> Row:
    ruleset = load_ruleset(folder)
    recommender = Recommender(ruleset)
    rng = random.Random(seed)
    values = [random_values(rng, ruleset.dimensions) for _ in range(profiles)]
    requests = [Profile(Department(f"d{i}"), 20, MappingProxyType(v)) for i, v in enumerate(values)]
    predicates = [predicate(rule.condition) for rule in ruleset.rules]
    options = Options(language="en")
    gc.collect()
    gc.freeze()  # as the server does after loading: long-lived rule data leaves the GC's young generations

    def python_match(v: dict) -> list[int]:
        return [i for i, p in enumerate(predicates) if p(v)]

    fired = [set(recommender.match(v)) for v in values]
    assert all(f == set(python_match(v)) for f, v in zip(fired, values)), "durable and python disagree"
    for request in requests[:50]:
        recommender.recommend(request, options)  # warm-up
    calls: dict[str, Callable[[int], object]] = {
        "recommend": lambda i: recommender.recommend(requests[i], options),
        "match": lambda i: recommender.match(values[i]),
        "python": lambda i: python_match(values[i]),
    }
    zen_mismatches = None
    try:
        import zen  # type: ignore[import-not-found]
    except ImportError:
        zen = None
    if zen is not None:
        decision = zen.ZenEngine().create_decision(decision_table(ruleset.rules, list(ruleset.dimensions)))
        ids = {rule.id: rule.index for rule in ruleset.rules}
        zen_mismatches = sum(1 for v, f in zip(values, fired)
                             if {ids[r["rule"]] for r in decision.evaluate(v)["result"]} != f)
        calls["zen"] = lambda i: decision.evaluate(values[i])
    medians = _interleaved_medians(calls, len(values), rounds)
    recommend_us, match_us, python_us = medians["recommend"], medians["match"], medians["python"]
    zen_us = medians.get("zen")
    recommender.close()
    return Row(name, len(ruleset.rules), recommender.shard_count, statistics.mean(len(f) for f in fired),
               recommend_us, match_us, python_us, zen_us, zen_mismatches)


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:,.1f}"


def render(rows: Sequence[Row]) -> str:
    head = ("| rule set | rules | shards | fired/profile | trivsel recommend µs | durable match µs | python µs "
            "| zen µs | zen ÷ recommend | recommend ÷ python | zen mismatches |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        ratio = "–" if r.zen_us is None else f"{r.zen_us / r.recommend_us:.2f}×"
        lines.append(f"| {r.name} | {r.rules} | {r.shards} | {r.mean_fired:.1f} | {_fmt(r.recommend_us)} | "
                     f"{_fmt(r.match_us)} | {_fmt(r.python_us)} | {_fmt(r.zen_us)} | {ratio} | "
                     f"{r.recommend_us / r.python_us:.1f}× | "
                     f"{r.zen_mismatches if r.zen_mismatches is not None else '–'} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(f"## Engine: recommend vs zen-engine vs plain Python\n\n{machine_line()}\n"
          f"{args.profiles} random profiles × {args.rounds} rounds; medians per profile.\n")
    rows = [measure("bundled (NFA default)", RULES, args.profiles, args.rounds, args.seed)]
    with tempfile.TemporaryDirectory() as tmp:
        for count in (100, 1000):
            folder = write_ruleset(Path(tmp) / f"gen{count}", RULES, count, seed=count, style="plain")
            rows.append(measure(f"generated {count}", folder, args.profiles, args.rounds, args.seed))
    print(render(rows))
    print("\ntargets (issue #17: recommend ≤ 0.5× zen's matching alone up to 100 rules, ≤ 1.0× at 1,000):")
    for r in rows:
        if r.zen_us is not None:
            limit = 1.0 if r.rules > 100 else 0.5
            ratio = r.recommend_us / r.zen_us
            verdict = "met" if ratio <= limit else "NOT met"
            print(f"- {r.name}: recommend ÷ zen {ratio:.2f}× (≤ {limit:.1f}×: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
