"""The shape of a rule file, declared once: the loader reads by it and ``trivsel schema`` prints it
as a JSON Schema, so a consultant's editor (the YAML language server, through the modeline at the
top of each bundled file) completes keys and flags mistakes while typing.

The loader stays the authority — it reports every problem with file:line:column, checks what a
schema cannot (a condition's grammar, ids that must exist, bands in order, sector references for
every moved dimension) and says "did you mean". The schema catches the rest earlier: unknown or
missing keys, wrong types, values outside a list or range. Because both take the keys from the
:class:`Fields` below (``Reader.mapping(node, what, *FIELDS)``), they cannot disagree on which
keys exist and which are required; ``tests/test_file_schema.py`` checks every bundled file
against the schema and the schema against the loader's choices.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .instruments import MAX_POSITIONS
from .model import EFFORTS, IGLO_LEVELS, LANGUAGES, PREVENTION_ORDER

__all__ = ["Fields", "json_schema", "SCHEMA_ID", "KINDS", "GROUPS", "UNITS", "ADVERSE", "RISKS", "GRADES", "TIMES",
           "MAX_WEIGHT", "ITEM_CODE_PATTERN", "SOURCE", "HAZARD", "DIMENSION", "BAND", "REFERENCE", "INSTRUMENT",
           "EXPOSURE", "ITEM", "SECTOR", "INTERVENTION", "PLAN", "RULE", "MUST_ACT", "RECOMMENDATION", "EVIDENCE",
           "RULESET", "PLANNING", "RANKING", "LOW_COMPETENCE"]

KINDS = ("ruleset", "dimensions", "sources", "interventions", "hazards", "sectors", "instrument", "rules")
GROUPS = ("demand", "resource", "negative_act", "signal")
UNITS = ("score", "percent")
ADVERSE = ("high", "low", "both")
RISKS = ("ok", "watch", "adverse")
GRADES = ("review", "guideline", "practice", "statistics")
TIMES = ("weeks", "months", "quarters")
MAX_WEIGHT = 5.0
"""A recommendation's weight: above 0, at most this."""
ITEM_CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
"""A survey column's code: QD1, EDX2, ak_3 …"""
SCHEMA_ID = "https://trivsel.invalid/schema/rule-file.schema.json"  # an identifier, not a download address


class Fields(NamedTuple):
    """A mapping's keys: those it must have and those it may have (no others)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


SOURCE = Fields(("id", "citation", "grade"), ("url", "name"))
HAZARD = Fields(("id", "title", "severity", "legal_basis", "source"))
DIMENSION = Fields(("id", "group", "name", "unit", "range", "adverse", "bands"),
                   ("description", "reference", "gold_nugget", "share", "meaningful_difference"))
BAND = Fields(("id", "label", "risk"), ("below", "upto"))
REFERENCE = Fields(("value", "label", "source"), ("short",))
INSTRUMENT = Fields(("id", "title", "coding", "items"), ("exposure", "description"))
EXPOSURE = Fields(("exposed",))
ITEM = Fields(("code", "dimension"), ("reversed", "exposed"))
SECTOR = Fields(("id", "name", "references"), ("aliases", "fallback"))
INTERVENTION = Fields(("id", "title", "description", "prevention", "iglo", "effort", "time_to_effect", "plan",
                       "evidence"), ("builds", "review_by"))
PLAN = Fields(("goal", "owner", "evaluation", "follow_up_weeks"))
RULE = Fields(("id", "title", "when", "because", "recommend", "evidence"), ("must_act", "legal"))
MUST_ACT = Fields(("hazard", "intervention"))
RECOMMENDATION = Fields(("intervention", "weight"))
EVIDENCE = Fields(("sources",), ("review_by",))
RULESET = Fields(("id", "version", "title"),
                 ("description", "min_group_size", "min_answers_for_shares", "remeasure_months", "ranking", "planning"))
PLANNING = Fields(("employees", "learning", "co_owner", "apv", "source"))
RANKING = Fields((), ("top", "further_findings", "meaningful_difference", "low_competence"))
LOW_COMPETENCE = Fields(("when", "first"), ("near_tie",))

# --- value types (JSON Schema fragments) ------------------------------------------------------------
_ID = {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "maxLength": 80,
       "description": "lower-case words joined by hyphens, e.g. high-strain-workload"}
_DIMENSION_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 80,
                 "description": "lower-case words joined by underscores, e.g. quantitative_demands"}
_REF = {"type": "string", "description": "the id of an entry defined elsewhere in the rule set"}
_TEXT = {"type": "object", "description": "a text in Danish and English: {da: \"…\", en: \"…\"}",
         "properties": {lang: {"type": "string", "minLength": 1} for lang in LANGUAGES},
         "required": list(LANGUAGES), "additionalProperties": False}
_DATE = {"type": "string", "format": "date", "description": "a date like 2027-06-30"}
_NUMBER = {"type": "number"}
_BOOL = {"type": "boolean"}


def _choice(values: tuple[str, ...]) -> dict[str, Any]:
    return {"enum": list(values)}


def _int(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def _number(low: float, high: float) -> dict[str, Any]:
    return {"type": "number", "minimum": low, "maximum": high}


def _list(item: dict[str, Any], non_empty: bool = True) -> dict[str, Any]:
    return {"type": "array", "items": item, **({"minItems": 1} if non_empty else {})}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _object(fields: Fields, types: dict[str, dict[str, Any]], description: str) -> dict[str, Any]:
    """One mapping: exactly ``fields``' keys, each with its type (a key without one fails here)."""
    keys = fields.required + fields.optional
    missing = [k for k in keys if k not in types]
    extra = [k for k in types if k not in keys]
    if missing or extra:
        raise AssertionError(f"{description}: types for {missing} missing, {extra} not loader keys")
    return {"type": "object", "description": description, "properties": {k: types[k] for k in keys},
            "required": list(fields.required), "additionalProperties": False}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a rule file: one top-level key, one of :data:`KINDS`."""
    defs = {
        "text": _TEXT,
        "source": _object(SOURCE, {"id": _ID, "citation": {"type": "string"}, "grade": _choice(GRADES),
                                   "url": {"type": "string"}, "name": {"type": "string"}}, "a source"),
        "hazard": _object(HAZARD, {"id": _ID, "title": _ref("text"), "severity": _int(1, 100),
                                   "legal_basis": _ref("text"), "source": _REF}, "a hazard"),
        "band": {**_object(BAND, {"id": _DIMENSION_ID, "label": _ref("text"), "risk": _choice(RISKS),
                                  "below": _NUMBER, "upto": _NUMBER}, "a band (the last has no limit)"),
                 "not": {"required": ["below", "upto"]}},  # one limit or none
        "reference": _object(REFERENCE, {"value": _NUMBER, "label": _ref("text"), "source": _REF,
                                         "short": _ref("text")}, "a reference value"),
        "dimension": _object(DIMENSION, {
            "id": _DIMENSION_ID, "group": _choice(GROUPS), "name": _ref("text"), "unit": _choice(UNITS),
            "range": {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
            "adverse": _choice(ADVERSE), "bands": _list(_ref("band")), "description": _ref("text"),
            "reference": _ref("reference"), "gold_nugget": _BOOL, "share": _BOOL,
            "meaningful_difference": {"type": "number", "minimum": 0}}, "a dimension"),
        "exposure": _object(EXPOSURE, {"exposed": _list({"type": "integer", "minimum": 1})},
                            "which answer positions count as exposed"),
        "item": _object(ITEM, {"code": {"type": "string", "pattern": ITEM_CODE_PATTERN.pattern}, "dimension": _REF,
                               "reversed": _BOOL, "exposed": _list({"type": "integer", "minimum": 1})},
                        "a questionnaire item"),
        "instrument": _object(INSTRUMENT, {"id": _ID, "title": _ref("text"),
                                           "coding": {**_list(_number(0, 100)), "minItems": 2,
                                                      "maxItems": MAX_POSITIONS},
                                           "items": _list(_ref("item")),
                                           "exposure": _ref("exposure"), "description": _ref("text")},
                              "a questionnaire and how its answers become scores"),
        "sector": _object(SECTOR, {"id": _ID, "name": _ref("text"),
                                   "references": {"type": "object", "additionalProperties": _ref("reference"),
                                                  "minProperties": 1},
                                   "aliases": _list({"type": "string"}, non_empty=False), "fallback": _BOOL},
                          "a sector and its reference values"),
        "plan": _object(PLAN, {"goal": _ref("text"), "owner": _ref("text"), "evaluation": _ref("text"),
                               "follow_up_weeks": _int(1, 104)}, "an action-plan template"),
        "intervention": _object(INTERVENTION, {
            "id": _ID, "title": _ref("text"), "description": _ref("text"), "prevention": _choice(PREVENTION_ORDER),
            "iglo": _list(_choice(IGLO_LEVELS)), "effort": _choice(EFFORTS), "time_to_effect": _choice(TIMES),
            "plan": _ref("plan"), "evidence": _list(_REF), "builds": _list(_REF), "review_by": _DATE},
            "an intervention"),
        "must_act": _object(MUST_ACT, {"hazard": _REF, "intervention": _REF},
                            "required by law: comes before the ranked list"),
        "recommendation": _object(RECOMMENDATION, {"intervention": _REF, "weight": {
            "type": "number", "exclusiveMinimum": 0, "maximum": MAX_WEIGHT}},
            "an intervention the rule speaks for, and how strongly"),
        "evidence": _object(EVIDENCE, {"sources": _list(_REF), "review_by": _DATE}, "the rule's sources"),
        "rule": _object(RULE, {"id": _ID, "title": _ref("text"),
                               "when": {"type": "string", "description": "a condition, e.g. influence is low"},
                               "because": _ref("text"), "recommend": _list(_ref("recommendation")),
                               "evidence": _ref("evidence"), "must_act": _ref("must_act"),
                               "legal": _list(_REF, non_empty=False)}, "a rule"),
        "low_competence": _object(LOW_COMPETENCE, {"when": {"type": "string"}, "first": _REF,
                                                   "near_tie": _number(0, 0.5)}, "building competence first"),
        "ranking": _object(RANKING, {"top": _int(1, 50), "further_findings": _number(0, 1),
                                     "meaningful_difference": _number(0, 50),
                                     "low_competence": _ref("low_competence")}, "how the list is ranked"),
        "planning": _object(PLANNING, {"employees": _ref("text"), "learning": _ref("text"),
                                       "co_owner": _ref("text"), "apv": _ref("text"), "source": _REF},
                            "how every plan involves the employees"),
        "ruleset": _object(RULESET, {"id": _ID, "version": {"type": "string"}, "title": _ref("text"),
                                     "description": _ref("text"), "min_group_size": _int(1, 1000),
                                     "min_answers_for_shares": _int(1, 1000), "remeasure_months": _int(1, 60),
                                     "ranking": _ref("ranking"), "planning": _ref("planning")},
                           "the rule set's header"),
    }
    kinds = {"ruleset": _ref("ruleset"), "dimensions": _list(_ref("dimension")), "sources": _list(_ref("source")),
             "interventions": _list(_ref("intervention")), "hazards": _list(_ref("hazard")),
             "sectors": _list(_ref("sector")), "instrument": _ref("instrument"), "rules": _list(_ref("rule"))}
    assert tuple(kinds) == KINDS
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "Trivsel rule file",
            "description": "One of: the rule-set header, dimensions, sources, interventions, hazards, sectors, "
                           "an instrument, or rules. `trivsel lint` checks what a schema cannot.",
            "type": "object", "properties": kinds, "additionalProperties": False,
            "minProperties": 1, "maxProperties": 1, "$defs": defs}
