"""The pipeline: check → facts → match (durable_rules) → rank → explain → Result.

A :class:`Recommender` wraps one immutable :class:`RuleSet` and its compiled matcher. Everything
that does not depend on the request (shards, per-language plan texts, evidence) is prepared here,
once, so the per-call path only matches, scores and renders.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .build import build_matcher
from .durable_adapter import DurableMatcher
from .durable_compile import FactWriter, short_keys
from .errors import InvalidInput
from .frozen import Frozen
from .grading import borderline_tests, counting_factor
from .loader import load_ruleset
from .model import LANGUAGES, Intervention, Planning, RuleSet, Text
from .profile import CheckedProfile, Notice, Profile, ProfileChecker, ProfileError
from .rank import Candidate, Scorer, Scores, order
from .rationale import Numbers, RuleExplainer
from .result import (
    DETAIL_FULL,
    DETAIL_IDS,
    EvidenceView,
    HazardView,
    MustActItem,
    PlanView,
    Recommendation,
    Result,
    StrengthView,
    Warning,
)
from .sectors import SectorPlacer, matched_values, sector_offsets, sector_view
from .strengths import StrengthFinder, clear_strength, next_measurement
from .whatif import Change, WhatIfResult, apply_changes, compare

__all__ = ["Options", "Recommender", "Evaluation", "MustActCandidate", "SummaryKey", "StageHook", "no_stages"]

StageHook = Callable[[str], contextlib.AbstractContextManager[Any]]
"""Entered around each step of an evaluation by name (the server's traces, service/tracing.py)."""
_NO_STAGE = contextlib.nullcontext()


def no_stages(name: str) -> contextlib.AbstractContextManager[Any]:
    """The stage hook when nobody is watching: one shared no-op context, nothing allocated."""
    return _NO_STAGE

SummaryKey = tuple[tuple[str, ...], tuple[int, ...], tuple[Notice, ...], bool]
"""(keys present, fired rules that look at a missing dimension, notices, low competence)"""


@dataclass(frozen=True)
class Options(Frozen):
    """How to answer: list length (``None`` = the rule set's default), language, and detail
    (``full`` with texts and rationale, or ``ids`` with ids, scores and ranks only)."""

    top: int | None = None
    language: str = "en"
    detail: str = DETAIL_FULL
    min_group_size: int | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if self.detail not in (DETAIL_FULL, DETAIL_IDS):
            raise InvalidInput(f"detail must be '{DETAIL_FULL}' or '{DETAIL_IDS}'")
        if self.top is not None and not (1 <= self.top <= 100):
            raise InvalidInput("top must be between 1 and 100")


DEFAULT_OPTIONS = Options()
"""The options of a call that names none (frozen, so one shared instance is safe)."""


class MustActCandidate(NamedTuple):
    """An intervention a fired rule puts in the must-act part: the hazards found (most severe
    first), the most severe one's severity, and the strength (1 + intensity) of its strongest rule."""

    intervention_id: str
    severity: int
    strength: float
    hazards: tuple[str, ...]


class Evaluation(NamedTuple):
    """The language-independent outcome of matching and ranking (what-if and explain reuse it).

    ``ranked`` holds every candidate but those in ``must_act``, which stand apart in severity order.
    A NamedTuple, not a frozen dataclass: one is made per profile, and a frozen dataclass's
    ``__init__`` costs three times as much (immutable either way)."""

    checked: CheckedProfile
    fired: tuple[int, ...]
    ranked: tuple[Candidate, ...]
    low_competence: bool
    scores: Scores
    must_act: tuple[MustActCandidate, ...] = ()
    second: frozenset[str] = frozenset()
    """Candidates ranked as second answers to a finding another one (or the must-act part) answers."""
    near: tuple[str, ...] = ()
    """Dimensions of rules that matched on borderline tests alone (close to a limit), catalogue order."""


BORDERLINE_TEXT = Text("Tæt på grænsen (mindre end den betydende forskel fra den): {names}. Det er ikke i sig selv nok "
                   "til en indsats, men hold øje med det, og se det i sammenhæng med resten af målingen.",
                   "Close to a limit (within the meaningful difference): {names}. Too little to act on alone, "
                   "but watch it, and read it together with the rest of the survey.")
UNCERTAIN_TEXT = Text("Over grænsen, men inden for den statistiske usikkerhed med {n} besvarelser: {names}. Det er "
                  "ikke i sig selv nok til en indsats, men hold øje med det, og se det i sammenhæng med resten "
                  "af målingen.",
                  "Above the limit, but within the statistical uncertainty of {n} answers: {names}. Too little to "
                  "act on alone, but watch it, and read it together with the rest of the survey.")
_KEEP = Text("Intet kræver handling nu. Hold fast i det, der virker (se styrkerne), og mål igen om {months} måneder.",
             "Nothing needs acting on now. Keep what works (see the strengths), and measure again in {months} months.")


def plan_view(item: Intervention, planning: Planning | None, lang: str) -> PlanView:
    """An intervention's plan in ``lang``, with the rule set's texts for every plan; the co-owner
    only where the action is labelled A (the work-environment organisation) in IGLO+A."""
    plan = item.plan
    if planning is None:
        return PlanView(plan.goal.get(lang), plan.owner.get(lang), plan.evaluation.get(lang), plan.follow_up_weeks)
    return PlanView(plan.goal.get(lang), plan.owner.get(lang), plan.evaluation.get(lang), plan.follow_up_weeks,
                    planning.employees.get(lang), planning.learning.get(lang),
                    planning.co_owner.get(lang) if "A" in item.iglo else "")


class Recommender:
    """Evaluates profiles against one rule set. Thread-safe; ``close`` frees the matcher.

    A department of a sector whose references differ from the catalogue's is answered by a *view*
    (engine/sectors.py): a Recommender over the rule set as that sector sees it, sharing this one's
    matcher, made on first use and kept. Every method that takes an :class:`Evaluation` hands it
    to the view that made it, so callers need not know views exist (``view_of`` gives it to those
    that read the rule set themselves)."""

    def __init__(self, ruleset: RuleSet, _root: Recommender | None = None) -> None:
        self.ruleset = ruleset
        keys = short_keys(list(ruleset.dimensions))
        self._fact = FactWriter(keys)
        policy = ruleset.ranking.low_competence
        self._policy = counting_factor(policy.condition) if policy else None  # graded, like a rule
        self._order_of_dims = {d: n for n, d in enumerate(ruleset.dimensions)}
        self._used = tuple(sorted(ruleset.used_dimensions, key=self._order_of_dims.__getitem__))
        self._plans = {(i.id, lang): plan_view(i, ruleset.planning, lang)
                       for i in ruleset.interventions.values() for lang in LANGUAGES}
        by_dimension: dict[str, list[int]] = {}
        for rule in ruleset.rules:
            for dim in rule.dimensions:
                by_dimension.setdefault(dim, []).append(rule.index)
        self._rules_on = {d: frozenset(ix) for d, ix in by_dimension.items()}
        self._gap_cache: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[int, ...], frozenset[int]]] = {}
        self._summaries: dict[tuple[SummaryKey, str], tuple[tuple[str, ...], tuple[str, ...], tuple[Warning, ...]]] = {}
        self._scorer = Scorer(ruleset)
        self._rule_ids = tuple(rule.id for rule in ruleset.rules)
        self._must_act_rules = {rule.index: rule.must_act for rule in ruleset.rules if rule.must_act}
        self._strengths = StrengthFinder(ruleset)
        self._builds = {i.id: i.builds for i in ruleset.interventions.values() if i.builds}
        self._borderline_tests = tuple(borderline_tests(rule.condition) for rule in ruleset.rules)
        self._rules_dims = tuple(rule.dimensions for rule in ruleset.rules)
        self._acts = frozenset(d.id for d in ruleset.dimensions.values() if d.group == "negative_act")
        self._shares = frozenset(d.id for d in ruleset.dimensions.values() if d.share)
        self._act_shares = self._shares & self._acts
        self._hazard_views = {(h.id, lang): HazardView(h.id, h.title.get(lang), h.severity, h.legal_basis.get(lang),
                                                       ruleset.sources[h.source].citation)
                              for h in ruleset.hazards.values() for lang in LANGUAGES}
        self._explainers = tuple(RuleExplainer(rule, ruleset.dimensions, ruleset.hazards) for rule in ruleset.rules)
        self._evidence = {i.id: tuple(EvidenceView(s, ruleset.sources[s].citation, ruleset.sources[s].url,
                                                   ruleset.sources[s].grade, ruleset.sources[s].label)
                                      for s in i.evidence)
                          for i in ruleset.interventions.values()}
        self._views: dict[str, Recommender] = {}
        self._views_lock = threading.Lock()
        self._root: Recommender
        self._placer: SectorPlacer
        self._offsets: dict[str, float]
        self._matcher: DurableMatcher
        if _root is not None:  # a sector's view: the root's matcher, with the values moved
            self._root = _root
            self._placer = _root._placer
            self._offsets = sector_offsets(_root.ruleset, _root.ruleset.sectors[ruleset.sector])
            self._matcher = _root._matcher
            return
        self._root = self
        self._checker = ProfileChecker(ruleset)  # views check nothing: the root checks, then hands over
        self._placer = SectorPlacer(ruleset)
        self._offsets = {}
        # last, so nothing above can fail with the C memory allocated; RuleSetError, located, if the
        # engine refuses a rule
        self._matcher = build_matcher(ruleset, keys)

    @classmethod
    def from_folder(cls, folder: str | Path) -> Recommender:
        return cls(load_ruleset(folder))

    @property
    def shard_count(self) -> int:
        return self._matcher.shard_count

    def close(self) -> None:
        if self._root is self:  # a view shares its root's matcher
            self._matcher.close()

    # --- sectors ----------------------------------------------------------------------------------
    def view_for(self, sector: str) -> Recommender:
        """The recommender for departments of ``sector`` (this one for "" or a sector whose
        references are the catalogue's own)."""
        root = self._root
        view = root._views.get(sector)
        if view is not None:
            return view
        if not sector or sector not in root.ruleset.sectors:
            return root
        with root._views_lock:
            view = root._views.get(sector)
            if view is None:
                spec = root.ruleset.sectors[sector]
                same = all(root.ruleset.dimensions[d].reference == r for d, r in spec.references.items())
                view = root if same else Recommender(sector_view(root.ruleset, spec), root)
                root._views[sector] = view
        return view

    def view_for_profile(self, profile: Profile) -> Recommender:
        """The view a profile is answered by, without checking it (for renderers of bands)."""
        return self.view_for(self._placer.sector_of(profile.department.sector, profile.scores))

    def view_of(self, evaluation: Evaluation) -> Recommender:
        """The recommender that speaks for ``evaluation``: its sector's view."""
        sector = evaluation.checked.sector
        return self if sector == self.ruleset.sector else self.view_for(sector)

    def __enter__(self) -> Recommender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the pipeline -----------------------------------------------------------------------------
    def match(self, values: Mapping[str, float]) -> tuple[int, ...]:
        """Indices of the rules that fire, as durable_rules decides it (for this recommender's
        sector: the matcher sees values moved by the sector's offsets)."""
        if self._offsets:
            values = matched_values(values, self._offsets)
        return tuple(sorted(self._matcher.match(self._fact(values))))

    def check(self, profile: Profile, min_group_size: int | None = None) -> CheckedProfile:
        """The profile check, and the sector the profile is compared with."""
        return self._placer.place(self._root._checker.check(profile, min_group_size))

    def evaluate(self, profile: Profile, min_group_size: int | None = None, stage: StageHook = no_stages
                 ) -> Evaluation:
        """Check, match and rank one profile. ``stage(name)`` is entered around each step
        (``validate``, ``match``, ``rank``) — the server's traces; a shared no-op otherwise."""
        with stage("validate"):
            checked = self.check(profile, min_group_size)
            view = self.view_for(checked.sector)
        with stage("match"):
            fired = view.match(checked.values)
        with stage("rank"):
            return view._ranked(checked, fired)

    def evaluate_many(self, profiles: Sequence[Profile], min_group_size: int | None = None,
                      stage: StageHook = no_stages) -> list[Evaluation | ProfileError]:
        """:meth:`evaluate` for each profile, in order; a refused profile gives its ProfileError in
        its place instead of raising, so one bad profile does not stop the others.

        Done stage by stage — every check, then every match, then every ranking — rather than
        profile by profile: the gain is in the memory system, most likely the CPU caches —
        durable_rules keeps its state per shard, and the stages no longer evict each other's data
        between profiles (docs/ARCHITECTURE.md, "Measured design choices").
        """
        check = self.check
        checked: list[CheckedProfile | ProfileError] = []
        with stage("validate"):
            for profile in profiles:
                try:
                    checked.append(check(profile, min_group_size))
                except ProfileError as exc:
                    # without its traceback: the traceback holds this frame, whose lists hold the
                    # error — a cycle that would keep the whole chunk alive until the cyclic GC ran
                    checked.append(exc.with_traceback(None))
            views = [None if isinstance(c, ProfileError) else self.view_for(c.sector) for c in checked]
        # a view (and a match) exactly where the check passed: mypy cannot see it across the lists
        with stage("match"):
            fired = [None if v is None else v.match(c.values) for c, v in zip(checked, views)]  # type: ignore[union-attr]  # a view exists exactly where the check passed
        with stage("rank"):
            return [c if v is None else v._ranked(c, f)  # type: ignore[arg-type, misc]  # c is checked and f set wherever v is
                    for c, v, f in zip(checked, views, fired)]

    def _ranked(self, checked: CheckedProfile, fired: tuple[int, ...]) -> Evaluation:
        """The evaluation of a checked profile whose rules ``fired``: policy, scores and order."""
        values = checked.values
        low_competence = bool(self._policy and self._policy.factor(values, checked.profile.respondents) > 0.0)
        scores = self._scorer.score(fired, values, low_competence, checked.profile.respondents)
        strengths = scores.strengths
        near: tuple[str, ...] = ()
        if len(strengths) < len(fired):  # matched, but resting on borderline tests only: close to a limit
            n = checked.profile.respondents
            dims = {d for i in fired if i not in strengths for d in self._borderline_tests[i](values, n)}
            # not a negative act (any report is must-act), nor what a rule that counts looks at
            dims -= self._acts
            dims -= {d for i in strengths for d in self._rules_dims[i]}
            near = tuple(sorted(dims, key=self._order_of_dims.__getitem__))
        fired = tuple(i for i in fired if i in strengths)  # matched and counting (engine/grading.py)
        must_rules = self._must_act_rules
        acting = [i for i in fired if i in must_rules] if must_rules else None
        kept = self._already_strong(scores.candidates, values)
        second: set[str] = set()
        if not acting:
            rest = {i: c for i, c in scores.candidates.items() if i not in kept} if kept else scores.candidates
            ranked = order(rest, self.ruleset, low_competence, scores.leading, second=second)
            return Evaluation(checked, fired, tuple(ranked), low_competence, scores, (), frozenset(second), near)
        must_act = self._must_act(acting, scores.strengths)
        taken = {m.intervention_id for m in must_act} | kept
        rest = {ident: c for ident, c in scores.candidates.items() if ident not in taken}
        ranked = order(rest, self.ruleset, low_competence, scores.leading, frozenset(acting), second)
        return Evaluation(checked, fired, tuple(ranked), low_competence, scores, must_act, frozenset(second), near)

    def _already_strong(self, candidates: Mapping[str, Candidate], values: Mapping[str, float]) -> set[str]:
        """Candidates that only build resources the department already has as clear strengths
        (colleague support where support from colleagues is 77): a strength is kept, not fixed."""
        builds = self._builds
        return {ident for ident in candidates if ident in builds and all(
            d in values and clear_strength(self.ruleset.dimensions[d], values[d]) for d in builds[ident])}

    def _must_act(self, acting: Sequence[int], strengths: Mapping[int, float]) -> tuple[MustActCandidate, ...]:
        """One item per intervention, in severity order: most severe hazard, then the strongest
        finding (how far past its thresholds), then the intervention's id."""
        hazards = self.ruleset.hazards
        found: dict[str, tuple[set[str], float]] = {}
        for index in acting:
            spec = self._must_act_rules[index]
            named, strength = found.get(spec.intervention, (set(), 0.0))
            named.add(spec.hazard)
            found[spec.intervention] = (named, max(strength, strengths[index]))
        items = []
        for ident, (named, strength) in found.items():
            ordered = tuple(sorted(named, key=lambda h: (-hazards[h].severity, h)))
            items.append(MustActCandidate(ident, hazards[ordered[0]].severity, strength, ordered))
        return tuple(sorted(items, key=lambda m: (-m.severity, -m.strength, m.intervention_id)))

    def top_for(self, evaluation: Evaluation, top: int | None) -> int:
        """How many candidates make the list: ``top`` (or the rule set's default), plus one when the
        low-competence policy placed its first action — it adds a place and takes none."""
        length = top if top is not None else self.ruleset.ranking.top
        policy = self.ruleset.ranking.low_competence
        if (evaluation.low_competence and policy is not None and evaluation.ranked
                and evaluation.ranked[0].intervention_id == policy.first):
            return length + 1
        return length

    def recommend(self, profile: Profile, options: Options = Options()) -> Result:
        """Evaluate one profile; raises :class:`engine.profile.ProfileError` for a refused profile."""
        evaluation = self.evaluate(profile, options.min_group_size)
        return self.render(evaluation, options)

    def whatif(self, profile: Profile, changes: Sequence[Change], options: Options = Options()) -> WhatIfResult:
        """Both answers — as measured and with ``changes`` — and what moved, with the rules why."""
        changed_profile = apply_changes(profile, changes, self.ruleset)
        before = self.evaluate(profile, options.min_group_size)
        after = self.evaluate(changed_profile, options.min_group_size)
        was, now = before.scores.strengths, after.scores.strengths
        moved = frozenset(self._rule_ids[i] for i in was.keys() & now.keys() if abs(was[i] - now[i]) > 1e-9)
        return compare(self.render(before, options), self.render(after, options), self.view_of(after).ruleset,
                       {c.intervention_id: c.score for c in before.scores.candidates.values()},
                       {c.intervention_id: c.score for c in after.scores.candidates.values()}, after.checked.values,
                       moved)

    def render(self, evaluation: Evaluation, options: Options) -> Result:
        """The answer for an evaluation, in the requested language and detail."""
        view = self.view_of(evaluation)
        if view is not self:
            return view.render(evaluation, options)
        lang = options.language
        numbers = self.numbers(evaluation, lang) if options.detail == DETAIL_FULL else None
        recommendations = tuple(self._recommendation(c, rank, evaluation.scores, numbers, c.intervention_id
                                                     in evaluation.second)
                                for rank, c in enumerate(self.chosen(evaluation, options.top), start=1))
        must_act = tuple(self.must_act_item(m, rank, evaluation.scores, numbers, lang)
                         for rank, m in enumerate(evaluation.must_act, start=1))
        missing, unevaluable, warnings = self.summary(evaluation, lang)
        warnings += self.late_warnings(evaluation, lang)
        fired = self.rule_ids(evaluation.fired)
        if options.detail == DETAIL_IDS:  # ids, scores and ranks: no rule lists either
            fired, unevaluable = (), ()
        kept = self.strengths(evaluation, numbers) if numbers is not None else ()
        return Result(evaluation.checked.profile.department.id, lang, recommendations, missing, warnings,
                      self.ruleset.info, fired, unevaluable, len(evaluation.ranked), must_act, kept,
                      self.next_measurement(evaluation))

    def strengths(self, evaluation: Evaluation, numbers: Numbers) -> tuple[StrengthView, ...]:
        view = self.view_of(evaluation)
        if view is not self:
            return view.strengths(evaluation, numbers)
        return tuple(StrengthView(*s) for s in self._strengths(evaluation.checked.values, numbers.language))

    def next_measurement(self, evaluation: Evaluation) -> str:
        """When nothing needs acting on and nothing lies close to a limit: the date to measure again
        (keep what works until then)."""
        if evaluation.ranked or evaluation.must_act or evaluation.near:
            return ""
        measured = evaluation.checked.profile.measured_on
        when = next_measurement(measured if isinstance(measured, _dt.date) else None,
                                self.ruleset.remeasure_months)
        return when.isoformat() if when else ""

    def must_act_item(self, m: MustActCandidate, rank: int, scores: Scores, numbers: Numbers | None,
                      language: str) -> MustActItem:
        """One must-act entry; ``numbers`` is None for the ids-only detail level (no texts, no reasons)."""
        item = self.ruleset.interventions[m.intervention_id]
        if numbers is None:
            return MustActItem(item.id, rank, m.severity, tuple(HazardView(h, "", self.ruleset.hazards[h].severity, "",
                                                                           "") for h in m.hazards),
                               "", "", item.prevention, item.iglo, item.effort, item.time_to_effect, None, (), ())
        explainers = self._explainers
        because = tuple(explainers[i].reason(points, numbers)
                        for i, points in self._scorer.contributions(item.id, scores))
        return MustActItem(item.id, rank, m.severity, tuple(self._hazard_views[(h, language)] for h in m.hazards),
                           item.title.get(language), item.description.get(language), item.prevention, item.iglo,
                           item.effort, item.time_to_effect, self._plans[(item.id, language)],
                           self._evidence[item.id], because)

    # --- the parts of an answer, also used by renderers outside the engine (api/wire.py) -------
    @property
    def phrased_dimensions(self) -> frozenset[str]:
        """The shares of the respondents (negative acts, stress): texts word them as shares of the
        respondents, or hide them."""
        return self._shares

    def numbers(self, evaluation: Evaluation, language: str) -> Numbers:
        """The answer's values as its texts show them: shares as shares of the respondents, and
        below the rule set's minimum of answers not at all — a negative act as "at least one
        respondent", another share (stress) as "a share that is not shown"."""
        checked = evaluation.checked
        minimum = self.ruleset.min_answers_for_shares
        reported = checked.profile.reported  # given as "reported": fewer answered the item than may be shown
        hidden = self._shares if checked.profile.respondents < minimum else (
            self._shares & reported if reported else frozenset())
        return Numbers(checked.values, language, self._shares, hidden, minimum, checked.profile.respondents,
                       self._act_shares)

    def chosen(self, evaluation: Evaluation, top: int | None) -> tuple[Candidate, ...]:
        """The candidates that make the list."""
        return evaluation.ranked[:self.top_for(evaluation, top)]

    def rule_ids(self, indices: Sequence[int]) -> tuple[str, ...]:
        return tuple(map(self._rule_ids.__getitem__, indices))

    def contributions(self, intervention_id: str, evaluation: Evaluation) -> list[tuple[int, float]]:
        """(rule index, points) behind one intervention, largest share first (the same in every
        sector's view: points come from the evaluation's scores)."""
        return self._scorer.contributions(intervention_id, evaluation.scores)

    def explainer(self, rule_index: int) -> RuleExplainer:
        return self._explainers[rule_index]

    def summary_key(self, evaluation: Evaluation) -> SummaryKey:
        """Everything :meth:`summary` depends on besides the language: the profile's keys, the
        fired rules among those that look at a missing dimension, the check's notices and the
        low-competence flag. Answers of one survey share few such keys, so summaries (and their
        encodings, see api/wire.py) are kept per key; the notices that depend on the values
        themselves come from :meth:`late_warnings`."""
        values = evaluation.checked.values
        present = tuple(values)
        _, affected, affected_set = self._gaps(present)
        fired = evaluation.fired
        blocked = tuple([i for i in fired if i in affected_set]) if affected and fired else ()
        return present, blocked, evaluation.checked.notices, evaluation.low_competence

    def summary(self, evaluation: Evaluation, language: str, key: SummaryKey | None = None
                ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Warning, ...]]:
        """Missing dimensions, rules that could not be evaluated because of them, and the warnings."""
        if key is None:
            key = self.summary_key(evaluation)
        memo = self._summaries.get((key, language))
        if memo is not None:
            return memo
        present, blocked, notices, _ = key
        missing, affected, _ = self._gaps(present)
        unevaluable: tuple[str, ...] = ()
        if affected:
            unevaluable = self.rule_ids([i for i in affected if i not in blocked] if blocked else affected)
        warnings = [Warning(n.code, n.text.get(language)) for n in notices]
        warnings += [Warning(n.code, n.text.get(language)) for n in self._notices(evaluation, missing, unevaluable)]
        memo = missing, unevaluable, tuple(warnings)
        if len(self._summaries) >= 1024:
            self._summaries.clear()
        self._summaries[(key, language)] = memo
        return memo

    def _recommendation(self, c: Candidate, rank: int, scores: Scores, numbers: Numbers | None,
                        second: bool = False) -> Recommendation:
        """One entry of the list; ``numbers`` is None for the ids-only detail level."""
        item = self.ruleset.interventions[c.intervention_id]
        if numbers is None:
            return Recommendation(item.id, rank, c.score, "", "", item.prevention, item.iglo, item.effort,
                                  item.time_to_effect, None, (), (), second)
        lang = numbers.language
        explainers = self._explainers
        because = tuple(explainers[i].reason(points, numbers)
                        for i, points in self._scorer.contributions(item.id, scores))
        return Recommendation(item.id, rank, c.score, item.title.get(lang), item.description.get(lang),
                              item.prevention, item.iglo, item.effort, item.time_to_effect,
                              self._plans[(item.id, lang)], self._evidence[item.id], because, second)

    def _gaps(self, present: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...], frozenset[int]]:
        """The used dimensions missing from a profile with these keys, and the rules that look at
        them (sorted, and as a set). Profiles of one survey share their keys, so this is kept per
        key tuple."""
        gaps = self._gap_cache.get(present)
        if gaps is None:
            have = set(present)
            missing = tuple(d for d in self._used if d not in have)
            affected = tuple(sorted(frozenset().union(*(self._rules_on[d] for d in missing)))) if missing else ()
            if len(self._gap_cache) >= 1024:
                self._gap_cache.clear()
            gaps = self._gap_cache[present] = (missing, affected, frozenset(affected))
        return gaps

    def late_warnings(self, evaluation: Evaluation, language: str) -> tuple[Warning, ...]:
        """The warnings that depend on the values themselves, after the kept summary's: values close
        to a limit (``borderline``), or nothing to act on (``keep-what-works``)."""
        near = evaluation.near
        if near:
            dims = self.ruleset.dimensions  # names only: the same in every sector's view
            # a share is judged by its confidence interval, not by a meaningful difference
            close = ", ".join(dims[d].name.get(language) for d in near if not dims[d].share)
            uncertain = ", ".join(dims[d].name.get(language) for d in near if dims[d].share)
            out = []
            if close:
                out.append(Warning("borderline", BORDERLINE_TEXT.get(language).format(names=close)))
            if uncertain:
                out.append(Warning("borderline", UNCERTAIN_TEXT.get(language).format(
                    names=uncertain, n=evaluation.checked.profile.respondents)))
            return tuple(out)
        if not evaluation.ranked and not evaluation.must_act:
            return (Warning("keep-what-works", _KEEP.get(language).format(months=self.ruleset.remeasure_months)),)
        return ()

    def _notices(self, evaluation: Evaluation, missing: tuple[str, ...],
                 unevaluable: tuple[str, ...]) -> list[Notice]:
        notices = []
        if missing:
            n, m = len(missing), len(unevaluable)
            notices.append(Notice("missing-dimensions", Text(
                f"{n} {'dimension' if n == 1 else 'dimensioner'} mangler i profilen; "
                f"{m} {'regel' if m == 1 else 'regler'} kunne derfor ikke vurderes.",
                f"{n} {'dimension is' if n == 1 else 'dimensions are'} missing from the profile, so "
                f"{m} {'rule' if m == 1 else 'rules'} could not be evaluated.")))
        if evaluation.low_competence:
            policy = self.ruleset.ranking.low_competence
            assert policy is not None
            notices.append(Notice("low-competence", Text(
                "Arbejdsmiljøkompetencen er lav: begynd med at bygge processen op, og vælg den enkleste, når to "
                "handlinger vejer lige tungt. De alvorligste risici står stadig øverst.",
                "Work-environment competence is low: start by building the process, and choose the "
                "simpler of actions that weigh the same. The most serious risks still come first.")))
        return notices
