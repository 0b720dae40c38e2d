"""The CLI's remote back end: the embedded back end's interface on top of :class:`trivsel.Client`.

Answers come back as the engine's own types and refusals as the engine's exceptions with the
engine's field names (``InvalidProfileError`` is a ``ProfileError``), so every command prints
exactly what it prints in embedded mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import grpc

from trivsel.engine import Options, Profile
from trivsel.engine.description import Description
from trivsel.engine.explain import InterventionWhy, RuleWhy
from trivsel.engine.levers import LeverReport
from trivsel.engine.organisation import OrgResult
from trivsel.engine.result import Result
from trivsel.engine.whatif import Change, WhatIfResult
from trivsel.v1 import recommender_pb2 as pb

from .api import Client
from .backend import Closing

__all__ = ["RemoteBackend"]


class RemoteBackend(Closing):
    """Calls a Trivsel server at ``address`` (``host:port``)."""

    def __init__(self, address: str, ca: Path | None = None, cert: Path | None = None, key: Path | None = None,
                 tls: bool = False, token: str | None = None, timeout: float = 30.0) -> None:
        self.client = Client(address, tls=tls, ca=ca, cert=cert, key=key, token=token, timeout=timeout)

    @property
    def channel(self) -> grpc.Channel:
        return self.client.channel

    def recommend(self, profile: Profile, options: Options) -> Result:
        return self.client.recommend(profile, language=options.language, top=options.top, detail=options.detail)

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options) -> WhatIfResult:
        return self.client.what_if(profile, changes, language=options.language, top=options.top)

    def explain_rule(self, profile: Profile, rule_id: str, language: str) -> RuleWhy:
        return self.client.explain_rule(profile, rule_id, language=language)

    def explain_intervention(self, profile: Profile, intervention_id: str, language: str,
                             top: int | None) -> InterventionWhy:
        return self.client.explain_intervention(profile, intervention_id, language=language, top=top)

    def levers(self, profile: Profile, options: Options, pairs: bool = True) -> LeverReport:
        return self.client.levers(profile, language=options.language, top=options.top, pairs=pairs)

    def analyse(self, profiles: Sequence[Profile], options: Options, share: float) -> OrgResult:
        return self.client.analyse_organisation(profiles, language=options.language, top=options.top,
                                                escalation_share=share)

    def describe(self) -> Description:
        return self.client.describe()

    def reload(self) -> pb.ReloadResponse:
        return self.client.reload()

    def close(self) -> None:
        self.client.close()
