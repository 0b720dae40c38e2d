"""The organisation view: many departments, shared needs, escalation, refusals, and the input formats."""

from __future__ import annotations

import json

import pytest

from trivsel.client.org_input import read_departments
from trivsel.client.profiles import InputError
from trivsel.engine import Options
from trivsel.engine.organisation import analyse

from .conftest import EXAMPLES
from .test_cli import trivsel

CSV = EXAMPLES / "organisation" / "departments.csv"


def test_csv_example(recommender) -> None:
    profiles = read_departments(str(CSV))
    assert len(profiles) == 11
    org = analyse(recommender, profiles, Options())
    assert len(org.evaluated) == 10 and [d.department_id for d in org.refused] == ["direktion"]
    refused = org.refused[0]
    assert refused.result is None and refused.bands == ()  # a small group shows nothing
    counted = {n.intervention_id: n.departments for n in org.needs}
    for need in org.needs:
        actual = sum(1 for d in org.evaluated if need.intervention_id in d.result.ids + d.result.must_act_ids)
        assert need.departments == actual and need.share == pytest.approx(actual / 10)
        assert need.escalated == (actual / 10 >= 0.3)
        assert bool(need.reason) == need.escalated
    assert counted["prioritisation"] >= 3
    prod = next(d for d in org.evaluated if d.department_id == "prod-1")
    assert dict(prod.bands)["influence"] == "low" and dict(prod.bands)["work_pace"] == "high"


def test_escalation_share_is_configurable(recommender) -> None:
    profiles = read_departments(str(CSV))
    strict = analyse(recommender, profiles, Options(), escalation_share=0.9)
    loose = analyse(recommender, profiles, Options(), escalation_share=0.1)
    assert len(strict.escalated) < len(loose.escalated)


def test_folder_and_list_inputs(tmp_path) -> None:
    from_folder = read_departments(str(EXAMPLES))
    assert len(from_folder) == 8
    listing = tmp_path / "list.yaml"
    listing.write_text("departments:\n  - {department: {id: a}, respondents: 9, scores: {influence: 20}}\n"
                       "  - {department: {id: b}, respondents: 9, scores: {influence: 80}}\n", encoding="utf-8")
    assert [p.department.id for p in read_departments(str(listing))] == ["a", "b"]


def test_csv_mistakes_name_row_and_column(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("department_id,respondents,influence\nx,10,twenty\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:2: column influence: 'twenty' is not a number"):
        read_departments(str(bad))
    bad.write_text("department_name,influence\nx,10\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a 'department_id' column"):
        read_departments(str(bad))


def test_invalid_departments_are_listed_not_fatal(recommender, tmp_path) -> None:
    csv = tmp_path / "org.csv"
    csv.write_text("department_id,respondents,influence,meaning\na,10,20,30\nb,10,250,30\n", encoding="utf-8")
    org = analyse(recommender, read_departments(str(csv)), Options())
    assert [d.department_id for d in org.invalid] == ["b"]
    assert org.invalid[0].errors[0].field == "scores.influence"


def test_thousand_departments(recommender, tmp_path) -> None:
    import random

    rng = random.Random(3)
    dims = list(recommender.ruleset.dimensions)
    lines = ["department_id,department_name,respondents," + ",".join(dims)]
    for i in range(1000):
        lines.append(f"d{i},Afdeling {i},{rng.choice((3, 12, 40))}," +
                     ",".join(str(rng.randint(0, 100) if "pct" not in d and d not in
                                  ("bullying", "sexual_harassment", "violence", "threats", "conflicts",
                                   "stress_prevalence") else rng.randint(0, 30)) for d in dims))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    org = analyse(recommender, read_departments(str(path)), Options())
    assert len(org.departments) == 1000 and len(org.refused) > 200 and len(org.evaluated) > 600


def test_org_command(tmp_path) -> None:
    proc = trivsel("org", str(CSV))
    assert proc.returncode == 0
    assert "11 departments: 10 evaluated, 1 refused, 0 invalid" in proc.stdout
    assert "Raised to organisation level (≥ 30 %):" in proc.stdout
    assert "direktion Direktionssekretariat:" in proc.stdout and "below the minimum group size" in proc.stdout
    data = json.loads(trivsel("org", str(CSV), "--json", "--share", "0.5").stdout)
    assert all(n["escalated"] == (n["share"] >= 0.5) for n in data["needs"])


@pytest.mark.parametrize("dimension, value, respondents, band", [
    ("bullying", 16.7, 6, "some"),           # one person in six: not "widespread", whatever 16.7 % looks like
    ("bullying", 25.0, 100, "widespread"),   # 25 of 100: the interval's lower bound (17.5 %) is past 10 %
    ("bullying", 0.0, 6, "none"),
    ("stress_prevalence", 17.8, 30, "at_or_below_national"),  # not shown above the national level on noise
    ("influence", 20.0, 5, "low"),            # not a share: its band as it is
])
def test_overviews_show_bands_the_confidence_interval_supports(ruleset, dimension: str, value: float,
                                                               respondents: int, band: str) -> None:
    from trivsel.engine.organisation import shown_band
    assert shown_band(ruleset.dimensions[dimension], value, respondents).id == band
