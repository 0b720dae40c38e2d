"""Where the rules and the API's .proto files that ship with Trivsel are, so every command works
from any folder.

Installed from a wheel they are package data inside ``trivsel`` (``trivsel/rules``,
``trivsel/proto``), found with :mod:`importlib.resources`; in a source checkout (an editable
install, or ``python server.py``) they are the repository's top-level ``rules/`` and ``proto/``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["default_rules_folder", "bundled_rules", "bundled_protos"]

_CHECKOUT = Path(__file__).resolve().parent.parent  # engine/ sits at the top of a source checkout


def _bundled(name: str) -> Path:
    packaged = resources.files("trivsel").joinpath(name)
    if packaged.is_dir():  # a wheel install: on the file system (the wheel is never imported zipped)
        return Path(str(packaged))
    return _CHECKOUT / name


def bundled_rules() -> Path:
    """The rule set this version of Trivsel ships with."""
    return _bundled("rules")


def bundled_protos() -> Path:
    """The folder holding ``trivsel/v1/recommender.proto`` (an import root for protoc and grpcurl)."""
    return _bundled("proto")


def default_rules_folder() -> Path:
    """``$TRIVSEL_RULES`` when set, else the bundled rules."""
    env = os.environ.get("TRIVSEL_RULES")
    return Path(env) if env else bundled_rules()
