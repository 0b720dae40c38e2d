"""The package map holds: engine ← api ← service, and client on api (never the reverse).

Walks the source of every module (imports at any depth, relative ones resolved), so a lazy import
inside a function counts as much as one at the top. The rules:

* ``engine`` imports none of api, service, client — it is the library, usable without gRPC;
* ``api`` imports the engine and the generated code only — what server and client share;
* ``service`` never imports ``client``; ``client`` may start the server (``trivsel serve``) and
  read its configuration, so client → service is allowed, but no cycle is.
"""

from __future__ import annotations

import ast

from .conftest import ROOT

PACKAGES = {"engine": "engine", "api": "api", "service": "service", "client": "client"}
ALLOWED = {
    "engine": {"engine"},
    "api": {"api", "engine"},
    "service": {"service", "api", "engine"},
    "client": {"client", "api", "engine", "service"},
}


def _imports(package: str) -> dict[str, set[str]]:
    """For each module of ``package``, the trivsel packages it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / PACKAGES[package]).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolved against the module's own package path
                    here = ["trivsel", package, *path.relative_to(ROOT / PACKAGES[package]).parts[:-1]]
                    base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
                    names = [".".join(base + ([node.module] if node.module else []))]
                elif node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "trivsel" and len(parts) > 1 and parts[1] in PACKAGES:
                    targets.add(parts[1])
        found[str(path.relative_to(ROOT))] = targets
    return found


def test_each_package_imports_only_the_layers_below_it() -> None:
    wrong = {module: sorted(targets - ALLOWED[package])
             for package in PACKAGES for module, targets in _imports(package).items() if targets - ALLOWED[package]}
    assert wrong == {}


def test_no_cycle_between_packages() -> None:
    edges = {package: set().union(*_imports(package).values()) - {package} for package in PACKAGES}
    seen: list[str] = []

    def visit(package: str, path: tuple[str, ...]) -> None:
        for target in sorted(edges[package]):
            assert target not in path, f"import cycle: {' → '.join((*path, target))}"
            visit(target, (*path, target))
        seen.append(package)

    for package in PACKAGES:
        visit(package, (package,))
    assert edges["engine"] == set() and edges["api"] == {"engine"}
