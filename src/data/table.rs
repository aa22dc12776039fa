//! A CSV table read row by row into one reused `ByteRecord` (no allocation
//! per row), with its header matched case-insensitively, and each row's
//! true line.

use super::error::{DataError, RowReason};
use std::collections::VecDeque;
use std::io::Read;

/// An open CSV table.
pub(crate) struct Table<R> {
    /// The file name as given, for errors.
    pub name: String,
    reader: csv::Reader<Tracked<R>>,
    header: Vec<String>,
}

/// An input that can say how many line ends follow one another from a
/// byte offset on. The csv reader skips blank lines without counting them
/// in the line it gives the row after (BurntSushi/rust-csv#208): a row's
/// line is that line plus the blank lines at the row's start.
pub(crate) trait LineEnds: Read {
    /// How many `\n` bytes follow one another from `byte` on (no earlier
    /// offset is asked for after this one).
    fn blank_lines_at(&mut self, byte: u64) -> u64;
}

/// Any input, with the offsets of its line ends not yet asked about.
pub(crate) struct Tracked<R> {
    inner: R,
    read: u64,
    line_ends: VecDeque<u64>,
}

impl<R: Read> Tracked<R> {
    /// Track `inner`.
    pub fn new(inner: R) -> Tracked<R> {
        Tracked {
            inner,
            read: 0,
            line_ends: VecDeque::new(),
        }
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf.get(..n).unwrap_or_default().iter().enumerate() {
            if b == b'\n' {
                self.line_ends.push_back(self.read + i as u64);
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Read> LineEnds for Tracked<R> {
    fn blank_lines_at(&mut self, byte: u64) -> u64 {
        while self.line_ends.front().is_some_and(|&at| at < byte) {
            self.line_ends.pop_front();
        }
        let mut run = 0;
        while self.line_ends.get(run as usize) == Some(&(byte + run)) {
            run += 1;
        }
        run
    }
}

/// Bytes in memory, read as an input.
#[cfg(test)]
pub(crate) struct Bytes<'a> {
    all: &'a [u8],
    read: usize,
}

#[cfg(test)]
impl<'a> Bytes<'a> {
    /// Read `all`.
    pub fn new(all: &'a [u8]) -> Bytes<'a> {
        Bytes { all, read: 0 }
    }
}

#[cfg(test)]
impl Read for Bytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.all.get(self.read..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        self.read += n;
        Ok(n)
    }
}

#[cfg(test)]
impl LineEnds for Bytes<'_> {
    fn blank_lines_at(&mut self, byte: u64) -> u64 {
        let from = usize::try_from(byte).unwrap_or(usize::MAX);
        let rest = self.all.get(from..).unwrap_or_default();
        rest.iter().take_while(|&&b| b == b'\n').count() as u64
    }
}

impl<R: Read> Table<R> {
    /// Open a table and read its header; an empty input has none.
    pub fn open(name: &str, input: R) -> Result<Table<R>, DataError> {
        let mut reader = builder().has_headers(true).from_reader(Tracked::new(input));
        let header = reader.byte_headers().map_err(|e| csv_error(name, &e, 0))?;
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

    /// The header's names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The reader, at the first row after the header.
    pub fn reader(&mut self) -> &mut csv::Reader<Tracked<R>> {
        &mut self.reader
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

    /// Read the next row into `record`: its line, `None` at the end.
    /// Blank lines (a lone `\r` included) are not rows.
    pub fn next(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, DataError> {
        next_row(&mut self.reader, record).map_err(|e| csv_error(&self.name, &e, 0))
    }
}

/// How every table is read.
fn builder() -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .flexible(true)
        .buffer_capacity(1 << 16)
        // With CRLF as the terminator the csv crate gives each record the
        // line of the one before it; ending records at `\n` alone keeps
        // the lines right, and the `\r` left on the last cell is trimmed.
        .terminator(csv::Terminator::Any(b'\n'));
    builder
}

/// A reader of rows without a header (a stretch of a table that starts at
/// a row), read as [`Table`] reads its rows.
pub(crate) fn rows_reader<R: LineEnds>(input: R) -> csv::Reader<R> {
    builder().has_headers(false).from_reader(input)
}

/// Read the next row into `record`: its line (counted from the reader's
/// first), `None` at the end. Blank lines (a lone `\r` included) are not
/// rows.
pub(crate) fn next_row<R: LineEnds>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
) -> Result<Option<u64>, csv::Error> {
    loop {
        if !reader.read_byte_record(record)? {
            return Ok(None);
        }
        if record.len() == 1 && cell(record, 0).is_empty() {
            continue;
        }
        let Some(position) = record.position() else {
            return Ok(Some(0));
        };
        let blank = reader.get_mut().blank_lines_at(position.byte());
        return Ok(Some(position.line() + blank));
    }
}

/// Cell `index` of `record`, trimmed; empty where the row is short.
pub(crate) fn cell(record: &csv::ByteRecord, index: usize) -> &[u8] {
    record.get(index).map_or(&[][..], <[u8]>::trim_ascii)
}

/// A cell as text, for messages.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A reader's error as ours; `line_offset` lines come before the reader's
/// first.
pub(crate) fn csv_error(name: &str, e: &csv::Error, line_offset: u64) -> DataError {
    match e.kind() {
        csv::ErrorKind::Io(io) => DataError::Unreadable {
            file: name.into(),
            reason: io.to_string(),
        },
        _ => DataError::Csv {
            file: name.into(),
            line: line_offset + e.position().map_or(0, csv::Position::line),
            reason: e.to_string(),
        },
    }
}

/// A non-negative finite number (-0 read as 0, so that duplicates compare
/// equal).
pub(super) fn number(raw: &[u8]) -> Result<f64, RowReason> {
    if let Some(v) = plain_decimal(raw) {
        if v >= 0.0 {
            return Ok(v + 0.0);
        }
    }
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

/// A decimal as lab values are mostly written (`120`, `0.45`, `-3.2`: a
/// sign, at most 19 digits, a point), read without the general parser:
/// when the digits make an integer below 2^53 and at most 22 follow the
/// point, both it and the power of ten are exact doubles, so one division
/// rounds correctly, to the very number `str::parse` gives (Clinger's fast
/// path). `None` for anything else, which the general parser reads.
fn plain_decimal(raw: &[u8]) -> Option<f64> {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (negative, digits) = super::time::split_sign(raw);
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let (mut mantissa, mut point, mut seen_digit) = (0u64, None, false);
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                seen_digit = true;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let decimals = point.map_or(0, |p| digits.len() - p - 1);
    if !seen_digit || mantissa >= 1 << 53 {
        return None;
    }
    let value = mantissa as f64 / POWERS.get(decimals)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Where the fast path reads a decimal, it reads the very number
        /// the general parser reads; and it never reads what that one
        /// rejects.
        #[test]
        fn plain_decimals_read_as_the_parser_reads_them(
            text in r"[+-]?[0-9]{0,21}(\.[0-9]{0,24})?|[0-9.eE+-]{0,8}|[0-9]{1,17}"
        ) {
            let parsed = text.parse::<f64>().ok();
            if let Some(fast) = plain_decimal(text.as_bytes()) {
                prop_assert_eq!(Some(fast.to_bits()), parsed.map(f64::to_bits));
            }
        }
    }

    #[test]
    fn common_lab_values_take_the_fast_path() {
        for (text, value) in [
            ("39.2", 39.2),
            ("0.45", 0.45),
            ("120", 120.0),
            ("-3.5", -3.5),
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), Some(value));
        }
        for text in [
            "",
            ".",
            "-",
            "1e3",
            "1.2.3",
            "nan",
            "inf",
            "9007199254740993",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
    }
}
