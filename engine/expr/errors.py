"""The one exception the expression language raises."""

from __future__ import annotations

from ..errors import UserError

__all__ = ["ExpressionError"]


class ExpressionError(UserError, ValueError):
    """A condition that does not parse.

    ``offset`` is the 0-based character offset in the condition text (the loader turns it into a
    file column); ``expected`` lists what the parser would have accepted there, for the message and
    for tools; ``suggestion`` is a likely intended word (``AND`` → ``and``).
    """

    def __init__(self, message: str, offset: int, expected: tuple[str, ...] = (),
                 suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.expected = expected
        self.suggestion = suggestion

    @property
    def column(self) -> int:
        """1-based column within the condition text."""
        return self.offset + 1

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"
