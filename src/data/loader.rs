//! The loader: the state shared by the readers of the three tables
//! (interned patients and unit spellings, the accounting, the skipped rows)
//! and the last step that sorts timelines and finds exact duplicates.

use super::accounting::Counts;
use super::error::{BadRow, DataError, RowReason};
use super::mapping::Mapping;
use super::time::TimeKind;
use super::{
    compare_ids, Course, Dataset, LoadOptions, Loaded, Observation, Patient, PatientInfo, UnitId,
};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// An observation while loading, with what finding duplicates needs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Staged {
    pub obs: Observation,
    /// Second of the day (timestamps), to tell apart rows of one day.
    pub second: u32,
    /// Index into `Loader::files`.
    pub file: u32,
    pub line: u64,
}

/// One patient while loading.
#[derive(Debug, Default)]
pub(super) struct Staging {
    pub id: String,
    /// The kind of time of the patient's first timed row, with its line.
    pub kind: Option<TimeKind>,
    pub observations: Vec<Staged>,
    pub courses: Vec<Course>,
    /// The patients-table row, with its line.
    pub info: Option<(PatientInfo, u64)>,
}

/// Reads tables one after the other into one dataset. [`super::load`] is
/// the usual way in; a `Loader` also reads from any `Read` (tests, stdin).
#[derive(Debug)]
pub struct Loader<'m> {
    pub(super) mapping: Cow<'m, Mapping>,
    skip_bad_rows: bool,
    pub(super) patients: Vec<Staging>,
    patient_index: FxHashMap<Box<[u8]>, u32>,
    /// The last patient looked up, since rows usually come grouped.
    last_patient: Option<(Vec<u8>, u32)>,
    pub(super) units: Vec<String>,
    unit_index: FxHashMap<String, u32>,
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
            patient_index: FxHashMap::default(),
            last_patient: None,
            units: Vec::new(),
            unit_index: FxHashMap::default(),
            files: Vec::new(),
            value_columns: Vec::new(),
            counts: Counts::default(),
            skipped: Vec::new(),
        }
    }

    /// Read an observations table.
    pub fn read_observations<R: Read>(&mut self, name: &str, input: R) -> Result<(), DataError> {
        super::observations::read(self, name, input)
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

    /// Register a file name; its index goes into staged rows.
    pub(super) fn add_file(&mut self, name: &str, value_column: String) -> u32 {
        self.files.push(name.into());
        self.value_columns.push(value_column);
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
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
        if let Some((last, index)) = &self.last_patient {
            if last.as_slice() == id {
                return Ok(*index);
            }
        }
        let index = match self.patient_index.get(id) {
            Some(index) => *index,
            None => {
                let text = std::str::from_utf8(id).map_err(|_| RowReason::NotText)?;
                let index = u32::try_from(self.patients.len()).map_err(|_| RowReason::NotText)?;
                self.patients.push(Staging {
                    id: text.to_string(),
                    ..Staging::default()
                });
                self.patient_index.insert(id.into(), index);
                index
            }
        };
        let last = self.last_patient.get_or_insert_with(|| (Vec::new(), index));
        last.0.clear();
        last.0.extend_from_slice(id);
        last.1 = index;
        Ok(index)
    }

    /// Check that a patient's rows keep to one kind of time; the first
    /// timed row decides.
    pub(super) fn check_kind(&mut self, patient: u32, kind: TimeKind) -> Result<(), RowReason> {
        let Some(staging) = self.patients.get_mut(patient as usize) else {
            return Ok(());
        };
        match staging.kind {
            None => {
                staging.kind = Some(kind);
                Ok(())
            }
            Some(k) if k == kind => Ok(()),
            Some(k) => Err(RowReason::MixedTime {
                patient: staging.id.clone(),
                first: k.name(),
            }),
        }
    }

    /// Intern an original unit spelling.
    pub(super) fn unit_id(&mut self, spelling: &str) -> UnitId {
        if let Some(i) = self.unit_index.get(spelling) {
            return UnitId(*i);
        }
        let i = u32::try_from(self.units.len()).unwrap_or(u32::MAX);
        self.units.push(spelling.to_string());
        self.unit_index.insert(spelling.to_string(), i);
        UnitId(i)
    }

    /// Sort every timeline, set exact duplicates aside as bad rows, and
    /// hand over the dataset with its accounting.
    pub fn finish(mut self) -> Result<Loaded, DataError> {
        let mut duplicates: Vec<(Staged, u64)> = Vec::new();
        let mut patients = Vec::with_capacity(self.patients.len());
        for staging in std::mem::take(&mut self.patients) {
            let mut staged = staging.observations;
            staged.sort_unstable_by(|a, b| {
                (
                    a.obs.day,
                    a.second,
                    a.obs.measure,
                    a.obs.original.to_bits(),
                    a.obs.unit,
                    a.file,
                    a.line,
                )
                    .cmp(&(
                        b.obs.day,
                        b.second,
                        b.obs.measure,
                        b.obs.original.to_bits(),
                        b.obs.unit,
                        b.file,
                        b.line,
                    ))
            });
            let mut observations: Vec<Observation> = Vec::with_capacity(staged.len());
            let mut first: Option<Staged> = None;
            for s in staged {
                match first {
                    Some(f) if same_row(&f, &s) => duplicates.push((s, f.line)),
                    _ => {
                        first = Some(s);
                        observations.push(s.obs);
                    }
                }
            }
            observations.sort_by(|a, b| {
                (a.day, a.measure)
                    .cmp(&(b.day, b.measure))
                    .then(a.value.total_cmp(&b.value))
                    .then(a.unit.cmp(&b.unit))
            });
            let mut courses = staging.courses;
            courses.sort_by(|a, b| (a.start, &a.drug, a.end).cmp(&(b.start, &b.drug, b.end)));
            patients.push(Patient {
                id: staging.id,
                time_kind: staging.kind.unwrap_or_default(),
                observations,
                courses,
                info: staging.info.map(|(info, _)| info).unwrap_or_default(),
            });
        }
        duplicates.sort_by_key(|(s, _)| (s.file, s.line));
        for (s, first_line) in duplicates {
            self.counts.duplicate(&s.obs);
            let file = self.files.get(s.file as usize).cloned().unwrap_or_default();
            let column = self
                .value_columns
                .get(s.file as usize)
                .cloned()
                .unwrap_or_default();
            self.bad(&file, s.line, column, RowReason::Duplicate { first_line })?;
        }
        patients.sort_by(|a, b| compare_ids(&a.id, &b.id));
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

/// Whether two rows are exact duplicates: same patient (the caller's
/// timeline), time, measure, value and unit.
fn same_row(a: &Staged, b: &Staged) -> bool {
    a.obs.day == b.obs.day
        && a.second == b.second
        && a.obs.measure == b.obs.measure
        && a.obs.original.to_bits() == b.obs.original.to_bits()
        && a.obs.unit == b.obs.unit
}

fn open(path: &Path) -> Result<(String, std::fs::File), DataError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| DataError::Unreadable {
        file: name.clone(),
        reason: e.to_string(),
    })?;
    Ok((name, file))
}
