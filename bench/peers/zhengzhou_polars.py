"""The best response of rules/zhengzhou-2023-rtx-fsgs.rules, in polars.

`best_response(cohort, treatments)` reads the two CSV files and returns one
row per patient: patient, best_response (CR, PR, NR or NE). The semantics
are those of zhengzhou.sql (see the comments there); this is the same
computation written as a polars lazy query:

  * day 0 = the patient's first rituximab; no rituximab -> NE; patients
    are those of either file (observations or treatments),
  * one row per patient and day with the median of each measure that day,
  * each measure carried forward within its `valid` window (forward fill
    of the value and of the day it was observed), peak uPCR = running max,
  * baselines = the last day-value in [-30, 0],
  * comparisons with a 1e-9 relative tolerance, missing values as null:
    polars' `&` and `|` on nullable booleans are Kleene's three-valued logic.
"""

import polars as pl

VALID_DAYS = {"upcr": 14, "albumin": 14, "scr": 30}
BASELINE_FROM, BASELINE_TO = -30, 0
TOLERANCE = 1e-9

COHORT_SCHEMA = {
    "patient": pl.String,
    "day": pl.Int64,
    "measure": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
}
TREATMENTS_SCHEMA = {
    "patient": pl.String,
    "drug": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "dose": pl.Float64,
    "unit": pl.String,
}


# Comparisons with values within 1e-9 (relative) taken as equal; null in,
# null out.
def near(a: pl.Expr, b) -> pl.Expr:
    b = pl.lit(b) if not isinstance(b, pl.Expr) else b
    return (a - b).abs() <= TOLERANCE * pl.max_horizontal(a.abs(), b.abs())


def lt(a, b):
    return (a < b) & ~near(a, b)


def gt(a, b):
    return (a > b) & ~near(a, b)


def le(a, b):
    return (a < b) | near(a, b)


# Changes relative to a reference point: null (unknown) unless ref > 0.
def rose(x, ref):
    return pl.when(ref > 0).then((x - ref) / ref)


def fell(x, ref):
    return pl.when(ref > 0).then((ref - x) / ref)


def apart(x, ref):
    return pl.when(ref > 0).then((x - ref).abs() / ref)


def best_response(cohort: str, treatments: str) -> pl.DataFrame:
    raw = pl.scan_csv(cohort, schema=COHORT_SCHEMA)
    # Day 0 of each patient: the first rituximab.
    tr = pl.scan_csv(treatments, schema=TREATMENTS_SCHEMA)
    index_day = (
        tr.filter(pl.col("drug").str.to_lowercase() == "rituximab")
        .group_by("patient")
        .agg(day0=pl.col("start").min())
    )
    m, u, value = pl.col("measure"), pl.col("unit"), pl.col("value")
    # Every observation in the rules' units (g/g, g/L, umol/L), in days from day 0.
    obs = (
        raw.with_columns(m.str.to_lowercase())
        .filter(m.is_in(["upcr", "albumin", "scr"]))
        .join(index_day, on="patient")
        .select(
            "patient",
            "measure",
            day=pl.col("day") - pl.col("day0"),
            v=pl.when((m == "upcr") & (u == "g/g")).then(value)
            .when((m == "upcr") & (u == "mg/mmol")).then(value / 113.12)
            .when((m == "albumin") & (u == "g/L")).then(value)
            .when((m == "albumin") & (u == "g/dL")).then(value * 10)
            .when((m == "scr") & (u == "umol/L")).then(value)
            .when((m == "scr") & (u == "mg/dL")).then(value * 88.42),
        )
    )
    # One row per patient and day: the median of each measure's values that
    # day (null when it was not measured).
    day_row = (
        obs.group_by("patient", "day")
        .agg(
            upcr_d=pl.col("v").filter(m == "upcr").median(),
            albumin_d=pl.col("v").filter(m == "albumin").median(),
            scr_d=pl.col("v").filter(m == "scr").median(),
        )
        .sort("patient", "day")
    )

    # Carry each measure forward within the patient: the latest day-value
    # at or before each day, and the day it was observed.
    def carried(name: str) -> list[pl.Expr]:
        d = pl.col(f"{name}_d")
        return [
            d.forward_fill().over("patient").alias(f"{name}_v"),
            pl.when(d.is_not_null()).then(pl.col("day")).forward_fill().over("patient")
            .alias(f"{name}_day"),
        ]

    carried_rows = day_row.with_columns(
        *carried("upcr"),
        *carried("albumin"),
        *carried("scr"),
        # The peak uPCR: the running maximum (days before 0 too).
        peak_upcr=pl.col("upcr_d").cum_max().forward_fill().over("patient"),
    )
    # Baselines: the last day-value from day -30 to day 0.
    baseline = (
        day_row.filter(pl.col("day").is_between(BASELINE_FROM, BASELINE_TO))
        .group_by("patient")
        .agg(
            base_albumin=pl.col("albumin_d").drop_nulls().last(),
            base_scr=pl.col("scr_d").drop_nulls().last(),
        )
    )

    # Assessment days (every day after day 0 with an observation) and the
    # values current on them: the carried value if at most `valid` days old.
    def current(name: str) -> pl.Expr:
        fresh = pl.col("day") - pl.col(f"{name}_day") <= VALID_DAYS[name]
        return pl.when(fresh).then(pl.col(f"{name}_v")).alias(name)

    vals = (
        carried_rows.filter(pl.col("day") > 0)
        .join(baseline, on="patient", how="left")
        .select("patient", "day", "peak_upcr", "base_albumin", "base_scr",
                current("upcr"), current("albumin"), current("scr"))
    )

    upcr, albumin, scr = pl.col("upcr"), pl.col("albumin"), pl.col("scr")
    peak, base_alb, base_scr = pl.col("peak_upcr"), pl.col("base_albumin"), pl.col("base_scr")
    # The response lines; null = unknown.
    scr_stable = le(apart(scr, base_scr), 0.25)  # scr within 25% of baseline
    cr = lt(upcr, 0.3) & gt(albumin, 35) & scr_stable
    pr = (
        (lt(upcr, 3.5) | gt(fell(upcr, peak), 0.5))  # < 3.5 g/g or fell > 50% from peak
        & (albumin > base_alb)  # albumin rose from baseline (plain x > baseline)
        & (scr_stable | lt(rose(scr, base_scr), 0.30))  # scr stable or rose < 30%
    )
    # Rank of the day's state: 1 CR, 2 PR (also "PR?": CR unknown), 3 NR
    # (both lines false), 4 NE (no line true, one unknown).
    rank = (
        pl.when(cr).then(1)
        .when(pr).then(2)
        .when(cr.is_null() | pr.is_null()).then(4)
        .otherwise(3)
    )
    best = vals.group_by("patient").agg(best=rank.min())
    # Every patient of either file (one with treatments only is NE).
    patients = pl.concat([raw.select("patient"), tr.select("patient")]).unique()
    names = pl.Series(["CR", "PR", "NR", "NE"])
    return (
        patients.join(best, on="patient", how="left")
        .select(
            "patient",
            best_response=pl.col("best").fill_null(4).replace_strict(
                [1, 2, 3, 4], names, return_dtype=pl.String
            ),
        )
        .sort("patient")
        .collect()
    )


def run(cohort: str, treatments: str, out: str) -> pl.DataFrame:
    """Read, compute and write the per-patient CSV (what each timed run does)."""
    result = best_response(cohort, treatments)
    result.write_csv(out)
    return result
