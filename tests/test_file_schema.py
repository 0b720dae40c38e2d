"""The rule-file JSON Schema (``trivsel schema``): current, valid, accepted by every bundled file,
refusing what the loader refuses, and named by the modeline at the top of every bundled file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from trivsel.engine import file_schema
from trivsel.engine.loader import rule_files

from .conftest import RULES
from .test_cli import trivsel

SCHEMA_FILE = RULES / "rule-file.schema.json"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


class _EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2 core: 2027-12-31 is a string)."""


_EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _validator() -> jsonschema.Draft202012Validator:
    schema = file_schema.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_committed_schema_is_current() -> None:
    """rules/rule-file.schema.json is what `trivsel schema` prints (regenerate:
    `trivsel schema --out rules/rule-file.schema.json`)."""
    printed = trivsel("schema")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == file_schema.json_schema()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed.stdout, \
        "stale: run `trivsel schema --out rules/rule-file.schema.json`"


@pytest.mark.parametrize("path", rule_files(RULES), ids=lambda p: p.relative_to(RULES).as_posix())
def test_every_bundled_file_is_valid_and_names_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in _validator().iter_errors(yaml.load(text, Loader=_EditorLoader))]
    assert problems == []
    modeline = MODELINE.match(text.splitlines()[0])
    assert modeline, f"{path.name}: the first line is not the yaml-language-server modeline"
    assert (path.parent / modeline.group(1)).resolve() == SCHEMA_FILE.resolve()


@pytest.mark.parametrize("document, where", [
    ({"rules": [{"id": "x", "title": {"da": "a", "en": "b"}, "when": "influence is low",
                 "because": {"da": "a", "en": "b"}, "recommend": [{"intervention": "y", "weight": 2}],
                 "evidence": {"sources": ["seed"]}, "wieght": 1}]}, "rules/0"),            # an unknown key
    ({"rules": [{"id": "x", "title": {"da": "a"}, "when": "influence is low", "because": {"da": "a", "en": "b"},
                 "recommend": [{"intervention": "y", "weight": 2}], "evidence": {"sources": ["s"]}}]},
     "rules/0/title"),                                                                       # no English text
    ({"interventions": [{"id": "x", "title": {"da": "a", "en": "b"}, "description": {"da": "a", "en": "b"},
                         "prevention": "quaternary", "iglo": ["G"], "effort": "low", "time_to_effect": "weeks",
                         "plan": {"goal": {"da": "a", "en": "b"}, "owner": {"da": "a", "en": "b"},
                                  "evaluation": {"da": "a", "en": "b"}, "follow_up_weeks": 6},
                         "evidence": ["seed"]}]}, "interventions/0/prevention"),             # not a choice
    ({"rules": [], "sources": []}, ""),                                                      # two kinds in one file
    ({"hazards": [{"id": "Vold", "title": {"da": "a", "en": "b"}, "severity": 101,
                   "legal_basis": {"da": "a", "en": "b"}, "source": "s"}]}, "hazards/0/id"),  # id and range
])
def test_the_schema_refuses_what_the_loader_refuses(document: dict, where: str) -> None:
    errors = list(_validator().iter_errors(document))
    assert errors and any("/".join(map(str, e.absolute_path)) == where for e in errors)


DEMANDS = "themes/demands.yaml"
INSTRUMENT = "instruments/copsoq3.yaml"


@pytest.mark.parametrize("file, old, new", [
    (DEMANDS, "{intervention: prioritisation, weight: 5}", "{intervention: prioritisation, weight: 6}"),
    (DEMANDS, "    legal: [workload]\n", "    legal: [workload]\n    wieght: 2\n"),
    (DEMANDS, "review_by: 2027-12-31", "review_by: 31-12-2027"),
    (INSTRUMENT, "coding: [100, 75, 50, 25, 0]", "coding: [100]"),
    (INSTRUMENT, "{code: QD1, dimension: quantitative_demands}", "{code: 1QD, dimension: quantitative_demands}"),
    ("catalogue/dimensions.yaml", "{id: low, below: 33, risk: ok,", "{id: low, below: 33, upto: 40, risk: ok,"),
    ("catalogue/interventions.yaml", "    effort: low\n", "    effort: tiny\n"),
    ("catalogue/hazards.yaml", "severity: 100", "severity: 101"),
])
def test_schema_and_loader_refuse_the_same_mistakes(rules_copy, file: str, old: str, new: str) -> None:
    """One mistake in a real bundled file: the loader (trivsel lint) and the schema (the editor)
    both refuse it — so an editor never shows a file as fine that lint will fail."""
    from trivsel.engine import check_ruleset

    folder = rules_copy()
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _, problems = check_ruleset(folder)
    assert [p for p in problems if p.is_error and p.position.file.endswith(file)], "the loader let it pass"
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_EditorLoader)
    assert list(_validator().iter_errors(document)), "the schema let it pass"
