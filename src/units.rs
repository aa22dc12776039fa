//! Units of measure: one table of spellings, dimensions and exact conversion
//! factors, shared by the language (literals, declarations) and the data
//! layer (observed values). There is no second copy anywhere.
//!
//! Every unit converts linearly to the base unit of its dimension, so a
//! conversion is a single factor computed once (at compile time for rules,
//! once per distinct unit spelling for data), never per row.
//!
//! The conversions that need a convention are stated here and nowhere else:
//! - uPCR: 1 g/g = 1 mg/mg = 1000 mg/g = 113.12 mg/mmol (creatinine molar
//!   mass 113.12 g/mol: 1 mmol of creatinine weighs 113.12 mg).
//! - creatinine: 1 mg/dL = 88.42 µmol/L, the clinical convention the design
//!   names. (It implies a molar mass of 113.10 g/mol, not 113.12; the two
//!   conventions are each used where the literature uses them.)
//! - albumin: 1 g/dL = 10 g/L (plain mass concentration).
//! - time: 1 week = 7 days, 1 month = 30.4375 days (365.25 / 12),
//!   1 year = 365.25 days.

use serde::Serialize;

/// Days in one month, everywhere in nephrules (rules and statistics).
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
/// Days in one year, everywhere in nephrules.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Milligrams of creatinine in one millimole (molar mass 113.12 g/mol).
pub const CREATININE_MG_PER_MMOL: f64 = 113.12;
/// Micromoles per litre of creatinine in 1 mg/dL (clinical convention).
pub const CREATININE_UMOL_PER_L_PER_MG_PER_DL: f64 = 88.42;

/// What a quantity measures; two units convert into each other only within
/// one dimension (or across a bridge an analyte provides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Mass of urine protein (or albumin) per mass of urine creatinine; base g/g.
    CreatinineRatio,
    /// Mass excreted per day (24-hour urine); base g/d.
    ExcretionRate,
    /// Mass per volume; base g/L.
    MassConcentration,
    /// Amount of substance per volume; base µmol/L.
    MolarConcentration,
    /// Glomerular filtration rate; base mL/min/1.73m2.
    FiltrationRate,
    /// Cells per volume; base cells/µL.
    CellCount,
    /// Assay-specific arbitrary units per volume; base RU/mL.
    ArbitraryConcentration,
    /// Body mass; base kg.
    BodyMass,
    /// Body length (height); base cm.
    Length,
    /// A fraction; base 1 (so `25%` is 0.25).
    Fraction,
    /// Time; base days.
    Duration,
    /// A drug dose as mass; base mg.
    Dose,
    /// A drug dose per day; base mg/d.
    DoseRate,
    /// A drug dose per kg of body weight per day; base mg/kg/d.
    DosePerWeightRate,
    /// A drug dose per kg of body weight; base mg/kg.
    DosePerWeight,
    /// A drug dose per m² of body surface; base mg/m2.
    DosePerArea,
    /// A drug dose per m² of body surface per day; base mg/m2/d.
    DosePerAreaRate,
    /// No unit (a presence flag, a count).
    Dimensionless,
}

impl Dimension {
    /// Whether this dimension is one of the drug-dose dimensions, which the
    /// evaluator relates to each other through the patient's weight and size.
    pub fn is_dose(self) -> bool {
        matches!(
            self,
            Dimension::Dose
                | Dimension::DoseRate
                | Dimension::DosePerWeightRate
                | Dimension::DosePerWeight
                | Dimension::DosePerArea
                | Dimension::DosePerAreaRate
        )
    }

    /// A short human name for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::CreatinineRatio => "a ratio to urine creatinine",
            Dimension::ExcretionRate => "a daily excretion",
            Dimension::MassConcentration => "a mass concentration",
            Dimension::MolarConcentration => "a molar concentration",
            Dimension::FiltrationRate => "a filtration rate",
            Dimension::CellCount => "a cell count",
            Dimension::ArbitraryConcentration => "an assay concentration",
            Dimension::BodyMass => "a body mass",
            Dimension::Length => "a length",
            Dimension::Fraction => "a percentage",
            Dimension::Duration => "a duration",
            Dimension::Dose => "a dose",
            Dimension::DoseRate => "a daily dose",
            Dimension::DosePerWeightRate => "a daily dose per kg",
            Dimension::DosePerWeight => "a dose per kg",
            Dimension::DosePerArea => "a dose per m²",
            Dimension::DosePerAreaRate => "a daily dose per m²",
            Dimension::Dimensionless => "a plain number",
        }
    }
}

/// One unit: its canonical spelling, its dimension and the factor that
/// takes a value in this unit to the dimension's base unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Unit {
    /// The canonical spelling, as `fmt` and reports write it.
    pub symbol: &'static str,
    /// What the unit measures.
    pub dimension: Dimension,
    /// Multiply a value in this unit by this to get the base unit.
    pub to_base: f64,
}

/// A substance whose conversions need more than the unit table: a molar
/// mass, or a clinical convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Analyte {
    /// Serum creatinine: bridges mass and molar concentration (× 88.42).
    Creatinine,
    /// Anything else: only same-dimension conversions.
    Other,
}

const fn unit(symbol: &'static str, dimension: Dimension, to_base: f64) -> Unit {
    Unit {
        symbol,
        dimension,
        to_base,
    }
}

use Dimension as D;

/// The unit table: `(spellings, unit)`. The first spelling of each row is
/// the canonical one; lookups ignore ASCII case and treat `µ`, `μ` and `u`
/// alike.
const UNITS: &[(&[&str], Unit)] = &[
    (&["g/g"], unit("g/g", D::CreatinineRatio, 1.0)),
    (&["mg/mg"], unit("mg/mg", D::CreatinineRatio, 1.0)),
    (&["mg/g"], unit("mg/g", D::CreatinineRatio, 1e-3)),
    (
        &["mg/mmol"],
        unit("mg/mmol", D::CreatinineRatio, 1.0 / CREATININE_MG_PER_MMOL),
    ),
    (
        &["g/d", "g/day", "g/24h", "g/24 h"],
        unit("g/d", D::ExcretionRate, 1.0),
    ),
    (
        &["mg/d", "mg/day", "mg/24h", "mg/24 h"],
        unit("mg/d", D::ExcretionRate, 1e-3),
    ),
    (&["g/L"], unit("g/L", D::MassConcentration, 1.0)),
    (&["g/dL"], unit("g/dL", D::MassConcentration, 10.0)),
    (&["mg/dL"], unit("mg/dL", D::MassConcentration, 1e-2)),
    (&["mg/L"], unit("mg/L", D::MassConcentration, 1e-3)),
    (&["umol/L"], unit("µmol/L", D::MolarConcentration, 1.0)),
    (&["mmol/L"], unit("mmol/L", D::MolarConcentration, 1e3)),
    (
        &["mL/min/1.73m2", "mL/min/1.73 m2", "mL/min/1.73m²"],
        unit("mL/min/1.73m2", D::FiltrationRate, 1.0),
    ),
    (
        &["cells/uL", "/uL", "cells/mm3", "/mm3"],
        unit("cells/µL", D::CellCount, 1.0),
    ),
    (&["RU/mL"], unit("RU/mL", D::ArbitraryConcentration, 1.0)),
    (&["kg"], unit("kg", D::BodyMass, 1.0)),
    (&["cm"], unit("cm", D::Length, 1.0)),
    (&["m"], unit("m", D::Length, 100.0)),
    (&["%"], unit("%", D::Fraction, 1e-2)),
    (&["days", "day", "d"], unit("days", D::Duration, 1.0)),
    (
        &["weeks", "week", "wk", "wks"],
        unit("weeks", D::Duration, 7.0),
    ),
    (
        &["months", "month", "mo"],
        unit("months", D::Duration, DAYS_PER_MONTH),
    ),
    (
        &["years", "year", "yr", "yrs", "y"],
        unit("years", D::Duration, DAYS_PER_YEAR),
    ),
    (&["mg"], unit("mg", D::Dose, 1.0)),
    (&["g"], unit("g", D::Dose, 1e3)),
    (
        &["mg/kg/d", "mg/kg/day"],
        unit("mg/kg/d", D::DosePerWeightRate, 1.0),
    ),
    (&["mg/kg"], unit("mg/kg", D::DosePerWeight, 1.0)),
    (&["mg/m2", "mg/m²"], unit("mg/m2", D::DosePerArea, 1.0)),
    (
        &["mg/m2/d", "mg/m2/day", "mg/m²/d"],
        unit("mg/m2/d", D::DosePerAreaRate, 1.0),
    ),
];

/// The dimensionless unit of a presence flag or a plain count.
pub const DIMENSIONLESS: Unit = unit("", D::Dimensionless, 1.0);

/// Fold a spelling for lookup: ASCII lowercase, `µ`/`μ` as `u`, no spaces
/// around slashes.
fn fold(spelling: &str) -> String {
    spelling
        .trim()
        .chars()
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Look a unit up by any of its spellings (`umol/L`, `µmol/L`, `mg/dl`).
pub fn lookup(spelling: &str) -> Option<Unit> {
    /// Every spelling, folded, to its unit (the first unit that has it).
    static BY_SPELLING: std::sync::LazyLock<rustc_hash::FxHashMap<String, Unit>> =
        std::sync::LazyLock::new(|| {
            let mut map = rustc_hash::FxHashMap::default();
            for (spellings, unit) in UNITS {
                for s in *spellings {
                    map.entry(fold(s)).or_insert(*unit);
                }
            }
            map
        });
    BY_SPELLING.get(&fold(spelling)).copied()
}

/// The known spelling closest to `spelling`, for a did-you-mean help.
pub fn suggest(spelling: &str) -> Option<&'static str> {
    // A long text is nothing like a unit; skip the quadratic comparison.
    if spelling.len() > 32 {
        return None;
    }
    let folded = fold(spelling);
    UNITS
        .iter()
        .flat_map(|(spellings, _)| spellings.iter())
        .map(|s| (strsim::damerau_levenshtein(&fold(s), &folded), *s))
        .filter(|(distance, s)| *distance <= (s.len() / 2).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, s)| s)
}

/// Every canonical unit symbol of a dimension, for help texts.
pub fn symbols_of(dimension: Dimension) -> Vec<&'static str> {
    UNITS
        .iter()
        .filter(|(_, unit)| unit.dimension == dimension)
        .map(|(_, unit)| unit.symbol)
        .collect()
}

/// The factor that converts a value in `from` into `to` for `analyte`, or
/// `None` when no conversion exists (different dimensions, no bridge).
///
/// ```
/// use nephrules::units::{factor, lookup, Analyte};
/// let mg_dl = lookup("mg/dL").unwrap();
/// let umol = lookup("umol/L").unwrap();
/// assert_eq!(factor(mg_dl, umol, Analyte::Creatinine), Some(88.42));
/// assert_eq!(factor(mg_dl, umol, Analyte::Other), None);
/// ```
pub fn factor(from: Unit, to: Unit, analyte: Analyte) -> Option<f64> {
    if from.dimension == to.dimension {
        return Some(exact_ratio(from.to_base, to.to_base));
    }
    let bridge = bridge(from.dimension, to.dimension, analyte)?;
    Some(from.to_base * bridge / to.to_base)
}

/// `a / b`, exact when one of them is 1 (the common case), so that a value
/// already in the target unit is never perturbed.
fn exact_ratio(a: f64, b: f64) -> f64 {
    if b == 1.0 {
        a
    } else if a == b {
        1.0
    } else {
        a / b
    }
}

/// The factor from the base unit of `from` to the base unit of `to` across
/// dimensions, where the analyte allows it.
fn bridge(from: Dimension, to: Dimension, analyte: Analyte) -> Option<f64> {
    // 1 mg/dL = 0.01 g/L = 88.42 µmol/L, so 1 g/L = 8842 µmol/L.
    const CREATININE_UMOL_PER_G_PER_L: f64 = CREATININE_UMOL_PER_L_PER_MG_PER_DL * 100.0;
    match (analyte, from, to) {
        (Analyte::Creatinine, D::MassConcentration, D::MolarConcentration) => {
            Some(CREATININE_UMOL_PER_G_PER_L)
        }
        (Analyte::Creatinine, D::MolarConcentration, D::MassConcentration) => {
            Some(1.0 / CREATININE_UMOL_PER_G_PER_L)
        }
        _ => None,
    }
}

/// A unit read as a drug dose. A daily dose is written like a daily
/// excretion (`mg/d`, `g/d`), so those units are read as dose rates here.
pub fn as_dose(unit: Unit) -> Option<Unit> {
    match unit.dimension {
        d if d.is_dose() => Some(unit),
        Dimension::ExcretionRate => Some(Unit {
            symbol: unit.symbol,
            dimension: Dimension::DoseRate,
            // The excretion base is g/d; the dose base is mg.
            to_base: unit.to_base * 1e3,
        }),
        _ => None,
    }
}

/// Whether a value in `unit` can be read as `analyte` measured in
/// `dimension` (directly or across the analyte's bridge).
pub fn compatible(unit: Unit, dimension: Dimension, analyte: Analyte) -> bool {
    unit.dimension == dimension || bridge(unit.dimension, dimension, analyte).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Unit {
        lookup(s).unwrap_or_else(|| panic!("unit {s} missing"))
    }

    #[test]
    fn every_spelling_the_issue_names_is_known() {
        for s in [
            "umol/L",
            "µmol/L",
            "μmol/L",
            "mg/mmol",
            "mg/g",
            "g/g",
            "mg/mg",
            "g/d",
            "mg/d",
            "g/24h",
            "mL/min/1.73m2",
            "/uL",
            "cells/uL",
            "RU/mL",
            "mg/kg/d",
            "mg/m2",
            "%",
            "days",
            "weeks",
            "months",
            "years",
            "mg/dl",
        ] {
            assert!(lookup(s).is_some(), "{s}");
        }
        assert!(lookup("furlongs").is_none());
    }

    #[test]
    fn upcr_mg_per_mmol_uses_creatinine_molar_mass() {
        // 113.12 mg/mmol is exactly 1 g/g (worked out by hand: 1 mg protein
        // per 1 mmol creatinine = 1 mg per 113.12 mg).
        let f = factor(u("mg/mmol"), u("g/g"), Analyte::Other).unwrap();
        assert!((113.12 * f - 1.0).abs() < 1e-15);
        assert_eq!(factor(u("mg/g"), u("g/g"), Analyte::Other), Some(1e-3));
        assert_eq!(factor(u("mg/mg"), u("g/g"), Analyte::Other), Some(1.0));
    }

    #[test]
    fn creatinine_bridges_mass_and_molar_only_for_creatinine() {
        let f = factor(u("mg/dL"), u("umol/L"), Analyte::Creatinine).unwrap();
        assert!((f - 88.42).abs() < 1e-12);
        let back = factor(u("umol/L"), u("mg/dL"), Analyte::Creatinine).unwrap();
        assert!((88.42 * back - 1.0).abs() < 1e-15);
        assert_eq!(factor(u("mg/dL"), u("umol/L"), Analyte::Other), None);
    }

    #[test]
    fn albumin_g_per_dl_is_ten_g_per_l() {
        assert_eq!(factor(u("g/dL"), u("g/L"), Analyte::Other), Some(10.0));
    }

    #[test]
    fn a_month_is_a_twelfth_of_a_julian_year() {
        assert_eq!(u("months").to_base, 30.4375);
        assert_eq!(u("weeks").to_base, 7.0);
        assert_eq!(u("year").to_base, 365.25);
    }

    #[test]
    fn no_conversion_across_dimensions() {
        assert_eq!(factor(u("g/L"), u("g/g"), Analyte::Other), None);
        assert_eq!(factor(u("days"), u("%"), Analyte::Other), None);
    }

    #[test]
    fn suggestions_find_near_misses() {
        assert_eq!(suggest("umol/l "), Some("umol/L"));
        assert_eq!(suggest("mg/mmmol"), Some("mg/mmol"));
        assert_eq!(suggest("zzzzzzzzzz"), None);
    }
}
