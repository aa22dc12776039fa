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
            self.ends.clear();
            let length = split_line(self.rest, &mut self.ends);
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

/// One pass over the first line of `text`: where each of its `,` is,
/// into `commas`, and its length (to its `\n`, or all of `text`). Eight
/// bytes are looked at a time, each word's commas and line ends found at
/// once without a branch a byte.
fn split_line(text: &[u8], commas: &mut Vec<usize>) -> usize {
    let mut at = 0;
    while let Some(word) = text.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*word);
        let mut found = bytes_equal(word, b',');
        let ends = bytes_equal(word, b'\n');
        if ends != 0 {
            // Only the commas before the line's end.
            found &= (1u64 << ends.trailing_zeros()) - 1;
        }
        while found != 0 {
            commas.push(at + (found.trailing_zeros() / 8) as usize);
            found &= found - 1;
        }
        if ends != 0 {
            return at + (ends.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    for (i, &b) in text.iter().enumerate().skip(at) {
        if b == b',' {
            commas.push(i);
        } else if b == b'\n' {
            return i;
        }
    }
    text.len()
}

/// The top bit of each byte of `word` that equals `byte`, and no other.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    // A byte's top bit is set below when the byte of `x` is not zero:
    // adding 0x7f to its low seven bits carries into the top one unless
    // they are zero, and `| x` adds a top bit of its own. No carry
    // crosses into the next byte.
    !(((x & LOW) + LOW) | x | LOW)
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
        /// Words of eight bytes split a line as a byte at a time does.
        #[test]
        fn lines_split_by_words_as_by_bytes(text in "[a,\n1]{0,40}") {
            let bytes = text.as_bytes();
            let mut commas = Vec::new();
            let length = split_line(bytes, &mut commas);
            let expected = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
            prop_assert_eq!(length, expected);
            let expected_commas: Vec<usize> = bytes[..expected]
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b',')
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(commas, expected_commas);
        }

        /// Exactly the bytes equal to the one looked for are marked.
        #[test]
        fn bytes_equal_marks_exactly_those(
            byte in any::<u8>(),
            picks in prop::collection::vec((0u8..4, any::<u8>()), 8),
        ) {
            // Bytes that match, and bytes that differ only a little.
            let bytes: Vec<u8> = picks
                .iter()
                .map(|&(how, other)| match how {
                    0 => byte,
                    1 => byte ^ 0x80,
                    2 => byte.wrapping_add(1),
                    _ => other,
                })
                .collect();
            let word = u64::from_le_bytes(bytes.clone().try_into().unwrap_or_default());
            let expected = bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == byte)
                .fold(0u64, |m, (i, _)| m | (0x80 << (8 * i)));
            prop_assert_eq!(bytes_equal(word, byte), expected);
        }

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
