"""Text that came from a caller or a file, made safe to echo: no control characters, bounded length.

A status message or a terminal line that repeats input verbatim lets that input drive the reader's
terminal (ANSI escapes can rewrite the screen, hide lines or set the window title) and lets a large
input make every error as large as itself. So every character that is not printable — C0 and C1
controls, DEL, Unicode format characters such as bidirectional overrides, line and paragraph
separators — is shown the way Python's ``repr`` shows it (``\\x1b``, ``\\u202e``), a backslash as
``\\\\`` (so an escape sequence and a literal backslash followed by ``x1b`` stay distinguishable),
and echoed input is cut to a bounded length, saying how much was left out.
"""

from __future__ import annotations

import unicodedata

__all__ = ["escape", "echo", "clip", "ECHO_CHARS"]

ECHO_CHARS = 80
"""Characters of one echoed input (an id, a name, a key) in a status message or detail."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SAFE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F)) - {"\\"}


def _escaped(ch: str) -> str:
    code = ord(ch)
    if ch == "\\":
        return "\\\\"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str) -> str:
    """``text`` with every non-printable character written as an escape (see the module docstring).

    Printable text — Danish letters included — is unchanged, and checked in one pass over plain
    ASCII first, because almost every text is plain ASCII."""
    if all(ch in _SAFE_ASCII for ch in text):
        return text
    return "".join(ch if ch in _SAFE_ASCII or (ord(ch) > 0x7F and ch != "\\"
                                                and unicodedata.category(ch) not in _UNSAFE_CATEGORIES)
                   else _escaped(ch) for ch in text)


def clip(text: str, limit: int = ECHO_CHARS) -> str:
    """At most ``limit`` characters of raw input, noting the full length when some was left out
    (for building a message that is escaped as a whole afterwards, by :func:`echo`)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def echo(text: str, limit: int) -> str:
    """``text`` escaped and cut to at most ``limit`` bytes of UTF-8 (an escape is never cut in
    two), ending in "…" when something was cut. Bytes, not characters, because what it bounds is
    the size of a status on the wire."""
    out: list[str] = []
    used = 0
    budget = limit - 3  # room for the "…" (3 bytes in UTF-8)
    for i, ch in enumerate(text):
        piece = ch if ch in _SAFE_ASCII else escape(ch)
        size = len(piece) if piece.isascii() else len(piece.encode("utf-8"))
        if used + size > budget:
            rest = text[i:]
            if used + len(escape(rest[:limit]).encode("utf-8")) <= limit and len(rest) <= limit:
                return "".join(out) + escape(rest)
            return "".join(out) + "…"
        out.append(piece)
        used += size
    return "".join(out)
