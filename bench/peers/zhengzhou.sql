-- The best response of rules/zhengzhou-2023-rtx-fsgs.rules, in DuckDB SQL.
--
-- Inputs (set by the runner, `peers.py`, before this file runs):
--   SET VARIABLE cohort     = 'cohort.csv';      -- patient,day,measure,value,unit
--   SET VARIABLE treatments = 'treatments.csv';  -- patient,drug,start,end,dose,unit
-- Output: the last statement, one row per patient: patient, best_response
-- (CR, PR, NR or NE).
--
-- The semantics replicated (README "Evaluation rules worth knowing",
-- LANGUAGE.md):
--   * day 0 = the patient's first rituximab; no rituximab -> NE. Patients
--     are those of either file (observations or treatments).
--   * assessment days: days > 0 on which upcr, albumin or scr was observed.
--   * several values of one measure on one day count as their median.
--   * a measure's value on day t: the latest day-value at or before t, at
--     most `valid` days old (upcr 14, albumin 14, scr 30).
--   * baseline: the last day-value in [-30, 0]; peak uPCR on day t: the
--     largest day-value up to t (days before 0 too).
--   * comparisons with a threshold treat values within 1e-9 (relative) as
--     equal; a missing value makes a comparison NULL, and SQL's AND/OR on
--     NULL are exactly Kleene's three-valued logic.
--
-- Statements are separated by a semicolon at the end of a line.

-- `a < b` etc. with values within 1e-9 (relative) taken as equal; NULL in,
-- NULL out.
CREATE OR REPLACE MACRO near(a, b) AS abs(a - b) <= 1e-9 * greatest(abs(a), abs(b));
CREATE OR REPLACE MACRO lt(a, b) AS (a < b AND NOT near(a, b));
CREATE OR REPLACE MACRO gt(a, b) AS (a > b AND NOT near(a, b));
CREATE OR REPLACE MACRO le(a, b) AS (a < b OR near(a, b));
-- Changes relative to a reference point: unknown (NULL) unless ref > 0.
CREATE OR REPLACE MACRO rose(x, ref) AS CASE WHEN ref > 0 THEN (x - ref) / ref END;
CREATE OR REPLACE MACRO fell(x, ref) AS CASE WHEN ref > 0 THEN (ref - x) / ref END;
CREATE OR REPLACE MACRO apart(x, ref) AS CASE WHEN ref > 0 THEN abs(x - ref) / ref END;

WITH
raw AS (
    SELECT * FROM read_csv(getvariable('cohort'), header = true, columns = {
        'patient': 'VARCHAR', 'day': 'BIGINT', 'measure': 'VARCHAR',
        'value': 'DOUBLE', 'unit': 'VARCHAR'})
),
treatments AS (
    SELECT * FROM read_csv(getvariable('treatments'), header = true, columns = {
        'patient': 'VARCHAR', 'drug': 'VARCHAR', 'start': 'BIGINT',
        'end': 'BIGINT', 'dose': 'DOUBLE', 'unit': 'VARCHAR'})
),
-- Day 0 of each patient: the first rituximab.
index_day AS (
    SELECT patient, min(start) AS day0
    FROM treatments WHERE lower(drug) = 'rituximab'
    GROUP BY patient
),
-- Every observation in the rules' units (g/g, g/L, umol/L), in days from day 0.
obs AS (
    SELECT r.patient, r.day - i.day0 AS day, lower(r.measure) AS measure,
           CASE
               WHEN lower(r.measure) = 'upcr'    AND r.unit = 'g/g'     THEN r.value
               WHEN lower(r.measure) = 'upcr'    AND r.unit = 'mg/mmol' THEN r.value / 113.12
               WHEN lower(r.measure) = 'albumin' AND r.unit = 'g/L'     THEN r.value
               WHEN lower(r.measure) = 'albumin' AND r.unit = 'g/dL'    THEN r.value * 10
               WHEN lower(r.measure) = 'scr'     AND r.unit = 'umol/L'  THEN r.value
               WHEN lower(r.measure) = 'scr'     AND r.unit = 'mg/dL'   THEN r.value * 88.42
           END AS v
    FROM raw r JOIN index_day i USING (patient)
    WHERE lower(r.measure) IN ('upcr', 'albumin', 'scr')
),
-- One row per patient and day with the day's value of each measure (the
-- median of that day's observations; NULL when it was not measured).
day_row AS (
    SELECT patient, day,
           median(v) FILTER (WHERE measure = 'upcr')    AS upcr_d,
           median(v) FILTER (WHERE measure = 'albumin') AS albumin_d,
           median(v) FILTER (WHERE measure = 'scr')     AS scr_d
    FROM obs GROUP BY patient, day
),
-- Carry each measure forward (last observation carried forward): on every
-- day, the latest day-value at or before it and the day it was observed.
-- The peak uPCR is the running maximum.
carried AS (
    SELECT patient, day,
           last_value(upcr_d IGNORE NULLS) OVER w                                 AS upcr_v,
           last_value(CASE WHEN upcr_d IS NOT NULL THEN day END IGNORE NULLS) OVER w    AS upcr_day,
           max(upcr_d) OVER w                                                     AS peak_upcr,
           last_value(albumin_d IGNORE NULLS) OVER w                              AS albumin_v,
           last_value(CASE WHEN albumin_d IS NOT NULL THEN day END IGNORE NULLS) OVER w AS albumin_day,
           last_value(scr_d IGNORE NULLS) OVER w                                  AS scr_v,
           last_value(CASE WHEN scr_d IS NOT NULL THEN day END IGNORE NULLS) OVER w     AS scr_day
    FROM day_row
    WINDOW w AS (PARTITION BY patient ORDER BY day
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
-- Baselines: the last day-value from day -30 to day 0.
baseline AS (
    SELECT patient,
           arg_max(albumin_d, day) FILTER (WHERE albumin_d IS NOT NULL) AS base_albumin,
           arg_max(scr_d, day)     FILTER (WHERE scr_d IS NOT NULL)     AS base_scr
    FROM day_row WHERE day BETWEEN -30 AND 0
    GROUP BY patient
),
-- Assessment days (every day after day 0 with an observation) and the
-- values current on them: the carried value if at most `valid` days old.
vals AS (
    SELECT c.patient, c.day,
           CASE WHEN c.day - c.upcr_day    <= 14 THEN c.upcr_v    END AS upcr,
           c.peak_upcr,
           CASE WHEN c.day - c.albumin_day <= 14 THEN c.albumin_v END AS albumin,
           CASE WHEN c.day - c.scr_day     <= 30 THEN c.scr_v     END AS scr,
           b.base_albumin, b.base_scr
    FROM carried c LEFT JOIN baseline b USING (patient)
    WHERE c.day > 0
),
-- The response lines; NULL = unknown.
lines AS (
    SELECT patient, day,
           -- scr stable: within 25% of baseline
           le(apart(scr, base_scr), 0.25) AS scr_stable,
           -- uPCR < 0.3 g/g and albumin > 35 g/L
           lt(upcr, 0.3) AND gt(albumin, 35) AS cr_labs,
           -- uPCR < 3.5 g/g or uPCR fell by > 50% from peak
           (lt(upcr, 3.5) OR gt(fell(upcr, peak_upcr), 0.5))
             -- albumin rose from baseline (plain x > baseline: no tolerance)
             AND albumin > base_albumin AS pr_labs,
           -- scr rose by < 30% from baseline
           lt(rose(scr, base_scr), 0.30) AS scr_rose_lt_30
    FROM vals
),
state AS (
    SELECT patient, day,
           cr_labs AND scr_stable                          AS cr,
           pr_labs AND (scr_stable OR scr_rose_lt_30)      AS pr
    FROM lines
),
-- Rank of the day's state: 1 CR, 2 PR (also "PR?", CR unknown), 3 NR
-- (both lines false), 4 NE (no line true, one unknown).
ranked AS (
    SELECT patient,
           min(CASE WHEN cr THEN 1
                    WHEN pr THEN 2
                    WHEN cr IS NULL OR pr IS NULL THEN 4
                    ELSE 3 END) AS best
    FROM state GROUP BY patient
)
SELECT p.patient,
       CASE coalesce(r.best, 4) WHEN 1 THEN 'CR' WHEN 2 THEN 'PR'
                                WHEN 3 THEN 'NR' ELSE 'NE' END AS best_response
-- Every patient of either file (one with treatments only is NE).
FROM (SELECT patient FROM raw UNION SELECT patient FROM treatments) p
LEFT JOIN ranked r USING (patient)
ORDER BY p.patient;
