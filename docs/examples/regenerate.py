"""Rebuild the example reports in this folder from ``examples/`` with the bundled rules.

The reports are shown to readers as what ``trivsel report`` produces, so they must be its real,
current output: ``make examples`` rewrites them, and the test suite runs ``--check`` so a change to
rules, texts or layout that forgets to regenerate them fails instead of leaving stale documents.

    python docs/examples/regenerate.py            # rewrite the files
    python docs/examples/regenerate.py --check    # exit 1 and name the files that differ
"""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in EXAMPLES:
            fresh = render(name, Path(scratch)).read_bytes()
            target = HERE / name
            if target.exists() and target.read_bytes() == fresh:
                continue
            stale.append(name)
            if not check:
                target.write_bytes(fresh)
    if check and stale:
        print("out of date (run `make examples`): " + ", ".join(stale), file=sys.stderr)
        return 1
    print(("stale: " if check else "rewrote: ") + (", ".join(stale) or "nothing"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
