//! Properties of loading: every row is accounted for, and the dataset does
//! not depend on the order of the rows.

mod common;

use common::load_text;
use nephrules::data::Loaded;
use proptest::prelude::*;

fn row() -> impl Strategy<Value = String> {
    let patient = prop::sample::select(vec!["a", "b", "10", "9", ""]);
    let day = -3i64..6;
    let code = prop::sample::select(vec![
        "upcr",
        "albumin",
        "dipstick",
        "presence",
        "haematocrit",
        "",
        "UPCR",
    ]);
    let value = prop::sample::select(vec![
        "0.3", "35", "1", "0", "2+", "trace", "abc", "-1", "inf", "",
    ]);
    let unit = prop::sample::select(vec!["g/g", "mg/mmol", "g/L", "g/dL", "", "furlongs", "%"]);
    (patient, day, code, value, unit).prop_map(|(p, d, c, v, u)| format!("{p},{d},{c},{v},{u}"))
}

fn csv(rows: &[String]) -> String {
    let mut text = String::from("patient,day,measure,value,unit\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

/// One observation as (day, measure, value bits, unit as written).
type Obs = (i32, &'static str, u64, String);

/// The dataset without interned ids: per patient, (day, measure, value, unit as written).
fn projection(loaded: &Loaded) -> Vec<(String, Vec<Obs>)> {
    let d = &loaded.dataset;
    d.patients
        .iter()
        .map(|p| {
            let obs = p
                .observations
                .iter()
                .map(|o| {
                    (
                        o.day,
                        o.measure.measure().id,
                        o.value.to_bits(),
                        d.unit_spelling(o.unit).to_string(),
                    )
                })
                .collect();
            (p.id.clone(), obs)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn rows_are_used_not_used_or_skipped(rows in prop::collection::vec(row(), 0..60)) {
        let loaded = load_text(&csv(&rows), None, true);
        prop_assert!(loaded.is_ok());
        let loaded = loaded.unwrap_or_default();
        let a = &loaded.accounting;
        prop_assert_eq!(a.rows, rows.len() as u64);
        prop_assert_eq!(a.rows, a.used + a.not_used + a.skipped);
        prop_assert_eq!(a.used as usize, loaded.dataset.observation_count());
        prop_assert_eq!(a.skipped as usize, loaded.skipped.len());
        prop_assert_eq!(a.measures.values().map(|m| m.used).sum::<u64>(), a.used);
        prop_assert_eq!(a.measures.values().map(|m| m.skipped).sum::<u64>(), a.skipped);
        prop_assert_eq!(a.not_used_codes.values().sum::<u64>(), a.not_used);
    }

    #[test]
    fn row_order_does_not_matter(
        (rows, shuffled) in prop::collection::vec(row(), 0..40)
            .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle()))
    ) {
        let a = load_text(&csv(&rows), None, true).unwrap_or_default();
        let b = load_text(&csv(&shuffled), None, true).unwrap_or_default();
        prop_assert_eq!(projection(&a), projection(&b));
        prop_assert_eq!(&a.accounting, &b.accounting);
    }
}
