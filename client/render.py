"""Readable terminal output for results and descriptions (``--json`` bypasses this module).

Plain text that reads well in a narrow terminal and in a log: a header naming the department and
the rule set, one block per recommendation with its reasons and the conditions that held, then
what was missing and the warnings.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import textwrap
from collections.abc import Iterable, Mapping, Sequence

from trivsel.api.escape import escape
from trivsel.engine import Problem, Profile
from trivsel.engine.description import Description
from trivsel.engine.explain import InterventionWhy, RuleWhy
from trivsel.engine.followup import FollowUp
from trivsel.engine.impact import Impact
from trivsel.engine.levers import Lever, LeverReport
from trivsel.engine.model import Dimension
from trivsel.engine.organisation import OrgResult
from trivsel.engine.result import MustActItem, Reason, Recommendation, Result
from trivsel.engine.rule_tests import CaseResult, Coverage
from trivsel.engine.strengths import KEEP
from trivsel.engine.templates import format_number, format_value
from trivsel.engine.whatif import Change, RankChange, WhatIfResult

__all__ = ["render_result", "new_legal_areas", "render_description", "render_whatif", "render_test_report",
           "render_why", "render_impact", "render_levers", "render_org", "render_followup",
           "profile_heading", "measured_text", "width", "PREVENTION_WORDS"]

_WORDS = {
    "en": {"rules": "Rule set", "why": "Why", "plan": "Plan", "goal": "Goal", "owner": "Owner",
           "evaluate": "Evaluate", "follow": "Follow up after {n} weeks", "missing": "Missing dimensions",
           "follow_by": "Follow up by {date} ({n} weeks after the measurement)", "co_owner": "Co-owner",
           "follow_from_today": "Follow up by {date} ({n} weeks from today; the date counted from the measurement "
                                "has passed)",
           "every_plan": "For every action plan", "employees": "The employees' part",
           "learning": "Process criterion",
           "warnings": "Warnings", "none": "No recommendations.", "score": "score", "effort": "effort",
           "evidence": "Evidence", "dimensions": "Dimensions", "interventions": "Interventions",
           "bands": "bands", "unevaluable": "rules not evaluable", "respondents": "respondents",
           "intervention": "Intervention", "level": "Prevention",
           "must_act": "Must act (required by law – comes before the list below)",
           "basis": "Legal basis",
           "law": "Relates to the risk factor in the executive order on the psychosocial work environment: {areas}",
           "found": "Hazard", "ranked": "Recommended", "strengths": "Strengths to keep",
           "next": "Next measurement", "next_passed": " – the date has passed: measure again soon",
           "second": "² supplements an action higher up or in the must-act part, so it is moved down (in the order "
                     "it counts a third of its score)."},
    "da": {"rules": "Regelsæt", "why": "Hvorfor", "plan": "Handleplan", "goal": "Mål", "owner": "Ansvarlig",
           "evaluate": "Evaluering", "follow": "Følg op efter {n} uger", "missing": "Manglende dimensioner",
           "follow_by": "Følg op senest {date} ({n} uger efter målingen)", "co_owner": "Medansvarlig",
           "follow_from_today": "Følg op senest {date} ({n} uger fra i dag; fristen regnet fra målingen "
                                "er overskredet)",
           "every_plan": "For alle handleplaner", "employees": "Medarbejdernes del",
           "learning": "Proceskriterium",
           "warnings": "Advarsler", "none": "Ingen anbefalinger.", "score": "score", "effort": "ressourcekrav",
           "evidence": "Evidens", "dimensions": "Dimensioner", "interventions": "Indsatser",
           "bands": "niveauer", "unevaluable": "regler kunne ikke vurderes", "respondents": "besvarelser",
           "intervention": "Indsats", "level": "Forebyggelse",
           "must_act": "Det skal I handle på (lovkrav – kommer før listen nedenfor)",
           "basis": "Retsgrundlag",
           "law": "Knytter sig til risikofaktoren i bekendtgørelsen om psykisk arbejdsmiljø: {areas}",
           "found": "Risikofaktor", "ranked": "Anbefalet", "strengths": "Styrker at holde fast i",
           "next": "Næste måling", "next_passed": " – datoen er passeret: mål igen snarest",
           "second": "² supplerer en indsats, der står højere oppe eller blandt de påkrævede, og er derfor rykket "
                     "ned (i rækkefølgen tæller det med en tredjedel af sin score)."},
}
PREVENTION_WORDS = {"en": {"primary": "primary", "secondary": "secondary", "tertiary": "tertiary"},
                    "da": {"primary": "primær", "secondary": "sekundær", "tertiary": "tertiær"}}
"""Prevention levels in words, per language (also used by the reports)."""
_EFFORT = {"en": {"low": "low", "medium": "medium", "high": "high"},
           "da": {"low": "lille", "medium": "middel", "high": "stort"}}


def _lines(lines: Iterable[str], strip: bool = False) -> str:
    """The output text, each line escaped: department names and ids come from profiles, and rule
    texts and ids from rule files or a server — an ANSI escape or another control character in them
    must show as ``\\x1b`` in the terminal, not act on it."""
    text = "\n".join(escape(line) for line in lines)
    return (text.rstrip() if strip else text) + "\n"


def width() -> int:
    return max(60, min(110, shutil.get_terminal_size((100, 24)).columns))


def _wrap(text: str, indent: str, cols: int) -> list[str]:
    return textwrap.wrap(text, cols, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent.rstrip()]


def _recommendation(rec: Recommendation, lang: str, cols: int, measured_on: _dt.date | None = None,
                    today: _dt.date | None = None) -> list[str]:
    w = _WORDS[lang]
    head = _heading(f"{rec.rank}.", rec.title or rec.intervention_id, rec.intervention_id, cols)
    meta = _wrap(f"{w['score']} {format_number(rec.score, lang)} · {PREVENTION_WORDS[lang][rec.prevention]} · "
                 f"IGLO {'/'.join(rec.iglo)} · {w['effort']} {_EFFORT[lang][rec.effort]}", "   ", cols)
    return [*head, *meta, *_body(rec, lang, cols, measured_on, today)]


def _heading(mark: str, title: str, ident: str, cols: int) -> list[str]:
    """``1. Title  [id]``, wrapped under the title when it does not fit the terminal."""
    return textwrap.wrap(f"{mark} {title}  [{ident}]", cols, subsequent_indent=" " * (len(mark) + 1),
                         break_on_hyphens=False, break_long_words=False)


def _must_act(item: MustActItem, lang: str, cols: int, measured_on: _dt.date | None = None,
              today: _dt.date | None = None) -> list[str]:
    """A must-act entry: the hazards found and their legal basis first, then the action as usual."""
    w = _WORDS[lang]
    lines = _heading(f"!{item.rank}.", item.title or item.intervention_id, item.intervention_id, cols)
    lines += _wrap(f"{w['found']}: " + "; ".join(h.title or h.id for h in item.hazards) +
                   f" · {PREVENTION_WORDS[lang][item.prevention]} · IGLO {'/'.join(item.iglo)} · "
                   f"{w['effort']} {_EFFORT[lang][item.effort]}", "   ", cols)
    for hazard in item.hazards:
        if hazard.legal_basis:
            lines += _wrap(f"{w['basis']}: {hazard.legal_basis}", "   ", cols)
    return lines + _body(item, lang, cols, measured_on, today)


def new_legal_areas(rec: Recommendation | MustActItem, reason: Reason) -> bool:
    """Whether a reason's risk areas say something the item has not: a must-act item states the legal
    basis of its hazards once, at the top, so its reasons do not repeat it."""
    stated = {h.title for h in rec.hazards} if isinstance(rec, MustActItem) else set()
    return bool(reason.legal) and not set(reason.legal) <= stated


def _body(rec: Recommendation | MustActItem, lang: str, cols: int, measured_on: _dt.date | None = None,
          today: _dt.date | None = None) -> list[str]:
    """Description, reasons, plan and evidence: the same for a recommendation and a must-act item."""
    w = _WORDS[lang]
    lines: list[str] = []
    if rec.description:
        lines += _wrap(rec.description, "   ", cols)
    if rec.because:
        lines.append(f"   {w['why']}:")
        for reason in rec.because:
            lines += _wrap(f"• {reason.title} [{reason.rule_id}] (+{format_number(reason.points, lang)})",
                           "     ", cols)
            lines += _wrap(reason.text, "       ", cols)
            if new_legal_areas(rec, reason):
                lines += _wrap(w["law"].format(areas=", ".join(reason.legal)), "       ", cols)
            for cond in reason.conditions:
                mark = "✓" if cond.holds else "✗"
                lines += _wrap(f"{mark} {cond.text}", "       ", cols)
    if rec.plan:
        p = rec.plan
        lines.append(f"   {w['plan']}:")
        lines += _wrap(f"{w['goal']}: {p.goal}", "     ", cols)
        lines += _wrap(f"{w['owner']}: {p.owner}", "     ", cols)
        if p.co_owner:
            lines += _wrap(f"{w['co_owner']}: {p.co_owner}", "     ", cols)
        lines += _wrap(f"{w['evaluate']}: {p.evaluation}", "     ", cols)
        if measured_on is not None:  # a date to hold the follow-up to, not just an interval
            due, from_today = follow_up_date(measured_on, p.follow_up_weeks, today or _dt.date.today())
            key = "follow_from_today" if from_today else "follow_by"
            lines += _wrap(w[key].format(date=due.isoformat(), n=p.follow_up_weeks), "     ", cols)
        else:
            lines.append("     " + w["follow"].format(n=p.follow_up_weeks))
    if rec.evidence:
        lines += _wrap(f"{w['evidence']}: " + "; ".join(e.label or e.id for e in rec.evidence), "   ", cols)
    return lines


def profile_heading(profile: Profile, lang: str) -> str:
    """``Produktion, linje 3 (prod-3) · 24/30 respondents · 2025-05-01``."""
    d = profile.department
    count = f"{profile.respondents}" + (f"/{profile.invited}" if profile.invited else "")
    parts = [f"{d.name} ({d.id})" if d.name else d.id, f"{count} {_WORDS[lang]['respondents']}"]
    if profile.measured_on:
        parts.append(measured_text(profile.measured_on))
    return " · ".join(parts)


def measured_text(measured_on: _dt.date | str) -> str:
    """A profile's measurement date as ``2025-05-01`` (text that is not a date is refused before any
    answer is shown, and is shown as it is)."""
    return measured_on.isoformat() if isinstance(measured_on, _dt.date) else measured_on


def _summary(result: Result, cols: int | None = None) -> list[str]:
    lang = result.language
    w = _WORDS[lang]
    rows = [("#", w["intervention"], w["score"].capitalize(), w["level"], "IGLO", w["effort"].capitalize())]
    for rec in result.recommendations:
        rows.append((str(rec.rank), (rec.title or rec.intervention_id) + (" ²" if rec.second_answer else ""),
                     format_number(rec.score, lang),
                     PREVENTION_WORDS[lang][rec.prevention], "/".join(rec.iglo), _EFFORT[lang][rec.effort]))
    return _table(rows, cols, flex=1)


def render_result(result: Result, title: str = "", cols: int | None = None,
                  measured_on: _dt.date | None = None, today: _dt.date | None = None) -> str:
    """The whole answer as text: a summary table, then each recommendation with its reasons.
    With ``measured_on`` each plan's follow-up is a date (the measurement plus its interval);
    ``today`` (default: the current date) is the answer's date, which dates that have passed count from."""
    cols = cols or width()
    lang = result.language
    w = _WORDS[lang]
    info = result.ruleset
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{w['rules']}: {info.id} {info.version} ({info.fingerprint})")
    lines.append("")
    # what the answer is compared with comes first: a misspelt sector changes the whole answer
    for warning in result.warnings:
        if warning.code in FIRST_WARNINGS:
            lines += _wrap(f"! {warning.message}", "", cols)
            lines.append("")
    if result.must_act:
        lines.append(w["must_act"] + ":")
        for m in result.must_act:
            lines += textwrap.wrap(f"!{m.rank}  {m.title or m.intervention_id} — "
                                   + "; ".join(h.title or h.id for h in m.hazards), cols, initial_indent="  ",
                                   subsequent_indent="      ", break_on_hyphens=False)
        lines.append("")
        if result.recommendations:
            lines.append(w["ranked"] + ":")
    if not result.recommendations:
        lines.append(w["none"])
    else:
        lines += _summary(result, cols)
        if any(r.second_answer for r in result.recommendations):
            lines += _wrap(w["second"], "", cols)
        lines.append("")
    lines += _every_plan(result, lang, cols)
    for item in result.must_act:
        lines += _must_act(item, lang, cols, measured_on, today)
        lines.append("")
    for rec in result.recommendations:
        lines += _recommendation(rec, lang, cols, measured_on, today)
        lines.append("")
    if result.strengths:
        lines.append(f"{w['strengths']}:")
        for strength in result.strengths:
            lines += _wrap(f"+ {strength.text}", "  ", cols)
        lines += _wrap(KEEP.get(lang), "  ", cols)
        lines.append("")
    if result.next_measurement:
        passed = result.next_measurement < (today or _dt.date.today()).isoformat()  # ISO dates sort as text
        lines += _wrap(f"{w['next']}: {result.next_measurement}" + (w["next_passed"] if passed else ""), "", cols)
        lines.append("")
    if result.missing:
        lines += _wrap(f"{w['missing']}: {', '.join(result.missing)} ({len(result.unevaluable_rules)} "
                       f"{w['unevaluable']})", "", cols)
    later = [warning for warning in result.warnings if warning.code not in FIRST_WARNINGS]
    if later:
        lines.append(f"{w['warnings']}:")
        for warning in later:
            lines += _wrap(f"! {warning.message}", "  ", cols)
    return _lines(lines, strip=True)


def follow_up_date(measured_on: _dt.date | None, weeks: int, today: _dt.date) -> tuple[_dt.date, bool]:
    """When to follow up: the measurement date plus the interval, or — when that has already
    passed (a plan made long after the survey) or there is no measurement date — today plus the
    interval. The flag says it counts from today."""
    if measured_on is not None:
        due = measured_on + _dt.timedelta(weeks=weeks)
        if due >= today:
            return due, False
    return today + _dt.timedelta(weeks=weeks), True


FIRST_WARNINGS = ("unknown-sector", "no-sector")
"""Warnings printed before the answer rather than after it: they say what it is compared with."""


def _every_plan(result: Result, lang: str, cols: int) -> list[str]:
    """What every plan says (the employees' part, the learning criterion), once, before the plans."""
    items: tuple[MustActItem | Recommendation, ...] = (*result.must_act, *result.recommendations)
    plan = next((i.plan for i in items if i.plan is not None), None)
    if plan is None or not (plan.employees or plan.learning):
        return []
    w = _WORDS[lang]
    lines = [f"{w['every_plan']}:"]
    lines += _wrap(f"{w['employees']}: {plan.employees}", "  ", cols) if plan.employees else []
    lines += _wrap(f"{w['learning']}: {plan.learning}", "  ", cols) if plan.learning else []
    return [*lines, ""]


def _table(rows: Iterable[tuple[str, ...]], cols: int | None = None, flex: int | None = None) -> list[str]:
    """Columns padded to their widest cell. Given ``cols`` and a ``flex`` column, a table wider than
    the terminal wraps that column's cells onto continuation lines instead of running off the edge
    (a Danish intervention title is easily 60 characters)."""
    rows = list(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    if cols is not None and flex is not None and sum(widths) + 2 * (len(widths) - 1) > cols:
        widths[flex] = max(16, cols - (sum(widths) - widths[flex]) - 2 * (len(widths) - 1))
    out: list[str] = []
    for row in rows:
        cells = [[cell] for cell in row]
        if flex is not None and len(row[flex]) > widths[flex]:
            cells[flex] = textwrap.wrap(row[flex], widths[flex]) or [""]
        for n in range(max(len(c) for c in cells)):
            out.append("  ".join((c[n] if n < len(c) else "").ljust(widths[i]) for i, c in enumerate(cells)).rstrip())
    return out


def render_description(desc: Description, lang: str) -> str:
    w = _WORDS[lang]
    lines = [f"{w['rules']}: {desc.info.id} {desc.info.version} ({desc.info.fingerprint})",
             desc.title.get(lang),
             f"{desc.rule_count} rules · {len(desc.dimensions)} dimensions · {len(desc.interventions)} interventions"
             f" · min group {desc.min_group_size} · top {desc.default_top}", "",
             f"{w['dimensions']}:"]
    rows: list[tuple[str, ...]] = [("id", "name", "group", "range", "adverse", w["bands"])]
    for d in desc.dimensions:
        bands = " ".join(f"{b.id}" + (f"<{format_number(b.high, lang)}" if b.high is not None and not b.high_inclusive
                                      else f"≤{format_number(b.high, lang)}" if b.high is not None else "")
                         for b in d.bands)
        rows.append((d.id, d.name.get(lang), d.group,
                     f"{format_number(d.minimum, lang)}–{format_number(d.maximum, lang)}"
                     + (" %" if d.unit == "percent" else ""), d.adverse, bands))
    lines += ["  " + line for line in _table(rows)]
    lines += ["", f"{w['interventions']}:"]
    rows = [("id", "title", "prevention", "IGLO", "effort")]
    for i in desc.interventions:
        rows.append((i.id, i.title.get(lang), PREVENTION_WORDS[lang][i.prevention], "/".join(i.iglo),
                     _EFFORT[lang][i.effort]))
    lines += ["  " + line for line in _table(rows)]
    lines += _sectors(desc, lang)
    if desc.instruments:
        lines += ["", "Instruments (trivsel score):" if lang == "en" else "Instrumenter (trivsel score):"]
        for instrument in desc.instruments:
            scales = len({t.dimension for t in instrument.items})
            lines += _wrap(f"{instrument.id} – {instrument.title.get(lang)}: {len(instrument.items)} "
                           + (f"items, {scales} dimension{'s' if scales != 1 else ''}" if lang == "en"
                              else f"spørgsmål, {scales} dimension{'er' if scales != 1 else ''}"),
                           "  ", width())
    lines += _legal_basis(desc, lang)
    if desc.refused_reload:
        lines += ["", "Last refused reload:"] + [f"  {p}" for p in desc.refused_reload]
    return _lines(lines)


_LEGAL_WORDS = {
    "en": {"hazards": "Hazards the executive order names (legal basis)", "rules": "Rules and their legal basis",
           "rule": "rule", "legal": "legal basis", "must": "must act", "review": "review by",
           "general": "general duty (§ 5)", "none": "–"},
    "da": {"hazards": "Risikofaktorer, som bekendtgørelsen nævner (retsgrundlag)", "rules": "Regler og retsgrundlag",
           "rule": "regel", "legal": "retsgrundlag", "must": "skal handles", "review": "revideres senest",
           "general": "generel pligt (§ 5)", "none": "–"},
}


_SECTOR_WORDS = {
    "en": {"title": "Sectors (profile field 'sector'; id or alias)", "fallback": "used when none or an unknown one "
           "is given", "aliases": "also",
           "moves": "The bands of {name} above are written for {value} ({ref}) and move with the "
                    "department's sector by the difference between its figure and that one."},
    "da": {"title": "Sektorer (profilens felt 'sector'; id eller alias)", "fallback": "bruges, når ingen eller en "
           "ukendt er angivet", "aliases": "også",
           "moves": "Grænserne for {name} ovenfor er skrevet for {value} ({ref}) og flytter med afdelingens "
                    "sektor, med forskellen mellem sektorens tal og dette."},
}


def _sectors(desc: Description, lang: str) -> list[str]:
    """The sector vocabulary: each sector with the references its departments are compared with."""
    if not desc.sectors:
        return []
    w = _SECTOR_WORDS[lang]
    cols = width()
    names = {d.id: d for d in desc.dimensions}
    lines = ["", f"{w['title']}:"]
    for ident in dict.fromkeys(d for s in desc.sectors for d in s.references):
        dim = names.get(ident)
        if dim is not None and dim.reference is not None:
            lines += _wrap(w["moves"].format(name=dim.name.get(lang).lower(), value=format_value(
                dim.reference.value, dim.unit, lang), ref=(dim.reference.short or dim.reference.label).get(lang)),
                "  ", cols)
    for s in desc.sectors:
        head = f"{s.id} – {s.name.get(lang)}" + (f" ({w['fallback']})" if s.fallback else "")
        lines += _wrap(head, "  ", cols)
        for ident, ref in s.references.items():
            dim = names.get(ident)
            name = dim.name.get(lang) if dim is not None else ident
            value = format_value(ref.value, dim.unit if dim is not None else "", lang)
            lines += _wrap(f"{name}: {value} – {ref.label.get(lang)}", "    ", cols)
        if s.aliases:
            lines += _wrap(f"{w['aliases']}: {', '.join(s.aliases)}", "    ", cols)
    return lines


def _legal_basis(desc: Description, lang: str) -> list[str]:
    """The legal layer a reviewer checks: each hazard with its basis, then each rule with the hazards
    it rests on ("general duty" where the law names no specific risk), its must-act action and its
    review date."""
    w = _LEGAL_WORDS[lang]
    cols = width()
    lines: list[str] = []
    if desc.hazards:
        lines += ["", f"{w['hazards']}:"]
        for h in desc.hazards:
            lines += _wrap(f"{h.id} – {h.title.get(lang)}: {h.legal_basis.get(lang)}", "  ", cols)
    if desc.rules:
        lines += ["", f"{w['rules']}:"]
        lines.append(f"  {w['rule']} ({w['review']}): {w['legal']} · {w['must']}")
        for r in desc.rules:
            text = (f"{r.id} ({r.review_by.isoformat() if r.review_by else w['none']}): "
                    + (", ".join(r.legal) or w["general"]) + (f" · {r.must_act}" if r.must_act else ""))
            lines += _wrap(text, "  ", cols)
    return lines


_MOVES = {
    "en": {"entered": "entered", "left": "left", "up": "moved up", "down": "moved down", "same": "unchanged",
           "baseline": "As measured", "changed": "With the changes", "whatif": "What if", "started": "rules started",
           "stopped": "rules stopped", "differences": "Differences",
           "weighed": "rules that count more or less"},
    "da": {"entered": "kom ind", "left": "faldt ud", "up": "rykkede op", "down": "rykkede ned", "same": "uændret",
           "baseline": "Som målt", "changed": "Med ændringerne", "whatif": "Hvad nu hvis", "started": "regler udløst",
           "stopped": "regler ikke længere udløst", "differences": "Forskelle",
           "weighed": "regler der vejer mere eller mindre"},
}


def render_whatif(w: WhatIfResult, changes: list[Change], title: str = "") -> str:
    """Both rankings side by side, then what entered, left or moved and the rules responsible."""
    lang = w.baseline.language
    m = _MOVES[lang]
    lines = [title] if title else []
    lines.append(f"{m['whatif']}: " + ", ".join(str(c) for c in changes))
    lines.append(f"{_WORDS[lang]['rules']}: {w.baseline.ruleset.id} {w.baseline.ruleset.version} "
                 f"({w.baseline.ruleset.fingerprint})")
    lines.append("")
    before, after = w.baseline.recommendations, w.changed.recommendations
    rows = [("#", m["baseline"], _WORDS[lang]["score"].capitalize(), m["changed"], _WORDS[lang]["score"].capitalize())]
    for i in range(max(len(before), len(after))):
        b = before[i] if i < len(before) else None
        a = after[i] if i < len(after) else None
        rows.append((str(i + 1), b.intervention_id if b else "", format_number(b.score, lang) if b else "",
                     a.intervention_id if a else "", format_number(a.score, lang) if a else ""))
    lines += [*_table(rows), "", f"{m['differences']}:"]
    for d in w.differences:
        if d.movement == "entered":
            where = f"→ {d.changed_rank}"
        elif d.movement == "left":
            where = f"{d.baseline_rank} →"
        else:
            where = f"{d.baseline_rank} → {d.changed_rank}"
        text = (f"{d.intervention_id}: {m[d.movement]} ({where}; {format_number(d.baseline_score, lang)} → "
                f"{format_number(d.changed_score, lang)})")
        lines.append("  " + text)
        if d.rules_started:
            lines += _wrap(f"+ {m['started']}: {', '.join(d.rules_started)}", "      ", width())
        if d.rules_stopped:
            lines += _wrap(f"- {m['stopped']}: {', '.join(d.rules_stopped)}", "      ", width())
        if d.rules_changed:
            lines += _wrap(f"~ {m['weighed']}: {', '.join(d.rules_changed)}", "      ", width())
    return _lines(lines, strip=True)


def render_test_report(results: Sequence[CaseResult], problems: Sequence[Problem], cov: Coverage | None,
                       min_coverage: float | None) -> str:
    """Pass/fail per case grouped by file, every failure with the answer, then coverage."""
    lines: list[str] = []
    for problem in problems:
        lines.append(str(problem))
    current = None
    for res in results:
        if res.case.file != current:
            current = res.case.file
            lines.append(current)
        mark = "✓" if res.passed else "✗"
        lines.append(f"  {mark} {res.case.name}" + ("" if res.passed else f"  (line {res.case.position.line})"))
        for failure in res.failures:
            lines += ["      " + part for part in failure.splitlines()]
    failed = sum(1 for r in results if not r.passed)
    lines.append(f"{len(results) - failed} passed, {failed} failed" + (f", {len(problems)} problem(s) in the test "
                                                                       "files" if problems else ""))
    if cov is not None:
        total = len(cov.rules_fired) + len(cov.rules_never_fired)
        lines.append(f"Coverage: {len(cov.rules_fired)}/{total} rules fired ({cov.rule_percent:.1f} %)"
                     + (f"; minimum {min_coverage:g} % {'met' if cov.rule_percent >= min_coverage else 'NOT met'}"
                        if min_coverage is not None else ""))
        never = cov.rules_never_fired
        lines += _wrap("Rules never fired: " + (", ".join(never) if never else "none"), "  ", width())
        unused = cov.interventions_never_recommended
        lines += _wrap("Interventions never recommended: " + (", ".join(unused) if unused else "none"), "  ", width())
        lines.append("  Bands exercised per dimension:")
        for dim, (seen, unseen) in cov.bands.items():
            text = f"{dim}: {', '.join(seen) or '-'}" + (f"  (never: {', '.join(unseen)})" if unseen else "")
            lines += _wrap(text, "    ", width())
    return _lines(lines)


_WHY = {
    "en": {"fired": "fired", "not": "did not fire", "change": "Smallest change that would make it fire",
           "or": "or", "none": "no change to a single dimension makes it fire", "missing": "missing",
           "rank": "rank {rank} of {n} candidates (score {score}); the list shows {top}",
           "unranked": "not recommended: no rule that recommends it fired",
           "rules": "Rules that can recommend it", "listed": "in the list", "outside": "outside the list",
           "rule": "Rule", "intervention": "Intervention", "would": "if it fired, it would say"},
    "da": {"fired": "udløst", "not": "ikke udløst", "change": "Mindste ændring der ville udløse den",
           "or": "eller", "none": "ingen ændring af én dimension udløser den", "missing": "mangler",
           "rank": "nr. {rank} af {n} kandidater (score {score}); listen viser {top}",
           "unranked": "ikke anbefalet: ingen regel der anbefaler den, blev udløst",
           "rules": "Regler der kan anbefale den", "listed": "på listen", "outside": "uden for listen",
           "rule": "Regel", "intervention": "Indsats", "would": "hvis den blev udløst, ville den sige"},
}


def _rule_lines(w: RuleWhy, lang: str, indent: str) -> list[str]:
    t = _WHY[lang]
    mark = "✓" if w.fired else "✗"
    head = f"{mark} {w.title} [{w.rule_id}]: {t['fired'] if w.fired else t['not']}"
    if w.fired and w.points:
        head += f" (+{format_number(w.points, lang)})"
    lines = _wrap(head, indent, width())
    # A rule that did not fire: its text describes the situation it is written for, not this one.
    lines += _wrap(w.text if w.fired else f"({t['would']}: {w.text})", indent + "    ", width())
    for cond in w.conditions:
        lines += _wrap(f"{'✓' if cond.holds else '✗'} {cond.text}", indent + "    ", width())
    if not w.fired:
        if w.change_texts:
            lines += _wrap(f"→ {t['change']}: " + f" {t['or']} ".join(w.change_texts), indent + "    ", width())
        else:
            lines += _wrap(f"→ {t['none']}", indent + "    ", width())
    return lines


def render_why(why: RuleWhy | InterventionWhy, lang: str, title: str = "") -> str:
    """A rule's conditions and smallest change, or an intervention's place and every rule behind it."""
    t = _WHY[lang]
    lines = [title] if title else []
    if isinstance(why, InterventionWhy):
        lines.append(f"{t['intervention']}: {why.title} [{why.intervention_id}]")
        if why.rank:
            where = t["listed"] if why.listed else t["outside"]
            lines.append("  " + t["rank"].format(rank=why.rank, n=why.candidates, score=format_number(why.score, lang),
                                                  top=why.top) + f" — {where}")
        else:
            lines.append("  " + t["unranked"])
        lines.append(f"{t['rules']} ({len(why.rules)}):")
        for w in why.rules:
            lines += _rule_lines(w, lang, "  ")
    else:
        lines.append(f"{t['rule']}:")
        lines += _rule_lines(why, lang, "  ")
    return _lines(lines)


def _move(d: RankChange, lang: str) -> str:
    m = _MOVES[lang]
    if d.movement == "entered":
        text = f"+ {d.intervention_id}: {m['entered']} (→ {d.changed_rank})"
    elif d.movement == "left":
        text = f"- {d.intervention_id}: {m['left']} ({d.baseline_rank} →)"
    else:
        arrow = "↑" if d.movement == "up" else "↓"
        text = f"{arrow} {d.intervention_id}: {m[d.movement]} ({d.baseline_rank} → {d.changed_rank})"
    rules = []
    if d.rules_started:
        rules.append(f"{m['started']}: {', '.join(d.rules_started)}")
    if d.rules_stopped:
        rules.append(f"{m['stopped']}: {', '.join(d.rules_stopped)}")
    return text + (f" [{'; '.join(rules)}]" if rules else "")


def render_impact(impact: Impact, lang: str) -> str:
    """Per profile what entered, left or moved, then the totals."""
    c = impact.counts
    lines = [f"{impact.new.id} {impact.new.version} ({impact.new.fingerprint}) against "
             f"{impact.old.id} {impact.old.version} ({impact.old.fingerprint}), {c['profiles']} profiles", ""]
    for p in impact.profiles:
        if p.old_error or p.new_error:
            lines.append(f"{p.name} ({p.department_id}): refused — old: {p.old_error or 'ok'}; "
                         f"new: {p.new_error or 'ok'}")
            continue
        moves = [d for d in p.differences if d.movement != "same"]
        m = _MOVES[lang]
        rules = "; ".join(part for part in (
            f"{m['started']}: {', '.join(p.rules_started)}" if p.rules_started else "",
            f"{m['stopped']}: {', '.join(p.rules_stopped)}" if p.rules_stopped else "") if part)
        if not moves:
            same = "listen uændret" if lang == "da" else "list unchanged"
            lines += _wrap(f"{p.name} ({p.department_id}): {same}" + (f" [{rules}]" if rules else ""), "", width())
            continue
        lines.append(f"{p.name} ({p.department_id}):")
        for d in moves:
            lines += _wrap(_move(d, lang), "    ", width())
    lines += ["", f"{c['changed']} of {c['profiles']} profiles changed: {c['entered']} entered, {c['left']} left, "
                  f"{c['up']} moved up, {c['down']} moved down" + (f", {c['refused']} refused" if c["refused"] else "")]
    for ident, counts in sorted(impact.by_intervention.items()):
        lines.append(f"  {ident}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if impact.rules_started or impact.rules_stopped:
        lines += _wrap("Rules firing for more profiles: "
                       + (", ".join(f"{r} ({n})" for r, n in impact.rules_started.items()) or "none"), "", width())
        lines += _wrap("Rules firing for fewer profiles: "
                       + (", ".join(f"{r} ({n})" for r, n in impact.rules_stopped.items()) or "none"), "", width())
    return _lines(lines)


_LEVER = {
    "en": {"risk": "Total risk", "list": "the list", "title": "Levers, largest effect first",
           "none": "No dimension is outside its best band.", "stops": "rules that stop firing",
           "needed": "{n} of {m} no longer needed", "pair": "Best pair", "and": "and",
           "resolved": "no longer a must-act item",
           "idle": "{n} other change(s) would change nothing (--all lists them)."},
    "da": {"risk": "Samlet risiko", "list": "listen", "title": "Håndtag, størst effekt først",
           "none": "Ingen dimension ligger uden for sit bedste niveau.", "stops": "regler der ikke længere udløses",
           "needed": "{n} af {m} ikke længere nødvendige", "pair": "Bedste par", "and": "og",
           "resolved": "skal ikke længere handles på",
           "idle": "{n} andre ændringer ville ikke ændre noget (--all viser dem)."},
}


def _band_label(dim: Dimension, band_id: str, lang: str) -> str:
    """A band's label, or its id when the dimension has no such band."""
    band = dim.band(band_id)
    return band.label.get(lang) if band else band_id


def _lever_change(lever: Lever, dims: Mapping[str, Dimension], lang: str) -> str:
    parts = []
    for ident, current, target, b0, b1 in zip(lever.dimensions, lever.currents, lever.targets, lever.from_bands,
                                              lever.to_bands):
        dim = dims[ident]
        parts.append(f"{dim.name.get(lang)} {format_number(current, lang)} → {format_number(target, lang)} "
                     f"({_band_label(dim, b0, lang)} → {_band_label(dim, b1, lang)})")
    return f" {_LEVER[lang]['and']} ".join(parts)


def _lever_effect(lever: Lever, lang: str, listed: int, titles: Mapping[str, str] | None = None) -> str:
    t = _LEVER[lang]

    def name(ident: str) -> str:
        return titles.get(ident, ident) if titles else ident

    pct = f" (−{lever.share * 100:.0f} %)" if lever.risk_before else ""
    text = f"{t['risk']} {format_number(lever.risk_before, lang)} → {format_number(lever.risk_after, lang)}{pct}"
    if lever.must_act_resolved:
        text += f"; {t['resolved']}: " + ", ".join(map(name, lever.must_act_resolved))
    if lever.no_longer_needed:
        text += "; " + t["needed"].format(n=len(lever.no_longer_needed), m=listed) + ": " + \
            ", ".join(map(name, lever.no_longer_needed))
    return text


def render_levers(report: LeverReport, description: Description, lang: str, title: str = "",
                  show_all: bool = False) -> str:
    """Single-dimension improvements, largest risk reduction first, and the best pair."""
    t = _LEVER[lang]
    dims = {d.id: d for d in description.dimensions}
    titles = {i.id: i.title.get(lang) for i in description.interventions}
    lines = [title] if title else []
    lines.append(f"{t['risk']} {format_number(report.risk, lang)}; {t['list']}: {', '.join(report.listed) or '-'}")
    useful = [x for x in report.levers if x.reduction > 0 or x.no_longer_needed]
    shown = report.levers if show_all else useful
    if not report.levers:
        lines.append(t["none"])
    else:
        lines.append(f"{t['title']}:")
    for n, lever in enumerate(shown, start=1):
        lines += _wrap(f"{n}. {_lever_change(lever, dims, lang)}", "  ", width())
        lines += _wrap(_lever_effect(lever, lang, len(report.listed), titles), "     ", width())
        if lever.rules_stopped:
            lines += _wrap(f"{t['stops']}: {', '.join(lever.rules_stopped)}", "     ", width())
    if not show_all and len(report.levers) > len(useful):
        lines.append(t["idle"].format(n=len(report.levers) - len(useful)))
    if report.best_pair is not None:
        lines += _wrap(f"{t['pair']}: {_lever_change(report.best_pair, dims, lang)}", "", width())
        lines += _wrap(_lever_effect(report.best_pair, lang, len(report.listed), titles), "  ", width())
    return _lines(lines)


_ORG = {
    "en": {"head": "{n} departments: {e} evaluated, {r} refused, {i} invalid", "raised": "Raised to organisation level",
           "needs": "Needs", "departments": "Departments", "refused": "Refused (not evaluated)",
           "invalid": "Invalid profiles", "adverse": "adverse bands", "none": "none", "share": "share"},
    "da": {"head": "{n} afdelinger: {e} vurderet, {r} afvist, {i} ugyldige", "raised": "Løftet til organisationsniveau",
           "needs": "Behov", "departments": "Afdelinger", "refused": "Afvist (ikke vurderet)",
           "invalid": "Ugyldige profiler", "adverse": "kritiske niveauer", "none": "ingen", "share": "andel"},
}


def render_org(org: OrgResult) -> str:
    """The organisation view as text: escalations, needs, each department, refusals."""
    lang = org.language
    t = _ORG[lang]
    info = org.ruleset
    lines = [f"{_WORDS[lang]['rules']}: {info.id} {info.version} ({info.fingerprint})",
             t["head"].format(n=len(org.departments), e=len(org.evaluated), r=len(org.refused), i=len(org.invalid)), ""]
    lines.append(f"{t['raised']} (≥ {org.escalation_share * 100:.0f} %):")
    for need in org.escalated or ():
        lines += _wrap(f"• {need.title} [{need.intervention_id}]: {need.reason}", "  ", width())
    if not org.escalated:
        lines.append(f"  {t['none']}")
    lines += ["", f"{t['needs']}:"]
    rows = [(_WORDS[lang]["intervention"], t["departments"], t["share"])]
    rows += [(n.intervention_id, str(n.departments), f"{n.share * 100:.0f} %") for n in org.needs]
    lines += ["  " + line for line in _table(rows)]
    lines += ["", f"{t['departments']}:"]
    for d in org.departments:  # the evaluated ones (org.evaluated), their results narrowed
        if d.result is not None:
            top = ", ".join(d.result.ids[:3]) or "-"
            lines += _wrap(f"{d.department_id} {d.name}: {top}", "  ", width())
    if org.refused:
        lines += ["", f"{t['refused']}:"] + [f"  {d.department_id} {d.name}: {d.refused}" for d in org.refused]
    if org.invalid:
        lines += ["", f"{t['invalid']}:"]
        for d in org.invalid:
            lines += _wrap(f"{d.department_id}: " + "; ".join(str(e) for e in d.errors), "  ", width())
    return _lines(lines)


_FOLLOW = {
    "en": {"title": "Follow-up for {d}: {a} → {b}", "bands": "Bands that changed", "resolved": "Resolved",
           "persisting": "Persisting", "new": "New", "gone": "Interventions no longer triggered",
           "still": "Still recommended", "added": "Newly recommended", "none": "none",
           "better": "better", "worse": "worse", "changed": "changed", "measured": "now measured",
           "dropped": "no longer measured", "rules": "risk constellations (rules)",
           "other": "note: the two profiles are for different departments"},
    "da": {"title": "Opfølgning for {d}: {a} → {b}", "bands": "Niveauer der har ændret sig", "resolved": "Løst",
           "persisting": "Vedvarende", "new": "Nye", "gone": "Indsatser der ikke længere udløses",
           "still": "Stadig anbefalet", "added": "Nyt anbefalet", "none": "ingen",
           "better": "bedre", "worse": "værre", "changed": "ændret", "measured": "nu målt",
           "dropped": "ikke længere målt", "rules": "risikokonstellationer (regler)",
           "other": "bemærk: de to profiler er for forskellige afdelinger"},
}


def _known_band_label(dim: Dimension, band_id: str | None, lang: str) -> str:
    """A band's label, or ``-`` for no band or one the dimension does not have."""
    band = dim.band(band_id) if band_id else None
    return band.label.get(lang) if band else "-"


def _followup_value(value: float | None, lang: str) -> str:
    """A hidden share (a negative act or stress in a small group) has no value: its band says enough."""
    return format_number(value, lang) if value is not None else "–"


def render_followup(report: FollowUp, dimensions: Mapping[str, Dimension], lang: str,
                    other_department: bool = False) -> str:
    """What changed between two measurements of one department."""
    t = _FOLLOW[lang]
    lines = [t["title"].format(d=report.department_id, a=report.before_date or "?", b=report.after_date or "?")]
    if other_department:
        lines.append("! " + t["other"])
    lines.append(f"{t['bands']}:")
    marks = {"better": "↑", "worse": "↓", "changed": "↔", "measured": "+", "dropped": "-"}
    for c in report.band_changes:
        dim = dimensions[c.dimension]
        lines.append(f"  {marks[c.direction]} {dim.name.get(lang)} {_followup_value(c.before, lang)} "
                     f"({_known_band_label(dim, c.before_band, lang)}) → {_followup_value(c.after, lang)} "
                     f"({_known_band_label(dim, c.after_band, lang)}): {t[c.direction]}")
    if not report.band_changes:
        lines.append(f"  {t['none']}")
    lines.append(f"{t['rules'].capitalize()}:")
    for key, items in (("resolved", report.resolved), ("persisting", report.persisting), ("new", report.new)):
        lines += _wrap(f"{t[key]}: {', '.join(items) or t['none']}", "  ", width())
    for key, items in (("gone", report.no_longer_triggered), ("still", report.still_recommended),
                       ("added", report.newly_recommended)):
        lines += _wrap(f"{t[key]}: {', '.join(items) or t['none']}", "", width())
    return _lines(lines)
