"""Where one batch profile's time goes, stage by stage, in-process (``python -m bench stages``).

The budget table of ``bench/grpc_bench.py`` says how far the handler is from a target; this says
which stages make up the handler, so that a proposal to close the gap can be sized against them
(for instance: all of durable_rules' matching is this share, so replacing it can save at most
this much). Each stage runs alone over the 100 profiles of the benchmark's batch request
(``bench/load.py``), on inputs prepared by the stage before; the stages are timed in turn, round
after round, in CPU time, and the median round of each is printed. The sum of the stages falls
short of the whole handler's time: the handler also makes a request id, writes the call's log line
and checks the deadline, and a stage run alone finds its data in warm caches, which matters most
for the full rationale (a megabyte of answer per batch). The last rows show both.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trivsel.api import convert, wire
from trivsel.engine import Options
from trivsel.engine.durable_compile import FactWriter, short_keys
from trivsel.engine.profile import ProfileChecker
from trivsel.engine.rank import Scorer, order
from trivsel.service.state import RuleSetHolder

from .handler_loop import prepare, time_per_profile
from .load import request_for
from .machine import machine_line

__all__ = ["measure", "main", "ROUNDS"]

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7


def _median_us(stages: dict[str, Callable[[], Any]], profiles: int) -> dict[str, float]:
    """Median µs per profile of each stage, the stages interleaved round by round."""
    samples: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(ROUNDS):
        for name, run in stages.items():
            start = time.process_time()
            run()
            samples[name].append((time.process_time() - start) * 1e6 / profiles)
    return {name: statistics.median(values) for name, values in samples.items()}


def measure() -> tuple[dict[str, float], dict[str, float]]:
    """(stage → µs per profile, whole handler → µs per profile) for the ids and full batches."""
    holder = RuleSetHolder(ROOT / "rules")
    holder.reload()
    try:
        return _measure(holder)
    finally:
        holder.close()


def _measure(holder: RuleSetHolder) -> tuple[dict[str, float], dict[str, float]]:
    snapshot = holder.current
    if snapshot is None:
        raise RuntimeError("the bundled rules did not load")
    rec, renderer, ruleset = snapshot.recommender, snapshot.renderer, snapshot.recommender.ruleset
    _, request = request_for("batch-ids")
    data = request.SerializeToString()  # type: ignore[attr-defined]
    messages = list(request.profiles)  # type: ignore[attr-defined]
    checker, scorer = ProfileChecker(ruleset), Scorer(ruleset)
    fact = FactWriter(short_keys(list(ruleset.dimensions)))
    profiles = [convert.profile_from_proto(m) for m in messages]
    values = [checker.check(p).values for p in profiles]
    fired = [rec.match(v) for v in values]
    scores = [scorer.score(f, v, False) for f, v in zip(fired, values)]
    evaluations = [rec.evaluate(p) for p in profiles]
    ids, full = Options(detail="ids"), Options()
    answers = [renderer.response(e, full) for e in evaluations]
    ruleset_bytes = renderer.ruleset_bytes

    def assemble() -> bytes:
        return wire.batch([wire.batch_item(i, m.department_id, a) for i, (m, a) in enumerate(zip(messages, answers))],
                          ruleset_bytes)

    stages = {
        "decode the request": lambda: request.FromString(data),  # type: ignore[attr-defined]
        "read each profile message": lambda: [convert.profile_from_proto(m) for m in messages],
        "check the profile": lambda: [checker.check(p) for p in profiles],
        "write the fact": lambda: [fact(v) for v in values],
        "match: fact + durable_rules": lambda: [rec.match(v) for v in values],
        "score": lambda: [scorer.score(f, v, False) for f, v in zip(fired, values)],
        "order": lambda: [order(s.candidates, ruleset, False) for s in scores],
        "encode the answer, ids": lambda: [renderer.response(e, ids) for e in evaluations],
        "encode the answer, full rationale": lambda: [renderer.response(e, full) for e in evaluations],
        "assemble the batch response (full rationale)": assemble,
    }
    stage_us = _median_us(stages, len(messages))
    whole = {}
    log_sink = open(os.devnull, "w")  # noqa: SIM115 - the prepared handlers log into it until exit
    for kind in ("batch-ids", "batch-full"):
        call, per_call, _ = prepare(kind, ROOT, log_sink)
        call()
        whole[kind] = time_per_profile(call, per_call, 4)
    return stage_us, whole


def main(argv: Sequence[str] | None = None) -> int:
    """Print the stage table (Markdown, as recorded in docs/BENCHMARKS.md); takes no arguments."""
    if argv:
        print("usage: python -m bench stages", file=sys.stderr)
        return 2
    stage_us, whole = measure()
    print(f"## Stages of a batch profile, in-process\n\n{machine_line()}\n"
          f"The benchmark's batch (100 example profiles), each stage alone, median of {ROUNDS} interleaved rounds; "
          "µs of CPU time per profile. Matching includes writing the fact.\n")
    print("| stage | µs per profile | share of the ids-only handler | share of the full-rationale handler |")
    print("|---|---|---|---|")
    for name, us in stage_us.items():
        ids_share = "" if name.endswith(("full rationale", "(full rationale)")) else f"{us / whole['batch-ids']:.0%}"
        full_share = "" if name.endswith(", ids") else f"{us / whole['batch-full']:.0%}"
        print(f"| {name} | {us:.1f} | {ids_share} | {full_share} |")
    shared = sum(us for name, us in stage_us.items()
                 if name != "write the fact" and not name.startswith(("encode", "assemble")))
    for kind, label, last in (("batch-ids", "ids-only", ("encode the answer, ids",)),
                              ("batch-full", "full-rationale", ("encode the answer, full rationale",
                                                                "assemble the batch response (full rationale)"))):
        parts = shared + sum(stage_us[name] for name in last)
        print(f"| the stages of one {label} answer, summed | {parts:.1f} | | |")
        print(f"| the whole `RecommendBatch` handler, {label} (`bench/handler_loop.py`) | {whole[kind]:.1f} | | |")
    return 0
