//! The loader: the state shared by the readers of the three tables
//! (interned patients and unit spellings, the accounting, the skipped rows)
//! and the last step that groups rows into timelines ([`super::runs`],
//! [`super::build`]) and finds exact duplicates.
//! Observation rows arrive through shards ([`super::shard`]), which
//! [`Loader::absorb`] merges in file order.

use super::accounting::Counts;
use super::build::{Builder, Built, Convert, Part};
use super::error::{BadRow, DataError, RowReason};
use super::interner::Interner;
use super::mapping::Mapping;
use super::runs::{Grouped, Mark, Runs};
use super::shard::{ShardOutput, LOCAL};
use super::time::TimeKind;
use super::{
    Course, Dataset, LoadOptions, Loaded, MeasureId, Patient, PatientInfo, Timeline, UnitId,
};
use crate::measures::MEASURES;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// An observation while loading, with what finding duplicates needs, in
/// 32 bytes (the whole file's rows are held at once). Rows are appended in
/// input order (sequential writes: no cache miss per row, as scattering
/// into per-patient vectors would cost) and grouped into patient and
/// timeline order once, at the end ([`super::runs`]). The value in the
/// canonical unit is computed then, from the one factor of the row's
/// measure and unit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Staged {
    /// The patient (high 32 bits) and the day (low 32, sign bit flipped):
    /// one number that orders like (patient, day).
    when: u64,
    /// The value as written.
    pub original: f64,
    pub line: u32,
    /// Second of the day (timestamps), to tell apart rows of one day.
    pub second: u32,
    pub unit: u16,
    pub measure: MeasureId,
    /// Index into `Loader::files`.
    pub file: u8,
}

impl Staged {
    /// A place for a row not written yet.
    pub const UNWRITTEN: Staged = Staged {
        when: 0,
        original: 0.0,
        line: 0,
        second: 0,
        unit: 0,
        measure: MeasureId::FIRST,
        file: 0,
    };

    /// A row of `patient` on `day`, not yet given its line and file.
    pub fn new(
        patient: u32,
        day: i32,
        original: f64,
        second: u32,
        unit: u16,
        measure: MeasureId,
    ) -> Staged {
        let mut staged = Staged {
            when: u64::from((day as u32) ^ (1 << 31)),
            original,
            line: 0,
            second,
            unit,
            measure,
            file: 0,
        };
        staged.set_patient(patient);
        staged
    }

    /// The patient.
    pub fn patient(&self) -> u32 {
        (self.when >> 32) as u32
    }

    /// Move the row to another patient id.
    pub fn set_patient(&mut self, patient: u32) {
        self.when = (u64::from(patient) << 32) | (self.when & u64::from(u32::MAX));
    }

    /// The day.
    pub fn day(&self) -> i32 {
        ((self.when as u32) ^ (1 << 31)) as i32
    }

    /// The day, measure and unit (by the id `unit_id` gives it) as one
    /// number of 56 bits that orders like them: what orders almost every
    /// two rows of a patient.
    #[inline(always)]
    pub fn primary(&self, unit_id: impl Fn(u16) -> u16) -> u64 {
        ((self.when & u64::from(u32::MAX)) << 24)
            | (u64::from(self.measure.index() as u8) << 16)
            | u64::from(unit_id(self.unit))
    }

    /// Whether `other` is an exact duplicate of this row: same patient,
    /// time, measure, value and unit.
    pub fn same_row(&self, other: &Staged) -> bool {
        self.when == other.when
            && self.second == other.second
            && self.measure == other.measure
            && self.original.to_bits() == other.original.to_bits()
            && self.unit == other.unit
    }

    /// The timeline's order — patient, day, measure, unit, value as written
    /// — then the rest of a row's identity and its place, so that exact
    /// duplicates end up next to each other and one sort does both.
    /// Units compare by the ids `unit_id` gives them.
    fn order(&self, other: &Staged, unit_id: impl Fn(u16) -> u16) -> std::cmp::Ordering {
        self.when
            .cmp(&other.when)
            .then_with(|| {
                (self.measure, unit_id(self.unit)).cmp(&(other.measure, unit_id(other.unit)))
            })
            // Values are finite and never -0 (the readers make sure), so
            // their bits order like the numbers.
            .then_with(|| self.original.to_bits().cmp(&other.original.to_bits()))
            .then_with(|| self.second.cmp(&other.second))
            .then_with(|| self.file.cmp(&other.file))
            .then_with(|| self.line.cmp(&other.line))
    }
}

/// One patient while loading.
#[derive(Debug, Default)]
pub(super) struct Staging {
    pub id: String,
    pub courses: Vec<Course>,
    /// The patients-table row, with its line.
    pub info: Option<(PatientInfo, u64)>,
}

/// Reads tables one after the other into one dataset. [`super::load`] is
/// the usual way in; a `Loader` also reads from any `Read` (tests, stdin).
#[derive(Debug)]
pub struct Loader<'m> {
    pub(super) mapping: Cow<'m, Mapping>,
    pub(super) skip_bad_rows: bool,
    pub(super) patients: Vec<Staging>,
    /// Per patient, the kind of time of their first timed row: kept apart
    /// from `patients`, compact, since every row touches it.
    pub(super) kinds: Vec<Option<TimeKind>>,
    pub(super) patient_ids: Interner,
    /// Every observation row used, in input order.
    rows: Runs,
    /// The rows once grouped by patient ([`Loader::group_rows_while`]),
    /// with the new id of each unit.
    grouped: Option<(Grouped, Vec<u16>)>,
    pub(super) units: Vec<String>,
    unit_index: FxHashMap<String, u16>,
    /// Per measure and unit, the factor to the measure's canonical unit.
    factors: FxHashMap<(MeasureId, UnitId), f64>,
    pub(super) files: Vec<String>,
    /// Per file, the name of the column a duplicate is reported in.
    pub(super) value_columns: Vec<String>,
    pub(super) counts: Counts,
    skipped: Vec<BadRow>,
}

impl<'m> Loader<'m> {
    /// A loader with these options.
    pub fn new(options: LoadOptions<'m>) -> Loader<'m> {
        Loader {
            mapping: options
                .mapping
                .map_or_else(|| Cow::Owned(Mapping::default()), Cow::Borrowed),
            skip_bad_rows: options.skip_bad_rows,
            patients: Vec::new(),
            kinds: Vec::new(),
            patient_ids: Interner::default(),
            rows: Runs::default(),
            grouped: None,
            units: Vec::new(),
            unit_index: FxHashMap::default(),
            factors: FxHashMap::default(),
            files: Vec::new(),
            value_columns: Vec::new(),
            counts: Counts::default(),
            skipped: Vec::new(),
        }
    }

    /// Read an observations table: in blocks, each split across threads
    /// (see [`super::blocks`]).
    pub fn read_observations<R: Read + Send>(
        &mut self,
        name: &str,
        input: R,
    ) -> Result<(), DataError> {
        super::blocks::read(self, name, input)
    }

    /// Read a treatments table.
    pub fn read_treatments<R: Read>(&mut self, name: &str, input: R) -> Result<(), DataError> {
        super::treatments::read(self, name, input)
    }

    /// Read a patients table.
    pub fn read_patients<R: Read>(&mut self, name: &str, input: R) -> Result<(), DataError> {
        super::patients::read(self, name, input)
    }

    /// Read an observations file.
    pub fn read_observations_file(&mut self, path: &Path) -> Result<(), DataError> {
        let (name, file) = open(path)?;
        self.read_observations(&name, file)
    }

    /// Read a treatments file.
    pub fn read_treatments_file(&mut self, path: &Path) -> Result<(), DataError> {
        let (name, file) = open(path)?;
        self.read_treatments(&name, file)
    }

    /// Read a patients file.
    pub fn read_patients_file(&mut self, path: &Path) -> Result<(), DataError> {
        let (name, file) = open(path)?;
        self.read_patients(&name, file)
    }

    /// Register an observations file; its index goes into staged rows.
    pub(super) fn add_file(&mut self, name: &str, value_column: String) -> Result<u8, DataError> {
        let index = u8::try_from(self.files.len()).map_err(|_| DataError::TooLarge {
            file: name.into(),
            reason: "one load reads at most 255 observation files".into(),
        })?;
        self.files.push(name.into());
        self.value_columns.push(value_column);
        Ok(index)
    }

    /// A bad row: an error, or a report when bad rows are skipped.
    pub(super) fn bad(
        &mut self,
        file: &str,
        line: u64,
        column: String,
        reason: RowReason,
    ) -> Result<(), DataError> {
        let row = BadRow {
            file: file.into(),
            line,
            column,
            reason,
        };
        if self.skip_bad_rows {
            self.skipped.push(row);
            Ok(())
        } else {
            Err(DataError::BadRow(Box::new(row)))
        }
    }

    /// The patient with this id (interned on first sight); `Err` when the
    /// id is not text.
    pub(super) fn patient(&mut self, id: &[u8]) -> Result<u32, RowReason> {
        if let Some(index) = self.patient_ids.get(id) {
            return Ok(index);
        }
        let text = std::str::from_utf8(id).map_err(|_| RowReason::NotText)?;
        self.add_patient(text.to_string()).ok_or(RowReason::NotText)
    }

    /// A new patient's index; `None` past the last index there can be.
    fn add_patient(&mut self, id: String) -> Option<u32> {
        let index = u32::try_from(self.patients.len())
            .ok()
            .filter(|&i| i < LOCAL)?;
        self.patient_ids.insert(id.as_bytes(), index);
        self.patients.push(Staging {
            id,
            ..Staging::default()
        });
        self.kinds.push(None);
        Some(index)
    }

    /// Check that a patient's rows keep to one kind of time; the first
    /// timed row decides.
    pub(super) fn check_kind(&mut self, patient: u32, kind: TimeKind) -> Result<(), RowReason> {
        let Some(first) = self.kinds.get_mut(patient as usize) else {
            return Ok(());
        };
        super::time::keep_kind(first, kind).map_err(|k| RowReason::MixedTime {
            patient: self
                .patients
                .get(patient as usize)
                .map_or_else(String::new, |s| s.id.clone()),
            first: k.name(),
        })
    }

    /// The rows read so far, taken out for shards to write after them
    /// while they read the rest of the loader; [`Loader::put_rows`] gives
    /// them back.
    pub(super) fn take_rows(&mut self) -> Runs {
        std::mem::take(&mut self.rows)
    }

    /// Give back the rows [`Loader::take_rows`] took, with the new ones.
    pub(super) fn put_rows(&mut self, rows: Runs) {
        self.rows = rows;
    }

    /// How many unit spellings are interned.
    pub(super) fn unit_count(&self) -> u16 {
        u16::try_from(self.units.len()).unwrap_or(u16::MAX)
    }

    /// The id of a unit spelling already interned.
    pub(super) fn known_unit(&self, spelling: &str) -> Option<u16> {
        self.unit_index.get(spelling).copied()
    }

    /// Intern an original unit spelling; `None` past the last id there
    /// can be.
    fn unit_id(&mut self, spelling: &str) -> Option<UnitId> {
        if let Some(i) = self.unit_index.get(spelling) {
            return Some(UnitId(*i));
        }
        let i = u16::try_from(self.units.len()).ok()?;
        self.units.push(spelling.to_string());
        self.unit_index.insert(spelling.to_string(), i);
        Some(UnitId(i))
    }

    /// Merge what a shard read: its patients and units get the loader's
    /// ids (in its rows too, which the shard put from `from` to `to` in
    /// the loader's rows), its counts and skipped rows join the loader's;
    /// then the error that stopped it, if one did. Shards of one file are
    /// absorbed in file order.
    pub(super) fn absorb(
        &mut self,
        mut shard: ShardOutput,
        from: Mark,
        to: Mark,
    ) -> Result<(), DataError> {
        let file_name = self.files.last().cloned().unwrap_or_default();
        let too_large = |reason: &str| DataError::TooLarge {
            file: file_name.clone(),
            reason: reason.into(),
        };
        let mut unit_ids = Vec::with_capacity(shard.units.len());
        for spelling in &shard.units {
            let id = self
                .unit_id(spelling)
                .ok_or_else(|| too_large("more than 65,535 unit spellings"))?;
            unit_ids.push(id.0);
        }
        let known_units = shard.known_units;
        let global_unit = |unit: u16| match unit.checked_sub(known_units) {
            Some(local) => unit_ids.get(usize::from(local)).copied().unwrap_or(unit),
            None => unit,
        };
        for &(measure, unit, factor, used) in &shard.factors {
            let unit = UnitId(global_unit(unit));
            self.factors.insert((measure, unit), factor);
            if used > 0 {
                *self.counts.used.entry((measure, unit)).or_default() += used;
            }
        }
        for (slot, kind) in self.kinds.iter_mut().zip(&shard.kinds) {
            if slot.is_none() {
                *slot = *kind;
            }
        }
        let mut patient_ids = Vec::with_capacity(shard.new_patients.len());
        self.patients.reserve(shard.new_patients.len());
        self.kinds.reserve(shard.new_patients.len());
        for (id, kind) in std::mem::take(&mut shard.new_patients)
            .into_iter()
            .zip(&shard.new_kinds)
        {
            let index = match self.patient_ids.get(id.as_bytes()) {
                Some(index) => index,
                None => self
                    .add_patient(id)
                    .ok_or_else(|| too_large("more than 2,147,483,647 patients"))?,
            };
            if let Some(slot @ None) = self.kinds.get_mut(index as usize) {
                *slot = *kind;
            }
            patient_ids.push(index);
        }
        // Only the first rows of a file meet patients and units no shard
        // knew before: most shards have nothing to renumber.
        if !patient_ids.is_empty() || !unit_ids.is_empty() {
            for rows in self.rows.between_mut(from, to) {
                rows.par_iter_mut().for_each(|row| {
                    let patient = row.patient();
                    if patient & LOCAL != 0 {
                        let local = (patient & !LOCAL) as usize;
                        row.set_patient(patient_ids.get(local).copied().unwrap_or(patient));
                    }
                    row.unit = global_unit(row.unit);
                });
            }
        }
        self.counts.absorb(shard.counts);
        self.skipped.append(&mut shard.skipped);
        shard.error.map_or(Ok(()), Err)
    }

    /// Put every timeline in order, set exact duplicates aside as bad
    /// rows, and hand over the dataset with its accounting.
    pub fn finish(mut self) -> Result<Loaded, DataError> {
        if self.grouped.is_none() {
            self.group_rows_while(|_| ());
        }
        let (mut grouped, unit_ids) = self
            .grouped
            .take()
            .unwrap_or_else(|| (Runs::default().group(0), Vec::new()));
        let factors = self.factor_table();
        let convert = Convert {
            factors: &factors,
            unit_id: |unit: u16| unit_ids.get(usize::from(unit)).copied().unwrap_or(unit),
        };
        let mut builder = Builder::new(grouped.rows(), grouped.patients(), &convert);
        let unit_id = &convert.unit_id;
        let primary = |row: &Staged| row.primary(unit_id);
        let order = |a: &Staged, b: &Staged| a.order(b, unit_id);
        let kinds = std::mem::take(&mut self.kinds);
        let stagings = std::mem::take(&mut self.patients);
        // The patients are made while the timelines are: the one is mostly
        // on one thread, the other on every core.
        let (built, (id_order, mut patients)) = rayon::join(
            || {
                loop {
                    let filled: Vec<_> = grouped
                        .take_buckets(BUCKETS_AT_ONCE, primary, order, |buckets| {
                            builder.parts(buckets)
                        })
                        .into_iter()
                        .map(Part::filled)
                        .collect();
                    if filled.is_empty() {
                        break;
                    }
                    builder.keep(filled);
                }
                drop(grouped);
                builder.finish()
            },
            || patients_in_id_order(stagings, &kinds),
        );
        let Built {
            observations,
            ranges,
            mut duplicates,
        } = built;
        let all = std::sync::Arc::new(observations);
        for (patient, &i) in patients.iter_mut().zip(&id_order) {
            let range = ranges.get(i).cloned().unwrap_or_default();
            patient.observations = Timeline::new(std::sync::Arc::clone(&all), range);
        }
        duplicates.sort_by_key(|(s, _)| (s.file, s.line));
        for (s, first_line) in duplicates {
            self.counts.duplicate(s.measure, UnitId(s.unit));
            let file = self
                .files
                .get(usize::from(s.file))
                .cloned()
                .unwrap_or_default();
            let column = self
                .value_columns
                .get(usize::from(s.file))
                .cloned()
                .unwrap_or_default();
            let reason = RowReason::Duplicate {
                first_line: u64::from(first_line),
            };
            self.bad(&file, u64::from(s.line), column, reason)?;
        }
        let mut skipped = std::mem::take(&mut self.skipped);
        skipped.sort_by(|a, b| {
            let fa = self.files.iter().position(|f| *f == a.file);
            let fb = self.files.iter().position(|f| *f == b.file);
            (fa, a.line).cmp(&(fb, b.line))
        });
        let accounting = self.counts.accounting(&self.units);
        Ok(Loaded {
            dataset: Dataset {
                patients,
                units: self.units,
            },
            accounting,
            skipped,
        })
    }
}

impl Loader<'_> {
    /// Group the observation rows by patient on every core while
    /// `read_more` reads the other tables into the loader (grouping needs
    /// nothing they bring: their patients come after every patient with
    /// rows). No observations may be read after this.
    pub(super) fn group_rows_while<T: Send>(
        &mut self,
        read_more: impl FnOnce(&mut Self) -> T + Send,
    ) -> T {
        let rows = std::mem::take(&mut self.rows);
        let unit_ids = self.number_units_by_spelling();
        let patients = self.patients.len();
        let (grouped, more) = rayon::join(|| rows.group(patients), || read_more(self));
        self.grouped = Some((grouped, unit_ids));
        more
    }

    /// Renumber the unit spellings in their sorted order: ids were handed
    /// out in the order rows came, and timelines sort by unit id, so this
    /// keeps the input's row order from showing through. Per old id, the
    /// new one.
    fn number_units_by_spelling(&mut self) -> Vec<u16> {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by(|&a, &b| self.units.get(a).cmp(&self.units.get(b)));
        let mut new_id = vec![0u16; order.len()];
        for (new, &old) in order.iter().enumerate() {
            if let (Some(slot), Ok(new)) = (new_id.get_mut(old), u16::try_from(new)) {
                *slot = new;
            }
        }
        let renumber = |id: UnitId| UnitId(new_id.get(usize::from(id.0)).copied().unwrap_or(id.0));
        self.counts.used = std::mem::take(&mut self.counts.used)
            .into_iter()
            .map(|((m, u), n)| ((m, renumber(u)), n))
            .collect();
        self.factors = std::mem::take(&mut self.factors)
            .into_iter()
            .map(|((m, u), f)| ((m, renumber(u)), f))
            .collect();
        self.units = order
            .iter()
            .filter_map(|&i| self.units.get(i).cloned())
            .collect();
        self.unit_index = self
            .units
            .iter()
            .enumerate()
            .filter_map(|(i, s)| u16::try_from(i).ok().map(|i| (s.clone(), i)))
            .collect();
        new_id
    }

    /// The factors as a table indexed by `unit * MEASURES.len() + measure`.
    fn factor_table(&self) -> Vec<f64> {
        let mut table = vec![1.0; self.units.len() * MEASURES.len()];
        for (&(measure, unit), &factor) in &self.factors {
            if let Some(slot) =
                table.get_mut(usize::from(unit.0) * MEASURES.len() + measure.index())
            {
                *slot = factor;
            }
        }
        table
    }
}

/// How many buckets of rows are put in timeline order at a time, side by
/// side: enough to keep every core busy.
const BUCKETS_AT_ONCE: usize = 8;

/// The patients in id order, without their timelines yet, and the place
/// each one's staging had.
fn patients_in_id_order(
    mut stagings: Vec<Staging>,
    kinds: &[Option<TimeKind>],
) -> (Vec<usize>, Vec<Patient>) {
    let order = {
        let ids: Vec<&str> = stagings.iter().map(|s| s.id.as_str()).collect();
        super::id_order(&ids)
    };
    let patients = order
        .iter()
        .map(|&i| {
            let staging = stagings.get_mut(i).map(std::mem::take).unwrap_or_default();
            let kind = kinds.get(i).copied().flatten().unwrap_or_default();
            patient(staging, kind, Timeline::default())
        })
        .collect();
    (order, patients)
}

/// A patient from what loading gathered and their timeline.
fn patient(staging: Staging, time_kind: TimeKind, observations: Timeline) -> Patient {
    let mut courses = staging.courses;
    courses.sort_by(|a, b| (a.start, &a.drug, a.end).cmp(&(b.start, &b.drug, b.end)));
    Patient {
        id: staging.id,
        time_kind,
        observations,
        courses,
        info: staging.info.map(|(info, _)| info).unwrap_or_default(),
    }
}

fn open(path: &Path) -> Result<(String, std::fs::File), DataError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| DataError::Unreadable {
        file: name.clone(),
        reason: e.to_string(),
    })?;
    Ok((name, file))
}
