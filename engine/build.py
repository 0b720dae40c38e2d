"""One step from a rules folder to a serving matcher, shared by ``trivsel lint``, ``trivsel test``
and the server, so that what lint accepts is exactly what the server runs.

The step is: validate the folder (:func:`engine.loader.check_ruleset`, which already refuses
conditions over the compiler's limits), then compile the rules into durable_rules shards and
create them in the C engine. The second half can, in principle, still fail — durable_rules has
limits we know of and may have some we do not — so a refusal there is turned into located
problems naming the rules the engine would not take (found by trying each rule of the refused
shard alone), never into an exception that takes a worker down.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .durable_adapter import DurableMatcher, ShardError
from .durable_compile import ComplexityError, ShardSpec, plan_shards
from .loader import check_ruleset
from .model import RuleSet
from .problems import Position, Problem, RuleSetError

if TYPE_CHECKING:
    from .recommender import Recommender

__all__ = ["build_recommender", "compile_ruleset", "build_matcher"]

ENGINE_REFUSED = "engine-refused"


def _culprits(ruleset: RuleSet, spec: ShardSpec, keys: dict[str, str]) -> list[int]:
    """The rules of a refused shard that the engine refuses on their own (all of them if none is)."""
    indices = sorted(set(spec.names.values()))
    bad = []
    for index in indices:
        try:
            DurableMatcher(plan_shards([ruleset.rules[index].condition], keys)).close()
        except ShardError:
            bad.append(index)
    return bad or indices


def build_matcher(ruleset: RuleSet, keys: dict[str, str]) -> DurableMatcher:
    """The rule set's matcher; raises :class:`RuleSetError` with located problems if it cannot be built."""
    conditions = [rule.condition for rule in ruleset.rules]
    try:
        specs = plan_shards(conditions, keys)
    except ComplexityError as exc:  # the loader checks this first; kept for rule sets built in code
        raise RuleSetError.of([Problem(Position(ruleset.folder), str(exc), "too-complex")]) from exc
    try:
        return DurableMatcher(specs)
    except ShardError as exc:
        culprits = _culprits(ruleset, specs[exc.index], keys)
        raise RuleSetError.of(
            Problem(ruleset.rules[i].position, f"the matching engine refused rule '{ruleset.rules[i].id}' "
                    f"({exc.__cause__ or exc}); simplify its condition or split it into several rules",
                    ENGINE_REFUSED) for i in culprits) from exc


def build_recommender(folder: str | Path, today: _dt.date | None = None
                      ) -> tuple[Recommender | None, tuple[Problem, ...]]:
    """Validate and compile a rules folder: the recommender (None if refused) and every problem."""
    ruleset, problems = check_ruleset(folder, today)
    if ruleset is None:
        return None, problems
    return compile_ruleset(ruleset, problems)


def compile_ruleset(ruleset: RuleSet, problems: Sequence[Problem] = ()
                    ) -> tuple[Recommender | None, tuple[Problem, ...]]:
    """The second half of :func:`build_recommender`, for a rule set that validated: its recommender
    (None if the engine refused a rule) and ``problems`` with the engine's refusals added."""
    from .recommender import Recommender

    try:
        return Recommender(ruleset), tuple(problems)
    except RuleSetError as exc:
        return None, _merged(problems, exc.problems)


def _merged(first: Sequence[Problem], second: Sequence[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted((*first, *second), key=lambda p: (p.position, p.code)))
