"""Read department profiles from YAML or JSON files (or ``-`` for standard input)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from trivsel.engine import Profile, profile_from_dict
from trivsel.engine.errors import UserError

__all__ = ["read_profile", "read_document", "InputError"]

MAX_PROFILE_BYTES = 1024 * 1024


class InputError(UserError, ValueError):
    """A file that cannot be read or parsed; the message names the file."""


def read_document(path: str) -> object:
    """Parse a YAML or JSON document (JSON is YAML, but its own parser gives better errors)."""
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read(MAX_PROFILE_BYTES + 1) if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read: {exc}") from None
    if len(text) > MAX_PROFILE_BYTES:
        raise InputError(f"{name}: larger than {MAX_PROFILE_BYTES // 1024} KiB")
    try:
        if path.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {exc}") from None


def read_profile(path: str) -> Profile:
    """A profile from a file; structural mistakes raise :class:`engine.ProfileError`."""
    return profile_from_dict(read_document(path))
