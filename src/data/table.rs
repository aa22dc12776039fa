//! A CSV table read row by row into one reused `ByteRecord` (no allocation
//! per row), with its header matched case-insensitively.

use super::error::{DataError, RowReason};
use std::io::Read;

/// An open CSV table.
pub(crate) struct Table<R> {
    /// The file name as given, for errors.
    pub name: String,
    reader: csv::Reader<R>,
    header: Vec<String>,
}

impl<R: Read> Table<R> {
    /// Open a table and read its header; an empty input has none.
    pub fn open(name: &str, input: R) -> Result<Table<R>, DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 16)
            // With CRLF as the terminator the csv crate gives each record the
            // line of the one before it; ending records at `\n` alone keeps
            // the lines right, and the `\r` left on the last cell is trimmed.
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(true)
            .from_reader(input);
        let header = reader.byte_headers().map_err(|e| csv_error(name, &e))?;
        let mut cells: Vec<String> = header
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_string())
            .collect();
        if let Some(first) = cells.first_mut() {
            if let Some(rest) = first.strip_prefix('\u{feff}') {
                *first = rest.trim().to_string();
            }
        }
        if cells.iter().all(String::is_empty) {
            return Err(DataError::NoHeader { file: name.into() });
        }
        Ok(Table {
            name: name.into(),
            reader,
            header: cells,
        })
    }

    /// The index of the column named `name`, ignoring ASCII case.
    pub fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The index of an optional column: the mapping's name for it (which
    /// must then exist), else `default` if the header has it.
    pub fn optional(
        &self,
        key: &Option<String>,
        default: &str,
    ) -> Result<Option<usize>, DataError> {
        match key {
            Some(k) => self.require(k, default).map(Some),
            None => Ok(self.find(default)),
        }
    }

    /// The index of a column the layout needs.
    pub fn require(&self, name: &str, mapping_key: &str) -> Result<usize, DataError> {
        self.find(name).ok_or_else(|| DataError::MissingColumn {
            file: self.name.clone(),
            column: name.into(),
            help: format!(
                "the header has {}; a mapping (`--map`) can name another column as `{mapping_key}:`",
                self.describe_header()
            ),
        })
    }

    /// The header's name of column `index`.
    pub fn column_name(&self, index: usize) -> String {
        self.header.get(index).cloned().unwrap_or_default()
    }

    fn describe_header(&self) -> String {
        let shown: Vec<String> = self
            .header
            .iter()
            .take(12)
            .map(|h| format!("`{h}`"))
            .collect();
        let more = if self.header.len() > 12 { ", …" } else { "" };
        format!("{}{more}", shown.join(", "))
    }

    /// Read the next row into `record`; `false` at the end. Blank lines
    /// (a lone `\r` included) are not rows.
    pub fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, DataError> {
        loop {
            let more = self
                .reader
                .read_byte_record(record)
                .map_err(|e| csv_error(&self.name, &e))?;
            if !more || record.len() != 1 || !cell(record, 0).is_empty() {
                return Ok(more);
            }
        }
    }
}

/// The line of the row just read (1-based, the header being line 1).
pub(crate) fn line(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// Cell `index` of `record`, trimmed; empty where the row is short.
pub(crate) fn cell(record: &csv::ByteRecord, index: usize) -> &[u8] {
    record.get(index).map_or(&[][..], <[u8]>::trim_ascii)
}

/// A cell as text, for messages.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn csv_error(name: &str, e: &csv::Error) -> DataError {
    match e.kind() {
        csv::ErrorKind::Io(io) => DataError::Unreadable {
            file: name.into(),
            reason: io.to_string(),
        },
        _ => DataError::Csv {
            file: name.into(),
            line: e.position().map_or(0, csv::Position::line),
            reason: e.to_string(),
        },
    }
}

/// A non-negative finite number (-0 read as 0, so that duplicates compare
/// equal).
pub(super) fn number(raw: &[u8]) -> Result<f64, RowReason> {
    let text = std::str::from_utf8(raw).map_err(|_| RowReason::NotText)?;
    let v: f64 = text
        .parse()
        .map_err(|_| RowReason::NotANumber { text: text.into() })?;
    if !v.is_finite() {
        Err(RowReason::NotFinite { text: text.into() })
    } else if v < 0.0 {
        Err(RowReason::Negative { text: text.into() })
    } else {
        Ok(v + 0.0)
    }
}
