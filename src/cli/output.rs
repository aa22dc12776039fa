//! Writing result rows as an aligned table (for people), CSV or JSON (the
//! stable contracts for scripts). One writer for every command.

use serde_json::{Map, Value};
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

/// One cell: typed for JSON, text for tables and CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A yes/no flag.
    Bool(bool),
    /// Nothing (empty in CSV, `null` in JSON).
    Empty,
}

impl Cell {
    /// An optional number.
    pub fn int(value: Option<i64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Int)
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Empty => Value::Null,
        }
    }
}

/// Write `rows` under `header` in `format`.
pub fn write_rows(
    out: &mut impl Write,
    format: Format,
    header: &[String],
    rows: &[Vec<Cell>],
) -> io::Result<()> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(header).map_err(io::Error::other)?;
            for row in rows {
                w.write_record(row.iter().map(Cell::text))
                    .map_err(io::Error::other)?;
            }
            w.flush()
        }
        Format::Json => {
            let objects: Vec<Value> = rows
                .iter()
                .map(|row| {
                    let map: Map<String, Value> = header
                        .iter()
                        .cloned()
                        .zip(row.iter().map(Cell::json))
                        .collect();
                    Value::Object(map)
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &objects).map_err(io::Error::other)?;
            writeln!(out)
        }
        Format::Table => {
            let texts: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(Cell::text).collect())
                .collect();
            write_aligned(out, header, &texts)
        }
    }
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
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .into_iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<width$}", width = *w))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.iter().map(AsRef::as_ref).collect()))?;
    for row in rows {
        writeln!(
            out,
            "{}",
            line(row.as_ref().iter().map(AsRef::as_ref).collect())
        )?;
    }
    Ok(())
}
