"""Rebuild the example reports in this folder from ``examples/`` with the bundled rules.

The reports are shown to readers as what ``trivsel report`` produces, so they must be its real,
current output. The test suite runs ``--check``, so a change to rules, texts or layout that forgets
to regenerate them fails instead of leaving stale documents. A failing check prints what changed
(a unified diff per file): a difference the change did not mean to make is a regression, and
rewriting the files would bless it. Rewriting takes the explicit ``--write`` (``make examples``).

    python docs/examples/regenerate.py --check    # the default: exit 1, name the files, show the diff
    python docs/examples/regenerate.py --write    # rewrite the files
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# Output file → arguments to ``trivsel report`` (paths relative to the repository root).
# A fixed report date a little after each measurement, as when the report was made, so that the
# follow-up dates (which count from the report's date once they have passed) do not change daily.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "care-unit.da.html": ("examples/care-unit-emotional-demands.yaml", "--lang", "da", "--date", "2025-03-28"),
    "care-unit.da.md": ("examples/care-unit-emotional-demands.yaml", "--lang", "da", "--date", "2025-03-28"),
    "production-high-workload.en.html": ("examples/production-high-workload.yaml", "--lang", "en",
                                         "--date", "2025-05-14"),
    "organisation.da.html": ("--org", "examples/organisation/departments.csv", "--lang", "da"),
    "organisation.en.html": ("--org", "examples/organisation/departments.csv", "--lang", "en"),
}


def render(name: str, folder: Path) -> Path:
    """Run ``trivsel report`` as a user would, with the bundled rules, writing ``folder/name``."""
    out = folder / name
    env = {k: v for k, v in os.environ.items() if k != "TRIVSEL_SERVER"}  # always the embedded engine
    subprocess.run([sys.executable, "-m", "trivsel.client.cli", "report", *EXAMPLES[name], "--rules", "rules",
                    "--out", str(out)], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120)
    return out


DIFF_LINES = 40
"""The most diff lines shown per file: enough to see what changed, not a whole report."""
LINE_CHARS = 300
"""An HTML table is one line: the most characters of a diff line shown."""


def difference(name: str, old: bytes, new: bytes) -> str:
    """The first :data:`DIFF_LINES` lines of a unified diff between the committed and fresh file."""
    lines = list(difflib.unified_diff(old.decode("utf-8", "replace").splitlines(),
                                      new.decode("utf-8", "replace").splitlines(),
                                      f"docs/examples/{name} (committed)", f"{name} (fresh)", n=1, lineterm=""))
    more = len(lines) - DIFF_LINES
    shown = [line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + " …" for line in lines[:DIFF_LINES]]
    return "\n".join(shown + ([f"… {more} more diff lines"] if more > 0 else []))


def main(argv: list[str]) -> int:
    unknown = [a for a in argv if a not in ("--check", "--write")]
    if unknown or len(argv) > 1:
        print("usage: regenerate.py [--check | --write]", file=sys.stderr)
        return 2
    write = argv == ["--write"]
    stale: list[str] = []
    diffs: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in EXAMPLES:
            fresh = render(name, Path(scratch)).read_bytes()
            target = HERE / name
            old = target.read_bytes() if target.exists() else b""
            if old == fresh:
                continue
            stale.append(name)
            diffs.append(difference(name, old, fresh))
            if write:
                target.write_bytes(fresh)
    if not write and stale:
        print("\n\n".join(diffs), file=sys.stderr)
        print("\nout of date: " + ", ".join(stale) + ". Read the differences above: if they are what your "
              "change means to do, rewrite the files with `make examples`; if not, they are a regression.",
              file=sys.stderr)
        return 1
    print(("rewrote: " if write else "current: ") + (", ".join(stale) if write else ", ".join(EXAMPLES)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
