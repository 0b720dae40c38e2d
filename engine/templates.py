"""Rationale texts with placeholders for the department's actual values.

``{influence}`` inserts the value, ``{influence.band}`` its band label, ``{influence.reference}``
the dimension's reference value and ``{influence.reference_name}`` what that figure is, in a few
words ("the municipalities 2022": with sector references it differs between departments);
``{{`` and ``}}`` are literal braces. Templates are parsed once at
load time into parts, so rendering per request is a join, not a parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, final

from .errors import UserError
from .frozen import Frozen

if TYPE_CHECKING:  # the model holds templates, so it is imported for the annotations only
    from .model import Dimension

__all__ = ["Template", "TemplateError", "Placeholder", "format_number", "format_value", "ATTRIBUTES"]

ATTRIBUTES = ("value", "band", "reference", "reference_name")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(UserError, ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@final  # so that ``type(part) is Placeholder`` tells a part from a str (render's fast test)
@dataclass(frozen=True)
class Placeholder(Frozen):
    dimension: str
    attribute: str
    offset: int


def format_number(value: float, language: str) -> str:
    """At most two decimals, no trailing zeros; Danish uses a decimal comma."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",") if language == "da" else text


def format_value(value: float, unit: str, language: str) -> str:
    """A value with its unit as running text writes it: "7,1 %" in Danish, "7.1%" in English."""
    text = format_number(value, language)
    return text + ((" %" if language == "da" else "%") if unit == "percent" else "")


_MISSING = {"da": "mangler", "en": "missing"}


@dataclass(frozen=True)
class Template(Frozen):
    parts: tuple[str | Placeholder, ...]
    plain: str | None = field(init=False, default=None, compare=False)
    """The text itself when it has no placeholders (rendering is then free)."""
    values_only: tuple[str, tuple[str, ...]] | None = field(init=False, default=None, compare=False)
    """When every placeholder is a plain value: a ``%s`` format and the dimensions it takes, so
    rendering is one ``%`` (rationales are rendered for every reason of every answer)."""

    def __post_init__(self) -> None:
        # Both fields are set on every path: compiled by mypyc (setup.py), a field's default is not
        # applied when the field is left out of __init__.
        plain: str | None = None
        values_only: tuple[str, tuple[str, ...]] | None = None
        if not self.parts:
            plain = ""
        elif len(self.parts) == 1 and isinstance(self.parts[0], str):
            plain = self.parts[0]
        elif all(isinstance(p, str) or p.attribute == "value" for p in self.parts):
            fmt = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in self.parts)
            values_only = (fmt, tuple(p.dimension for p in self.parts if isinstance(p, Placeholder)))
        object.__setattr__(self, "plain", plain)
        object.__setattr__(self, "values_only", values_only)

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[str | Placeholder] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[last:match.start()])
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(token[0])
            elif token in ("{", "}"):
                raise TemplateError(f"unmatched '{token}' (write '{token * 2}' for a literal brace)",
                                    match.start())
            else:
                inner = match.group(1).strip()
                name, _, attribute = inner.partition(".")
                attribute = attribute or "value"
                if not name:
                    raise TemplateError("empty placeholder '{}'", match.start())
                if attribute not in ATTRIBUTES:
                    raise TemplateError(f"'{{{inner}}}': unknown attribute '{attribute}' "
                                        f"(use {', '.join(ATTRIBUTES[1:])} or none)", match.start())
                parts.append(Placeholder(name, attribute, match.start() + 1))
            last = match.end()
        parts.append(text[last:])
        merged: list[str | Placeholder] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        return cls(tuple(merged))

    def byte_format(self, language: str) -> tuple[bytes, tuple[str, ...], bytes] | None:
        """For renderers that write UTF-8 bytes: a ``%s`` format over the formatted values of its
        dimensions, the dimensions, and the word for a missing value — so rendering is one ``%``
        on bytes, with no text to encode afterwards. None when a placeholder needs more than the
        value (a band or a reference); :meth:`render` handles those."""
        missing = _MISSING[language].encode("utf-8")
        if self.plain is not None:
            return self.plain.replace("%", "%%").encode("utf-8"), (), missing
        if self.values_only is None:
            return None
        fmt, dims = self.values_only
        return fmt.encode("utf-8"), dims, missing

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if isinstance(p, Placeholder))

    def render(self, values: Mapping[str, float], dimensions: Mapping[str, Dimension], language: str,
               number: Callable[[str], str] | None = None) -> str:
        """Fill in the placeholders; a missing value renders as "missing"/"mangler".

        ``number`` formats a dimension's value (callers pass a per-request cache).
        """
        if self.plain is not None:
            return self.plain
        if self.values_only is not None and number is not None:
            fmt, dims = self.values_only
            return fmt % tuple([number(d) if values.get(d) is not None else _MISSING[language] for d in dims])
        out: list[str] = []
        for part in self.parts:
            if type(part) is not Placeholder:
                out.append(part)
                continue
            if part.attribute == "value" and number is not None:
                present = values.get(part.dimension) is not None
                out.append(number(part.dimension) if present else _MISSING[language])
                continue
            dim = dimensions.get(part.dimension)
            if part.attribute == "reference":
                ref = dim.reference if dim is not None else None
                out.append(format_number(ref.value, language) if ref else _MISSING[language])
                continue
            if part.attribute == "reference_name":
                ref = dim.reference if dim is not None else None
                out.append((ref.short or ref.label).get(language) if ref else _MISSING[language])
                continue
            value = values.get(part.dimension)
            if value is None or dim is None:
                out.append(_MISSING[language])
            elif part.attribute == "band":
                band = dim.band_of(value)
                out.append(band.label.get(language) if band else "")
            else:
                out.append(number(part.dimension) if number else format_number(value, language))
        return "".join(out)
