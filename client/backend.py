"""The CLI's back ends behind one interface, so every command prints the same either way.

``EmbeddedBackend`` runs the engine in this process (works offline); ``client.remote.RemoteBackend``
talks to a server over gRPC and returns the very same engine types.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, Self

from trivsel.engine import Options, Profile, Recommender, Result, load_ruleset
from trivsel.engine.description import Description, describe
from trivsel.engine.errors import InvalidInput
from trivsel.engine.explain import InterventionWhy, RuleWhy, explain_intervention, explain_rule
from trivsel.engine.levers import LeverReport, levers
from trivsel.engine.organisation import OrgResult, analyse
from trivsel.engine.suggestions import closest, did_you_mean
from trivsel.engine.whatif import Change, WhatIfResult

__all__ = ["Backend", "EmbeddedBackend", "Closing"]


class Backend(Protocol):
    def recommend(self, profile: Profile, options: Options) -> Result: ...

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult: ...

    def explain_rule(self, profile: Profile, rule_id: str, language: str) -> RuleWhy: ...

    def explain_intervention(self, profile: Profile, intervention_id: str, language: str,
                             top: int | None) -> InterventionWhy: ...

    def levers(self, profile: Profile, options: Options, pairs: bool = True) -> LeverReport: ...

    def analyse(self, profiles: Sequence[Profile], options: Options, share: float) -> OrgResult: ...

    def describe(self) -> Description: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class Closing:
    """``with backend: …`` closes it (the matcher's C memory, or the channel) on the way out."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmbeddedBackend(Closing):
    """The engine in-process, on a rules folder."""

    def __init__(self, folder: str | Path) -> None:
        self._recommender = Recommender(load_ruleset(folder))

    def recommend(self, profile: Profile, options: Options) -> Result:
        return self._recommender.recommend(profile, options)

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult:
        return self._recommender.whatif(profile, changes, options)

    def explain_rule(self, profile: Profile, rule_id: str, language: str) -> RuleWhy:
        ruleset = self._recommender.ruleset
        if ruleset.rule(rule_id) is None:
            hint = closest(rule_id, [r.id for r in ruleset.rules])
            raise InvalidInput(f"unknown rule '{rule_id}'" + did_you_mean(hint))
        return explain_rule(self._recommender, profile, rule_id, language)

    def explain_intervention(self, profile: Profile, intervention_id: str, language: str,
                             top: int | None) -> InterventionWhy:
        ruleset = self._recommender.ruleset
        if intervention_id not in ruleset.interventions:
            hint = closest(intervention_id, ruleset.interventions)
            raise InvalidInput(f"unknown intervention '{intervention_id}'" + did_you_mean(hint))
        return explain_intervention(self._recommender, profile, intervention_id, language, top)

    def levers(self, profile: Profile, options: Options, pairs: bool = True) -> LeverReport:
        return levers(self._recommender, profile, options, pairs)

    def analyse(self, profiles: Sequence[Profile], options: Options, share: float) -> OrgResult:
        return analyse(self._recommender, profiles, options, share)

    def describe(self) -> Description:
        return describe(self._recommender.ruleset)

    def close(self) -> None:
        self._recommender.close()
