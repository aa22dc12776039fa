//! The data layer: patients' lab time series, treatments and patient facts
//! read from CSV (the long layout of `DATA.md`, or another layout through a
//! YAML [`Mapping`]) into a [`Dataset`] of per-patient timelines, every
//! value in its measure's canonical unit.
//!
//! Every input row is accounted for ([`Accounting`]): used, not used (its
//! code means no measure), or bad. A bad row is an error naming its file,
//! line, column and reason, or, with `skip_bad_rows`, a report in
//! [`Loaded::skipped`].
//!
//! **Architecture invariant:** conversions go through [`crate::units`] and
//! [`crate::measures`] only; one factor is computed per distinct unit
//! spelling and measure, never per row.

mod accounting;
mod blocks;
mod build;
mod bytes_map;
mod error;
mod interner;
mod loader;
mod mapping;
mod observations;
mod patients;
mod probe_table;
mod rows;
mod runs;
mod shard;
mod table;
pub mod time;
mod timeline;
mod treatments;

pub use accounting::{Accounting, MeasureCount, TableCount};
pub use error::{BadRow, DataError, RowReason};
pub use loader::Loader;
pub use mapping::{CodeMeaning, Mapping, ObservationColumns, PatientColumns, TreatmentColumns};
pub use time::TimeKind;
pub use timeline::Timeline;

use crate::measures::{self, Measure, MEASURES};
use crate::units::Unit;
use serde::Serialize;
use std::cmp::Ordering;
use std::path::PathBuf;

/// A measure of the vocabulary as a compact index into [`MEASURES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MeasureId(u8);

impl MeasureId {
    /// The first measure of the vocabulary.
    pub const FIRST: MeasureId = MeasureId(0);

    /// The id of `MEASURES[index]`, when there is such a measure.
    pub fn from_index(index: usize) -> Option<MeasureId> {
        if index < MEASURES.len() {
            u8::try_from(index).ok().map(MeasureId)
        } else {
            None
        }
    }

    /// The id of a measure named by id or alias (`uPCR`, `gfr`).
    pub fn of(name: &str) -> Option<MeasureId> {
        measures::find(name)
            .and_then(|m| measures::index_of(m.id))
            .and_then(MeasureId::from_index)
    }

    /// The index into [`MEASURES`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The measure.
    pub fn measure(self) -> &'static Measure {
        // INVARIANT: a MeasureId is only made by `from_index`, which checks
        // the index against MEASURES, so this index is in bounds (audited).
        #[allow(clippy::indexing_slicing)]
        &MEASURES[self.index()]
    }
}

/// An original unit spelling, interned: an index into [`Dataset::units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitId(pub u16);

/// One observation, compact: the day, the measure, the value in the
/// measure's canonical unit, and the value and unit as the input wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    /// The value in the canonical unit; a dipstick grade's rank
    /// ([`crate::ast::Grade::rank`]); 0 or 1 for presence.
    pub value: f64,
    /// The value as written, in the original unit.
    pub original: f64,
    /// Day relative to the index, or days since 1970-01-01 (see the
    /// patient's [`TimeKind`]); 32 bits, so that an observation takes 24
    /// bytes (a day further than that is a bad row).
    pub day: i32,
    /// The original unit's spelling.
    pub unit: UnitId,
    /// The measure.
    pub measure: MeasureId,
}

/// A course of a drug.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Course {
    /// The drug, lowercased (or the mapping's name for its code).
    pub drug: String,
    /// The first day (same [`TimeKind`] as the patient's).
    pub start: i64,
    /// The last day, `None` while ongoing; a single infusion has `end == start`.
    pub end: Option<i64>,
    /// The dose as written.
    pub dose: Option<f64>,
    /// The dose's unit.
    pub dose_unit: Option<Unit>,
}

/// A patient's sex, for eGFR equations and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// Facts about a patient from the patients table; each may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PatientInfo {
    /// Sex.
    pub sex: Option<Sex>,
    /// Age in years, where the table gives an age.
    pub age_years: Option<f64>,
    /// Date of birth as days since 1970-01-01.
    pub birth_date: Option<i64>,
    /// Weight in kg.
    pub weight_kg: Option<f64>,
    /// Height in cm.
    pub height_cm: Option<f64>,
    /// The index date (day 0) as days since 1970-01-01.
    pub index_date: Option<i64>,
}

/// One patient's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patient {
    /// The id as the input wrote it.
    pub id: String,
    /// Whether the patient's times are days or dates.
    pub time_kind: TimeKind,
    /// Observations sorted by (day, measure), then unit and value as written, so
    /// that the order never depends on the input's row order.
    pub observations: Timeline,
    /// Courses sorted by start, then drug.
    pub courses: Vec<Course>,
    /// Facts from the patients table.
    pub info: PatientInfo,
}

/// Every patient, sorted by id (numerically where both ids are numbers).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dataset {
    /// The patients in id order.
    pub patients: Vec<Patient>,
    /// Original unit spellings, indexed by [`UnitId`].
    pub units: Vec<String>,
}

impl Dataset {
    /// The patient with this id.
    pub fn patient(&self, id: &str) -> Option<&Patient> {
        self.patients
            .binary_search_by(|p| compare_ids(&p.id, id))
            .ok()
            .and_then(|i| self.patients.get(i))
    }

    /// An original unit's spelling as written (empty for none).
    pub fn unit_spelling(&self, unit: UnitId) -> &str {
        self.units
            .get(usize::from(unit.0))
            .map_or("", String::as_str)
    }

    /// How many observations in all.
    pub fn observation_count(&self) -> usize {
        self.patients.iter().map(|p| p.observations.len()).sum()
    }
}

/// The order of patient ids: ids that are whole numbers first, by value,
/// then the others by text.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    id_key(a).cmp(&id_key(b)).then_with(|| a.cmp(b))
}

/// What orders ids before their text: whether the id is not a whole
/// number, and its value if it is.
fn id_key(id: &str) -> (bool, i128) {
    id.parse::<i128>().map_or((true, 0), |n| (false, n))
}

/// The order of `ids` by [`compare_ids`], as indices into `ids`, reading
/// each id once: its number if it is one and its first 16 bytes as one
/// number decide almost every comparison without reading the text again.
fn id_order(ids: &[&str]) -> Vec<usize> {
    use rayon::prelude::*;
    let mut keyed: Vec<(IdKey, usize)> = ids
        .par_iter()
        .enumerate()
        .map(|(i, id)| ((id_key(id), text_prefix(id)), i))
        .collect();
    let id = |i: usize| ids.get(i);
    keyed.par_sort_unstable_by(|(a, i), (b, j)| a.cmp(b).then_with(|| id(*i).cmp(&id(*j))));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// What orders an id before its whole text is read: [`id_key`] and
/// [`text_prefix`].
type IdKey = ((bool, i128), u128);

/// The first 16 bytes of `id` as one number that orders like them (the
/// text's order, where the first 16 bytes differ).
fn text_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    for (slot, byte) in bytes.iter_mut().zip(id.bytes()) {
        *slot = byte;
    }
    u128::from_be_bytes(bytes)
}

/// Options of [`load`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// The layout's mapping; `None` reads the long layout of `DATA.md`.
    pub mapping: Option<&'a Mapping>,
    /// Report bad rows and go on, instead of stopping at the first.
    pub skip_bad_rows: bool,
}

/// The files to load.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// Observations (required).
    pub observations: PathBuf,
    /// Treatments.
    pub treatments: Option<PathBuf>,
    /// Patients.
    pub patients: Option<PathBuf>,
}

/// What loading gives: the dataset, the accounting of every row and the
/// bad rows that were skipped.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The per-patient timelines.
    pub dataset: Dataset,
    /// How every input row was used.
    pub accounting: Accounting,
    /// The bad rows skipped, in file and line order (empty unless
    /// `skip_bad_rows`).
    pub skipped: Vec<BadRow>,
}

/// Load the files: observations, then treatments, then patients.
pub fn load(files: &Files, options: &LoadOptions) -> Result<Loaded, DataError> {
    let mut loader = Loader::new(*options);
    loader.read_observations_file(&files.observations)?;
    // The other tables are read while the observations are grouped.
    loader.group_rows_while(|loader| {
        if let Some(path) = &files.treatments {
            loader.read_treatments_file(path)?;
        }
        if let Some(path) = &files.patients {
            loader.read_patients_file(path)?;
        }
        Ok::<(), DataError>(())
    })?;
    loader.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The order of ids is the one `compare_ids` gives, for numbers,
        /// text, shared prefixes longer than 16 bytes and ties.
        #[test]
        fn id_order_is_compare_ids_order(
            ids in prop::collection::vec(
                prop_oneof![
                    "[0-9]{1,3}",
                    "-?0?[0-9]{1,2}",
                    "[a-c]{0,3}",
                    "patient-with-a-long-prefix-[a-c]{0,2}",
                    "S0000[0-9]{2}",
                ],
                0..40,
            ),
        ) {
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let ordered: Vec<&str> = id_order(&refs).into_iter().map(|i| refs[i]).collect();
            let mut expected = refs.clone();
            expected.sort_by(|a, b| compare_ids(a, b));
            prop_assert_eq!(ordered, expected);
        }
    }
}
