"""Located problems in rule files and the errors that carry them.

Compilation collects every problem into a list instead of stopping at the first one (as Cerbos
does), so one bad rule never hides the next. Each problem knows its file, line and column, renders
as ``file:line:col: error: message`` for people and as a dict for ``--json`` and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import UserError
from .suggestions import did_you_mean

__all__ = ["Position", "Problem", "RuleSetError", "ERROR", "WARNING", "PROBLEM_CODES"]

ERROR = "error"
WARNING = "warning"

PROBLEM_CODES: dict[str, str] = {
    # reading files
    "no-folder": "the rules folder does not exist",
    "file-unreadable": "a rule file could not be read",
    "file-too-large": "a rule file is larger than the loader reads",
    "folder-too-large": "the rule files together are larger than the loader reads",
    "too-many-files": "more rule files than the loader reads",
    "too-many-rules": "more rules than a rule set may hold",
    "encoding": "a file is not UTF-8 text",
    "file-kind": "a file's one top-level key is missing or not a known kind",
    "no-ruleset": "no file holds the rule-set header",
    # YAML
    "yaml-syntax": "the YAML cannot be parsed",
    "yaml-multi-document": "more than one YAML document in a file",
    "yaml-alias": "YAML anchors and aliases are not allowed",
    "yaml-too-deep": "YAML nested deeper than the loader reads",
    "yaml-key": "a mapping key that is not a plain value",
    "yaml-value": "a value YAML cannot represent here",
    "yaml-node": "a YAML node of an unexpected kind",
    "duplicate-key": "a key appears twice in one mapping",
    # fields and values
    "unknown-key": "a key the file format does not have (with a suggestion)",
    "missing-field": "a required key is missing",
    "missing-translation": "a text lacks its Danish or English version",
    "wrong-type": "a value of the wrong type",
    "bad-choice": "a value that is not one of the allowed words",
    "bad-id": "an id that is not lower-case words joined by hyphens (or underscores)",
    "empty-list": "a list that must not be empty is",
    "empty-text": "a text that must not be empty is",
    "too-long": "a text or id longer than allowed",
    "not-finite": "a number that is infinite or not a number",
    "out-of-range": "a number outside its allowed range",
    "duplicate-id": "an id used twice (across files)",
    # references between entries
    "unknown-dimension": "a condition, reference or item names a dimension the catalogue lacks",
    "no-reference": "a placeholder names a dimension's reference value that it does not have",
    "not-a-resource": "an intervention 'builds' a dimension that is not a resource",
    "not-a-survey-scale": "an instrument item measures a dimension no survey scale can give",
    "no-exposure": "an instrument scores a negative act without saying which answers count",
    "sector-fallback": "not exactly one sector is the fallback",
    "sector-reference": "a sector lacks or misplaces a reference value",
    "must-act-not-recommended": "a must-act rule does not also recommend its intervention",
    # dimensions and bands
    "bad-band": "bands that do not cover the scale in order",
    "bad-range": "a scale whose minimum is not below its maximum",
    "bad-share": "a share dimension set up wrongly",
    "hash-collision": "two dimension ids share a compiled key",
    "too-many-dimensions": "more dimensions than a fact may hold",
    # conditions and texts
    "expression-syntax": "a condition that does not parse (with the position in it)",
    "never-true": "a condition that can never hold",
    "always-true": "a condition that always holds",
    "non-monotone": "a test that points away from the dimension's harmful side",
    "wide-condition": "a condition with so many alternatives that it is costly (warning)",
    "too-complex": "a condition beyond what the matching engine can compile",
    "template-syntax": "a text's placeholder that does not parse",
    "placeholder-unused": "a text names a dimension its rule does not test",
    "sector-number": "a bare number compared with a dimension whose reference moves with the sector",
    # housekeeping
    "review-overdue": "a review date has passed (warning)",
    "unused-intervention": "an intervention no rule recommends (warning)",
    # rule tests
    "profile-file": "a rule test's profile file cannot be read",
    "bad-profile": "a rule test's profile is refused",
    "bad-expectation": "a rule test's expectation is malformed",
    "bad-relation": "a rule test's relation is malformed",
    # the server
    "load-failed": "the rule set could not be built although it passed the checks",
}
"""Every problem code the loader, lint, rule tests and the server report, and what it means.
Codes are stable: tools and tests match on them. docs/RULES.md lists the same table, and
tests/test_problem_codes.py checks that every code in the source is here and in the docs."""


@dataclass(frozen=True, order=True)
class Position:
    """A place in a rule file: 1-based line and column, as editors show them."""

    file: str
    line: int = 0
    column: int = 0

    def shifted(self, columns: int) -> Position:
        """The position ``columns`` characters further along the same line."""
        return Position(self.file, self.line, self.column + columns)

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious) in a rule set.

    ``code`` is a stable machine name (``unknown-key``, ``unknown-dimension`` …) that tests and
    tools match on; ``message`` is for people; ``suggestion`` is the "did you mean" hint, if any.
    """

    position: Position
    message: str
    code: str
    severity: str = ERROR
    suggestion: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        text = f"{self.position}: {self.severity}: {self.message}"
        if self.suggestion:
            text += did_you_mean(self.suggestion)
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.position.file,
            "line": self.position.line,
            "column": self.position.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class RuleSetError(UserError):
    """A rule set could not be loaded; ``problems`` lists every error and warning found."""

    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> RuleSetError:
        return cls(tuple(sorted(problems, key=lambda p: (p.position, p.code))))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    def __str__(self) -> str:
        errors = self.errors
        head = f"rule set has {len(errors)} error(s)"
        return head + "".join(f"\n  {p}" for p in errors)
