"""Split a condition into tokens, each with its offset for error messages."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ExpressionError

__all__ = ["Token", "tokenize", "KEYWORDS", "COMPARISON_OPS"]

KEYWORDS = frozenset({"and", "or", "not", "between", "is", "missing", "present"})
COMPARISON_OPS = ("<=", ">=", "==", "!=", "<", ">")

# Spellings from other languages that authors type by habit, mapped to ours.
_HABITS = {"&&": "and", "||": "or", "!": "not", "=": "==", "<>": "!=", "=<": "<=", "=>": ">="}


@dataclass(frozen=True)
class Token:
    """``kind`` is one of NUMBER, NAME, KEYWORD, OP, LPAREN, RPAREN, END."""

    kind: str
    text: str
    offset: int

    def describe(self) -> str:
        return "the end of the condition" if self.kind == "END" else f"'{self.text}'"


def _is_name_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text`` followed by an END token."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            tokens.append(Token("LPAREN", ch, i))
            i += 1
            continue
        if ch == ")":
            tokens.append(Token("RPAREN", ch, i))
            i += 1
            continue
        two = text[i:i + 2]
        if two in _HABITS and two not in COMPARISON_OPS:
            raise ExpressionError(f"'{two}' is not part of the language; write '{_HABITS[two]}'", i,
                                  suggestion=_HABITS[two])
        if two in COMPARISON_OPS:
            tokens.append(Token("OP", two, i))
            i += 2
            continue
        if ch in "<>":
            tokens.append(Token("OP", ch, i))
            i += 1
            continue
        if ch in _HABITS:
            raise ExpressionError(f"'{ch}' is not part of the language; write '{_HABITS[ch]}'", i,
                                  suggestion=_HABITS[ch])
        if ch.isdigit() or (ch in "-+." and i + 1 < n and (text[i + 1].isdigit() or text[i + 1] == ".")):
            j = i + 1
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            literal = text[i:j]
            try:
                float(literal)
            except ValueError:
                raise ExpressionError(f"'{literal}' is not a number", i, ("a number",)) from None
            if j < n and _is_name_char(text[j]):
                raise ExpressionError(f"'{text[i:j + 1]}…' is neither a number nor a name; "
                                      "names start with a letter", i)
            tokens.append(Token("NUMBER", literal, i))
            i = j
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            word = text[i:j]
            tokens.append(Token("KEYWORD" if word in KEYWORDS else "NAME", word, i))
            i = j
            continue
        raise ExpressionError(f"unexpected character '{ch}'", i)
    tokens.append(Token("END", "", n))
    return tokens
