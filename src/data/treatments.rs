//! The treatments reader: `patient, drug, start, end, dose, unit`, one
//! course a row; times are days or dates, told apart by the text.

use super::bytes_map::BytesMap;
use super::error::{DataError, RowReason};
use super::loader::Loader;
use super::table::{cell, number, text, Table};
use super::time::{self, Expect};
use super::Course;
use crate::units::Unit;
use std::io::Read;

/// Drug names and dose units by their text as written: a file names a
/// handful, each worked out once (folding and lowercasing allocate).
#[derive(Default)]
struct Seen {
    drugs: BytesMap<usize>,
    drug_names: Vec<String>,
    /// The dose unit a spelling means, if any.
    units: BytesMap<Option<Unit>>,
}

impl Seen {
    /// The drug `raw` names; `Err` when it is not text.
    fn drug(&mut self, raw: &[u8], loader: &Loader) -> Result<String, RowReason> {
        if let Some(name) = self.drugs.get(raw).and_then(|i| self.drug_names.get(i)) {
            return Ok(name.clone());
        }
        let text = std::str::from_utf8(raw).map_err(|_| RowReason::NotText)?;
        let name = loader.mapping.drug(text);
        self.drugs.insert(raw, self.drug_names.len());
        self.drug_names.push(name.clone());
        Ok(name)
    }

    /// The dose unit `raw` spells, if it spells one; `Err` when it is not
    /// text.
    fn unit(&mut self, raw: &[u8], loader: &Loader) -> Result<Option<Unit>, RowReason> {
        if let Some(unit) = self.units.get(raw) {
            return Ok(unit);
        }
        let spelling = std::str::from_utf8(raw).map_err(|_| RowReason::NotText)?;
        let unit = loader
            .mapping
            .unit(spelling)
            .and_then(crate::units::as_dose);
        self.units.insert(raw, unit);
        Ok(unit)
    }
}

struct Columns {
    patient: usize,
    drug: usize,
    start: usize,
    end: Option<usize>,
    dose: Option<usize>,
    unit: Option<usize>,
}

/// Read a treatments table into the loader.
pub(super) fn read<R: Read>(loader: &mut Loader, name: &str, input: R) -> Result<(), DataError> {
    let mut table = Table::open(name, input)?;
    let m = loader.mapping.treatments.clone();
    let optional = |key: &Option<String>, default: &str| table.optional(key, default);
    let columns = Columns {
        patient: table.require(m.patient.as_deref().unwrap_or("patient"), "patient")?,
        drug: table.require(m.drug.as_deref().unwrap_or("drug"), "drug")?,
        start: table.require(m.start.as_deref().unwrap_or("start"), "start")?,
        end: optional(&m.end, "end")?,
        dose: optional(&m.dose, "dose")?,
        unit: optional(&m.unit, "unit")?,
    };
    let mut record = csv::ByteRecord::new();
    let mut seen = Seen::default();
    while let Some(line) = table.next(&mut record)? {
        loader.counts.treatments.rows += 1;
        match course(loader, &mut seen, &record, &columns) {
            Ok((patient, course)) => {
                loader.counts.treatments.used += 1;
                if let Some(p) = loader.patients.get_mut(patient as usize) {
                    // Most patients have one course or two: the room for
                    // four a vector first takes would be most of the
                    // memory a table of treatments needs.
                    if p.courses.capacity() == 0 {
                        p.courses.reserve_exact(1);
                    }
                    p.courses.push(course);
                }
            }
            Err((column, reason)) => {
                loader.counts.treatments.skipped += 1;
                loader.bad(name, line, table.column_name(column), reason)?;
            }
        }
    }
    Ok(())
}

fn course(
    loader: &mut Loader,
    seen: &mut Seen,
    record: &csv::ByteRecord,
    c: &Columns,
) -> Result<(u32, Course), (usize, RowReason)> {
    let id = cell(record, c.patient);
    if id.is_empty() {
        return Err((c.patient, RowReason::Empty));
    }
    let raw_drug = cell(record, c.drug);
    if raw_drug.is_empty() {
        return Err((c.drug, RowReason::Empty));
    }
    let drug = seen.drug(raw_drug, loader).map_err(|r| (c.drug, r))?;
    let start = time::parse(cell(record, c.start), Expect::Either).map_err(|r| (c.start, r))?;
    let end = match c.end.map(|i| (i, cell(record, i))) {
        Some((i, raw)) if !raw.is_empty() => {
            Some((i, time::parse(raw, Expect::Either).map_err(|r| (i, r))?))
        }
        _ => None,
    };
    let patient = loader.patient(id).map_err(|r| (c.patient, r))?;
    loader
        .check_kind(patient, start.kind)
        .map_err(|r| (c.start, r))?;
    if let Some((i, end)) = end {
        loader.check_kind(patient, end.kind).map_err(|r| (i, r))?;
        if end.day < start.day {
            return Err((i, RowReason::EndBeforeStart));
        }
    }
    let dose = match c.dose.map(|i| (i, cell(record, i))) {
        Some((i, raw)) if !raw.is_empty() => Some((i, number(raw).map_err(|r| (i, r))?)),
        _ => None,
    };
    let unit = match c.unit.map(|i| (i, cell(record, i))) {
        Some((i, raw)) if !raw.is_empty() => match seen.unit(raw, loader).map_err(|r| (i, r))? {
            Some(u) => Some(u),
            None => return Err((i, RowReason::NotADoseUnit { unit: text(raw) })),
        },
        _ => None,
    };
    if let (Some((i, _)), None) = (dose, unit) {
        return Err((c.unit.unwrap_or(i), RowReason::DoseWithoutUnit));
    }
    Ok((
        patient,
        Course {
            drug,
            start: start.day,
            end: end.map(|(_, e)| e.day),
            dose: dose.map(|(_, d)| d),
            dose_unit: unit,
        },
    ))
}
