"""The best response of rules/zhengzhou-2023-rtx-fsgs.rules, in pandas.

`best_response(cohort, treatments)` reads the two CSV files and returns one
row per patient: patient, best_response (CR, PR, NR or NE). The semantics
are those of zhengzhou.sql (see the comments there), written the way a
pandas user would:

  * day 0 = the patient's first rituximab; no rituximab -> NE; patients
    are those of either file (observations or treatments),
  * the median of each measure per patient and day, one row per day
    (`groupby(...).median().unstack()`),
  * each measure carried forward within its `valid` window (per-patient
    `ffill` of the value and of the day it was observed), peak uPCR =
    per-patient running max,
  * baselines = the last day-value in [-30, 0],
  * comparisons with a 1e-9 relative tolerance, missing values as <NA>:
    pandas' nullable "boolean" dtype does Kleene's three-valued `&` / `|`.
"""

import numpy as np
import pandas as pd

VALID_DAYS = {"upcr": 14, "albumin": 14, "scr": 30}
BASELINE_FROM, BASELINE_TO = -30, 0
TOLERANCE = 1e-9
MEASURES = ["upcr", "albumin", "scr"]

# Factor from each (measure, unit) to the rules' units (g/g, g/L, umol/L).
FACTORS = {
    ("upcr", "g/g"): 1.0,
    ("upcr", "mg/mmol"): 1 / 113.12,
    ("albumin", "g/L"): 1.0,
    ("albumin", "g/dL"): 10.0,
    ("scr", "umol/L"): 1.0,
    ("scr", "mg/dL"): 88.42,
}


# Comparisons with values within 1e-9 (relative) taken as equal; <NA> in,
# <NA> out (the operands are nullable Float64 Series).
def near(a, b):
    return (a - b).abs() <= TOLERANCE * np.maximum(abs(a), abs(b))


def lt(a, b):
    return (a < b) & ~near(a, b)


def gt(a, b):
    return (a > b) & ~near(a, b)


def le(a, b):
    return (a < b) | near(a, b)


# Changes relative to a reference point: <NA> (unknown) unless ref > 0.
def rose(x, ref):
    return ((x - ref) / ref).where((ref > 0).fillna(False))


def fell(x, ref):
    return ((ref - x) / ref).where((ref > 0).fillna(False))


def apart(x, ref):
    return ((x - ref).abs() / ref).where((ref > 0).fillna(False))


def best_response(cohort: str, treatments: str) -> pd.DataFrame:
    raw = pd.read_csv(
        cohort,
        dtype={"patient": str, "day": "int64", "measure": str, "value": "float64", "unit": str},
    )
    # Day 0 of each patient: the first rituximab.
    tr = pd.read_csv(treatments, dtype={"patient": str, "drug": str})
    index_day = (
        tr[tr["drug"].str.lower() == "rituximab"].groupby("patient")["start"].min().rename("day0")
    )

    # Every observation in the rules' units, in days from day 0.
    obs = raw.assign(measure=raw["measure"].str.lower())
    obs = obs[obs["measure"].isin(MEASURES)].join(index_day, on="patient", how="inner")
    obs["day"] = obs["day"] - obs["day0"]
    factor = pd.Series(FACTORS)
    keys = pd.MultiIndex.from_arrays([obs["measure"], obs["unit"]])
    obs["v"] = obs["value"].to_numpy() * factor.reindex(keys).to_numpy()

    # One row per patient and day: the median of each measure's values that
    # day (NaN when it was not measured). Sorted by patient and day.
    day_row = (
        obs.groupby(["patient", "day", "measure"])["v"].median()
        .unstack("measure")
        .reindex(columns=MEASURES)
        .reset_index()
    )

    # Carry each measure forward within the patient: the latest day-value at
    # or before each day and the day it was observed; the running peak uPCR.
    g = day_row.groupby("patient", sort=False)
    carried = day_row[["patient", "day"]].copy()
    for name in MEASURES:
        carried[f"{name}_v"] = g[name].ffill()
        carried[f"{name}_day"] = day_row["day"].where(day_row[name].notna()).groupby(
            day_row["patient"], sort=False).ffill()
    carried["peak_upcr"] = g["upcr"].cummax().groupby(day_row["patient"], sort=False).ffill()

    # Baselines: the last day-value from day -30 to day 0 (`last` skips NaN).
    in_window = day_row[day_row["day"].between(BASELINE_FROM, BASELINE_TO)]
    baseline = in_window.groupby("patient")[["albumin", "scr"]].last().add_prefix("base_")

    # Assessment days (every day after day 0 with an observation) and the
    # values current on them: the carried value if at most `valid` days old.
    vals = carried[carried["day"] > 0].join(baseline, on="patient")
    f = {}
    for name in MEASURES:
        fresh = (vals["day"] - vals[f"{name}_day"]) <= VALID_DAYS[name]
        f[name] = vals[f"{name}_v"].where(fresh).astype("Float64")
    for col in ["peak_upcr", "base_albumin", "base_scr"]:
        f[col] = vals[col].astype("Float64")
    upcr, albumin, scr = f["upcr"], f["albumin"], f["scr"]
    peak, base_alb, base_scr = f["peak_upcr"], f["base_albumin"], f["base_scr"]

    # The response lines ("boolean" dtype; <NA> = unknown).
    scr_stable = le(apart(scr, base_scr), 0.25)  # scr within 25% of baseline
    cr = lt(upcr, 0.3) & gt(albumin, 35) & scr_stable
    pr = (
        (lt(upcr, 3.5) | gt(fell(upcr, peak), 0.5))  # < 3.5 g/g or fell > 50% from peak
        & (albumin > base_alb)  # albumin rose from baseline (plain x > baseline)
        & (scr_stable | lt(rose(scr, base_scr), 0.30))  # scr stable or rose < 30%
    )
    # Rank of the day's state: 1 CR, 2 PR (also "PR?": CR unknown), 3 NR
    # (both lines false), 4 NE (no line true, one unknown).
    rank = np.select(
        [cr.fillna(False), pr.fillna(False), cr.isna() | pr.isna()], [1, 2, 4], default=3
    )
    best = pd.Series(rank, index=vals.index).groupby(vals["patient"]).min()
    # Every patient of either file (one with treatments only is NE).
    patients = pd.Index(pd.concat([raw["patient"], tr["patient"]]).unique(), name="patient").sort_values()
    best = best.reindex(patients, fill_value=4)
    names = {1: "CR", 2: "PR", 3: "NR", 4: "NE"}
    return pd.DataFrame({"patient": patients, "best_response": best.map(names).to_numpy()})


def run(cohort: str, treatments: str, out: str) -> pd.DataFrame:
    """Read, compute and write the per-patient CSV (what each timed run does)."""
    result = best_response(cohort, treatments)
    result.to_csv(out, index=False)
    return result
