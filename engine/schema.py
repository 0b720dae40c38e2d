"""Typed readers over positioned YAML nodes that collect problems instead of raising.

Each reader returns the value, or ``None`` after recording a located :class:`Problem` — so a file
with ten mistakes reports ten problems in one run. Unknown keys get a "did you mean".
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable

from .model import LANGUAGES, Text
from .problems import ERROR, WARNING, Position, Problem
from .suggestions import closest
from .yaml_source import YamlNode

__all__ = ["Reader", "ID_PATTERN", "DIMENSION_ID_PATTERN", "parse_date"]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DIMENSION_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ID_LENGTH = 80

_KIND_NAMES = {"map": "a mapping", "seq": "a list", "scalar": "a single value"}


def parse_date(value: object) -> _dt.date | None:
    """``value`` as a date — a date, the day of a datetime, or ISO text (``2025-05-01``) — or None
    if it is none of these (the caller says what was expected)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    return None


class Reader:
    """Reads one file's nodes; ``problems`` is shared with the caller."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def error(self, position: Position, message: str, code: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(position, message, code, ERROR, suggestion))

    def warning(self, position: Position, message: str, code: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(position, message, code, WARNING, suggestion))

    def _kind(self, node: YamlNode, kind: str, what: str) -> bool:
        if node.kind == kind:
            return True
        self.error(node.position, f"{what} must be {_KIND_NAMES[kind]}, not {_KIND_NAMES[node.kind]}", "wrong-type")
        return False

    def mapping(self, node: YamlNode, what: str, required: Iterable[str],
                optional: Iterable[str] = ()) -> dict[str, YamlNode] | None:
        """The fields of a mapping; unknown keys and missing required keys are problems."""
        if not self._kind(node, "map", what):
            return None
        required, optional = tuple(required), tuple(optional)
        allowed = required + optional
        fields: dict[str, YamlNode] = {}
        for key, value in node.items():
            name = str(key.value)
            if name not in allowed:
                self.error(key.position, f"unknown key '{name}' in {what}", "unknown-key", closest(name, allowed))
                continue
            fields[name] = value
        for name in required:
            if name not in fields:
                self.error(node.position, f"{what} is missing the required key '{name}'", "missing-field")
        return fields

    def sequence(self, node: YamlNode, what: str, non_empty: bool = False) -> tuple[YamlNode, ...]:
        if not self._kind(node, "seq", what):
            return ()
        items = node.children
        if non_empty and not items:
            self.error(node.position, f"{what} must not be empty", "empty-list")
        return items

    def string(self, node: YamlNode, what: str, max_length: int = 20000) -> str | None:
        if not self._kind(node, "scalar", what):
            return None
        if not isinstance(node.value, str):
            self.error(node.position, f"{what} must be text; put it in quotes", "wrong-type")
            return None
        if not node.value.strip():
            self.error(node.position, f"{what} must not be empty", "empty-text")
            return None
        if len(node.value) > max_length:
            self.error(node.position, f"{what} is longer than {max_length} characters", "too-long")
            return None
        return node.value

    def identifier(self, node: YamlNode, what: str, pattern: re.Pattern[str] = ID_PATTERN) -> str | None:
        if not self._kind(node, "scalar", what):
            return None
        if not isinstance(node.value, str):
            self.error(node.position, f"{what} must be a name, not {node.value!r}", "wrong-type")
            return None
        value = self.string(node, what, MAX_ID_LENGTH)
        if value is None:
            return None
        if not pattern.match(value):
            shape = ("lower-case letters, digits and '-'" if pattern is ID_PATTERN
                     else "lower-case letters, digits and '_'" if pattern is DIMENSION_ID_PATTERN
                     else "letters, digits, '_', '.' and '-'")
            self.error(node.position, f"{what} '{value}' must use {shape}, starting with a letter", "bad-id")
            return None
        return value

    def number(self, node: YamlNode, what: str, minimum: float | None = None, maximum: float | None = None,
               exclusive_minimum: bool = False) -> float | None:
        if not self._kind(node, "scalar", what):
            return None
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(node.position, f"{what} must be a number, not {value!r}", "wrong-type")
            return None
        value = float(value)
        if not math.isfinite(value):
            self.error(node.position, f"{what} must be a finite number", "not-finite")
            return None
        too_low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
        too_high = maximum is not None and value > maximum
        if too_low or too_high:
            low = "" if minimum is None else (f"> {minimum:g}" if exclusive_minimum else f">= {minimum:g}")
            high = "" if maximum is None else f"<= {maximum:g}"
            bounds = " and ".join(b for b in (low, high) if b)
            self.error(node.position, f"{what} is {value:g}; it must be {bounds}", "out-of-range")
            return None
        return value

    def integer(self, node: YamlNode, what: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        if node.is_scalar and (isinstance(node.value, bool) or not isinstance(node.value, int)):
            self.error(node.position, f"{what} must be a whole number, not {node.value!r}", "wrong-type")
            return None
        value = self.number(node, what, minimum, maximum)
        return None if value is None else int(value)

    def boolean(self, node: YamlNode, what: str) -> bool | None:
        if not self._kind(node, "scalar", what):
            return None
        if not isinstance(node.value, bool):
            self.error(node.position, f"{what} must be true or false", "wrong-type")
            return None
        return node.value

    def choice(self, node: YamlNode, what: str, choices: Iterable[str]) -> str | None:
        choices = tuple(choices)
        if not self._kind(node, "scalar", what):
            return None
        value = str(node.value)
        if value not in choices:
            self.error(node.position, f"{what} '{value}' is not one of: {', '.join(choices)}", "bad-choice",
                       closest(value, choices))
            return None
        return value

    def text(self, node: YamlNode, what: str) -> Text | None:
        """A user-facing text: a mapping with a non-empty Danish and English version."""
        if not node.is_map:
            self.error(node.position, f"{what} must have a Danish and an English version: "
                       "{da: \"…\", en: \"…\"}", "wrong-type")
            return None
        fields: dict[str, str] = {}
        for key, value in node.items():
            lang = str(key.value)
            if lang not in LANGUAGES:
                self.error(key.position, f"unknown language '{lang}' in {what} (use da and en)",
                           "unknown-key", closest(lang, LANGUAGES))
                continue
            text = self.string(value, f"{what} ({lang})")
            if text is not None:
                fields[lang] = text.strip()
        missing = [lang for lang in LANGUAGES if lang not in fields and node.get(lang) is None]
        for lang in missing:
            name = "Danish" if lang == "da" else "English"
            self.error(node.position, f"{what} has no {name} text ('{lang}')", "missing-translation")
        if len(fields) != len(LANGUAGES):
            return None
        return Text(fields["da"], fields["en"])

    def date(self, node: YamlNode, what: str) -> _dt.date | None:
        if not self._kind(node, "scalar", what):
            return None
        date = parse_date(node.value)
        if date is None:
            self.error(node.position, f"{what} must be a date like 2027-06-30", "wrong-type")
        return date
