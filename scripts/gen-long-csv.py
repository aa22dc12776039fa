#!/usr/bin/env python3
"""Write a synthetic long-layout observations file for benchmarks.

    python3 scripts/gen-long-csv.py /tmp/long.csv [ROWS]

Deterministic (fixed seed). Default 1,400,000 rows, about 45 MB: 4,000
patients, days -30..719, the measures upcr, albumin, scr, egfr, dipstick in
several units, and one measure in ten that no mapping knows (not used).
Rows are shuffled in blocks, so they are neither sorted nor grouped.
"""
import random
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/long.csv"
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_400_000
rng = random.Random(20240601)
kinds = [
    ("upcr", lambda: f"{rng.uniform(10, 900):.1f}", "mg/mmol"),
    ("uPCR", lambda: f"{rng.uniform(0.05, 9):.2f}", "g/g"),
    ("albumin", lambda: f"{rng.uniform(12, 48):.1f}", "g/L"),
    ("albumin", lambda: f"{rng.uniform(1.2, 4.8):.2f}", "g/dL"),
    ("scr", lambda: f"{rng.uniform(40, 400):.0f}", "umol/L"),
    ("creatinine", lambda: f"{rng.uniform(0.5, 4.5):.2f}", "mg/dL"),
    ("egfr", lambda: f"{rng.uniform(5, 120):.1f}", "mL/min/1.73m2"),
    ("dipstick", lambda: rng.choice(["negative", "trace", "1+", "2+", "3+", "4+"]), ""),
    ("hba1c", lambda: f"{rng.uniform(4, 9):.1f}", "%"),
]
with open(path, "w", newline="") as out:
    out.write("patient,day,measure,value,unit\n")
    block = []
    for i in range(rows):
        name, value, unit = kinds[i % len(kinds)]
        # (patient, day) is different for every row, so there is no exact
        # duplicate; the block shuffle leaves the rows unsorted.
        patient, day = i % 4000, (i // 4000) % 750 - 30
        block.append(f"PID-{patient:06d},{day},{name},{value()},{unit}\n")
        if len(block) == 10_000:
            rng.shuffle(block)
            out.writelines(block)
            block = []
    out.writelines(block)
