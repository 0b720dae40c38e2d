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
import threading
from collections.abc import Sequence

from google.rpc import status_pb2

from trivsel.engine import Options, Recommender
from trivsel.engine.explain import (
    AT_LEAST_ONE,
    BORDERLINE_WORDS,
    NONE_REPORTED,
    OF_RESPONDENTS,
    REPORTED,
    UNCERTAIN_WORDS,
    Numbers,
)
from trivsel.engine.grading import in_zone
from trivsel.engine.model import LANGUAGES, RuleSetInfo
from trivsel.engine.profile import MAX_ID_LENGTH
from trivsel.engine.recommender import BORDERLINE_TEXT, UNCERTAIN_TEXT, Evaluation, SummaryKey, plan_view
from trivsel.engine.result import DETAIL_FULL
from trivsel.engine.strengths import NO_NEGATIVE_ACTS
from trivsel.engine.strengths import TEXTS as STRENGTH_TEXTS
from trivsel.engine.templates import Placeholder
from trivsel.v1 import recommender_pb2 as pb

from . import convert

__all__ = ["WireRenderer", "varint", "batch_item", "batch", "department", "organisation", "FRAME", "TEXT_BYTES",
           "WARNINGS_BYTES"]

_double = struct.Struct("<d").pack
_HOLDS = b"\x38\x01"  # Condition.holds = true
_BORDERLINE = b"\x48\x01"  # Condition.borderline = true


FRAME = 11
"""The most a field's framing takes: a tag (one byte for our field numbers) and a length or varint
value (at most 10 bytes). Bounds count this for every field rather than the exact size."""
TEXT_BYTES = 4 * MAX_ID_LENGTH
"""The most a department id or name that passed the profile check takes in UTF-8 (four bytes a
character); anything echoed from a refused profile is cut to the same length (:func:`clipped`)."""
WARNINGS_BYTES = 1900
"""An upper bound on an answer's warnings: at most six notices (low response rate, small group, no
scores, missing dimensions, low competence, nothing fired), each a code and a fixed sentence under
200 bytes with at most three numbers in it — about 1.1 KB with their framing — and the sector
notice (engine/sectors.py: a sentence with a name cut to 40 characters, the nearest name and the
list of sectors: at most 429 bytes with the bundled vocabulary, measured with a name of 4-byte
characters; a longer vocabulary is added in :meth:`WireRenderer.answer_bound`), with a fifth more
for safety."""


def clipped(text: str) -> str:
    """A department id or name from a request as it may be echoed into an answer: a refused
    profile's id may be any length, a valid one is at most MAX_ID_LENGTH characters."""
    return text if len(text) <= MAX_ID_LENGTH else text[:MAX_ID_LENGTH]


def _varint_slow(n: int) -> bytes:
    n &= 0xFFFFFFFFFFFFFFFF  # a negative int32/int64 is written as its 64-bit two's complement
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_VARINTS = [_varint_slow(n) for n in range(1 << 14)]  # every length below 16 KiB, encoded once


def varint(n: int) -> bytes:
    """Protobuf base-128 varint (a negative ``n`` as its 64-bit two's complement, as int32 fields are)."""
    return _VARINTS[n] if 0 <= n < 16384 else _varint_slow(n)


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
    head = (b"\x08" + varint(index) if index else b"") + _text(b"\x12", clipped(department_id))
    payload = result if result is not None else error.SerializeToString()  # type: ignore[union-attr]
    field = (b"\x1a" if result is not None else b"\x22") + varint(len(payload))
    return b"\x0a" + varint(len(head) + len(field) + len(payload)) + head + field, payload


def batch(items: Sequence[Sequence[bytes]], ruleset: bytes) -> bytes:
    """A serialized ``RecommendBatchResponse`` from :func:`batch_item` outputs and ruleset bytes."""
    return b"".join([*itertools.chain.from_iterable(items), b"\x12", varint(len(ruleset)), ruleset])


def department(department_id: str, name: str, respondents: int, result: bytes | None = None,
               refused: str | None = None, error: status_pb2.Status | None = None,
               bands: Sequence[tuple[str, str]] = ()) -> tuple[bytes, ...]:
    """A ``DepartmentResult`` as a field of ``AnalyseOrganisationResponse`` (tag included), in
    pieces like :func:`batch_item`, so that the answer is not copied into it."""
    head = _text(b"\x0a", clipped(department_id)) + _text(b"\x12", clipped(name))
    if respondents:
        head += b"\x18" + varint(respondents)
    if result is not None:
        payload, field = result, b"\x22" + varint(len(result))
    elif refused is not None:
        payload = refused.encode("utf-8")
        field = b"\x2a" + varint(len(payload))
    else:
        payload = error.SerializeToString()  # type: ignore[union-attr]
        field = b"\x32" + varint(len(payload))
    tail = b"".join([_len(b"\x3a", _text(b"\x0a", dim) + _text(b"\x12", band)) for dim, band in bands])
    return (b"\x22" + varint(len(head) + len(field) + len(payload) + len(tail)) + head + field, payload, tail)


def organisation(departments: Sequence[Sequence[bytes]], ruleset: bytes, language: str, share: float,
                 needs: Sequence[bytes]) -> bytes:
    """A serialized ``AnalyseOrganisationResponse`` from :func:`department` outputs, the ruleset
    bytes and serialized ``InterventionNeed`` messages."""
    head = [b"\x0a", varint(len(ruleset)), ruleset, _text(b"\x12", language), b"\x19", _double(share)]
    return b"".join([*head, *itertools.chain.from_iterable(departments),
                     *itertools.chain.from_iterable((b"\x2a", varint(len(n)), n) for n in needs)])


class WireRenderer:
    """Renders answers of one recommender (one rule-set snapshot) as serialized messages."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        self._views: dict[int, WireRenderer] = {}  # a renderer per sector view (engine/sectors.py)
        self._views_lock = threading.Lock()
        ruleset = recommender.ruleset
        self.ruleset_bytes = convert.ruleset_info_to_proto(ruleset.info).SerializeToString()
        self._ruleset_field = _len(b"\x22", self.ruleset_bytes)
        self._names = {name: varint(len(name.encode())) + name.encode()
                       for name in [*ruleset.dimensions, *ruleset.interventions, *(r.id for r in ruleset.rules)]}
        self._fired_fields = tuple(b"\x3a" + self._names[rule.id] for rule in ruleset.rules)
        self._summaries: dict[tuple[SummaryKey, str], tuple[bytes, bytes]] = {}
        self._bounds: dict[tuple[bool, int], int] = {}
        self._widest: int | None = None
        self._interventions = {(item.id, lang, full): self._intervention(item.id, lang, full)
                               for item in ruleset.interventions.values() for lang in LANGUAGES
                               for full in (True, False)}
        self._rules = {}
        shares = frozenset(d.id for d in ruleset.dimensions.values() if d.share)
        # A rule that looks at a share of the respondents words it in its own way ("12.5% of the
        # respondents", or "at least one respondent" in a small group) and grades it by its
        # confidence interval: such reasons are rendered by the engine and encoded whole.
        self._phrased = frozenset(rule.index for rule in ruleset.rules if shares.intersection(rule.dimensions))
        self._near = {lang: BORDERLINE_WORDS[lang].encode("utf-8") for lang in LANGUAGES}
        self._hazards = {(h.id, lang, full): pb.Hazard(id=h.id, severity=h.severity, **(
            {"title": h.title.get(lang), "legal_basis": h.legal_basis.get(lang),
                 "source": ruleset.sources[h.source].citation} if full else {})).SerializeToString()
            for h in ruleset.hazards.values() for lang in LANGUAGES for full in (True, False)}
        for rule in ruleset.rules:
            explainer = recommender.explainer(rule.index)
            for lang in LANGUAGES:
                head = (_text(b"\x0a", rule.id) + _text(b"\x12", explainer.title(lang))
                        + b"".join(_text(b"\x32", name) for name in explainer.legal(lang)))  # field 6, legal
                # the rationale (field 3): fixed bytes, a bytes format over the values, or None
                # when the template needs the general renderer (bands, references)
                text_format = rule.rationale[lang].byte_format(lang)
                if text_format is not None and not text_format[1]:
                    text_format = (_len(b"\x1a", text_format[0] % ()) if text_format[0] else b""), (), b""
                leaves = []
                for (dim, op, threshold, high, band, test, prefix, suffix, shows_value, zone,
                     _) in explainer.leaves(lang):
                    static = _text(b"\x0a", dim) + _text(b"\x12", op)
                    if threshold is not None:
                        static += b"\x19" + _double(threshold)
                    if high is not None:
                        static += b"\x21" + _double(high)
                    static += _text(b"\x2a", band or "")
                    before, after = prefix.encode("utf-8"), suffix.encode("utf-8")
                    fixed_text = None if shows_value else _len(b"\x42", before)
                    leaves.append((dim, static, test, before, after, len(before) + len(after), fixed_text, zone))
                self._rules[(rule.index, lang)] = (head, explainer, explainer.conjunction, tuple(leaves), text_format)

    def _intervention(self, ident: str, language: str, full: bool) -> bytes:
        """The fixed fields of a Recommendation (everything but id, rank, score and reasons)."""
        item = self.recommender.ruleset.interventions[ident]
        msg = pb.Recommendation(prevention=convert.PREVENTION[item.prevention],
                                iglo=[convert.IGLO[i] for i in item.iglo],
                                effort=convert.EFFORT[item.effort], time_to_effect=item.time_to_effect)
        if full:
            msg.title, msg.description = item.title.get(language), item.description.get(language)
            msg.plan.CopyFrom(convert.plan_to_proto(plan_view(item, self.recommender.ruleset.planning, language)))
            sources = self.recommender.ruleset.sources
            msg.evidence.extend(pb.Evidence(id=s, citation=sources[s].citation, url=sources[s].url or "",
                                            grade=sources[s].grade, name=sources[s].label) for s in item.evidence)
        return msg.SerializeToString()

    def _rule(self, index: int, numbers: Numbers) -> bytes:
        """A reason's fields except its points: id, title, rationale and every condition."""
        head, explainer, conjunction, leaves, text_format = self._rules[(index, numbers.language)]
        if index in self._phrased:
            r = explainer.reason(0.0, numbers)
            return pb.Reason(rule_id=r.rule_id, title=r.title, text=r.text, legal=r.legal,
                             conditions=[convert.condition_to_proto(c) for c in r.conditions]).SerializeToString()
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
        for dim, static, test, before, after, fixed_length, fixed_text, zone in leaves:
            value = values.get(dim)
            if value is None:
                middle = _HOLDS if conjunction or test(value) else b""
            elif conjunction or test(value):
                middle = b"\x31" + _double(value) + _HOLDS
            else:
                middle = b"\x31" + _double(value)
            if zone is not None and value is not None and in_zone(zone, value):  # borderline: words and flag
                number = utf8(dim)
                near = self._near[numbers.language]
                length = fixed_length + len(number) + len(near)
                size = varint(length)
                parts += (b"\x22", varint(len(static) + len(middle) + 1 + len(size) + length + 2),
                          static, middle, b"\x42", size, before, number, after, near, _BORDERLINE)
            elif fixed_text is None:
                number = utf8(dim)
                size = varint(fixed_length + len(number))
                parts += (b"\x22", varint(len(static) + len(middle) + 1 + len(size) + fixed_length + len(number)),
                          static, middle, b"\x42", size, before, number, after)
            else:
                parts += (b"\x22", varint(len(static) + len(middle) + len(fixed_text)), static, middle, fixed_text)
        return b"".join(parts)

    def _with_reasons(self, body: bytes, ident: str, evaluation: Evaluation, numbers: Numbers,
                      rules_done: dict[int, bytes]) -> bytes:
        """``body`` followed by the reasons (field 12 of a Recommendation or MustAct) behind ``ident``."""
        pieces = [body]
        for index, points in self.recommender.contributions(ident, evaluation):
            reason = rules_done.get(index)
            if reason is None:
                reason = rules_done[index] = self._rule(index, numbers)
            if points:
                pieces += (b"\x62", varint(len(reason) + 9), reason, b"\x29", _double(points))
            else:
                pieces += (b"\x62", varint(len(reason)), reason)
        return b"".join(pieces)

    def _names_field(self, tag: bytes, names: Sequence[str]) -> bytes:
        known = self._names
        return b"".join([tag + known[n] for n in names])

    def _for(self, view: Recommender) -> WireRenderer:
        """The renderer of a sector's view: its texts name the sector's references and thresholds."""
        renderer = self._views.get(id(view))
        if renderer is None:
            with self._views_lock:
                renderer = self._views.get(id(view))
                if renderer is None:
                    renderer = self._views[id(view)] = WireRenderer(view)
        return renderer

    def response(self, evaluation: Evaluation, options: Options) -> bytes:
        """A serialized ``RecommendResponse``, equal to ``result_to_proto(render(evaluation, options))``."""
        view = self.recommender.view_of(evaluation)
        if view is not self.recommender:
            return self._for(view).response(evaluation, options)
        rec = self.recommender
        lang = options.language
        full = options.detail == DETAIL_FULL
        numbers = rec.numbers(evaluation, lang) if full else None
        rules_done: dict[int, bytes] = {}
        parts = []
        for rank, candidate in enumerate(rec.chosen(evaluation, options.top), start=1):
            ident = candidate.intervention_id
            body = b"\x0a" + self._names[ident] + b"\x10" + varint(rank)
            if candidate.score:
                body += b"\x19" + _double(candidate.score)
            body += self._interventions[(ident, lang, full)]
            if ident in evaluation.second:
                body += b"\x68\x01"  # field 13: second_answer
            if numbers is not None:
                body = self._with_reasons(body, ident, evaluation, numbers, rules_done)
            parts.append(_len(b"\x0a", body))
        for rank, acting in enumerate(evaluation.must_act, start=1):  # field 10: MustAct
            ident = acting.intervention_id
            body = b"\x0a" + self._names[ident] + b"\x10" + varint(rank) + self._interventions[(ident, lang, full)]
            if numbers is not None:
                body = self._with_reasons(body, ident, evaluation, numbers, rules_done)
            body += b"\x68" + varint(acting.severity) + b"".join(
                [_len(b"\x72", self._hazards[(h, lang, full)]) for h in acting.hazards])
            parts.append(_len(b"\x52", body))
        if numbers is not None:  # field 11: Strength
            for s in rec.strengths(evaluation, numbers):
                body = _text(b"\x0a", s.dimension) + (b"\x11" + _double(s.value) if s.value is not None else b"")
                parts.append(_len(b"\x5a", body + _text(b"\x1a", s.band) + _text(b"\x22", s.text)))
        parts.append(_text(b"\x62", rec.next_measurement(evaluation)))  # field 12
        key = rec.summary_key(evaluation)
        head, tail = self._summary(key, evaluation, lang)
        parts.append(head)
        for w in rec.late_warnings(evaluation, lang):  # field 3 again: after the kept ones, as in render()
            parts.append(_len(b"\x1a", _text(b"\x0a", w.code) + _text(b"\x12", w.message)))
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

    # --- the largest answer this rule set can give ---------------------------------------------------
    def answer_bound(self, full: bool, top: int) -> int:
        """An upper bound on the bytes of one serialized ``RecommendResponse`` with a list of at most
        ``top`` interventions, in either language, for any valid profile — without its department
        id, which the caller counts (service/limits.py measures it on the request).

        Worked out from the very pieces :meth:`response` joins, each at its largest: every listed
        intervention with every rule that can recommend it contributing (whether or not those
        rules can fire together), every value and rationale placeholder at its widest text, every
        dimension missing and every rule unevaluable, the longest department id, and every field's
        framing at its largest. So it is loose — a real answer is a fraction of it — but it holds
        by construction, which is what lets a call be refused before anything is built.
        """
        key = (full, top)
        bound = self._bounds.get(key)
        if bound is None:
            bound = self._bounds[key] = max(self._answer_bound(lang, full, top) for lang in LANGUAGES)
        return bound

    def _answer_bound(self, lang: str, full: bool, top: int) -> int:
        ruleset = self.recommender.ruleset
        reasons: dict[str, int] = {}
        if full:
            for rule in ruleset.rules:
                size = FRAME + self._reason_bound(rule, lang) + 9  # the reason's frame, itself, its points
                for recommend in rule.recommend:
                    reasons[recommend.intervention] = reasons.get(recommend.intervention, 0) + size
        # the must-act part is not counted against top, but an intervention stands in one part
        # only: the answer holds at most top + (interventions a rule can put in must-act) distinct
        # items, each at its largest (as a must-act item, with every hazard it can answer)
        acting: dict[str, set[str]] = {}
        for rule in ruleset.rules:
            if rule.must_act:
                acting.setdefault(rule.must_act.intervention, set()).add(rule.must_act.hazard)
        items = sorted((FRAME + len(self._names[ident]) + 1 + FRAME + 9 + 2
                        + len(self._interventions[(ident, lang, full)])
                        + reasons.get(ident, 0) + FRAME
                        + sum(FRAME + len(self._hazards[(h, lang, full)]) for h in acting.get(ident, ())) + FRAME
                        for ident in ruleset.interventions), reverse=True)
        listed = sum(items[:max(0, top) + len(acting)])
        if full:  # strengths: at most one per dimension, and "no negative act reported"
            widest, longest = self._widest_placeholder(), max(len(t.get(lang).encode("utf-8")) for t in STRENGTH_TEXTS)
            listed += sum(4 * FRAME + len(d) + 9 + 2 * widest + longest + len(dim.name.get(lang).encode("utf-8"))
                          + max((len(b.id) for b in dim.bands), default=0)
                          for d, dim in ruleset.dimensions.items()) + 4 * FRAME + longest + len(NO_NEGATIVE_ACTS)
        listed += FRAME + len("2026-11-29")  # the next measurement
        names = sum(1 + len(self._names[d]) for d in ruleset.dimensions)  # missing dimensions
        summary = names + WARNINGS_BYTES + len(self._ruleset_field) + FRAME + 2 + FRAME
        # the sector notice lists the vocabulary's ids: beyond what WARNINGS_BYTES allows for
        summary += max(0, sum(len(s.id) + 2 for s in ruleset.sectors.values()) + max(
            (len(a.encode("utf-8")) for s in ruleset.sectors.values() for a in (s.id, *s.aliases)), default=0) - 250)
        # the borderline warnings (values near a limit, shares within their uncertainty) name
        # dimensions: at most every one, with its separator, in one of the two
        sentences = sum(len(t.get(lang).encode("utf-8")) + 10 for t in (BORDERLINE_TEXT, UNCERTAIN_TEXT))
        summary += 2 * (3 * FRAME + len("borderline")) + sentences + sum(
            len(d.name.get(lang).encode("utf-8")) + 2 for d in ruleset.dimensions.values())
        if full:
            summary += 2 * sum(len(f) for f in self._fired_fields)  # fired and unevaluable rules
        return listed + summary

    def _reason_bound(self, rule, lang: str) -> int:
        head, _, _, leaves, _ = self._rules[(rule.index, lang)]
        widest = self._widest_placeholder() + max(len(w.encode("utf-8"))
                                                  for words in (BORDERLINE_WORDS, UNCERTAIN_WORDS)
                                                  for w in words.values()) + 2
        text = FRAME + sum(widest if isinstance(part, Placeholder) else len(part.encode("utf-8"))
                           for part in rule.rationale[lang].parts)
        hidden = max(len(t.encode("utf-8")) for t in REPORTED.values()) + 2 * max(
            len(d.name.get(lang).encode("utf-8")) for d in self.recommender.ruleset.dimensions.values())
        conditions = sum(2 * FRAME + len(static) + 9 + 2 + FRAME + max(fixed_length + widest, hidden)
                         for _, static, _, _, _, fixed_length, _, _ in leaves)
        return len(head) + text + conditions

    def _widest_placeholder(self) -> int:
        """The most bytes a placeholder or a condition's value can take in a text: a value (or a
        reference value) at its widest within its dimension's range, a band label, or the word for
        a missing value."""
        if self._widest is None:
            widths = [len(b"(mangler)")]
            widths += [len(t.encode("utf-8")) + 8 for words in (AT_LEAST_ONE, NONE_REPORTED, OF_RESPONDENTS)
                       for t in words.values()]  # a share as the rationale words it
            # a reference's name ({x.reference_name}) in any sector's view, and its label
            references = [d.reference for d in self.recommender.ruleset.dimensions.values() if d.reference]
            references += [r for s in self.recommender.ruleset.sectors.values() for r in s.references.values()]
            widths += [len((r.short or r.label).get(lang).encode("utf-8")) for r in references for lang in LANGUAGES]
            for dim in self.recommender.ruleset.dimensions.values():
                for value in (dim.minimum, dim.maximum, *((dim.reference.value,) if dim.reference else ())):
                    widths.append(len(f"{abs(value):.2f}") + 1)  # the sign
                widths += [len(b.label.get(lang).encode("utf-8")) for b in dim.bands for lang in LANGUAGES]
            self._widest = max(widths)
        return self._widest
