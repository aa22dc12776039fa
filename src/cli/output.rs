//! Writing result rows as an aligned table (for people), CSV or JSON (the
//! stable contracts for scripts). One writer for every command.

use std::io::{self, Write};

/// Output formats of the commands that print rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// CSV, a stable contract for scripts.
    Csv,
    /// JSON (an array of objects), a stable contract for scripts.
    Json,
}

/// One cell of rows held in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
}

impl Cell {
    /// The cell, borrowed.
    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Text(s) => CellRef::Text(s),
        }
    }
}

/// A cell whose text is borrowed: rows built on the fly allocate nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    /// Text.
    Text(&'a str),
    /// A whole number.
    Int(i64),
    /// A yes/no flag.
    Bool(bool),
    /// Nothing (empty in CSV, `null` in JSON).
    Empty,
}

impl CellRef<'_> {
    /// An optional number.
    pub fn int(value: Option<i64>) -> Self {
        value.map_or(CellRef::Empty, CellRef::Int)
    }

    /// Append the cell's text to `out`.
    fn push_text(self, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            CellRef::Text(s) => out.push_str(s),
            // Writing to a String cannot fail.
            CellRef::Int(n) => {
                let _ = write!(out, "{n}");
            }
            CellRef::Bool(b) => out.push_str(bool_text(b)),
            CellRef::Empty => {}
        }
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

impl serde::Serialize for CellRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            CellRef::Text(t) => s.serialize_str(t),
            CellRef::Int(n) => s.serialize_i64(n),
            CellRef::Bool(b) => s.serialize_bool(b),
            CellRef::Empty => s.serialize_unit(),
        }
    }
}

/// Rows made on demand and handed out one at a time, so that large results
/// are written without first being held as cells. Every call walks the
/// same rows in the same order (the aligned table walks them twice).
pub trait Rows: Sync {
    /// The column names.
    fn header(&self) -> &[String];
    /// Call `f` on each row in turn, stopping at its first error.
    fn each(&self, f: &mut dyn FnMut(&[CellRef<'_>]) -> io::Result<()>) -> io::Result<()>;
    /// How many parts the rows come in (consecutive rows each; [`Rows::each_in`]),
    /// so that parts can be written side by side.
    fn parts(&self) -> usize {
        1
    }
    /// Call `f` on each row of part `part` in turn (all rows for the one
    /// part of rows that are not cut), stopping at its first error.
    fn each_in(
        &self,
        part: usize,
        f: &mut dyn FnMut(&[CellRef<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        if part == 0 {
            self.each(f)
        } else {
            Ok(())
        }
    }
}

/// Rows already held as cells.
struct Held<'a> {
    header: &'a [String],
    rows: &'a [Vec<Cell>],
}

impl Rows for Held<'_> {
    fn header(&self) -> &[String] {
        self.header
    }

    fn each(&self, f: &mut dyn FnMut(&[CellRef<'_>]) -> io::Result<()>) -> io::Result<()> {
        let mut cells = Vec::new();
        for row in self.rows {
            cells.clear();
            cells.extend(row.iter().map(Cell::as_ref));
            f(&cells)?;
        }
        Ok(())
    }
}

/// Write `rows` under `header` in `format`.
pub fn write_rows(
    out: &mut impl Write,
    format: Format,
    header: &[String],
    rows: &[Vec<Cell>],
) -> io::Result<()> {
    write_streamed(out, format, &Held { header, rows })
}

/// Write rows made on demand in `format`.
pub fn write_streamed(out: &mut impl Write, format: Format, rows: &dyn Rows) -> io::Result<()> {
    match format {
        Format::Csv => write_csv(out, rows),
        Format::Json => write_json(out, rows),
        Format::Table => write_table(out, rows),
    }
}

/// How many parts of rows are made into CSV text at a time, side by side:
/// what is held at once.
const PARTS_AT_ONCE: usize = 64;

fn write_csv(out: &mut impl Write, rows: &dyn Rows) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(&mut *out);
    w.write_record(rows.header()).map_err(io::Error::other)?;
    w.flush()?;
    drop(w);
    let parts: Vec<usize> = (0..rows.parts()).collect();
    for window in parts.chunks(PARTS_AT_ONCE) {
        use rayon::prelude::*;
        let texts: Vec<io::Result<Vec<u8>>> = window
            .par_iter()
            .map(|&part| {
                let mut w = csv::Writer::from_writer(Vec::new());
                write_csv_rows(&mut w, rows, part)?;
                w.into_inner().map_err(|e| io::Error::other(e.to_string()))
            })
            .collect();
        for text in texts {
            out.write_all(&text?)?;
        }
    }
    Ok(())
}

/// Write part `part` of the rows as CSV records.
fn write_csv_rows<W: Write>(
    w: &mut csv::Writer<W>,
    rows: &dyn Rows,
    part: usize,
) -> io::Result<()> {
    let mut digits = Digits::default();
    rows.each_in(part, &mut |row| {
        for &cell in row {
            let field = match cell {
                CellRef::Text(s) => s,
                CellRef::Bool(b) => bool_text(b),
                CellRef::Empty => "",
                CellRef::Int(n) => digits.of(n),
            };
            w.write_field(field).map_err(io::Error::other)?;
        }
        w.write_record(None::<&[u8]>).map_err(io::Error::other)
    })?;
    w.flush()
}

/// Room for a whole number written in decimal: what `Display` writes for
/// an `i64`, without the formatting machinery (a CSV cell in ten is one).
#[derive(Default)]
struct Digits {
    text: [u8; 20],
}

impl Digits {
    /// `n` in decimal, with a `-` when negative.
    fn of(&mut self, n: i64) -> &str {
        let mut k = self.text.len();
        let mut rest = n.unsigned_abs();
        for slot in self.text.iter_mut().rev() {
            // A digit is below 10: the cast keeps it whole.
            *slot = b'0' + (rest % 10) as u8;
            k -= 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if n < 0 {
            k -= 1;
            if let Some(slot) = self.text.get_mut(k) {
                *slot = b'-';
            }
        }
        // Only ASCII digits and `-` were written.
        std::str::from_utf8(self.text.get(k..).unwrap_or_default()).unwrap_or_default()
    }
}

/// One row as a JSON object. `keys` are (name, column) in the order of a
/// `serde_json::Map` (sorted, the last of duplicate names kept), which the
/// output has always followed.
struct JsonRow<'r, 'c> {
    keys: &'r [(&'r str, usize)],
    cells: &'r [CellRef<'c>],
}

impl serde::Serialize for JsonRow<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let present = || self.keys.iter().filter(|(_, k)| *k < self.cells.len());
        let mut map = s.serialize_map(Some(present().count()))?;
        for &(name, k) in present() {
            map.serialize_entry(name, &self.cells.get(k).copied().unwrap_or(CellRef::Empty))?;
        }
        map.end()
    }
}

/// The rows as one JSON array, written as they come.
struct JsonRows<'r>(&'r dyn Rows);

impl serde::Serialize for JsonRows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let header = self.0.header();
        let mut sorted: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut keys: Vec<(&str, usize)> = Vec::new();
        let mut keys_for = usize::MAX;
        let mut seq = s.serialize_seq(None)?;
        let mut failed = None;
        let walked = self.0.each(&mut |cells| {
            // Which names a row has depends on its length (a short row
            // has no value for the last columns): recompute only when the
            // length changes, which rows of one result never do.
            if cells.len() != keys_for {
                sorted.clear();
                for (k, name) in header.iter().enumerate().take(cells.len()) {
                    sorted.insert(name, k);
                }
                keys.clear();
                keys.extend(sorted.iter().map(|(name, k)| (*name, *k)));
                keys_for = cells.len();
            }
            seq.serialize_element(&JsonRow { keys: &keys, cells })
                .map_err(|e| {
                    let message = e.to_string();
                    failed = Some(e);
                    io::Error::other(message)
                })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        walked.map_err(S::Error::custom)?;
        seq.end()
    }
}

fn write_json(out: &mut impl Write, rows: &dyn Rows) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &JsonRows(rows)).map_err(io::Error::other)?;
    writeln!(out)
}

fn write_table(out: &mut impl Write, rows: &dyn Rows) -> io::Result<()> {
    let header = rows.header();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let mut text = String::new();
    rows.each(&mut |row| {
        for (w, &cell) in widths.iter_mut().zip(row) {
            text.clear();
            cell.push_text(&mut text);
            *w = (*w).max(text.chars().count());
        }
        Ok(())
    })?;
    let mut line = String::new();
    aligned_line(&mut line, &widths, header.iter().map(|h| CellRef::Text(h)));
    writeln!(out, "{line}")?;
    rows.each(&mut |row| {
        aligned_line(&mut line, &widths, row.iter().copied());
        writeln!(out, "{line}")
    })
}

/// The cells padded to their column's width, two spaces apart, with no
/// trailing blanks; cells beyond the columns are left out.
fn aligned_line<'c>(line: &mut String, widths: &[usize], cells: impl Iterator<Item = CellRef<'c>>) {
    line.clear();
    for (k, (cell, &width)) in cells.zip(widths).enumerate() {
        if k > 0 {
            line.push_str("  ");
        }
        let start = line.len();
        cell.push_text(line);
        let chars = line.get(start..).map_or(0, |t| t.chars().count());
        line.extend(std::iter::repeat_n(' ', width.saturating_sub(chars)));
    }
    let kept = line.trim_end().len();
    line.truncate(kept);
}

/// Write rows as columns aligned with two spaces between them.
pub fn write_aligned<H: AsRef<str>, C: AsRef<str>, R: AsRef<[C]>>(
    out: &mut impl Write,
    header: &[H],
    rows: &[R],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.as_ref().chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(cell.as_ref().chars().count());
        }
    }
    let mut line = String::new();
    aligned_line(
        &mut line,
        &widths,
        header.iter().map(|h| CellRef::Text(h.as_ref())),
    );
    writeln!(out, "{line}")?;
    for row in rows {
        aligned_line(
            &mut line,
            &widths,
            row.as_ref().iter().map(|c| CellRef::Text(c.as_ref())),
        );
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows cut into parts of `per_part` rows.
    struct Cut<'a> {
        held: Held<'a>,
        per_part: usize,
    }

    impl Rows for Cut<'_> {
        fn header(&self) -> &[String] {
            self.held.header
        }

        fn each(&self, f: &mut dyn FnMut(&[CellRef<'_>]) -> io::Result<()>) -> io::Result<()> {
            self.held.each(f)
        }

        fn parts(&self) -> usize {
            self.held.rows.len().div_ceil(self.per_part)
        }

        fn each_in(
            &self,
            part: usize,
            f: &mut dyn FnMut(&[CellRef<'_>]) -> io::Result<()>,
        ) -> io::Result<()> {
            let start = (part * self.per_part).min(self.held.rows.len());
            let end = (start + self.per_part).min(self.held.rows.len());
            let held = Held {
                header: self.held.header,
                rows: &self.held.rows[start..end],
            };
            held.each(f)
        }
    }

    #[test]
    fn csv_written_in_parts_is_csv_written_whole() {
        let header = vec!["a".to_string(), "b, quoted".to_string()];
        let rows: Vec<Vec<Cell>> = (0..200)
            .map(|i| {
                vec![
                    Cell::Text(format!("{}", i - 100)),
                    Cell::Text(format!("x\"{i}")),
                ]
            })
            .collect();
        let mut whole = Vec::new();
        write_streamed(
            &mut whole,
            Format::Csv,
            &Held {
                header: &header,
                rows: &rows,
            },
        )
        .expect("written");
        for per_part in [1, 7, 64, 200, 500] {
            let cut = Cut {
                held: Held {
                    header: &header,
                    rows: &rows,
                },
                per_part,
            };
            let mut parts = Vec::new();
            write_streamed(&mut parts, Format::Csv, &cut).expect("written");
            assert_eq!(
                String::from_utf8_lossy(&parts),
                String::from_utf8_lossy(&whole)
            );
        }
    }

    #[test]
    fn digits_are_what_display_writes() {
        let mut digits = Digits::default();
        let mut values = vec![0, 1, -1, 9, -9, 10, -10, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut power = 1i64;
        while let Some(next) = power.checked_mul(10) {
            values.extend([power - 1, power, power + 1, -power, 1 - power, -power - 1]);
            power = next;
        }
        values.extend((-2000..2000).map(|k| k * 7919));
        for n in values {
            assert_eq!(digits.of(n), n.to_string());
        }
    }
}
