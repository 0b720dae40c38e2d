"""The serving rule set: one immutable snapshot at a time, swapped atomically on reload.

A request takes a lease on the current snapshot and finishes on it, even if a reload swaps in a
new one meanwhile. The old snapshot's matcher (C memory in durable_rules) is freed when its last
lease ends. A reload builds and validates the new rule set completely before the swap; a broken
rule set never replaces a working one — its problems are kept for ``Describe``.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from structlog.typing import FilteringBoundLogger

from trivsel.api.wire import WireRenderer
from trivsel.engine import Recommender, build_recommender, check_ruleset
from trivsel.engine.build import compile_ruleset
from trivsel.engine.loader import rule_files
from trivsel.engine.model import RuleSetInfo
from trivsel.engine.problems import Position, Problem

__all__ = ["Snapshot", "RuleSetHolder", "ReloadOutcome", "LOADED", "UNCHANGED", "REFUSED", "log_refusal"]

LOADED, UNCHANGED, REFUSED = "loaded", "unchanged", "refused"
MAX_LOGGED_PROBLEMS = 10
"""Errors of a refused reload written to the log, each worker, each reload: a folder with
thousands of problems must not flood the log (Describe and ``trivsel lint`` list them all)."""


def log_refusal(log: FilteringBoundLogger, problems: tuple[Problem, ...]) -> None:
    """The first :data:`MAX_LOGGED_PROBLEMS` errors of a refused reload, then how many more there are."""
    errors = [p for p in problems if p.is_error]
    for problem in errors[:MAX_LOGGED_PROBLEMS]:
        log.warning("reload.problem", problem=str(problem))
    if len(errors) > MAX_LOGGED_PROBLEMS:
        log.warning("reload.problems_not_logged", count=len(errors) - MAX_LOGGED_PROBLEMS,
                    see="Describe (refused_reload) or trivsel lint")


@dataclass
class Snapshot:
    """A loaded rule set with its recommender and wire renderer, and how many calls use it."""

    recommender: Recommender
    renderer: WireRenderer
    leases: int = 0
    retired: bool = False

    @classmethod
    def of(cls, recommender: Recommender) -> Snapshot:
        return cls(recommender, WireRenderer(recommender))

    @property
    def info(self) -> RuleSetInfo:
        return self.recommender.ruleset.info


@dataclass(frozen=True)
class ReloadOutcome:
    outcome: str
    problems: tuple[Problem, ...]
    snapshot: Snapshot | None
    fallback: bool = False  # the folder was refused and the last good copy was loaded instead


class RuleSetHolder:
    """Holds the serving snapshot; ``lease()`` for requests, ``reload()`` for changes."""

    def __init__(self, folder: str | Path, on_change: Callable[[bool], None] | None = None,
                 last_good: Path | None = None) -> None:
        self.folder = Path(folder)
        self.last_good = last_good
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._current: Snapshot | None = None
        self._on_change = on_change
        self.refused: tuple[Problem, ...] = ()
        self.refused_at: _dt.datetime | None = None

    @property
    def current(self) -> Snapshot | None:
        return self._current

    @contextmanager
    def lease(self) -> Iterator[Snapshot | None]:
        """The current snapshot, kept alive until the block ends (None if nothing is loaded)."""
        with self._lock:
            snapshot = self._current
            if snapshot is not None:
                snapshot.leases += 1
        try:
            yield snapshot
        finally:
            if snapshot is not None:
                with self._lock:
                    snapshot.leases -= 1
                    free = snapshot.retired and snapshot.leases == 0
                if free:
                    snapshot.recommender.close()

    def reload(self) -> ReloadOutcome:
        """Validate, compile and load the folder; swap only if it is valid and different.

        Never raises: whatever goes wrong while reading or compiling a rule set (a bug of ours, the
        C engine refusing a rule, a full disk) refuses the new version with a problem saying so, and
        the current snapshot keeps serving.
        """
        with self._reload_lock:
            try:
                return self._reload()
            except Exception as exc:
                problem = Problem(Position(str(self.folder)), f"the rule set could not be loaded: "
                                  f"{type(exc).__name__}: {exc}"[:500], "load-failed")
                self._refuse((problem,))
                return ReloadOutcome(REFUSED, (problem,), self._current)

    def _refuse(self, problems: tuple[Problem, ...]) -> None:
        self.refused = problems
        self.refused_at = _dt.datetime.now(_dt.UTC)

    def _reload(self) -> ReloadOutcome:
        ruleset, problems = check_ruleset(self.folder)
        current = self._current
        if ruleset is not None and current is not None and current.info.fingerprint == ruleset.info.fingerprint:
            self.refused, self.refused_at = (), None
            return ReloadOutcome(UNCHANGED, problems, current)
        # the same step as `trivsel lint`: what lint accepts is what gets served
        recommender, problems = compile_ruleset(ruleset, problems) if ruleset is not None else (None, problems)
        fallback = False
        if recommender is None:
            self._refuse(problems)
            if current is not None or self.last_good is None or not self.last_good.is_dir():
                return ReloadOutcome(REFUSED, problems, current)
            # Starting with a broken folder: serve the last version that loaded (what the other
            # workers serve), and keep reporting the folder's problems.
            recommender, _ = build_recommender(self.last_good)
            if recommender is None:
                return ReloadOutcome(REFUSED, problems, None)
            fallback = True
        ruleset = recommender.ruleset
        try:
            snapshot = Snapshot.of(recommender)
        except BaseException:
            recommender.close()
            raise
        with self._lock:
            old, self._current = self._current, snapshot
            free = False
            if old is not None:
                old.retired = True
                free = old.leases == 0
        if free and old is not None:
            old.recommender.close()
        if fallback:
            return ReloadOutcome(REFUSED, problems, snapshot, fallback=True)
        self.refused, self.refused_at = (), None
        self._keep(ruleset.folder)
        if self._on_change:
            self._on_change(True)
        return ReloadOutcome(LOADED, problems, snapshot)

    def _keep(self, folder: str) -> None:
        """Copy the rule set that just loaded to ``last_good`` (complete copy, then an atomic swap)."""
        if self.last_good is None:
            return
        source = Path(folder)
        staging = self.last_good.with_name(f"{self.last_good.name}.{os.getpid()}.tmp")
        try:
            shutil.rmtree(staging, ignore_errors=True)
            for path in rule_files(source):
                target = staging / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            link = self.last_good.with_name(f"{self.last_good.name}.{os.getpid()}.link")
            final = self.last_good.with_name(f"{self.last_good.name}.{os.getpid()}.{time.monotonic_ns()}")
            staging.rename(final)
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(final, link)
            old = os.path.realpath(self.last_good) if self.last_good.is_symlink() else None
            os.replace(link, self.last_good)
            if old and old != str(final):
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # a cache: losing it costs nothing now

    def close(self) -> None:
        with self._lock:
            snapshot, self._current = self._current, None
            if snapshot is not None:
                snapshot.retired = True
                free = snapshot.leases == 0
            else:
                free = False
        if free and snapshot is not None:
            snapshot.recommender.close()
