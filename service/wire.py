"""Answers written straight to protobuf wire format, for the hot paths (Recommend, RecommendBatch).

Building protobuf objects costs about 1 µs per small message in Python, putting a finished answer
into a batch item copies it again, and an answer with its full rationale holds dozens of messages.
The wire format, though, is just concatenated fields: a message is the bytes of its fields, a
sub-message is a length-prefixed message. So everything that never changes for a rule set — an
intervention's texts, plan and evidence; a condition's dimension, operator, thresholds and band; a
rule's id and title — is encoded once per snapshot, and per answer only values, flags and rendered
texts are encoded, straight from the engine's evaluation (no intermediate objects).

The bytes parse to exactly the message ``convert.result_to_proto(recommender.render(...))`` builds;
``tests/test_wire.py`` checks that on thousands of random answers. Field numbers and wire types
follow ``proto/trivsel/v1/recommender.proto``.
"""

from __future__ import annotations

import itertools
import struct
from typing import Sequence

from google.rpc import status_pb2

from engine import Options, Recommender
from engine.explain import Numbers
from engine.model import LANGUAGES, RuleSetInfo
from engine.recommender import Evaluation, SummaryKey
from engine.result import DETAIL_FULL

from . import convert
from trivsel.v1 import recommender_pb2 as pb

__all__ = ["WireRenderer", "varint", "batch_item", "batch"]

_double = struct.Struct("<d").pack
_HOLDS = b"\x38\x01"  # Condition.holds = true


def _varint_slow(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_VARINTS = [_varint_slow(n) for n in range(1 << 14)]  # every length below 16 KiB, encoded once


def varint(n: int) -> bytes:
    """Protobuf base-128 varint (non-negative ``n``)."""
    return _VARINTS[n] if n < 16384 else _varint_slow(n)


def _len(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: tag, length, payload."""
    n = len(payload)
    return tag + (_VARINTS[n] if n < 16384 else _varint_slow(n)) + payload


def _text(tag: bytes, text: str) -> bytes:
    return _len(tag, text.encode("utf-8")) if text else b""


def batch_item(index: int, department_id: str, result: bytes | None = None,
               error: status_pb2.Status | None = None) -> tuple[bytes, ...]:
    """A ``BatchItem`` as a field of ``RecommendBatchResponse`` (tag included), in pieces.

    The answer (about 11 KB with its rationale) is not copied here: :func:`batch` joins every
    piece of every item once. Copying each answer into its item and each item into the
    response cost more than a tenth of a full-rationale batch (megabyte buffers, fresh pages).
    """
    head = (b"\x08" + varint(index) if index else b"") + _text(b"\x12", department_id)
    payload = result if result is not None else error.SerializeToString()  # type: ignore[union-attr]
    field = (b"\x1a" if result is not None else b"\x22") + varint(len(payload))
    return b"\x0a" + varint(len(head) + len(field) + len(payload)) + head + field, payload


def batch(items: Sequence[Sequence[bytes]], ruleset: bytes) -> bytes:
    """A serialized ``RecommendBatchResponse`` from :func:`batch_item` outputs and ruleset bytes."""
    return b"".join([*itertools.chain.from_iterable(items), b"\x12", varint(len(ruleset)), ruleset])


class WireRenderer:
    """Renders answers of one recommender (one rule-set snapshot) as serialized messages."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        ruleset = recommender.ruleset
        self.ruleset_bytes = convert.ruleset_info_to_proto(ruleset.info).SerializeToString()
        self._ruleset_field = _len(b"\x22", self.ruleset_bytes)
        self._names = {name: varint(len(name.encode())) + name.encode()
                       for name in [*ruleset.dimensions, *ruleset.interventions, *(r.id for r in ruleset.rules)]}
        self._fired_fields = tuple(b"\x3a" + self._names[rule.id] for rule in ruleset.rules)
        self._summaries: dict[tuple[SummaryKey, str], tuple[bytes, bytes]] = {}
        self._interventions = {(item.id, lang, full): self._intervention(item.id, lang, full)
                               for item in ruleset.interventions.values() for lang in LANGUAGES
                               for full in (True, False)}
        self._rules = {}
        for rule in ruleset.rules:
            explainer = recommender.explainer(rule.index)
            for lang in LANGUAGES:
                head = _text(b"\x0a", rule.id) + _text(b"\x12", explainer.title(lang))
                # the rationale (field 3): fixed bytes, a bytes format over the values, or None
                # when the template needs the general renderer (bands, references)
                text_format = rule.rationale[lang].byte_format(lang)
                if text_format is not None and not text_format[1]:
                    text_format = (_len(b"\x1a", text_format[0] % ()) if text_format[0] else b""), (), b""
                leaves = []
                for dim, op, threshold, high, band, test, prefix, suffix, shows_value in explainer.leaves(lang):
                    static = _text(b"\x0a", dim) + _text(b"\x12", op)
                    if threshold is not None:
                        static += b"\x19" + _double(threshold)
                    if high is not None:
                        static += b"\x21" + _double(high)
                    static += _text(b"\x2a", band or "")
                    before, after = prefix.encode("utf-8"), suffix.encode("utf-8")
                    fixed_text = None if shows_value else _len(b"\x42", before)
                    leaves.append((dim, static, test, before, after, len(before) + len(after), fixed_text))
                self._rules[(rule.index, lang)] = (head, explainer, explainer.conjunction, tuple(leaves), text_format)

    def _intervention(self, ident: str, language: str, full: bool) -> bytes:
        """The fixed fields of a Recommendation (everything but id, rank, score and reasons)."""
        item = self.recommender.ruleset.interventions[ident]
        msg = pb.Recommendation(prevention=convert.PREVENTION[item.prevention], iglo=[convert.IGLO[i] for i in item.iglo],
                                effort=convert.EFFORT[item.effort], time_to_effect=item.time_to_effect)
        if full:
            msg.title, msg.description = item.title.get(language), item.description.get(language)
            msg.plan.CopyFrom(pb.Plan(goal=item.plan.goal.get(language), owner=item.plan.owner.get(language),
                                      evaluation=item.plan.evaluation.get(language),
                                      follow_up_weeks=item.plan.follow_up_weeks))
            sources = self.recommender.ruleset.sources
            msg.evidence.extend(pb.Evidence(id=s, citation=sources[s].citation, url=sources[s].url or "",
                                            grade=sources[s].grade) for s in item.evidence)
        return msg.SerializeToString()

    def _rule(self, index: int, numbers: Numbers) -> bytes:
        """A reason's fields except its points: id, title, rationale and every condition."""
        head, explainer, conjunction, leaves, text_format = self._rules[(index, numbers.language)]
        values, utf8 = numbers.values, numbers.utf8
        if text_format is None:
            text = _text(b"\x1a", explainer.text(numbers))
        else:
            fmt, dims, missing = text_format
            if dims:
                body = fmt % tuple([utf8(d) if values.get(d) is not None else missing for d in dims])
                text = b"\x1a" + varint(len(body)) + body
            else:
                text = fmt  # a template without placeholders: the whole field, encoded once
        # Each condition as pieces with its length worked out, joined once with the rest: building
        # it by concatenation copied every condition four or five times over.
        parts = [head, text]
        for dim, static, test, before, after, fixed_length, fixed_text in leaves:
            value = values.get(dim)
            if value is None:
                middle = _HOLDS if conjunction or test(value) else b""
            elif conjunction or test(value):
                middle = b"\x31" + _double(value) + _HOLDS
            else:
                middle = b"\x31" + _double(value)
            if fixed_text is None:
                number = utf8(dim)
                size = varint(fixed_length + len(number))
                parts += (b"\x22", varint(len(static) + len(middle) + 1 + len(size) + fixed_length + len(number)),
                          static, middle, b"\x42", size, before, number, after)
            else:
                parts += (b"\x22", varint(len(static) + len(middle) + len(fixed_text)), static, middle, fixed_text)
        return b"".join(parts)

    def _names_field(self, tag: bytes, names: Sequence[str]) -> bytes:
        known = self._names
        return b"".join([tag + known[n] for n in names])

    def response(self, evaluation: Evaluation, options: Options) -> bytes:
        """A serialized ``RecommendResponse``, equal to ``result_to_proto(render(evaluation, options))``."""
        rec = self.recommender
        lang = options.language
        full = options.detail == DETAIL_FULL
        numbers = Numbers(evaluation.checked.values, lang) if full else None
        rules_done: dict[int, bytes] = {}
        parts = []
        for rank, candidate in enumerate(rec.chosen(evaluation, options.top), start=1):
            ident = candidate.intervention_id
            body = b"\x0a" + self._names[ident] + b"\x10" + varint(rank)
            if candidate.score:
                body += b"\x19" + _double(candidate.score)
            body += self._interventions[(ident, lang, full)]
            if numbers is not None:
                pieces = [body]
                for index, points in rec.contributions(ident, evaluation):
                    reason = rules_done.get(index)
                    if reason is None:
                        reason = rules_done[index] = self._rule(index, numbers)
                    if points:
                        pieces += (b"\x62", varint(len(reason) + 9), reason, b"\x29", _double(points))
                    else:
                        pieces += (b"\x62", varint(len(reason)), reason)
                body = b"".join(pieces)
            parts.append(_len(b"\x0a", body))
        key = rec.summary_key(evaluation)
        head, tail = self._summary(key, evaluation, lang)
        parts.append(head)
        parts.append(_text(b"\x2a", evaluation.checked.profile.department.id))
        parts.append(_text(b"\x32", lang))
        if full:
            parts.append(b"".join(map(self._fired_fields.__getitem__, evaluation.fired)))
            parts.append(tail)
        if evaluation.ranked:
            parts.append(b"\x48" + varint(len(evaluation.ranked)))
        return b"".join(parts)

    def _summary(self, key: SummaryKey, evaluation: Evaluation, lang: str) -> tuple[bytes, bytes]:
        """Fields 2–4 (missing dimensions, warnings, rule set) and field 8 (rules that could not be
        evaluated), encoded once per summary key: they repeat across the answers of one survey."""
        encoded = self._summaries.get((key, lang))
        if encoded is None:
            missing, unevaluable, warnings = self.recommender.summary(evaluation, lang, key)
            head = (self._names_field(b"\x12", missing)
                    + b"".join([_len(b"\x1a", _text(b"\x0a", w.code) + _text(b"\x12", w.message)) for w in warnings])
                    + self._ruleset_field)
            encoded = head, self._names_field(b"\x42", unevaluable)
            if len(self._summaries) >= 1024:
                self._summaries.clear()
            self._summaries[(key, lang)] = encoded
        return encoded

    def info(self) -> RuleSetInfo:
        return self.recommender.ruleset.info
