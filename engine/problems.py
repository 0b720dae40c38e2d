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

__all__ = ["Position", "Problem", "RuleSetError", "ERROR", "WARNING"]

ERROR = "error"
WARNING = "warning"


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
