"""Load and validate a rule-set folder into an immutable :class:`RuleSet`.

Every ``*.yaml`` file under the folder (except ``tests/``) holds one kind of content, named by its
single top-level key: ``ruleset``, ``dimensions``, ``sources``, ``interventions`` or ``rules``.
All problems in all files are collected before failing, each with file, line and column, so an
author fixes everything in one round (see docs/RULES.md). Warnings never stop a load.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .analysis import always_true, satisfiable
from .conditions import NEVER, Condition, Literal, ResolveIssue, dimensions_of, is_monotone, literals, resolve
from .durable_compile import (
    CHAIN_BUDGET,
    MAX_FACT_PROPERTIES,
    MAX_TOTAL_CHAINS,
    chain_count,
    complexity_problem,
    fact_key_collisions,
)
from .expr import ExpressionError, parse
from .expr.syntax import Op
from .expr.tokens import KEYWORDS
from .file_schema import (
    ADVERSE,
    BAND,
    DIMENSION,
    EVIDENCE,
    EXPOSURE,
    GRADES,
    GROUPS,
    HAZARD,
    INSTRUMENT,
    INTERVENTION,
    ITEM,
    ITEM_CODE_PATTERN,
    KINDS,
    LOW_COMPETENCE,
    MAX_WEIGHT,
    MUST_ACT,
    PLAN,
    PLANNING,
    RANKING,
    RECOMMENDATION,
    REFERENCE,
    RISKS,
    RULE,
    RULESET,
    SECTOR,
    SOURCE,
    TIMES,
    UNITS,
)
from .instruments import MAX_POSITIONS, Instrument, Item
from .model import (
    EFFORTS,
    IGLO_LEVELS,
    PREVENTION_ORDER,
    Band,
    Dimension,
    Evidence,
    Hazard,
    Intervention,
    LowCompetencePolicy,
    MustAct,
    Plan,
    Planning,
    RankingPolicy,
    Recommend,
    Reference,
    Rule,
    RuleSet,
    RuleSetInfo,
    Sector,
    Source,
    Text,
)
from .problems import ERROR, WARNING, Position, Problem, RuleSetError
from .schema import DIMENSION_ID_PATTERN, Reader
from .sectors import moving_dimensions
from .suggestions import closest
from .templates import Template, TemplateError
from .yaml_source import MAX_FILE_BYTES, YamlDocument, YamlNode, parse_yaml

__all__ = ["load_ruleset", "check_ruleset", "rule_files", "KINDS", "TESTS_FOLDER"]

TESTS_FOLDER = "tests"
MAX_FILES = 500
MAX_FOLDER_BYTES = 4 * 1024 * 1024
"""All rule files together: reading YAML with positions costs memory and time in proportion to the
bytes (docs/ARCHITECTURE.md, "Measured design choices"), and 2,000 rules fit well below this."""
MAX_RULES = 2_000
"""Rules per rule set: ten times the bundled set's size is still one consultant team's work, and
loading stays short while the worker serves (docs/ARCHITECTURE.md, "Measured design choices").
Counted while reading, so the files after the one that passes it are not read at all."""
WIDE_CONDITION = 600
"""Alternatives above which a condition gets a warning: it costs ten shards or more by itself."""

_T = typing.TypeVar("_T")


def _complete(values: Sequence[_T | None]) -> list[_T] | None:
    """``values`` when none is None (a None stands for a problem already reported), else None."""
    out = [v for v in values if v is not None]
    return out if len(out) == len(values) else None


def rule_files(folder: Path) -> list[Path]:
    """The YAML files that make up a rule set, in a stable order.

    ``tests/`` is not part of it, and neither is anything hidden (a name starting with '.'):
    Kubernetes mounts a ConfigMap as symlinks into ``..data/`` and a timestamped twin, which would
    otherwise be read twice. Symlinked folders are followed — in that mount a nested path
    (``themes/demands.yaml``) is a top-level symlink ``themes`` → ``..data/themes`` — each real
    folder once, so a link that points back up cannot loop.
    """
    files = []
    seen: set[str] = set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        relative = Path(top).relative_to(folder).parts
        if real in seen or (relative and relative[0] == TESTS_FOLDER):
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(top, name)
            if path.suffix in (".yaml", ".yml") and not name.startswith(".") and path.is_file():
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def _read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it holds more than ``limit`` (checked before and while reading,
    so a file that grows between the two checks is still caught)."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size > limit:
            return None
        raw = handle.read(limit + 1)
    return None if len(raw) > limit else raw


@dataclass
class _Entry:
    """One item of a list (a dimension, a rule …) with the document it came from."""

    node: YamlNode
    doc: YamlDocument
    theme: str


@dataclass
class RuleSetBuilder:
    folder: Path
    today: _dt.date
    problems: list[Problem] = field(default_factory=list)
    entries: dict[str, list[_Entry]] = field(default_factory=lambda: {k: [] for k in KINDS})
    min_answers: int | None = 20
    remeasure: int | None = 12
    planning: Planning | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    reader: Reader = field(init=False)

    def __post_init__(self) -> None:
        self.reader = Reader(self.problems)  # reports into the same list

    def display(self, path: Path) -> str:
        return str(path)

    # --- files -----------------------------------------------------------------------------------
    def read_files(self) -> str:
        files = rule_files(self.folder)
        digest = hashlib.sha256()
        if len(files) > MAX_FILES:
            self.problems.append(Problem(Position(str(self.folder)), f"more than {MAX_FILES} rule files",
                                         "too-many-files"))
            files = files[:MAX_FILES]
        total = 0
        for path in files:
            name = self.display(path)
            try:
                raw = _read_at_most(path, MAX_FILE_BYTES)
            except OSError as exc:  # vanished or unreadable between listing and reading
                self.problems.append(Problem(Position(name), f"cannot read the file: "
                                             f"{exc.strerror or exc}", "file-unreadable"))
                continue
            if raw is None:  # sized before reading: a huge (or sparse) file never reaches memory
                self.problems.append(Problem(Position(name, 1, 1), f"file is larger than "
                                             f"{MAX_FILE_BYTES // (1024 * 1024)} MiB; split it into several files",
                                             "file-too-large"))
                continue
            total += len(raw)
            if total > MAX_FOLDER_BYTES:
                self.problems.append(Problem(Position(name), f"the rule files add up to more than "
                                             f"{MAX_FOLDER_BYTES // (1024 * 1024)} MiB; this file and the ones "
                                             "after it were not read", "folder-too-large"))
                break
            digest.update(path.relative_to(self.folder).as_posix().encode() + b"\0" + raw + b"\0")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.problems.append(Problem(Position(name, 1, 1), f"not UTF-8 text ({exc.reason} at byte "
                                             f"{exc.start})", "encoding"))
                continue
            doc, problems = parse_yaml(text, name)
            self.problems.extend(problems)
            if doc.root is not None:
                self.classify(doc, path.stem)
            if len(self.entries["rules"]) > MAX_RULES:
                self.problems.append(Problem(Position(name), f"the rule files hold more than {MAX_RULES:,} rules; "
                                             "the files after this one were not read", "too-many-rules"))
                break
        return digest.hexdigest()[:16]

    def classify(self, doc: YamlDocument, theme: str) -> None:
        root = doc.root
        assert root is not None
        if not root.is_map or len(root.pairs) != 1:
            self.problems.append(Problem(root.position, "a rule file has exactly one top-level key, one of: "
                                         + ", ".join(KINDS), "file-kind"))
            return
        key, value = next(root.items())
        kind = str(key.value)
        if kind not in KINDS:
            self.problems.append(Problem(key.position, f"unknown top-level key '{kind}'; expected one of: "
                                         + ", ".join(KINDS), "file-kind", suggestion=closest(kind, KINDS)))
            return
        if kind in ("ruleset", "instrument"):  # one mapping per file
            self.entries[kind].append(_Entry(value, doc, theme))
            return
        for item in self.reader.sequence(value, f"'{kind}'"):
            self.entries[kind].append(_Entry(item, doc, theme))

    # --- helpers ----------------------------------------------------------------------------------
    def unique(self, items: Iterable[tuple[str, Position]], what: str) -> None:
        first: dict[str, Position] = {}
        for ident, pos in items:
            if ident in first:
                self.problems.append(Problem(pos, f"duplicate {what} id '{ident}' (first defined at "
                                             f"{first[ident]})", "duplicate-id"))
            else:
                first[ident] = pos

    def reference(self, node: YamlNode, known: Iterable[str], what: str, code: str) -> str | None:
        ident = self.reader.string(node, what)
        if ident is None:
            return None
        known = tuple(known)
        if ident not in known:
            self.problems.append(Problem(node.position, f"unknown {what} '{ident}'", code, ERROR,
                                         closest(ident, known)))
            return None
        return ident

    def condition(self, node: YamlNode, doc: YamlDocument, dimensions: dict[str, Dimension],
                  what: str) -> Condition | None:
        text = self.reader.string(node, what)
        if text is None:
            return None
        try:
            expr = parse(text)
        except ExpressionError as exc:
            self.problems.append(Problem(doc.position_in_scalar(node, exc.offset), f"{what}: {exc.message}",
                                         "expression-syntax", ERROR, exc.suggestion))
            return None
        condition, issues = resolve(expr, dimensions)
        for issue in issues:
            self.problems.append(self.located(issue, node, doc))
        if any(i.severity == ERROR for i in issues):
            return None
        too_complex = complexity_problem(condition)
        if too_complex:
            self.problems.append(Problem(doc.position_in_scalar(node, 0), f"{what}: {too_complex}", "too-complex"))
            return None
        alternatives = chain_count(condition)
        if alternatives > WIDE_CONDITION:
            self.problems.append(Problem(
                doc.position_in_scalar(node, 0), f"{what} expands to {alternatives:,} alternatives when its 'or's "
                f"are multiplied out; it runs, but every profile then passes through about "
                f"{-(-alternatives // CHAIN_BUDGET)} more matcher shards (~10 µs each). Several rules with fewer "
                "'or's each keep answers fast", "wide-condition", WARNING))
        if condition == NEVER or satisfiable(condition, dimensions) is False:
            self.problems.append(Problem(doc.position_in_scalar(node, 0), f"{what} can never be true: no values "
                                         "satisfy all of its tests", "never-true", WARNING))
        elif always_true(condition, dimensions):
            self.problems.append(Problem(doc.position_in_scalar(node, 0), f"{what} is true for every value of "
                                         f"{', '.join(dimensions_of(condition))}: it fires whenever measured",
                                         "always-true", WARNING))
        return condition

    @staticmethod
    def located(issue: ResolveIssue, node: YamlNode, doc: YamlDocument) -> Problem:
        return Problem(doc.position_in_scalar(node, issue.offset), issue.message, issue.code, issue.severity,
                       issue.suggestion)

    # --- sources ----------------------------------------------------------------------------------
    def build_sources(self) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        reader = self.reader
        for entry in self.entries["sources"]:
            fields = reader.mapping(entry.node, "a source", *SOURCE)
            if fields is None:
                continue
            ident = reader.identifier(fields["id"], "source id") if "id" in fields else None
            citation = reader.string(fields["citation"], "citation") if "citation" in fields else None
            grade = reader.choice(fields["grade"], "grade", GRADES) if "grade" in fields else None
            url = reader.string(fields["url"], "url") if "url" in fields else None
            name = reader.string(fields["name"], "name") if "name" in fields else ""
            if ident and citation and grade and ident not in sources:
                sources[ident] = Source(ident, citation, url, grade, entry.node.position, name or "")
        self.unique(self.ids("sources"), "source")
        return sources

    def build_hazards(self, sources: dict[str, Source]) -> dict[str, Hazard]:
        hazards: dict[str, Hazard] = {}
        reader = self.reader
        for entry in self.entries["hazards"]:
            fields = reader.mapping(entry.node, "a hazard", *HAZARD)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "hazard id")
            title = reader.text(fields["title"], "title") if "title" in fields else None
            severity = reader.integer(fields["severity"], "severity", 1, 100) if "severity" in fields else None
            basis = reader.text(fields["legal_basis"], "legal_basis") if "legal_basis" in fields else None
            source = (self.reference(fields["source"], sources, "source", "unknown-source")
                      if "source" in fields else None)
            if ident is None or title is None or severity is None or basis is None or source is None \
                    or ident in hazards:
                continue
            hazards[ident] = Hazard(ident, title, severity, basis, source, fields["id"].position)
        self.unique(self.ids("hazards"), "hazard")
        return hazards

    def ids(self, kind: str) -> list[tuple[str, Position]]:
        out = []
        for entry in self.entries[kind]:
            node = entry.node.get("id") if entry.node.is_map else None
            if node is not None and isinstance(node.value, str):
                out.append((node.value, node.position))
        return out

    # --- dimensions -------------------------------------------------------------------------------
    def default_meaningful_difference(self) -> float:
        """``ruleset.ranking.meaningful_difference``, read ahead of the dimensions that use it (the
        header itself is checked, and any mistake in it reported, by :meth:`build_header`)."""
        for entry in self.entries["ruleset"][:1]:
            ranking = entry.node.get("ranking") if entry.node.is_map else None
            value = ranking.get("meaningful_difference") if ranking is not None and ranking.is_map else None
            if value is not None and value.is_scalar and isinstance(value.value, (int, float)) \
                    and not isinstance(value.value, bool) and 0 <= value.value <= 50:
                return float(value.value)
        return 5.0

    def build_dimensions(self, sources: dict[str, Source]) -> dict[str, Dimension]:
        dims: dict[str, Dimension] = {}
        reader = self.reader
        default_md = self.default_meaningful_difference()
        for entry in self.entries["dimensions"]:
            fields = reader.mapping(entry.node, "a dimension", *DIMENSION)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "dimension id", DIMENSION_ID_PATTERN)
            if ident in KEYWORDS or ident in ("id", "sid"):
                reader.error(fields["id"].position,
                             f"'{ident}' is a reserved word and cannot name a dimension", "bad-id")
                ident = None
            group = reader.choice(fields["group"], "group", GROUPS) if "group" in fields else None
            name = reader.text(fields["name"], "name") if "name" in fields else None
            description = reader.text(fields["description"], "description") if "description" in fields else Text("", "")
            unit = reader.choice(fields["unit"], "unit", UNITS) if "unit" in fields else None
            adverse = reader.choice(fields["adverse"], "adverse", ADVERSE) if "adverse" in fields else None
            gold = reader.boolean(fields["gold_nugget"], "gold_nugget") if "gold_nugget" in fields else False
            scale = self.scale(fields["range"]) if "range" in fields else None
            bands = self.bands(fields["bands"], scale) if "bands" in fields and scale else None
            reference = (self.dim_reference(fields["reference"], scale, sources)
                         if "reference" in fields and scale else None)
            share = reader.boolean(fields["share"], "share") if "share" in fields else False
            if share and unit != "percent":
                reader.error(fields["share"].position,
                             "only a percent dimension can be a share of the respondents", "bad-share")
                share = None
            md = (reader.number(fields["meaningful_difference"], "meaningful_difference", 0.0,
                                (scale[1] - scale[0]) / 2 if scale else None)
                  if "meaningful_difference" in fields else (default_md if unit == "score" else 0.0))
            if share and "meaningful_difference" in fields:
                reader.error(fields["meaningful_difference"].position, "a share is graded by its confidence interval; "
                             "remove meaningful_difference", "bad-share")
                md = None
            if ident is None or group is None or name is None or unit is None or adverse is None or scale is None \
                    or bands is None or gold is None or share is None or md is None or ident in dims:
                continue
            if "reference" in fields and reference is None:
                continue
            # a description with a mistake (reported) stands empty: the set is refused anyway
            dims[ident] = Dimension(ident, group, name, description or Text("", ""), unit, scale[0], scale[1],
                                    adverse, bands, reference, bool(gold), fields["id"].position, bool(share),
                                    0.0 if share else md)
        self.unique(self.ids("dimensions"), "dimension")
        for ident, (a, b) in fact_key_collisions(dims).items():
            self.problems.append(Problem(dims[ident].position, f"dimension ids '{a}' and '{b}' collide in the "
                                         "matching engine's 32-bit name hash; rename one", "hash-collision"))
        if len(dims) > MAX_FACT_PROPERTIES:
            self.problems.append(Problem(Position(str(self.folder)), f"more than {MAX_FACT_PROPERTIES} "
                                         "dimensions: the matching engine cannot hold them in one fact",
                                         "too-many-dimensions"))
        return dims

    def scale(self, node: YamlNode) -> tuple[float, float] | None:
        items = self.reader.sequence(node, "range")
        if len(items) != 2:
            if node.is_seq:
                self.reader.error(node.position, "range must be [minimum, maximum]", "bad-range")
            return None
        low = self.reader.number(items[0], "range minimum")
        high = self.reader.number(items[1], "range maximum")
        if low is None or high is None:
            return None
        if not low < high:
            self.reader.error(node.position, "range minimum must be below its maximum", "bad-range")
            return None
        return low, high

    def bands(self, node: YamlNode, scale: tuple[float, float]) -> tuple[Band, ...] | None:
        reader = self.reader
        items = reader.sequence(node, "bands", non_empty=True)
        bands: list[Band] = []
        ok = bool(items)
        low: float | None = None
        low_inclusive = True
        seen: set[str] = set()
        for i, item in enumerate(items):
            last = i == len(items) - 1
            fields = reader.mapping(item, "a band", *BAND)
            if fields is None:
                ok = False
                continue
            ident = reader.identifier(fields["id"], "band id", DIMENSION_ID_PATTERN) if "id" in fields else None
            label = reader.text(fields["label"], "band label") if "label" in fields else None
            risk = reader.choice(fields["risk"], "risk", RISKS) if "risk" in fields else None
            if ident in seen:
                reader.error(fields["id"].position, f"duplicate band '{ident}'", "duplicate-id")
                ok = False
            bounds = [k for k in ("below", "upto") if k in fields]
            high: float | None = None
            high_inclusive = False
            if last and bounds:
                reader.error(fields[bounds[0]].position,
                             f"the last band runs to the top of the range; remove '{bounds[0]}'",
                             "bad-band")
                ok = False
            elif not last and len(bounds) != 1:
                reader.error(item.position, "every band but the last needs exactly one of 'below' (exclusive) or "
                             "'upto' (inclusive)", "bad-band")
                ok = False
            elif bounds:
                key = bounds[0]
                high = reader.number(fields[key], key, scale[0], scale[1])
                high = None if high is None else round(high, 6)
                high_inclusive = key == "upto"
                if high is not None and low is not None and (high < low or (high == low and not high_inclusive)):
                    reader.error(fields[key].position,
                                 f"band bounds must rise: {key} {high:g} is not above the previous "
                                 f"band's bound {low:g}", "bad-band")
                    high = None
                if high is None:
                    ok = False
            if ident is None or label is None or risk is None:
                ok = False
                continue
            seen.add(ident)
            bands.append(Band(ident, label, risk, low, low_inclusive, high, high_inclusive, item.position))
            if high is not None:
                low, low_inclusive = high, not high_inclusive
        return tuple(bands) if ok else None

    def dim_reference(self, node: YamlNode, scale: tuple[float, float],
                      sources: dict[str, Source]) -> Reference | None:
        reader = self.reader
        fields = reader.mapping(node, "a reference", *REFERENCE)
        if fields is None:
            return None
        value = reader.number(fields["value"], "reference value", scale[0], scale[1]) if "value" in fields else None
        label = reader.text(fields["label"], "reference label") if "label" in fields else None
        short = reader.text(fields["short"], "reference short name") if "short" in fields else None
        source = self.reference(fields["source"], sources, "source", "unknown-source") if "source" in fields else None
        if value is None or label is None or source is None or ("short" in fields and short is None):
            return None
        return Reference(value, label, source, short)

    # --- instruments ------------------------------------------------------------------------------
    def build_instruments(self, dims: dict[str, Dimension]) -> dict[str, Instrument]:
        """``instrument:`` files (rules/instruments/): an id, a title, the coding of the answer
        positions, the answer positions that mean exposed for a share (``exposure.exposed``), and the items —
        each a column code, a dimension of the catalogue, and maybe ``reversed`` or its own ``exposed``.
        Codes are unique in an instrument (in any case: a survey export's headers differ in case
        more often than in spelling); a dimension is measured by items, or by exposure, not both."""
        instruments: dict[str, Instrument] = {}
        reader = self.reader
        for entry in self.entries["instrument"]:
            fields = reader.mapping(entry.node, "instrument", *INSTRUMENT)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "instrument id")
            title = reader.text(fields["title"], "title") if "title" in fields else None
            if "description" in fields:
                reader.text(fields["description"], "description")
            coding = self.coding(fields["coding"]) if "coding" in fields else None
            positions = len(coding) if coding else MAX_POSITIONS
            default_yes = self.positions(fields["exposure"], positions, "exposure") if "exposure" in fields else None
            items = self.instrument_items(fields["items"], dims, positions, default_yes) if "items" in fields else None
            if ident is None or title is None or coding is None or items is None or ident in instruments:
                if ident in instruments:
                    reader.error(fields["id"].position, f"duplicate instrument id '{ident}' (first defined at "
                                 f"{instruments[ident].position})", "duplicate-id")
                continue
            shares = frozenset(i.dimension for i in items if dims[i.dimension].share)
            instruments[ident] = Instrument(ident, title, coding, items, shares, fields["id"].position)
        return instruments

    def coding(self, node: YamlNode) -> tuple[float, ...] | None:
        """``coding: [100, 75, 50, 25, 0]`` — the value of answer positions 1, 2, …, each 0–100."""
        items = self.reader.sequence(node, "coding", non_empty=True)
        if items and not 2 <= len(items) <= MAX_POSITIONS:
            self.reader.error(node.position, f"coding has {len(items)} values; an item has 2 to {MAX_POSITIONS} "
                              "answer positions", "out-of-range")
            return None
        values = _complete([self.reader.number(v, "coded value", 0, 100) for v in items])
        return tuple(values) if values else None

    def positions(self, node: YamlNode, count: int, what: str) -> frozenset[int] | None:
        """``{exposed: [1, 2, 3, 4]}`` or, on an item, ``exposed: [1, 2]``: answer positions 1 … ``count``.
        (Not ``yes:``: YAML reads an unquoted ``yes`` as true.)"""
        reader = self.reader
        if node.is_map:
            fields = reader.mapping(node, what, *EXPOSURE)
            if fields is None or "exposed" not in fields:
                return None
            node = fields["exposed"]
        items = reader.sequence(node, f"{what} exposed", non_empty=True)
        values = _complete([reader.integer(v, "answer position", 1, count) for v in items])
        return frozenset(values) if values else None

    def instrument_items(self, node: YamlNode, dims: dict[str, Dimension], count: int,
                         default_yes: frozenset[int] | None) -> tuple[Item, ...] | None:
        reader = self.reader
        out: list[Item] = []
        seen: dict[str, Position] = {}
        ok = True
        for entry in reader.sequence(node, "items", non_empty=True):
            fields = reader.mapping(entry, "an item", *ITEM)
            if fields is None or "code" not in fields:
                ok = False
                continue
            code = reader.identifier(fields["code"], "item code", ITEM_CODE_PATTERN)
            dim_id = (self.reference(fields["dimension"], dims, "dimension", "unknown-dimension")
                      if "dimension" in fields else None)
            reversed_ = reader.boolean(fields["reversed"], "reversed") if "reversed" in fields else False
            dim = dims.get(dim_id) if dim_id else None
            yes = self.positions(fields["exposed"], count, "exposed") if "exposed" in fields else default_yes
            if code is not None:
                key = code.casefold()
                if key in seen:
                    reader.error(fields["code"].position,
                                 f"duplicate item code '{code}' (first at {seen[key]}); codes are "
                                 "matched to the survey's columns in any case", "duplicate-id")
                    code = None
                else:
                    seen[key] = fields["code"].position
            if dim is not None and dim.unit == "percent" and not dim.share:
                reader.error(fields["dimension"].position,
                             f"'{dim.id}' is a figure from records (e.g. absence statistics), "
                             "not a survey scale: give it in the profile instead", "not-a-survey-scale")
                dim = None
            if dim is not None and dim.share:
                if reversed_:
                    reader.error(fields["reversed"].position,
                                 f"'{dim.id}' is a share of the respondents (who said yes): "
                                 "it cannot be reversed; list the positions that mean yes", "bad-share")
                    reversed_ = None
                if yes is None and "exposed" not in fields:
                    reader.error(fields["dimension"].position,
                                 f"'{dim.id}' is a share of the respondents: say which answer "
                                 "positions mean exposed (exposure: {exposed: [1, 2, 3, 4]} on the instrument, or "
                                 "exposed: [...] on the item)", "no-exposure")
            elif dim is not None and "exposed" in fields:
                reader.error(fields["exposed"].position, f"'{dim.id}' is a scale: its items are coded, not counted as "
                             "exposed", "bad-share")
                yes = None
            if code is None or dim is None or reversed_ is None or (dim.share and not yes):
                ok = False
                continue
            out.append(Item(code, dim.id, bool(reversed_), yes if dim.share and yes else frozenset(),
                            fields["code"].position))
        return tuple(out) if ok and out else None

    # --- sectors ----------------------------------------------------------------------------------
    def build_sectors(self, sources: dict[str, Source], dims: dict[str, Dimension]) -> dict[str, Sector]:
        """``sectors:`` entries: an id, a name, optional aliases callers may send instead of the id,
        and per dimension the reference a department of the sector is compared with. Only a
        dimension with a reference of its own can have sector references (its bands and rules are
        written against that one, and move with the sector's); exactly one sector is the
        ``fallback``, and it gives a reference for every such dimension."""
        sectors: dict[str, Sector] = {}
        reader = self.reader
        names: dict[str, Position] = {}
        for entry in self.entries["sectors"]:
            fields = reader.mapping(entry.node, "a sector", *SECTOR)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "sector id")
            name = reader.text(fields["name"], "name") if "name" in fields else None
            fallback = reader.boolean(fields["fallback"], "fallback") if "fallback" in fields else False
            references = self.sector_references(fields["references"], sources, dims) if "references" in fields else None
            if ident is not None:
                if ident in names and ident not in sectors:
                    reader.error(fields["id"].position, f"sector id '{ident}' is already an alias (at {names[ident]})",
                                 "duplicate-id")
                names.setdefault(ident, fields["id"].position)
            aliases = []
            for node in reader.sequence(fields["aliases"], "aliases") if "aliases" in fields else ():
                alias = reader.string(node, "alias", 200)
                if alias is None:
                    continue
                key = alias.strip().casefold()
                if key in names:
                    reader.error(node.position, f"'{alias}' already names a sector (at {names[key]})", "duplicate-id")
                    continue
                names[key] = node.position
                aliases.append(key)
            if ident is None or name is None or fallback is None or references is None or ident in sectors:
                continue
            sectors[ident] = Sector(ident, name, MappingProxyType(references), bool(fallback),
                                    fields["id"].position, tuple(aliases))
        self.unique(self.ids("sectors"), "sector")
        if sectors:
            fallbacks = [s for s in sectors.values() if s.fallback]
            if len(fallbacks) != 1:
                where = fallbacks[1].position if fallbacks else next(iter(sectors.values())).position
                self.problems.append(Problem(where, f"exactly one sector must be the fallback (fallback: true), "
                                             f"found {len(fallbacks)}", "sector-fallback"))
            needed = {d for s in sectors.values() for d in s.references}
            for sector in sectors.values():  # a sector without a figure would silently keep the catalogue's
                for dim in sorted(needed - set(sector.references)):
                    code = "sector-fallback" if sector.fallback else "sector-reference"
                    self.problems.append(Problem(sector.position, f"sector '{sector.id}' has no reference for "
                                                 f"'{dim}', which other sectors give; every sector gives one "
                                                 "(leave out a sector without a published figure)", code))
        return sectors

    def sector_literals(self, rules: tuple[Rule, ...], sectors: dict[str, Sector],
                        dims: dict[str, Dimension]) -> None:
        """Warn where a rule compares a sector-referenced dimension with a bare number: the number
        is read against the catalogue's own reference and moves with the sector, which the text
        of the rule does not show; a band test (``is high``) says what is meant."""
        moving = moving_dimensions(sectors.values())
        for rule in rules:
            for lit in literals(rule.condition):
                if lit.dimension in moving and lit.band is None and lit.op not in (Op.PRESENT, Op.MISSING):
                    ref = dims[lit.dimension].reference
                    assert ref is not None  # only a dimension with a reference moves with the sector
                    self.problems.append(Problem(
                        rule.position, f"rule '{rule.id}' compares '{lit.dimension}' with a number, but its "
                        f"reference depends on the department's sector: the number is read against the "
                        f"catalogue's {ref.value:g} and moves with the sector; a band test says what is "
                        "meant", "sector-number", WARNING, _band_test(lit, dims[lit.dimension])))

    def sector_references(self, node: YamlNode, sources: dict[str, Source],
                          dims: dict[str, Dimension]) -> dict[str, Reference] | None:
        if not node.is_map:
            self.reader.error(node.position, "references must be a mapping of dimension id to reference",
                              "wrong-type")
            return None
        out: dict[str, Reference] = {}
        ok = True
        for key, value in node.items():
            ident = str(key.value)
            dim = dims.get(ident)
            if dim is None:
                self.problems.append(Problem(key.position, f"unknown dimension '{ident}'", "unknown-dimension",
                                             ERROR, closest(ident, dims)))
                ok = False
                continue
            if dim.reference is None:
                self.problems.append(Problem(key.position, f"dimension '{ident}' has no reference of its own: "
                                             "give it one in the dimension catalogue before sectors can move it",
                                             "sector-reference"))
                ok = False
                continue
            reference = self.dim_reference(value, (dim.minimum, dim.maximum), sources)
            if reference is None:
                ok = False
                continue
            out[ident] = reference
        return out if ok else None

    # --- interventions ----------------------------------------------------------------------------
    def resources(self, node: YamlNode, dims: dict[str, Dimension]) -> tuple[str, ...] | None:
        """``builds: [support_colleagues]``: resource dimensions, each known."""
        items = self.reader.sequence(node, "builds", non_empty=True)
        out: list[str | None] = []
        for item in items:
            ident = self.reference(item, dims, "dimension", "unknown-dimension")
            if ident is not None and dims[ident].group != "resource":
                self.problems.append(Problem(item.position, f"'{ident}' is not a resource; an intervention builds "
                                             "resources", "not-a-resource"))
                ident = None
            out.append(ident)
        ids = _complete(out)
        return tuple(ids) if items and ids is not None else None

    def build_interventions(self, sources: dict[str, Source],
                            dims: dict[str, Dimension] | None = None) -> dict[str, Intervention]:
        out: dict[str, Intervention] = {}
        reader = self.reader
        for entry in self.entries["interventions"]:
            fields = reader.mapping(entry.node, "an intervention", *INTERVENTION)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "intervention id")
            title = reader.text(fields["title"], "title") if "title" in fields else None
            description = reader.text(fields["description"], "description") if "description" in fields else None
            prevention = (reader.choice(fields["prevention"], "prevention", PREVENTION_ORDER)
                          if "prevention" in fields else None)
            effort = reader.choice(fields["effort"], "effort", EFFORTS) if "effort" in fields else None
            time = (reader.choice(fields["time_to_effect"], "time_to_effect", TIMES)
                    if "time_to_effect" in fields else None)
            iglo = self.iglo(fields["iglo"]) if "iglo" in fields else None
            plan = self.plan(fields["plan"]) if "plan" in fields else None
            evidence = self.source_list(fields["evidence"], sources) if "evidence" in fields else None
            builds = self.resources(fields["builds"], dims or {}) if "builds" in fields else ()
            review_by = self.review_date(fields["review_by"]) if "review_by" in fields else None
            if ident is None or title is None or description is None or prevention is None or effort is None \
                    or time is None or iglo is None or plan is None or evidence is None or builds is None \
                    or ident in out:
                continue
            out[ident] = Intervention(ident, title, description, prevention, iglo, effort, time, plan,
                                      evidence, fields["id"].position, builds, review_by)
        self.unique(self.ids("interventions"), "intervention")
        return out

    def iglo(self, node: YamlNode) -> tuple[str, ...] | None:
        items = self.reader.sequence(node, "iglo", non_empty=True)
        levels = _complete([self.reader.choice(i, "IGLO level", IGLO_LEVELS) for i in items])
        if not items or levels is None:
            return None
        if len(set(levels)) != len(levels):
            self.reader.error(node.position, "iglo lists a level twice", "duplicate-id")
            return None
        return tuple(sorted(levels, key=IGLO_LEVELS.index))

    def plan(self, node: YamlNode) -> Plan | None:
        reader = self.reader
        fields = reader.mapping(node, "plan", *PLAN)
        if fields is None:
            return None
        goal = reader.text(fields["goal"], "plan goal") if "goal" in fields else None
        owner = reader.text(fields["owner"], "plan owner") if "owner" in fields else None
        evaluation = reader.text(fields["evaluation"], "plan evaluation") if "evaluation" in fields else None
        weeks = (reader.integer(fields["follow_up_weeks"], "follow_up_weeks", 1, 104)
                 if "follow_up_weeks" in fields else None)
        if goal is None or owner is None or evaluation is None or weeks is None:
            return None
        return Plan(goal, owner, evaluation, weeks)

    def source_list(self, node: YamlNode, sources: dict[str, Source]) -> tuple[str, ...] | None:
        items = self.reader.sequence(node, "evidence sources", non_empty=True)
        ids = _complete([self.reference(i, sources, "source", "unknown-source") for i in items])
        if not items or ids is None:
            return None
        return tuple(ids)

    # --- rules ------------------------------------------------------------------------------------
    def build_rules(self, dims: dict[str, Dimension], interventions: dict[str, Intervention],
                    sources: dict[str, Source], hazards: dict[str, Hazard] | None = None) -> tuple[Rule, ...]:
        rules: list[Rule] = []
        seen: set[str] = set()
        reader = self.reader
        chains = 0
        entries = self.entries["rules"][:MAX_RULES]  # more were refused while reading (read_files)
        for entry in entries:
            fields = reader.mapping(entry.node, "a rule", *RULE)
            if fields is None or "id" not in fields:
                continue
            ident = reader.identifier(fields["id"], "rule id")
            title = reader.text(fields["title"], "title") if "title" in fields else None
            condition = self.condition(fields["when"], entry.doc, dims, "condition") if "when" in fields else None
            because = reader.text(fields["because"], "because") if "because" in fields else None
            recommend = self.recommendations(fields["recommend"], interventions) if "recommend" in fields else None
            evidence = self.evidence(fields["evidence"], sources) if "evidence" in fields else None
            if condition is not None:
                self.monotonicity(condition, fields["when"], entry.doc)
            rationale = (self.rationale(fields["because"], entry.doc, dims, condition)
                         if because is not None and condition is not None else None)
            # False: none given; None: a mistake (reported)
            must_act: MustAct | typing.Literal[False] | None = (
                self.must_act(fields["must_act"], hazards or {}, interventions) if "must_act" in fields else False)
            if must_act and recommend is not None and must_act.intervention not in {x.intervention for x in recommend}:
                self.problems.append(Problem(fields["must_act"].position, f"must_act names '{must_act.intervention}', "
                                             "which the rule does not recommend; add it to 'recommend' (its weight "
                                             "counts when the intervention is compared with others)",
                                             "must-act-not-recommended"))
                must_act = None
            legal = self.legal(fields["legal"], hazards or {}) if "legal" in fields else ()
            if must_act and legal is not None and must_act.hazard not in legal:
                legal = (must_act.hazard, *legal)
            if ident is None or title is None or condition is None or because is None or recommend is None \
                    or evidence is None or rationale is None or must_act is None or legal is None or ident in seen:
                continue
            chains += chain_count(condition)
            if chains > MAX_TOTAL_CHAINS:
                self.problems.append(Problem(fields["when"].position, f"with this rule the rule set's conditions "
                                             f"expand to more than {MAX_TOTAL_CHAINS:,} alternatives, the most the "
                                             "matcher runs for one profile; simplify the conditions with the most "
                                             "'or's, or split the rule set", "too-complex"))
                break
            seen.add(ident)
            rules.append(Rule(ident, len(rules), title, str(fields["when"].value), condition, because,
                              rationale, recommend, evidence, entry.theme, dimensions_of(condition),
                              fields["id"].position, must_act or None, legal))
        self.unique(self.ids("rules"), "rule")
        return tuple(rules)

    def legal(self, node: YamlNode, hazards: dict[str, Hazard]) -> tuple[str, ...] | None:
        """``legal: [workload]`` — hazard ids from hazards.yaml; each is checked like any reference."""
        items = self.reader.sequence(node, "legal", non_empty=True)
        ids = _complete([self.reference(i, hazards, "hazard", "unknown-hazard") for i in items])
        return None if ids is None else tuple(dict.fromkeys(ids))

    def must_act(self, node: YamlNode, hazards: dict[str, Hazard],
                 interventions: dict[str, Intervention]) -> MustAct | None:
        """``must_act: {hazard: violence, intervention: violence-prevention}``."""
        fields = self.reader.mapping(node, "must_act", *MUST_ACT)
        if fields is None or len(fields) < 2:
            return None
        hazard = self.reference(fields["hazard"], hazards, "hazard", "unknown-hazard")
        intervention = self.reference(fields["intervention"], interventions, "intervention", "unknown-intervention")
        if hazard is None or intervention is None:
            return None
        return MustAct(hazard, intervention)

    def monotonicity(self, condition: Condition, node: YamlNode, doc: YamlDocument) -> None:
        for lit in literals(condition):
            if lit.op in (Op.PRESENT, Op.MISSING) or is_monotone(lit):
                continue
            self.problems.append(Problem(
                doc.position_in_scalar(node, lit.offset),
                f"this test on '{lit.dimension}' can become true when the value gets better; rankings are only "
                "guaranteed monotone for tests that point in the harmful direction (docs/RANKING.md)",
                "non-monotone", WARNING))

    def recommendations(self, node: YamlNode, interventions: dict[str, Intervention]) -> tuple[Recommend, ...] | None:
        reader = self.reader
        items = reader.sequence(node, "recommend", non_empty=True)
        out: list[Recommend] = []
        ok = bool(items)
        for item in items:
            fields = reader.mapping(item, "a recommendation", *RECOMMENDATION)
            if fields is None:
                ok = False
                continue
            ident = (self.reference(fields["intervention"], interventions, "intervention", "unknown-intervention")
                     if "intervention" in fields else None)
            weight = (reader.number(fields["weight"], "weight", 0, MAX_WEIGHT, exclusive_minimum=True)
                      if "weight" in fields else None)
            if ident is None or weight is None:
                ok = False
                continue
            if any(rec.intervention == ident for rec in out):
                reader.error(fields["intervention"].position,
                             f"'{ident}' is recommended twice by this rule", "duplicate-id")
                ok = False
                continue
            out.append(Recommend(ident, weight))
        return tuple(out) if ok else None

    def evidence(self, node: YamlNode, sources: dict[str, Source]) -> Evidence | None:
        reader = self.reader
        fields = reader.mapping(node, "evidence", *EVIDENCE)
        if fields is None:
            return None
        ids = self.source_list(fields["sources"], sources) if "sources" in fields else None
        review_by = self.review_date(fields["review_by"]) if "review_by" in fields else None
        if "review_by" in fields and review_by is None:
            return None
        return None if ids is None else Evidence(ids, review_by)

    def review_date(self, node: YamlNode) -> _dt.date | None:
        """A ``review_by`` date; a date in the past is a warning, so the set still loads."""
        review_by = self.reader.date(node, "review_by")
        if review_by is not None and review_by < self.today:
            self.reader.warning(node.position, f"the evidence was due for review on {review_by.isoformat()}",
                                "review-overdue")
        return review_by

    def rationale(self, node: YamlNode, doc: YamlDocument, dims: dict[str, Dimension],
                  condition: Condition) -> dict[str, Template] | None:
        used = set(dimensions_of(condition))
        out: dict[str, Template] = {}
        for key, value in node.items():
            lang = str(key.value)
            try:
                template = Template.parse(str(value.value))
            except TemplateError as exc:
                self.problems.append(Problem(doc.position_in_scalar(value, exc.offset), exc.message,
                                             "template-syntax"))
                return None
            for ph in template.placeholders:
                where = doc.position_in_scalar(value, ph.offset)
                if ph.dimension not in dims:
                    self.problems.append(Problem(where, f"placeholder names unknown dimension '{ph.dimension}'",
                                                 "unknown-dimension", ERROR, closest(ph.dimension, dims)))
                    return None
                if ph.attribute not in ("reference", "reference_name") and ph.dimension not in used:
                    self.problems.append(Problem(where, f"placeholder '{ph.dimension}' is not in the rule's "
                                                 "condition, so its value may be missing", "placeholder-unused",
                                                 WARNING))
                if ph.attribute in ("reference", "reference_name") and dims[ph.dimension].reference is None:
                    self.problems.append(Problem(where, f"'{ph.dimension}' has no reference value",
                                                 "no-reference"))
                    return None
            out[lang] = template
        return out

    # --- the rule-set header ----------------------------------------------------------------------
    def build_header(self, dims: dict[str, Dimension], interventions: dict[str, Intervention]
                     ) -> tuple[str, str, Text, int, RankingPolicy] | None:
        reader = self.reader
        headers = self.entries["ruleset"]
        if not headers:
            self.problems.append(Problem(Position(str(self.folder)), "no 'ruleset:' file found; add "
                                         "ruleset.yaml with the rule set's id and version", "no-ruleset"))
            return None
        for extra in headers[1:]:
            self.problems.append(Problem(extra.node.position, "a second 'ruleset:' header; keep exactly one",
                                         "duplicate-id"))
        entry = headers[0]
        fields = reader.mapping(entry.node, "ruleset", *RULESET)
        if fields is None:
            return None
        ident = reader.identifier(fields["id"], "rule-set id") if "id" in fields else None
        version = reader.string(fields["version"], "version", 64) if "version" in fields else None
        if "version" in fields and fields["version"].is_scalar and not isinstance(fields["version"].value, str):
            version = str(fields["version"].value)
        title = reader.text(fields["title"], "title") if "title" in fields else None
        if "description" in fields:
            reader.text(fields["description"], "description")
        min_group = (reader.integer(fields["min_group_size"], "min_group_size", 1, 1000)
                     if "min_group_size" in fields else 5)
        self.min_answers = (reader.integer(fields["min_answers_for_shares"], "min_answers_for_shares", 1, 1000)
                            if "min_answers_for_shares" in fields else 20)
        self.remeasure = (reader.integer(fields["remeasure_months"], "remeasure_months", 1, 60)
                          if "remeasure_months" in fields else 12)
        ranking = (self.ranking(fields["ranking"], entry.doc, dims, interventions)
                   if "ranking" in fields else RankingPolicy())
        if "planning" in fields:
            self.planning = self.plan_texts(fields["planning"])
        if ident is None or version is None or title is None or min_group is None or ranking is None:
            return None
        return ident, version, title, min_group, ranking

    def plan_texts(self, node: YamlNode) -> Planning | None:
        """``planning:`` — the employees' part, the learning criterion, the co-owner of A-labelled
        actions and the APV duties, each in both languages, and the APV duties' source."""
        reader = self.reader
        fields = reader.mapping(node, "planning", *PLANNING)
        if fields is None:
            return None
        employees, learning, co_owner, apv = (reader.text(fields[k], k) if k in fields else None
                                              for k in ("employees", "learning", "co_owner", "apv"))
        source = (self.reference(fields["source"], self.sources, "source", "unknown-source")
                  if "source" in fields else None)
        if employees is None or learning is None or co_owner is None or apv is None or source is None:
            return None
        return Planning(employees, learning, co_owner, apv, source)

    def ranking(self, node: YamlNode, doc: YamlDocument, dims: dict[str, Dimension],
                interventions: dict[str, Intervention]) -> RankingPolicy | None:
        reader = self.reader
        fields = reader.mapping(node, "ranking", *RANKING)
        if fields is None:
            return None
        top = reader.integer(fields["top"], "top", 1, 50) if "top" in fields else 5
        further = (reader.number(fields["further_findings"], "further_findings", 0.0, 1.0)
                   if "further_findings" in fields else 1 / 3)
        md = reader.number(fields["meaningful_difference"], "meaningful_difference", 0.0, 50.0) \
            if "meaningful_difference" in fields else 5.0
        policy = None
        if "low_competence" in fields:
            policy = self.low_competence(fields["low_competence"], doc, dims, interventions)
            if policy is None:
                return None
        return None if top is None or further is None or md is None else RankingPolicy(top, policy, further, md)

    def low_competence(self, node: YamlNode, doc: YamlDocument, dims: dict[str, Dimension],
                       interventions: dict[str, Intervention]) -> LowCompetencePolicy | None:
        reader = self.reader
        fields = reader.mapping(node, "low_competence", *LOW_COMPETENCE)
        if fields is None or "when" not in fields or "first" not in fields:
            return None
        condition = self.condition(fields["when"], doc, dims, "low_competence condition")
        first = self.reference(fields["first"], interventions, "intervention", "unknown-intervention")
        near_tie = reader.number(fields["near_tie"], "near_tie", 0.0, 0.5) if "near_tie" in fields else 0.1
        if condition is None or first is None or near_tie is None:
            return None
        return LowCompetencePolicy(str(fields["when"].value), condition, first, near_tie)


def _band_test(lit: Literal, dim: Dimension) -> str | None:
    """``X is <band>`` or ``X is not <band>`` when one means exactly what ``lit`` does (tried at
    and just beside every band edge and the literal's own thresholds), else None."""
    edges = {x for b in dim.bands for x in (b.low, b.high) if x is not None}
    edges |= {x for x in (lit.threshold, lit.threshold_high) if x is not None}
    probes = sorted({dim.minimum, dim.maximum} | {p for e in edges for p in (e - 1e-6, e, e + 1e-6)})
    for band in dim.bands:
        inside = [band.contains(p) for p in probes]
        holds = [lit.holds(p) for p in probes]
        if holds == inside:
            return f"{lit.dimension} is {band.id}"
        if holds == [not x for x in inside]:
            return f"{lit.dimension} is not {band.id}"
    return None


def check_ruleset(folder: str | Path, today: _dt.date | None = None) -> tuple[RuleSet | None, tuple[Problem, ...]]:
    """Validate a folder: the rule set (or ``None`` if there are errors) and every problem found."""
    root = Path(folder)
    builder = RuleSetBuilder(root, today or _dt.date.today())
    if not root.is_dir():
        return None, (Problem(Position(str(root)), "rule folder not found", "no-folder"),)
    fingerprint = builder.read_files()
    sources = builder.sources = builder.build_sources()
    dims = builder.build_dimensions(sources)
    interventions = builder.build_interventions(sources, dims)
    hazards = builder.build_hazards(sources)
    sectors = builder.build_sectors(sources, dims)
    instruments = builder.build_instruments(dims)
    rules = builder.build_rules(dims, interventions, sources, hazards)
    builder.sector_literals(rules, sectors, dims)
    header = builder.build_header(dims, interventions)
    recommended = {rec.intervention for rule in rules for rec in rule.recommend}
    recommended |= {rule.must_act.intervention for rule in rules if rule.must_act}
    for ident, item in interventions.items():
        if ident not in recommended:
            builder.problems.append(Problem(item.position, f"no rule recommends intervention '{ident}'",
                                            "unused-intervention", WARNING))
    problems = tuple(sorted(builder.problems, key=lambda p: (p.position, p.code)))
    if header is None or any(p.is_error for p in problems):
        return None, problems
    ident, version, title, min_group, ranking = header
    ruleset = RuleSet(RuleSetInfo(ident, version, fingerprint), title, min_group, ranking, MappingProxyType(dims),
                      MappingProxyType(interventions), MappingProxyType(sources), rules,
                      tuple(p for p in problems if not p.is_error), str(root),
                      _dt.datetime.now(_dt.UTC), MappingProxyType(hazards), builder.min_answers or 20,
                      builder.remeasure or 12, MappingProxyType(sectors), builder.planning,
                      instruments=MappingProxyType(instruments))
    return ruleset, problems


def load_ruleset(folder: str | Path, today: _dt.date | None = None) -> RuleSet:
    """Load a rule set, or raise :class:`RuleSetError` listing every problem."""
    ruleset, problems = check_ruleset(folder, today)
    if ruleset is None:
        raise RuleSetError.of(problems)
    return ruleset
