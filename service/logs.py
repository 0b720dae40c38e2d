"""structlog set-up: one line per event, JSON for machines or key=value for people.

Profiles never reach the log at info level: call lines carry ids, counts, timings, statuses and
the rule-set version only (docs/SECURITY.md: logs never hold profile values).

The server writes one line per call, so the JSON chain is kept cheap: the process's context
(worker, pid …) is added by one small processor (no context variables are merged), the timestamp reuses its formatted
second, and lines are rendered by orjson straight to bytes (``json.dumps`` alone cost more than
a tenth of a whole ``Recommend`` call).
"""

from __future__ import annotations

import json
import logging
import sys
import time

import orjson
import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor

__all__ = ["configure_logging", "UtcTimestamp"]


class UtcTimestamp:
    """A structlog processor adding ``timestamp``: ISO 8601 UTC with microseconds, always six
    digits (``2026-11-29T10:00:00.123456Z``).

    Like ``structlog.processors.TimeStamper(fmt="iso", utc=True)``, but the date and time of day
    are formatted once per second, not once per line. One instance per logging configuration.
    """

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, _: object, __: str, event: EventDict) -> EventDict:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        event["timestamp"] = f"{self._prefix}.{int((now - second) * 1_000_000):06d}Z"
        return event


def _fallback(value: object) -> str:
    """Anything orjson cannot write (paths, exceptions …) is logged as its text."""
    return str(value)


def _orjson(event: object, **_: object) -> bytes:
    """The line as JSON bytes. What orjson refuses outright — text with lone surrogates (a
    non-UTF-8 file name), keys that are not strings, integers past 64 bits — goes through the
    standard library instead, so an odd field never costs the line or the call."""
    try:
        return orjson.dumps(event, default=_fallback)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(event, default=_fallback).encode("utf-8", "backslashreplace")


def configure_logging(fmt: str = "console", level: str = "info", *, trace_ids: bool = False,
                      **context: object) -> FilteringBoundLogger:
    """Configure structlog for this process; ``context`` (worker, pid …) goes on every line.
    ``trace_ids``: lines written inside a traced call carry its ``trace_id`` and ``span_id``
    (service/tracing.py), so a log line leads to its trace and back."""
    processors: list[Processor] = [structlog.processors.add_log_level, UtcTimestamp(),
                             structlog.processors.format_exc_info]
    if trace_ids:
        from .tracing import trace_ids as add_trace_ids

        processors.insert(0, add_trace_ids)
    # One write() per line: several worker processes share stderr, and a line written in two
    # pieces (as print() does) can be torn apart by another process's line.
    binary = getattr(sys.stderr, "buffer", None)
    if fmt == "json" and binary is not None:
        processors.append(structlog.processors.JSONRenderer(serializer=_orjson))
        factory: structlog.BytesLoggerFactory | structlog.WriteLoggerFactory = structlog.BytesLoggerFactory(binary)
    elif fmt == "json":  # a text-only stderr (some embedding hosts)
        processors.append(structlog.processors.JSONRenderer(serializer=lambda e, **_: _orjson(e).decode()))
        factory = structlog.WriteLoggerFactory(sys.stderr)
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=False))
        factory = structlog.WriteLoggerFactory(sys.stderr)
    structlog.configure(
        processors=[_add_context(context), *processors],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    logger: FilteringBoundLogger = structlog.get_logger("trivsel")
    return logger


def _add_context(context: dict[str, object]) -> Processor:
    """The process's fields (worker, pid …), added to every line without overriding the line's own."""
    items = tuple(context.items())

    def add(_: object, __: str, event: EventDict) -> EventDict:
        for key, value in items:
            if key not in event:
                event[key] = value
        return event

    return add
