"""Read many departments: a folder of profile files, one YAML/JSON file holding a list, or a CSV.

CSV: one row per department; columns ``department_id``, ``department_name``, ``respondents``, then
dimension ids (optional columns ``invited``, ``sector``, ``measured_on``); an empty cell is a
missing value. Every mistake names the file, row and column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from trivsel.engine import Profile, ProfileError, profile_from_dict

from .profiles import InputError, read_document

__all__ = ["read_departments"]

FIXED = ("department_id", "department_name", "respondents", "invited", "sector", "measured_on")
MAX_DEPARTMENTS = 100_000


def _number(text: str, where: str, integer: bool = False) -> float | int:
    try:
        return int(text) if integer else float(text.replace(",", ".") if text.count(",") == 1 and "." not in text
                                               else text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InputError(f"{where}: '{text}' is not {kind}") from None


def _from_csv(path: Path, text: str) -> list[Profile]:
    reader = csv.reader(io.StringIO(text), delimiter=";" if text.split("\n", 1)[0].count(";") > 1 else ",")
    rows = list(reader)
    if not rows:
        raise InputError(f"{path}: empty CSV file")
    header = [h.strip() for h in rows[0]]
    for required in ("department_id", "respondents"):
        if required not in header:
            raise InputError(f"{path}:1: the CSV needs a '{required}' column")
    profiles = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}:{line}: {len(row)} cells, the header has {len(header)}")
        cells = {h: c.strip() for h, c in zip(header, row)}
        scores = {}
        for column, cell in cells.items():
            if column not in FIXED and cell != "":
                scores[column] = _number(cell, f"{path}:{line}: column {column}")
        respondents = _number(cells["respondents"], f"{path}:{line}: column respondents", integer=True)
        invited = cells.get("invited")
        data = {"department": {"id": cells["department_id"], "name": cells.get("department_name", ""),
                               "sector": cells.get("sector", "")},
                "respondents": respondents, "scores": scores,
                "invited": _number(invited, f"{path}:{line}: column invited", integer=True) if invited else None,
                "measured_on": cells.get("measured_on") or None}
        try:
            profiles.append(profile_from_dict(data))
        except ProfileError as exc:
            raise InputError(f"{path}:{line}: {exc}") from None
    return profiles


def _from_list(path: Path, data: object) -> list[Profile]:
    items = data.get("departments") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a list of profiles (or 'departments:' with a list)")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(profile_from_dict(item))
        except ProfileError as exc:
            raise InputError(f"{path}: department {i + 1}: {exc}") from None
    return out


def read_departments(source: str) -> list[Profile]:
    """Profiles from a folder, a list file (YAML/JSON) or a CSV file."""
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json", ".csv"))
        profiles: list[Profile] = []
        for file in files:
            profiles += read_departments(str(file)) if file.suffix == ".csv" else _one_or_list(file)
    elif path.suffix == ".csv":
        try:
            profiles = _from_csv(path, path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
    else:
        profiles = _one_or_list(path)
    if len(profiles) > MAX_DEPARTMENTS:
        raise InputError(f"{source}: more than {MAX_DEPARTMENTS} departments")
    if not profiles:
        raise InputError(f"{source}: no departments found")
    return profiles


def _one_or_list(path: Path) -> list[Profile]:
    data = read_document(str(path))
    if isinstance(data, dict) and "scores" in data:
        try:
            return [profile_from_dict(data)]
        except ProfileError as exc:
            raise InputError(f"{path}: {exc}") from None
    return _from_list(path, data)


