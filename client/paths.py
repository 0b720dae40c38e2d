"""Where the bundled rules live, so ``trivsel`` works from any directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_rules_folder"]


def default_rules_folder() -> Path:
    """``$TRIVSEL_RULES``, else the ``rules/`` folder shipped next to the packages, else ``./rules``."""
    env = os.environ.get("TRIVSEL_RULES")
    if env:
        return Path(env)
    bundled = Path(__file__).resolve().parent.parent / "rules"
    return bundled if bundled.is_dir() else Path("rules")
