"""Compare durable_rules firings with the plain-Python evaluation of the same conditions.

Run as a separate process by ``test_matching.py`` so that a crash (segfault) or a hang in the C
engine shows up as a failed test with a timeout, not as a dead test run.

    python -m tests.crosscheck --rules rules --profiles 5000 [--generate 1000 --style mixed]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from trivsel.engine import Recommender, load_ruleset
from trivsel.engine.conditions import predicate
from trivsel.engine.synthetic import random_values, write_ruleset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", default="rules")
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--generate", type=int, default=0)
    parser.add_argument("--style", default="mixed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    folder = Path(args.rules)
    with tempfile.TemporaryDirectory() as tmp:
        if args.generate:
            folder = write_ruleset(Path(tmp) / "generated", folder, args.generate, args.seed, args.style)
        ruleset = load_ruleset(folder)
        recommender = Recommender(ruleset)
        predicates = [predicate(rule.condition) for rule in ruleset.rules]
        rng = random.Random(args.seed)
        mismatches, fired_total, examples = 0, 0, []
        for _ in range(args.profiles):
            values = random_values(rng, ruleset.dimensions)
            durable = set(recommender.match(values))
            python = {i for i, p in enumerate(predicates) if p(values)}
            fired_total += len(durable)
            if durable != python:
                mismatches += 1
                if len(examples) < 5:
                    examples.append({"values": values, "durable_only": sorted(durable - python),
                                     "python_only": sorted(python - durable)})
        recommender.close()
    json.dump({"rules": len(ruleset.rules), "shards": recommender.shard_count, "profiles": args.profiles,
               "mismatches": mismatches, "mean_fired": fired_total / max(1, args.profiles),
               "examples": examples}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
