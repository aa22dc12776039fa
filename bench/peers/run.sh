#!/usr/bin/env bash
# Compare nephrules with what users would otherwise use (DuckDB SQL, polars,
# pandas) on one synthetic cohort: one table of wall-clock times (best of 3
# interleaved runs, after one untimed warm-up round) with ratios to a bare CSV parse and to nephrules, and the
# best-response counts of each, checked patient by patient against nephrules.
# Not part of CI.
#
#   bench/peers/run.sh [--patients N] [--runs R] [--markdown FILE] [--keep]
#                      [--edge-check]
#
#   --patients N     cohort size (default 20000; or PATIENTS=N)
#   --runs R         timed runs per contender (default 3)
#   --markdown FILE  also write the table as markdown (for BENCHMARKS.md)
#   --keep           keep the temporary folder (cohort and outputs)
#   --edge-check     first check the replicas against nephrules on an awkward
#                    cohort (duplicates, thresholds, missing baselines, ...)
#
# Needs python3 with venv, network access to PyPI the first time (the venv
# goes to bench/peers/.venv), and the release binaries:
#   cargo build --release --bin nephrules --example csv_parse
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

patients="${PATIENTS:-20000}"
runs=3
markdown=""
keep=0
edge=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --patients) patients="${2:?--patients needs a number}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --markdown) markdown="${2:?--markdown needs a file}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --edge-check) edge=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$patients" =~ ^[0-9]+$ ]] || { echo "run.sh: --patients must be a number" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive number" >&2; exit 2; }
if [[ -n "$markdown" ]]; then
  # Relative to where the user stands, not where the script runs.
  markdown="$(cd "$(dirname "$markdown")" && pwd)/$(basename "$markdown")"
fi

nephrules="$root/target/release/nephrules"
csv_parse="$root/target/release/examples/csv_parse"
for bin in "$nephrules" "$csv_parse"; do
  if [[ ! -x "$bin" ]]; then
    echo "run.sh: $bin is missing; build it first:" >&2
    echo "  cargo build --release --bin nephrules --example csv_parse" >&2
    exit 1
  fi
done

venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "Making the venv in $venv (duckdb, polars, pandas from PyPI)…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet duckdb polars pandas
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/nephrules-peers.XXXXXX")"
if [[ "$keep" == 1 ]]; then
  echo "Keeping $tmp" >&2
else
  trap 'rm -rf "$tmp"' EXIT
fi

echo "Generating the cohort ($patients patients, 24 visits)…" >&2
"$nephrules" synth --patients "$patients" --visits 24 --seed 1 \
  -o "$tmp/cohort.csv" --treatments "$tmp/treatments.csv"

if [[ "$edge" == 1 ]]; then
  "$venv/bin/python" "$here/edge_check.py" --nephrules "$nephrules" \
    --rules "$root/rules/zhengzhou-2023-rtx-fsgs.rules" --workdir "$tmp"
fi

args=(--cohort "$tmp/cohort.csv" --treatments "$tmp/treatments.csv"
      --patients "$patients" --runs "$runs"
      --nephrules "$nephrules" --csv-parse "$csv_parse"
      --rules "$root/rules/zhengzhou-2023-rtx-fsgs.rules" --workdir "$tmp")
[[ -n "$markdown" ]] && args+=(--markdown "$markdown")
"$venv/bin/python" "$here/peers.py" "${args[@]}"
