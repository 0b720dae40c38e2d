"""The printable reports (client/report.py): checked by parsing the HTML, not by eye.

The charts carry their numbers as data attributes, so the geometry can be checked against the
profile and the catalogue: a radar point lies at value/maximum of the radius from the centre, a
bar is value/maximum of the chart's width, and every band is the catalogue's band of that value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from trivsel.client.profiles import read_profile
from trivsel.client.report import FORMATS, render_org_report, render_profile_report
from trivsel.engine import Department, Options, Profile, Recommender
from trivsel.engine.description import Description, describe
from trivsel.engine.levers import levers
from trivsel.engine.organisation import OrgResult, analyse
from trivsel.engine.result import Result
from trivsel.engine.templates import format_number

from . import oracles
from .conftest import EXAMPLES, ROOT

CASES = ["production-high-workload", "care-unit-emotional-demands", "bullying-reports"]
LANGS = ["da", "en"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# ---------------------------------------------------------------------------------------------- a tiny DOM

@dataclasses.dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = dataclasses.field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag: str, cls: str | None = None) -> Node | None:
        for node in self.ancestors():
            if node.tag == tag and (cls is None or cls in node.classes):
                return node
        return None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()


class Collector(HTMLParser):
    """Every element with its attributes, parent and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root
        self.elements: list[Node] = []
        self.doctype = ""

    def _node(self, tag: str, attrs: list[tuple[str, str | None]]) -> Node:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.elements.append(node)
        return node

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = self._node(tag, attrs)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._node(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent  # type: ignore[assignment]
        if node is not self.root:
            self.current = node.parent  # type: ignore[assignment]

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.elements if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


def visible_text(doc: Collector, skip: tuple[str, ...] = ("style", "head")) -> str:
    """The body's text, leaving out the elements named in ``skip``."""
    def collect(node: Node) -> Iterator[str]:
        for child in node.children:
            if isinstance(child, str):
                yield child
            elif child.tag not in skip:
                yield from collect(child)
    return " ".join(collect(doc.root))


# ---------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def description(recommender: Recommender) -> Description:
    return describe(recommender.ruleset)


def _report(recommender: Recommender, description: Description, case: str, lang: str,
            fmt: str = "html") -> tuple[Profile, Result, str]:
    profile = read_profile(str(EXAMPLES / f"{case}.yaml"))
    result = recommender.recommend(profile, Options(language=lang))
    # made the day of the measurement, so every follow-up date is the measurement date plus its interval
    page = render_profile_report(profile, result, description, levers(recommender, profile), fmt=fmt,
                                 today=profile.measured_on)
    return profile, result, page


@pytest.fixture(scope="module", params=[(c, lang) for c in CASES for lang in LANGS], ids=lambda p: f"{p[0]}-{p[1]}")
def report(request: pytest.FixtureRequest, recommender: Recommender,
           description: Description) -> tuple[Profile, Result, str, Collector]:
    case, lang = request.param
    profile, result, page = _report(recommender, description, case, lang)
    return profile, result, page, parse(page)


def _dims(description: Description) -> dict:
    return {d.id: d for d in description.dimensions}


# ---------------------------------------------------------------------------------------------- profile report

def test_radar_has_one_point_per_resource_at_the_right_distance(report, description) -> None:
    profile, _, _, doc = report
    dims = _dims(description)
    radars = doc.find("svg", "radar")
    assert len(radars) == 1
    svg = radars[0]
    assert svg.attrs.get("role") == "img" and svg.attrs.get("aria-label")
    cx, cy, radius = (float(svg.attrs[k]) for k in ("data-cx", "data-cy", "data-radius"))
    points = [n for n in svg.walk() if n.tag == "circle" and "radar-point" in n.classes]
    resources = {k: v for k, v in profile.scores.items() if dims[k].group == "resource"}
    assert sorted(p.attrs["data-dimension"] for p in points) == sorted(resources)  # one each, no strays
    for point in points:
        dim = dims[point.attrs["data-dimension"]]
        value = resources[dim.id]
        assert float(point.attrs["data-value"]) == pytest.approx(float(value), abs=1e-9)
        distance = math.hypot(float(point.attrs["cx"]) - cx, float(point.attrs["cy"]) - cy)
        assert distance == pytest.approx(value / dim.maximum * radius, abs=0.5), dim.id
    order = [dims[p.attrs["data-dimension"]].gold_nugget for p in points]
    assert order == sorted(order, reverse=True), "gold nuggets come first"
    gold = sum(1 for k in resources if dims[k].gold_nugget)
    assert svg.text().count("★") == gold


def test_bars_have_the_right_width_and_band(report, description, recommender) -> None:
    profile, _, _, doc = report
    dims = dict(recommender.view_for_profile(profile).ruleset.dimensions)  # the bands of the department's sector
    bars = doc.find("rect", "bar")
    shown = [b.attrs["data-dimension"] for b in bars]
    expected = [k for k in profile.scores if dims[k].group != "resource"]
    assert sorted(shown) == sorted(expected)
    demands = [k for k in profile.scores if dims[k].group == "demand"]
    assert demands, "every example has demands"
    for bar in bars:
        dim = dims[bar.attrs["data-dimension"]]
        value = float(profile.scores[dim.id])
        svg = bar.closest("svg", "bars")
        assert svg is not None
        width = float(svg.attrs["data-width"])
        assert float(bar.attrs["width"]) == pytest.approx(value / dim.maximum * width, abs=0.5), dim.id
        band = oracles.band_of(dim, value)  # from the catalogue's bounds, not the code under test
        assert bar.attrs["data-band"] == band.id, dim.id
        assert bar.attrs["data-risk"] == band.risk, dim.id
        assert float(bar.attrs["data-value"]) == pytest.approx(value)
    demand_svgs = {id(b.closest("svg", "bars")) for b in bars if dims[b.attrs["data-dimension"]].group == "demand"}
    assert len(demand_svgs) == 1, "the demands share one chart"
    if "quantitative_demands" in profile.scores:  # a gold nugget that is a demand: starred in the bar chart
        svg = next(b for b in bars if b.attrs["data-dimension"] == "quantitative_demands").closest("svg", "bars")
        assert "★" in svg.text()


def test_plan_rows_follow_the_ranking_with_deadlines(report, recommender) -> None:
    profile, result, _, doc = report
    rows = [r for r in doc.find("tr") if "data-intervention" in r.attrs and r.closest("table", "plan")]
    assert [r.attrs["data-intervention"] for r in rows] == list(result.ids)
    assert result.ids, "every example gets recommendations"
    for row, rec in zip(rows, result.recommendations):
        weeks = recommender.ruleset.interventions[rec.intervention_id].plan.follow_up_weeks
        due = (profile.measured_on + dt.timedelta(weeks=weeks)).isoformat()
        cells = [c for c in row.walk() if c.tag == "td"]
        assert cells[0].text().strip() == str(rec.rank)
        deadline = [c for c in cells if "data-deadline" in c.attrs]
        assert len(deadline) == 1 and deadline[0].attrs["data-deadline"] == due
        assert due in deadline[0].text()
        assert rec.title in row.text() and rec.plan.goal in row.text() and rec.plan.owner in row.text()
        assert rec.plan.evaluation in row.text()
        # a second answer carries ² (it ranks with a third of its score), and only a second answer
        assert ("²" in row.text()) == rec.second_answer
    notes = [p for p in doc.find("p") if "second-note" in p.attrs.get("class", "")]
    assert len(notes) == (1 if any(r.second_answer for r in result.recommendations) else 0)


def test_deadline_counts_from_today_without_a_measurement_date(recommender, description) -> None:
    profile = dataclasses.replace(read_profile(str(EXAMPLES / "production-high-workload.yaml")), measured_on=None)
    result = recommender.recommend(profile, Options(language="da"))
    today = dt.date(2025, 9, 1)
    doc = parse(render_profile_report(profile, result, description, None, today=today))
    cells = [n for n in doc.elements if "data-deadline" in n.attrs]
    assert [c.attrs["data-deadline"] for c in cells] == [
        (today + dt.timedelta(weeks=r.plan.follow_up_weeks)).isoformat()
        for r in (*result.must_act, *result.recommendations)]
    assert "ikke angivet" in visible_text(doc)


def test_a_passed_deadline_counts_from_the_reports_date(recommender, description) -> None:
    """A plan made long after the survey: a follow-up date already passed would be no deadline, so it
    counts from the report's date, and the caption says so."""
    profile = read_profile(str(EXAMPLES / "production-high-workload.yaml"))  # measured 2025-05-01
    result = recommender.recommend(profile, Options(language="da"))
    today = dt.date(2025, 7, 1)  # past the 6- and 8-week deadlines, within the longer ones
    doc = parse(render_profile_report(profile, result, description, None, today=today))
    cells = {n.closest("tr").attrs.get("data-intervention"): n.attrs["data-deadline"]
             for n in doc.elements if "data-deadline" in n.attrs and n.closest("tr") is not None}
    for rec in result.recommendations:
        due = profile.measured_on + dt.timedelta(weeks=rec.plan.follow_up_weeks)
        expected = due if due >= today else today + dt.timedelta(weeks=rec.plan.follow_up_weeks)
        assert cells[rec.intervention_id] == expected.isoformat(), rec.intervention_id
    assert len(set(cells.values())) > 1 and "regnes den fra rapportens dato (2025-07-01)" in visible_text(doc)


def test_page_is_self_contained_and_printable(report) -> None:
    profile, result, page, doc = report
    lang = result.language
    assert doc.doctype.lower() == "doctype html"
    html_el = doc.find("html")
    assert len(html_el) == 1 and html_el[0].attrs.get("lang") == lang
    assert any(m.attrs.get("charset", "").lower() == "utf-8" for m in doc.find("meta"))
    titles = [t for t in doc.find("title") if t.closest("head")]
    assert len(titles) == 1 and profile.department.name in titles[0].text()
    styles = doc.find("style")
    assert len(styles) == 1 and "@media print" in styles[0].text()
    assert "url(" not in styles[0].text() and "@import" not in styles[0].text()
    for tag in ("script", "link", "img", "iframe", "object", "embed", "image", "use"):
        assert not doc.find(tag), tag
    assert "<script" not in page.lower() and "src=" not in page.lower()
    for node in doc.elements:
        assert "src" not in node.attrs and "srcset" not in node.attrs
        assert not any(k.startswith("on") for k in node.attrs), "no event handlers"
        for key, value in node.attrs.items():
            if not (node.tag == "a" and key == "href"):
                assert "http" not in value.lower(), (node.tag, key, value)
    assert "http" not in visible_text(doc, skip=()).lower()
    assert "http" not in re.sub(r'<a href="[^"]*"', "", page).lower()


def test_evidence_sources_are_links_in_the_footer(report, ruleset, recommender) -> None:
    profile, result, _, doc = report
    items = [li for li in doc.find("li") if "data-source" in li.attrs]
    every = (*result.must_act, *result.recommendations)  # the must-act items' sources first
    evidence = list(dict.fromkeys(e.id for r in every for e in r.evidence))
    # then what the department is compared with (its sector's absence figure) and the APV duties
    sector = ruleset.sectors[recommender.check(profile).sector] if "sickness_absence_pct" in profile.scores else None
    extra = ([sector.references["sickness_absence_pct"].source] if sector else []) + ["aml-15a"]
    assert [li.attrs["data-source"] for li in items] == evidence + [e for e in extra if e not in evidence]
    for li in items:
        source = ruleset.sources[li.attrs["data-source"]]
        assert source.citation in li.text()
        hrefs = [a.attrs["href"] for a in li.walk() if a.tag == "a"]
        assert hrefs == ([source.url] if source.url else [])



def test_labels_and_numbers_are_in_the_answers_language(report) -> None:
    profile, result, _, doc = report
    text = visible_text(doc)
    lang = result.language
    words = {"da": ["Handleplan", "Begrundelse", "Ressourcer", "Krav", "Besvarelser", "Måledato", "Regelsæt",
                    "Følg op senest", "Kilder"],
             "en": ["Action plan", "Rationale", "Resources", "Demands", "Respondents", "Measured on", "Rule set",
                    "Follow up by", "Sources"]}[lang]
    for word in words:
        assert word in text, word
    other = {"da": "Action plan", "en": "Handleplan"}[lang]
    assert other not in text
    fractional = [v for v in profile.scores.values() if float(v) != int(v)]
    for value in fractional:
        assert format_number(value, lang) in text
    charts = " ".join(n.text() for n in doc.find("svg")) + " ".join(t.text() for t in doc.find("table"))
    if lang == "da":
        assert not re.search(r"\d\.\d", charts), "Danish numbers use a decimal comma"
        body = visible_text(doc, skip=("style", "head", "header"))
        assert not re.search(r"\d\.\d", body)
    else:
        assert not re.search(r"\d,\d", charts)


def _mark(cond) -> str:
    return "≈" if cond.holds and cond.borderline else ("✓" if cond.holds else "✗")


def test_rationale_lists_every_reason_and_condition(report) -> None:
    _, result, _, doc = report
    section = doc.find("section", "rationale")[0]
    articles = [a for a in section.walk() if a.tag == "article"]
    every = (*result.must_act, *result.recommendations)
    assert [a.attrs["data-intervention"] for a in articles] == [r.intervention_id for r in every], \
        "the must-act items first, then the ranked ones"
    for article, rec in zip(articles, every):
        must = rec in result.must_act
        assert ("must-reason" in article.classes) == must
        heading = next(n for n in article.walk() if n.tag == "h3").text()
        assert heading.startswith(f"!{rec.rank}. " if must else f"{rec.rank}. ")
        reasons = [n for n in article.walk() if "reason" in n.classes]
        assert [r.attrs["data-rule"] for r in reasons] == [b.rule_id for b in rec.because]
        for node, reason in zip(reasons, rec.because):
            assert reason.title in node.text() and reason.text in node.text()
            conds = [li.text() for li in node.walk() if li.tag == "li"]
            assert conds == [f"{_mark(c)} {c.text}" for c in reason.conditions]


def test_levers_show_only_those_that_lower_the_risk(recommender, description) -> None:
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    result = recommender.recommend(profile, Options(language="en"))
    report = levers(recommender, profile)
    doc = parse(render_profile_report(profile, result, description, report))
    useful = [lv for lv in report.levers if lv.reduction > 0]
    assert useful and len(useful) < len(report.levers)
    rows = [r for r in doc.find("tr") if r.closest("table", "levers") and "data-dimension" in r.attrs]
    assert [r.attrs["data-dimension"] for r in rows] == [lv.dimensions[0] for lv in useful]
    for row, lever in zip(rows, useful):
        assert f"{len(lever.no_longer_needed)} of {len(report.listed)} recommendations no longer needed" in row.text()
    assert report.best_pair is not None and doc.find(cls="best-pair")
    without = parse(render_profile_report(profile, result, description, None))
    assert not without.find("section", "levers")


def test_text_is_escaped(recommender, description) -> None:
    base = read_profile(str(EXAMPLES / "production-high-workload.yaml"))
    evil = '<script>alert("x")</script> & <b>'
    profile = dataclasses.replace(base, department=Department("prod-3", evil))
    result = recommender.recommend(profile, Options(language="en"))
    for fmt in ("html", "md"):
        page = render_profile_report(profile, result, description, None, fmt=fmt)
        assert not re.search(r"(?<!\\)<(script|b>)", page), fmt
    doc = parse(render_profile_report(profile, result, description, None))
    assert not doc.find("script") and not doc.find("b")
    assert evil in visible_text(doc)


def test_unknown_format_is_refused(recommender, description) -> None:
    profile = read_profile(str(EXAMPLES / "production-high-workload.yaml"))
    result = recommender.recommend(profile, Options())
    with pytest.raises(ValueError):
        render_profile_report(profile, result, description, None, fmt="pdf")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_markdown_has_the_plan_rows_and_no_charts(recommender, description, case: str, lang: str) -> None:
    profile, result, md = _report(recommender, description, case, lang, fmt="md")
    assert "<svg" not in md and "<" not in md.replace("\\<", "").replace("<https://", "")
    lines = md.splitlines()
    assert ("## Handleplan" if lang == "da" else "## Action plan") in lines
    rows = [ln for ln in lines if re.match(r"\| \d+ \| ", ln)]
    assert len(rows) == len(result.recommendations)
    for row, rec in zip(rows, result.recommendations):
        due = (profile.measured_on + dt.timedelta(weeks=rec.plan.follow_up_weeks)).isoformat()
        mark = " ²" if rec.second_answer else ""
        assert row.startswith(f"| {rec.rank} | {rec.title}{mark} |") and f"| {due} |" in row
    dims = dict(recommender.view_for_profile(profile).ruleset.dimensions)  # the bands of the department's sector
    for ident, value in profile.scores.items():
        dim = dims[ident]
        star = "★ " if dim.gold_nugget else ""
        label = oracles.band_of(dim, float(value)).label.get(lang)
        assert any(f"| {star}{dim.name.get(lang)} | {format_number(float(value), lang)}" in ln and f"| {label} |" in ln
                   for ln in lines), ident


# ---------------------------------------------------------------------------------------------- must act, privacy

@pytest.mark.parametrize("lang", LANGS)
def test_must_act_section_comes_first_for_the_care_unit(recommender, description, lang: str) -> None:
    profile, result, page = _report(recommender, description, "care-unit-emotional-demands", lang)
    assert result.must_act and result.must_act[0].intervention_id == "violence-prevention"
    doc = parse(page)
    sections = [n for n in doc.find("section") if n.classes & {"must-act", "plan", "rationale"}]
    assert [n.attrs["class"].split()[0] for n in sections] == ["must-act", "plan", "rationale"]
    section = sections[0]
    heading = next(n for n in section.walk() if n.tag == "h2").text()
    assert heading == {"da": "Skal handles", "en": "Must act"}[lang]
    cards = [a for a in section.walk() if a.tag == "article"]
    assert [c.attrs["data-intervention"] for c in cards] == list(result.must_act_ids)
    assert all("must" in c.classes for c in cards)
    for card, item in zip(cards, result.must_act):
        text = card.text()
        assert item.title in text and f"!{item.rank}." in text
        for hazard in item.hazards:
            assert hazard.title in text and hazard.legal_basis in text
        due = (profile.measured_on + dt.timedelta(weeks=item.plan.follow_up_weeks)).isoformat()
        dates = [n for n in card.walk() if "data-deadline" in n.attrs]
        assert len(dates) == 1 and dates[0].attrs["data-deadline"] == due and due in dates[0].text()
        for part in (item.plan.goal, item.plan.owner, item.plan.evaluation):
            assert part in text
    must = set(result.must_act_ids)
    plan_rows = [r for r in doc.find("tr") if "data-intervention" in r.attrs and r.closest("table", "plan")]
    assert not must & {r.attrs["data-intervention"] for r in plan_rows}, "never repeated in the ranked plan"
    sources = [li.attrs["data-source"] for li in doc.find("li") if "data-source" in li.attrs]
    assert {e.id for e in result.must_act[0].evidence} <= set(sources)
    md = render_profile_report(profile, result, description, None, fmt="md", today=profile.measured_on)
    lines = md.splitlines()
    head = "## " + {"da": "Skal handles", "en": "Must act"}[lang]
    plan = "## " + {"da": "Handleplan", "en": "Action plan"}[lang]
    assert head in lines and lines.index(head) < lines.index(plan)
    assert f"### !1. {result.must_act[0].title}" in lines
    for item in result.must_act:
        due = (profile.measured_on + dt.timedelta(weeks=item.plan.follow_up_weeks)).isoformat()
        assert due in md and item.plan.goal in md and all(h.legal_basis in md for h in item.hazards)


def test_borderline_conditions_show_an_approximately_sign(recommender, description) -> None:
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    result = recommender.recommend(profile, Options(language="da"))

    def borderline(rec):
        first, *rest = rec.because
        cond = first.conditions[0]._replace(holds=True, borderline=True)
        return rec._replace(because=(first._replace(conditions=(cond, *first.conditions[1:])), *rest))

    result = result._replace(must_act=(borderline(result.must_act[0]), *result.must_act[1:]),
                             recommendations=(borderline(result.recommendations[0]), *result.recommendations[1:]))
    expected = [(r.intervention_id, c.text) for r in (*result.must_act, *result.recommendations)
                for b in r.because for c in b.conditions if c.holds and c.borderline]
    doc = parse(render_profile_report(profile, result, description, None))
    marked = list(doc.find("li", "borderline"))
    assert [(li.closest("article").attrs["data-intervention"], li.text()) for li in marked] == [
        (ident, f"≈ {text}") for ident, text in expected]
    assert {result.must_act[0].intervention_id, result.recommendations[0].intervention_id} <= {i for i, _ in expected}
    md = render_profile_report(profile, result, description, None, fmt="md")
    assert sum(1 for ln in md.splitlines() if ln.startswith("  - ≈ ")) == len(expected)


def _small_team(bullying: float) -> Profile:
    base = read_profile(str(EXAMPLES / "healthy-department.yaml"))
    return dataclasses.replace(base, respondents=6, invited=7, scores={**base.scores, "bullying": bullying})


@pytest.mark.parametrize("lang", LANGS)
def test_a_small_teams_negative_act_share_is_never_shown(recommender, description, lang: str) -> None:
    """One report in a team of six is 16.7 %: as a number, a bar or a band it would point to a person."""
    profile = _small_team(16.7)
    result = recommender.recommend(profile, Options(language=lang))
    assert result.recommendations or result.must_act, "the report has rationale and levers to leak through"
    report = levers(recommender, profile)
    # no lever on the hidden share (its current value would show); the rest of the report can still leak
    assert not any("bullying" in lv.dimensions for lv in report.levers)
    for fmt in FORMATS:
        page = render_profile_report(profile, result, description, report, fmt=fmt)
        for secret in ("16.7", "16,7", "udbredt", "widespread"):
            assert secret not in page, (fmt, secret)
    doc = parse(render_profile_report(profile, result, description, report))
    assert not [b for b in doc.find("rect", "bar") if b.attrs["data-dimension"] in ("bullying", "conflicts")]
    shown = {g.attrs["data-dimension"]: g for g in doc.find("g", "hidden-share")}
    reported = {"da": "rapporteret af mindst én af de svarende", "en": "reported by at least one respondent"}[lang]
    nothing = {"da": "ingen rapporteret", "en": "none reported"}[lang]
    assert shown["bullying"].text() == reported and shown["violence"].text() == nothing
    assert all("data-value" not in n.attrs for g in shown.values() for n in (g, *g.walk()))
    md = render_profile_report(profile, result, description, report, fmt="md")
    row = next(ln for ln in md.splitlines() if ln.startswith("| ") and "| " + {
        "da": "Mobning", "en": "Bullying"}[lang] + " |" in ln)
    assert reported in row and not re.search(r"\d", row)


@pytest.mark.parametrize("lang", LANGS)
def test_a_small_teams_stress_share_is_never_shown(recommender, description, lang: str) -> None:
    """Four stressed of six is 66.7 %: health information about colleagues everyone knows. The
    stress rules still fire (the lower bound, 30 %, is past the national 17.7 %), but no text, bar,
    band or colour may carry the share (RANKING.md, "Small groups")."""
    base = read_profile(str(EXAMPLES / "healthy-department.yaml"))
    profile = dataclasses.replace(base, respondents=6, invited=7, scores={**base.scores, "stress_prevalence": 66.7})
    result = recommender.recommend(profile, Options(language=lang))
    assert "stress-above-national" in result.fired_rules, "the finding the advice rests on is kept"
    report = levers(recommender, profile)
    assert not any("stress_prevalence" in lv.dimensions for lv in report.levers)
    for fmt in FORMATS:
        page = render_profile_report(profile, result, description, report, fmt=fmt)
        for secret in ("66.7", "66,7"):
            assert secret not in page, (fmt, secret)
    doc = parse(render_profile_report(profile, result, description, report))
    assert not [b for b in doc.find("rect", "bar") if b.attrs["data-dimension"] == "stress_prevalence"]
    hidden = {g.attrs["data-dimension"]: g for g in doc.find("g", "hidden-share")}
    word = {"da": "vises ikke", "en": "not shown"}[lang]
    assert hidden["stress_prevalence"].text() == word
    assert hidden["stress_prevalence"].attrs["data-risk"] == "not_shown", "a risk colour would give the band away"
    md = render_profile_report(profile, result, description, report, fmt="md")
    row = next(ln for ln in md.splitlines() if ln.startswith("| ") and "| " + {
        "da": "Andel stressede", "en": "Stress prevalence"}[lang] + " |" in ln)
    assert word in row and not re.search(r"\d", row)


def test_the_minimum_of_answers_is_the_rule_sets(recommender, description) -> None:
    """With 24 respondents the care unit's shares are shown; a rule set asking for 30 hides them."""
    profile = read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))
    result = recommender.recommend(profile, Options(language="en"))
    shown = parse(render_profile_report(profile, result, description, None))
    assert {b.attrs["data-dimension"] for b in shown.find("rect", "bar")} >= {"violence", "threats"}
    hidden = parse(render_profile_report(profile, result, description, None, min_answers=30))
    assert not {b.attrs["data-dimension"] for b in hidden.find("rect", "bar")} & {"violence", "threats", "bullying"}
    assert {g.attrs["data-dimension"] for g in hidden.find("g", "hidden-share")} >= {"violence", "threats"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_healthy_department_shows_its_strengths_and_next_measurement(recommender, description,
                                                                        lang: str) -> None:
    from trivsel.engine.strengths import KEEP

    profile = read_profile(str(EXAMPLES / "healthy-department.yaml"))
    result = recommender.recommend(profile, Options(language=lang))
    assert not result.recommendations and not result.must_act
    assert result.strengths and result.next_measurement
    day = profile.measured_on  # made the day of the measurement: the next one lies ahead
    doc = parse(render_profile_report(profile, result, description, levers(recommender, profile), today=day))
    section = doc.find("section", "strengths")
    assert len(section) == 1
    heading = next(n for n in section[0].walk() if n.tag == "h2").text()
    assert heading == {"da": "Styrker at holde fast i", "en": "Strengths to keep"}[lang]
    items = [li for li in section[0].walk() if li.tag == "li"]
    assert [li.text() for li in items] == [s.text for s in result.strengths]
    assert KEEP.get(lang) in section[0].text()
    nxt = [n for n in section[0].walk() if "next" in n.classes]
    word = {"da": "Næste måling", "en": "Next measurement"}[lang]
    assert len(nxt) == 1 and nxt[0].text() == f"{word}: {result.next_measurement}"
    assert not doc.find("section", "must-act") and not doc.find("section", "rationale")
    md = render_profile_report(profile, result, description, None, fmt="md", today=day)
    assert f"## {heading}" in md and KEEP.get(lang) in md and f"**{word}:** {result.next_measurement}" in md
    assert all(s.text in md for s in result.strengths)


# ---------------------------------------------------------------------------------------------- organisation

SMALL = Profile(Department("lille-team", "Det lille team"), 3, {"influence": 41.5, "bullying": 33.3},
                measured_on=dt.date(2025, 5, 1))
BROKEN = Profile(Department("forkert", "Forkert profil"), 20, {"influenze": 50})


def _examples() -> list[Profile]:
    return [read_profile(str(p)) for p in sorted(EXAMPLES.glob("*.yaml"))]


@pytest.fixture(scope="module", params=LANGS)
def org(request: pytest.FixtureRequest, recommender: Recommender) -> OrgResult:
    profiles = _examples()
    assert len(profiles) == 8
    return analyse(recommender, [*profiles, SMALL, BROKEN], Options(language=request.param))


def test_heat_map_cells_are_the_catalogue_bands(org: OrgResult, description: Description) -> None:
    doc = parse(render_org_report(org, description))
    dims = _dims(description)
    cells = [c for c in doc.find("td", "cell") if c.closest("table", "heatmap")]
    profiles = {p.department.id: p for p in _examples()}
    present = {ident for o in org.evaluated for ident, _ in o.bands}
    assert len(cells) == len(org.evaluated) * len(present), "a full grid"
    for outcome in org.evaluated:
        mine = [c for c in cells if c.attrs["data-department"] == outcome.department_id]
        banded = {c.attrs["data-dimension"]: c for c in mine if "data-band" in c.attrs}
        expected = dict(outcome.bands)
        assert {k: c.attrs["data-band"] for k, c in banded.items()} == {
            k: v for k, v in expected.items() if k in banded}
        hidden = {c.attrs["data-dimension"]: c for c in mine if c.attrs.get("data-hidden") == "share"}
        small = profiles[outcome.department_id].respondents < 20
        for ident, band_id in expected.items():
            dim = dims[ident]
            band = dim.band(band_id)
            # RANKING.md "Small groups": below 20 answers a negative act's band shows only when
            # nothing was reported, and another share's (stress) never
            if small and dim.share and (dim.group != "negative_act" or band.risk != "ok"):
                assert ident in hidden and ident not in banded, (outcome.department_id, ident)
                continue
            cell = banded[ident]
            assert cell.attrs["data-risk"] == band.risk
            assert cell.text() == band.label.get(org.language)
            assert f"risk-{band.risk}" in cell.classes
        for ident, cell in hidden.items():  # a band, not even "widespread", would hint at how many
            act = dims[ident].group == "negative_act"
            assert cell.text() == {("da", True): "rapporteret", ("en", True): "reported",
                                   ("da", False): "vises ikke", ("en", False): "not shown"}[(org.language, act)]
            assert "data-band" not in cell.attrs and not re.search(r"\d", cell.text())
            assert act or "risk-not_shown" in cell.classes, "a stress colour would give its band away"
        for cell in mine:
            if "data-band" not in cell.attrs and "data-hidden" not in cell.attrs:
                assert cell.attrs["data-dimension"] not in expected and cell.text() == ""


def test_refused_department_is_listed_without_any_result(org: OrgResult, description: Description) -> None:
    for fmt in ("html", "md"):
        page = render_org_report(org, description, fmt=fmt)
        for secret in ("41,5", "41.5", "33,3", "33.3"):
            assert secret not in page, (fmt, secret)
        assert "Det lille team" in page
    doc = parse(render_org_report(org, description))
    assert [o.department_id for o in org.refused] == ["lille-team"]
    marked = [n for n in doc.elements if n.attrs.get("data-department") == "lille-team"]
    assert len(marked) == 1 and marked[0].tag == "li" and marked[0].closest("ul", "refused")
    assert "3" in marked[0].text()
    assert not [c for c in doc.find("td", "cell") if c.attrs.get("data-department") == "lille-team"]
    heads = " ".join(th.text() for th in doc.find("th"))
    assert "Det lille team" not in heads


def test_invalid_department_is_listed_with_its_errors(org: OrgResult, description: Description) -> None:
    doc = parse(render_org_report(org, description))
    items = [n for n in doc.find("li") if n.attrs.get("data-department") == "forkert"]
    assert len(items) == 1 and items[0].closest("ul", "invalid")
    assert "scores.influenze" in items[0].text() and "influence" in items[0].text()


def test_escalated_interventions_appear_with_their_reason(org: OrgResult, description: Description) -> None:
    assert org.escalated
    doc = parse(render_org_report(org, description))
    section = doc.find("section", "escalated")[0]
    articles = [a for a in section.walk() if a.tag == "article"]
    assert [a.attrs["data-intervention"] for a in articles] == [n.intervention_id for n in org.escalated]
    for article, need in zip(articles, org.escalated):
        assert need.title in article.text() and need.reason in article.text()
    needs = [r for r in doc.find("tr") if r.closest("table", "needs") and "data-intervention" in r.attrs]
    assert [r.attrs["data-intervention"] for r in needs] == [n.intervention_id for n in org.needs]
    for row, need in zip(needs, org.needs):
        assert row.text().count(str(need.departments)) >= 1
        assert f"{format_number(round(need.share * 100, 1), org.language)} %" in row.text()
    md = render_org_report(org, description, fmt="md")
    assert "<svg" not in md
    for need in org.escalated:
        assert need.reason in md


def test_org_page_is_self_contained_and_in_language(org: OrgResult, description: Description) -> None:
    page = render_org_report(org, description)
    doc = parse(page)
    assert doc.find("html")[0].attrs["lang"] == org.language
    assert not doc.find("script") and not doc.find("link") and "src=" not in page
    assert "http" not in page.lower()
    text = visible_text(doc)
    word = {"da": "Løftet til organisationsniveau", "en": "Raised to organisation level"}[org.language]
    assert word in text
    top = [r for r in doc.find("tr") if r.closest("table", "top3") and "data-department" in r.attrs]
    assert [r.attrs["data-department"] for r in top] == [o.department_id for o in org.evaluated]
    for row, outcome in zip(top, org.evaluated):
        ranked = [li.attrs["data-intervention"] for li in row.walk() if li.tag == "li" and li.closest("ol")]
        assert ranked == list(outcome.result.ids[:3])
        must = [li for li in row.walk() if li.tag == "li" and li.closest("ul", "must-act")]
        assert [li.attrs["data-intervention"] for li in must] == list(outcome.result.must_act_ids)
        assert all(li.text().startswith("! ") for li in must)


def test_org_report_counts_the_hazards_departments_must_act_on(org: OrgResult, description: Description) -> None:
    hazards: dict[str, set[str]] = {}
    must: dict[str, int] = {}
    for outcome in org.evaluated:
        for item in outcome.result.must_act:
            must[item.intervention_id] = must.get(item.intervention_id, 0) + 1
            for hazard in item.hazards:
                hazards.setdefault(hazard.id, set()).add(outcome.department_id)
    assert hazards, "the examples show hazards the law names"
    doc = parse(render_org_report(org, description))
    section = doc.find("section", "must-act-org")
    assert len(section) == 1
    sections = [n.attrs["class"] for n in doc.find("section")]
    assert sections.index("must-act-org") < sections.index("escalated")
    rows = {r.attrs["data-hazard"]: r for r in section[0].walk() if r.tag == "tr" and "data-hazard" in r.attrs}
    assert set(rows) == set(hazards)
    for ident, row in rows.items():
        cells = [c for c in row.walk() if c.tag == "td"]
        assert cells[1].text() == str(len(hazards[ident]))
    counts = [len(hazards[r.attrs["data-hazard"]]) for r in section[0].walk() if "data-hazard" in r.attrs]
    assert counts == sorted(counts, reverse=True), "the most widespread hazard first"
    needs = {r.attrs["data-intervention"]: r for r in doc.find("tr") if r.closest("table", "needs")
             and "data-intervention" in r.attrs}
    for ident, row in needs.items():
        cell = next(c for c in row.walk() if "data-must-act" in c.attrs)
        assert int(cell.attrs["data-must-act"]) == must.get(ident, 0)
        need = next(n for n in org.needs if n.intervention_id == ident)
        assert need.departments >= must.get(ident, 0), "Need counts must-act ids with the ranked ones"
    md = render_org_report(org, description, fmt="md")
    heading = {"da": "## Skal handles på tværs af afdelingerne", "en": "## Must act across departments"}[org.language]
    assert heading in md.splitlines()
    for outcome in org.evaluated:
        line = next(ln for ln in md.splitlines() if ln.startswith(f"- **{outcome.name}"))
        assert line.count("! ") == len(outcome.result.must_act)


def test_org_heat_map_hides_a_small_departments_negative_acts(recommender, description) -> None:
    small = _small_team(16.7)
    for lang in LANGS:
        org = analyse(recommender, [small, read_profile(str(EXAMPLES / "care-unit-emotional-demands.yaml"))],
                      Options(language=lang))
        page = render_org_report(org, description)
        doc = parse(page)
        cell = [c for c in doc.find("td", "cell") if c.attrs.get("data-department") == small.department.id
                and c.attrs["data-dimension"] == "bullying"]
        assert len(cell) == 1 and cell[0].attrs.get("data-hidden") == "share" and "data-band" not in cell[0].attrs
        assert cell[0].text() == {"da": "rapporteret", "en": "reported"}[lang]
        care = [c for c in doc.find("td", "cell") if c.attrs.get("data-department") == "pleje-b"
                and c.attrs["data-dimension"] == "violence"]
        assert "data-band" in care[0].attrs, "24 respondents: the band is shown"
        for fmt in FORMATS:
            text = render_org_report(org, description, fmt=fmt)
            assert "16.7" not in text and "16,7" not in text


def test_a_stale_example_report_shows_what_changed_and_is_not_rewritten() -> None:
    """A failing golden check must say what changed, and only ``--write`` rewrites (rewriting on a
    hint would bless a regression): the diff names the changed line, the file is untouched."""
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "docs" / "examples" / "regenerate.py")
    assert spec is not None and spec.loader is not None
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    old = b"<h1>Report</h1>\n<p>influence 28 (low)</p>\n<p>end</p>\n"
    new = b"<h1>Report</h1>\n<p>influence 28 (high)</p>\n<p>end</p>\n"
    diff = regenerate.difference("x.html", old, new)
    assert "-<p>influence 28 (low)</p>" in diff and "+<p>influence 28 (high)</p>" in diff
    usage = subprocess.run([sys.executable, "docs/examples/regenerate.py", "--update"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "--write" in usage.stderr


def test_the_example_reports_in_the_docs_are_current() -> None:
    """docs/examples/ shows real output of ``trivsel report``; this fails when it has gone stale."""
    proc = subprocess.run([sys.executable, "docs/examples/regenerate.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
