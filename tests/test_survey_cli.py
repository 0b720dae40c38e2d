"""``trivsel score`` and ``trivsel org --instrument`` on real files: CSV in its Danish dress (a
byte-order mark, ';', decimal commas), XLSX, located errors with nothing written, and the chain into
recommend and report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from .conftest import EXAMPLES
from .test_cli import trivsel

SURVEY = EXAMPLES / "survey"


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ";", bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def _rows() -> list[list[str]]:
    """Six respondents in A: QD1 and QD2 (a person needs both: half of four) as '1,0'/'2' etc."""
    header = ["respondent_id", "department", "QD1", "QD2", "BU"]
    body = ([[f"SECRET-ID-{n}", "A", "1,0", "2", "5"] for n in range(3)]
            + [[f"SECRET-ID-{n}", "A", "3", "3.0", "1"] for n in range(3, 6)])
    return [header, *body]


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path) -> None:
    path = _write_csv(tmp_path / "answers.csv", _rows())
    out = tmp_path / "profiles"
    proc = trivsel("score", str(path), "--instrument", "copsoq3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    profile = yaml.safe_load((out / "A.yaml").read_text(encoding="utf-8"))
    # by hand: three persons at (100 + 75) / 2, three at (50 + 50) / 2
    assert profile["scores"]["quantitative_demands"] == (3 * 87.5 + 3 * 50) / 6
    assert profile["persons"]["quantitative_demands"] == 6 and profile["respondents"] == 6
    assert profile["scores"]["bullying"] == "reported"  # 3 of 6: fewer than 20 answers, not printed
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir()) + proc.stdout
    assert "SECRET-ID" not in text and "respondent_id" not in text  # ids go nowhere
    # and the profile file is the one the other commands read
    answer = trivsel("recommend", str(out / "A.yaml"), "--json")
    assert answer.returncode == 0, answer.stderr


def test_xlsx(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in _rows():
        sheet.append([int(c) if c.isdigit() else (3.0 if c == "3.0" else c) for c in row])
    book.save(tmp_path / "answers.xlsx")
    proc = trivsel("score", str(tmp_path / "answers.xlsx"), "--instrument", "copsoq3", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["profiles"][0]["scores"]["quantitative_demands"] == (3 * 87.5 + 3 * 50) / 6


def test_errors_name_file_row_and_column_and_nothing_is_written(tmp_path) -> None:
    rows = _rows()
    rows[3][2] = "7"          # row 4, QD1: outside 1–5
    rows[0][4] = "BUU"        # an unknown item column
    path = _write_csv(tmp_path / "bad.csv", rows)
    out = tmp_path / "profiles"
    proc = trivsel("score", str(path), "--instrument", "copsoq3", "--out", str(out))
    assert proc.returncode == 2
    assert f"{path}:1:BUU: the instrument 'copsoq3' has no item 'BUU'" in proc.stderr
    assert "(did you mean 'BU'?)" in proc.stderr and "nothing was written" in proc.stderr
    assert not out.exists()
    rows[0][4] = "BU"
    proc = trivsel("score", str(_write_csv(tmp_path / "bad2.csv", rows)), "--instrument", "copsoq3", "--out", str(out))
    assert proc.returncode == 2 and "bad2.csv:4:QD1: the answer is outside the coding" in proc.stderr
    assert "'7'" not in proc.stderr  # cells are not repeated (a wrong column could hold anything)
    assert not out.exists()
    proc = trivsel("score", str(tmp_path / "bad2.csv"), "--instrument", "copsoq3", "--out", str(out),
                   "--skip-bad-rows")
    assert proc.returncode == 0 and "row 4, column QD1" in proc.stdout
    assert yaml.safe_load((out / "A.yaml").read_text(encoding="utf-8"))["respondents"] == 5


def test_the_example_survey_scores_recommends_and_reports(tmp_path) -> None:
    """The README's three commands on examples/survey/."""
    common = ["--instrument", "copsoq3", "--departments", str(SURVEY / "departments.csv"), "--roll-up", "division"]
    proc = trivsel("score", str(SURVEY / "responses.csv"), *common, "--out", str(tmp_path / "p"), "--lang", "da")
    assert proc.returncode == 0, proc.stderr
    assert "natvagt (4 besvarelser)" in proc.stdout  # too small: named with its count only
    assert "division: omsorg" in proc.stdout and "afsløre en lille afdeling" in proc.stdout
    written = sorted(p.name for p in (tmp_path / "p").iterdir())
    assert "natvagt.yaml" not in written and "division-omsorg.yaml" not in written
    assert "hjemmepleje-syd.yaml" in written and "division-administration.yaml" in written
    care = yaml.safe_load((tmp_path / "p" / "hjemmepleje-syd.yaml").read_text(encoding="utf-8"))
    assert care["department"] == {"id": "hjemmepleje-syd", "name": "Hjemmeplejen Syd", "sector": "municipal-eldercare"}
    answer = trivsel("score", str(SURVEY / "responses.csv"), *common, "--recommend", "--lang", "da")
    assert answer.returncode == 0 and "Hjemmeplejen Syd (hjemmepleje-syd)" in answer.stdout
    assert "Forebyggelse af og efterværn ved vold og trusler" in answer.stdout  # threats in home care
    report = trivsel("score", str(SURVEY / "responses.csv"), *common, "--report", str(tmp_path / "r"))
    assert report.returncode == 0 and (tmp_path / "r" / "hjemmepleje-syd.html").exists()
    org = trivsel("org", str(SURVEY / "responses.csv"), *common, "--json")
    assert org.returncode == 0, org.stderr
    # departments only (a division would count its respondents twice); the small one refused
    assert {d["department_id"] for d in json.loads(org.stdout)["departments"]} == {
        "hjemmepleje-syd", "kontaktcenter", "loen", "produktion-2", "it-drift"}


def test_blank_rows_keep_the_spreadsheet_row_numbers_and_trailing_delimiters_are_fine(tmp_path) -> None:
    rows = _rows()
    rows = [[*r, ""] for r in rows]              # "…;5;" as Excel writes it: an unnamed, empty last column
    rows.insert(3, [""] * len(rows[0]))          # a blank line as row 4
    rows[5][2] = "9"                             # row 6, QD1
    proc = trivsel("score", str(_write_csv(tmp_path / "a.csv", rows)), "--instrument", "copsoq3")
    assert proc.returncode == 2 and "a.csv:6:QD1: the answer is outside the coding" in proc.stderr


def test_names_that_would_collide_or_climb_out_are_caught_before_writing(tmp_path) -> None:
    rows = [["department", "QD1", "QD2"]] + [["Ward/1", "1", "1"]] * 5 + [["ward_1", "2", "2"]] * 5
    out = tmp_path / "out"
    proc = trivsel("score", str(_write_csv(tmp_path / "a.csv", rows)), "--instrument", "copsoq3", "--out", str(out))
    assert proc.returncode == 2 and "would both be written as" in proc.stderr and not out.exists()
    rows = [["department", "../../x", "QD1", "QD2"]] + [["A", "up", "1", "1"]] * 5
    proc = trivsel("score", str(_write_csv(tmp_path / "b.csv", rows)), "--instrument", "copsoq3", "--out", str(out),
                   "--roll-up", "../../x")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["A.yaml", "x-up.yaml"]  # inside the folder


def test_a_file_with_only_a_header_is_an_error(tmp_path) -> None:
    proc = trivsel("score", str(_write_csv(tmp_path / "a.csv", [["department", "QD1"]])), "--instrument", "copsoq3")
    assert proc.returncode == 2 and "no respondent rows" in proc.stderr
