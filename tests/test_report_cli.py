"""``trivsel report``: files written, formats chosen, both targets."""

from __future__ import annotations

from .conftest import EXAMPLES
from .test_cli import trivsel


def test_report_files(tmp_path) -> None:
    html, md, org = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "org.html"
    assert trivsel("report", str(EXAMPLES / "production-high-workload.yaml"), "--out", str(html)).returncode == 0
    assert trivsel("report", str(EXAMPLES / "production-high-workload.yaml"), "--out", str(md), "--lang",
                   "da").returncode == 0
    assert trivsel("report", "--org", str(EXAMPLES / "organisation" / "departments.csv"), "--out",
                   str(org)).returncode == 0
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-dimension="influence"' in page and "<script" not in page
    assert "Handleplan" in md.read_text(encoding="utf-8") and "<svg" not in md.read_text(encoding="utf-8")
    assert 'data-department="prod-1"' in org.read_text(encoding="utf-8")


def test_report_shows_the_must_act_part(tmp_path) -> None:
    out = tmp_path / "care.md"
    assert trivsel("report", str(EXAMPLES / "care-unit-emotional-demands.yaml"), "--out", str(out), "--lang",
                   "da").returncode == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "## Skal handles" in lines and lines.index("## Skal handles") < lines.index("## Handleplan")
    healthy = tmp_path / "healthy.html"
    assert trivsel("report", str(EXAMPLES / "healthy-department.yaml"), "--out", str(healthy)).returncode == 0
    page = healthy.read_text(encoding="utf-8")
    assert 'class="strengths"' in page and "Next measurement" in page


def test_report_needs_exactly_one_target() -> None:
    assert trivsel("report").returncode == 2
    assert trivsel("report", str(EXAMPLES / "partial-profile.yaml"), "--org", str(EXAMPLES)).returncode == 2
