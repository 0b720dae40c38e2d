"""Build step that pyproject.toml cannot declare: the gRPC code is generated from proto/ at build time.

The generated modules (``trivsel/v1/recommender_pb2*.py``) are not committed; every build makes
them with the grpcio-tools that pyproject.toml's build requirements pin, so the code always
matches the .proto and the runtime floors in ``dependencies`` match the generator. A wheel gets
them in its build folder; an editable install (``make``'s ``pip install -e``) writes them next to
the sources, where the checkout imports them.

The wheel also carries the bundled rule set and the .proto files as ``trivsel/rules`` and
``trivsel/proto``, copied folder by folder from the repository (a new rule file needs no list);
an editable install reads them from the checkout (engine/bundled.py).

The hot path — every module an answer passes through, :data:`COMPILED` — is compiled by mypyc
from the same typed source that ``make typecheck`` checks (durable-rules already needs a C
compiler, so this adds no requirement). ``TRIVSEL_BUILD=pure`` installs without compiling. The
build records what it compiled, with each source's SHA-256, in ``trivsel/native.json``; at run
time trivsel/native.py runs the compiled modules only while their sources are unchanged, and the
pure modules when ``TRIVSEL_PURE_PYTHON`` is set. Why these modules and what it gains:
docs/ARCHITECTURE.md, "The compiled hot path".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROTOS = sorted((HERE / "proto" / "trivsel" / "v1").glob("*.proto"))
INCLUDES = [HERE / "proto", HERE / "third_party" / "googleapis"]  # google/rpc/status.proto is vendored


def generate(out: Path) -> None:
    """protoc with the Python, typing-stub and gRPC plug-ins, as ``python -m grpc_tools.protoc`` would."""
    from importlib import resources

    from grpc_tools import protoc

    well_known = resources.files("grpc_tools") / "_proto"  # google/protobuf/*.proto
    args = ["protoc", *(f"-I{p}" for p in INCLUDES), f"-I{well_known}", f"--python_out={out}", f"--pyi_out={out}",
            f"--grpc_python_out={out}", *(str(p) for p in PROTOS)]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed on {', '.join(p.name for p in PROTOS)}")


DATA = {"rules": ("*.yaml", "*.schema.json"), "proto": ("*.proto",)}  # folder → the files of it that ship


def copy_data(package: Path) -> None:
    """``rules/`` and ``proto/`` into the built package, keeping their folders."""
    for folder, patterns in DATA.items():
        for source in sorted(p for pattern in patterns for p in (HERE / folder).rglob(pattern)):
            target = package / folder / source.relative_to(HERE / folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


class BuildWithProtos(build_py):
    """build_py that also generates the gRPC code (into the sources when editable) and, for a
    wheel, adds the bundled rules and protos."""

    def run(self) -> None:
        if self.editable_mode:
            generate(HERE)
            if PURE:  # this checkout was built compiled before: its record must not outlive the build
                (HERE / "trivsel" / "native.json").unlink(missing_ok=True)
            super().run()
        else:
            super().run()
            generate(Path(self.build_lib))
            copy_data(Path(self.build_lib) / "trivsel")


COMPILED = (
    "engine/frozen.py", "engine/conditions.py", "engine/grading.py", "engine/templates.py", "engine/model.py",
    "engine/durable_compile.py", "engine/durable_adapter.py", "engine/rank.py", "engine/rationale.py",
    "engine/strengths.py", "engine/sectors.py", "engine/followup.py", "engine/result.py", "engine/recommender.py",
    "api/convert.py", "api/wire.py",
)
"""The modules compiled by mypyc, as repository paths (installed as ``trivsel.<folder>.<name>``)."""

DEPENDED_ON = ("engine", "api")
"""The folders whose modules the compiled ones import (and the Makefile's HOT): any change there
means compiling again, since compiled code reads a NamedTuple's fields by position."""
GROUP = "trivsel"  # mypyc puts the compiled code in one shared library, ``trivsel__mypyc``
PACKAGES = ("engine", "api", "service", "client")  # installed as trivsel.<name>, from the folder <name>
PURE = os.environ.get("TRIVSEL_BUILD", "compiled").strip().lower() == "pure"


def module_name(path: str) -> str:
    folder, name = path.removesuffix(".py").split("/")
    return f"trivsel.{folder}.{name}"


def compile_tree() -> Path:
    """build/mypyc-src: the installed layout (``trivsel/engine`` …) as symlinks to the repository's
    folders, plus the generated gRPC code, so that mypyc names each module as it is imported
    (``trivsel.engine.rank``, not ``engine.rank``) and finds every import."""
    root = HERE / "build" / "mypyc-src"
    shutil.rmtree(root, ignore_errors=True)
    package = root / "trivsel"
    package.mkdir(parents=True)
    for name in PACKAGES:
        (package / name).symlink_to(HERE / name, target_is_directory=True)
    for source in (HERE / "trivsel").glob("*.py"):
        (package / source.name).symlink_to(source)
    (package / "v1").mkdir()
    (package / "v1" / "__init__.py").symlink_to(HERE / "trivsel" / "v1" / "__init__.py")
    generate(root)
    # Types only from our own code: third-party imports are opaque objects to the compiled code
    # either way, and the build needs no stub packages. make typecheck is the strict check.
    (root / "mypy.ini").write_text("[mypy]\npython_version = 3.11\nignore_missing_imports = True\n"
                                   "follow_imports = silent\ncache_dir = build/mypyc-cache\n"
                                   "[mypy-trivsel.v1.*]\nignore_errors = True\n")
    return root


class BuildCompiled(build_ext):
    """build_ext that compiles :data:`COMPILED` with mypyc, then records the build in
    ``trivsel/native.json`` (beside the sources when editable, else in the wheel)."""

    def run(self) -> None:
        # mypyc runs here, not in finalize_options: egg_info finalizes build_ext too, and pip asks
        # for metadata twice before it builds.
        from mypyc.build import mypycify

        root = compile_tree()
        paths = [os.path.relpath(root / "trivsel" / path, Path.cwd()) for path in COMPILED]
        made = {ext.name: ext for ext in mypycify(["--config-file", os.path.relpath(root / "mypy.ini", Path.cwd()),
                                                     *paths], opt_level="3", group_name=GROUP)}
        if set(made) != {ext.name for ext in self.extensions}:
            raise SystemExit(f"trivsel: mypyc made {sorted(made)}, setup.py expected "
                             f"{sorted(ext.name for ext in self.extensions)}")
        for ext in self.extensions:  # fill the placeholders setuptools has already set up
            ext.__dict__.update({key: value for key, value in vars(made[ext.name]).items()
                                 if not key.startswith("_")})
        try:
            super().run()
        except Exception as error:  # the C compiler's own message is printed above this one
            raise SystemExit(f"trivsel: compiling the hot path failed ({type(error).__name__}; the compiler's own "
                             "output is above). It needs gcc and Python's headers (Debian/Ubuntu: apt-get install "
                             "gcc python3.11-dev); TRIVSEL_BUILD=pure installs without compiling.") from error
        import mypy.version

        target = HERE / "trivsel" if self.inplace or self.editable_mode else Path(self.build_lib) / "trivsel"
        manifest = {"compiler": f"mypyc {mypy.version.__version__}", "group": f"{GROUP}__mypyc",
                    "modules": {module_name(path): hashlib.sha256((HERE / path).read_bytes()).hexdigest()
                                for path in COMPILED},
                    # and what the compiled code was built against: a NamedTuple's field is read by
                    # its position, a constant may be copied in
                    "sources": {f"trivsel.{folder}": {str(path.relative_to(HERE / folder)):
                                                      hashlib.sha256(path.read_bytes()).hexdigest()
                                                      for path in sorted((HERE / folder).rglob("*.py"))}
                                for folder in DEPENDED_ON}}
        target.mkdir(parents=True, exist_ok=True)
        (target / "native.json").write_text(json.dumps(manifest, indent=1) + "\n")


# Placeholders with the real names until BuildCompiled.run makes the real ones: they make setuptools
# run build_ext at all and tag the wheel for this platform.
PLACEHOLDERS = [Extension(name, sources=[]) for name in (*map(module_name, COMPILED), f"{GROUP}__mypyc")]
setup(cmdclass={"build_py": BuildWithProtos, "build_ext": BuildCompiled}, ext_modules=[] if PURE else PLACEHOLDERS)
