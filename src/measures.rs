//! The measure vocabulary: the canonical measure ids that criteria files and
//! data mappings bind to, each with its canonical unit. Values are stored in
//! the canonical unit; thresholds are converted to it once, when rules are
//! compiled.

use crate::units::{self, Analyte, Dimension, Unit};
use serde::Serialize;

/// How a measure's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// A number with a unit, converted to the canonical unit.
    Quantity,
    /// An ordinal urine dipstick grade (`negative` … `4+`).
    DipstickGrade,
    /// Present (1) or absent (0).
    Presence,
}

/// One measure of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measure {
    /// The canonical id (`upcr`).
    pub id: &'static str,
    /// Other names that mean the same measure in criteria files and data.
    pub aliases: &'static [&'static str],
    /// How values are written.
    pub scale: Scale,
    /// The canonical unit's spelling (empty for grades and presence).
    pub unit: &'static str,
    /// The substance, for conversions that need one.
    pub analyte: Analyte,
    /// What it is, for help texts.
    pub description: &'static str,
}

impl Measure {
    /// The canonical unit (dimensionless for grades and presence).
    pub fn canonical_unit(&self) -> Unit {
        if self.unit.is_empty() {
            units::DIMENSIONLESS
        } else {
            // INVARIANT: every canonical unit spelling is in the unit table
            // (checked by the `every_canonical_unit_is_in_the_table` test).
            units::lookup(self.unit).unwrap_or(units::DIMENSIONLESS)
        }
    }

    /// The canonical dimension.
    pub fn dimension(&self) -> Dimension {
        self.canonical_unit().dimension
    }

    /// The factor that takes a value in `unit` to the canonical unit, or
    /// `None` when the unit does not fit this measure.
    pub fn factor_from(&self, unit: Unit) -> Option<f64> {
        match self.scale {
            Scale::Quantity => units::factor(unit, self.canonical_unit(), self.analyte),
            Scale::DipstickGrade | Scale::Presence => {
                (unit.dimension == Dimension::Dimensionless).then_some(1.0)
            }
        }
    }
}

const fn measure(
    id: &'static str,
    aliases: &'static [&'static str],
    scale: Scale,
    unit: &'static str,
    analyte: Analyte,
    description: &'static str,
) -> Measure {
    Measure {
        id,
        aliases,
        scale,
        unit,
        analyte,
        description,
    }
}

/// The vocabulary.
pub const MEASURES: &[Measure] = &[
    measure(
        "upcr",
        &["uPCR", "pcr", "protein_creatinine_ratio"],
        Scale::Quantity,
        "g/g",
        Analyte::Other,
        "urine protein/creatinine ratio",
    ),
    measure(
        "proteinuria_24h",
        &["proteinuria24h", "protein_24h", "uprot24h"],
        Scale::Quantity,
        "g/d",
        Analyte::Other,
        "24-hour urine protein",
    ),
    measure(
        "albumin",
        &["alb", "serum_albumin"],
        Scale::Quantity,
        "g/L",
        Analyte::Other,
        "serum albumin",
    ),
    measure(
        "scr",
        &["creatinine", "serum_creatinine", "cr"],
        Scale::Quantity,
        "umol/L",
        Analyte::Creatinine,
        "serum creatinine",
    ),
    measure(
        "egfr",
        &["gfr"],
        Scale::Quantity,
        "mL/min/1.73m2",
        Analyte::Other,
        "estimated glomerular filtration rate",
    ),
    measure(
        "uacr",
        &["acr", "albumin_creatinine_ratio"],
        Scale::Quantity,
        "mg/g",
        Analyte::Other,
        "urine albumin/creatinine ratio",
    ),
    measure(
        "dipstick",
        &["urine_dipstick", "dipstick_protein"],
        Scale::DipstickGrade,
        "",
        Analyte::Other,
        "urine dipstick protein grade",
    ),
    measure(
        "cd19",
        &["cd19_count", "b_cells"],
        Scale::Quantity,
        "cells/uL",
        Analyte::Other,
        "CD19+ B-cell count",
    ),
    measure(
        "anti_pla2r",
        &["pla2r", "antipla2r"],
        Scale::Quantity,
        "RU/mL",
        Analyte::Other,
        "anti-PLA2R antibody titre",
    ),
    measure(
        "weight",
        &["weight_kg", "body_weight"],
        Scale::Quantity,
        "kg",
        Analyte::Other,
        "body weight",
    ),
    measure(
        "height",
        &["height_cm"],
        Scale::Quantity,
        "cm",
        Analyte::Other,
        "body height",
    ),
    measure(
        "presence",
        &["present"],
        Scale::Presence,
        "",
        Analyte::Other,
        "a finding present (1) or absent (0)",
    ),
];

/// Find a measure by id or alias, ignoring ASCII case.
pub fn find(name: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| {
        m.id.eq_ignore_ascii_case(name) || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// The index of a measure in [`MEASURES`], a compact id for hot paths.
pub fn index_of(id: &str) -> Option<usize> {
    MEASURES.iter().position(|m| m.id == id)
}

/// Every id and alias, for did-you-mean.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    MEASURES
        .iter()
        .flat_map(|m| std::iter::once(m.id).chain(m.aliases.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_unit_is_in_the_table() {
        for m in MEASURES {
            if !m.unit.is_empty() {
                assert!(units::lookup(m.unit).is_some(), "{}", m.id);
            }
        }
    }

    #[test]
    fn names_match_case_insensitively() {
        assert_eq!(find("UPCR").map(|m| m.id), Some("upcr"));
        assert_eq!(find("Creatinine").map(|m| m.id), Some("scr"));
        assert!(find("haematocrit").is_none());
    }

    #[test]
    fn creatinine_accepts_mg_per_dl() {
        let scr = find("scr").unwrap();
        let f = scr.factor_from(units::lookup("mg/dL").unwrap()).unwrap();
        assert!((f - 88.42).abs() < 1e-12);
        assert!(scr.factor_from(units::lookup("g/g").unwrap()).is_none());
    }
}
