"""Rule tests written by consultants in YAML, their runner, and coverage.

A test file (``rules/tests/*.yaml``) holds ``tests:``, a list of cases. Each case gives a profile
(inline, or a path relative to the file) and what the answer must show::

    tests:
      - name: heavy workload with low influence
        profile: ../../examples/production-high-workload.yaml
        top: 5                     # optional; language: da|en optional
        expect:
          top_is: prioritisation
          top_n_includes: {n: 3, interventions: [prioritisation, influence-over-planning]}
          excludes: [return-to-work]
          ranked_above: [[prioritisation, realistic-goals]]
          fires: [high-strain-workload]
          does_not_fire: [low-influence-unfair-distribution]
          rationale_mentions: {intervention: prioritisation, text: ["78", "28"]}
          warnings_include: [missing-dimensions]
      - name: more pace never means less prioritisation
        profile: {scores: {work_pace: 70, influence: 40}}
        relation: {raise: work_pace, by: 10, does_not_lower: prioritisation}

Mistakes in test files (unknown ids, wrong shapes) are reported like rule-file problems, with
file, line, column and a suggestion. Failures say what was expected and show the answer.
"""

from __future__ import annotations

import fnmatch
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Self

import yaml

from .model import RuleSet
from .problems import ERROR, Position, Problem
from .profile import Profile, ProfileError, profile_from_dict
from .recommender import Options, Recommender
from .result import MustActItem, Recommendation, Result
from .schema import Reader
from .strengths import NO_NEGATIVE_ACTS
from .suggestions import closest
from .yaml_source import YamlDocument, YamlNode, parse_yaml

__all__ = ["Expectation", "Relation", "Case", "CaseResult", "Coverage", "load_cases", "run_cases", "coverage",
           "EXPECTATIONS"]


@dataclass(frozen=True)
class Relation:
    """Moving ``dimension`` by ``delta`` (clamped to its range) must not lower ``intervention``'s score."""

    dimension: str
    delta: float
    intervention: str
    position: Position


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    position: Position
    profile: Profile
    options: Options
    expectations: tuple[Expectation, ...] = ()
    relation: Relation | None = None


@dataclass(frozen=True)
class CaseResult:
    case: Case
    failures: tuple[str, ...]
    fired: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()
    bands: tuple[tuple[str, str], ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, object]:
        return {"name": self.case.name, "file": self.case.file, "line": self.case.position.line,
                "passed": self.passed, "failures": list(self.failures), "fired": list(self.fired),
                "recommended": list(self.recommended)}


@dataclass(frozen=True)
class Coverage:
    rules_fired: tuple[str, ...]
    rules_never_fired: tuple[str, ...]
    interventions_never_recommended: tuple[str, ...]
    bands: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    """dimension → (bands exercised, bands never exercised)"""

    @property
    def rule_percent(self) -> float:
        total = len(self.rules_fired) + len(self.rules_never_fired)
        return 100.0 * len(self.rules_fired) / total if total else 100.0

    def to_dict(self) -> dict[str, object]:
        return {"rule_percent": round(self.rule_percent, 2), "rules_fired": len(self.rules_fired),
                "rules_never_fired": list(self.rules_never_fired),
                "interventions_never_recommended": list(self.interventions_never_recommended),
                "bands": {d: {"exercised": list(a), "never": list(b)} for d, (a, b) in self.bands.items()}}


# --- expectations -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expectation(ABC):
    """One thing a case's answer must show: a key of ``expect:``, read from the test file by
    :meth:`parse` and held against an answer by :meth:`check`. One subclass per key; the YAML form
    each takes is in its docstring."""

    kind: ClassVar[str]
    """The key in ``expect:``."""
    position: Position

    @classmethod
    @abstractmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        """The expectation, or None after ``reader`` recorded the problem (or when there is nothing
        to check: such a case is left out)."""

    @abstractmethod
    def check(self, result: Result) -> str | None:
        """What is wrong with ``result``, as one line starting with the key; None if it passes."""


def _rank(result: Result) -> dict[str, int]:
    return {ident: i + 1 for i, ident in enumerate(result.ids)}


def _texts(node: YamlNode) -> tuple[str, ...]:
    return tuple(str(v.value) for v in node.as_list)


@dataclass(frozen=True)
class _Listed(Expectation):
    """An expectation that lists what it checks: ``key: [ID, …]`` (or one, ``key: ID``).

    ``names`` is what the ids name, as the problem for an unknown one says it ("rule",
    "intervention", "dimension"; see ``_CaseReader.names``); None for texts, taken as written.
    """

    items: tuple[str, ...]
    names: ClassVar[str | None] = "intervention"

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        if cls.names is None:
            return cls(node.position, _texts(node))
        ids = reader.ids(node, reader.names[cls.names], cls.names)
        return None if ids is None else cls(node.position, tuple(ids))

    def among(self, got: Container[str]) -> list[str]:
        """The listed items that are in ``got``, in the order listed."""
        return [item for item in self.items if item in got]

    def not_among(self, got: Container[str]) -> list[str]:
        """The listed items that are not in ``got``, in the order listed."""
        return [item for item in self.items if item not in got]


@dataclass(frozen=True)
class _OneIntervention(Expectation):
    intervention: str

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        ids = reader.ids(node, reader.interventions, "intervention")
        return cls(node.position, ids[0]) if ids else None


@dataclass(frozen=True)
class TopIs(_OneIntervention):
    """``top_is: ID``: the intervention ranked first."""

    kind = "top_is"

    def check(self, result: Result) -> str | None:
        ids = result.ids
        got = ids[0] if ids else "nothing"
        return None if got == self.intervention else f"top_is: expected {self.intervention} at rank 1, got {got}"


@dataclass(frozen=True)
class MustActFirst(_OneIntervention):
    """``must_act_first: ID``: the most severe must-act item."""

    kind = "must_act_first"

    def check(self, result: Result) -> str | None:
        got = result.must_act_ids[0] if result.must_act else "nothing"
        return None if got == self.intervention else f"must_act_first: expected {self.intervention}, got {got}"


@dataclass(frozen=True)
class _TopN(Expectation):
    """``key: {n: N, interventions: [ID, …]}``: something about the first N."""

    n: int | None
    interventions: tuple[str, ...]

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        n, ids = reader.top_n(node, cls.kind)
        return cls(node.position, n, tuple(ids)) if n and ids else None


@dataclass(frozen=True)
class TopNIncludes(_TopN):
    """``top_n_includes: {n: N, interventions: [ID, …]}``: each among the first N;
    ``top_n_includes: [ID, …]``: each anywhere in the ranked list."""

    kind = "top_n_includes"

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        if node.is_map:
            return super().parse(node, reader)
        ids = reader.ids(node, reader.interventions, "intervention")
        return cls(node.position, None, tuple(ids)) if ids else None

    def check(self, result: Result) -> str | None:
        ids = list(result.ids)
        n = self.n
        window = ids[:n] if n else ids
        missing = [w for w in self.interventions if w not in window]
        where = f"the top {n}" if n else "the answer"
        return None if not missing else f"top_n_includes: {', '.join(missing)} not in {where} ({', '.join(window)})"


@dataclass(frozen=True)
class TopSet(_TopN):
    """``top_set: {n: N, interventions: [ID, …]}``: the first N, in any order."""

    kind = "top_set"

    def check(self, result: Result) -> str | None:
        got = result.ids[:self.n]
        wanted = set(self.interventions)
        if set(got) == wanted and len(got) == len(wanted):
            return None
        return (f"top_set: expected the first {self.n} to be {{{', '.join(sorted(self.interventions))}}}, "
                f"got {{{', '.join(sorted(got))}}}")


@dataclass(frozen=True)
class Excludes(_Listed):
    """``excludes: [ID, …]``: none of them in the ranked list or the must-act part."""

    kind = "excludes"

    def check(self, result: Result) -> str | None:
        rank = _rank(result)
        present = self.among({*rank, *result.must_act_ids})
        return None if not present else "excludes: " + ", ".join(
            f"{w} is at rank {rank[w]}" if w in rank else f"{w} is in the must-act part" for w in present)


@dataclass(frozen=True)
class RankedAbove(Expectation):
    """``ranked_above: [[ABOVE, BELOW], …]`` (or one pair, ``[ABOVE, BELOW]``): ABOVE is in the
    ranked list, and ranked above BELOW if BELOW is in it too."""

    kind = "ranked_above"
    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        items = node.children
        pairs = items if items and items[0].is_seq else (node,)
        out: list[tuple[str, str]] = []
        for pair in pairs:
            ids = reader.ids(pair, reader.interventions, "intervention")
            if ids is None or len(ids) != 2:
                if ids is not None:
                    reader.reader.error(pair.position, "ranked_above takes pairs: [above, below]", "bad-expectation")
                return None
            out.append((ids[0], ids[1]))
        return cls(node.position, tuple(out))

    def check(self, result: Result) -> str | None:
        rank = _rank(result)
        bad = []
        for above, below in self.pairs:
            if above not in rank:
                bad.append(f"{above} is not in the answer")
            elif below in rank and rank[below] < rank[above]:
                bad.append(f"{above} is at rank {rank[above]}, below {below} at rank {rank[below]}")
        return None if not bad else "ranked_above: " + "; ".join(bad)


@dataclass(frozen=True)
class Fires(_Listed):
    """``fires: [RULE, …]``: each of these rules fired."""

    kind, names = "fires", "rule"

    def check(self, result: Result) -> str | None:
        missing = self.not_among(result.fired_rules)
        return None if not missing else (f"fires: {', '.join(missing)} did not fire "
                                         f"(fired: {', '.join(result.fired_rules) or 'none'})")


@dataclass(frozen=True)
class DoesNotFire(_Listed):
    """``does_not_fire: [RULE, …]``: none of these rules fired."""

    kind, names = "does_not_fire", "rule"

    def check(self, result: Result) -> str | None:
        fired = self.among(result.fired_rules)
        return None if not fired else f"does_not_fire: {', '.join(fired)} fired"


@dataclass(frozen=True)
class RationaleMentions(Expectation):
    """``rationale_mentions: {intervention: ID, text: [TEXT, …]}``: each text in the intervention's
    rationale; without ``intervention`` (or as ``rationale_mentions: [TEXT, …]``), in any
    rationale of the answer."""

    kind = "rationale_mentions"
    intervention: str | None
    texts: tuple[str, ...]

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        if not node.is_map:
            return cls(node.position, None, _texts(node))
        f = reader.reader.mapping(node, "rationale_mentions", ("text",), ("intervention",))
        target = None
        if f and "intervention" in f:
            ids = reader.ids(f["intervention"], reader.interventions, "intervention")
            target = ids[0] if ids else None
        texts = _texts(f["text"]) if f and "text" in f else None
        return cls(node.position, target, texts) if texts else None

    def check(self, result: Result) -> str | None:
        target = self.intervention
        answer: tuple[MustActItem | Recommendation, ...] = (*result.must_act, *result.recommendations)
        recs = [r for r in answer if target is None or r.intervention_id == target]
        if target is not None and not recs:
            return f"rationale_mentions: {target} is not in the answer"
        body = " ".join(reason.text + " " + " ".join(c.text for c in reason.conditions)
                        for r in recs for reason in r.because)
        missing = [t for t in self.texts if t not in body]
        where = f"{target}'s rationale" if target else "the rationale"
        return None if not missing else f"rationale_mentions: {', '.join(repr(t) for t in missing)} not in {where}"


@dataclass(frozen=True)
class WarningsInclude(_Listed):
    """``warnings_include: [CODE, …]``: the answer carries a warning with each code."""

    kind, names = "warnings_include", None

    def check(self, result: Result) -> str | None:
        codes = [w.code for w in result.warnings]
        missing = self.not_among(codes)
        return None if not missing else f"warnings_include: {', '.join(missing)} not among {', '.join(codes) or 'none'}"


@dataclass(frozen=True)
class MustAct(_Listed):
    """``must_act: [ID, …]``: exactly these must-act items (``[]``: none, a valid expectation)."""

    kind = "must_act"

    def check(self, result: Result) -> str | None:
        got = result.must_act_ids
        if set(got) == set(self.items):
            return None
        return (f"must_act: expected {{{', '.join(sorted(self.items)) or 'nothing'}}}, "
                f"got {{{', '.join(sorted(got)) or 'nothing'}}}")


@dataclass(frozen=True)
class StrengthsInclude(_Listed):
    """``strengths_include: [DIMENSION, …]``: each among the strengths (``no-negative-acts`` too)."""

    kind, names = "strengths_include", "dimension"

    def check(self, result: Result) -> str | None:
        kept = {s.dimension for s in result.strengths}
        missing = self.not_among(kept)
        return None if not missing else (f"strengths_include: {', '.join(missing)} not among the strengths "
                                         f"({', '.join(sorted(kept)) or 'none'})")


@dataclass(frozen=True)
class AnswerExcludesText(_Listed):
    """``answer_excludes_text: [TEXT, …]``: none of the texts anywhere in the answer."""

    kind, names = "answer_excludes_text", None

    def check(self, result: Result) -> str | None:
        # everything the answer shows about the department (the rule set's version is no finding)
        shown = json.dumps({k: v for k, v in result.to_dict().items() if k != "ruleset"}, ensure_ascii=False)
        found = self.among(shown)
        return None if not found else f"answer_excludes_text: the answer shows {', '.join(repr(t) for t in found)}"


@dataclass(frozen=True)
class NextMeasurement(Expectation):
    """``next_measurement: DATE``: the date the answer gives for the next measurement."""

    kind = "next_measurement"
    date: str

    @classmethod
    def parse(cls, node: YamlNode, reader: _CaseReader) -> Self | None:
        return cls(node.position, str(node.value)) if node.is_scalar else None

    def check(self, result: Result) -> str | None:
        return None if result.next_measurement == self.date else \
            f"next_measurement: expected {self.date}, got {result.next_measurement or 'none'}"


_KINDS: Mapping[str, type[Expectation]] = MappingProxyType({e.kind: e for e in (
    TopIs, TopNIncludes, TopSet, Excludes, RankedAbove, Fires, DoesNotFire, RationaleMentions, WarningsInclude,
    MustAct, MustActFirst, StrengthsInclude, AnswerExcludesText, NextMeasurement)})
EXPECTATIONS = tuple(_KINDS)
"""The keys of ``expect:``, in the order the documentation lists them."""



# --- loading ------------------------------------------------------------------------------------------
class _CaseReader:
    def __init__(self, ruleset: RuleSet, problems: list[Problem]) -> None:
        self.ruleset = ruleset
        self.problems = problems
        self.reader = Reader(problems)
        # what expectations may name
        self.rules = [r.id for r in ruleset.rules]
        self.interventions = list(ruleset.interventions)
        self.strengths = [*ruleset.dimensions, NO_NEGATIVE_ACTS]
        self.names: dict[str, Sequence[str]] = {"rule": self.rules, "intervention": self.interventions,
                                                "dimension": self.strengths}
        """The lists above by what they name, as problems name it (a strength's dimension may also be
        no-negative-acts)."""

    def ids(self, node: YamlNode, known: Sequence[str], what: str) -> list[str] | None:
        """One id, or a list of them, each in ``known``."""
        out = []
        for item in node.as_list:
            name = self.reader.string(item, what)
            if name is None:
                return None
            if name not in known:
                self.problems.append(Problem(item.position, f"unknown {what} '{name}'", f"unknown-{what.split()[0]}",
                                             ERROR, closest(name, known)))
                return None
            out.append(name)
        return out

    def top_n(self, node: YamlNode, what: str) -> tuple[int | None, list[str] | None]:
        """``{n: N, interventions: [ID, …]}``: N and the ids (each None if missing or wrong)."""
        f = self.reader.mapping(node, what, ("n", "interventions"))
        n = self.reader.integer(f["n"], "n", 1, 100) if f and "n" in f else None
        ids = self.ids(f["interventions"], self.interventions, "intervention") if f and "interventions" in f else None
        return n, ids

    def profile(self, node: YamlNode, base: Path) -> Profile | None:
        if node.is_scalar:
            path = (base / str(node.value)).resolve()
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                self.problems.append(Problem(node.position, f"cannot read profile {node.value}: {exc}", "profile-file"))
                return None
        else:
            data = node.to_python()
            if isinstance(data, dict):
                data.setdefault("department", {"id": "test"})
                data.setdefault("respondents", 20)
        try:
            return profile_from_dict(data)
        except ProfileError as exc:
            self.problems.append(Problem(node.position, f"bad profile: {exc}", "bad-profile"))
            return None

    def expectations(self, node: YamlNode) -> list[Expectation] | None:
        fields = self.reader.mapping(node, "expect", (), EXPECTATIONS)
        if fields is None:
            return None
        out: list[Expectation] = []
        for kind, value in fields.items():
            expectation = _KINDS[kind].parse(value, self)
            if expectation is None:
                return None
            out.append(expectation)
        return out

    def relation(self, node: YamlNode) -> Relation | None:
        f = self.reader.mapping(node, "relation", ("by", "does_not_lower"), ("raise", "lower"))
        if f is None or "by" not in f or "does_not_lower" not in f:  # a missing key is already reported
            return None
        if ("raise" in f) == ("lower" in f):
            self.reader.error(node.position, "relation needs exactly one of 'raise' or 'lower'", "bad-relation")
            return None
        key = "raise" if "raise" in f else "lower"
        dims = self.ids(f[key], list(self.ruleset.dimensions), "dimension")
        by = self.reader.number(f["by"], "by", 0, exclusive_minimum=True)
        target = self.ids(f["does_not_lower"], self.interventions, "intervention")
        if not dims or by is None or not target:
            return None
        return Relation(dims[0], by if key == "raise" else -by, target[0], node.position)

    def case(self, node: YamlNode, doc: YamlDocument, base: Path) -> Case | None:
        f = self.reader.mapping(node, "a test", ("name", "profile"), ("expect", "relation", "top", "language"))
        if f is None or "name" not in f or "profile" not in f:
            return None
        name = self.reader.string(f["name"], "name")
        profile = self.profile(f["profile"], base)
        top = self.reader.integer(f["top"], "top", 1, 100) if "top" in f else None
        language = self.reader.choice(f["language"], "language", ("da", "en")) if "language" in f else "en"
        if "expect" not in f and "relation" not in f:
            self.reader.error(node.position, "a test needs 'expect' or 'relation'", "missing-field")
            return None
        expectations = self.expectations(f["expect"]) if "expect" in f else []
        relation = self.relation(f["relation"]) if "relation" in f else None
        if name is None or profile is None or language is None or expectations is None or \
                ("relation" in f and relation is None) or ("top" in f and top is None):
            return None
        return Case(name, doc.file, f["name"].position, profile, Options(top=top, language=language),
                    tuple(expectations), relation)


def load_cases(folder: str | Path, ruleset: RuleSet) -> tuple[list[Case], list[Problem]]:
    """Every case in every ``*.yaml`` under ``folder`` (sorted), and every problem found."""
    problems: list[Problem] = []
    cases: list[Case] = []
    reader = _CaseReader(ruleset, problems)
    root = Path(folder)
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
        doc, parse_problems = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        problems += parse_problems
        if doc.root is None:
            continue
        top = reader.reader.mapping(doc.root, "a test file", ("tests",))
        if not top or "tests" not in top:
            continue
        for node in reader.reader.sequence(top["tests"], "'tests'"):
            case = reader.case(node, doc, path.parent)
            if case is not None:
                cases.append(case)
    return cases, problems


# --- running ------------------------------------------------------------------------------------------
def _answer(result: Result) -> str:
    must = ("must act: " + ", ".join(m.intervention_id for m in result.must_act) + " | ") if result.must_act else ""
    if not result.recommendations:
        return f"  answer: {must}(no recommendations)"
    return f"  answer: {must}" + " · ".join(f"{r.rank}. {r.intervention_id} {r.score:g}"
                                            for r in result.recommendations)


def _relation(recommender: Recommender, case: Case, relation: Relation) -> tuple[str | None, Profile]:
    dim = recommender.ruleset.dimensions[relation.dimension]
    scores = dict(case.profile.scores)
    if relation.dimension not in scores:
        return f"relation: the profile has no {relation.dimension} to change", case.profile
    before_value = scores[relation.dimension]
    scores[relation.dimension] = min(dim.maximum, max(dim.minimum, before_value + relation.delta))
    changed = case.profile.with_scores(scores)
    verb = "raising" if relation.delta > 0 else "lowering"
    if scores[relation.dimension] == before_value:
        end = "maximum" if relation.delta > 0 else "minimum"
        return (f"relation: {verb} {relation.dimension} changes nothing ({before_value:g} is the {end} of its "
                f"scale), so the relation cannot fail; start from a value it can move away from"), changed
    before = {c.intervention_id: c.score for c in recommender.evaluate(case.profile).scores.candidates.values()}
    after = {c.intervention_id: c.score for c in recommender.evaluate(changed).scores.candidates.values()}
    b, a = before.get(relation.intervention, 0.0), after.get(relation.intervention, 0.0)
    if b <= 0:
        # "does not lower" holds for any engine when nothing is there to lower
        return (f"relation: {relation.intervention} scores 0 before the change, so 'does not lower' cannot fail; "
                f"start from a profile that already recommends it"), changed
    if a < b - 1e-9:
        return (f"relation: {verb} {relation.dimension} {before_value:g} → {scores[relation.dimension]:g} lowered "
                f"{relation.intervention} from {b:g} to {a:g}"), changed
    return None, changed


def _bands(ruleset: RuleSet, profile: Profile) -> list[tuple[str, str]]:
    out = []
    for ident, value in profile.scores.items():
        dim = ruleset.dimensions.get(ident)
        band = dim.band_of(value) if dim else None
        if band is not None:
            out.append((ident, band.id))
    return out


def run_cases(recommender: Recommender, cases: Sequence[Case], pattern: str | None = None) -> list[CaseResult]:
    """Run the cases whose name matches ``pattern`` (a regular expression or a shell glob)."""
    selected = list(cases)
    if pattern:
        try:
            regex = re.compile(pattern)
            selected = [c for c in cases if regex.search(c.name)]
        except re.error:
            selected = [c for c in cases if fnmatch.fnmatch(c.name, pattern)]
    results = []
    for case in selected:
        failures: list[str] = []
        try:
            result = recommender.recommend(case.profile, case.options)
        except ProfileError as exc:
            results.append(CaseResult(case, (f"the profile was refused: {exc}",)))
            continue
        for expectation in case.expectations:
            message = expectation.check(result)
            if message:
                failures.append(message)
        if failures:
            failures.append(_answer(result))
        fired = list(result.fired_rules)
        recommended = list(result.must_act_ids + result.ids)
        bands = _bands(recommender.view_for_profile(case.profile).ruleset, case.profile)
        if case.relation is not None:
            message, changed = _relation(recommender, case, case.relation)
            if message:
                failures.append(message)
            other = recommender.recommend(changed, case.options)
            fired += [r for r in other.fired_rules if r not in fired]
            recommended += [r for r in other.must_act_ids + other.ids if r not in recommended]
            bands += _bands(recommender.view_for_profile(changed).ruleset, changed)
        results.append(CaseResult(case, tuple(failures), tuple(fired), tuple(recommended), tuple(bands)))
    return results


def coverage(results: Sequence[CaseResult], ruleset: RuleSet) -> Coverage:
    """Which rules the tests fired, which interventions they saw recommended, which bands they used."""
    fired = {r for res in results for r in res.fired}
    recommended = {i for res in results for i in res.recommended}
    used: dict[str, set[str]] = {}
    for res in results:
        for dim, band in res.bands:
            used.setdefault(dim, set()).add(band)
    bands: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for ident, dimension in ruleset.dimensions.items():
        seen = used.get(ident, set())
        bands[ident] = (tuple(b.id for b in dimension.bands if b.id in seen),
                        tuple(b.id for b in dimension.bands if b.id not in seen))
    return Coverage(tuple(r.id for r in ruleset.rules if r.id in fired),
                    tuple(r.id for r in ruleset.rules if r.id not in fired),
                    tuple(i for i in ruleset.interventions if i not in recommended), MappingProxyType(bands))

