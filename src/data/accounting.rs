//! The accounting of every input row: `rows = used + not_used + skipped`,
//! always, with the used rows counted per measure and per original unit.

use super::{MeasureId, UnitId};
use crate::measures::MEASURES;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// How the observation rows were used, and the rows of the other tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Observation rows read (the header not counted).
    pub rows: u64,
    /// Rows in the dataset.
    pub used: u64,
    /// Rows whose code means no measure.
    pub not_used: u64,
    /// Bad rows skipped.
    pub skipped: u64,
    /// Per measure id, the rows used and skipped.
    pub measures: BTreeMap<String, MeasureCount>,
    /// Per original unit spelling (empty for none), the rows used.
    pub units: BTreeMap<String, u64>,
    /// Per code (as written) that means no measure, the rows not used.
    pub not_used_codes: BTreeMap<String, u64>,
    /// The treatments table's rows.
    pub treatments: TableCount,
    /// The patients table's rows.
    pub patients: TableCount,
}

/// The rows of one measure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MeasureCount {
    /// Rows used.
    pub used: u64,
    /// Bad rows skipped.
    pub skipped: u64,
    /// Per original unit spelling, the rows used.
    pub units: BTreeMap<String, u64>,
}

/// The rows of a table without codes: `rows = used + skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableCount {
    /// Rows read.
    pub rows: u64,
    /// Rows used.
    pub used: u64,
    /// Bad rows skipped.
    pub skipped: u64,
}

/// The running counts while loading.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub rows: u64,
    pub not_used: u64,
    pub skipped: u64,
    pub skipped_by_measure: FxHashMap<MeasureId, u64>,
    pub used: FxHashMap<(MeasureId, UnitId), u64>,
    pub not_used_codes: BTreeMap<String, u64>,
    pub treatments: TableCount,
    pub patients: TableCount,
}

impl Counts {
    /// A bad observation row of a known measure.
    pub fn skip(&mut self, measure: MeasureId) {
        self.skipped += 1;
        *self.skipped_by_measure.entry(measure).or_default() += 1;
    }

    /// A used row found to be an exact duplicate when timelines are sorted.
    pub fn duplicate(&mut self, measure: MeasureId, unit: UnitId) {
        if let Some(n) = self.used.get_mut(&(measure, unit)) {
            *n = n.saturating_sub(1);
        }
        self.skip(measure);
    }

    /// Add another table's or shard's counts to these.
    pub fn absorb(&mut self, other: Counts) {
        self.rows += other.rows;
        self.not_used += other.not_used;
        self.skipped += other.skipped;
        for (measure, n) in other.skipped_by_measure {
            *self.skipped_by_measure.entry(measure).or_default() += n;
        }
        for (key, n) in other.used {
            *self.used.entry(key).or_default() += n;
        }
        for (code, n) in other.not_used_codes {
            *self.not_used_codes.entry(code).or_default() += n;
        }
        self.treatments.rows += other.treatments.rows;
        self.treatments.used += other.treatments.used;
        self.treatments.skipped += other.treatments.skipped;
        self.patients.rows += other.patients.rows;
        self.patients.used += other.patients.used;
        self.patients.skipped += other.patients.skipped;
    }

    /// The accounting, with unit ids resolved to their spellings.
    pub fn accounting(&self, units: &[String]) -> Accounting {
        let mut measures: BTreeMap<String, MeasureCount> = BTreeMap::new();
        let mut by_unit: BTreeMap<String, u64> = BTreeMap::new();
        let mut used = 0;
        for (&(measure, unit), &n) in &self.used {
            if n == 0 {
                continue;
            }
            let spelling = units.get(usize::from(unit.0)).cloned().unwrap_or_default();
            used += n;
            let m = measures
                .entry(measure.measure().id.to_string())
                .or_default();
            m.used += n;
            *m.units.entry(spelling.clone()).or_default() += n;
            *by_unit.entry(spelling).or_default() += n;
        }
        for (&measure, &n) in &self.skipped_by_measure {
            measures
                .entry(measure.measure().id.to_string())
                .or_default()
                .skipped += n;
        }
        debug_assert!(measures.keys().all(|k| MEASURES.iter().any(|m| m.id == k)));
        Accounting {
            rows: self.rows,
            used,
            not_used: self.not_used,
            skipped: self.skipped,
            measures,
            units: by_unit,
            not_used_codes: self.not_used_codes.clone(),
            treatments: self.treatments,
            patients: self.patients,
        }
    }
}
