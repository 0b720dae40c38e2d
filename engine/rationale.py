"""Rationale in words and numbers: every condition of a rule with the department's actual value.

The explanation evaluates the same resolved condition tree the matcher was compiled from, leaf by
leaf, so "influence 28 < 33" is exactly the test that made the rule fire. The fixed parts of each
sentence ("Influence ", " < 33 (low)") are built once per rule and language at load time
(:class:`RuleExplainer`); per request only the values are formatted, each once (:class:`Numbers`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .conditions import AllOf, Literal, literals
from .expr.syntax import Op
from .grading import BORDERLINE, Zone, borderline_zone, in_zone, share_grade
from .model import LANGUAGES, Band, Dimension, Hazard, Rule
from .result import ConditionResult, Reason
from .templates import format_number

__all__ = ["Numbers", "RuleExplainer", "Leaf"]

Leaf = tuple[str, str, float | None, float | None, str | None, Callable[[float | None], bool], str, str, bool,
             Zone | None, Literal | None]
"""One test of a rule, prepared for one language: (dimension, op, threshold, threshold_high, band,
test, prefix, suffix, shows_value, zone, share) — see :class:`RuleExplainer`. A plain tuple, not a
NamedTuple: the explanation unpacks every leaf of every contributing rule, and CPython unpacks an
exact tuple faster than a tuple subclass (docs/ARCHITECTURE.md, "Measured design choices")."""

_WORDS = {
    Op.BETWEEN: {"en": "is between {lo} and {hi}", "da": "ligger mellem {lo} og {hi}"},
    Op.NOT_BETWEEN: {"en": "is not between {lo} and {hi}", "da": "ligger ikke mellem {lo} og {hi}"},
    Op.PRESENT: {"en": "is present", "da": "er målt"},
    Op.MISSING: {"en": "is missing", "da": "mangler"},
}
MISSING = {"en": "(missing)", "da": "(mangler)"}
BORDERLINE_WORDS = {"en": " (borderline)", "da": " (grænsetilfælde)"}
UNCERTAIN_WORDS = {"en": " (within the statistical uncertainty)", "da": " (inden for den statistiske usikkerhed)"}
"""A share past its limit whose confidence interval still reaches it."""
AT_LEAST_ONE = {"en": "at least one respondent", "da": "mindst én af de svarende"}
NONE_REPORTED = {"en": "no respondent", "da": "ingen af de svarende"}
OF_RESPONDENTS = {"en": "{n}% of the respondents", "da": "{n} % af de svarende"}
REPORTED = {"en": "{name}: reported by at least one respondent (fewer than {m} answers: no share is shown)",
            "da": "{name}: rapporteret af mindst én af de svarende (færre end {m} svar: ingen andel vises)"}
REPORTED_BY_NONE = {"en": "{name}: reported by no respondent (fewer than {m} answers: no share is shown)",
                    "da": "{name}: rapporteret af ingen af de svarende (færre end {m} svar: ingen andel vises)"}
"""A hidden negative act's test when its share is 0: nobody reported it, which is no number."""
NOT_SHOWN = {"en": "a share that is not shown (fewer than {m} answers)",
             "da": "en andel, der ikke vises (færre end {m} svar)"}
"""A share other than a negative act's (stress), too small to show: how a text states it."""
NOT_SHOWN_NOTE = {"en": " (fewer than {m} answers: the share is not shown)",
                  "da": " (færre end {m} svar: andelen vises ikke)"}
"""After such a share's test in a condition, which then names no value."""


def _pieces(lit: Literal, dimension: Dimension | None, language: str) -> tuple[str, str]:
    """The text before and after the actual value: ``("Influence ", " < 33 (low)")``."""
    name = dimension.name.get(language) if dimension else lit.dimension
    if lit.op in (Op.PRESENT, Op.MISSING):
        return f"{name} {_WORDS[lit.op][language]}", ""
    if lit.op in _WORDS:
        words = _WORDS[lit.op][language].format(lo=format_number(lit.threshold or 0, language),
                                                hi=format_number(lit.threshold_high or 0, language))
        suffix = f" {words}"
    else:
        suffix = f" {lit.op} {format_number(lit.threshold or 0, language)}"
    if lit.band and dimension is not None:
        band = dimension.band(lit.band)
        if band is not None:
            label = band.label.get(language)
            suffix += f" ({NOT[language]}{label})" if _outside(lit, band) else f" ({label})"
    return f"{name} ", suffix


NOT = {"en": "not ", "da": "ikke "}


def _outside(lit: Literal, band: Band) -> bool:
    """Whether ``lit`` came from ``is not <band>``: the values it accepts lie outside the band."""
    low, high = lit.threshold or 0.0, lit.threshold_high if lit.threshold_high is not None else lit.threshold or 0.0
    probe = {Op.GT: low + 1e-9, Op.GE: low, Op.LT: low - 1e-9, Op.LE: low, Op.BETWEEN: (low + high) / 2,
             Op.NOT_BETWEEN: low - 1e-9}.get(lit.op)
    return probe is not None and not band.contains(probe)


class Numbers:
    """One answer's values formatted for one language, each at most once; and each rule's
    explanation built at most once, though a rule may stand under several recommendations.

    ``phrased`` are the dimensions whose value a rationale text states as a share of the
    respondents ("12.5% of the respondents"); ``hidden`` those of them whose share must not be
    shown at all, because it rests on too few answers (one report in a team of six would name a
    person; two stressed of six are two colleagues). A hidden negative act (one of ``acts``) reads
    "at least one respondent", any other hidden share "a share that is not shown" — in the texts
    and in the conditions.
    """

    __slots__ = (
        "_cache",
        "_utf8",
        "acts",
        "explained",
        "hidden",
        "language",
        "min_answers",
        "phrased",
        "respondents",
        "values",
    )

    def __init__(self, values: Mapping[str, float], language: str, phrased: frozenset[str] = frozenset(),
                 hidden: frozenset[str] = frozenset(), min_answers: int = 20, respondents: int = 0,
                 acts: frozenset[str] = frozenset()) -> None:
        self.values = values
        self.language = language
        self._cache: dict[str, str] = {}
        self._utf8: dict[str, bytes] = {}
        self.explained: dict[int, tuple[str, str, tuple[ConditionResult, ...]]] = {}
        self.phrased = phrased
        self.hidden = hidden
        self.min_answers = min_answers
        self.respondents = respondents
        self.acts = acts

    def text(self, dimension: str) -> str:
        """The value as a number ("12.5"), or the words a hidden share is shown with."""
        cached = self._cache.get(dimension)
        if cached is None:
            value = self.values.get(dimension)
            if value is None:
                cached = MISSING[self.language]
            elif dimension in self.hidden:
                cached = ((AT_LEAST_ONE if value > 0 else NONE_REPORTED)[self.language] if dimension in self.acts
                          else NOT_SHOWN[self.language].format(m=self.min_answers))
            else:
                cached = format_number(value, self.language)
            self._cache[dimension] = cached
        return cached

    def phrase(self, dimension: str) -> str:
        """The value as a rationale text states it: a share as "12.5% of the respondents" (or, when
        hidden, "at least one respondent" or "a share that is not shown"), anything else as :meth:`text`."""
        if dimension not in self.phrased or dimension in self.hidden or self.values.get(dimension) is None:
            return self.text(dimension)
        return OF_RESPONDENTS[self.language].format(n=self.text(dimension))

    def utf8(self, dimension: str) -> bytes:
        """:meth:`text` encoded, for renderers that write bytes."""
        cached = self._utf8.get(dimension)
        if cached is None:
            cached = self._utf8[dimension] = self.text(dimension).encode("utf-8")
        return cached


class RuleExplainer:
    """A rule's explanation, prepared at load time for both languages.

    Each leaf is kept, per language, as a plain tuple (:data:`Leaf`) — (dimension, op, threshold,
    threshold_high, band, test, prefix, suffix, shows_value, zone, share) — because an answer
    explains every condition of every contributing rule and this loop is the hottest part of
    rendering. ``zone`` is where the test is borderline (engine/grading.py), ``share`` the literal
    itself when it tests a share of the respondents (graded by its interval), else None.
    """

    def __init__(self, rule: Rule, dimensions: Mapping[str, Dimension], hazards: Mapping[str, Hazard]) -> None:
        self.rule = rule
        self._dimensions = dimensions
        self._titles = {lang: rule.title.get(lang) for lang in LANGUAGES}
        self._legal = {lang: tuple(hazards[h].title.get(lang) for h in rule.legal) for lang in LANGUAGES}
        leaves = literals(rule.condition)
        # In a rule that is one test or an 'and' of tests, every test holds once the rule fired.
        self.conjunction = isinstance(rule.condition, Literal) or (
            isinstance(rule.condition, AllOf) and all(isinstance(i, Literal) for i in rule.condition.items))
        self._leaves: dict[str, tuple[Leaf, ...]]
        self._leaves = {lang: tuple((lit.dimension, lit.op, lit.threshold, lit.threshold_high, lit.band, lit.holds,
                                     *_pieces(lit, dimensions.get(lit.dimension), lang),
                                     lit.op not in (Op.PRESENT, Op.MISSING), borderline_zone(lit),
                                     lit if lit.share else None)
                                    for lit in leaves)
                        for lang in LANGUAGES}

    def conditions(self, numbers: Numbers, fired: bool = False) -> tuple[ConditionResult, ...]:
        """The rule's tests with this answer's values. With ``fired`` (the caller knows the rule
        fired) the tests of a plain conjunction all hold, and are not evaluated again."""
        values, text_of, hidden = numbers.values, numbers.text, numbers.hidden
        known = fired and self.conjunction
        out = []
        for dim, op, threshold, high, band, test, prefix, suffix, shows_value, zone, share in \
                self._leaves[numbers.language]:
            value = values.get(dim)
            if hidden and dim in hidden and value is not None:
                out.append(self._hidden(dim, op, threshold, high, band, value, test(value), numbers,
                                        prefix.rstrip() + suffix))
                continue
            near = value is not None and (in_zone(zone, value) if zone is not None else
                                          share is not None and share_grade(share, value, numbers.respondents)
                                          == BORDERLINE)
            text = prefix + text_of(dim) + suffix if shows_value else prefix
            words = (UNCERTAIN_WORDS if share is not None else BORDERLINE_WORDS)[numbers.language]
            out.append(ConditionResult(dim, op, threshold, high, band, value, True if known else test(value),
                                       text + words if near else text, near))
        return tuple(out)

    def _hidden(self, dim: str, op: str, threshold: float | None, high: float | None, band: str | None,
                value: float, holds: bool, numbers: Numbers, test_text: str) -> ConditionResult:
        """A test on a share too small to show. A negative act's: neither the value nor the
        threshold it was compared with (which would bound it), only that it was reported. Any other
        share's (stress): the test without the value — its threshold is the published figure the
        advice compares with, which the rule's own text names."""
        if dim not in numbers.acts:
            return ConditionResult(dim, op, threshold, high, band, None, holds,
                                   test_text + NOT_SHOWN_NOTE[numbers.language].format(m=numbers.min_answers))
        dimension = self._dimensions.get(dim)
        name = dimension.name.get(numbers.language) if dimension else dim
        words = REPORTED if value > 0 else REPORTED_BY_NONE  # as Numbers.text: 0 is "no respondent"
        text = words[numbers.language].format(name=name, m=numbers.min_answers)
        return ConditionResult(dim, op, None, None, band, None, holds, text)

    def leaves(self, language: str) -> tuple[Leaf, ...]:
        """The prepared leaves for ``language`` (see the class docstring), for other renderers."""
        return self._leaves[language]

    def title(self, language: str) -> str:
        return self._titles[language]

    def legal(self, language: str) -> tuple[str, ...]:
        """The hazards the rule rests on, by name in ``language``."""
        return self._legal[language]

    def text(self, numbers: Numbers) -> str:
        """The rationale with this answer's values filled in."""
        lang = numbers.language
        return self.rule.rationale[lang].render(numbers.values, self._dimensions, lang, numbers.phrase)

    def reason(self, points: float, numbers: Numbers) -> Reason:
        """The rule as it appears under a recommendation it contributed ``points`` to."""
        rule = self.rule
        done = numbers.explained.get(rule.index)
        if done is None:
            done = numbers.explained[rule.index] = (self._titles[numbers.language], self.text(numbers),
                                                    self.conditions(numbers, fired=True))
        return Reason(rule.id, done[0], done[1], done[2], points, self._legal[numbers.language])
