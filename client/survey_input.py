"""Reading a survey export: CSV (UTF-8, with or without a byte-order mark, ``,`` ``;`` or tab) or XLSX.

Rows come out as text cells under the header, as engine/survey.py checks them: a number an XLSX
cell holds as 3.0 reads "3", an empty cell "". Nothing is kept beyond the call: the rows are the
respondents' answers (docs/SURVEYS.md, "Privacy").
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .profiles import InputError

__all__ = ["read_survey", "MAX_SURVEY_BYTES"]

MAX_SURVEY_BYTES = 1024 * 1024 * 1024
"""A larger file is refused before it is read (100,000 respondents × 90 items is about 20 MB)."""


def read_survey(path: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a CSV or XLSX export; ``InputError`` when it cannot be read at all."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_SURVEY_BYTES:
        raise InputError(f"{path}: larger than {MAX_SURVEY_BYTES // 1024 ** 2} MiB")
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(file)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the export as CSV UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return _read_csv(text, path)


def _read_csv(text: str, path: str) -> tuple[list[str], list[list[str]]]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}: row 1: {exc}") from None
    try:
        rows = list(reader)  # blank lines included: they keep the row numbers a spreadsheet shows
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: {exc}") from None
    return header, rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(file: Path) -> tuple[list[str], list[list[str]]]:
    import openpyxl  # only for XLSX; the import takes a while

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{file}: cannot read as XLSX: {exc}") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell(v).strip() for v in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise InputError(f"{file}: the first sheet is empty")
        width = len(header)
        out = []
        for values in rows:  # blank rows included: they keep their row numbers
            cells = [_cell(v) for v in values[:width]]
            cells += [""] * (width - len(cells))
            extra = [_cell(v) for v in values[width:]]
            out.append(cells + [c for c in extra if c.strip()] if any(c.strip() for c in extra) else cells)
        return header, out
    finally:
        book.close()
