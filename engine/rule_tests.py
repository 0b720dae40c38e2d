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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from .model import RuleSet
from .problems import ERROR, Position, Problem
from .profile import Profile, ProfileError, profile_from_dict
from .recommender import Options, Recommender
from .result import Result
from .schema import Reader
from .strengths import NO_NEGATIVE_ACTS
from .suggestions import closest
from .yaml_source import YamlDocument, YamlNode, parse_yaml

__all__ = ["Expectation", "Relation", "Case", "CaseResult", "Coverage", "load_cases", "run_cases", "coverage",
           "EXPECTATIONS"]

EXPECTATIONS = ("top_is", "top_n_includes", "top_set", "excludes", "ranked_above", "fires", "does_not_fire",
                "rationale_mentions", "warnings_include", "must_act", "must_act_first", "strengths_include",
                "answer_excludes_text", "next_measurement")


@dataclass(frozen=True)
class Expectation:
    kind: str
    value: object
    position: Position


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


# --- loading ------------------------------------------------------------------------------------------
class _CaseReader:
    def __init__(self, ruleset: RuleSet, problems: list[Problem]) -> None:
        self.ruleset = ruleset
        self.problems = problems
        self.reader = Reader(problems)

    def ids(self, node: YamlNode, known: Sequence[str], what: str) -> list[str] | None:
        nodes = node.value if node.is_seq else (node,)
        out = []
        for item in nodes:  # type: ignore[union-attr]
            name = self.reader.string(item, what)
            if name is None:
                return None
            if name not in known:
                self.problems.append(Problem(item.position, f"unknown {what} '{name}'", f"unknown-{what.split()[0]}",
                                             ERROR, closest(name, known)))
                return None
            out.append(name)
        return out

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
        rules = [r.id for r in self.ruleset.rules]
        interventions = list(self.ruleset.interventions)
        fields = self.reader.mapping(node, "expect", (), EXPECTATIONS)
        if fields is None:
            return None
        out: list[Expectation] = []
        for kind, value in fields.items():
            pos = value.position
            if kind in ("top_is", "must_act_first"):
                ids = self.ids(value, interventions, "intervention")
                parsed: object = ids[0] if ids else None
            elif kind == "excludes":
                parsed = self.ids(value, interventions, "intervention")
            elif kind == "must_act":  # [] is a valid expectation: nothing must be acted on
                parsed = [] if value.is_seq and not value.value else self.ids(value, interventions, "intervention")
            elif kind in ("fires", "does_not_fire"):
                parsed = self.ids(value, rules, "rule")
            elif kind == "strengths_include":
                parsed = self.ids(value, [*self.ruleset.dimensions, NO_NEGATIVE_ACTS], "dimension")
            elif kind in ("answer_excludes_text",):
                parsed = [str(v.value) for v in (value.value if value.is_seq else (value,))]  # type: ignore[union-attr]
            elif kind == "next_measurement":
                parsed = str(value.value) if value.is_scalar else None
            elif kind == "warnings_include":
                parsed = [str(v.value) for v in (value.value if value.is_seq else (value,))]  # type: ignore[union-attr]
            elif kind == "top_set":
                f = self.reader.mapping(value, "top_set", ("n", "interventions"))
                n = self.reader.integer(f["n"], "n", 1, 100) if f and "n" in f else None
                ids = (self.ids(f["interventions"], interventions, "intervention")
                       if f and "interventions" in f else None)
                parsed = (n, ids) if n and ids else None
            elif kind == "top_n_includes":
                if value.is_map:
                    f = self.reader.mapping(value, "top_n_includes", ("n", "interventions"))
                    n = self.reader.integer(f["n"], "n", 1, 100) if f and "n" in f else None
                    ids = (self.ids(f["interventions"], interventions, "intervention")
                           if f and "interventions" in f else None)
                    parsed = (n, ids) if n and ids else None
                else:
                    ids = self.ids(value, interventions, "intervention")
                    parsed = (None, ids) if ids else None
            elif kind == "ranked_above":
                pairs = value.value if value.is_seq and value.value and value.value[0].is_seq else (value,)  # type: ignore
                parsed = []
                for pair in pairs:  # type: ignore[union-attr]
                    ids = self.ids(pair, interventions, "intervention")
                    if ids is None or len(ids) != 2:
                        if ids is not None:
                            self.reader.error(pair.position, "ranked_above takes pairs: [above, below]",
                                              "bad-expectation")
                        parsed = None
                        break
                    parsed.append(tuple(ids))  # type: ignore[union-attr]
            else:  # rationale_mentions
                if value.is_map:
                    f = self.reader.mapping(value, "rationale_mentions", ("text",), ("intervention",))
                    target = (self.ids(f["intervention"], interventions, "intervention") or [None])[0] \
                        if f and "intervention" in f else None
                    texts = [str(t.value) for t in (f["text"].value if f["text"].is_seq else (f["text"],))] \
                        if f and "text" in f else None  # type: ignore[union-attr]
                    parsed = (target, texts) if texts else None
                else:
                    parsed = (None, [str(t.value) for t in (value.value if value.is_seq else (value,))])  # type: ignore
            if parsed is None:
                return None
            out.append(Expectation(kind, parsed, pos))
        return out

    def relation(self, node: YamlNode) -> Relation | None:
        f = self.reader.mapping(node, "relation", ("by", "does_not_lower"), ("raise", "lower"))
        if f is None:
            return None
        if ("raise" in f) == ("lower" in f):
            self.reader.error(node.position, "relation needs exactly one of 'raise' or 'lower'", "bad-relation")
            return None
        key = "raise" if "raise" in f else "lower"
        dims = self.ids(f[key], list(self.ruleset.dimensions), "dimension")
        by = self.reader.number(f["by"], "by", 0, exclusive_minimum=True)
        target = self.ids(f["does_not_lower"], list(self.ruleset.interventions), "intervention")
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
        if None in (name, profile, language, expectations) or ("relation" in f and relation is None) or \
                ("top" in f and top is None):
            return None
        return Case(name, doc.file, f["name"].position, profile, Options(top=top, language=language),  # type: ignore
                    tuple(expectations), relation)  # type: ignore[arg-type]


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


def _check(e: Expectation, result: Result) -> str | None:
    ids = list(result.ids)
    rank = {ident: i + 1 for i, ident in enumerate(ids)}
    kind, value = e.kind, e.value
    if kind == "top_is":
        got = ids[0] if ids else "nothing"
        return None if got == value else f"top_is: expected {value} at rank 1, got {got}"
    if kind == "top_n_includes":
        n, wanted = value  # type: ignore[misc]
        window = ids[:n] if n else ids
        missing = [w for w in wanted if w not in window]
        where = f"the top {n}" if n else "the answer"
        return None if not missing else f"top_n_includes: {', '.join(missing)} not in {where} ({', '.join(window)})"
    if kind == "top_set":
        n, wanted = value  # type: ignore[misc]
        got = ids[:n]
        if set(got) == set(wanted) and len(got) == len(set(wanted)):
            return None
        return (f"top_set: expected the first {n} to be {{{', '.join(sorted(wanted))}}}, "
                f"got {{{', '.join(sorted(got))}}}")
    if kind == "must_act":
        got = result.must_act_ids
        if set(got) == set(value):  # type: ignore[arg-type]
            return None
        return (f"must_act: expected {{{', '.join(sorted(value)) or 'nothing'}}}, "  # type: ignore[arg-type]
                f"got {{{', '.join(sorted(got)) or 'nothing'}}}")
    if kind == "strengths_include":
        kept = {s.dimension for s in result.strengths}
        missing = [d for d in value if d not in kept]  # type: ignore[union-attr]
        return None if not missing else (f"strengths_include: {', '.join(missing)} not among the strengths "
                                         f"({', '.join(sorted(kept)) or 'none'})")
    if kind == "answer_excludes_text":
        # everything the answer shows about the department (the rule set's version is no finding)
        shown = json.dumps({k: v for k, v in result.to_dict().items() if k != "ruleset"}, ensure_ascii=False)
        found = [t for t in value if t in shown]  # type: ignore[union-attr]
        return None if not found else f"answer_excludes_text: the answer shows {', '.join(repr(t) for t in found)}"
    if kind == "next_measurement":
        return None if result.next_measurement == value else \
            f"next_measurement: expected {value}, got {result.next_measurement or 'none'}"
    if kind == "must_act_first":
        got = result.must_act_ids[0] if result.must_act else "nothing"
        return None if got == value else f"must_act_first: expected {value}, got {got}"
    if kind == "excludes":
        acting = set(result.must_act_ids)
        present = [w for w in value if w in rank or w in acting]  # type: ignore[union-attr]
        return None if not present else "excludes: " + ", ".join(
            f"{w} is at rank {rank[w]}" if w in rank else f"{w} is in the must-act part" for w in present)
    if kind == "ranked_above":
        bad = []
        for above, below in value:  # type: ignore[union-attr]
            if above not in rank:
                bad.append(f"{above} is not in the answer")
            elif below in rank and rank[below] < rank[above]:
                bad.append(f"{above} is at rank {rank[above]}, below {below} at rank {rank[below]}")
        return None if not bad else "ranked_above: " + "; ".join(bad)
    if kind == "fires":
        missing = [r for r in value if r not in result.fired_rules]  # type: ignore[union-attr]
        return None if not missing else (f"fires: {', '.join(missing)} did not fire "
                                         f"(fired: {', '.join(result.fired_rules) or 'none'})")
    if kind == "does_not_fire":
        fired = [r for r in value if r in result.fired_rules]  # type: ignore[union-attr]
        return None if not fired else f"does_not_fire: {', '.join(fired)} fired"
    if kind == "warnings_include":
        codes = [w.code for w in result.warnings]
        missing = [c for c in value if c not in codes]  # type: ignore[union-attr]
        return None if not missing else f"warnings_include: {', '.join(missing)} not among {', '.join(codes) or 'none'}"
    target, texts = value  # type: ignore[misc]
    recs = [r for r in (*result.must_act, *result.recommendations) if target is None or r.intervention_id == target]
    if target is not None and not recs:
        return f"rationale_mentions: {target} is not in the answer"
    body = " ".join(reason.text + " " + " ".join(c.text for c in reason.conditions)
                    for r in recs for reason in r.because)
    missing = [t for t in texts if t not in body]
    where = f"{target}'s rationale" if target else "the rationale"
    return None if not missing else f"rationale_mentions: {', '.join(repr(t) for t in missing)} not in {where}"


def _relation(recommender: Recommender, case: Case, relation: Relation) -> tuple[str | None, Profile]:
    dim = recommender.ruleset.dimensions[relation.dimension]
    scores = dict(case.profile.scores)
    if relation.dimension not in scores:
        return f"relation: the profile has no {relation.dimension} to change", case.profile
    before_value = scores[relation.dimension]
    scores[relation.dimension] = min(dim.maximum, max(dim.minimum, before_value + relation.delta))
    changed = case.profile.with_scores(scores)
    before = {c.intervention_id: c.score for c in recommender.evaluate(case.profile).scores.candidates.values()}
    after = {c.intervention_id: c.score for c in recommender.evaluate(changed).scores.candidates.values()}
    b, a = before.get(relation.intervention, 0.0), after.get(relation.intervention, 0.0)
    verb = "raising" if relation.delta > 0 else "lowering"
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
            message = _check(expectation, result)
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
    bands = {}
    for ident, dim in ruleset.dimensions.items():
        seen = used.get(ident, set())
        bands[ident] = (tuple(b.id for b in dim.bands if b.id in seen),
                        tuple(b.id for b in dim.bands if b.id not in seen))
    return Coverage(tuple(r.id for r in ruleset.rules if r.id in fired),
                    tuple(r.id for r in ruleset.rules if r.id not in fired),
                    tuple(i for i in ruleset.interventions if i not in recommended), MappingProxyType(bands))

