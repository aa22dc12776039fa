//! The loader: the state shared by the readers of the three tables
//! (interned patients and unit spellings, the accounting, the skipped rows)
//! and the last step that sorts timelines and finds exact duplicates.

use super::accounting::Counts;
use super::error::{BadRow, DataError, RowReason};
use super::mapping::Mapping;
use super::time::TimeKind;
use super::{
    compare_ids, Course, Dataset, LoadOptions, Loaded, MeasureId, Observation, Patient,
    PatientInfo, UnitId,
};
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// An observation while loading, with what finding duplicates needs.
/// Rows are appended in input order to one vector (sequential writes: no
/// cache miss per row, as scattering into per-patient vectors would cost)
/// and sorted into patient and timeline order once, at the end.
#[derive(Debug, Clone, Copy)]
pub(super) struct Staged {
    pub day: i64,
    pub value: f64,
    pub original: f64,
    pub line: u64,
    pub patient: u32,
    pub unit: UnitId,
    /// Second of the day (timestamps), to tell apart rows of one day.
    pub second: u32,
    /// Index into `Loader::files`.
    pub file: u16,
    pub measure: MeasureId,
}

impl Staged {
    fn observation(&self) -> Observation {
        Observation {
            day: self.day,
            value: self.value,
            original: self.original,
            unit: self.unit,
            measure: self.measure,
        }
    }

    /// The timeline's order — (day, measure, value, unit), as the dataset
    /// keeps it — then the rest of a row's identity and its place, so that
    /// exact duplicates end up next to each other and one sort does both.
    fn key(&self) -> (i64, MeasureId, u64, UnitId, u32, u64, u16, u64) {
        (
            self.day,
            self.measure,
            // Values are finite and never -0 (the readers make sure), so
            // their bits order like the numbers.
            self.value.to_bits(),
            self.unit,
            self.second,
            self.original.to_bits(),
            self.file,
            self.line,
        )
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
    skip_bad_rows: bool,
    pub(super) patients: Vec<Staging>,
    /// Per patient, the kind of time of their first timed row, and how many
    /// observations are staged: kept apart from `patients`, compact, since
    /// every row touches them (a cache miss per row otherwise).
    pub(super) kinds: Vec<Option<TimeKind>>,
    pub(super) observation_counts: Vec<u32>,
    patient_ids: Interner,
    /// Every observation row used, in input order.
    pub(super) staged: Vec<Staged>,
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
            kinds: Vec::new(),
            observation_counts: Vec::new(),
            patient_ids: Interner::default(),
            staged: Vec::new(),
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
        // Room for as many rows as the file can hold (a row takes at least
        // ~16 bytes): growing the buffer by doubling would copy it and, for
        // a moment, hold it twice. Capacity never written is never touched,
        // so it costs address space, not memory.
        if let Ok(meta) = file.metadata() {
            let rows = usize::try_from(meta.len() / 16).unwrap_or(0);
            // A failed reservation is no error: the buffer grows as it goes.
            let _ = self.staged.try_reserve(rows);
        }
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
    pub(super) fn add_file(&mut self, name: &str, value_column: String) -> u16 {
        self.files.push(name.into());
        self.value_columns.push(value_column);
        u16::try_from(self.files.len() - 1).unwrap_or(u16::MAX)
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
        let index = u32::try_from(self.patients.len()).map_err(|_| RowReason::NotText)?;
        self.patients.push(Staging {
            id: text.to_string(),
            ..Staging::default()
        });
        self.kinds.push(None);
        self.observation_counts.push(0);
        self.patient_ids.insert(id, index);
        Ok(index)
    }

    /// Check that a patient's rows keep to one kind of time; the first
    /// timed row decides.
    pub(super) fn check_kind(&mut self, patient: u32, kind: TimeKind) -> Result<(), RowReason> {
        let Some(first) = self.kinds.get_mut(patient as usize) else {
            return Ok(());
        };
        match *first {
            None => {
                *first = Some(kind);
                Ok(())
            }
            Some(k) if k == kind => Ok(()),
            Some(k) => Err(RowReason::MixedTime {
                patient: self
                    .patients
                    .get(patient as usize)
                    .map_or_else(String::new, |s| s.id.clone()),
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
        let mut staged = std::mem::take(&mut self.staged);
        self.number_units_by_spelling(&mut staged);
        let counts: Vec<usize> = self
            .observation_counts
            .iter()
            .map(|&n| n as usize)
            .collect();
        // One sort puts rows in patient order and each timeline in its
        // order: sequential, cache-friendly partitioning beats moving rows
        // straight to their patient's bucket (a cache miss per row), and it
        // runs on every core.
        staged.par_sort_unstable_by_key(|s| (s.patient, s.key()));
        let mut duplicates: Vec<(Staged, u64)> = Vec::new();
        let mut patients = Vec::with_capacity(self.patients.len());
        let mut rest = staged.as_mut_slice();
        let kinds = std::mem::take(&mut self.kinds);
        for (index, staging) in std::mem::take(&mut self.patients).into_iter().enumerate() {
            let n = counts.get(index).copied().unwrap_or(0).min(rest.len());
            let (mine, others) = std::mem::take(&mut rest).split_at_mut(n);
            rest = others;
            let mut observations: Vec<Observation> = Vec::with_capacity(mine.len());
            let mut first: Option<&Staged> = None;
            for s in mine.iter() {
                match first {
                    Some(f) if same_row(f, s) => duplicates.push((*s, f.line)),
                    _ => {
                        first = Some(s);
                        observations.push(s.observation());
                    }
                }
            }
            let mut courses = staging.courses;
            courses.sort_by(|a, b| (a.start, &a.drug, a.end).cmp(&(b.start, &b.drug, b.end)));
            patients.push(Patient {
                id: staging.id,
                time_kind: kinds.get(index).copied().flatten().unwrap_or_default(),
                observations,
                courses,
                info: staging.info.map(|(info, _)| info).unwrap_or_default(),
            });
        }
        drop(staged);
        duplicates.sort_by_key(|(s, _)| (s.file, s.line));
        for (s, first_line) in duplicates {
            self.counts.duplicate(s.measure, s.unit);
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

impl Loader<'_> {
    /// Renumber the unit spellings in their sorted order: ids were handed
    /// out in the order rows came, and timelines sort by unit id, so this
    /// keeps the input's row order from showing through.
    fn number_units_by_spelling(&mut self, staged: &mut [Staged]) {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by(|&a, &b| self.units.get(a).cmp(&self.units.get(b)));
        let mut new_id = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            if let (Some(slot), Ok(new)) = (new_id.get_mut(old), u32::try_from(new)) {
                *slot = new;
            }
        }
        let renumber = |id: UnitId| UnitId(new_id.get(id.0 as usize).copied().unwrap_or(id.0));
        for s in staged.iter_mut() {
            s.unit = renumber(s.unit);
        }
        self.counts.used = std::mem::take(&mut self.counts.used)
            .into_iter()
            .map(|((m, u), n)| ((m, renumber(u)), n))
            .collect();
        self.units = order
            .iter()
            .filter_map(|&i| self.units.get(i).cloned())
            .collect();
        self.unit_index = self
            .units
            .iter()
            .enumerate()
            .filter_map(|(i, s)| u32::try_from(i).ok().map(|i| (s.clone(), i)))
            .collect();
    }
}

/// Whether two rows are exact duplicates: same patient (the caller's
/// timeline), time, measure, value and unit.
fn same_row(a: &Staged, b: &Staged) -> bool {
    a.day == b.day
        && a.second == b.second
        && a.measure == b.measure
        && a.original.to_bits() == b.original.to_bits()
        && a.unit == b.unit
}

fn open(path: &Path) -> Result<(String, std::fs::File), DataError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| DataError::Unreadable {
        file: name.clone(),
        reason: e.to_string(),
    })?;
    Ok((name, file))
}

/// Byte strings interned by a 64-bit hash, their bytes kept side by side in
/// one buffer: looking an id up touches a small table and a compact buffer
/// instead of one heap box per id (a cache miss per row on big files).
#[derive(Debug, Default)]
struct Interner {
    by_hash: FxHashMap<u64, (u32, u32, u32)>,
    bytes: Vec<u8>,
    /// Ids whose hash another id already has (practically never).
    collided: FxHashMap<Box<[u8]>, u32>,
}

impl Interner {
    fn hash(bytes: &[u8]) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = rustc_hash::FxBuildHasher.build_hasher();
        h.write(bytes);
        h.finish()
    }

    fn get(&self, bytes: &[u8]) -> Option<u32> {
        let &(start, len, index) = self.by_hash.get(&Self::hash(bytes))?;
        let stored = self
            .bytes
            .get(start as usize..start as usize + len as usize)?;
        if stored == bytes {
            Some(index)
        } else {
            self.collided.get(bytes).copied()
        }
    }

    fn insert(&mut self, bytes: &[u8], index: u32) {
        let (Ok(start), Ok(len)) = (u32::try_from(self.bytes.len()), u32::try_from(bytes.len()))
        else {
            self.collided.insert(bytes.into(), index);
            return;
        };
        match self.by_hash.entry(Self::hash(bytes)) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(bytes.into(), index);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((start, len, index));
                self.bytes.extend_from_slice(bytes);
            }
        }
    }
}
