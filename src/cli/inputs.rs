//! The data inputs shared by the commands that read patients' data.

use crate::data::{self, DataError, Files, LoadOptions, Loaded, Mapping};
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::io::Write;
use std::path::PathBuf;

/// `--data`, `--treatments`, `--patients`, `--map`, `--skip-bad-rows`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// The observations CSV (`patient,day|date,measure,value,unit`, or a
    /// layout the mapping describes).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The treatments CSV (`patient,drug,start,end,dose,unit`).
    #[arg(long, value_name = "FILE")]
    pub treatments: Option<PathBuf>,
    /// The patients CSV (`patient,sex,age|birth_date,weight_kg,height_cm,index_date`).
    #[arg(long, value_name = "FILE")]
    pub patients: Option<PathBuf>,
    /// A YAML mapping for another layout (see `mappings/`).
    #[arg(long = "map", value_name = "FILE.yaml")]
    pub map: Option<PathBuf>,
    /// Report bad rows on stderr and go on, instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

/// Load the data, reporting skipped rows on stderr; on failure the
/// diagnostic is printed and `Err` carries nothing more to say.
pub fn load(args: &DataArgs) -> Result<Loaded, ()> {
    let mapping = args
        .map
        .as_deref()
        .map(Mapping::load)
        .transpose()
        .map_err(report)?;
    let files = Files {
        observations: args.data.clone(),
        treatments: args.treatments.clone(),
        patients: args.patients.clone(),
    };
    let options = LoadOptions {
        mapping: mapping.as_ref(),
        skip_bad_rows: args.skip_bad_rows,
    };
    let loaded = data::load(&files, &options).map_err(report)?;
    if !loaded.skipped.is_empty() {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for row in &loaded.skipped {
            let _ = writeln!(err, "warning[{}]: skipped {row}", row.reason.code());
        }
        let n = loaded.skipped.len();
        let _ = writeln!(err, "skipped {n} bad row{}", if n == 1 { "" } else { "s" });
    }
    Ok(loaded)
}

/// Print a data error as a diagnostic on stderr.
pub fn report(e: DataError) {
    let mut text = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut text, &e).is_err() {
        text = e.to_string();
    }
    eprintln!("{text}");
}
