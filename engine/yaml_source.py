"""Read a YAML file into nodes that remember where they came from.

PyYAML's ``compose`` keeps a line and column on every node; we turn that tree into small,
immutable :class:`YamlNode` values so every later check can say *file:line:column*. Loading is safe
by construction: only the safe constructor's scalar types are built, and anchors/aliases, duplicate
keys, excessive nesting and oversized files are refused with a located problem (they are the
classic ways a YAML file attacks or confuses its reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, cast

import yaml
from yaml.constructor import SafeConstructor

from .problems import Position, Problem

__all__ = ["YamlNode", "YamlDocument", "parse_yaml", "MAX_FILE_BYTES", "MAX_DEPTH"]

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlNode:
    """A scalar, sequence or mapping with its position.

    ``value`` is a Python scalar for ``kind == 'scalar'``, a tuple of nodes for ``'seq'`` and a
    tuple of ``(key_node, value_node)`` pairs for ``'map'``. ``style`` is the scalar style
    (``None`` plain, ``'"'``, ``"'"``, ``'|'``, ``'>'``) so expression columns can be mapped back.
    """

    kind: str
    value: object
    position: Position
    style: str | None = None
    tag: str = ""

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    @property
    def children(self) -> tuple[YamlNode, ...]:
        """The items of a sequence (nothing for other kinds)."""
        return cast("tuple[YamlNode, ...]", self.value) if self.kind == "seq" else ()

    @property
    def as_list(self) -> tuple[YamlNode, ...]:
        """The items of a sequence, or any other node as a list of one (where one value may stand
        for a list of one)."""
        return cast("tuple[YamlNode, ...]", self.value) if self.kind == "seq" else (self,)

    @property
    def pairs(self) -> tuple[tuple[YamlNode, YamlNode], ...]:
        """The key/value pairs of a mapping (nothing for other kinds)."""
        return cast("tuple[tuple[YamlNode, YamlNode], ...]", self.value) if self.kind == "map" else ()

    def items(self) -> Iterator[tuple[YamlNode, YamlNode]]:
        """Key/value pairs of a mapping (nothing for other kinds)."""
        yield from self.pairs

    def get(self, key: str) -> YamlNode | None:
        for k, v in self.items():
            if k.value == key:
                return v
        return None

    def to_python(self) -> object:
        """Plain Python data (used for hashing and for tools that do not need positions)."""
        if self.kind == "scalar":
            return self.value
        if self.kind == "seq":
            return [n.to_python() for n in self.children]
        return {str(k.value): v.to_python() for k, v in self.items()}


@dataclass(frozen=True)
class YamlDocument:
    """One parsed file: its name, its source lines (for column mapping) and its root node."""

    file: str
    lines: tuple[str, ...]
    root: YamlNode | None

    def position_in_scalar(self, node: YamlNode, offset: int) -> Position:
        """The file position of character ``offset`` of a scalar's text.

        Exact for plain and quoted one-line scalars and for block scalars; for folded multi-line
        plain scalars it points at the right line's start, which is close enough to find the spot.
        """
        start = node.position
        text = str(node.value)
        if node.style in ("|", ">"):
            line_index = text.count("\n", 0, offset)
            col_in_line = offset - (text.rfind("\n", 0, offset) + 1)
            line_no = start.line + 1 + line_index
            source = self.lines[line_no - 1] if 0 < line_no <= len(self.lines) else ""
            indent = len(source) - len(source.lstrip(" "))
            return Position(start.file, line_no, indent + col_in_line + 1)
        quote = 1 if node.style in ('"', "'") else 0
        if "\n" not in text:
            return start.shifted(quote + offset)
        return start.shifted(quote)


class _Mark(Protocol):
    """Where PyYAML saw something (its pure-Python and its C parser each have a Mark class)."""

    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


def _mark_position(file: str, mark: _Mark | None) -> Position:
    if mark is None:
        return Position(file, 1, 1)
    return Position(file, mark.line + 1, mark.column + 1)


class _AliasFound(Exception):
    """A node was reached twice: the document uses an alias (reported from the event stream)."""


def _alias_problems(text: str, file: str) -> list[Problem]:
    """Every alias in the document, located (the composed graph only knows where the anchor is)."""
    problems = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            problems.append(Problem(_mark_position(file, event.start_mark),
                                    f"YAML aliases ('*{event.anchor}') are not allowed in rule files; "
                                    "write the value out", "yaml-alias"))
    return problems


class _Converter:
    """Turns a composed node graph into YamlNodes, refusing aliases, duplicate keys, deep nests."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._seen: set[int] = set()
        # One constructor per document: a constructor remembers every node it built, so a shared one
        # would keep every rule file ever loaded alive (it did: 2 MiB per reload).
        self._scalars = SafeConstructor()

    def convert(self, node: yaml.Node, depth: int = 0) -> YamlNode | None:
        pos = _mark_position(self.file, node.start_mark)
        if id(node) in self._seen:
            raise _AliasFound()
        self._seen.add(id(node))
        if depth > MAX_DEPTH:
            self.problems.append(Problem(pos, f"nesting deeper than {MAX_DEPTH} levels", "yaml-too-deep"))
            return None
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self._scalars.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                self.problems.append(Problem(pos, f"bad scalar value: {exc}", "yaml-value"))
                value = node.value
            except (ValueError, OverflowError):  # looks like a date or number but is none (2027-13-31):
                value = node.value  # kept as text, so the field's own check says what it should be
            return YamlNode("scalar", value, pos, node.style, node.tag)
        if isinstance(node, yaml.SequenceNode):
            items = tuple(n for n in (self.convert(child, depth + 1) for child in node.value) if n is not None)
            return YamlNode("seq", items, pos, None, node.tag)
        if isinstance(node, yaml.MappingNode):
            pairs: list[tuple[YamlNode, YamlNode]] = []
            seen_keys: dict[object, Position] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                value = self.convert(value_node, depth + 1)
                if key is None or value is None:
                    continue
                if not key.is_scalar:
                    self.problems.append(Problem(key.position, "mapping keys must be plain names", "yaml-key"))
                    continue
                if key.value in seen_keys:
                    first = seen_keys[key.value]
                    self.problems.append(Problem(key.position, f"duplicate key '{key.value}' "
                                                 f"(first at line {first.line})", "duplicate-key"))
                    continue
                seen_keys[key.value] = key.position
                pairs.append((key, value))
            return YamlNode("map", tuple(pairs), pos, None, node.tag)
        self.problems.append(Problem(pos, "unsupported YAML node", "yaml-node"))  # pragma: no cover
        return None


def parse_yaml(text: str, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse one rule file; syntax errors come back as problems, never as exceptions."""
    lines = tuple(text.splitlines())
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return YamlDocument(file, (), None), [Problem(
            Position(file, 1, 1), f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; "
            "split it into several files", "file-too-large")]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or "YAML syntax error").strip()
        if exc.context:
            message = f"{exc.context.strip()}: {message}"
        return YamlDocument(file, lines, None), [Problem(_mark_position(file, mark),
                                                         f"YAML syntax error: {message}", "yaml-syntax")]
    except yaml.YAMLError as exc:
        return YamlDocument(file, lines, None), [Problem(Position(file, 1, 1), f"YAML error: {exc}", "yaml-syntax")]
    except RecursionError:
        return YamlDocument(file, lines, None), [Problem(Position(file, 1, 1),
                                                         "YAML nesting is too deep", "yaml-too-deep")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return YamlDocument(file, lines, None), []
    if len(nodes) > 1:
        return YamlDocument(file, lines, None), [Problem(
            _mark_position(file, nodes[1].start_mark),
            "a rule file holds one YAML document; remove the '---' separator or split the file",
            "yaml-multi-document")]
    converter = _Converter(file)
    try:
        root = converter.convert(nodes[0])
    except _AliasFound:
        return YamlDocument(file, lines, None), _alias_problems(text, file)
    except RecursionError:
        return YamlDocument(file, lines, None), [Problem(Position(file, 1, 1),
                                                         "YAML nesting is too deep", "yaml-too-deep")]
    return YamlDocument(file, lines, root), converter.problems
