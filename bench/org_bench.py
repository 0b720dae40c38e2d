"""The organisation view at scale: 1,000 departments from one CSV file, as ``trivsel org`` reads it.

The CSV is generated (random but valid scores; a quarter of the departments below the minimum
group size, so they are refused). Timed: reading the CSV, evaluating every department, and the
whole ``trivsel org --json`` command as a user runs it.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trivsel.client.org_input import read_departments
from trivsel.engine import Options, Recommender
from trivsel.engine.organisation import analyse

from .machine import machine_line

ROOT = Path(__file__).resolve().parent.parent
PERCENT = {"bullying", "sexual_harassment", "violence", "threats", "conflicts", "stress_prevalence",
           "sickness_absence_pct", "turnover_pct"}


def generate_csv(path: Path, count: int, dimensions: list[str], seed: int = 5) -> None:
    rng = random.Random(seed)
    lines = ["department_id,department_name,respondents," + ",".join(dimensions)]
    for i in range(count):
        cells = []
        for d in dimensions:
            if rng.random() < 0.1:
                cells.append("")
            elif d in PERCENT:
                cells.append(f"{rng.uniform(0, 25):.1f}")
            else:
                cells.append(str(rng.randint(10, 95)))
        lines.append(f"d{i:04d},Afdeling {i},{rng.choice((3, 4, 12, 25, 60))}," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(count: int = 1000) -> int:
    with Recommender.from_folder(ROOT / "rules") as rec, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "departments.csv"
        generate_csv(path, count, list(rec.ruleset.dimensions))
        t0 = time.perf_counter()
        profiles = read_departments(str(path))
        t1 = time.perf_counter()
        org = analyse(rec, profiles, Options())
        t2 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "trivsel.client.cli", "org", str(path), "--json"], cwd=ROOT,
                             capture_output=True, text=True)
        t3 = time.perf_counter()
    print(f"## Organisation view: {count:,} departments\n\n{machine_line()}\n")
    print("| step | seconds | per department |")
    print("|---|---|---|")
    print(f"| read the CSV | {t1 - t0:.3f} | {(t1 - t0) / count * 1e6:,.0f} µs |")
    print(f"| evaluate and summarise ({len(org.evaluated)} evaluated, {len(org.refused)} refused) | {t2 - t1:.3f} | "
          f"{(t2 - t1) / count * 1e6:,.0f} µs |")
    print(f"| `trivsel org departments.csv --json` (whole command: start-up, load rules, JSON out) | "
          f"{t3 - t2:.3f} | – |")
    print(f"\nEscalated (≥ 30 % of departments): {', '.join(n.intervention_id for n in org.escalated) or 'none'}; "
          f"exit code {cli.returncode}, {len(cli.stdout) / 1e6:.1f} MB of JSON.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
