"""The condition grammar: precedence, every construct, and errors that name the column."""

from __future__ import annotations

import pytest

from trivsel.engine.expr import And, BandTest, Between, Compare, ExpressionError, Not, Or, Presence, parse
from trivsel.engine.expr.parser import MAX_DEPTH, MAX_LENGTH


def test_and_binds_tighter_than_or() -> None:
    tree = parse("a > 1 or b < 2 and c >= 3")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[1], And)


def test_parentheses_override_precedence() -> None:
    tree = parse("(a > 1 or b < 2) and c >= 3")
    assert isinstance(tree, And)
    assert isinstance(tree.items[0], Or)


def test_every_construct() -> None:
    tree = parse("not x == 1 and y != 2 and z between 10 and 20 and w is low and v is not high "
                 "and missing(u) and present(t) and s <= -5.5")
    assert isinstance(tree, And)
    kinds = [type(i) for i in tree.items]
    assert kinds == [Not, Compare, Between, BandTest, BandTest, Presence, Presence, Compare]
    assert tree.items[4].negated is True
    assert tree.items[5].present is False
    assert tree.items[7].value == -5.5


def test_offsets_point_at_names() -> None:
    text = "influence < 33 and work_pace is high"
    tree = parse(text)
    band = tree.items[1]
    assert text[band.offset:].startswith("work_pace")
    assert text[band.band_offset:].startswith("high")


@pytest.mark.parametrize("text, column, fragment", [
    ("influence < low", 13, "expected a number after '<'"),
    ("influence <", 12, "found the end of the condition"),
    ("influence > 3 &&", 15, "write 'and'"),
    ("a = 3", 3, "write '=='"),
    ("(a > 1", 7, "expected ')'"),
    ("a > 1 b < 2", 7, "expected 'and' or 'or'"),
    ("x between 5 and 2", 11, "lower bound comes first"),
    ("", 1, "empty"),
    ("missing(", 9, "a dimension name"),
    ("a is", 5, "a band name"),
    ("a > 1.2.3", 5, "not a number"),
    ("a ~ 3", 3, "unexpected character '~'"),
])
def test_errors_name_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == column
    assert fragment in str(info.value)


def test_keyword_in_wrong_case_gets_a_suggestion() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("influence < 30 AND meaning < 30")
    # 'AND' parses as a name where an operator is expected: the parser proposes the keyword.
    assert info.value.suggestion == "and"


def test_deep_nesting_fails_cleanly() -> None:
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("(" * 1_000 + "a > 1" + ")" * 1_000)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("not " * (MAX_DEPTH + 1) + "a > 1")


def test_length_is_bounded() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("a > 1 and " * (MAX_LENGTH // 10 + 1) + "a > 1")
