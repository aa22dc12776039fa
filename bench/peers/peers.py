"""Time nephrules against what users would otherwise use, side by side.

Run by run.sh (which makes the venv and the cohort); not part of CI.

Contenders, each reading the same CSV files from disk in every timed run
and producing one best response per patient (written as CSV):

  floor        target/release/examples/csv_parse: a bare parse of the cohort
  nephrules    `nephrules eval --format csv`, RAYON_NUM_THREADS=1 and =2
  DuckDB       zhengzhou.sql
  polars       zhengzhou_polars.py (lazy query)
  pandas       zhengzhou_pandas.py

The binaries run as processes; the Python contenders run in this process
(their interpreter start-up and imports are measured apart and given in
the note under the table). Runs are interleaved: after one untimed warm-up
round, round 1 runs every contender once, then round 2, and so on; the
table shows the best of the rounds, and each contender's counts of best
responses, checked patient by patient against nephrules (2 threads).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = ["CR", "PR", "NR", "NE"]


# --- The Python contenders -------------------------------------------------

def sql_statements(path: Path) -> list[str]:
    """The statements of a SQL file: each ends with `;` at the end of a line
    (comment lines are skipped when looking for the end)."""
    statements, current = [], []
    for line in path.read_text().splitlines():
        current.append(line)
        if not line.lstrip().startswith("--") and line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if any(l.strip() and not l.lstrip().startswith("--") for l in current):
        statements.append("\n".join(current))
    return statements


def run_duckdb(cohort: str, treatments: str, out: str) -> None:
    import duckdb

    *setup, query = sql_statements(HERE / "zhengzhou.sql")
    con = duckdb.connect()  # in memory, default threads (all cores)
    con.execute("SET VARIABLE cohort = ?", [cohort])
    con.execute("SET VARIABLE treatments = ?", [treatments])
    for statement in setup:
        con.execute(statement)
    con.execute(f"COPY ({query}) TO '{out}' (HEADER, DELIMITER ',')")
    con.close()


def run_polars(cohort: str, treatments: str, out: str) -> None:
    import zhengzhou_polars

    zhengzhou_polars.run(cohort, treatments, out)


def run_pandas(cohort: str, treatments: str, out: str) -> None:
    import zhengzhou_pandas

    zhengzhou_pandas.run(cohort, treatments, out)


# --- Timing ----------------------------------------------------------------

class Contender:
    def __init__(self, label, kind, target, out=None, env=None, module=None):
        self.label = label
        self.kind = kind  # "process" or "python"
        self.target = target  # argv, or a function (cohort, treatments, out)
        self.out = out  # where its per-patient CSV goes
        self.env = env
        self.module = module  # the library, for the start-up measure
        self.times: list[float] = []

    def run_once(self, cohort: str, treatments: str) -> float:
        if self.kind == "process":
            env = dict(os.environ, **(self.env or {}))
            stdout = open(self.out, "wb") if self.out else subprocess.DEVNULL
            try:
                start = time.perf_counter()
                done = subprocess.run(self.target, stdout=stdout, stderr=subprocess.PIPE, env=env)
                elapsed = time.perf_counter() - start
            finally:
                if self.out:
                    stdout.close()
            if done.returncode != 0:
                sys.exit(f"{self.label} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
        else:
            gc.collect()
            start = time.perf_counter()
            self.target(cohort, treatments, self.out)
            elapsed = time.perf_counter() - start
        self.times.append(elapsed)
        return elapsed


def startup_time(module: str, runs: int) -> float:
    """Best wall time of `python -c 'import MODULE'` (a fresh interpreter)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


# --- Agreement -------------------------------------------------------------

def read_best(path: Path, column: str = "best_response") -> dict[str, str]:
    with open(path, newline="") as f:
        return {row["patient"]: row[column] for row in csv.DictReader(f)}


def differences(reference: dict[str, str], got: dict[str, str]) -> list[str]:
    """The patients whose best response differs from nephrules' (or who are
    missing on one side), as `id (nephrules vs peer)`."""
    differ = sorted(p for p in reference.keys() | got.keys() if reference.get(p) != got.get(p))
    return [f"{p} ({reference.get(p)} vs {got.get(p)})" for p in differ]


# --- The table -------------------------------------------------------------

def fmt_s(t: float) -> str:
    return f"{t:.3f}" if t < 10 else f"{t:.2f}"


def table(contenders: list[Contender], floor: Contender, neph1: Contender, neph2: Contender,
          results: dict[str, dict[str, str]], reference: dict[str, str]) -> tuple[list[str], list[str]]:
    """The one table (markdown lines), and the details of any disagreement."""
    f, n1, n2 = min(floor.times), min(neph1.times), min(neph2.times)
    lines = [
        f"| contender | best of {len(floor.times)} (s) | runs (s) | × floor | × nephrules 1 thread "
        "| × nephrules 2 threads | best responses CR / PR / NR / NE | agrees with nephrules |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- | --- |",
    ]
    details = []
    for c in contenders:
        best = min(c.times)
        runs = " / ".join(fmt_s(t) for t in c.times)
        got = results.get(c.label)
        if got is None:
            counts, agrees = "—", "—"
        else:
            n = Counter(got.values())
            counts = " / ".join(str(n[k]) for k in CATEGORIES)
            differ = differences(reference, got)
            if c is neph2:
                agrees = "(reference)"
            elif not differ:
                agrees = "yes, every patient"
            else:
                agrees = f"**no**: {len(differ)} patients differ"
                details.append(f"{c.label}: {len(differ)} patients differ (nephrules vs {c.label}): "
                               + ", ".join(differ[:20]) + (" …" if len(differ) > 20 else ""))
        lines.append(f"| {c.label} | {fmt_s(best)} | {runs} | {best / f:.1f} | {best / n1:.2f} "
                     f"| {best / n2:.2f} | {counts} | {agrees} |")
    return lines, details


def machine_note(cohort: Path, patients: int, versions: dict[str, str], startup: dict[str, float]) -> str:
    rows = sum(1 for _ in open(cohort, "rb")) - 1
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    libs = ", ".join(f"{k} {v}" for k, v in versions.items())
    imports = ", ".join(f"{k} {v:.2f} s" for k, v in startup.items())
    return (
        f"Cohort: `nephrules synth --patients {patients} --visits 24 --seed 1` "
        f"({rows:,} rows, {cohort.stat().st_size / 1e6:.1f} MB). "
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"load average before the runs {load}. "
        f"Python {platform.python_version()}, {libs}; DuckDB and polars use all cores, pandas one. "
        "Each run reads the CSV files and writes one best response per patient as CSV; "
        "the binaries are timed as whole processes, the Python contenders inside one "
        "interpreter (their start-up is not counted: a fresh `python -c 'import X'` takes "
        f"{imports}). nephrules evaluates the whole criteria file (events and phenotypes "
        "too); the peers compute the best response only."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cohort", required=True)
    ap.add_argument("--treatments", required=True)
    ap.add_argument("--patients", type=int, required=True, help="for the note only")
    ap.add_argument("--nephrules", required=True)
    ap.add_argument("--csv-parse", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--workdir", required=True, help="where the per-patient outputs go")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    ap.add_argument("--markdown", help="also write the table (markdown) to this file")
    args = ap.parse_args()

    sys.path.insert(0, str(HERE))
    import duckdb
    import pandas
    import polars

    versions = {"DuckDB": duckdb.__version__, "polars": polars.__version__, "pandas": pandas.__version__}
    work = Path(args.workdir)
    cohort, treatments = str(Path(args.cohort).resolve()), str(Path(args.treatments).resolve())

    eval_argv = [args.nephrules, "eval", "--rules", args.rules, "--data", cohort,
                 "--treatments", treatments, "--format", "csv"]
    floor = Contender("floor: `csv_parse` (bare csv parse)", "process", [args.csv_parse, cohort])
    neph1 = Contender("nephrules, 1 thread", "process", eval_argv, out=work / "nephrules-1.csv",
                      env={"RAYON_NUM_THREADS": "1"})
    neph2 = Contender("nephrules, 2 threads", "process", eval_argv, out=work / "nephrules-2.csv",
                      env={"RAYON_NUM_THREADS": "2"})
    peers = [
        Contender("DuckDB (`zhengzhou.sql`)", "python", run_duckdb, out=str(work / "duckdb.csv"), module="duckdb"),
        Contender("polars (`zhengzhou_polars.py`)", "python", run_polars, out=str(work / "polars.csv"), module="polars"),
        Contender("pandas (`zhengzhou_pandas.py`)", "python", run_pandas, out=str(work / "pandas.csv"), module="pandas"),
    ]
    contenders = [floor, neph1, neph2, *peers]

    # Warm-up rounds (page cache, lazy imports inside the libraries), untimed.
    for r in range(args.warmup):
        for c in contenders:
            c.run_once(cohort, treatments)
            print(f"  warm-up {r + 1}: {c.label}: {c.times.pop():.3f} s", file=sys.stderr)
    for r in range(1, args.runs + 1):
        for c in contenders:
            t = c.run_once(cohort, treatments)
            print(f"  round {r}: {c.label}: {t:.3f} s", file=sys.stderr)
    startup = {c.label.split(" (")[0]: startup_time(c.module, args.runs) for c in peers}
    note = machine_note(Path(cohort), args.patients, versions, startup)

    reference = read_best(work / "nephrules-2.csv")
    results = {neph2.label: reference, neph1.label: read_best(work / "nephrules-1.csv")}
    results.update({c.label: read_best(Path(c.out)) for c in peers})
    lines, details = table(contenders, floor, neph1, neph2, results, reference)
    text = "\n".join([*lines, "", note, *(["", *details] if details else [])]) + "\n"
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
        print(f"(written to {args.markdown})", file=sys.stderr)
    if details:
        sys.exit("the peers disagree with nephrules (see above)")


if __name__ == "__main__":
    main()
