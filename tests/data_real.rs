//! Each shipped mapping against its real file in `../shared/data`. The
//! expected counts and converted values are computed here from the raw CSV
//! (read with the csv crate), never copied from the program's output.

mod common;

use common::{close, load, mapping, raw, shared};
use nephrules::data::{time, Dataset, Files, Loaded, MeasureId, RowReason, TimeKind};
use std::collections::BTreeMap;

/// One expected observation: patient, time as printed, canonical value.
type Row = (String, String, f64);

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The dataset's observations of one measure, as rows sorted like `expected`.
fn observed(dataset: &Dataset, measure: &str) -> Vec<Row> {
    let id = MeasureId::of(measure);
    let mut rows: Vec<Row> = dataset
        .patients
        .iter()
        .flat_map(|p| {
            p.observations
                .iter()
                .filter(|o| Some(o.measure) == id)
                .map(|o| {
                    (
                        p.id.clone(),
                        time::format(i64::from(o.day), p.time_kind),
                        o.value,
                    )
                })
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)).then(a.2.total_cmp(&b.2)));
    rows
}

fn assert_same(measure: &str, mut expected: Vec<Row>, loaded: &Loaded) {
    expected.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)).then(a.2.total_cmp(&b.2)));
    let got = observed(&loaded.dataset, measure);
    assert_eq!(got.len(), expected.len(), "{measure}: count");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((&g.0, &g.1), (&e.0, &e.1), "{measure}");
        assert!(close(g.2, e.2), "{measure}: {} vs {} for {e:?}", g.2, e.2);
    }
    let used = loaded
        .accounting
        .measures
        .get(measure)
        .map_or(0, |m| m.used);
    assert_eq!(used, expected.len() as u64, "{measure}: accounting");
}

fn assert_identity(loaded: &Loaded, raw_rows: usize) {
    let a = &loaded.accounting;
    assert_eq!(a.rows, raw_rows as u64);
    assert_eq!(a.rows, a.used + a.not_used + a.skipped);
    assert_eq!(a.used as usize, loaded.dataset.observation_count());
    assert_eq!(a.units.values().sum::<u64>(), a.used);
}

/// Rows of the given codes: (patient, date part, value × factor).
fn rows_of(
    header: &[String],
    rows: &[Vec<String>],
    cols: [&str; 4],
    codes: &[&str],
    factor: f64,
) -> Vec<Row> {
    let [p, t, c, v] = cols.map(|n| col(header, n));
    rows.iter()
        .filter(|r| codes.contains(&r[c].as_str()))
        .map(|r| {
            let value: f64 = r[v].parse().unwrap_or(f64::NAN);
            (
                r[p].clone(),
                r[t].chars().take(10).collect(),
                value * factor,
            )
        })
        .collect()
}

const SYNTHEA_CODES: [&str; 7] = [
    "38483-4", "2160-0", "1751-7", "33914-3", "14959-1", "29463-7", "8302-2",
];

#[test]
fn synthea_loads_creatinine_albumin_and_egfr_in_canonical_units() {
    let Some(obs) = shared("synthea/observations.csv") else {
        return;
    };
    let (Some(meds), Some(pats)) = (
        shared("synthea/medications.csv"),
        shared("synthea/patients.csv"),
    ) else {
        return;
    };
    let m = mapping("synthea.yaml");
    let files = Files {
        observations: obs.clone(),
        treatments: Some(meds.clone()),
        patients: Some(pats.clone()),
    };
    let loaded = load(&files, Some(&m), false).unwrap_or_else(|e| panic!("{e:?}"));
    let (h, rows) = raw(&obs);
    let cols = ["PATIENT", "DATE", "CODE", "VALUE"];

    let scr = rows_of(&h, &rows, cols, &["38483-4", "2160-0"], 88.42);
    assert_eq!(scr.len(), 182);
    assert_same("scr", scr, &loaded);
    let albumin = rows_of(&h, &rows, cols, &["1751-7"], 10.0);
    assert_eq!(albumin.len(), 90);
    assert_same("albumin", albumin, &loaded);
    let egfr = rows_of(&h, &rows, cols, &["33914-3"], 1.0);
    assert_eq!(egfr.len(), 100);
    assert_same("egfr", egfr, &loaded);
    assert_same("uacr", rows_of(&h, &rows, cols, &["14959-1"], 1.0), &loaded);

    let units_col = col(&h, "UNITS");
    let mut egfr_units: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r[col(&h, "CODE")] == "33914-3") {
        *egfr_units.entry(r[units_col].clone()).or_default() += 1;
    }
    assert_eq!(
        loaded
            .accounting
            .measures
            .get("egfr")
            .map(|m| m.units.clone()),
        Some(egfr_units)
    );

    let not_used = rows
        .iter()
        .filter(|r| !SYNTHEA_CODES.contains(&r[col(&h, "CODE")].as_str()))
        .count();
    assert_eq!(loaded.accounting.not_used, not_used as u64);
    assert_eq!(loaded.accounting.skipped, 0);
    assert_identity(&loaded, rows.len());

    let (_, med_rows) = raw(&meds);
    let (_, pat_rows) = raw(&pats);
    assert_eq!(loaded.accounting.treatments.rows, med_rows.len() as u64);
    assert_eq!(loaded.accounting.treatments.used, med_rows.len() as u64);
    assert_eq!(loaded.accounting.patients.used, pat_rows.len() as u64);
    let courses: usize = loaded
        .dataset
        .patients
        .iter()
        .map(|p| p.courses.len())
        .sum();
    assert_eq!(courses, med_rows.len());
    assert!(loaded
        .dataset
        .patients
        .iter()
        .all(|p| p.time_kind == TimeKind::Date));
    assert!(loaded
        .dataset
        .patients
        .iter()
        .flat_map(|p| &p.courses)
        .all(|c| c.drug == c.drug.to_lowercase()));
}

#[test]
fn synthea_2017_loads_with_plain_dates() {
    let Some(obs) = shared("synthea-2017/observations.csv") else {
        return;
    };
    let m = mapping("synthea-2017.yaml");
    let files = Files {
        observations: obs.clone(),
        ..Files::default()
    };
    let loaded = load(&files, Some(&m), false).unwrap_or_else(|e| panic!("{e:?}"));
    let (h, rows) = raw(&obs);
    let cols = ["PATIENT", "DATE", "CODE", "VALUE"];
    assert_same(
        "scr",
        rows_of(&h, &rows, cols, &["38483-4", "2160-0"], 88.42),
        &loaded,
    );
    assert_same("egfr", rows_of(&h, &rows, cols, &["33914-3"], 1.0), &loaded);
    assert_same(
        "weight",
        rows_of(&h, &rows, cols, &["29463-7"], 1.0),
        &loaded,
    );
    assert_same(
        "height",
        rows_of(&h, &rows, cols, &["8302-2"], 1.0),
        &loaded,
    );
    let not_used = rows
        .iter()
        .filter(|r| !SYNTHEA_CODES.contains(&r[col(&h, "CODE")].as_str()))
        .count();
    assert_eq!(loaded.accounting.not_used, not_used as u64);
    assert_identity(&loaded, rows.len());
}

#[test]
fn omop_measurement_drug_exposure_and_person() {
    let Some(obs) = shared("omop-synthea27nj/MEASUREMENT.csv") else {
        return;
    };
    let (Some(drugs), Some(persons)) = (
        shared("omop-synthea27nj/DRUG_EXPOSURE.csv"),
        shared("omop-synthea27nj/PERSON.csv"),
    ) else {
        return;
    };
    let m = mapping("omop.yaml");
    let files = Files {
        observations: obs.clone(),
        treatments: Some(drugs.clone()),
        patients: Some(persons.clone()),
    };
    let (h, rows) = raw(&obs);
    let cols = [
        "person_id",
        "measurement_date",
        "measurement_source_value",
        "value_as_number",
    ];
    let [p, t, c, v] = cols.map(|n| col(&h, n));
    let u = col(&h, "unit_source_value");
    let creatinine = ["38483-4", "2160-0"];

    // Exact duplicates of creatinine rows, found here by counting.
    let mut seen: BTreeMap<(String, String, String, String, String), u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| creatinine.contains(&r[c].as_str())) {
        *seen
            .entry((
                r[p].clone(),
                r[t].clone(),
                r[c].clone(),
                r[v].clone(),
                r[u].clone(),
            ))
            .or_default() += 1;
    }
    let duplicates: u64 = seen.values().map(|n| n - 1).sum();
    let mut distinct: Vec<Row> = seen
        .keys()
        .map(|(p, t, _, v, _)| {
            (
                p.clone(),
                t.clone(),
                v.parse::<f64>().unwrap_or(f64::NAN) * 88.42,
            )
        })
        .collect();
    distinct.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)).then(a.2.total_cmp(&b.2)));

    let strict = load(&files, Some(&m), false);
    if duplicates > 0 {
        match strict {
            Err(nephrules::data::DataError::BadRow(row)) => {
                assert!(matches!(row.reason, RowReason::Duplicate { .. }));
                assert!(row.file.ends_with("MEASUREMENT.csv"));
            }
            other => panic!("expected a duplicate, got {other:?}"),
        }
    }
    let loaded = load(&files, Some(&m), true).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(loaded.accounting.skipped, duplicates);
    assert_eq!(loaded.skipped.len() as u64, duplicates);
    assert_same("scr", distinct, &loaded);
    assert_same(
        "albumin",
        rows_of(&h, &rows, cols, &["1751-7"], 10.0),
        &loaded,
    );
    assert_identity(&loaded, rows.len());

    let (_, drug_rows) = raw(&drugs);
    let (_, person_rows) = raw(&persons);
    assert_eq!(loaded.accounting.treatments.used, drug_rows.len() as u64);
    assert_eq!(loaded.accounting.patients.used, person_rows.len() as u64);
    let with_sex = loaded
        .dataset
        .patients
        .iter()
        .filter(|p| p.info.sex.is_some())
        .count();
    assert_eq!(with_sex, person_rows.len());
}

#[test]
fn renal_transplant_gfr_is_egfr_and_proteinuria_is_presence() {
    let Some(obs) = shared("renal-transplant/observations.csv") else {
        return;
    };
    let Some(pats) = shared("renal-transplant/patients.csv") else {
        return;
    };
    let m = mapping("renal-transplant.yaml");
    let files = Files {
        observations: obs.clone(),
        patients: Some(pats.clone()),
        ..Files::default()
    };
    let loaded = load(&files, Some(&m), false).unwrap_or_else(|e| panic!("{e:?}"));
    let (h, rows) = raw(&obs);
    let cols = ["patient", "day", "measure", "value"];
    assert_same("egfr", rows_of(&h, &rows, cols, &["gfr"], 1.0), &loaded);
    assert_same(
        "presence",
        rows_of(&h, &rows, cols, &["proteinuria"], 1.0),
        &loaded,
    );
    let haematocrit = rows
        .iter()
        .filter(|r| r[col(&h, "measure")] == "haematocrit")
        .count();
    assert_eq!(loaded.accounting.not_used, haematocrit as u64);
    assert_eq!(
        loaded.accounting.not_used_codes.get("haematocrit"),
        Some(&(haematocrit as u64))
    );
    assert_identity(&loaded, rows.len());

    let (ph, prow) = raw(&pats);
    assert_eq!(loaded.accounting.patients.used, prow.len() as u64);
    for r in &prow {
        let id = &r[col(&ph, "patient")];
        let p = loaded
            .dataset
            .patient(id)
            .unwrap_or_else(|| panic!("patient {id}"));
        assert_eq!(p.time_kind, TimeKind::Day);
        assert_eq!(p.info.age_years, r[col(&ph, "age")].parse().ok());
        assert_eq!(p.info.weight_kg, r[col(&ph, "weight_kg")].parse().ok());
    }
    let ids: Vec<i64> = loaded
        .dataset
        .patients
        .iter()
        .filter_map(|p| p.id.parse().ok())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "patients sorted by id");
}
