"""Printable reports: one department's profile and action plan, or the organisation overview.

A work-environment report is read on paper and in meetings, mailed on and archived with the
workplace assessment, often by people with no access to Trivsel. So the HTML report is one
self-contained page: inline CSS with print rules, charts as inline SVG, no scripts, and no external
resources at all (no stylesheets, images or web fonts). It opens offline, prints the same
everywhere, and never tells a third-party server that somebody is reading a department's results.
Evidence sources are plain ``<a href>`` links; nothing is fetched. The Markdown variant carries
the same content, with tables instead of charts, for wikis and e-mail.

Every label is in the answer's language (Danish or English) and numbers use
:func:`engine.templates.format_number` (a decimal comma in Danish). The charts carry their numbers
as data attributes (``data-value``, ``data-band``, ``data-cx`` …) so tests can check the geometry
against the profile without rasterising anything.

Departments refused for having too few respondents are listed by name with the reason only: no
score or band of theirs appears anywhere in the organisation report.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from trivsel.engine.description import Description
from trivsel.engine.errors import InvalidInput
from trivsel.engine.levers import Lever, LeverReport
from trivsel.engine.model import Band, Dimension, Source
from trivsel.engine.organisation import DepartmentOutcome, OrgResult
from trivsel.engine.profile import Profile
from trivsel.engine.result import ConditionResult, MustActItem, PlanView, Reason, Recommendation, Result
from trivsel.engine.sectors import find_sector, sector_dimensions
from trivsel.engine.strengths import KEEP
from trivsel.engine.templates import format_number, format_value

from .render import PREVENTION_WORDS, follow_up_date, measured_text, new_legal_areas

__all__ = ["render_profile_report", "render_org_report", "FORMATS", "MIN_ANSWERS"]

FORMATS = ("html", "md")
MIN_ANSWERS = 20
"""Below this many respondents a negative act's share is never shown (the bundled rule set's
``min_answers_for_shares``; the reports take the rule set's own value as ``min_answers``)."""
Item = Recommendation | MustActItem
"""A ranked recommendation or a must-act item: both carry a plan, evidence and reasons."""


def _items(result: Result) -> tuple[Item, ...]:
    """The must-act items, then the ranked recommendations."""
    return (*result.must_act, *result.recommendations)


_WORDS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": MappingProxyType({
        "title": "Psychosocial work environment report", "org_title": "Organisation report: psychosocial work "
        "environment", "department": "Department", "respondents": "Respondents",
        "respondents_of": "{n} of {m} invited (response rate {p} %)", "measured": "Measured on",
        "not_given": "not given", "rules": "Rule set", "fingerprint": "fingerprint", "warnings": "Warnings",
        "profile": "The profile", "resource": "Resources", "demand": "Demands", "negative_act": "Negative acts",
        "signal": "Signs of stress",
        "radar_caption": "Resources on a scale from 0 to the maximum; the rings are the band bounds and ★ marks "
                         "the six gold nuggets.",
        "radar_few": "Fewer than three resources were measured, so the chart cannot form a web.",
        "radar_label": "Radar chart of the resources of {name}",
        "bars_label": "Bar chart: {group}",
        "bars_caption": "Scale from 0 to each dimension's maximum; thin vertical lines are band bounds, the colour "
                        "shows the band's risk. ★ marks a gold nugget.",
        "none_measured": "None measured.", "ok": "fine", "watch": "watch", "adverse": "at risk",
        "not_shown": "not shown",
        "plan": "Action plan", "intervention": "Intervention", "goal": "Goal", "owner": "Owner",
        "participation": "Working with the action plans", "co_owner": "co-owner",
        "compared": "{name} compared with",
        "employees": "The employees' part", "learning": "Process criterion",
        "deadline": "Follow up by", "evaluate": "Evaluation", "weeks": "{n} weeks",
        "plan_caption": "The follow-up date is the measurement date plus the intervention's follow-up interval.",
        "plan_caption_late": "The follow-up date is the measurement date plus the intervention's follow-up interval; "
                             "where that has passed, it counts from the report's date ({date}).",
        "second": "² supplements an action higher up or in the must-act part, so it is moved down (in the order it "
                  "counts a third of its score, which is why a lower score can stand above a higher one).",
        "plan_caption_today": "No measurement date was given, so follow-up dates count from {date}.",
        "none": "No recommendations.", "why": "Rationale", "points": "points", "levers": "Levers",
        "levers_intro": "Which single improvement helps most: each dimension moved to its next better band.",
        "from": "From", "to": "To", "risk_col": "Total risk", "needed_col": "Recommendations",
        "no_longer": "{n} of {m} recommendations no longer needed", "best_pair": "Best pair",
        "no_levers": "No single change lowers the risk.", "sources": "Sources", "link": "link",
        "dimension": "Dimension", "group": "Group", "value": "Value", "band": "Band", "assessment": "Assessment",
        "gold": "★ = gold nugget", "departments": "Departments", "evaluated": "evaluated",
        "refused": "refused (too few respondents)", "invalid": "invalid",
        "escalation": "Raised to organisation level when needed in at least",
        "escalated": "Raised to organisation level", "no_escalated": "No intervention reaches the threshold.",
        "needed_in": "Needed in", "needs": "Needs across departments", "share": "Share",
        "heatmap": "Bands by department",
        "heat_caption": "Each cell is the department's band on that dimension, coloured by risk; an empty cell "
                        "means the dimension was not measured.",
        "top3": "Must act (!) and the top three interventions per department",
        "refused_h": "Not evaluated: too few respondents",
        "refused_note": "Small groups are listed without any results, to protect anonymity.",
        "invalid_h": "Invalid profiles", "escalated_badge": "org. level", "legend": "Risk",
        "prevention": "Prevention",
        "must_act": "Must act",
        "must_act_intro": "The department shows hazards that the Danish executive order on the psychosocial work "
                          "environment names, and the employer must act on them. These interventions are required: "
                          "they come before the action plan and are not counted in it.",
        "found": "Found", "basis": "Legal basis",
        "law": "Relates to the risk factor in the executive order on the psychosocial work environment: {areas}",
        "required": "must act", "strengths": "Strengths to keep",
        "next": "Next measurement", "next_passed": " – the date has passed: measure again soon",
        "reported": "reported by at least one respondent", "none_reported": "none reported",
        "hidden_note": "Fewer than {m} answers: the shares of the respondents (negative acts, stress) are not "
                       "shown as numbers, so that no one can be recognised.",
        "fewer_cases": "fewer cases", "heat_reported": "reported", "resolved": "no longer required: {items}",
        "heat_hidden": "“reported”: a negative act in a department with fewer than {m} answers, whose band is "
                       "not shown, to protect anonymity; “not shown”: another share of the respondents (stress) "
                       "there.",
        "must_act_org": "Must act across departments", "hazard": "Hazard", "must_act_col": "Of which must act",
        "required_intervention": "Required intervention", "which": "Which departments",
        "no_must_act": "No department shows a hazard that the law requires action on.",
    }),
    "da": MappingProxyType({
        "title": "Rapport om psykisk arbejdsmiljø", "org_title": "Organisationsrapport om psykisk arbejdsmiljø",
        "department": "Afdeling", "respondents": "Besvarelser",
        "respondents_of": "{n} af {m} inviterede (svarprocent {p} %)", "measured": "Måledato",
        "not_given": "ikke angivet", "rules": "Regelsæt", "fingerprint": "fingeraftryk", "warnings": "Advarsler",
        "profile": "Profilen", "resource": "Ressourcer", "demand": "Krav", "negative_act": "Negative handlinger",
        "signal": "Tegn på stress",
        "radar_caption": "Ressourcerne på en skala fra 0 til maksimum; ringene er grænseværdierne, og ★ markerer "
                         "de seks guldkorn.",
        "radar_few": "Der er målt færre end tre ressourcer, så figuren kan ikke danne et net.",
        "radar_label": "Netdiagram over ressourcerne i {name}",
        "bars_label": "Søjlediagram: {group}",
        "bars_caption": "Skala fra 0 til dimensionens maksimum; tynde lodrette streger er grænseværdier, og farven "
                        "viser niveauets risiko. ★ markerer et guldkorn.",
        "none_measured": "Ingen målt.", "ok": "i orden", "watch": "hold øje", "adverse": "risiko",
        "not_shown": "vises ikke",
        "plan": "Handleplan", "intervention": "Indsats", "goal": "Mål", "owner": "Ansvarlig",
        "participation": "Sådan arbejder I med handleplanerne", "co_owner": "medansvarlig",
        "compared": "{name} sammenlignes med",
        "employees": "Medarbejdernes del", "learning": "Proceskriterium",
        "deadline": "Følg op senest", "evaluate": "Evaluering", "weeks": "{n} uger",
        "plan_caption": "Opfølgningsdatoen er måledatoen plus indsatsens opfølgningsinterval.",
        "plan_caption_late": "Opfølgningsdatoen er måledatoen plus indsatsens opfølgningsinterval; hvor den er "
                             "passeret, regnes den fra rapportens dato ({date}).",
        "second": "² supplerer en indsats, der står højere oppe eller blandt de påkrævede, og er derfor rykket ned "
                  "(i rækkefølgen tæller den med en tredjedel af sin score – derfor kan en lavere score stå over en "
                  "højere).",
        "plan_caption_today": "Profilen har ingen måledato, så opfølgningsdatoerne regnes fra {date}.",
        "none": "Ingen anbefalinger.", "why": "Begrundelse", "points": "point", "levers": "Løftestænger",
        "levers_intro": "Den enkelte forbedring, der hjælper mest: hver dimension flyttet til sit næste bedre niveau.",
        "from": "Fra", "to": "Til", "risk_col": "Samlet risiko", "needed_col": "Anbefalinger",
        "no_longer": "{n} af {m} anbefalinger ikke længere nødvendige", "best_pair": "Bedste par",
        "no_levers": "Ingen enkelt ændring sænker risikoen.", "sources": "Kilder", "link": "link",
        "dimension": "Dimension", "group": "Gruppe", "value": "Værdi", "band": "Niveau", "assessment": "Vurdering",
        "gold": "★ = guldkorn", "departments": "Afdelinger", "evaluated": "vurderet",
        "refused": "afvist (for få besvarelser)", "invalid": "ugyldige",
        "escalation": "Løftes til organisationsniveau ved behov i mindst",
        "escalated": "Løftet til organisationsniveau", "no_escalated": "Ingen indsats når grænsen.",
        "needed_in": "Behov i", "needs": "Behov på tværs af afdelinger", "share": "Andel",
        "heatmap": "Niveau pr. afdeling",
        "heat_caption": "Hver celle er afdelingens niveau på dimensionen, farvet efter risiko; en tom celle betyder, "
                        "at dimensionen ikke er målt.",
        "top3": "Skal handles (!) og de tre første indsatser pr. afdeling",
        "refused_h": "Ikke vurderet: for få besvarelser",
        "refused_note": "Små grupper vises uden resultater af hensyn til anonymiteten.",
        "invalid_h": "Ugyldige profiler", "escalated_badge": "org.-niveau", "legend": "Risiko",
        "prevention": "Forebyggelse",
        "must_act": "Skal handles",
        "must_act_intro": "Afdelingen viser forhold, som bekendtgørelsen om psykisk arbejdsmiljø nævner, og dem har "
                          "arbejdsgiveren pligt til at handle på. Indsatserne her er påkrævede: de kommer før "
                          "handleplanen og tæller ikke med i den.",
        "found": "Fundet", "basis": "Retsgrundlag",
        "law": "Knytter sig til risikofaktoren i bekendtgørelsen om psykisk arbejdsmiljø: {areas}",
        "required": "skal handles", "strengths": "Styrker at holde fast i", "next": "Næste måling",
        "next_passed": " – datoen er passeret: mål igen snarest",
        "reported": "rapporteret af mindst én af de svarende", "none_reported": "ingen rapporteret",
        "hidden_note": "Færre end {m} svar: andelene af de svarende (negative handlinger, stress) vises ikke som "
                       "tal, så ingen kan genkendes.",
        "fewer_cases": "færre tilfælde", "heat_reported": "rapporteret",
        "resolved": "ikke længere påkrævet: {items}",
        "heat_hidden": "»rapporteret«: en negativ handling i en afdeling med færre end {m} svar, hvis niveau ikke "
                       "vises af hensyn til anonymiteten; »vises ikke«: en anden andel af de svarende (stress) "
                       "dér.",
        "must_act_org": "Skal handles på tværs af afdelingerne", "hazard": "Risikofaktor",
        "must_act_col": "Heraf skal handles", "required_intervention": "Påkrævet indsats",
        "which": "Hvilke afdelinger",
        "no_must_act": "Ingen afdeling viser en risikofaktor, som loven kræver handling på.",
    }),
})
_GRADE: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": MappingProxyType({"review": "review", "guideline": "guideline", "practice": "practice",
                            "statistics": "statistics"}),
    "da": MappingProxyType({"review": "systematisk oversigt", "guideline": "retningslinje", "practice": "praksis",
                            "statistics": "statistik"}),
})
_REFUSED_DA = ("{n} besvarelser er under mindstegrænsen for gruppestørrelse; små grupper vurderes ikke af hensyn "
               "til anonymiteten.")
_GROUPS = ("resource", "demand", "negative_act", "signal")
# Strong colours for bars and points, pale ones for the radar's band rings.
_RISK_COLOUR: Mapping[str, str] = MappingProxyType({"ok": "#3f8f4f", "watch": "#d99a1e", "adverse": "#c0392b",
                                                    "not_shown": "#8a8a8a"})
_RISK_TINT: Mapping[str, str] = MappingProxyType({"ok": "#e2f1e1", "watch": "#fbefcf", "adverse": "#f7dcd8",
                                                  "not_shown": "#ececec"})

_STYLE = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1d1d1d; max-width: 190mm; margin: 0 auto; padding: 16px; }
h1 { font-size: 19pt; margin: 0 0 4px; }
h2 { font-size: 14pt; margin: 22px 0 8px; padding-bottom: 3px; border-bottom: 2px solid #c9c9c9; }
h3 { font-size: 11.5pt; margin: 14px 0 4px; }
p { margin: 4px 0 8px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 12px; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
.fingerprint { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 9pt; }
.callout { border-left: 5px solid #d99a1e; background: #fdf5e0; padding: 8px 12px; margin: 10px 0; }
.callout h2 { border: 0; margin: 0 0 4px; font-size: 11.5pt; }
.callout ul { margin: 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9.5pt; }
th, td { border: 1px solid #cfcfcf; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
td ol, td ul { margin: 0; padding-left: 18px; }
table.top3 thead th:first-child { width: 35%; }
.badge { display: inline-block; font-size: 8pt; padding: 0 5px; margin: 2px 2px 0 0; border-radius: 8px;
         border: 1px solid #999; background: #f4f4f4; white-space: nowrap; }
.badge.level { border-color: #4a6fa5; background: #e6edf7; }
.badge.iglo { border-color: #7a5aa6; background: #efe8f7; }
.muted, figcaption { color: #555; font-size: 9pt; }
figure { margin: 8px 0 14px; break-inside: avoid; }
svg { max-width: 100%; height: auto; font-family: inherit; }
.legend span { display: inline-block; margin-right: 12px; font-size: 9pt; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
.reason { margin: 4px 0 10px 0; break-inside: avoid; }
.reason p { margin: 2px 0 2px 0; }
ul.conditions { list-style: none; margin: 2px 0 0; padding-left: 12px; font-size: 9.5pt; }
ul.conditions .holds { color: #2e6b3a; } ul.conditions .fails { color: #8a2b20; }
.cell { text-align: center; font-size: 8.5pt; }
.risk-ok { background: #d7ecd5; } .risk-watch { background: #fae7b5; } .risk-adverse { background: #f2c4be; }
.risk-not_shown { background: #ececec; }
tr.group th { background: #e4e4e4; }
table.heatmap { table-layout: fixed; }
table.heatmap thead th { overflow-wrap: anywhere; font-size: 8.5pt; }
table.heatmap thead th:first-child { width: 17%; }
ol.sources li { margin-bottom: 4px; }
ul.conditions .borderline { color: #7a5a12; }
.badge.must { border-color: #c0392b; background: #f7dcd8; color: #7d1f15; font-weight: 600; }
article.must { border-left: 5px solid #c0392b; background: #fdf1ef; padding: 8px 12px 6px; margin: 10px 0;
               break-inside: avoid; }
article.must h3 { margin: 0 0 4px; }
article.must-reason { border-left: 3px solid #c0392b; padding-left: 10px; }
dl.card { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 6px 0 4px; }
dl.card dt { font-weight: 600; } dl.card dd { margin: 0; }
dl.card ul { margin: 0; padding-left: 16px; }
section.strengths { border-left: 5px solid #3f8f4f; background: #eef7ee; padding: 2px 12px 8px; margin: 14px 0; }
section.strengths h2 { border: 0; margin-top: 8px; }
section.strengths ul { margin: 4px 0 8px; padding-left: 18px; }
p.next { font-weight: 600; }
ul.must-act { list-style: none; margin: 0 0 4px; padding-left: 0; }
ul.must-act li { color: #7d1f15; }
.cell.hidden-share { font-style: italic; }
a { color: #1f4f8f; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.major { break-before: page; }
  figure { margin: 2px 0 4px; }
  h2 { margin: 12px 0 6px; }
  figcaption { font-size: 8pt; }
  figure h3 { margin-top: 6px; }
  svg.radar { width: 122mm; }
  svg.bars { width: 165mm; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " (" attr(href) ")"; font-size: 8pt; color: #555; word-break: break-all; }
}
"""
_ORG_STYLE = "@page { size: A4 landscape; margin: 12mm; }\nbody { max-width: 277mm; }\n"


# ---------------------------------------------------------------------------------------------- helpers

def _w(lang: str, key: str) -> str:
    return _WORDS[lang][key]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _md(text: object) -> str:
    """Text for a Markdown table cell or line: one line, pipes escaped, and ``<`` escaped so that no
    text can become raw HTML (``28 \\< 33`` renders as ``28 < 33``)."""
    return (str(text).replace("\\", "\\\\").replace("<", "\\<").replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))


def _px(x: float) -> str:
    return f"{x:.2f}"


def _data_number(value: float) -> str:
    """A value for a data attribute: machine-readable, full precision, no trailing ``.0``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _value_text(dim: Dimension, value: float, lang: str) -> str:
    return format_number(float(value), lang) + (" %" if dim.unit == "percent" else "")


def _fraction(dim: Dimension, value: float) -> float:
    """Where ``value`` lies on the scale 0–maximum (as a share of the maximum, clamped to 0–1)."""
    if dim.maximum <= 0:
        return 0.0
    return min(1.0, max(0.0, float(value) / dim.maximum))


def _label(dim: Dimension, lang: str) -> str:
    return ("★ " if dim.gold_nugget else "") + dim.name.get(lang)


def _band_text(band: Band | None, lang: str) -> str:
    return band.label.get(lang) if band else ""


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _present(profile: Profile, dims: Mapping[str, Dimension], group: str) -> list[tuple[Dimension, float]]:
    """The profile's dimensions of ``group`` in catalogue order, gold nuggets first."""
    found = [(d, float(profile.scores[d.id])) for d in dims.values() if d.group == group and d.id in profile.scores]
    return sorted(found, key=lambda pair: not pair[0].gold_nugget)


def _department_title(name: str, ident: str) -> str:
    return f"{name} ({ident})" if name else ident


def _deadline(profile: Profile, rec: Item, today: _dt.date) -> _dt.date | None:
    """The measurement date plus the follow-up interval; from the report's date when that has
    passed or the profile has no measurement date (client/render.py, ``follow_up_date``)."""
    if rec.plan is None:
        return None
    measured = profile.measured_on if isinstance(profile.measured_on, _dt.date) else None
    return follow_up_date(measured, rec.plan.follow_up_weeks, today)[0]


def _response_rate(profile: Profile, lang: str) -> str:
    if not profile.invited:
        return str(profile.respondents)
    percent = round(profile.respondents / profile.invited * 100)
    return _w(lang, "respondents_of").format(n=profile.respondents, m=profile.invited, p=percent)


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _sources(result: Result, extra: Sequence[Source] = ()) -> list[tuple[str, str, str | None, str]]:
    """The evidence behind the must-act items and the recommendations, each source once, in order of
    first use; then ``extra`` (the figures the department is compared with, the APV duties)."""
    seen: dict[str, tuple[str, str, str | None, str]] = {}
    for rec in _items(result):
        for ev in rec.evidence:
            seen.setdefault(ev.id, (ev.id, ev.citation, ev.url, ev.grade))
    for source in extra:
        seen.setdefault(source.id, (source.id, source.citation, source.url, source.grade))
    return list(seen.values())


def _comparisons(profile: Profile, description: Description, lang: str) -> list[tuple[str, str, str]]:
    """(dimension name, what it is compared with, source id) for each value of the profile whose
    reference depends on the sector: the report names its yardstick (a misspelt sector shows here)."""
    sector = find_sector(description.sectors, profile.department.sector)
    if sector is None:
        return []
    dims = {d.id: d for d in description.dimensions}
    out = []
    for ident, ref in sector.references.items():
        if ident in profile.scores and ident in dims:
            out.append((dims[ident].name.get(lang), f"{format_value(ref.value, dims[ident].unit, lang)} "
                        f"({sector.name.get(lang)}) – {ref.label.get(lang)}", ref.source))
    return out


def _extra_sources(profile: Profile, result: Result, description: Description) -> list[Source]:
    by_id = {s.id: s for s in description.sources}
    ids = [c[2] for c in _comparisons(profile, description, "en")]
    if description.planning is not None and (result.must_act or result.recommendations):
        ids.append(description.planning.source)
    return [by_id[i] for i in ids if i in by_id]


def _is_act_share(dim: Dimension) -> bool:
    """A negative act measured as a share of the respondents (bullying, violence …)."""
    return dim.share and dim.group == "negative_act"


def _hidden_shares(profile: Profile, result: Result, dims: Mapping[str, Dimension], min_answers: int) -> frozenset[str]:
    """The shares of the respondents that must not be shown as numbers: all of them below
    ``min_answers`` respondents (negative acts, and stress: two stressed of six are two colleagues),
    those given as "reported", and any the engine itself hid in a condition (its ``actual`` is None
    although the profile has the value), so the report never shows what the answer kept back."""
    hidden = {i for i in profile.scores if i in dims and dims[i].share} \
        if profile.respondents < min_answers else {i for i in profile.reported if i in dims and dims[i].share}
    for rec in _items(result):
        for reason in rec.because:
            hidden.update(c.dimension for c in reason.conditions
                          if c.actual is None and c.dimension in profile.scores and c.dimension in dims
                          and dims[c.dimension].share)
    return frozenset(hidden)


def _hidden_text(dim: Dimension | None, value: float, lang: str) -> str:
    """What a hidden share shows instead of its number: a negative act whether it was reported,
    any other share (stress) only that it is not shown."""
    if dim is not None and not _is_act_share(dim):
        return _w(lang, "not_shown")
    return _w(lang, "reported" if value > 0 else "none_reported")


def _hidden_risk(dim: Dimension, value: float) -> str:
    """The risk a hidden share is coloured with. A negative act: none reported is fine; any report
    takes the risk of the first band past "none" ("some cases"), whatever its real band, which would
    hint at the share. Any other share: no risk colour at all, since its band would bound it."""
    if not _is_act_share(dim):
        return "not_shown"
    if value <= 0:
        band = dim.band_of(value)
        return band.risk if band else "ok"
    return next((b.risk for b in dim.bands if b.risk != "ok"), "watch")


def _mark(cond: ConditionResult) -> str:
    """✓ holds, ≈ holds but borderline (within the meaningful difference), ✗ does not hold."""
    return "≈" if cond.holds and cond.borderline else ("✓" if cond.holds else "✗")


def _mark_class(cond: ConditionResult) -> str:
    return "borderline" if cond.holds and cond.borderline else ("holds" if cond.holds else "fails")


def _page(lang: str, title: str, body: Iterable[str], extra_style: str = "") -> str:
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{_e(lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}{extra_style}</style>", "</head>", "<body>", *body, "</body>", "</html>", ""])


def _legend(lang: str) -> str:
    items = "".join(f'<span><i style="background:{_RISK_COLOUR[r]}"></i>{_e(_w(lang, r))}</span>'
                    for r in ("ok", "watch", "adverse"))
    return f'<p class="legend">{_e(_w(lang, "legend"))}: {items}</p>'


# ---------------------------------------------------------------------------------------------- profile: header

def _header_html(profile: Profile, result: Result, description: Description, lang: str) -> str:
    d, info = profile.department, result.ruleset
    rows = [
        (_w(lang, "department"), _e(_department_title(d.name, d.id))),
        (_w(lang, "respondents"), _e(_response_rate(profile, lang))),
        (_w(lang, "measured"),
         _e(measured_text(profile.measured_on) if profile.measured_on else _w(lang, "not_given"))),
        (_w(lang, "rules"), f"{_e(info.id)} {_e(info.version)} · {_e(_w(lang, 'fingerprint'))} "
                            f'<span class="fingerprint">{_e(info.fingerprint)}</span>'),
        *((_w(lang, "compared").format(name=name), _e(text))
          for name, text, _ in _comparisons(profile, description, lang)),
    ]
    parts = [f"<header><h1>{_e(_w(lang, 'title'))}</h1>",
             f'<p class="muted">{_e(description.title.get(lang))}</p>', '<dl class="meta">']
    parts += [f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows]
    parts.append("</dl></header>")
    if result.warnings:
        items = "".join(f'<li data-code="{_e(w.code)}">{_e(w.message)}</li>' for w in result.warnings)
        parts.append(f'<aside class="callout" role="note"><h2>{_e(_w(lang, "warnings"))}</h2><ul>{items}</ul></aside>')
    return "\n".join(parts)


def _header_md(profile: Profile, result: Result, description: Description, lang: str) -> list[str]:
    d, info = profile.department, result.ruleset
    lines = [f"# {_md(_w(lang, 'title'))}", "", _md(description.title.get(lang)), "",
             f"- **{_w(lang, 'department')}:** {_md(_department_title(d.name, d.id))}",
             f"- **{_w(lang, 'respondents')}:** {_md(_response_rate(profile, lang))}",
             f"- **{_w(lang, 'measured')}:** "
             f"{measured_text(profile.measured_on) if profile.measured_on else _w(lang, 'not_given')}",
             f"- **{_w(lang, 'rules')}:** {_md(info.id)} {_md(info.version)} · {_w(lang, 'fingerprint')} "
             f"`{_md(info.fingerprint)}`",
             *(f"- **{_w(lang, 'compared').format(name=name)}:** {_md(text)}"
               for name, text, _ in _comparisons(profile, description, lang)), ""]
    if result.warnings:
        lines += [f"> **{_w(lang, 'warnings')}**", ">"] + [f"> - {_md(w.message)}" for w in result.warnings] + [""]
    return lines


# ---------------------------------------------------------------------------------------------- profile: radar

_RADAR_W, _RADAR_H, _RADAR_R = 760.0, 410.0, 140.0


def _angle(i: int, n: int) -> float:
    """Axis ``i`` of ``n``, clockwise from twelve o'clock."""
    return -math.pi / 2 + 2 * math.pi * i / n


def _band_layout(dim: Dimension) -> tuple[tuple[float, str], ...]:
    """Each band's outer edge as a share of the maximum, with its risk (what the rings are drawn from)."""
    return tuple((round(_fraction(dim, b.high) if b.high is not None else 1.0, 6), b.risk) for b in dim.bands)


def _radar_rings(dims: Sequence[Dimension], cx: float, cy: float, r: float, lang: str) -> list[str]:
    """Band rings tinted by risk: full circles when every axis has the same bands, else a wedge per axis."""
    out = []
    layouts = {_band_layout(d) for d in dims}
    if len(layouts) == 1 or len(dims) < 3:
        layout = _band_layout(dims[0])
        for edge, risk in sorted(layout, key=lambda pair: -pair[0]):
            out.append(f'<circle class="band-ring" data-risk="{risk}" cx="{_px(cx)}" cy="{_px(cy)}" '
                       f'r="{_px(edge * r)}" fill="{_RISK_TINT[risk]}"/>')
        for band in dims[0].bands:
            if band.high is not None and 0 < _fraction(dims[0], band.high) < 1:
                radius = _fraction(dims[0], band.high) * r
                out.append(f'<circle class="band-bound" cx="{_px(cx)}" cy="{_px(cy)}" r="{_px(radius)}" '
                           f'fill="none" stroke="#8c8c8c" stroke-width="0.8" stroke-dasharray="3 3"/>')
                out.append(f'<text x="{_px(cx + 3)}" y="{_px(cy - radius - 2)}" font-size="9" fill="#666">'
                           f'{_e(format_number(band.high, lang))}</text>')
        return out
    half = math.pi / len(dims)
    for i, dim in enumerate(dims):
        a0, a1 = _angle(i, len(dims)) - half, _angle(i, len(dims)) + half
        inner = 0.0
        for edge, risk in _band_layout(dim):
            out.append(f'<path class="band-ring" data-risk="{risk}" d="{_sector(cx, cy, inner * r, edge * r, a0, a1)}" '
                       f'fill="{_RISK_TINT[risk]}"/>')
            inner = edge
    return out


def _sector(cx: float, cy: float, r0: float, r1: float, a0: float, a1: float) -> str:
    """An SVG path for the ring sector between radii ``r0``–``r1`` and angles ``a0``–``a1``."""
    def at(radius: float, angle: float) -> str:
        return f"{_px(cx + radius * math.cos(angle))} {_px(cy + radius * math.sin(angle))}"
    large = 1 if a1 - a0 > math.pi else 0
    return (f"M {at(r1, a0)} A {_px(r1)} {_px(r1)} 0 {large} 1 {at(r1, a1)} "
            f"L {at(r0, a1)} A {_px(r0)} {_px(r0)} 0 {large} 0 {at(r0, a0)} Z")


def _radar_label(dim: Dimension, value: float, angle: float, x: float, y: float, lang: str) -> str:
    """Name and value in two lines, beside the axis end: above it at the top, below it at the bottom."""
    cos = math.cos(angle)
    anchor = "middle" if abs(cos) < 0.15 else ("start" if cos > 0 else "end")
    dy = f"{-0.2 + 1.15 * math.sin(angle):.2f}em"
    band = dim.band_of(value)
    return (f'<text class="axis-label" x="{_px(x)}" y="{_px(y)}" text-anchor="{anchor}" font-size="13" '
            f'fill="#222"><tspan dy="{dy}">{_e(_label(dim, lang))}</tspan>'
            f'<tspan x="{_px(x)}" dy="1.15em" fill="#555" font-size="11">{_e(_value_text(dim, value, lang))}'
            f'{" · " + _e(_band_text(band, lang)) if band else ""}</tspan></text>')


def _radar_svg(items: Sequence[tuple[Dimension, float]], department: str, lang: str) -> str:
    """The resources as a radar (spider) chart; one ``radar-point`` per dimension."""
    cx, cy, r = _RADAR_W / 2, _RADAR_H / 2, _RADAR_R
    n = len(items)
    parts = [f'<svg class="radar" role="img" '
             f'aria-label="{_e(_w(lang, "radar_label").format(name=department))}" '
             f'viewBox="0 0 {_px(_RADAR_W)} {_px(_RADAR_H)}" width="{_px(_RADAR_W)}" height="{_px(_RADAR_H)}" '
             f'data-cx="{_px(cx)}" data-cy="{_px(cy)}" data-radius="{_px(r)}">']
    parts += _radar_rings([d for d, _ in items], cx, cy, r, lang)
    parts.append(f'<circle cx="{_px(cx)}" cy="{_px(cy)}" r="{_px(r)}" fill="none" stroke="#777" stroke-width="1"/>')
    points = []
    for i, (dim, value) in enumerate(items):
        a = _angle(i, n)
        ex, ey = cx + r * math.cos(a), cy + r * math.sin(a)
        parts.append(f'<line class="axis" x1="{_px(cx)}" y1="{_px(cy)}" x2="{_px(ex)}" y2="{_px(ey)}" '
                     f'stroke="#999" stroke-width="0.8"/>')
        reach = r + 12 + 8 * abs(math.sin(a))  # a little further out at top and bottom, where labels crowd
        parts.append(_radar_label(dim, value, a, cx + reach * math.cos(a), cy + reach * math.sin(a), lang))
        dist = _fraction(dim, value) * r
        points.append((dim, value, cx + dist * math.cos(a), cy + dist * math.sin(a)))
    if n >= 2:
        coords = " ".join(f"{_px(x)},{_px(y)}" for _, _, x, y in points)
        parts.append(f'<polygon class="profile" points="{coords}" fill="#2f5d9b" fill-opacity="0.1" '
                     f'stroke="#2f5d9b" stroke-width="2" stroke-linejoin="round"/>')
    for dim, value, x, y in points:
        band = dim.band_of(value)
        colour = _RISK_COLOUR[band.risk] if band else "#2f5d9b"
        parts.append(f'<circle class="radar-point" data-dimension="{_e(dim.id)}" data-value="{_data_number(value)}" '
                     f'data-band="{_e(band.id if band else "")}" cx="{_px(x)}" cy="{_px(y)}" r="4.5" '
                     f'fill="{colour}" stroke="#fff" stroke-width="1.2"><title>{_e(dim.name.get(lang))}: '
                     f'{_e(_value_text(dim, value, lang))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------- profile: bars

_BAR_LABEL_W, _BAR_W, _BAR_VALUE_W, _BAR_ROW = 215.0, 280.0, 225.0, 23.0


def _bar_row(dim: Dimension, value: float, y: float, lang: str) -> list[str]:
    x0, h = _BAR_LABEL_W, _BAR_ROW - 8
    band = dim.band_of(value)
    risk = band.risk if band else "watch"
    out = [f'<text x="{_px(x0 - 8)}" y="{_px(y + h - 4)}" text-anchor="end" font-size="11" fill="#222">'
           f'{_e(_label(dim, lang))}</text>',
           f'<rect class="track" x="{_px(x0)}" y="{_px(y)}" width="{_px(_BAR_W)}" height="{_px(h)}" fill="#eeeeee"/>',
           f'<rect class="bar" data-dimension="{_e(dim.id)}" data-value="{_data_number(value)}" '
           f'data-band="{_e(band.id if band else "")}" data-risk="{_e(risk)}" x="{_px(x0)}" y="{_px(y)}" '
           f'width="{_px(_fraction(dim, value) * _BAR_W)}" height="{_px(h)}" fill="{_RISK_COLOUR[risk]}">'
           f'<title>{_e(dim.name.get(lang))}: {_e(_value_text(dim, value, lang))}</title></rect>']
    for b in dim.bands:
        if b.high is not None and _fraction(dim, b.high) < 1:
            bx = x0 + _fraction(dim, b.high) * _BAR_W
            out.append(f'<line class="band-bound" x1="{_px(bx)}" y1="{_px(y - 3)}" x2="{_px(bx)}" '
                       f'y2="{_px(y + h + 3)}" stroke="#333" stroke-width="1"/>')
    out.append(f'<text x="{_px(x0 + _BAR_W + 8)}" y="{_px(y + h - 4)}" font-size="11" fill="#222">'
               f'<tspan font-weight="600">{_e(_value_text(dim, value, lang))}</tspan>'
               f'<tspan fill="#555"> · {_e(_band_text(band, lang))}</tspan></text>')
    return out


def _hidden_bar_row(dim: Dimension, value: float, y: float, lang: str) -> list[str]:
    """A share that must not be shown: its name and "reported by at least one respondent" (or "none
    reported", or for stress "not shown"), and no bar, since a bar's length would show the share."""
    x0, h = _BAR_LABEL_W, _BAR_ROW - 8
    risk = _hidden_risk(dim, value)
    return [f'<text x="{_px(x0 - 8)}" y="{_px(y + h - 4)}" text-anchor="end" font-size="11" fill="#222">'
            f'{_e(_label(dim, lang))}</text>',
            f'<g class="hidden-share" data-dimension="{_e(dim.id)}" data-risk="{_e(risk)}">'
            f'<rect x="{_px(x0)}" y="{_px(y + h / 2 - 4)}" width="8" height="8" fill="{_RISK_COLOUR[risk]}"/>'
            f'<text x="{_px(x0 + 14)}" y="{_px(y + h - 4)}" font-size="11" font-style="italic" fill="#222">'
            f'{_e(_hidden_text(dim, value, lang))}</text></g>']


def _bars_svg(items: Sequence[tuple[Dimension, float]], group: str, lang: str,
              hidden: frozenset[str] = frozenset()) -> str:
    """Horizontal bars, one per dimension, each on its own 0–maximum scale."""
    width = _BAR_LABEL_W + _BAR_W + _BAR_VALUE_W
    height = _BAR_ROW * len(items) + 8
    parts = [f'<svg class="bars" role="img" data-group="{_e(group)}" '
             f'aria-label="{_e(_w(lang, "bars_label").format(group=_w(lang, group)))}" '
             f'viewBox="0 0 {_px(width)} {_px(height)}" width="{_px(width)}" height="{_px(height)}" '
             f'data-x="{_px(_BAR_LABEL_W)}" data-width="{_px(_BAR_W)}">']
    for i, (dim, value) in enumerate(items):
        row = _hidden_bar_row if dim.id in hidden else _bar_row
        parts += row(dim, value, 6 + i * _BAR_ROW, lang)
    parts.append("</svg>")
    return "".join(parts)


def _profile_html(profile: Profile, dims: Mapping[str, Dimension], lang: str, hidden: frozenset[str],
                  min_answers: int) -> str:
    d = profile.department
    parts = [f'<section class="profile"><h2>{_e(_w(lang, "profile"))}</h2>', _legend(lang),
             f'<figure class="radar-figure"><h3>{_e(_w(lang, "resource"))}</h3>']
    resources = _present(profile, dims, "resource")
    if resources:
        parts.append(_radar_svg(resources, d.name or d.id, lang))
        caption = _w(lang, "radar_caption") + ("" if len(resources) >= 3 else " " + _w(lang, "radar_few"))
        parts.append(f"<figcaption>{_e(caption)}</figcaption>")
    else:
        parts.append(f'<p class="muted">{_e(_w(lang, "none_measured"))}</p>')
    parts.append("</figure>")
    explained = False  # the bar charts' caption goes under the first one
    for group in _GROUPS[1:]:
        items = _present(profile, dims, group)
        parts.append(f'<figure class="bars-figure"><h3>{_e(_w(lang, group))}</h3>')
        if items:
            parts.append(_bars_svg(items, group, lang, hidden))
            if not explained:
                parts.append(f"<figcaption>{_e(_w(lang, 'bars_caption'))}</figcaption>")
                explained = True
            if any(d.id in hidden for d, _ in items):
                parts.append(f'<figcaption class="hidden-note">{_e(_w(lang, "hidden_note").format(m=min_answers))}'
                             "</figcaption>")
        else:
            parts.append(f'<p class="muted">{_e(_w(lang, "none_measured"))}</p>')
        parts.append("</figure>")
    parts.append("</section>")
    return "\n".join(parts)


def _profile_md_row(dim: Dimension, value: float, hidden: frozenset[str], lang: str) -> tuple[str, str, str]:
    """(value, band, assessment) for the profile table; a hidden share shows words, no number or band."""
    if dim.id in hidden:
        return _hidden_text(dim, value, lang), "", _w(lang, _hidden_risk(dim, value))
    band = dim.band_of(value)
    return _value_text(dim, value, lang), _band_text(band, lang), _w(lang, band.risk) if band else ""


def _profile_md(profile: Profile, dims: Mapping[str, Dimension], lang: str, hidden: frozenset[str],
                min_answers: int) -> list[str]:
    lines = [f"## {_w(lang, 'profile')}", "", _w(lang, "gold"), "",
             f"| {_w(lang, 'group')} | {_w(lang, 'dimension')} | {_w(lang, 'value')} | {_w(lang, 'band')} | "
             f"{_w(lang, 'assessment')} |", "|---|---|---:|---|---|"]
    for group in _GROUPS:
        for dim, value in _present(profile, dims, group):
            cells = (_w(lang, group), _label(dim, lang), *_profile_md_row(dim, value, hidden, lang))
            lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if any(i in hidden for i in profile.scores):
        lines += ["", _w(lang, "hidden_note").format(m=min_answers)]
    return [*lines, ""]


# ---------------------------------------------------------------------------------------------- profile: plan

def _badges(rec: Item, lang: str) -> str:
    level = PREVENTION_WORDS[lang].get(rec.prevention, rec.prevention)
    out = f'<span class="badge level" title="{_e(_w(lang, "prevention"))}">{_e(level)}</span>'
    if rec.iglo:
        out += f'<span class="badge iglo">IGLO {_e("/".join(rec.iglo))}</span>'
    return out


def _plan_caption(profile: Profile, today: _dt.date, lang: str, result: Result | None = None) -> str:
    if profile.measured_on is None:
        return _w(lang, "plan_caption_today").format(date=today.isoformat())
    measured = profile.measured_on if isinstance(profile.measured_on, _dt.date) else None
    items = _items(result) if result is not None else ()
    if any(i.plan and follow_up_date(measured, i.plan.follow_up_weeks, today)[1] for i in items):
        return _w(lang, "plan_caption_late").format(date=today.isoformat())
    return _w(lang, "plan_caption")


def _hazard_titles(item: MustActItem) -> str:
    return "; ".join(h.title or h.id for h in item.hazards)


def _legal_bases(item: MustActItem) -> list[tuple[str, str]]:
    """(hazard title, legal basis) per hazard, each basis once; the title is left out when there is only one."""
    seen: dict[str, str] = {}
    for hazard in item.hazards:
        if hazard.legal_basis:
            seen.setdefault(hazard.legal_basis, hazard.title or hazard.id)
    return [("" if len(seen) == 1 else title, basis) for basis, title in seen.items()]


def _follow_up(profile: Profile, item: Item, today: _dt.date, lang: str) -> str:
    """``2025-05-10 (8 weeks)``."""
    due = _deadline(profile, item, today)
    if due is None or item.plan is None:
        return ""
    return f"{due.isoformat()} ({_w(lang, 'weeks').format(n=item.plan.follow_up_weeks)})"


def _must_act_rows(profile: Profile, item: MustActItem, today: _dt.date, lang: str) -> list[tuple[str, str, str]]:
    """(class, term, escaped HTML) for a must-act card: what was found, the law, and the plan."""
    bases = _legal_bases(item)
    if len(bases) == 1:
        law = _e(bases[0][1])
    else:
        law = "<ul>" + "".join(f"<li><strong>{_e(t)}:</strong> {_e(b)}</li>" for t, b in bases) + "</ul>"
    rows = [("hazards", _w(lang, "found"), _e(_hazard_titles(item)))]
    if bases:
        rows.append(("basis", _w(lang, "basis"), law))
    plan = item.plan
    if plan is not None:
        due = _deadline(profile, item, today)
        rows += [("goal", _w(lang, "goal"), _e(plan.goal)), ("owner", _w(lang, "owner"), _owner_html(plan, lang)),
                 ("deadline", _w(lang, "deadline"),
                  f'<span class="date" data-deadline="{due.isoformat() if due else ""}">'
                  f"{_e(_follow_up(profile, item, today, lang))}</span>"),
                 ("evaluate", _w(lang, "evaluate"), _e(plan.evaluation))]
    return rows


def _must_act_html(profile: Profile, result: Result, today: _dt.date, lang: str) -> str:
    """The interventions the law requires, one card each, before the ranked action plan."""
    if not result.must_act:
        return ""
    parts = [f'<section class="must-act major"><h2>{_e(_w(lang, "must_act"))}</h2>',
             f'<p>{_e(_w(lang, "must_act_intro"))}</p>']
    for item in result.must_act:
        rows = "".join(f'<dt>{_e(term)}</dt><dd class="{cls}">{value}</dd>'
                       for cls, term, value in _must_act_rows(profile, item, today, lang))
        parts.append(f'<article class="must" data-intervention="{_e(item.intervention_id)}" data-rank="{item.rank}">'
                     f"<h3>!{item.rank}. {_e(item.title or item.intervention_id)}</h3>{_badges(item, lang)}"
                     f'<dl class="card">{rows}</dl></article>')
    parts.append(f'<p class="muted">{_e(_plan_caption(profile, today, lang, result))}</p></section>')
    return "\n".join(parts)


def _must_act_md(profile: Profile, result: Result, today: _dt.date, lang: str) -> list[str]:
    if not result.must_act:
        return []
    lines = [f"## {_w(lang, 'must_act')}", "", _w(lang, "must_act_intro"), ""]
    for item in result.must_act:
        level = PREVENTION_WORDS[lang].get(item.prevention, item.prevention)
        lines += [f"### !{item.rank}. {_md(item.title or item.intervention_id)}", "",
                  f"- **{_w(lang, 'prevention')}:** {_md(level)} · IGLO {_md('/'.join(item.iglo))}",
                  f"- **{_w(lang, 'found')}:** {_md(_hazard_titles(item))}"]
        bases = _legal_bases(item)
        if len(bases) == 1:
            lines.append(f"- **{_w(lang, 'basis')}:** {_md(bases[0][1])}")
        elif bases:
            lines.append(f"- **{_w(lang, 'basis')}:**")
            lines += [f"  - *{_md(title)}:* {_md(basis)}" for title, basis in bases]
        if item.plan is not None:
            lines += [f"- **{_w(lang, 'goal')}:** {_md(item.plan.goal)}",
                      f"- **{_w(lang, 'owner')}:** {_md(_owner_text(item.plan, lang))}",
                      f"- **{_w(lang, 'deadline')}:** {_md(_follow_up(profile, item, today, lang))}",
                      f"- **{_w(lang, 'evaluate')}:** {_md(item.plan.evaluation)}"]
        lines.append("")
    return [*lines, _plan_caption(profile, today, lang, result), ""]


def _plan_html(profile: Profile, result: Result, today: _dt.date, lang: str) -> str:
    # A new page for the plan, unless the must-act section has just started one.
    major = "" if result.must_act else " major"
    parts = [f'<section class="plan{major}"><h2>{_e(_w(lang, "plan"))}</h2>']
    if not result.recommendations:
        return "\n".join([*parts, f"<p>{_e(_w(lang, 'none'))}</p></section>"])
    parts.append('<table class="plan"><colgroup><col style="width:4%"><col style="width:21%"><col style="width:22%">'
                 '<col style="width:15%"><col style="width:11%"><col style="width:27%"></colgroup>')
    parts.append(f'<thead><tr><th class="num">#</th><th>{_e(_w(lang, "intervention"))}</th>'
                 f'<th>{_e(_w(lang, "goal"))}</th><th>{_e(_w(lang, "owner"))}</th>'
                 f'<th>{_e(_w(lang, "deadline"))}</th><th>{_e(_w(lang, "evaluate"))}</th></tr></thead><tbody>')
    for rec in result.recommendations:
        due, plan = _deadline(profile, rec, today), rec.plan
        weeks = _w(lang, "weeks").format(n=plan.follow_up_weeks) if plan else ""
        parts.append(
            f'<tr data-intervention="{_e(rec.intervention_id)}"><td class="num">{rec.rank}</td>'
            f'<td><strong>{_e(rec.title or rec.intervention_id)}{_second(rec)}</strong><br>{_badges(rec, lang)}</td>'
            f'<td>{_e(plan.goal if plan else "")}</td><td>{_owner_html(plan, lang) if plan else ""}</td>'
            f'<td class="date" data-deadline="{due.isoformat() if due else ""}">{due.isoformat() if due else ""}'
            f'<br><span class="muted">{_e(weeks)}</span></td>'
            f'<td>{_e(plan.evaluation if plan else "")}</td></tr>')
    parts.append("</tbody></table>")
    if any(rec.second_answer for rec in result.recommendations):
        parts.append(f'<p class="muted second-note">{_e(_w(lang, "second"))}</p>')
    parts.append(f"<p class=\"muted\">{_e(_plan_caption(profile, today, lang, result))}</p></section>")
    return "\n".join(parts)


def _owner_text(plan: PlanView, lang: str) -> str:
    """The owner, and the co-owner where the action is the work-environment organisation's too."""
    return plan.owner + (f" · {_w(lang, 'co_owner')}: {plan.co_owner}" if plan.co_owner else "")


def _owner_html(plan: PlanView, lang: str) -> str:
    if not plan.co_owner:
        return _e(plan.owner)
    return f'{_e(plan.owner)}<br><span class="muted co-owner">{_e(_w(lang, "co_owner"))}: {_e(plan.co_owner)}</span>'


def _participation_paragraphs(description: Description, result: Result, lang: str) -> list[tuple[str, str]]:
    """What every plan says, once: the employees' part, the learning criterion, the APV duties."""
    planning = description.planning
    if planning is None or not (result.must_act or result.recommendations):
        return []
    return [(_w(lang, "employees"), planning.employees.get(lang)), (_w(lang, "learning"), planning.learning.get(lang)),
            ("APV", planning.apv.get(lang))]


def _participation_html(description: Description, result: Result, lang: str) -> str:
    paragraphs = _participation_paragraphs(description, result, lang)
    if not paragraphs:
        return ""
    return (f'<section class="participation"><h2>{_e(_w(lang, "participation"))}</h2>'
            + "".join(f"<p><strong>{_e(label)}:</strong> {_e(text)}</p>" for label, text in paragraphs) + "</section>")


def _participation_md(description: Description, result: Result, lang: str) -> list[str]:
    paragraphs = _participation_paragraphs(description, result, lang)
    if not paragraphs:
        return []
    out = [f"## {_w(lang, 'participation')}", ""]
    for label, text in paragraphs:
        out += [f"**{_md(label)}:** {_md(text)}", ""]
    return out


def _second(rec: Recommendation) -> str:
    """The ² of a second answer (it supplements one higher up, so it ranks with a third of its score)."""
    return " ²" if rec.second_answer else ""


def _plan_md(profile: Profile, result: Result, today: _dt.date, lang: str) -> list[str]:
    lines = [f"## {_w(lang, 'plan')}", ""]
    if not result.recommendations:
        return [*lines, _w(lang, "none"), ""]
    lines += [f"| # | {_w(lang, 'intervention')} | {_w(lang, 'prevention')} | IGLO | {_w(lang, 'goal')} | "
              f"{_w(lang, 'owner')} | {_w(lang, 'deadline')} | {_w(lang, 'evaluate')} |",
              "|---:|---|---|---|---|---|---|---|"]
    for rec in result.recommendations:
        due, plan = _deadline(profile, rec, today), rec.plan
        lines.append(f"| {rec.rank} | {_md(rec.title or rec.intervention_id)}{_second(rec)} | "
                     f"{_md(PREVENTION_WORDS[lang].get(rec.prevention, rec.prevention))} | {_md('/'.join(rec.iglo))} | "
                     f"{_md(plan.goal if plan else '')} | {_md(_owner_text(plan, lang) if plan else '')} | "
                     f"{due.isoformat() if due else ''} | {_md(plan.evaluation if plan else '')} |")
    if any(rec.second_answer for rec in result.recommendations):
        lines += ["", _w(lang, "second")]
    return [*lines, "", _plan_caption(profile, today, lang, result), ""]


# ---------------------------------------------------------------------------------------------- profile: rationale

def _number(rec: Item) -> str:
    """``!1`` for a must-act item, ``1`` for a ranked recommendation."""
    return f"!{rec.rank}" if isinstance(rec, MustActItem) else str(rec.rank)


def _rationale_item_html(rec: Item, lang: str) -> list[str]:
    must = isinstance(rec, MustActItem)
    badge = f' <span class="badge must">{_e(_w(lang, "required"))}</span>' if must else ""
    cls = ' class="must-reason"' if must else ""
    parts = [f'<article{cls} data-intervention="{_e(rec.intervention_id)}">'
             f"<h3>{_number(rec)}. {_e(rec.title or rec.intervention_id)}{badge}</h3>"]
    if isinstance(rec, MustActItem):
        parts.append(f"<p><strong>{_e(_w(lang, 'found'))}:</strong> {_e(_hazard_titles(rec))}</p>")
    if rec.description:
        parts.append(f'<p class="muted">{_e(rec.description)}</p>')
    for reason in rec.because:
        conds = "".join(f'<li class="{_mark_class(c)}">{_mark(c)} {_e(c.text)}</li>' for c in reason.conditions)
        parts.append(f'<div class="reason" data-rule="{_e(reason.rule_id)}"><p><strong>{_e(reason.title)}</strong> '
                     f'<span class="muted">(+{_e(format_number(reason.points, lang))} {_e(_w(lang, "points"))})'
                     f'</span></p><p>{_e(reason.text)}</p>{_law_html(rec, reason, lang)}'
                     f'<ul class="conditions">{conds}</ul></div>')
    return [*parts, "</article>"]


def _law_html(rec: Item, reason: Reason, lang: str) -> str:
    """The risk areas of the executive order the rule rests on, if any and not already stated."""
    if not new_legal_areas(rec, reason):
        return ""
    return f'<p class="law">{_e(_w(lang, "law").format(areas=", ".join(reason.legal)))}</p>'


def _rationale_html(result: Result, lang: str) -> str:
    """Why each item is there, the must-act items first: the rules, their texts and every condition."""
    if not result.must_act and not result.recommendations:
        return ""
    parts = [f'<section class="rationale major"><h2>{_e(_w(lang, "why"))}</h2>']
    for rec in _items(result):
        parts += _rationale_item_html(rec, lang)
    parts.append("</section>")
    return "\n".join(parts)


def _rationale_md(result: Result, lang: str) -> list[str]:
    if not result.must_act and not result.recommendations:
        return []
    lines = [f"## {_w(lang, 'why')}", ""]
    for rec in _items(result):
        must = isinstance(rec, MustActItem)
        lines += [f"### {_number(rec)}. {_md(rec.title or rec.intervention_id)}"
                  + (f" ({_w(lang, 'required')})" if must else ""), ""]
        if isinstance(rec, MustActItem):
            lines += [f"**{_w(lang, 'found')}:** {_md(_hazard_titles(rec))}", ""]
        if rec.description:
            lines += [_md(rec.description), ""]
        for reason in rec.because:
            lines.append(f"- **{_md(reason.title)}** (+{format_number(reason.points, lang)} {_w(lang, 'points')}): "
                         f"{_md(reason.text)}")
            if new_legal_areas(rec, reason):
                lines.append(f"  - {_md(_w(lang, 'law').format(areas=', '.join(reason.legal)))}")
            lines += [f"  - {_mark(c)} {_md(c.text)}" for c in reason.conditions]
        lines.append("")
    return lines


# ---------------------------------------------------------------------------------------------- profile: strengths

def _next_text(result: Result, today: _dt.date, lang: str) -> str:
    """The next measurement's date, and that it has passed when it has (a report made late)."""
    passed = result.next_measurement < today.isoformat()  # ISO dates sort as text
    return result.next_measurement + (_w(lang, "next_passed") if passed else "")


def _strengths_html(result: Result, lang: str, today: _dt.date) -> str:
    """What is clearly good, with the advice to keep it, and the next measurement when nothing needs acting on."""
    if not result.strengths and not result.next_measurement:
        return ""
    parts = [f'<section class="strengths"><h2>{_e(_w(lang, "strengths"))}</h2>']
    if result.strengths:
        items = "".join(f'<li data-dimension="{_e(s.dimension)}">{_e(s.text)}</li>' for s in result.strengths)
        parts.append(f'<ul class="strengths">{items}</ul><p class="keep">{_e(KEEP.get(lang))}</p>')
    if result.next_measurement:
        parts.append(f'<p class="next" data-date="{_e(result.next_measurement)}">{_e(_w(lang, "next"))}: '
                     f"{_e(_next_text(result, today, lang))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _strengths_md(result: Result, lang: str, today: _dt.date) -> list[str]:
    if not result.strengths and not result.next_measurement:
        return []
    lines = [f"## {_w(lang, 'strengths')}", ""]
    if result.strengths:
        lines += [f"- {_md(s.text)}" for s in result.strengths] + ["", _md(KEEP.get(lang)), ""]
    if result.next_measurement:
        lines += [f"**{_w(lang, 'next')}:** {_md(_next_text(result, today, lang))}", ""]
    return lines


# ---------------------------------------------------------------------------------------------- profile: levers

def _lever_moves(lever: Lever, dims: Mapping[str, Dimension], lang: str,
                 hidden: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """Per moved dimension (name, from, to) as text: ``Følelsesmæssige krav``, ``76 (høj)``, ``66 (middel)``.
    A hidden share moves from "reported by at least one respondent" to "fewer cases": its value,
    its band and the target (which would give the band away) are not shown."""
    moves = []
    for ident, cur, target, b0, b1 in zip(lever.dimensions, lever.currents, lever.targets, lever.from_bands,
                                          lever.to_bands):
        dim = dims.get(ident)
        if ident in hidden:
            moves.append((dim.name.get(lang) if dim else ident, _hidden_text(dim, cur, lang),
                          _w(lang, "fewer_cases" if dim is None or _is_act_share(dim) else "not_shown")))
        elif dim is None:  # a description of another rule set: show what we know
            moves.append((ident, format_number(cur, lang), format_number(target, lang)))
        else:
            moves.append((dim.name.get(lang), f"{_value_text(dim, cur, lang)} ({_band_text(dim.band(b0), lang)})",
                          f"{_value_text(dim, target, lang)} ({_band_text(dim.band(b1), lang)})"))
    return moves


def _lever_parts(lever: Lever, dims: Mapping[str, Dimension], lang: str,
                 hidden: frozenset[str] = frozenset()) -> tuple[str, str, str]:
    """(dimension, from, to) for a table row."""
    moves = _lever_moves(lever, dims, lang, hidden)
    return (" + ".join(m[0] for m in moves), " + ".join(m[1] for m in moves), " + ".join(m[2] for m in moves))


def _lever_sentence(lever: Lever, dims: Mapping[str, Dimension], lang: str,
                    hidden: frozenset[str] = frozenset()) -> str:
    """``A 76 (høj) → 66 (middel) + B 20,8 % (…) → 17,7 % (…)`` (for the best pair)."""
    return " + ".join(f"{name} {before} → {after}" for name, before, after in _lever_moves(lever, dims, lang, hidden))


def _lever_effect(lever: Lever, report: LeverReport, lang: str,
                  must: Mapping[str, str] = MappingProxyType({})) -> tuple[str, str]:
    """(the fall in total risk, ``n of m recommendations no longer needed`` and the must-act items
    the change would make unnecessary). Below 1 % the fall keeps a decimal, so it never reads −0 %."""
    percent = lever.share * 100
    needed = _w(lang, "no_longer").format(n=len(lever.no_longer_needed), m=len(report.listed))
    if lever.must_act_resolved:
        needed += "; " + _w(lang, "resolved").format(items=", ".join(must.get(i, i) for i in lever.must_act_resolved))
    return f"−{format_number(round(percent) if percent >= 1 else round(percent, 1), lang)} %", needed


def _useful_levers(report: LeverReport) -> list[Lever]:
    return [lever for lever in report.levers if lever.reduction > 0]


def _lever_columns(lang: str) -> tuple[str, ...]:
    return (_w(lang, "dimension"), _w(lang, "from"), _w(lang, "to"), _w(lang, "risk_col"), _w(lang, "needed_col"))


def _levers_html(report: LeverReport, dims: Mapping[str, Dimension], lang: str,
                 hidden: frozenset[str] = frozenset(), must: Mapping[str, str] = MappingProxyType({})) -> str:
    parts = [f'<section class="levers"><h2>{_e(_w(lang, "levers"))}</h2><p>{_e(_w(lang, "levers_intro"))}</p>']
    useful = _useful_levers(report)
    if not useful:
        return "\n".join([*parts, f"<p>{_e(_w(lang, 'no_levers'))}</p></section>"])
    head = "".join(f"<th class=\"num\">{_e(c)}</th>" if i == 3 else f"<th>{_e(c)}</th>"
                   for i, c in enumerate(_lever_columns(lang)))
    parts.append(f'<table class="levers"><thead><tr>{head}</tr></thead><tbody>')
    for lever in useful:
        name, before, after = _lever_parts(lever, dims, lang, hidden)
        risk, needed = _lever_effect(lever, report, lang, must)
        parts.append(f'<tr data-dimension="{_e(lever.dimensions[0])}"><td>{_e(name)}</td><td>{_e(before)}</td>'
                     f'<td>{_e(after)}</td><td class="num">{_e(risk)}</td><td>{_e(needed)}</td></tr>')
    parts.append("</tbody></table>")
    pair = report.best_pair
    if pair is not None and pair.reduction > 0:
        risk, needed = _lever_effect(pair, report, lang, must)
        parts.append(f'<p class="best-pair"><strong>{_e(_w(lang, "best_pair"))}:</strong> '
                     f"{_e(_lever_sentence(pair, dims, lang, hidden))}; {_e(_w(lang, 'risk_col').lower())} {_e(risk)}; "
                     f"{_e(needed)}.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _levers_md(report: LeverReport, dims: Mapping[str, Dimension], lang: str,
               hidden: frozenset[str] = frozenset(), must: Mapping[str, str] = MappingProxyType({})) -> list[str]:
    lines = [f"## {_w(lang, 'levers')}", "", _w(lang, "levers_intro"), ""]
    useful = _useful_levers(report)
    if not useful:
        return [*lines, _w(lang, "no_levers"), ""]
    lines += ["| " + " | ".join(_lever_columns(lang)) + " |", "|---|---|---|---:|---|"]
    for lever in useful:
        cells = _lever_parts(lever, dims, lang, hidden) + _lever_effect(lever, report, lang, must)
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    pair = report.best_pair
    if pair is not None and pair.reduction > 0:
        risk, needed = _lever_effect(pair, report, lang, must)
        lines += ["", f"**{_w(lang, 'best_pair')}:** {_md(_lever_sentence(pair, dims, lang, hidden))}; "
                      f"{_w(lang, 'risk_col').lower()} {risk}; {_md(needed)}."]
    return [*lines, ""]


# ---------------------------------------------------------------------------------------------- profile: sources

def _sources_html(result: Result, lang: str, extra: Sequence[Source] = ()) -> str:
    sources = _sources(result, extra)
    if not sources:
        return ""
    items = []
    for ident, citation, url, grade in sources:
        safe = _safe_url(url)
        link = f' <a href="{_e(safe)}">{_e(_w(lang, "link"))}</a>' if safe else ""
        items.append(f'<li data-source="{_e(ident)}">{_e(citation)} <span class="badge">'
                     f"{_e(_GRADE[lang].get(grade, grade))}</span>{link}</li>")
    return f'<footer><h2>{_e(_w(lang, "sources"))}</h2><ol class="sources">{"".join(items)}</ol></footer>'


def _sources_md(result: Result, lang: str, extra: Sequence[Source] = ()) -> list[str]:
    sources = _sources(result, extra)
    if not sources:
        return []
    lines = [f"## {_w(lang, 'sources')}", ""]
    for i, (_, citation, url, grade) in enumerate(sources, 1):
        safe = _safe_url(url)
        lines.append(f"{i}. {_md(citation)} ({_md(_GRADE[lang].get(grade, grade))})" + (f" <{safe}>" if safe else ""))
    return [*lines, ""]


# ---------------------------------------------------------------------------------------------- profile report

def render_profile_report(profile: Profile, result: Result, description: Description, levers: LeverReport | None,
                          fmt: str = "html", today: _dt.date | None = None, min_answers: int = MIN_ANSWERS) -> str:
    """One department's report: header, charts, must-act items, action plan, strengths, rationale,
    levers and sources.

    ``today`` is where follow-up dates count from when the profile has no measurement date
    (default: the current date). ``min_answers`` is the rule set's ``min_answers_for_shares``: with
    fewer respondents, no negative act's share is shown as a number or a bar anywhere in the report.
    """
    _check_format(fmt)
    lang = result.language
    # the department's own sector: its references, and bands that move with them (engine/sectors.py)
    dims = {d.id: d for d in sector_dimensions(description.dimensions, description.sectors,
                                                profile.department.sector, profile.scores)}
    day = today or _dt.date.today()
    hidden = _hidden_shares(profile, result, dims, min_answers)
    must = {m.intervention_id: m.title or m.intervention_id for m in result.must_act}
    if fmt == "md":
        lines = _header_md(profile, result, description, lang) + _profile_md(profile, dims, lang, hidden, min_answers) \
            + _participation_md(description, result, lang) \
            + _must_act_md(profile, result, day, lang) + _plan_md(profile, result, day, lang) \
            + _strengths_md(result, lang, day) + _rationale_md(result, lang) \
            + (_levers_md(levers, dims, lang, hidden, must) if levers is not None else []) \
            + _sources_md(result, lang, _extra_sources(profile, result, description))
        return "\n".join(lines).rstrip() + "\n"
    body = [_header_html(profile, result, description, lang), _profile_html(profile, dims, lang, hidden, min_answers),
            _participation_html(description, result, lang),
            _must_act_html(profile, result, day, lang), _plan_html(profile, result, day, lang),
            _strengths_html(result, lang, day), _rationale_html(result, lang),
            _levers_html(levers, dims, lang, hidden, must) if levers is not None else "",
            _sources_html(result, lang, _extra_sources(profile, result, description))]
    d = profile.department
    return _page(lang, f"{_w(lang, 'title')} – {d.name or d.id}", [b for b in body if b])


# ---------------------------------------------------------------------------------------------- organisation

def _refused_reason(outcome: DepartmentOutcome, lang: str) -> str:
    return _REFUSED_DA.format(n=outcome.respondents) if lang == "da" else (outcome.refused or "")


def _org_counts(org: OrgResult, lang: str) -> str:
    return (f"{len(org.evaluated)} {_w(lang, 'evaluated')}, {len(org.refused)} {_w(lang, 'refused')}, "
            f"{len(org.invalid)} {_w(lang, 'invalid')}")


def _share(share: float, lang: str) -> str:
    return f"{format_number(round(share * 100, 1), lang)} %"


def _heat_dimensions(org: OrgResult, description: Description) -> list[Dimension]:
    """Every catalogue dimension that at least one evaluated department has, grouped, in catalogue order."""
    present = {ident for o in org.evaluated for ident, _ in o.bands}
    return [d for group in _GROUPS for d in description.dimensions if d.group == group and d.id in present]


def _names(org: OrgResult) -> dict[str, str]:
    return {o.department_id: o.name or o.department_id for o in org.departments}


def _org_header_html(org: OrgResult, description: Description, lang: str) -> str:
    info = org.ruleset
    rows = [(_w(lang, "rules"), f"{_e(info.id)} {_e(info.version)} · {_e(_w(lang, 'fingerprint'))} "
                                f'<span class="fingerprint">{_e(info.fingerprint)}</span>'),
            (_w(lang, "departments"), _e(_org_counts(org, lang))),
            (_w(lang, "escalation"), _e(_share(org.escalation_share, lang)))]
    return "\n".join([f"<header><h1>{_e(_w(lang, 'org_title'))}</h1>",
                      f'<p class="muted">{_e(description.title.get(lang))}</p>', '<dl class="meta">',
                      *[f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows], "</dl></header>"])


def _escalated_html(org: OrgResult, lang: str) -> str:
    names = _names(org)
    parts = [f'<section class="escalated"><h2>{_e(_w(lang, "escalated"))}</h2>']
    if not org.escalated:
        parts.append(f"<p>{_e(_w(lang, 'no_escalated'))}</p>")
    for need in org.escalated:
        depts = "; ".join(names.get(i, i) for i in need.department_ids)
        parts.append(f'<article data-intervention="{_e(need.intervention_id)}"><h3>{_e(need.title)}</h3>'
                     f'<p class="reason">{_e(need.reason)}</p>'
                     f'<p class="muted">{_e(_w(lang, "needed_in"))}: {_e(depts)}</p></article>')
    parts.append("</section>")
    return "\n".join(parts)


def _hazard_counts(org: OrgResult) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """Per hazard found anywhere: (id, title, the departments that must act on it, the interventions
    they must carry out), most departments first, then most severe."""
    found: dict[str, tuple[str, int, dict[str, None], dict[str, None]]] = {}
    for o in org.evaluated:
        for item in o.result.must_act if o.result else ():
            for hazard in item.hazards:
                entry = found.setdefault(hazard.id, (hazard.title or hazard.id, hazard.severity, {}, {}))
                entry[2][o.department_id] = None
                entry[3][item.title or item.intervention_id] = None
    ordered = sorted(found.items(), key=lambda kv: (-len(kv[1][2]), -kv[1][1], kv[0]))
    return [(ident, title, tuple(depts), tuple(items)) for ident, (title, _, depts, items) in ordered]


def _must_act_counts(org: OrgResult) -> dict[str, int]:
    """Per intervention, in how many departments it is a must-act item."""
    counts: dict[str, int] = {}
    for o in org.evaluated:
        for ident in o.result.must_act_ids if o.result else ():
            counts[ident] = counts.get(ident, 0) + 1
    return counts


def _must_act_org_html(org: OrgResult, lang: str) -> str:
    names, rows = _names(org), _hazard_counts(org)
    parts = [f'<section class="must-act-org"><h2>{_e(_w(lang, "must_act_org"))}</h2>']
    if not rows:
        return "\n".join([*parts, f"<p>{_e(_w(lang, 'no_must_act'))}</p></section>"])
    parts.append(f'<table class="must-act-org"><thead><tr><th>{_e(_w(lang, "hazard"))}</th>'
                 f'<th class="num">{_e(_w(lang, "departments"))}</th><th>{_e(_w(lang, "required_intervention"))}</th>'
                 f'<th>{_e(_w(lang, "which"))}</th></tr></thead><tbody>')
    for ident, title, depts, items in rows:
        parts.append(f'<tr data-hazard="{_e(ident)}"><td><strong>{_e(title)}</strong></td>'
                     f'<td class="num">{len(depts)}</td><td>{_e("; ".join(items))}</td>'
                     f'<td>{_e("; ".join(names.get(d, d) for d in depts))}</td></tr>')
    parts.append("</tbody></table></section>")
    return "\n".join(parts)


def _escalated_badge(lang: str) -> str:
    return f' <span class="badge level">{_e(_w(lang, "escalated_badge"))}</span>'


def _needs_html(org: OrgResult, lang: str) -> str:
    must = _must_act_counts(org)
    rows = "".join(f'<tr data-intervention="{_e(n.intervention_id)}"><td>{_e(n.title)}'
                   f'{_escalated_badge(lang) if n.escalated else ""}'
                   f'</td><td class="num">{n.departments}</td>'
                   f'<td class="num" data-must-act="{must.get(n.intervention_id, 0)}">'
                   f'{must.get(n.intervention_id) or ""}</td>'
                   f'<td class="num">{_e(_share(n.share, lang))}</td></tr>'
                   for n in org.needs)
    return (f'<section class="needs"><h2>{_e(_w(lang, "needs"))}</h2><table class="needs"><thead><tr>'
            f'<th>{_e(_w(lang, "intervention"))}</th><th class="num">{_e(_w(lang, "departments"))}</th>'
            f'<th class="num">{_e(_w(lang, "must_act_col"))}</th>'
            f'<th class="num">{_e(_w(lang, "share"))}</th></tr></thead><tbody>{rows}</tbody></table></section>')


def _heat_hidden(outcome: DepartmentOutcome, dim: Dimension, band: Band, min_answers: int) -> bool:
    """A share in a department below ``min_answers`` whose band would say how many answered so: a
    negative act with a report (some cases or widespread; the cell says "reported"), and any other
    share (stress) in every band (the cell says "not shown")."""
    if not dim.share or outcome.respondents >= min_answers:
        return False
    return band.risk != "ok" if _is_act_share(dim) else True


def _heat_word(dim: Dimension, lang: str) -> str:
    """What a hidden heat-map cell says (see :func:`_heat_hidden`)."""
    return _w(lang, "heat_reported" if _is_act_share(dim) else "not_shown")


def _heat_band(outcome: DepartmentOutcome, dim: Dimension) -> Band | None:
    """The band a department's cell shows for ``dim`` (None: not measured)."""
    band_id = dict(outcome.bands).get(dim.id)
    return dim.band(band_id) if band_id else None


def _heat_hidden_cell(outcome: DepartmentOutcome, dim: Dimension, min_answers: int) -> bool:
    """Whether a heat-map cell is hidden (see :func:`_heat_hidden`): the caption then says why."""
    band = _heat_band(outcome, dim)
    return band is not None and _heat_hidden(outcome, dim, band, min_answers)


def _heat_label(outcome: DepartmentOutcome, dim: Dimension, min_answers: int, lang: str) -> str:
    """The text of a heat-map cell: the band's label, "reported" when hidden, or nothing."""
    band = _heat_band(outcome, dim)
    if band is None:
        return ""
    return _heat_word(dim, lang) if _heat_hidden(outcome, dim, band, min_answers) else band.label.get(lang)


def _heat_cell(outcome: DepartmentOutcome, dim: Dimension, lang: str, min_answers: int = MIN_ANSWERS) -> str:
    ident = _e(outcome.department_id)
    band = _heat_band(outcome, dim)
    if band is None:
        return f'<td class="cell empty" data-department="{ident}" data-dimension="{_e(dim.id)}"></td>'
    if _heat_hidden(outcome, dim, band, min_answers):
        risk = _hidden_risk(dim, 1.0)
        return (f'<td class="cell hidden-share risk-{_e(risk)}" data-department="{ident}" '
                f'data-dimension="{_e(dim.id)}" data-hidden="share">{_e(_heat_word(dim, lang))}</td>')
    return (f'<td class="cell risk-{_e(band.risk)}" data-department="{ident}" data-dimension="{_e(dim.id)}" '
            f'data-band="{_e(band.id)}" data-risk="{_e(band.risk)}">{_e(band.label.get(lang))}</td>')


def _heatmap_html(org: OrgResult, description: Description, lang: str, min_answers: int = MIN_ANSWERS) -> str:
    """Dimensions down, departments across (a page holds 30 rows more easily than 30 columns)."""
    evaluated = org.evaluated
    dims = _heat_dimensions(org, description)
    parts = [f'<section class="heatmap major"><h2>{_e(_w(lang, "heatmap"))}</h2>', _legend(lang)]
    if not evaluated or not dims:
        return "\n".join([*parts, f"<p>{_e(_w(lang, 'none_measured'))}</p></section>"])
    head = "".join(f'<th data-department="{_e(o.department_id)}">{_e(o.name or o.department_id)}</th>'
                   for o in evaluated)
    parts.append(f'<table class="heatmap"><thead><tr><th>{_e(_w(lang, "dimension"))}</th>{head}</tr></thead><tbody>')
    group = ""
    for dim in dims:
        if dim.group != group:
            group = dim.group
            parts.append(f'<tr class="group"><th colspan="{len(evaluated) + 1}">{_e(_w(lang, group))}</th></tr>')
        cells = "".join(_heat_cell(o, dim, lang, min_answers) for o in evaluated)
        parts.append(f"<tr><th>{_e(_label(dim, lang))}</th>{cells}</tr>")
    caption = _w(lang, "heat_caption")
    if any(_heat_hidden_cell(o, d, min_answers) for o in evaluated for d in dims):
        caption += " " + _w(lang, "heat_hidden").format(m=min_answers)
    parts.append(f'</tbody></table><p class="muted">{_e(caption)}</p></section>')
    return "\n".join(parts)


def _top3_html(org: OrgResult, lang: str) -> str:
    escalated = {n.intervention_id for n in org.escalated}
    rows = []
    for o in org.evaluated:
        recs = o.result.recommendations[:3] if o.result else ()
        must = o.result.must_act if o.result else ()
        items = "".join(f'<li data-intervention="{_e(r.intervention_id)}">{_e(r.title or r.intervention_id)}'
                        f'{_escalated_badge(lang) if r.intervention_id in escalated else ""}'
                        f"</li>" for r in recs)
        musts = "".join(f'<li data-intervention="{_e(m.intervention_id)}">! {_e(m.title or m.intervention_id)}'
                        f'{_escalated_badge(lang) if m.intervention_id in escalated else ""}'
                        f' <span class="muted">({_e(_hazard_titles(m))})</span></li>' for m in must)
        cell = (f'<ul class="must-act" title="{_e(_w(lang, "must_act"))}">{musts}</ul>' if musts else "") \
            + (f"<ol>{items}</ol>" if items else "" if musts else _e(_w(lang, "none")))
        rows.append(f'<tr data-department="{_e(o.department_id)}"><th>{_e(_department_title(o.name, o.department_id))}'
                    f"</th><td>{cell}</td></tr>")
    return (f'<section class="top3"><h2>{_e(_w(lang, "top3"))}</h2><table class="top3"><thead><tr>'
            f'<th>{_e(_w(lang, "department"))}</th><th>{_e(_w(lang, "intervention"))}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _refused_html(org: OrgResult, lang: str) -> str:
    if not org.refused:
        return ""
    items = "".join(f'<li data-department="{_e(o.department_id)}"><strong>'
                    f"{_e(_department_title(o.name, o.department_id))}</strong>: {_e(_refused_reason(o, lang))}</li>"
                    for o in org.refused)
    return (f'<section class="refused"><h2>{_e(_w(lang, "refused_h"))}</h2><p class="muted">'
            f'{_e(_w(lang, "refused_note"))}</p><ul class="refused">{items}</ul></section>')


def _invalid_html(org: OrgResult, lang: str) -> str:
    if not org.invalid:
        return ""
    items = "".join(f'<li data-department="{_e(o.department_id)}"><strong>'
                    f"{_e(_department_title(o.name, o.department_id))}</strong><ul>"
                    + "".join(f"<li>{_e(str(err))}</li>" for err in o.errors) + "</ul></li>" for o in org.invalid)
    return f'<section class="invalid"><h2>{_e(_w(lang, "invalid_h"))}</h2><ul class="invalid">{items}</ul></section>'


def _must_act_org_md(org: OrgResult, lang: str) -> list[str]:
    names, rows = _names(org), _hazard_counts(org)
    lines = [f"## {_w(lang, 'must_act_org')}", ""]
    if not rows:
        return [*lines, _w(lang, "no_must_act"), ""]
    lines += [f"| {_w(lang, 'hazard')} | {_w(lang, 'departments')} | {_w(lang, 'required_intervention')} | "
              f"{_w(lang, 'which')} |", "|---|---:|---|---|"]
    lines += [f"| {_md(title)} | {len(depts)} | {_md('; '.join(items))} | "
              f"{_md('; '.join(names.get(d, d) for d in depts))} |" for _, title, depts, items in rows]
    return [*lines, ""]


def _top3_md(o: DepartmentOutcome, lang: str) -> str:
    """``- **Dept:** ! Must-act item; 1. First; 2. Second …``."""
    must = o.result.must_act if o.result else ()
    recs = o.result.recommendations[:3] if o.result else ()
    items = [f"! {_md(m.title or m.intervention_id)}" for m in must]
    items += [f"{r.rank}. {_md(r.title or r.intervention_id)}" for r in recs]
    return f"- **{_md(_department_title(o.name, o.department_id))}:** " + ("; ".join(items) or _w(lang, "none"))


def _org_md(org: OrgResult, description: Description, lang: str, min_answers: int = MIN_ANSWERS) -> list[str]:
    info, names = org.ruleset, _names(org)
    lines = [f"# {_w(lang, 'org_title')}", "", _md(description.title.get(lang)), "",
             f"- **{_w(lang, 'rules')}:** {_md(info.id)} {_md(info.version)} · {_w(lang, 'fingerprint')} "
             f"`{_md(info.fingerprint)}`",
             f"- **{_w(lang, 'departments')}:** {_org_counts(org, lang)}",
             f"- **{_w(lang, 'escalation')}:** {_share(org.escalation_share, lang)}", "",
             *_must_act_org_md(org, lang), f"## {_w(lang, 'escalated')}", ""]
    if not org.escalated:
        lines += [_w(lang, "no_escalated"), ""]
    for need in org.escalated:
        lines += [f"### {_md(need.title)}", "", _md(need.reason), "",
                  f"{_w(lang, 'needed_in')}: {_md('; '.join(names.get(i, i) for i in need.department_ids))}", ""]
    must = _must_act_counts(org)
    lines += [f"## {_w(lang, 'needs')}", "", f"| {_w(lang, 'intervention')} | {_w(lang, 'departments')} | "
              f"{_w(lang, 'must_act_col')} | {_w(lang, 'share')} |", "|---|---:|---:|---:|"]
    lines += [f"| {_md(n.title)}{' (' + _w(lang, 'escalated_badge') + ')' if n.escalated else ''} | {n.departments} | "
              f"{must.get(n.intervention_id) or ''} | {_share(n.share, lang)} |" for n in org.needs]
    lines += ["", f"## {_w(lang, 'heatmap')}", ""]
    dims = _heat_dimensions(org, description)
    if org.evaluated and dims:
        lines += [f"| {_w(lang, 'dimension')} | " + " | ".join(_md(o.name or o.department_id) for o in org.evaluated)
                  + " |", "|---|" + "---|" * len(org.evaluated)]
        hidden = False
        for dim in dims:
            cells = [_heat_label(o, dim, min_answers, lang) for o in org.evaluated]
            hidden = hidden or any(_heat_hidden_cell(o, dim, min_answers) for o in org.evaluated)
            lines.append(f"| {_md(_label(dim, lang))} | " + " | ".join(_md(c) for c in cells) + " |")
        lines += ["", _w(lang, "heat_caption") + (" " + _w(lang, "heat_hidden").format(m=min_answers)
                                                   if hidden else "")]
    else:
        lines.append(_w(lang, "none_measured"))
    lines += ["", f"## {_w(lang, 'top3')}", ""]
    lines += [_top3_md(o, lang) for o in org.evaluated]
    lines.append("")
    if org.refused:
        lines += [f"## {_w(lang, 'refused_h')}", "", _w(lang, "refused_note"), ""]
        lines += [f"- **{_md(_department_title(o.name, o.department_id))}:** {_md(_refused_reason(o, lang))}"
                  for o in org.refused] + [""]
    if org.invalid:
        lines += [f"## {_w(lang, 'invalid_h')}", ""]
        for o in org.invalid:
            lines.append(f"- **{_md(_department_title(o.name, o.department_id))}**")
            lines += [f"  - {_md(str(err))}" for err in o.errors]
        lines.append("")
    return lines


def render_org_report(org: OrgResult, description: Description, fmt: str = "html",
                      min_answers: int = MIN_ANSWERS) -> str:
    """The organisation overview: the hazards departments must act on, escalated interventions,
    needs, a band heat map, each department's must-act items and top three, and the departments
    that were refused or invalid (without any of their results).

    ``min_answers`` is the rule set's ``min_answers_for_shares``: below it, a department's reported
    negative act shows as "reported" in the heat map, without its band."""
    _check_format(fmt)
    lang = org.language
    if fmt == "md":
        return "\n".join(_org_md(org, description, lang, min_answers)).rstrip() + "\n"
    body = [_org_header_html(org, description, lang), _must_act_org_html(org, lang), _escalated_html(org, lang),
            _needs_html(org, lang), _heatmap_html(org, description, lang, min_answers), _top3_html(org, lang),
            _refused_html(org, lang), _invalid_html(org, lang)]
    return _page(lang, _w(lang, "org_title"), [b for b in body if b], _ORG_STYLE)
