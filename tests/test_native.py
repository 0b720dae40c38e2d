"""The compiled hot path and the pure-Python path (trivsel/native.py, setup.py's COMPILED).

``make test`` runs the suite on the compiled build and ``make test-pure`` on the pure one; each
sets ``TRIVSEL_EXPECT_BUILD``, so a build that silently fell back (a failed compile, a stale
extension) fails here instead of passing with the other build. Both builds must give the same
answers byte for byte: the last test renders the same requests in a pure-Python process and in a
process with the compiled modules and compares the bytes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trivsel
from trivsel import native

ROOT = Path(__file__).resolve().parent.parent


def _compiled_list() -> list[str]:
    """setup.py's COMPILED, read from its source (setup.py runs setup() when imported)."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no COMPILED")


def _compiled_modules() -> list[str]:
    return ["trivsel." + path.removesuffix(".py").replace("/", ".") for path in _compiled_list()]


def _run(code: str, **environ: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_VARIABLE}
    env.update(environ)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT.parent, check=True,
                         capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout)


_REPORT = """
    import importlib, importlib.machinery, json, sys
    import trivsel.native
    for name in MODULES:
        importlib.import_module(name)
    loaded = {name: isinstance(getattr(m.__spec__, "loader", None), importlib.machinery.ExtensionFileLoader)
              for name, m in sys.modules.items() if name.startswith("trivsel.") and m is not None}
    print(json.dumps({"kind": trivsel.native.BUILD.kind, "detail": trivsel.native.BUILD.detail, "extension": loaded}))
"""


def test_the_build_make_asked_for_is_the_one_running() -> None:
    expected = os.environ.get("TRIVSEL_EXPECT_BUILD")
    if expected is None:
        pytest.skip("run through `make test` or `make test-pure`, which say which build to expect")
    assert native.BUILD.kind == expected, str(native.BUILD)


def _not_compiled(detail: str) -> None:
    """A subprocess ran pure Python: a failure when make expects the compiled build, else a skip."""
    if os.environ.get("TRIVSEL_EXPECT_BUILD") == "compiled":
        pytest.fail(f"the compiled build was expected, but a new process runs pure Python: {detail}")
    pytest.skip(f"this install is not compiled: {detail}")


def test_every_compiled_module_is_loaded_from_its_extension_and_nothing_else_is() -> None:
    report = _run(_REPORT.replace("MODULES", repr(_compiled_modules())))
    if report["kind"] != "compiled":
        _not_compiled(report["detail"])
    compiled = set(_compiled_modules())
    assert {name for name, extension in report["extension"].items() if extension} == compiled
    assert report["detail"].endswith(f"{len(compiled)} modules")


def test_the_pure_variable_loads_every_module_from_source() -> None:
    report = _run(_REPORT.replace("MODULES", repr(_compiled_modules())), TRIVSEL_PURE_PYTHON="1")
    assert report["kind"] == "pure" and "TRIVSEL_PURE_PYTHON" in report["detail"]
    assert "trivsel.engine.rank" in report["extension"]
    assert not any(report["extension"].values()), [n for n, e in report["extension"].items() if e]


def test_the_manifest_names_what_setup_compiles_with_the_sources_hashes() -> None:
    if not native.MANIFEST.is_file():
        pytest.skip("this install was built with TRIVSEL_BUILD=pure")
    manifest = json.loads(native.MANIFEST.read_text())
    expected = {name: hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
                for name, path in zip(_compiled_modules(), _compiled_list())}
    assert manifest["modules"] == expected
    assert manifest["group"] == "trivsel__mypyc" and manifest["compiler"].startswith("mypyc ")
    # and every module the compiled ones were built against (a NamedTuple's field is read by position)
    assert manifest["sources"] == {f"trivsel.{folder}": {str(p.relative_to(ROOT / folder)): hashlib.sha256(
        p.read_bytes()).hexdigest() for p in sorted((ROOT / folder).rglob("*.py"))} for folder in ("engine", "api")}


def test_the_version_names_the_build() -> None:
    def version(**environ: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != native.PURE_VARIABLE} | environ
        return subprocess.run([sys.executable, "-m", "trivsel", "--version"], env=env, cwd=ROOT.parent,
                              capture_output=True, text=True, check=True, timeout=60).stdout.strip()

    assert version(TRIVSEL_PURE_PYTHON="1").endswith("(pure Python: TRIVSEL_PURE_PYTHON is set)")
    default = _run(_REPORT.replace("MODULES", "[]"))
    assert version() == f"trivsel {trivsel.__version__} ({native.Build(default['kind'], default['detail'])})"


def test_what_a_rule_set_works_out_once_is_not_worked_out_again(recommender) -> None:
    """A ``functools.cached_property`` on a class mypyc compiles is worked out on every read (the
    class has no instance dict): the ranking's prevention order was rebuilt for every answer,
    which made ordering 4× slower compiled than pure. It is a field set once now."""
    ruleset = recommender.ruleset
    assert ruleset.prevention_rank is ruleset.prevention_rank
    levels = {"primary": 0, "secondary": 1, "tertiary": 2}  # docs/RANKING.md: primary first
    assert dict(ruleset.prevention_rank) == {i.id: levels[i.prevention] for i in ruleset.interventions.values()}


def test_answers_and_rules_copy_and_pickle(recommender) -> None:
    """Compiled, a frozen dataclass has no instance dict and refused copy and pickle until
    engine/frozen.py; an answer handed to another process must survive it on both builds."""
    import copy
    import pickle

    from trivsel.engine import Department, Options, Profile

    values = {"influence": 25.0, "quantitative_demands": 80.0, "bullying": 10.0, "sickness_absence_pct": 7.5}
    result = recommender.recommend(Profile(Department("d", "D", "municipal"), 30, values), Options(language="da"))
    rule = recommender.ruleset.rules[0]
    for again in (copy.copy, copy.deepcopy, lambda x: pickle.loads(pickle.dumps(x))):
        assert again(result) == result and again(rule) == rule
        assert again(rule.condition) == rule.condition


# decide(): the rules, on manifests and sources made here -------------------------------------------


def _package(tmp_path: Path, text: str = "X = 1\n") -> tuple[Path, Path]:
    """A source file with a (fake) extension beside it, and a manifest naming it with its hash."""
    source = tmp_path / "hot.py"
    source.write_text(text)
    source.with_name("hot" + importlib.machinery.EXTENSION_SUFFIXES[0]).write_bytes(b"")
    manifest = tmp_path / "native.json"
    manifest.write_text(json.dumps({"compiler": "mypyc 9.9", "group": "json",  # any importable module name
                                    "modules": {"trivsel.fake.hot": hashlib.sha256(text.encode()).hexdigest()}}))
    return source, manifest


def test_an_unchanged_source_runs_compiled(tmp_path: Path) -> None:
    source, manifest = _package(tmp_path)
    build = native.decide({}, manifest, lambda module: source)
    assert build == native.Build("compiled", "mypyc 9.9, 1 modules")


def test_a_source_changed_after_compiling_runs_pure_and_says_which(tmp_path: Path) -> None:
    source, manifest = _package(tmp_path)
    source.write_text("X = 2\n")
    build = native.decide({}, manifest, lambda module: source)
    assert build.kind == "pure" and "hot.py (trivsel.fake.hot) changed" in build.detail


def test_a_module_the_compiled_code_was_built_against_changed_runs_pure(tmp_path: Path) -> None:
    source, manifest = _package(tmp_path)
    helper = tmp_path / "pkg" / "profile.py"
    helper.parent.mkdir()
    helper.write_text("class CheckedProfile: ...\n")
    data = json.loads(manifest.read_text())
    data["sources"] = {"trivsel.fake": {"profile.py": hashlib.sha256(helper.read_bytes()).hexdigest()}}
    manifest.write_text(json.dumps(data))
    folder = lambda package: tmp_path / "pkg"  # noqa: E731
    assert native.stale_reason(data["modules"], lambda m: source, data["sources"], folder) is None
    helper.write_text("class CheckedProfile: values = 1\n")
    reason = native.stale_reason(data["modules"], lambda m: source, data["sources"], folder)
    assert reason is not None and "profile.py (trivsel.fake) changed after the hot path was compiled" in reason


@pytest.mark.parametrize("value, kind", [("1", "pure"), ("true", "pure"), ("YES", "pure"), ("0", "compiled"),
                                         ("", "compiled")])
def test_the_pure_variable(tmp_path: Path, value: str, kind: str) -> None:
    source, manifest = _package(tmp_path)
    assert native.decide({native.PURE_VARIABLE: value}, manifest, lambda module: source).kind == kind


def test_missing_pieces_run_pure(tmp_path: Path) -> None:
    source, manifest = _package(tmp_path)
    assert "no compiled modules" in native.decide({}, tmp_path / "absent.json", lambda m: source).detail
    assert "no source" in native.decide({}, manifest, lambda m: None).detail
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "group": "trivsel_no_such_library__mypyc"}))
    assert "shared library trivsel_no_such_library__mypyc is missing" in native.decide({}, manifest,
                                                                                     lambda m: source).detail
    manifest.write_text(json.dumps(data))
    for extension in tmp_path.glob("hot.*"):
        if extension.suffix != ".py":
            extension.unlink()
    assert "no compiled extension" in native.decide({}, manifest, lambda m: source).detail


# Both builds give the same bytes ---------------------------------------------------------------------

_RENDER = """
    import hashlib, json, random
    from datetime import date
    from pathlib import Path
    import trivsel.native
    from trivsel.api.wire import WireRenderer
    from trivsel.engine import Department, Options, Profile, ProfileError, Recommender, load_ruleset
    from trivsel.engine.synthetic import random_values
    ruleset = load_ruleset(Path({root!r}) / "rules")
    recommender = Recommender(ruleset)
    renderer = WireRenderer(recommender)
    rng = random.Random(17)
    digest = hashlib.sha256()
    for i in range(300):
        values = random_values(rng, ruleset.dimensions)
        sector = rng.choice(["", "private", "municipal", "state", "region", "ukendt sektor"])
        respondents = rng.choice([3, 5, 12, 19, 20, 60])
        invited = rng.choice([None, respondents, respondents * 3])
        measured = rng.choice([None, date(2026, 3, 1), date(2025, 1, 15)])
        profile = Profile(Department(f"d{{i}}", "Afdeling", sector), respondents, values, invited, measured)
        for language in ("da", "en"):
            options = Options(language=language, top=rng.choice([1, 3, 5, 8]), detail=rng.choice(["full", "ids"]))
            try:
                digest.update(repr(recommender.recommend(profile, options)).encode())
                digest.update(renderer.response(recommender.evaluate(profile), options))
            except ProfileError as error:
                digest.update(repr(error.errors).encode())
    print(json.dumps({{"kind": trivsel.native.BUILD.kind, "digest": digest.hexdigest()}}))
"""


def test_both_builds_give_the_same_answers() -> None:
    """300 random profiles (groups too small, sectors with their own references, low response
    rates, dates among them), da and en, full and ids: the whole Result (its repr), the wire bytes
    the server sends, and every refusal's field errors."""
    code = _RENDER.format(root=str(ROOT))
    default, pure = _run(code), _run(code, TRIVSEL_PURE_PYTHON="1")
    assert pure["kind"] == "pure"
    if default["kind"] != "compiled":
        _not_compiled(default["detail"])
    assert default["digest"] == pure["digest"]
