//! The observations reader: one row a measurement, in the long layout or a
//! mapped one. The hot loop allocates nothing per row: cells are borrowed
//! from one reused `ByteRecord`, and codes, units and times are looked up
//! in caches keyed by the raw bytes.

use super::bytes_map::BytesMap;
use super::error::{DataError, RowReason};
use super::loader::{Loader, Staged};
use super::mapping::{CodeMeaning, Mapping};
use super::rows::{CsvRows, Rows};
use super::shard::{Shard, Sink};
use super::table::{csv_error, number, text, Table};
use super::time::{self, Expect, Moment};
use super::MeasureId;
use crate::ast::Grade;
use crate::measures::{Scale, MEASURES};
use crate::units::{self, Analyte, Dimension};
use std::io::Read;

/// Where the time is.
#[derive(Debug, Clone, Copy)]
enum TimeColumns {
    One(usize, Expect),
    /// A `day` and a `date` column: a row uses whichever it fills.
    Both {
        day: usize,
        date: usize,
    },
}

/// Where an observations table's cells are.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    patient: usize,
    time: TimeColumns,
    code: usize,
    value: usize,
    unit: Option<usize>,
}

impl Columns {
    fn resolve<R: Read>(table: &Table<R>, mapping: &Mapping) -> Result<Columns, DataError> {
        let m = &mapping.observations;
        let named = |key: &Option<String>, default: &str, mapping_key: &str| {
            table.require(key.as_deref().unwrap_or(default), mapping_key)
        };
        let time = match (&m.time, &m.day, &m.date) {
            (Some(t), _, _) => TimeColumns::One(table.require(t, "time")?, Expect::Either),
            (None, Some(d), Some(t)) => TimeColumns::Both {
                day: table.require(d, "day")?,
                date: table.require(t, "date")?,
            },
            (None, Some(d), None) => TimeColumns::One(table.require(d, "day")?, Expect::Day),
            (None, None, Some(t)) => TimeColumns::One(table.require(t, "date")?, Expect::Date),
            (None, None, None) => match (table.find("day"), table.find("date"), table.find("time")) {
                (Some(day), Some(date), _) => TimeColumns::Both { day, date },
                (Some(day), None, _) => TimeColumns::One(day, Expect::Day),
                (None, Some(date), _) => TimeColumns::One(date, Expect::Date),
                (None, None, Some(t)) => TimeColumns::One(t, Expect::Either),
                (None, None, None) => {
                    return Err(DataError::MissingColumn {
                        file: table.name.clone(),
                        column: "day".into(),
                        help: "the time is a `day` column (whole days from the index) or a `date` column \
                               (ISO 8601); a mapping (`--map`) can name another column as `day:`, `date:` \
                               or `time:`"
                            .into(),
                    })
                }
            },
        };
        let unit = match &m.unit {
            Some(u) => Some(table.require(u, "unit")?),
            None => table.find("unit"),
        };
        Ok(Columns {
            patient: named(&m.patient, "patient", "patient")?,
            time,
            code: named(&m.code, "measure", "code")?,
            value: named(&m.value, "value", "value")?,
            unit,
        })
    }
}

/// Where an observations table's columns are, and how to name them.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// The file name as given.
    pub name: String,
    /// The file's index in the loader.
    pub file: u8,
    /// The columns the reader uses.
    pub columns: Columns,
    /// The header's names, for messages.
    pub header: Vec<String>,
}

impl Layout {
    /// The header's name of column `index`.
    pub fn column_name(&self, index: usize) -> String {
        self.header.get(index).cloned().unwrap_or_default()
    }
}

/// Codes seen so far, with what they mean and how many rows were not used.
#[derive(Default)]
struct CodeCache {
    index: BytesMap<usize>,
    entries: Vec<(String, CodeMeaning, u64)>,
}

impl CodeCache {
    fn lookup(&mut self, code: &[u8], mapping: &Mapping) -> usize {
        if let Some(i) = self.index.get(code) {
            return i;
        }
        let text = text(code);
        let meaning = if code.is_empty() {
            CodeMeaning::NotUsed
        } else {
            mapping.code(&text)
        };
        self.entries.push((text, meaning, 0));
        let i = self.entries.len() - 1;
        self.index.insert(code, i);
        i
    }
}

/// A unit spelling resolved for one measure: the interned spelling and the
/// factor to the canonical unit, or why it does not fit; with the rows used.
struct UnitEntry {
    /// The shard's unit id and the factor.
    resolved: Result<(u16, f64), RowReason>,
    measure: MeasureId,
    used: u64,
}

#[derive(Default)]
struct UnitCache {
    /// Per measure index, raw spelling → entry.
    index: Vec<BytesMap<usize>>,
    entries: Vec<UnitEntry>,
}

impl UnitCache {
    fn lookup(&mut self, shard: &mut Shard, measure: MeasureId, raw: &[u8]) -> usize {
        if self.index.len() < MEASURES.len() {
            self.index.resize_with(MEASURES.len(), BytesMap::default);
        }
        if let Some(i) = self.index.get(measure.index()).and_then(|m| m.get(raw)) {
            return i;
        }
        let resolved = resolve_unit(shard, measure, raw);
        self.entries.push(UnitEntry {
            resolved,
            measure,
            used: 0,
        });
        let i = self.entries.len() - 1;
        if let Some(m) = self.index.get_mut(measure.index()) {
            m.insert(raw, i);
        }
        i
    }
}

fn resolve_unit(
    shard: &mut Shard,
    measure: MeasureId,
    raw: &[u8],
) -> Result<(u16, f64), RowReason> {
    let m = measure.measure();
    let spelling = std::str::from_utf8(raw).map_err(|_| RowReason::NotText)?;
    let (spelling, unit) = if spelling.is_empty() {
        match shard.mapping().default_unit(measure) {
            Some((s, u)) => (s.to_string(), u),
            None if m.scale != Scale::Quantity => (String::new(), units::DIMENSIONLESS),
            None => return Err(RowReason::MissingUnit { measure: m.id }),
        }
    } else {
        match shard.mapping().unit(spelling) {
            Some(u) => (spelling.to_string(), u),
            None => {
                return Err(RowReason::UnknownUnit {
                    unit: spelling.into(),
                    suggestion: units::suggest(spelling),
                })
            }
        }
    };
    let Some(factor) = m.factor_from(unit) else {
        let expected = match m.scale {
            Scale::Quantity => {
                let mut symbols = units::symbols_of(m.dimension());
                if m.analyte == Analyte::Creatinine {
                    symbols.extend(units::symbols_of(Dimension::MassConcentration));
                }
                symbols
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            Scale::DipstickGrade | Scale::Presence => "no unit (an empty cell)".into(),
        };
        return Err(RowReason::UnitDoesNotFit {
            unit: spelling,
            measure: m.id,
            expected,
        });
    };
    Ok((shard.unit_id(&spelling)?, factor))
}

/// Read a value cell as written: a number, a grade's rank, 0 or 1.
fn parse_value(raw: &[u8], scale: Scale) -> Result<f64, RowReason> {
    if raw.is_empty() {
        return Err(RowReason::Empty);
    }
    if scale == Scale::Quantity {
        return number(raw);
    }
    let text = std::str::from_utf8(raw).map_err(|_| RowReason::NotText)?;
    match scale {
        Scale::Quantity => number(raw),
        Scale::DipstickGrade => Grade::parse(text)
            .map(Grade::rank)
            .ok_or_else(|| RowReason::NotAGrade { text: text.into() }),
        Scale::Presence => {
            presence(text).ok_or_else(|| RowReason::NotAPresence { text: text.into() })
        }
    }
}

fn presence(text: &str) -> Option<f64> {
    if let Ok(v) = text.parse::<f64>() {
        return if v == 0.0 {
            Some(0.0)
        } else if v == 1.0 {
            Some(1.0)
        } else {
            None
        };
    }
    const PRESENT: [&str; 5] = ["present", "yes", "true", "positive", "pos"];
    const ABSENT: [&str; 5] = ["absent", "no", "false", "negative", "neg"];
    if PRESENT.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(1.0)
    } else if ABSENT.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(0.0)
    } else {
        None
    }
}

/// The last time cell read and what it gave: rows of one visit share it.
#[derive(Default)]
struct TimeCache {
    last: Vec<u8>,
    expect: Option<Expect>,
    parsed: Option<Result<Moment, RowReason>>,
}

impl TimeCache {
    fn parse(&mut self, raw: &[u8], expect: Expect) -> Result<Moment, RowReason> {
        // A whole day is read faster than it is looked up.
        if expect != Expect::Date {
            if let Some(day) = time::whole_day(raw) {
                return Ok(Moment::day(day));
            }
        }
        if self.expect == Some(expect) && self.last.as_slice() == raw {
            if let Some(parsed) = &self.parsed {
                return parsed.clone();
            }
        }
        let parsed = time::parse(raw, expect);
        self.last.clear();
        self.last.extend_from_slice(raw);
        self.expect = Some(expect);
        self.parsed = Some(parsed.clone());
        parsed
    }
}

/// Read an observations table into the loader, as one shard.
pub(super) fn read<R: Read>(loader: &mut Loader, name: &str, input: R) -> Result<(), DataError> {
    let mut table = Table::open(name, input)?;
    let layout = layout(loader, &table)?;
    read_in_one_shard(loader, &layout, &mut CsvRows::new(table.reader()), 0)
}

/// Read `rows` in one shard, which puts them straight after the loader's
/// rows, and absorb it; `line_offset` lines come before the source's first.
pub(super) fn read_in_one_shard(
    loader: &mut Loader,
    layout: &Layout,
    rows: &mut impl Rows,
    line_offset: u64,
) -> Result<(), DataError> {
    let mut staged = loader.take_rows();
    let from = staged.end();
    let read = {
        let mut shard = Shard::new(loader);
        read_rows(&mut shard, layout, rows, line_offset, &mut staged);
        shard.out
    };
    let to = staged.end();
    loader.put_rows(staged);
    loader.absorb(read, from, to)
}

/// Find an observations table's columns and register the file.
pub(super) fn layout<R: Read>(loader: &mut Loader, table: &Table<R>) -> Result<Layout, DataError> {
    let columns = Columns::resolve(table, &loader.mapping)?;
    let file = loader.add_file(&table.name, table.column_name(columns.value))?;
    Ok(Layout {
        name: table.name.clone(),
        file,
        columns,
        header: table.header().to_vec(),
    })
}

/// Read `rows` into the shard, its rows into `sink`, until the end or the
/// first error (in the shard's output); `line_offset` lines come before
/// the source's first.
pub(super) fn read_rows(
    shard: &mut Shard,
    layout: &Layout,
    rows: &mut impl Rows,
    line_offset: u64,
    sink: &mut impl Sink,
) {
    let mut codes = CodeCache::default();
    let mut unit_cache = UnitCache::default();
    let mut times = TimeCache::default();
    loop {
        let line = match rows.advance() {
            Ok(Some(line)) => line_offset + line,
            Ok(None) => break,
            Err(e) => {
                shard.out.error = Some(csv_error(&layout.name, &e, line_offset));
                break;
            }
        };
        shard.out.counts.rows += 1;
        let Ok(short_line) = u32::try_from(line) else {
            shard.out.error = Some(DataError::TooLarge {
                file: layout.name.clone(),
                reason: "more than 4,294,967,295 lines".into(),
            });
            break;
        };
        let code = codes.lookup(rows.cell(layout.columns.code), shard.mapping());
        let measure = match codes.entries.get_mut(code) {
            Some((_, CodeMeaning::Measure(m), _)) => *m,
            Some((_, CodeMeaning::NotUsed, n)) => {
                *n += 1;
                shard.out.counts.not_used += 1;
                continue;
            }
            None => continue,
        };
        match row(
            shard,
            &*rows,
            layout.columns,
            measure,
            &mut unit_cache,
            &mut times,
        ) {
            Ok(mut staged) => {
                staged.line = short_line;
                staged.file = layout.file;
                sink.push(staged);
            }
            Err((column, reason)) => {
                shard.out.counts.skip(measure);
                if !shard.bad(layout, line, column, reason) {
                    break;
                }
            }
        }
    }
    for (text, meaning, n) in codes.entries {
        if meaning == CodeMeaning::NotUsed && n > 0 {
            *shard.out.counts.not_used_codes.entry(text).or_default() += n;
        }
    }
    for entry in unit_cache.entries {
        if let Ok((unit, factor)) = entry.resolved {
            shard
                .out
                .factors
                .push((entry.measure, unit, factor, entry.used));
        }
    }
}

/// One row of a known measure, staged (without its line and file), or
/// the column at fault and why.
fn row(
    shard: &mut Shard,
    record: &impl Rows,
    columns: Columns,
    measure: MeasureId,
    unit_cache: &mut UnitCache,
    times: &mut TimeCache,
) -> Result<Staged, (usize, RowReason)> {
    let patient_cell = record.cell(columns.patient);
    if patient_cell.is_empty() {
        return Err((columns.patient, RowReason::Empty));
    }
    let patient = shard
        .patient(patient_cell)
        .map_err(|r| (columns.patient, r))?;
    let (time_column, time_cell, expect) = match columns.time {
        TimeColumns::One(i, e) => (i, record.cell(i), e),
        TimeColumns::Both { day, date } => {
            let d = record.cell(day);
            if d.is_empty() {
                (date, record.cell(date), Expect::Date)
            } else {
                (day, d, Expect::Day)
            }
        }
    };
    let moment = times
        .parse(time_cell, expect)
        .map_err(|r| (time_column, r))?;
    let day = i32::try_from(moment.day).map_err(|_| {
        let text = text(time_cell);
        (time_column, RowReason::DayOutOfRange { text })
    })?;
    shard
        .check_kind(patient, moment.kind)
        .map_err(|r| (time_column, r))?;
    let scale = measure.measure().scale;
    let original =
        parse_value(record.cell(columns.value), scale).map_err(|r| (columns.value, r))?;
    let raw_unit = columns.unit.map_or(&[][..], |i| record.cell(i));
    let entry_index = unit_cache.lookup(shard, measure, raw_unit);
    let unit_column = columns.unit.unwrap_or(columns.value);
    let Some(entry) = unit_cache.entries.get_mut(entry_index) else {
        return Err((unit_column, RowReason::Empty));
    };
    let (unit, _) = entry.resolved.clone().map_err(|r| (unit_column, r))?;
    entry.used += 1;
    let second = u32::try_from(moment.second).unwrap_or(0);
    Ok(Staged::new(patient, day, original, second, unit, measure))
}
