"""The condition language of rule files: tokenizer → parser → AST.

Our own small grammar, never ``eval``: a rule file is data and can run no code. See
``docs/RULES.md`` for the language as authors see it.
"""

from .errors import ExpressionError
from .parser import MAX_DEPTH, MAX_LENGTH, parse
from .syntax import And, BandTest, Between, Compare, Expr, Not, Op, Or, Presence

__all__ = ["Op", "parse", "ExpressionError", "Expr", "Compare", "Between", "BandTest", "Presence",
           "Not", "And", "Or", "MAX_DEPTH", "MAX_LENGTH"]
