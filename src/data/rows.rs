//! Rows as the readers see them: a source that steps from row to row,
//! giving each row's line, and cells by index (trimmed; empty past the end
//! of a short row). Two sources: the csv crate's reader, for any text, and
//! a splitter for text known to hold no `"` (a stretch of a file checked
//! beforehand), which reads it as the csv crate would, without copying
//! each row into a record first.

use super::table::{cell, next_row, LineEnds};

/// A source of rows.
pub(crate) trait Rows {
    /// Step to the next row: its line (counted from the source's first
    /// line as 1), `None` at the end. Blank lines are not rows.
    fn advance(&mut self) -> Result<Option<u64>, csv::Error>;

    /// Cell `index` of the current row, trimmed; empty where the row is
    /// short.
    fn cell(&self, index: usize) -> &[u8];
}

/// Rows of the csv crate's reader.
pub(crate) struct CsvRows<'r, R> {
    reader: &'r mut csv::Reader<R>,
    record: csv::ByteRecord,
}

impl<'r, R: LineEnds> CsvRows<'r, R> {
    /// The rows `reader` has left.
    pub fn new(reader: &'r mut csv::Reader<R>) -> CsvRows<'r, R> {
        CsvRows {
            reader,
            record: csv::ByteRecord::new(),
        }
    }
}

impl<R: LineEnds> Rows for CsvRows<'_, R> {
    fn advance(&mut self) -> Result<Option<u64>, csv::Error> {
        next_row(self.reader, &mut self.record)
    }

    fn cell(&self, index: usize) -> &[u8] {
        cell(&self.record, index)
    }
}

/// Rows of text without a `"`, split at `\n` and `,` as the csv crate
/// splits them (with `\n` as the only terminator, no comments, no escapes):
/// empty lines are skipped, so is a line of one blank cell.
pub(crate) struct PlainRows<'a> {
    rest: &'a [u8],
    /// The line `rest` starts at.
    next_line: u64,
    row: &'a [u8],
    /// Where each cell of `row` ends.
    ends: Vec<usize>,
}

impl<'a> PlainRows<'a> {
    /// The rows of `text`, which must hold no `"`.
    pub fn new(text: &'a [u8]) -> PlainRows<'a> {
        PlainRows {
            rest: text,
            next_line: 1,
            row: &[],
            ends: Vec::new(),
        }
    }
}

impl Rows for PlainRows<'_> {
    fn advance(&mut self) -> Result<Option<u64>, csv::Error> {
        while !self.rest.is_empty() {
            // One pass over the line finds its end and its commas.
            self.ends.clear();
            let mut length = self.rest.len();
            for (i, &b) in self.rest.iter().enumerate() {
                if b == b',' {
                    self.ends.push(i);
                } else if b == b'\n' {
                    length = i;
                    break;
                }
            }
            self.ends.push(length);
            let row = self.rest.get(..length).unwrap_or_default();
            self.rest = self.rest.get(length + 1..).unwrap_or_default();
            let line = self.next_line;
            self.next_line += 1;
            self.row = row;
            let blank = row.is_empty() || (self.ends.len() == 1 && row.trim_ascii().is_empty());
            if !blank {
                return Ok(Some(line));
            }
        }
        Ok(None)
    }

    fn cell(&self, index: usize) -> &[u8] {
        let start = match index.checked_sub(1) {
            None => 0,
            Some(before) => match self.ends.get(before) {
                Some(&end) => end + 1,
                None => return &[],
            },
        };
        let Some(&end) = self.ends.get(index) else {
            return &[];
        };
        self.row.get(start..end).map_or(&[][..], <[u8]>::trim_ascii)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::{rows_reader, Bytes};
    use proptest::prelude::*;

    /// Every row of a source: its line and cells (up to 6).
    fn all(rows: &mut dyn Rows) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        while let Ok(Some(line)) = rows.advance() {
            out.push((line, (0..6).map(|i| rows.cell(i).to_vec()).collect()));
        }
        out
    }

    proptest! {
        /// On text without quotes, the splitter gives the csv crate's rows.
        #[test]
        fn plain_rows_are_the_csv_crates(text in "[a ,\r\n\t1;x\u{b5}]{0,80}") {
            let bytes = text.as_bytes();
            let mut reader = rows_reader(Bytes::new(bytes));
            let expected = all(&mut CsvRows::new(&mut reader));
            prop_assert_eq!(all(&mut PlainRows::new(bytes)), expected);
        }
    }
}
