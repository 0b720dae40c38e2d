"""``trivsel score``: a survey export in, department profiles out — and on into recommend or report.

Scoring runs here, on the rules folder's instruments (engine/survey.py); recommendations and reports
come from the usual back end (embedded, or a server with ``--server``). Nothing is written while any
problem remains, unless ``--skip-bad-rows``; then every skipped row is listed. A refused (small)
department is named with its count only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import yaml

from trivsel.api.escape import escape
from trivsel.engine import load_ruleset
from trivsel.engine.bundled import default_rules_folder
from trivsel.engine.instruments import Instrument
from trivsel.engine.model import RuleSet
from trivsel.engine.suggestions import did_you_mean
from trivsel.engine.survey import ScoredUnit, SurveyError, SurveyResult, SurveySpec, score_survey

from .profiles import InputError
from .survey_input import read_survey

__all__ = ["add_survey_options", "score_file", "cmd_score", "write_problems", "file_names"]

_WORDS = {
    "en": {"scored": "{n} units scored from {rows} rows with {instrument}", "refused": "Not evaluated (fewer than "
           "{m} respondents, to protect anonymity)", "respondents": "respondents", "skipped": "Skipped rows",
           "unit": "unit", "dimensions": "dimensions", "wrote": "wrote {n} profiles to {dir}",
           "difference": "not shown: with its departments shown, it would give a small one away by difference"},
    "da": {"scored": "{n} enheder scoret fra {rows} rækker med {instrument}", "refused": "Ikke vurderet (færre end "
           "{m} besvarelser, af hensyn til anonymiteten)", "respondents": "besvarelser", "skipped": "Sprungne rækker",
           "unit": "enhed", "dimensions": "dimensioner", "wrote": "skrev {n} profiler i {dir}",
           "difference": "vises ikke: sammen med dens viste afdelinger ville den afsløre en lille afdeling"},
}


def add_survey_options(p: argparse.ArgumentParser, required: bool = True) -> None:
    """The options that say how to read an export (``score``, and ``org --instrument``)."""
    g = p.add_argument_group("survey answers")
    g.add_argument("--instrument", required=required, metavar="ID",
                   help="the instrument that codes the answers (rules/instruments/, e.g. copsoq3)")
    g.add_argument("--department-column", default="department", metavar="NAME",
                   help="the column naming each respondent's department (default: department)")
    g.add_argument("--id-column", default="respondent_id", metavar="NAME",
                   help="a respondent id column, used only to find duplicates (default: respondent_id, if present)")
    g.add_argument("--roll-up", action="append", default=[], metavar="COLUMN",
                   help="also score each value of this column (e.g. division) over all its respondents")
    g.add_argument("--ignore", action="append", default=[], metavar="COLUMN",
                   help="columns that are neither items nor named above (e.g. a timestamp); repeatable or a,b,c")
    g.add_argument("--departments", metavar="FILE",
                   help="CSV with department_id[,department_name[,sector]]: names and sectors, and the only "
                        "departments a row may name")
    g.add_argument("--measured-on", metavar="YYYY-MM-DD", help="the survey's date, written into each profile")
    g.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out rows with a problem (each is listed) instead of writing nothing")


def _departments(path: str | None) -> Mapping[str, tuple[str, str]] | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    first = text.split("\n", 1)[0]
    reader = csv.reader(text.splitlines(), delimiter=max((";", ",", "\t"), key=first.count))
    rows = [r for r in reader if r and r[0].strip()]
    if rows and rows[0][0].strip().casefold() in ("department_id", "department", "id"):
        rows = rows[1:]
    return {r[0].strip(): ((r[1].strip() if len(r) > 1 else ""), (r[2].strip() if len(r) > 2 else "")) for r in rows}


def _measured(text: str | None) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--measured-on: '{text}' is not a date like 2025-05-01") from None


def score_file(args: argparse.Namespace) -> tuple[RuleSet, Instrument, SurveyResult]:
    """Read and score ``args.input`` (or ``args.responses``) with the rules folder's instrument."""
    ruleset = load_ruleset(args.rules or default_rules_folder())
    instrument = ruleset.instruments.get(args.instrument)
    if not isinstance(instrument, Instrument):  # None: no such instrument
        known = ", ".join(ruleset.instruments) or "none"
        raise InputError(f"--instrument: no instrument '{args.instrument}' in the rules (known: {known})")
    path = getattr(args, "responses", None) or args.input
    header, rows = read_survey(path)
    spec = SurveySpec(args.department_column, args.id_column, _split(args.roll_up), _split(args.ignore),
                      _departments(args.departments), args.skip_bad_rows)
    try:
        result = score_survey(instrument, header, rows, spec, ruleset.min_group_size, ruleset.min_answers_for_shares)
    except SurveyError as exc:
        exc.path = path  # type: ignore[attr-defined]  # the CLI's note of where it came from
        raise
    return ruleset, instrument, result


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated options and comma-separated lists alike: ``--ignore a,b --ignore c``."""
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def write_problems(exc: SurveyError, path: str) -> None:
    """``responses.csv:14:QD3: answer '9' is outside the coding (1–5, or empty)``, one a line."""
    for p in exc.problems:
        hint = did_you_mean(p.suggestion)
        print(escape(f"{path}:{p.row}:{p.column}: {p.message}{hint}"), file=sys.stderr)
    if exc.more:
        print(f"… and {exc.more} more", file=sys.stderr)
    print("nothing was written", file=sys.stderr)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:120].strip("._") or "_"


def _file_name(ident: str, level: str) -> str:
    """A unit's file name: letters, digits, '-' and '_' only (nothing can climb out of the folder)."""
    return f"{_safe(level)}-{_safe(ident)}.yaml" if level else f"{_safe(ident)}.yaml"


def file_names(units: Sequence[ScoredUnit], suffix: str = ".yaml") -> list[str]:
    """Each unit's file name; ``InputError`` before anything is written when two would collide
    (in any case: 'Ward/1' and 'ward_1' are one file on some systems)."""
    names = [Path(_file_name(u.id, u.level)).stem + suffix for u in units]
    seen: dict[str, ScoredUnit] = {}
    for name, unit in zip(names, units):
        other = seen.setdefault(name.casefold(), unit)
        if other is not unit:
            raise InputError(f"'{other.id}' and '{unit.id}' would both be written as {name}; rename one in the "
                             "export (nothing was written)")
    return names


def cmd_score(args: argparse.Namespace,
              recommend: Callable[[Sequence[ScoredUnit], _dt.date | None], None] | None = None) -> int:
    """Score; then print, write (``--out``), or chain into recommend / report."""
    ruleset, instrument, result = score_file(args)
    measured = _measured(args.measured_on)
    words = _WORDS[args.lang]
    documents: list[dict[str, object]] = []
    for unit in result.units:
        doc = unit.to_dict(instrument.id)
        if measured:
            doc["measured_on"] = measured.isoformat()
        documents.append(doc)
    if args.out:
        names = file_names(result.units)  # every name checked before the first file is written
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in zip(names, documents):
            (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if args.json:
        json.dump({"instrument": instrument.id, "profiles": documents,
                   "refused": [{"id": r.id, "level": r.level, "respondents": r.respondents,
                                "by_difference": r.by_difference} for r in result.refused],
                   "skipped": [{"row": p.row, "column": p.column, "message": p.message} for p in result.skipped]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif not (args.recommend or args.report):
        lines = [words["scored"].format(n=len(result.units), rows=result.rows, instrument=instrument.title.get(
            args.lang))]
        for unit in result.units:
            label = f"{unit.level}: {unit.id}" if unit.level else unit.id
            lines.append(f"  {label} · {unit.respondents} {words['respondents']} · {len(unit.scores)} "
                         f"{words['dimensions']}")
        if args.out:
            lines.append(words["wrote"].format(n=len(documents), dir=args.out))
        sys.stdout.write("\n".join(escape(line) for line in lines) + "\n")
    if recommend is not None:
        recommend(result.units, measured)
    _print_refused(result, args.lang, ruleset.min_group_size, sys.stderr if args.json else sys.stdout)
    return 0


def _print_refused(result: SurveyResult, lang: str, minimum: int, out: TextIO | None = None) -> None:
    """Units not evaluated (name and count only) and rows skipped, after the result."""
    words, stream = _WORDS[lang], out or sys.stderr
    if result.refused:
        print(words["refused"].format(m=minimum) + ":", file=stream)
        for r in result.refused:
            label = f"{r.level}: {r.id}" if r.level else r.id
            why = f" – {words['difference']}" if r.by_difference else ""
            print(escape(f"  {label} ({r.respondents} {words['respondents']}){why}"), file=stream)
    if result.skipped:
        print(f"{words['skipped']}:", file=stream)
        for p in result.skipped:
            print(escape(f"  {p}"), file=stream)
