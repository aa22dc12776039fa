//! Arbitrary bytes as data tables: the observations table, and after a line
//! `===` the treatments table, and after another the patients table. Loaded
//! with and without `skip_bad_rows`; nothing may panic, and a load that
//! succeeds accounts for every row: rows = used + not_used + skipped.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nephrules::data::{LoadOptions, Loaded, Loader};

const SEPARATOR: &[u8] = b"\n===\n";

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 2 {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fn load(parts: &[&[u8]], skip_bad_rows: bool) -> Option<Loaded> {
    let mut loader = Loader::new(LoadOptions {
        mapping: None,
        skip_bad_rows,
    });
    let tables = parts.iter().zip(["observations", "treatments", "patients"]);
    for (i, (bytes, name)) in tables.enumerate() {
        let result = match i {
            0 => loader.read_observations(name, *bytes),
            1 => loader.read_treatments(name, *bytes),
            _ => loader.read_patients(name, *bytes),
        };
        result.ok()?;
    }
    loader.finish().ok()
}

fn check(loaded: &Loaded, skip_bad_rows: bool) {
    let a = &loaded.accounting;
    assert_eq!(
        a.rows,
        a.used + a.not_used + a.skipped,
        "observations: rows = used + not_used + skipped: {a:?}"
    );
    for (name, t) in [("treatments", a.treatments), ("patients", a.patients)] {
        assert_eq!(
            t.rows,
            t.used + t.skipped,
            "{name}: rows = used + skipped: {t:?}"
        );
    }
    assert_eq!(
        loaded.dataset.observation_count() as u64,
        a.used,
        "the dataset holds every used row: {a:?}"
    );
    if !skip_bad_rows {
        assert!(loaded.skipped.is_empty(), "no row is skipped unless asked");
        assert_eq!(a.skipped, 0, "no row is skipped unless asked");
    }
    let per_measure: u64 = a.measures.values().map(|m| m.used).sum();
    assert_eq!(per_measure, a.used, "the measures' rows add up: {a:?}");
    for p in &loaded.dataset.patients {
        assert!(
            p.observations.windows(2).all(|w| w[0].day <= w[1].day),
            "a timeline is sorted by day"
        );
        assert!(p.observations.iter().all(|o| o.value.is_finite()));
    }
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
    for skip_bad_rows in [false, true] {
        if let Some(loaded) = load(&parts, skip_bad_rows) {
            check(&loaded, skip_bad_rows);
        }
    }
});
