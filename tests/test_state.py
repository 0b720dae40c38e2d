"""The serving rule set: whatever a reload meets, the last good snapshot keeps serving."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trivsel.engine import durable_compile
from trivsel.engine.synthetic import WIDE_SHAPES, wide_rule_yaml
from trivsel.service import state
from trivsel.service.state import LOADED, REFUSED, UNCHANGED, RuleSetHolder

PROFILE_VALUES = {"influence": 20.0, "meaning": 20.0, "work_pace": 90.0}


def _serves(holder: RuleSetHolder) -> tuple[str, tuple[int, ...]]:
    with holder.lease() as snapshot:
        assert snapshot is not None
        return snapshot.info.fingerprint, snapshot.recommender.match(PROFILE_VALUES)


def test_a_wide_rule_dropped_in_is_loaded_and_fires(rules_copy: Callable[..., Path]) -> None:
    folder = rules_copy()
    holder = RuleSetHolder(folder)
    assert holder.reload().outcome == LOADED
    (folder / "themes" / "zz-wide.yaml").write_text(wide_rule_yaml("six-pairs", WIDE_SHAPES["six-pairs"]))
    outcome = holder.reload()
    assert outcome.outcome == LOADED, [str(p) for p in outcome.problems]
    with holder.lease() as snapshot:
        assert snapshot is not None
        index = snapshot.recommender.ruleset.rule("six-pairs").index
        worst = dict.fromkeys(("influence", "recognition", "support_supervisor", "vertical_trust", "role_clarity"), 5.0)
        assert index in snapshot.recommender.match({**worst, "work_pace": 95.0})
    holder.close()


def test_an_engine_refusal_keeps_the_last_good_rule_set(rules_copy: Callable[..., Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = rules_copy()
    holder = RuleSetHolder(folder)
    holder.reload()
    before = _serves(holder)
    (folder / "themes" / "zz-wide.yaml").write_text(wide_rule_yaml("fourteen", WIDE_SHAPES["or-of-14-ands"]))
    monkeypatch.setattr(durable_compile, "MAX_LOGIC_NODES", 100)  # the C engine now refuses the rule (error 113)
    outcome = holder.reload()
    assert outcome.outcome == REFUSED
    assert [p.code for p in holder.refused if p.is_error] == ["engine-refused"]
    assert _serves(holder) == before
    monkeypatch.undo()
    assert holder.reload().outcome == LOADED and holder.refused == ()
    holder.close()


def test_an_unexpected_exception_is_a_refusal_not_a_crash(rules_copy: Callable[..., Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = rules_copy()
    holder = RuleSetHolder(folder)
    holder.reload()
    before = _serves(holder)

    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    (folder / "themes" / "new.yaml").write_text(wide_rule_yaml("new-rule", "influence < 10"))
    monkeypatch.setattr(state, "check_ruleset", broken)
    outcome = holder.reload()
    assert outcome.outcome == REFUSED and outcome.snapshot is not None
    assert [p.code for p in holder.refused] == ["load-failed"]
    assert "No space left on device" in holder.refused[0].message
    assert _serves(holder) == before
    monkeypatch.undo()
    assert holder.reload().outcome == LOADED
    assert holder.reload().outcome == UNCHANGED
    holder.close()
