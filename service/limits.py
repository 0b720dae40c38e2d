"""How large an answer may get, worked out before it is built, and checked while it is built.

gRPC refuses to send a message above the send limit (``--max-message-mb``) only after the handler
has built it — seconds of CPU and a copy of the whole answer in memory, for nothing, while the log
said OK. So the heavy calls (RecommendBatch, AnalyseOrganisation) are refused up front when the
worst case of their answer cannot fit: the rule set's bound on one answer
(:meth:`api.wire.WireRenderer.answer_bound`, per detail level and list length) plus what each
profile echoes (its department id and name, measured on the request), summed over the profiles.
And while an answer is built, :class:`SizeGuard` stops it the moment it would pass the limit,
whatever the bound said — the bound is what makes the refusal early, the guard is what makes the
limit hold.

The limits a host can count on whatever its ids are (every id and name at its longest) are
advertised by Describe (:meth:`AnswerLimits.advertised`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2

from trivsel.api.status import MAX_MESSAGE_BYTES, MAX_STATUS_BYTES, RpcError
from trivsel.api.wire import FRAME, TEXT_BYTES, WireRenderer, clipped
from trivsel.v1 import recommender_pb2 as pb

__all__ = ["AnswerLimits", "SizeGuard", "Limit", "BATCH", "ORGANISATION", "ENVELOPE_BYTES"]

BATCH, ORGANISATION = "RecommendBatch", "AnalyseOrganisation"
ENVELOPE_BYTES = 1024
"""What a response holds besides its items: the rule set's id, version and fingerprint, the
language, the escalation share, their framing."""
_REFUSED_BYTES = MAX_MESSAGE_BYTES
"""A department refused for its size gets one sentence (cut to this length)."""
_NEED_REASON_BYTES = 1024
"""An escalated need's reason: one sentence with three numbers."""


@dataclass(frozen=True)
class Limit:
    """One advertised limit: at most ``max_profiles`` per call of ``method`` at this detail level
    and list length, each profile's part of the answer taking at most ``bytes_per_profile``."""

    method: str
    full: bool
    top: int
    max_profiles: int
    bytes_per_profile: int


class AnswerLimits:
    """The answer-size arithmetic for one rule set (one renderer) and one send limit."""

    def __init__(self, renderer: WireRenderer, max_message_bytes: int, max_batch: int) -> None:
        self.renderer = renderer
        self.max_message_bytes = max_message_bytes
        self.max_batch = max_batch
        ruleset = renderer.recommender.ruleset
        self.default_top = ruleset.ranking.top
        self._interventions = len(ruleset.interventions)
        self._bands = sum(2 * FRAME + len(d.encode()) + max((len(b.id.encode()) for b in dim.bands), default=0)
                          for d, dim in ruleset.dimensions.items())
        self._needs = sum(3 * FRAME + len(i.id.encode()) + max(len(i.title.da.encode()), len(i.title.en.encode()))
                          + 3 * FRAME + 9 + _NEED_REASON_BYTES for i in ruleset.interventions.values())

    def top(self, requested: int) -> int:
        """How many interventions an answer lists at most: the request's ``top`` or the rule set's
        default (which the low-competence policy only shortens), never more than there are."""
        return min(requested or self.default_top, self._interventions)

    def per_profile(self, method: str, full: bool, top: int, id_bytes: int = TEXT_BYTES,
                    name_bytes: int = TEXT_BYTES) -> int:
        """The most one profile's part of an answer can take, for an id and a name of these sizes."""
        answer = max(self.renderer.answer_bound(full, self.top(top)) + FRAME + id_bytes, MAX_STATUS_BYTES)
        if method == BATCH:  # BatchItem: index, department id, the answer or the error
            return 4 * FRAME + id_bytes + answer
        # DepartmentResult: id, name, respondents, the answer / refusal / error, bands; and the id
        # once more in the needs of each intervention on its list
        return (6 * FRAME + id_bytes + name_bytes + max(answer, _REFUSED_BYTES) + self._bands
                + self.top(top) * (FRAME + id_bytes))

    def fixed(self, method: str) -> int:
        """What a response holds besides its profiles' parts."""
        return ENVELOPE_BYTES + (self._needs if method == ORGANISATION else 0)

    def bound(self, method: str, profiles: Sequence[pb.Profile], full: bool, top: int) -> int:
        """The most the answer to these profiles can take (each profile's id and name measured)."""
        base = self.per_profile(method, full, top, 0, 0)
        echoed = 0
        for p in profiles:
            ident = clipped(p.department_id)
            id_bytes = len(ident) if ident.isascii() else len(ident.encode("utf-8"))
            if method == BATCH:
                echoed += 2 * id_bytes
            else:
                name = clipped(p.department_name)
                echoed += (2 + self.top(top)) * id_bytes + (len(name) if name.isascii() else len(name.encode("utf-8")))
        return self.fixed(method) + len(profiles) * base + echoed

    def max_profiles(self, method: str, full: bool, top: int) -> int:
        """Most profiles per call whose answer fits whatever their ids (each at its longest)."""
        room = self.max_message_bytes - self.fixed(method)
        return max(0, min(self.max_batch, room // self.per_profile(method, full, top)))

    def check(self, method: str, profiles: Sequence[pb.Profile], full: bool, top: int) -> int:
        """The bound of :meth:`bound`; raises INVALID_ARGUMENT naming the limit and what to do
        when the answer might not fit. Checked before any profile is evaluated."""
        bound = self.bound(method, profiles, full, top)
        if bound <= self.max_message_bytes:
            return bound
        count = len(profiles)
        each = max(1, (bound - self.fixed(method)) // max(1, count))
        fits = max(0, (self.max_message_bytes - self.fixed(method)) // each)
        detail = "DETAIL_FULL" if full else "DETAIL_IDS"
        ids_fit = self.max_profiles(method, False, top)
        what = "profiles" if method == BATCH else "departments"
        advice = f"split the call into parts of at most {fits} {what}"
        if full:
            advice += f", or ask for detail DETAIL_IDS (at most {ids_fit} {what} per call)"
        elif top and self.top(top) > 1:
            advice += ", or ask for a shorter list (top)"
        message = (f"the answer to {count} {what} with {detail} and a list of {self.top(top)} could take up to "
                   f"{bound / 2**20:.1f} MiB, more than this server sends in one message "
                   f"({self.max_message_bytes / 2**20:.0f} MiB): {advice}")
        violation = (f"{count} {what}; at most {fits} like these fit one answer with {detail} "
                     f"and a list of {self.top(top)}")
        info = error_details_pb2.ErrorInfo(reason="ANSWER_TOO_LARGE", domain="trivsel.v1", metadata={
            "method": method, "detail": detail, "top": str(self.top(top)), "profiles": str(count),
            "max_profiles": str(fits), "max_profiles_ids": str(ids_fit), "answer_bound_bytes": str(bound),
            "max_message_bytes": str(self.max_message_bytes)})
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="profiles", description=violation)])
        raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, message, [bad, info])

    def advertised(self) -> tuple[Limit, ...]:
        """The limits Describe lists: both methods, both detail levels, the default list length and
        the longest list (a list in between allows at least the longest list's count)."""
        out = []
        for method in (BATCH, ORGANISATION):
            for full in (True, False):
                for top in sorted({self.top(0), self.top(100)}):
                    out.append(Limit(method, full, top, self.max_profiles(method, full, top),
                                     self.per_profile(method, full, top)))
        return tuple(out)


class SizeGuard:
    """A running total of an answer's bytes that ends the call as soon as it would pass the limit."""

    __slots__ = ("left", "limit", "what")

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.left = limit - ENVELOPE_BYTES
        self.what = what

    def take(self, size: int, done: int) -> None:
        """Count ``size`` more bytes, the part of the ``done``-th profile."""
        self.left -= size
        if self.left < 0:
            raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                           f"the answer grew past this server's message limit ({self.limit / 2**20:.0f} MiB) at "
                           f"{self.what} {done}; it was not sent — split the call or use DETAIL_IDS",
                           [error_details_pb2.ErrorInfo(reason="ANSWER_TOO_LARGE", domain="trivsel.v1",
                                                        metadata={"at": str(done), "max_message_bytes":
                                                                  str(self.limit)})])
