"""structlog set-up: one line per event, JSON for machines or key=value for people.

Profiles never reach the log at info level: call lines carry ids, counts, timings, statuses and
the rule-set version only (PRODUCT.md guard-rails).
"""

from __future__ import annotations

import logging
import sys

import structlog

__all__ = ["configure_logging"]


def configure_logging(fmt: str = "console", level: str = "info", **context: object) -> structlog.BoundLogger:
    """Configure structlog for this process; ``context`` (worker, pid …) goes on every line."""
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=False))

    def add_context(_: object, __: str, event: dict) -> dict:
        for key, value in context.items():
            event.setdefault(key, value)
        return event

    structlog.configure(
        processors=[
            add_context,
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        # One write() per line: several worker processes share stderr, and a line written in two
        # pieces (as print() does) can be torn apart by another process's line.
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    return structlog.get_logger("trivsel").bind(**context)
