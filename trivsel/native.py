"""Which build runs: the hot path compiled by mypyc, or the same modules as plain Python.

The modules every answer passes through (profile check, conditions, scoring, ranking, rationale,
the wire encoder; setup.py's ``COMPILED``) are compiled by mypyc at install time from the same
typed source that ``make typecheck`` checks. Python imports an extension module in preference to
the ``.py`` beside it, so without a decision here a stale or unwanted extension would silently
win. This module decides once, when ``trivsel`` is first imported, before any of those modules is:

* **compiled** when the install recorded a compiled build (``native.json``, written by setup.py
  with the SHA-256 of every source it compiled and of every other module in engine/ and api/,
  which the compiled code was built against) and every one of those sources is unchanged;
* **pure Python** when ``TRIVSEL_PURE_PYTHON`` is set (``1``/``true``/``yes``), when the install
  has no compiled build (``TRIVSEL_BUILD=pure`` at install time), or when a compiled module's source
  changed after it was compiled (an editable checkout edited without ``make``): running old
  machine code against new source would answer with yesterday's rules of ranking.

In the pure case a finder placed first on ``sys.meta_path`` loads every ``trivsel.*`` module from
its ``.py`` file, so no extension module of ours is ever imported. The decision and its reason are
:data:`BUILD`; ``trivsel --version``, the server's start-up log line and the benchmarks show it.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["Build", "BUILD", "MANIFEST", "PURE_VARIABLE", "decide", "select", "stale_reason", "SourceOnlyFinder"]

MANIFEST = Path(__file__).resolve().parent / "native.json"
"""Written by setup.py after a compiled build: ``{"compiler": …, "group": …, "modules": {name: sha256},
"sources": {package: {file: sha256}}}``."""

PURE_VARIABLE = "TRIVSEL_PURE_PYTHON"
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Build:
    """The build in use: ``kind`` is ``"compiled"`` or ``"pure"``; ``detail`` says which compiler
    and how many modules, or why the pure path runs."""

    kind: str
    detail: str

    @property
    def compiled(self) -> bool:
        return self.kind == "compiled"

    def __str__(self) -> str:
        return f"{'compiled' if self.compiled else 'pure Python'}: {self.detail}"


class SourceOnlyFinder(importlib.abc.MetaPathFinder):
    """Finds ``trivsel.*`` submodules as ``.py`` source only, so a compiled extension beside the
    source is never loaded. Packages themselves (``trivsel.engine``) are left to the normal
    finders, since the editable install maps them to the repository's folders."""

    def __init__(self) -> None:
        self._finders: dict[str, importlib.machinery.FileFinder] = {}

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("trivsel.") or path is None:
            return None
        for entry in path:
            finder = self._finders.get(entry)
            if finder is None:
                finder = importlib.machinery.FileFinder(
                    entry, (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES))
                self._finders[entry] = finder
            spec = finder.find_spec(fullname, target)
            if spec is not None:
                return spec
        return None


def _source_of(module: str) -> Path | None:
    """The ``.py`` file of ``module`` without importing it (its package is looked up, not run)."""
    package, _, name = module.rpartition(".")
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / f"{name}.py"
        if candidate.is_file():
            return candidate
    return None


def _has_extension(source: Path) -> bool:
    return any(source.with_name(source.stem + suffix).is_file()
               for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def _folder_of(package: str) -> Path | None:
    """A package's folder without importing it (only its parent, ``trivsel``, is)."""
    spec = importlib.util.find_spec(package)
    locations = spec.submodule_search_locations if spec else None
    return Path(locations[0]) if locations else None


def stale_reason(modules: Mapping[str, str], locate: Callable[[str], Path | None],
                 sources: Mapping[str, Mapping[str, str]] | None = None,
                 folder_of: Callable[[str], Path | None] = _folder_of) -> str | None:
    """Why the compiled build must not run, or None: a compiled module whose source or extension
    is missing or whose source's SHA-256 differs from the one compiled — or any source the
    compiled code was built against (``sources``: package → file → SHA-256) that changed since:
    compiled code reads a NamedTuple's fields by position and may hold a copied constant."""
    again = "`make` or a reinstall compiles it again"
    for module, digest in modules.items():
        source = locate(module)
        if source is None:
            return f"{module} has no source file"
        if not _has_extension(source):
            return f"{module} has no compiled extension"
        if hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            return f"{source.name} ({module}) changed after it was compiled; {again}"
    for package, files in (sources or {}).items():
        folder = folder_of(package)
        if folder is None:
            return f"{package} is not installed"
        for relative, digest in files.items():
            path = folder / relative
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                return f"{relative} ({package}) changed after the hot path was compiled against it; {again}"
    return None


def _manifest(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def decide(environ: Mapping[str, str], manifest_path: Path = MANIFEST,
           locate: Callable[[str], Path | None] = _source_of) -> Build:
    """The build to run (see the module's docstring); changes nothing."""
    manifest = _manifest(manifest_path) or {}
    modules = manifest.get("modules")
    group = str(manifest.get("group", ""))
    if environ.get(PURE_VARIABLE, "").strip().lower() in _TRUE:
        return Build("pure", f"{PURE_VARIABLE} is set")
    if not isinstance(modules, dict) or not modules:
        return Build("pure", "this install has no compiled modules (built with TRIVSEL_BUILD=pure, or its "
                             "record trivsel/native.json is missing)")
    if not group or importlib.util.find_spec(group) is None:
        return Build("pure", f"the compiled modules' shared library {group or '(unnamed)'} is missing")
    sources = manifest.get("sources")
    reason = stale_reason({str(k): str(v) for k, v in modules.items()}, locate,
                          sources if isinstance(sources, dict) else None)
    if reason is not None:
        return Build("pure", reason)
    return Build("compiled", f"{manifest.get('compiler', 'mypyc')}, {len(modules)} modules")


def select(environ: Mapping[str, str] = os.environ) -> Build:
    """Decide the build and, for the pure path, put :class:`SourceOnlyFinder` first on
    ``sys.meta_path`` (once), so that every ``trivsel.*`` module imported after this is source."""
    build = decide(environ)
    if not build.compiled and not any(isinstance(f, SourceOnlyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, SourceOnlyFinder())
    return build


BUILD = select()
"""The build this process runs, decided when ``trivsel`` was first imported."""
