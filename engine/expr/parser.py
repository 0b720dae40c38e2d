"""Recursive-descent parser for conditions.

Grammar (lowest precedence first)::

    expr       := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | atom
    atom       := '(' expr ')'
                | ('missing' | 'present') '(' NAME ')'
                | NAME comparison
    comparison := OP NUMBER
                | 'between' NUMBER 'and' NUMBER
                | 'is' ['not'] NAME

Depth and length are bounded so that hostile input fails cleanly instead of exhausting the stack.
"""

from __future__ import annotations

from ..suggestions import closest
from .errors import ExpressionError
from .syntax import And, BandTest, Between, Compare, Expr, Not, Op, Or, Presence
from .tokens import COMPARISON_OPS, KEYWORDS, Token, tokenize

__all__ = ["parse", "MAX_DEPTH", "MAX_LENGTH"]

MAX_DEPTH = 64
MAX_LENGTH = 4000


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "END":
            self.pos += 1
        return token

    def at_keyword(self, word: str) -> bool:
        return self.current.kind == "KEYWORD" and self.current.text == word

    def fail(self, expected: tuple[str, ...], after: str | None = None) -> ExpressionError:
        token = self.current
        wanted = " or ".join(expected)
        where = f" after {after}" if after else ""
        suggestion = None
        if token.kind == "NAME":
            suggestion = closest(token.text, KEYWORDS | set(COMPARISON_OPS), cutoff=0.75)
        return ExpressionError(f"expected {wanted}{where}, found {token.describe()}", token.offset,
                               expected, suggestion)

    def enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"condition is nested more than {MAX_DEPTH} levels deep", offset)

    # expr := and_expr ('or' and_expr)*
    def expr(self) -> Expr:
        start = self.current.offset
        items = [self.and_expr()]
        while self.at_keyword("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items), start)

    def and_expr(self) -> Expr:
        start = self.current.offset
        items = [self.not_expr()]
        while self.at_keyword("and"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items), start)

    def not_expr(self) -> Expr:
        if self.at_keyword("not"):
            token = self.advance()
            self.enter(token.offset)
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, token.offset)
        return self.atom()

    def atom(self) -> Expr:
        token = self.current
        if token.kind == "LPAREN":
            self.advance()
            self.enter(token.offset)
            inner = self.expr()
            self.depth -= 1
            if self.current.kind != "RPAREN":
                raise self.fail(("')'", "'and'", "'or'"), "the parenthesised condition")
            self.advance()
            return inner
        if token.kind == "KEYWORD" and token.text in ("missing", "present"):
            self.advance()
            if self.current.kind != "LPAREN":
                raise self.fail(("'('",), f"'{token.text}'")
            self.advance()
            name = self.current
            if name.kind != "NAME":
                raise self.fail(("a dimension name",), f"'{token.text}('")
            self.advance()
            if self.current.kind != "RPAREN":
                raise self.fail(("')'",), f"'{token.text}({name.text}'")
            self.advance()
            return Presence(name.text, token.text == "present", name.offset)
        if token.kind == "NAME":
            self.advance()
            return self.comparison(token)
        if token.kind == "END":
            raise self.fail(("a condition",))
        raise self.fail(("a dimension name", "'not'", "'('", "'missing('", "'present('"))

    def number(self, after: str) -> tuple[float, int]:
        token = self.current
        if token.kind != "NUMBER":
            raise self.fail(("a number",), after)
        self.advance()
        # Six decimals: the precision every value and threshold has in both matchers (see durable_compile).
        return round(float(token.text), 6), token.offset

    def comparison(self, name: Token) -> Expr:
        token = self.current
        if token.kind == "OP":
            self.advance()
            value, value_offset = self.number(f"'{token.text}'")
            return Compare(name.text, Op(token.text), value, name.offset, value_offset)
        if token.kind == "KEYWORD" and token.text == "between":
            self.advance()
            low, low_offset = self.number("'between'")
            if not self.at_keyword("and"):
                raise self.fail(("'and'",), f"'between {self.tokens[self.pos - 1].text}'")
            self.advance()
            high, _ = self.number("'and'")
            if high < low:
                raise ExpressionError(f"'between {low:g} and {high:g}': the lower bound comes first",
                                      low_offset)
            return Between(name.text, low, high, name.offset, low_offset)
        if token.kind == "KEYWORD" and token.text == "is":
            self.advance()
            negated = False
            if self.at_keyword("not"):
                self.advance()
                negated = True
            band = self.current
            if band.kind != "NAME":
                raise self.fail(("a band name",), "'is'")
            self.advance()
            return BandTest(name.text, band.text, negated, name.offset, band.offset)
        raise self.fail(("a comparison (< <= > >= == !=)", "'between'", "'is'"), f"'{name.text}'")


def parse(text: str) -> Expr:
    """Parse a condition; raises :class:`ExpressionError` with a column on any mistake."""
    if not isinstance(text, str):
        raise ExpressionError("a condition must be text", 0, ("text",))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"condition is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(text)
    if parser.current.kind == "END":
        raise ExpressionError("the condition is empty", 0, ("a condition",))
    tree = parser.expr()
    if parser.current.kind != "END":
        raise parser.fail(("'and'", "'or'", "the end of the condition"))
    return tree
