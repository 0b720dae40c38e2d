"""The only module that touches durable_rules.

durable_rules' C core is process-global and not thread-safe, never releases the GIL, and its
``Host`` starts timer threads that crash under load (docs/MATCHING.md). So we
drive the C module directly, every call under one process-wide lock, with one fixed sid per shard:
``assert_fact`` → drain the actions → ``retract_fact``. Threads add no parallelism here; scale with
processes. Handles are freed with the close sentinel first, because ``delete_state`` on a state
whose actions never ran frees an uninitialised pointer.

Fault injection: ``TRIVSEL_FAILPOINTS=durable-match:N`` makes the N-th match of this process send
the engine a fact it cannot parse (``1e-05``, see docs/MATCHING.md), so tests can drive the
real error path of the C core end to end. It is read once at import and is off by default.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Sequence

import durable_rules_engine as _dre

from .durable_compile import CLOSE_FACT, CLOSE_RETRACT, RETRACT_FACT, ShardSpec
from .errors import MatchError, ShardError  # defined there: mypyc compiles this module, not them

__all__ = ["DurableMatcher", "MatchError", "ShardError"]

_LOCK = threading.Lock()
_NAMES = itertools.count()
_MATCHES = itertools.count(1)
_FAIL_AT = {int(spec.split(":", 1)[1]) for spec in os.environ.get("TRIVSEL_FAILPOINTS", "").split(",")
            if spec.startswith("durable-match:") and spec.split(":", 1)[1].isdigit()}
_BROKEN_FACT = '{"sid":"0","id":"f","__e":1,"v0":1e-05}'


def _create(spec: ShardSpec) -> int:
    handle: int = _dre.create_ruleset(f"trivsel{next(_NAMES)}", spec.definition)
    return handle


def _drain(handle: int, state: int, names: dict[str, int] | None, fired: set[int]) -> None:
    result = _dre.start_action_for_state(handle, state)
    message: str | None = result[1] if result else None  # typed: compiled, the slicing below is native
    while message:
        name = message[2:message.index('"', 2)]
        if names is not None:
            index = names.get(name)
            if index is not None:
                fired.add(index)
        message = _dre.complete_and_start_action(handle, state)


def _free(handle: int) -> None:
    """Release one ruleset handle safely (close sentinel, then state, then ruleset)."""
    try:
        code, state = _dre.assert_fact(handle, CLOSE_FACT)
        if code == 0:
            _drain(handle, state, None, set())
        _dre.retract_fact(handle, CLOSE_RETRACT)
        _dre.delete_state(handle, "0")
    except _dre.error:
        pass
    _dre.delete_ruleset(handle)


class DurableMatcher:
    """Matches profiles against the sharded rulesets of one compiled rule set.

    ``match`` returns the indices of the rules whose condition is true. Instances are cheap to
    share between threads (every engine call takes the process lock) and must be ``close``\\ d when a
    rule set is replaced, or the C memory (~1.3 MiB per shard) stays allocated.
    """

    def __init__(self, shards: Sequence[ShardSpec]) -> None:
        self._specs = tuple(shards)
        self._names = [dict(spec.names) for spec in self._specs]
        self._handles: list[int] = []
        self._closed = False
        self.rebuilds = 0
        for i, spec in enumerate(self._specs):
            # one shard per lock hold: a rule set of hundreds of shards must not stop the
            # matching of the rule set that is serving meanwhile (a shard takes milliseconds to build)
            with _LOCK:
                try:
                    self._handles.append(_create(spec))
                except (_dre.error, MemoryError) as exc:
                    for handle in self._handles:
                        _free(handle)
                    self._handles, self._closed = [], True
                    raise ShardError(i, f"the matching engine refused shard {i}: {exc}") from exc

    @property
    def shard_count(self) -> int:
        return len(self._specs)

    def match(self, fact: str) -> set[int]:
        """Rule indices that fire for ``fact`` (a JSON object from ``durable_compile.FactWriter``)."""
        fired: set[int] = set()
        with _LOCK:
            if self._closed:
                raise MatchError("matcher is closed")
            if _FAIL_AT and next(_MATCHES) in _FAIL_AT:
                fact = _BROKEN_FACT
            for i, handle in enumerate(self._handles):
                try:
                    code, state = _dre.assert_fact(handle, fact)
                    if code == 0:
                        _drain(handle, state, self._names[i], fired)
                    elif code != 1:
                        raise _dre.error(f"unexpected assert result {code}")
                    _dre.retract_fact(handle, RETRACT_FACT)
                except (_dre.error, MemoryError) as exc:
                    self._rebuild(i)
                    raise MatchError(f"matching engine failed in shard {i}: {exc}") from exc
        return fired

    def _rebuild(self, i: int) -> None:
        """Replace shard ``i`` by a fresh handle; the old one is abandoned, not freed (it may be corrupt).

        The engine may have kept part of the failed fact, so the fresh handle starts clean; the cost
        is the old handle's memory (~1.3 MiB), once per fault.
        """
        self.rebuilds += 1
        self._handles[i] = _create(self._specs[i])

    def close(self) -> None:
        with _LOCK:
            if self._closed:
                return
            self._closed = True
            for handle in self._handles:
                _free(handle)
            self._handles = []

