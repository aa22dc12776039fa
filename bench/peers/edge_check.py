"""Check the three replicas against nephrules on an awkward cohort.

The synthetic cohort of `nephrules synth` never has two values of one
measure on a day, a value exactly at a threshold, a missing baseline, a
patient without rituximab or with it on another day than 0. This makes
such a cohort (random, deterministic for a seed) and requires every
replica (DuckDB, polars, pandas) to give each patient nephrules' best
response. `run.sh --edge-check` runs it before the timings.

    python edge_check.py --nephrules BIN --rules FILE --workdir DIR [--seed S]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
import zhengzhou_pandas  # noqa: E402
import zhengzhou_polars  # noqa: E402


def make_cohort(seed: int, patients: int, cohort: Path, treatments: Path) -> None:
    rnd = random.Random(seed)

    # Each generator returns (value, unit); about one in seven values sits
    # exactly on a threshold, often written in the other unit.
    def upcr():
        if rnd.random() < 0.15:
            return rnd.choice([(0.3, "g/g"), (33.936, "mg/mmol"), (3.5, "g/g"), (395.92, "mg/mmol")])
        v = rnd.choice([rnd.uniform(0.05, 0.6), rnd.uniform(2, 8), rnd.uniform(0.1, 10)])
        return (round(v, 3), "g/g") if rnd.random() < 0.7 else (round(v * 113.12, 1), "mg/mmol")

    def albumin():
        if rnd.random() < 0.15:
            return rnd.choice([(35, "g/L"), (3.5, "g/dL"), (30, "g/L"), (3.0, "g/dL")])
        v = rnd.uniform(20, 45)
        return (round(v, 1), "g/L") if rnd.random() < 0.7 else (round(v / 10, 2), "g/dL")

    def scr():
        if rnd.random() < 0.15:
            return rnd.choice([(100, "umol/L"), (125, "umol/L"), (130, "umol/L"), (75, "umol/L"), (1.0, "mg/dL")])
        v = rnd.uniform(60, 140)
        return (round(v), "umol/L") if rnd.random() < 0.7 else (round(v / 88.42, 2), "mg/dL")

    measures = {"upcr": upcr, "albumin": albumin, "scr": scr}
    with open(cohort, "w") as out, open(treatments, "w") as tr:
        out.write("patient,day,measure,value,unit\n")
        tr.write("patient,drug,start,end,dose,unit\n")
        for p in range(1, patients + 1):
            pid = f"E{p:05d}"
            index = rnd.choice([0, 0, 0, 5, -3, 10])
            if rnd.random() > 0.03:  # a few never get rituximab: NE
                tr.write(f"{pid},rituximab,{index},{index},375,mg/m2\n")
                if rnd.random() < 0.2:  # a second infusion does not move day 0
                    tr.write(f"{pid},rituximab,{index + 14},{index + 14},375,mg/m2\n")
            if rnd.random() < 0.02:  # only a pre-treatment visit
                days = [rnd.randint(-35, 0)]
            else:
                days = sorted({rnd.randint(-40, 200) for _ in range(rnd.randint(1, 10))})
            for day in days:
                for name, draw in measures.items():
                    if rnd.random() < 0.25:  # not measured that day
                        continue
                    seen = set()  # nephrules rejects exact duplicate rows
                    for _ in range(rnd.choice([1, 1, 1, 2, 3])):
                        value, unit = draw()
                        if (value, unit) not in seen:
                            seen.add((value, unit))
                            out.write(f"{pid},{day},{name},{value},{unit}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nephrules", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--patients", type=int, default=3000)
    args = ap.parse_args()

    work = Path(args.workdir)
    cohort, treatments = work / "edge-cohort.csv", work / "edge-treatments.csv"
    make_cohort(args.seed, args.patients, cohort, treatments)
    with open(work / "edge-nephrules.csv", "wb") as out:
        subprocess.run([args.nephrules, "eval", "--rules", args.rules, "--data", str(cohort),
                        "--treatments", str(treatments), "--format", "csv"], stdout=out, check=True)
    reference = peers.read_best(work / "edge-nephrules.csv")
    replicas = {
        "DuckDB": peers.run_duckdb,
        "polars": zhengzhou_polars.run,
        "pandas": zhengzhou_pandas.run,
    }
    failed = False
    counts = Counter(reference.values())
    print(f"edge check (seed {args.seed}, {len(reference)} patients): nephrules "
          + " / ".join(f"{k} {counts[k]}" for k in peers.CATEGORIES), file=sys.stderr)
    for label, run in replicas.items():
        out = work / f"edge-{label.lower()}.csv"
        run(str(cohort), str(treatments), str(out))
        differ = peers.differences(reference, peers.read_best(out))
        failed |= bool(differ)
        print(f"  {label}: " + ("agrees for every patient" if not differ else
              f"{len(differ)} patients differ (nephrules vs {label}): {', '.join(differ[:10])}"),
              file=sys.stderr)
    if failed:
        sys.exit(f"the replicas disagree with nephrules on the edge cohort (files in {work})")


if __name__ == "__main__":
    main()
