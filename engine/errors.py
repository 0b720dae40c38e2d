"""One root for every error Trivsel raises on purpose, and one line between the caller's mistakes
and ours.

* :class:`UserError` — the input was wrong: a rule file, a profile, a survey export, a command-line
  argument, a request. Whoever supplied it can fix it; the message says how (and where, for files:
  file:line:column). The CLI exits 2 on these and only these, so a bug that happens to raise
  ``ValueError`` is never dressed up as bad input.
* Everything else under :class:`TrivselError` is our side: the matching engine failed
  (``MatchError``), a call to a server failed (``trivsel.client.errors.CallError``) …

User errors keep ``ValueError`` as a second base where they always had it, so callers that catch
``ValueError`` keep working. Problem *codes* (what lint and the loader report) are listed in
engine/problems.py (``PROBLEM_CODES``) and docs/RULES.md.
"""

from __future__ import annotations

__all__ = ["TrivselError", "UserError", "InvalidInput", "MatchError", "ShardError"]


class TrivselError(Exception):
    """The root of every error Trivsel raises on purpose."""


class UserError(TrivselError):
    """The input was wrong and the one who gave it can fix it (the CLI's exit 2)."""


class InvalidInput(UserError, ValueError):
    """A single bad value given by the caller: an option, a what-if change, a command's argument."""


class MatchError(TrivselError, RuntimeError):
    """durable_rules failed during an evaluation; the shard involved has been rebuilt
    (engine/durable_adapter.py, which raises it; defined here because mypyc compiles that module
    and cannot compile a class with two built-in bases)."""


class ShardError(TrivselError, RuntimeError):
    """durable_rules refused to create shard ``index`` (the compiler's limits should prevent it)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
