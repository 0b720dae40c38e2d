"""Answers written straight to protobuf wire format, for the hot paths (Recommend, RecommendBatch).

Building protobuf objects in Python costs about as much per small message as the rest of the answer's
work (docs/ARCHITECTURE.md, "Measured design choices"), putting a finished answer into a batch item
copies it again, and an answer with its full rationale holds dozens of messages.
The wire format, though, is just concatenated fields: a message is the bytes of its fields, a
sub-message is a length-prefixed message. So everything that never changes for a rule set — an
intervention's texts, plan and evidence; a condition's dimension, operator, thresholds and band; a
rule's id and title — is encoded once per snapshot, and per answer only values, flags and rendered
texts are encoded, straight from the engine's evaluation (no intermediate objects).

The bytes parse to exactly the message ``convert.result_to_proto(recommender.render(...))`` builds;
``tests/test_wire.py`` checks that on thousands of random answers. No tag is written by hand: every
field's tag (its number and wire type) is worked out from the generated message descriptors
(``proto/trivsel/v1/recommender.proto``) by :func:`tag` once, at import, into the constants below;
the hot path only joins precomputed bytes.
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections.abc import Callable, Sequence

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import status_pb2

from trivsel.engine import Options, Recommender
from trivsel.engine.grading import Zone, in_zone
from trivsel.engine.model import LANGUAGES, Rule, RuleSetInfo
from trivsel.engine.profile import MAX_ID_LENGTH
from trivsel.engine.rationale import (
    AT_LEAST_ONE,
    BORDERLINE_WORDS,
    NONE_REPORTED,
    NOT_SHOWN,
    NOT_SHOWN_NOTE,
    OF_RESPONDENTS,
    REPORTED,
    REPORTED_BY_NONE,
    UNCERTAIN_WORDS,
    Numbers,
    RuleExplainer,
)
from trivsel.engine.recommender import BORDERLINE_TEXT, UNCERTAIN_TEXT, Evaluation, SummaryKey, plan_view
from trivsel.engine.result import DETAIL_FULL
from trivsel.engine.strengths import NO_NEGATIVE_ACTS
from trivsel.engine.strengths import TEXTS as STRENGTH_TEXTS
from trivsel.engine.templates import Placeholder
from trivsel.v1 import recommender_pb2 as pb

from . import convert

__all__ = ["WireRenderer", "varint", "tag", "batch_item", "batch", "department", "organisation", "FRAME",
           "TEXT_BYTES", "WARNINGS_BYTES"]

PreparedLeaf = tuple[str, bytes, Callable[[float | None], bool], bytes, bytes, int, bytes | None, Zone | None]
"""One test of a rule, encoded once per rule set and language: (dimension, the Condition's fixed
fields as bytes, the test, the text before and after the value as UTF-8, their length, the whole
text when it shows no value, the borderline zone). Plain tuples, as the rationale's leaves, for
unpacking speed (docs/ARCHITECTURE.md, "Measured design choices")."""
PreparedRule = tuple[bytes, RuleExplainer, bool, tuple[PreparedLeaf, ...], tuple[bytes, tuple[str, ...], bytes] | None]
"""A rule, encoded once per rule set and language: (the Reason's fixed fields, its explainer,
whether it is a plain conjunction, its prepared leaves, the rationale's byte format)."""

_double = struct.Struct("<d").pack
_DOUBLE_SIZE = 8  # a double's value on the wire (wire type 1, fixed 64 bits)

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


_FIXED64 = frozenset((FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64))
_FIXED32 = frozenset((FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32))
_DELIMITED = frozenset((FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES, FieldDescriptor.TYPE_MESSAGE))


def tag(message: type[Message], name: str) -> bytes:
    """The bytes that open field ``name`` of ``message`` on the wire: the varint of its number
    shifted left three bits, or'ed with its wire type — 1 for a double or fixed64, 5 for a float
    or fixed32, 2 for a string, bytes, sub-message or packed repeated field, 0 (varint) for the
    rest (integers, bools, enums). A ``KeyError`` names a field the message does not have."""
    field = message.DESCRIPTOR.fields_by_name[name]
    if field.type == FieldDescriptor.TYPE_GROUP:
        raise ValueError(f"{field.full_name}: groups are not written by this module")
    if field.is_packed or field.type in _DELIMITED:
        wire_type = 2
    elif field.type in _FIXED64:
        wire_type = 1
    elif field.type in _FIXED32:
        wire_type = 5
    else:
        wire_type = 0
    return _varint_slow(field.number << 3 | wire_type)


# Every tag this module writes, worked out once from the descriptors.
_TRUE = _varint_slow(1)  # a bool's true

_RESP_RECOMMENDATIONS = tag(pb.RecommendResponse, "recommendations")
_RESP_MISSING = tag(pb.RecommendResponse, "missing")
_RESP_WARNINGS = tag(pb.RecommendResponse, "warnings")
_RESP_RULESET = tag(pb.RecommendResponse, "ruleset")
_RESP_DEPARTMENT_ID = tag(pb.RecommendResponse, "department_id")
_RESP_LANGUAGE = tag(pb.RecommendResponse, "language")
_RESP_FIRED_RULES = tag(pb.RecommendResponse, "fired_rules")
_RESP_UNEVALUABLE_RULES = tag(pb.RecommendResponse, "unevaluable_rules")
_RESP_CANDIDATES = tag(pb.RecommendResponse, "candidates")
_RESP_MUST_ACT = tag(pb.RecommendResponse, "must_act")
_RESP_STRENGTHS = tag(pb.RecommendResponse, "strengths")
_RESP_NEXT_MEASUREMENT = tag(pb.RecommendResponse, "next_measurement")

_REC_ID = tag(pb.Recommendation, "intervention_id")
_REC_RANK = tag(pb.Recommendation, "rank")
_REC_SCORE = tag(pb.Recommendation, "score")
_REC_BECAUSE = tag(pb.Recommendation, "because")
_REC_SECOND_ANSWER = tag(pb.Recommendation, "second_answer") + _TRUE  # with its value, true

_MUST_ID = tag(pb.MustAct, "intervention_id")
_MUST_RANK = tag(pb.MustAct, "rank")
_MUST_BECAUSE = tag(pb.MustAct, "because")
_MUST_SEVERITY = tag(pb.MustAct, "severity")
_MUST_HAZARDS = tag(pb.MustAct, "hazards")

_STRENGTH_DIMENSION = tag(pb.Strength, "dimension")
_STRENGTH_VALUE = tag(pb.Strength, "value")
_STRENGTH_BAND = tag(pb.Strength, "band")
_STRENGTH_TEXT = tag(pb.Strength, "text")

_REASON_RULE_ID = tag(pb.Reason, "rule_id")
_REASON_TITLE = tag(pb.Reason, "title")
_REASON_TEXT = tag(pb.Reason, "text")
_REASON_CONDITIONS = tag(pb.Reason, "conditions")
_REASON_POINTS = tag(pb.Reason, "points")
_REASON_LEGAL = tag(pb.Reason, "legal")
_POINTS_SIZE = len(_REASON_POINTS) + _DOUBLE_SIZE  # the whole points field

_COND_DIMENSION = tag(pb.Condition, "dimension")
_COND_OP = tag(pb.Condition, "op")
_COND_THRESHOLD = tag(pb.Condition, "threshold")
_COND_THRESHOLD_HIGH = tag(pb.Condition, "threshold_high")
_COND_BAND = tag(pb.Condition, "band")
_COND_ACTUAL = tag(pb.Condition, "actual")
_COND_TEXT = tag(pb.Condition, "text")
_COND_TEXT_SIZE = len(_COND_TEXT)
_COND_HOLDS = tag(pb.Condition, "holds") + _TRUE  # with its value: only true is written
_COND_BORDERLINE = tag(pb.Condition, "borderline") + _TRUE
_COND_BORDERLINE_SIZE = len(_COND_BORDERLINE)

_WARNING_CODE = tag(pb.Warning, "code")
_WARNING_MESSAGE = tag(pb.Warning, "message")

_BATCH_ITEMS = tag(pb.RecommendBatchResponse, "items")
_BATCH_RULESET = tag(pb.RecommendBatchResponse, "ruleset")
_ITEM_INDEX = tag(pb.BatchItem, "index")
_ITEM_DEPARTMENT_ID = tag(pb.BatchItem, "department_id")
_ITEM_RESULT = tag(pb.BatchItem, "result")
_ITEM_ERROR = tag(pb.BatchItem, "error")

_ORG_RULESET = tag(pb.AnalyseOrganisationResponse, "ruleset")
_ORG_LANGUAGE = tag(pb.AnalyseOrganisationResponse, "language")
_ORG_ESCALATION_SHARE = tag(pb.AnalyseOrganisationResponse, "escalation_share")
_ORG_DEPARTMENTS = tag(pb.AnalyseOrganisationResponse, "departments")
_ORG_NEEDS = tag(pb.AnalyseOrganisationResponse, "needs")
_DEPT_ID = tag(pb.DepartmentResult, "department_id")
_DEPT_NAME = tag(pb.DepartmentResult, "department_name")
_DEPT_RESPONDENTS = tag(pb.DepartmentResult, "respondents")
_DEPT_RESULT = tag(pb.DepartmentResult, "result")
_DEPT_REFUSED = tag(pb.DepartmentResult, "refused")
_DEPT_ERROR = tag(pb.DepartmentResult, "error")
_DEPT_BANDS = tag(pb.DepartmentResult, "bands")
_BAND_DIMENSION = tag(pb.DimensionBand, "dimension")
_BAND_BAND = tag(pb.DimensionBand, "band")


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
    head = (_ITEM_INDEX + varint(index) if index else b"") + _text(_ITEM_DEPARTMENT_ID, clipped(department_id))
    payload = result if result is not None else error.SerializeToString()  # type: ignore[union-attr]  # one is given
    field = (_ITEM_RESULT if result is not None else _ITEM_ERROR) + varint(len(payload))
    return _BATCH_ITEMS + varint(len(head) + len(field) + len(payload)) + head + field, payload


def batch(items: Sequence[Sequence[bytes]], ruleset: bytes) -> bytes:
    """A serialized ``RecommendBatchResponse`` from :func:`batch_item` outputs and ruleset bytes."""
    return b"".join([*itertools.chain.from_iterable(items), _BATCH_RULESET, varint(len(ruleset)), ruleset])


def department(department_id: str, name: str, respondents: int, result: bytes | None = None,
               refused: str | None = None, error: status_pb2.Status | None = None,
               bands: Sequence[tuple[str, str]] = ()) -> tuple[bytes, ...]:
    """A ``DepartmentResult`` as a field of ``AnalyseOrganisationResponse`` (tag included), in
    pieces like :func:`batch_item`, so that the answer is not copied into it."""
    head = _text(_DEPT_ID, clipped(department_id)) + _text(_DEPT_NAME, clipped(name))
    if respondents:
        head += _DEPT_RESPONDENTS + varint(respondents)
    if result is not None:
        payload, field = result, _DEPT_RESULT + varint(len(result))
    elif refused is not None:
        payload = refused.encode("utf-8")
        field = _DEPT_REFUSED + varint(len(payload))
    else:
        payload = error.SerializeToString()  # type: ignore[union-attr]  # given here
        field = _DEPT_ERROR + varint(len(payload))
    tail = b"".join([_len(_DEPT_BANDS, _text(_BAND_DIMENSION, dim) + _text(_BAND_BAND, band)) for dim, band in bands])
    return (_ORG_DEPARTMENTS + varint(len(head) + len(field) + len(payload) + len(tail)) + head + field, payload, tail)


def organisation(departments: Sequence[Sequence[bytes]], ruleset: bytes, language: str, share: float,
                 needs: Sequence[bytes]) -> bytes:
    """A serialized ``AnalyseOrganisationResponse`` from :func:`department` outputs, the ruleset
    bytes and serialized ``InterventionNeed`` messages."""
    head = [_ORG_RULESET, varint(len(ruleset)), ruleset, _text(_ORG_LANGUAGE, language), _ORG_ESCALATION_SHARE,
            _double(share)]
    return b"".join([*head, *itertools.chain.from_iterable(departments),
                     *itertools.chain.from_iterable((_ORG_NEEDS, varint(len(n)), n) for n in needs)])


class WireRenderer:
    """Renders answers of one recommender (one rule-set snapshot) as serialized messages."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        self._views: dict[int, WireRenderer] = {}  # a renderer per sector view (engine/sectors.py)
        self._views_lock = threading.Lock()
        ruleset = recommender.ruleset
        self.ruleset_bytes = convert.ruleset_info_to_proto(ruleset.info).SerializeToString()
        self._ruleset_field = _len(_RESP_RULESET, self.ruleset_bytes)
        self._names = {name: varint(len(name.encode())) + name.encode()
                       for name in [*ruleset.dimensions, *ruleset.interventions, *(r.id for r in ruleset.rules)]}
        self._fired_fields = tuple(_RESP_FIRED_RULES + self._names[rule.id] for rule in ruleset.rules)
        self._summaries: dict[tuple[SummaryKey, str], tuple[bytes, bytes]] = {}
        self._bounds: dict[tuple[bool, int], int] = {}
        self._widest: int | None = None
        self._interventions = {(item.id, lang, full): self._intervention(item.id, lang, full)
                               for item in ruleset.interventions.values() for lang in LANGUAGES
                               for full in (True, False)}
        self._rules: dict[tuple[int, str], PreparedRule] = {}
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
                head = (_text(_REASON_RULE_ID, rule.id) + _text(_REASON_TITLE, explainer.title(lang))
                        + b"".join(_text(_REASON_LEGAL, name) for name in explainer.legal(lang)))
                # the rationale (Reason.text): fixed bytes, a bytes format over the values, or None
                # when the template needs the general renderer (bands, references)
                text_format = rule.rationale[lang].byte_format(lang)
                if text_format is not None and not text_format[1]:
                    text_format = (_len(_REASON_TEXT, text_format[0] % ()) if text_format[0] else b""), (), b""
                leaves: list[PreparedLeaf] = []
                for (dim, op, threshold, high, band, test, prefix, suffix, shows_value, zone,
                     _) in explainer.leaves(lang):
                    static = _text(_COND_DIMENSION, dim) + _text(_COND_OP, op)
                    if threshold is not None:
                        static += _COND_THRESHOLD + _double(threshold)
                    if high is not None:
                        static += _COND_THRESHOLD_HIGH + _double(high)
                    static += _text(_COND_BAND, band or "")
                    before, after = prefix.encode("utf-8"), suffix.encode("utf-8")
                    fixed_text = None if shows_value else _len(_COND_TEXT, before)
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
            text = _text(_REASON_TEXT, explainer.text(numbers))
        else:
            fmt, dims, missing = text_format
            if dims:
                body = fmt % tuple([utf8(d) if values.get(d) is not None else missing for d in dims])
                text = _REASON_TEXT + varint(len(body)) + body
            else:
                text = fmt  # a template without placeholders: the whole field, encoded once
        # Each condition as pieces with its length worked out, joined once with the rest: building
        # it by concatenation copied every condition four or five times over.
        parts = [head, text]
        for dim, static, test, before, after, fixed_length, fixed_text, zone in leaves:
            value: float | None = values.get(dim)
            if value is None:
                middle = _COND_HOLDS if conjunction or test(value) else b""
            elif conjunction or test(value):
                middle = _COND_ACTUAL + _double(value) + _COND_HOLDS
            else:
                middle = _COND_ACTUAL + _double(value)
            if zone is not None and value is not None and in_zone(zone, value):  # borderline: words and flag
                number = utf8(dim)
                near = self._near[numbers.language]
                length = fixed_length + len(number) + len(near)
                size = varint(length)
                total = len(static) + len(middle) + _COND_TEXT_SIZE + len(size) + length + _COND_BORDERLINE_SIZE
                parts += (_REASON_CONDITIONS, varint(total),
                          static, middle, _COND_TEXT, size, before, number, after, near, _COND_BORDERLINE)
            elif fixed_text is None:
                number = utf8(dim)
                size = varint(fixed_length + len(number))
                parts += (_REASON_CONDITIONS,
                          varint(len(static) + len(middle) + _COND_TEXT_SIZE + len(size) + fixed_length + len(number)),
                          static, middle, _COND_TEXT, size, before, number, after)
            else:
                parts += (_REASON_CONDITIONS, varint(len(static) + len(middle) + len(fixed_text)), static, middle,
                          fixed_text)
        return b"".join(parts)

    def _with_reasons(self, body: bytes, because: bytes, ident: str, evaluation: Evaluation, numbers: Numbers,
                      rules_done: dict[int, bytes]) -> bytes:
        """``body`` followed by the reasons behind ``ident``, each under the tag ``because`` (the
        ``because`` field of a Recommendation or a MustAct)."""
        pieces = [body]
        for index, points in self.recommender.contributions(ident, evaluation):
            reason = rules_done.get(index)
            if reason is None:
                reason = rules_done[index] = self._rule(index, numbers)
            if points:
                pieces += (because, varint(len(reason) + _POINTS_SIZE), reason, _REASON_POINTS, _double(points))
            else:
                pieces += (because, varint(len(reason)), reason)
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
            body = _REC_ID + self._names[ident] + _REC_RANK + varint(rank)
            if candidate.score:
                body += _REC_SCORE + _double(candidate.score)
            body += self._interventions[(ident, lang, full)]
            if ident in evaluation.second:
                body += _REC_SECOND_ANSWER
            if numbers is not None:
                body = self._with_reasons(body, _REC_BECAUSE, ident, evaluation, numbers, rules_done)
            parts.append(_len(_RESP_RECOMMENDATIONS, body))
        for rank, acting in enumerate(evaluation.must_act, start=1):
            # the intervention's fixed fields are a Recommendation's: the same numbers in MustAct
            ident = acting.intervention_id
            body = _MUST_ID + self._names[ident] + _MUST_RANK + varint(rank) + self._interventions[(ident, lang, full)]
            if numbers is not None:
                body = self._with_reasons(body, _MUST_BECAUSE, ident, evaluation, numbers, rules_done)
            body += _MUST_SEVERITY + varint(acting.severity) + b"".join(
                [_len(_MUST_HAZARDS, self._hazards[(h, lang, full)]) for h in acting.hazards])
            parts.append(_len(_RESP_MUST_ACT, body))
        if numbers is not None:
            for s in rec.strengths(evaluation, numbers):
                body = _text(_STRENGTH_DIMENSION, s.dimension) + (
                    _STRENGTH_VALUE + _double(s.value) if s.value is not None else b"")
                parts.append(_len(_RESP_STRENGTHS,
                                  body + _text(_STRENGTH_BAND, s.band) + _text(_STRENGTH_TEXT, s.text)))
        parts.append(_text(_RESP_NEXT_MEASUREMENT, rec.next_measurement(evaluation)))
        key = rec.summary_key(evaluation)
        head, tail = self._summary(key, evaluation, lang)
        parts.append(head)
        for w in rec.late_warnings(evaluation, lang):  # warnings again: after the kept ones, as in render()
            parts.append(_len(_RESP_WARNINGS, _text(_WARNING_CODE, w.code) + _text(_WARNING_MESSAGE, w.message)))
        parts.append(_text(_RESP_DEPARTMENT_ID, evaluation.checked.profile.department.id))
        parts.append(_text(_RESP_LANGUAGE, lang))
        if full:
            parts.append(b"".join(map(self._fired_fields.__getitem__, evaluation.fired)))
            parts.append(tail)
        if evaluation.ranked:
            parts.append(_RESP_CANDIDATES + varint(len(evaluation.ranked)))
        return b"".join(parts)

    def _summary(self, key: SummaryKey, evaluation: Evaluation, lang: str) -> tuple[bytes, bytes]:
        """The missing dimensions, warnings and rule set, and the rules that could not be evaluated,
        encoded once per summary key: they repeat across the answers of one survey."""
        encoded = self._summaries.get((key, lang))
        if encoded is None:
            missing, unevaluable, warnings = self.recommender.summary(evaluation, lang, key)
            head = (self._names_field(_RESP_MISSING, missing)
                    + b"".join([_len(_RESP_WARNINGS, _text(_WARNING_CODE, w.code) + _text(_WARNING_MESSAGE, w.message))
                                for w in warnings])
                    + self._ruleset_field)
            encoded = head, self._names_field(_RESP_UNEVALUABLE_RULES, unevaluable)
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

    def _reason_bound(self, rule: Rule, lang: str) -> int:
        head, _, _, leaves, _ = self._rules[(rule.index, lang)]
        widest = self._widest_placeholder() + max(len(w.encode("utf-8"))
                                                  for words in (BORDERLINE_WORDS, UNCERTAIN_WORDS)
                                                  for w in words.values()) + 2
        text = FRAME + sum(widest if isinstance(part, Placeholder) else len(part.encode("utf-8"))
                           for part in rule.rationale[lang].parts)
        hidden = max(len(t.encode("utf-8")) for words in (REPORTED, REPORTED_BY_NONE) for t in words.values()) \
            + 2 * max(len(d.name.get(lang).encode("utf-8")) for d in self.recommender.ruleset.dimensions.values())
        conditions = sum(2 * FRAME + len(static) + 9 + 2 + FRAME + max(fixed_length + widest, hidden)
                         for _, static, _, _, _, fixed_length, _, _ in leaves)
        return len(head) + text + conditions

    def _widest_placeholder(self) -> int:
        """The most bytes a placeholder or a condition's value can take in a text: a value (or a
        reference value) at its widest within its dimension's range, a band label, or the word for
        a missing value."""
        if self._widest is None:
            widths = [len(b"(mangler)")]
            widths += [len(t.encode("utf-8")) + 8 for words in (AT_LEAST_ONE, NONE_REPORTED, OF_RESPONDENTS,
                                                                 NOT_SHOWN, NOT_SHOWN_NOTE)
                       for t in words.values()]  # a share as the rationale words it (or hides it)
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
