//! The patients reader: `patient` plus any of `sex`, `age`, `birth_date`,
//! `weight_kg`, `height_cm`, `index_date`, one row a patient.

use super::error::{DataError, RowReason};
use super::loader::Loader;
use super::table::number;
use super::table::{cell, text, Table};
use super::time::{self, Expect};
use super::{PatientInfo, Sex};
use std::io::Read;

struct Columns {
    patient: usize,
    sex: Option<usize>,
    age: Option<usize>,
    birth_date: Option<usize>,
    weight_kg: Option<usize>,
    height_cm: Option<usize>,
    index_date: Option<usize>,
}

/// Read a patients table into the loader.
pub(super) fn read<R: Read>(loader: &mut Loader, name: &str, input: R) -> Result<(), DataError> {
    let mut table = Table::open(name, input)?;
    let m = loader.mapping.patients.clone();
    let optional = |key: &Option<String>, default: &str| table.optional(key, default);
    let columns = Columns {
        patient: table.require(m.patient.as_deref().unwrap_or("patient"), "patient")?,
        sex: optional(&m.sex, "sex")?,
        age: optional(&m.age, "age")?,
        birth_date: optional(&m.birth_date, "birth_date")?,
        weight_kg: optional(&m.weight_kg, "weight_kg")?,
        height_cm: optional(&m.height_cm, "height_cm")?,
        index_date: optional(&m.index_date, "index_date")?,
    };
    let mut record = csv::ByteRecord::new();
    while let Some(line) = table.next(&mut record)? {
        loader.counts.patients.rows += 1;
        match info(loader, &record, &columns, line) {
            Ok(()) => loader.counts.patients.used += 1,
            Err((column, reason)) => {
                loader.counts.patients.skipped += 1;
                loader.bad(name, line, table.column_name(column), reason)?;
            }
        }
    }
    Ok(())
}

fn info(
    loader: &mut Loader,
    record: &csv::ByteRecord,
    c: &Columns,
    line: u64,
) -> Result<(), (usize, RowReason)> {
    let id = cell(record, c.patient);
    if id.is_empty() {
        return Err((c.patient, RowReason::Empty));
    }
    let filled = |column: Option<usize>| {
        column
            .map(|i| (i, cell(record, i)))
            .filter(|(_, raw)| !raw.is_empty())
    };
    let num = |column: Option<usize>| -> Result<Option<f64>, (usize, RowReason)> {
        filled(column)
            .map(|(i, raw)| number(raw).map_err(|r| (i, r)))
            .transpose()
    };
    let date = |column: Option<usize>| -> Result<Option<i64>, (usize, RowReason)> {
        filled(column)
            .map(|(i, raw)| {
                time::parse(raw, Expect::Date)
                    .map(|m| m.day)
                    .map_err(|r| (i, r))
            })
            .transpose()
    };
    let sex = filled(c.sex)
        .map(|(i, raw)| sex(raw).ok_or_else(|| (i, RowReason::NotASex { text: text(raw) })))
        .transpose()?;
    let info = PatientInfo {
        sex,
        age_years: num(c.age)?,
        birth_date: date(c.birth_date)?,
        weight_kg: num(c.weight_kg)?,
        height_cm: num(c.height_cm)?,
        index_date: date(c.index_date)?,
    };
    let patient = loader.patient(id).map_err(|r| (c.patient, r))?;
    let Some(staging) = loader.patients.get_mut(patient as usize) else {
        return Ok(());
    };
    if let Some((_, first_line)) = &staging.info {
        return Err((
            c.patient,
            RowReason::DuplicatePatient {
                first_line: *first_line,
            },
        ));
    }
    staging.info = Some((info, line));
    Ok(())
}

fn sex(raw: &[u8]) -> Option<Sex> {
    let t = std::str::from_utf8(raw).ok()?;
    if ["f", "female", "woman", "w"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(t))
    {
        Some(Sex::Female)
    } else if ["m", "male", "man"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(t))
    {
        Some(Sex::Male)
    } else {
        None
    }
}
