"""The printable reports (client/report.py): checked by parsing the HTML, not by eye.

The charts carry their numbers as data attributes, so the geometry can be checked against the
profile and the catalogue: a radar point lies at value/maximum of the radius from the centre, a
bar is value/maximum of the chart's width, and every band is the catalogue's band of that value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import Iterator

import pytest

from client.profiles import read_profile
from client.report import render_org_report, render_profile_report
from engine import Department, Options, Profile, Recommender
from engine.description import Description, describe
from engine.levers import levers
from engine.organisation import OrgResult, analyse
from engine.result import Result
from engine.templates import format_number

from .conftest import EXAMPLES, ROOT

CASES = ["production-high-workload", "care-unit-emotional-demands", "bullying-reports"]
LANGS = ["da", "en"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# ---------------------------------------------------------------------------------------------- a tiny DOM

@dataclasses.dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    parent: "Node | None" = None
    children: list["Node | str"] = dataclasses.field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ancestors(self) -> Iterator["Node"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag: str, cls: str | None = None) -> "Node | None":
        for node in self.ancestors():
            if node.tag == tag and (cls is None or cls in node.classes):
                return node
        return None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Iterator["Node"]:
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
    page = render_profile_report(profile, result, description, levers(recommender, profile), fmt=fmt)
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


def test_bars_have_the_right_width_and_band(report, description) -> None:
    profile, _, _, doc = report
    dims = _dims(description)
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
        band = dim.band_of(value)
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


def test_deadline_counts_from_today_without_a_measurement_date(recommender, description) -> None:
    profile = dataclasses.replace(read_profile(str(EXAMPLES / "production-high-workload.yaml")), measured_on=None)
    result = recommender.recommend(profile, Options(language="da"))
    today = dt.date(2025, 9, 1)
    doc = parse(render_profile_report(profile, result, description, None, today=today))
    cells = [n for n in doc.elements if "data-deadline" in n.attrs]
    assert [c.attrs["data-deadline"] for c in cells] == [
        (today + dt.timedelta(weeks=r.plan.follow_up_weeks)).isoformat() for r in result.recommendations]
    assert "ikke angivet" in visible_text(doc)


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


def test_evidence_sources_are_links_in_the_footer(report) -> None:
    _, result, _, doc = report
    items = [li for li in doc.find("li") if "data-source" in li.attrs]
    used = {e.id: e for r in result.recommendations for e in r.evidence}
    assert [li.attrs["data-source"] for li in items] == list(dict.fromkeys(
        e.id for r in result.recommendations for e in r.evidence))
    for li in items:
        ev = used[li.attrs["data-source"]]
        assert ev.citation in li.text()
        hrefs = [a.attrs["href"] for a in li.walk() if a.tag == "a"]
        assert hrefs == ([ev.url] if ev.url else [])


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


def test_rationale_lists_every_reason_and_condition(report) -> None:
    _, result, _, doc = report
    for rec in result.recommendations:
        article = [a for a in doc.find("article") if a.attrs.get("data-intervention") == rec.intervention_id]
        assert len(article) == 1
        reasons = [n for n in article[0].walk() if "reason" in n.classes]
        assert [r.attrs["data-rule"] for r in reasons] == [b.rule_id for b in rec.because]
        for node, reason in zip(reasons, rec.because):
            assert reason.title in node.text() and reason.text in node.text()
            conds = [li.text() for li in node.walk() if li.tag == "li"]
            assert conds == [f"{'✓' if c.holds else '✗'} {c.text}" for c in reason.conditions]


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
        assert row.startswith(f"| {rec.rank} | {rec.title} |") and f"| {due} |" in row
    dims = {d.id: d for d in description.dimensions}
    for ident, value in profile.scores.items():
        dim = dims[ident]
        star = "★ " if dim.gold_nugget else ""
        label = dim.band_of(float(value)).label.get(lang)
        assert any(f"| {star}{dim.name.get(lang)} | {format_number(float(value), lang)}" in ln and f"| {label} |" in ln
                   for ln in lines), ident


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
    return analyse(recommender, profiles + [SMALL, BROKEN], Options(language=request.param))


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
        assert {k: c.attrs["data-band"] for k, c in banded.items()} == expected
        scores = profiles[outcome.department_id].scores
        for ident, cell in banded.items():
            band = dims[ident].band_of(float(scores[ident]))
            assert cell.attrs["data-band"] == band.id and cell.attrs["data-risk"] == band.risk
            assert cell.text() == band.label.get(org.language)
            assert f"risk-{band.risk}" in cell.classes
        for cell in mine:
            if "data-band" not in cell.attrs:
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
        items = [li.attrs["data-intervention"] for li in row.walk() if li.tag == "li"]
        assert items == list(outcome.result.ids[:3])


def test_the_example_reports_in_the_docs_are_current() -> None:
    """docs/examples/ shows real output of ``trivsel report``; this fails when it has gone stale."""
    proc = subprocess.run([sys.executable, "docs/examples/regenerate.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
