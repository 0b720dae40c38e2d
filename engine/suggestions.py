"""'Did you mean …?' for misspelled names: ids, keys, bands.

Authors mistype ids (``influense``), mix separators (``work-pace``) and forget plurals. We
normalise both sides (case, ``-``/``_``/space) before measuring similarity, so those near-misses are
found, and we only suggest when the candidate is clearly close: a wrong suggestion is worse than none.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "normalise", "did_you_mean"]


def normalise(name: str) -> str:
    """Lower-case and treat ``-``, ``_``, ``.`` and spaces alike."""
    return "".join("_" if ch in "-_. " else ch for ch in name.strip().lower())


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most similar to ``name``, or None if none is close enough.

    An exact match after normalisation wins outright (``work-pace`` → ``work_pace``).
    """
    pool = {normalise(c): c for c in candidates}
    if not pool:
        return None
    key = normalise(name)
    if key in pool:
        return pool[key]
    best = difflib.get_close_matches(key, list(pool), n=1, cutoff=cutoff)
    return pool[best[0]] if best else None


def did_you_mean(suggestion: str | None) -> str:
    """`` (did you mean 'influence'?)`` to append to a message, or "" without a suggestion. One
    wording everywhere: api/status.py reads it back out of a status message."""
    return f" (did you mean '{suggestion}'?)" if suggestion else ""
