"""Build step that pyproject.toml cannot declare: the gRPC code is generated from proto/ at build time.

The generated modules (``trivsel/v1/recommender_pb2*.py``) are not committed; every build makes
them with the grpcio-tools that pyproject.toml's build requirements pin, so the code always
matches the .proto and the runtime floors in ``dependencies`` match the generator. A wheel gets
them in its build folder; an editable install (``make``'s ``pip install -e``) writes them next to
the sources, where the checkout imports them.

The wheel also carries the bundled rule set and the .proto files as ``trivsel/rules`` and
``trivsel/proto``, copied folder by folder from the repository (a new rule file needs no list);
an editable install reads them from the checkout (engine/bundled.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
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
            super().run()
        else:
            super().run()
            generate(Path(self.build_lib))
            copy_data(Path(self.build_lib) / "trivsel")


setup(cmdclass={"build_py": BuildWithProtos})
