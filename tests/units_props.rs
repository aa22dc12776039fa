//! Unit conversions round-trip: a value taken to any other unit of its
//! dimension (or across the creatinine bridge) and back is the value again,
//! within 1e-12 relative.

use nephrules::units::{factor, lookup, Analyte};
use proptest::prelude::*;

/// Groups of units that convert into each other, with the analyte needed.
const GROUPS: &[(&[&str], Analyte)] = &[
    (&["g/g", "mg/g", "mg/mg", "mg/mmol"], Analyte::Other),
    (&["g/d", "mg/d", "g/24h"], Analyte::Other),
    (&["g/L", "g/dL", "mg/dL", "mg/L"], Analyte::Other),
    (
        &["umol/L", "µmol/L", "mmol/L", "mg/dL", "g/L"],
        Analyte::Creatinine,
    ),
    (&["days", "weeks", "months", "years"], Analyte::Other),
    (&["cells/uL", "/uL", "/mm3"], Analyte::Other),
    (&["kg"], Analyte::Other),
    (&["cm", "m"], Analyte::Other),
    (&["%"], Analyte::Other),
];

proptest! {
    #[test]
    fn there_and_back_is_the_identity(
        group in 0..GROUPS.len(),
        a in 0usize..8,
        b in 0usize..8,
        x in prop_oneof![1e-9f64..1e-3, 1e-3f64..1e3, 1e3f64..1e9],
    ) {
        let (units, analyte) = GROUPS[group];
        let from = lookup(units[a % units.len()]).expect("known unit");
        let to = lookup(units[b % units.len()]).expect("known unit");
        let there = factor(from, to, analyte).expect("convertible");
        let back = factor(to, from, analyte).expect("convertible");
        let round = x * there * back;
        prop_assert!(((round - x) / x).abs() <= 1e-12, "{x} {} -> {} -> {round}", from.symbol, to.symbol);
    }
}
