"""A base for the frozen dataclasses of the compiled modules, so that they copy and pickle.

A class mypyc compiles (setup.py) has no instance ``__dict__``: copying or unpickling one puts
its fields back by setting them, which a frozen dataclass refuses (``FrozenInstanceError``) — so
``copy.deepcopy(result)``, or handing an answer to another process, failed on the compiled build
only. :meth:`Frozen.__reduce__` rebuilds an instance through its ``__init__`` instead; fields that
are not ``__init__`` arguments are worked out again by ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

__all__ = ["Frozen"]


class Frozen:
    """Mixed into every frozen dataclass of a compiled module (tests/test_native.py copies and
    pickles an answer and a rule set on both builds)."""

    def __reduce__(self) -> tuple[type[Any], tuple[Any, ...]]:
        return type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(cast(Any, self)) if f.init)
