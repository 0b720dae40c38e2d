"""The CLI's back ends behind one interface, so every command prints the same either way.

``EmbeddedBackend`` runs the engine in this process (works offline); ``client.remote.RemoteBackend``
talks to a server over gRPC and returns the very same engine types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from engine import Options, Profile, Recommender, Result, load_ruleset
from engine.description import Description, describe
from engine.whatif import Change, WhatIfResult

__all__ = ["Backend", "EmbeddedBackend"]


class Backend(Protocol):
    def recommend(self, profile: Profile, options: Options) -> Result: ...

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult: ...

    def describe(self) -> Description: ...

    def close(self) -> None: ...


class EmbeddedBackend:
    """The engine in-process, on a rules folder."""

    def __init__(self, folder: str | Path) -> None:
        self._recommender = Recommender(load_ruleset(folder))

    def recommend(self, profile: Profile, options: Options) -> Result:
        return self._recommender.recommend(profile, options)

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult:
        return self._recommender.whatif(profile, changes, options)

    def describe(self) -> Description:
        return describe(self._recommender.ruleset)

    def close(self) -> None:
        self._recommender.close()
