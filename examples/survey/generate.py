"""Write the synthetic example survey export (responses.csv) and its department list.

Synthetic, seeded and reproducible: ``python examples/survey/generate.py`` rewrites the same files.
Each department has its own leaning per scale (an answer position around which its respondents
answer), so the scored profiles differ the way real departments do: a home-care unit with high
emotional demands and some threats, a busy contact centre, a calm payroll office, a production line
with a high pace, an IT unit after a reorganisation, and a team of four that is too small to show.
A few cells are left empty, as in real exports. The layout is the one a survey tool exports to
Excel in Danish settings: ';' between cells, UTF-8 with a byte-order mark.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
INSTRUMENT = HERE.parent.parent / "rules" / "instruments" / "copsoq3.yaml"

# department id: (name, sector, division, respondents, {scale code prefix: leaning 1–5}, exposure chance per act)
DEPARTMENTS = {
    "hjemmepleje-syd": ("Hjemmeplejen Syd", "municipal-eldercare", "omsorg", 34,
                        {"QD": 2, "WP": 2, "ED": 1.5, "HE": 2, "IN": 3.5, "MW": 1.5, "PR": 3.5, "RE": 3, "SS": 3},
                        {"TV": 0.18, "PV": 0.09, "SH": 0.03}),
    "kontaktcenter": ("Kontaktcentret", "private", "service", 46,
                      {"QD": 2, "WP": 1.5, "HE": 1.5, "IN": 4.2, "TM": 3.8, "RE": 3.6},
                      {"TV": 0.09}),
    "loen": ("Løn og Personale", "municipal", "administration", 22,
             {"QD": 3, "WP": 3, "IN": 2, "PR": 2, "SS": 2, "SC": 1.8, "SW": 1.8, "TE": 1.8},
             {}),
    "produktion-2": ("Produktion, linje 2", "private-manual", "produktion", 58,
                     {"QD": 2, "WP": 1.5, "IN": 4.3, "RE": 3.5, "SS": 3.2},
                     {"BU": 0.05, "CQ": 0.2}),
    "it-drift": ("IT-drift", "state", "administration", 27,
                 {"PR": 4.2, "CL": 4, "JI": 2, "TM": 3.8, "JU": 3.7, "CO": 2.2},
                 {"CQ": 0.12}),
    "natvagt": ("Nattevagten", "municipal-eldercare", "omsorg", 4,
                {"QD": 2, "ED": 2},
                {"TV": 0.5}),
}
NEUTRAL = 3.0  # every other scale: the middle option
REVERSED = {"QD4", "CW4", "TE1", "TE2", "TM3"}
EMPTY = 0.02   # the share of cells left empty


def main() -> None:
    rng = random.Random(2025)
    items = [i for i in yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))["instrument"]["items"]]
    codes = [i["code"] for i in items]
    header = ["respondent_id", "department", "division", *codes]
    rows = []
    n = 0
    for ident, (_, _, division, count, leaning, exposure) in DEPARTMENTS.items():
        for _ in range(count):
            n += 1
            row = [f"R{n:05d}", ident, division]
            for code in codes:
                if code in ("BU", "SH", "PV", "TV", "CQ"):  # yes (1–4) or no (5)
                    row.append(str(rng.randint(1, 4)) if rng.random() < exposure.get(code, 0.0) else "5")
                    continue
                prefix = "".join(c for c in code if c.isalpha() and c != "X")
                centre = leaning.get(prefix, NEUTRAL)
                if code in REVERSED:
                    centre = 6 - centre
                value = min(5, max(1, round(rng.gauss(centre, 0.8))))
                row.append("" if rng.random() < EMPTY else str(value))
            rows.append(row)
    rng.shuffle(rows)
    with (HERE / "responses.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";").writerows([header, *rows])
    with (HERE / "departments.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["department_id", "department_name", "sector"])
        for ident, (name, sector, *_rest) in DEPARTMENTS.items():
            writer.writerow([ident, name, sector])


if __name__ == "__main__":
    main()
