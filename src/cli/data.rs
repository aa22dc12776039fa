//! `nephrules data`: load patients' data and print it normalized (every
//! value in its measure's canonical unit), or the accounting of its rows.

use super::inputs::{self, DataArgs};
use super::output::{write_aligned, Format};
use crate::ast::Grade;
use crate::data::{self, Accounting, Dataset, Observation};
use crate::measures::Scale;
use std::io::{self, Write};
use std::process::ExitCode;

/// Arguments of `data`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules data --data ../shared/data/synthea/observations.csv \\\n      \
                        --map mappings/synthea.yaml --summary --format json"
)]
pub struct Args {
    /// The data.
    #[command(flatten)]
    pub inputs: DataArgs,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print the accounting of the rows instead of the observations.
    #[arg(long)]
    pub summary: bool,
}

/// Run `data`.
pub fn run(args: &Args) -> ExitCode {
    let Ok(loaded) = inputs::load(&args.inputs) else {
        return ExitCode::from(super::EXIT_INVALID);
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if args.summary {
        write_summary(&mut out, &loaded.accounting, args.format)
    } else {
        write_observations(&mut out, &loaded.dataset, args.format)
    };
    // A closed pipe (`| head`) is not an error of the data.
    let _ = written.and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// One output row: patient, time, measure, value, unit.
fn cells(dataset: &Dataset) -> impl Iterator<Item = [String; 5]> + '_ {
    dataset.patients.iter().flat_map(|p| {
        p.observations.iter().map(move |o| {
            let m = o.measure.measure();
            [
                p.id.clone(),
                data::time::format(i64::from(o.day), p.time_kind),
                m.id.to_string(),
                value_text(o),
                m.canonical_unit().symbol.to_string(),
            ]
        })
    })
}

/// The value as the long layout writes it: a number, or a grade.
fn value_text(o: &Observation) -> String {
    match o.measure.measure().scale {
        Scale::DipstickGrade => grade(o.value).map_or_else(|| o.value.to_string(), Grade::spelling),
        Scale::Quantity | Scale::Presence => o.value.to_string(),
    }
}

fn grade(rank: f64) -> Option<Grade> {
    [
        Grade::Negative,
        Grade::Trace,
        Grade::Plus(1),
        Grade::Plus(2),
        Grade::Plus(3),
        Grade::Plus(4),
    ]
    .into_iter()
    .find(|g| g.rank() == rank)
}

/// One observation in the JSON output, its fields in the CSV's order.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    patient: &'a str,
    time: serde_json::Value,
    measure: &'static str,
    value: serde_json::Value,
    unit: &'static str,
}

const HEADER: [&str; 5] = ["patient", "time", "measure", "value", "unit"];

fn write_observations(out: &mut impl Write, dataset: &Dataset, format: Format) -> io::Result<()> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(HEADER)?;
            for row in cells(dataset) {
                w.write_record(&row)?;
            }
            w.flush()
        }
        Format::Json => {
            writeln!(out, "[")?;
            let mut first = true;
            for p in &dataset.patients {
                for o in &p.observations {
                    let m = o.measure.measure();
                    let row = JsonRow {
                        patient: &p.id,
                        time: match p.time_kind {
                            data::TimeKind::Day => serde_json::json!(o.day),
                            data::TimeKind::Date => {
                                serde_json::json!(data::time::format(i64::from(o.day), p.time_kind))
                            }
                        },
                        measure: m.id,
                        value: match m.scale {
                            Scale::DipstickGrade => serde_json::json!(value_text(o)),
                            Scale::Quantity | Scale::Presence => serde_json::json!(o.value),
                        },
                        unit: m.canonical_unit().symbol,
                    };
                    let row = serde_json::to_string(&row).map_err(io::Error::other)?;
                    write!(out, "{}  {row}", if first { "" } else { ",\n" })?;
                    first = false;
                }
            }
            writeln!(out, "{}]", if first { "" } else { "\n" })
        }
        Format::Table => {
            let rows: Vec<[String; 5]> = cells(dataset)
                .map(|mut row| {
                    row[3] = for_people(&row[3]);
                    row
                })
                .collect();
            let header = HEADER.map(String::from);
            write_aligned(out, &header, &rows)
        }
    }
}

fn write_summary(out: &mut impl Write, a: &Accounting, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(a).map_err(io::Error::other)?;
            writeln!(out, "{text}")
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["item", "name", "unit", "count"])?;
            for (item, n) in [
                ("rows", a.rows),
                ("used", a.used),
                ("not_used", a.not_used),
                ("skipped", a.skipped),
            ] {
                w.write_record([item, "", "", &n.to_string()])?;
            }
            for (measure, m) in &a.measures {
                for (unit, n) in &m.units {
                    w.write_record(["used", measure, unit, &n.to_string()])?;
                }
                if m.skipped > 0 {
                    w.write_record(["skipped", measure, "", &m.skipped.to_string()])?;
                }
            }
            for (code, n) in &a.not_used_codes {
                w.write_record(["not_used", code, "", &n.to_string()])?;
            }
            for (table, t) in [("treatments", a.treatments), ("patients", a.patients)] {
                if t.rows > 0 {
                    w.write_record([table, "rows", "", &t.rows.to_string()])?;
                    w.write_record([table, "used", "", &t.used.to_string()])?;
                    w.write_record([table, "skipped", "", &t.skipped.to_string()])?;
                }
            }
            w.flush()
        }
        Format::Table => {
            writeln!(
                out,
                "rows {}  used {}  not used {}  skipped {}",
                a.rows, a.used, a.not_used, a.skipped
            )?;
            let header = ["measure", "unit", "used", "skipped"].map(String::from);
            let mut rows = Vec::new();
            for (measure, m) in &a.measures {
                for (unit, n) in &m.units {
                    rows.push([measure.clone(), unit.clone(), n.to_string(), String::new()]);
                }
                if m.skipped > 0 {
                    rows.push([
                        measure.clone(),
                        String::new(),
                        String::new(),
                        m.skipped.to_string(),
                    ]);
                }
            }
            if !rows.is_empty() {
                writeln!(out)?;
                write_aligned(out, &header, &rows)?;
            }
            if !a.not_used_codes.is_empty() {
                writeln!(out)?;
                let header = ["not used code", "rows"].map(String::from);
                let rows: Vec<[String; 2]> = a
                    .not_used_codes
                    .iter()
                    .map(|(c, n)| [c.clone(), n.to_string()])
                    .collect();
                write_aligned(out, &header, &rows)?;
            }
            for (table, t) in [("treatments", a.treatments), ("patients", a.patients)] {
                if t.rows > 0 {
                    writeln!(
                        out,
                        "\n{table}: rows {}  used {}  skipped {}",
                        t.rows, t.used, t.skipped
                    )?;
                }
            }
            Ok(())
        }
    }
}

/// A number for people: at most six decimals, without trailing zeros
/// (`106.10399999999998` → `106.104`); other text as it is.
fn for_people(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(v) if value.contains('.') => {
            let text = format!("{v:.6}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => value.to_string(),
    }
}
