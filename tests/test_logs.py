"""The log set-up: one JSON object per line, with the process context and an ISO UTC timestamp."""

from __future__ import annotations

import datetime as _dt
import io
import json
import sys
import time
from pathlib import Path

import pytest
import structlog

from trivsel.service.logs import UtcTimestamp, configure_logging

_STREAMS: list[io.TextIOWrapper] = []  # kept open: a logger cached during a test may still hold one


@pytest.fixture(autouse=True)
def _restore_logging():
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def _capture(monkeypatch, fmt: str) -> io.BytesIO:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    _STREAMS.append(stream)
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging(fmt, "info", worker=3, pid=42)
    return raw


def test_json_lines_carry_context_level_and_timestamp(monkeypatch) -> None:
    raw = _capture(monkeypatch, "json")
    before = _dt.datetime.now(_dt.UTC)
    log = structlog.get_logger("trivsel.test")
    log.info("rpc", method="Recommend", latency_ms=0.5, path=Path("/x"), worker=7)
    log.debug("hidden")
    log.warning("Æblegrød")
    lines = raw.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "rpc" and first["level"] == "info" and first["pid"] == 42
    assert first["worker"] == 7  # the line's own field wins over the process context
    assert first["path"] == "/x"  # what JSON cannot hold is written as text
    stamp = _dt.datetime.fromisoformat(first["timestamp"])
    assert first["timestamp"].endswith("Z") and len(first["timestamp"]) == len("2026-01-01T00:00:00.000000Z")
    assert abs((stamp - before).total_seconds()) < 5
    assert second["event"] == "Æblegrød" and second["worker"] == 3


def test_timestamp_follows_the_clock_across_seconds() -> None:
    stamp = UtcTimestamp()
    seen = []
    for _ in range(4):
        event = stamp(None, "info", {})
        now = _dt.datetime.now(_dt.UTC)
        seen.append(_dt.datetime.fromisoformat(event["timestamp"]))
        assert abs((seen[-1] - now).total_seconds()) < 0.05
        time.sleep(0.45)
    assert (seen[-1] - seen[0]).total_seconds() > 1.2  # the cached second moved on


def test_a_field_orjson_refuses_still_gets_its_line(monkeypatch) -> None:
    raw = _capture(monkeypatch, "json")
    log = structlog.get_logger("trivsel.test")
    log.warning("rules.changed", folder="/srv/r\udcff", big=2 ** 70, k={1: "non-str key"})
    line = json.loads(raw.getvalue().decode("utf-8").splitlines()[-1])
    assert line["event"] == "rules.changed" and line["big"] == 2 ** 70 and line["k"] == {"1": "non-str key"}


def test_console_format_is_key_value(monkeypatch) -> None:
    raw = _capture(monkeypatch, "console")
    structlog.get_logger("trivsel.test").info("reload", outcome="loaded")
    text = raw.getvalue().decode("utf-8")
    assert "reload" in text and "outcome=loaded" in text and "worker=3" in text
