//! A shard: the observation rows of one stretch of a file, read on one
//! thread against a read-only view of what the loader already knows.
//! Patients and unit spellings first seen in the stretch get ids local to
//! the shard; [`Loader::absorb`] turns them into the loader's, so that
//! stretches of one file can be read in parallel and merged in file order.
//! Reading a whole table sequentially is the same thing with one shard.

use super::accounting::Counts;
use super::error::{BadRow, DataError, RowReason};
use super::interner::{Interner, Key};
use super::loader::{Loader, Staged};
use super::mapping::Mapping;
use super::observations::Layout;
use super::time::{self, TimeKind};
use super::MeasureId;

/// Patient ids with this bit set are local to their shard.
pub(super) const LOCAL: u32 = 1 << 31;

/// Where a shard puts the rows it reads.
pub(super) trait Sink {
    /// Keep one more row.
    fn push(&mut self, row: Staged);
}

impl Sink for Vec<Staged> {
    fn push(&mut self, row: Staged) {
        Vec::push(self, row);
    }
}

/// Rows written in place into a stretch of the loader's rows set aside
/// for one shard: as many as its text has lines, so never too few (a row
/// that did not fit would be kept in `overflow`, and the block read again).
pub(super) struct SliceSink<'s> {
    rows: &'s mut [Staged],
    /// How many rows are written.
    pub len: usize,
    /// Rows past the end of `rows`.
    pub overflow: Vec<Staged>,
}

impl<'s> SliceSink<'s> {
    /// A sink writing into `rows` from the start.
    pub fn new(rows: &'s mut [Staged]) -> SliceSink<'s> {
        SliceSink {
            rows,
            len: 0,
            overflow: Vec::new(),
        }
    }
}

impl Sink for SliceSink<'_> {
    fn push(&mut self, row: Staged) {
        match self.rows.get_mut(self.len) {
            Some(slot) => {
                *slot = row;
                self.len += 1;
            }
            None => self.overflow.push(row),
        }
    }
}

/// One shard while it reads.
pub(super) struct Shard<'a, 'm> {
    base: &'a Loader<'m>,
    /// The key of the last patient id read (when short) and its id: rows
    /// of one patient often come together, and this skips the hash.
    last_patient: Option<(Key, u32)>,
    new_ids: Interner,
    /// What the shard gives back.
    pub out: ShardOutput,
}

/// What a shard read, with local ids still to be mapped to the loader's.
#[derive(Debug, Default)]
pub(super) struct ShardOutput {
    /// Patients the loader did not know, by local id.
    pub new_patients: Vec<String>,
    /// Their kind of time, by local id.
    pub new_kinds: Vec<Option<TimeKind>>,
    /// Per patient the loader knew, the kind of time (the loader's, or the
    /// one this shard's first timed row gave).
    pub kinds: Vec<Option<TimeKind>>,
    /// The number of unit spellings the loader knew: ids from there on
    /// are local, indices into `units`.
    pub known_units: u16,
    /// Unit spellings the loader did not know, by local id.
    pub units: Vec<String>,
    /// Per measure and local unit: the factor to the canonical unit and
    /// the rows used.
    pub factors: Vec<(MeasureId, u16, f64, u64)>,
    /// The counts (without `used`, which `factors` carries).
    pub counts: Counts,
    /// Bad rows skipped.
    pub skipped: Vec<BadRow>,
    /// What stopped the shard, if anything did.
    pub error: Option<DataError>,
}

impl<'a, 'm> Shard<'a, 'm> {
    /// An empty shard over what `base` knows.
    pub fn new(base: &'a Loader<'m>) -> Shard<'a, 'm> {
        Shard {
            base,
            last_patient: None,
            new_ids: Interner::default(),
            out: ShardOutput {
                kinds: base.kinds.clone(),
                known_units: base.unit_count(),
                ..ShardOutput::default()
            },
        }
    }

    /// The layout's mapping.
    pub fn mapping(&self) -> &'a Mapping {
        &self.base.mapping
    }

    /// The id of the patient with this id text: the loader's, or a local
    /// one marked [`LOCAL`]; `Err` when the id is not text.
    pub fn patient(&mut self, id: &[u8]) -> Result<u32, RowReason> {
        let key = Interner::key(id);
        if let Some((last, found)) = self.last_patient {
            if last == key {
                return Ok(found);
            }
        }
        let found = match self.base.patient_ids.get_keyed(key, id) {
            Some(known) => known,
            None => match self.new_ids.get_keyed(key, id) {
                Some(local) => local | LOCAL,
                None => {
                    let text = std::str::from_utf8(id).map_err(|_| RowReason::NotText)?;
                    let local = u32::try_from(self.out.new_patients.len())
                        .ok()
                        .filter(|&l| l < LOCAL)
                        .ok_or(RowReason::NotText)?;
                    self.out.new_patients.push(text.to_string());
                    self.out.new_kinds.push(None);
                    self.new_ids.insert_keyed(key, id, local);
                    local | LOCAL
                }
            },
        };
        // A hash alone does not tell ids apart: only short keys, which
        // are the ids themselves, are remembered.
        if !matches!(key, Key::Hash(_)) {
            self.last_patient = Some((key, found));
        }
        Ok(found)
    }

    /// Check that a patient's rows keep to one kind of time; the first
    /// timed row decides.
    pub fn check_kind(&mut self, patient: u32, kind: TimeKind) -> Result<(), RowReason> {
        let slot = if patient & LOCAL == 0 {
            self.out.kinds.get_mut(patient as usize)
        } else {
            self.out.new_kinds.get_mut((patient & !LOCAL) as usize)
        };
        let Some(first) = slot else {
            return Ok(());
        };
        time::keep_kind(first, kind).map_err(|k| RowReason::MixedTime {
            patient: self.patient_text(patient),
            first: k.name(),
        })
    }

    fn patient_text(&self, patient: u32) -> String {
        let text = if patient & LOCAL == 0 {
            self.base
                .patients
                .get(patient as usize)
                .map(|s| s.id.as_str())
        } else {
            self.out
                .new_patients
                .get((patient & !LOCAL) as usize)
                .map(String::as_str)
        };
        text.unwrap_or_default().to_string()
    }

    /// The id of a unit spelling: the loader's, or a local one (from
    /// `known_units` on).
    pub fn unit_id(&mut self, spelling: &str) -> Result<u16, RowReason> {
        if let Some(known) = self.base.known_unit(spelling) {
            return Ok(known);
        }
        let local = match self.out.units.iter().position(|u| u == spelling) {
            Some(i) => i,
            None => {
                self.out.units.push(spelling.to_string());
                self.out.units.len() - 1
            }
        };
        // Past the last id there can be: the loader says so when it
        // absorbs the shard's units.
        Ok(usize::from(self.out.known_units)
            .saturating_add(local)
            .try_into()
            .unwrap_or(u16::MAX))
    }

    /// A bad row: reported and skipped, or the error that stops the shard
    /// (`false`: stop reading).
    pub fn bad(&mut self, layout: &Layout, line: u64, column: usize, reason: RowReason) -> bool {
        let row = BadRow {
            file: layout.name.clone(),
            line,
            column: layout.column_name(column),
            reason,
        };
        if self.base.skip_bad_rows {
            self.out.skipped.push(row);
            true
        } else {
            self.out.error = Some(DataError::BadRow(Box::new(row)));
            false
        }
    }
}

impl ShardOutput {
    /// Whether shards read side by side disagree on a patient's kind of
    /// time (read in order, a later row would have been a bad row: only
    /// reading them in order tells which).
    pub fn kinds_conflict(base: &[Option<TimeKind>], shards: &[&ShardOutput]) -> bool {
        // Usually every patient's time is of one kind: then none can
        // disagree, and the patients need not be matched up.
        let mut kinds = base.iter().flatten().copied().chain(
            shards
                .iter()
                .flat_map(|s| s.kinds.iter().chain(&s.new_kinds).flatten().copied()),
        );
        if let Some(first) = kinds.next() {
            if kinds.all(|k| k == first) {
                return false;
            }
        } else {
            return false;
        }
        let mut merged = base.to_vec();
        let mut new: rustc_hash::FxHashMap<&str, TimeKind> = rustc_hash::FxHashMap::default();
        for shard in shards {
            for (slot, kind) in merged.iter_mut().zip(&shard.kinds) {
                match (*slot, *kind) {
                    (None, k) => *slot = k,
                    (Some(a), Some(b)) if a != b => return true,
                    _ => {}
                }
            }
            for (id, kind) in shard.new_patients.iter().zip(&shard.new_kinds) {
                let Some(kind) = *kind else { continue };
                if *new.entry(id).or_insert(kind) != kind {
                    return true;
                }
            }
        }
        false
    }
}
