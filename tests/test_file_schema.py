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


def test_the_schema_takes_its_choices_from_the_loader() -> None:
    from trivsel.engine import loader

    schema = file_schema.json_schema()["$defs"]
    assert schema["dimension"]["properties"]["group"]["enum"] == list(loader.GROUPS)
    assert schema["band"]["properties"]["risk"]["enum"] == list(loader.RISKS)
    assert schema["rule"]["required"] == list(file_schema.RULE.required)
    assert set(file_schema.json_schema()["properties"]) == set(loader.KINDS)
