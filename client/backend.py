"""The CLI's back ends behind one interface, so every command prints the same either way.

``EmbeddedBackend`` runs the engine in this process (works offline). A remote back end talking to
a server over gRPC implements the same methods and returns the same engine dataclasses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from engine import Options, Profile, Recommender, Result, load_ruleset
from engine.description import Description, describe

__all__ = ["Backend", "EmbeddedBackend"]


class Backend(Protocol):
    def recommend(self, profile: Profile, options: Options) -> Result: ...

    def describe(self) -> Description: ...

    def close(self) -> None: ...


class EmbeddedBackend:
    """The engine in-process, on a rules folder."""

    def __init__(self, folder: str | Path) -> None:
        self._recommender = Recommender(load_ruleset(folder))

    def recommend(self, profile: Profile, options: Options) -> Result:
        return self._recommender.recommend(profile, options)

    def describe(self) -> Description:
        return describe(self._recommender.ruleset)

    def close(self) -> None:
        self._recommender.close()
