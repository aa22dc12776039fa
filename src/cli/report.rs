//! `nephrules report`: criteria files compared over one cohort, written as
//! one self-contained HTML page (tables, swimmer plot, trajectories).

use super::compare::{compare_files, CohortArgs};
use super::EXIT_INVALID;
use crate::report::{render, ReportInput};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules report --rules rules/zhengzhou-2023-rtx-fsgs.rules rules/kdigo-2021-fsgs.rules \\\n      \
    --data examples/observations.csv --treatments examples/treatments.csv \\\n      \
    --patients examples/patients.csv --landmarks 3m,6m -o report.html"
)]
pub struct Args {
    /// The files, the data and the landmarks.
    #[command(flatten)]
    pub cohort: CohortArgs,
    /// The HTML file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE.html")]
    pub output: PathBuf,
}

/// Run `report`.
pub fn run(args: &Args) -> ExitCode {
    let (run, comparison) = match compare_files(&args.cohort) {
        Ok(done) => done,
        Err(code) => return code,
    };
    let files = run.evaluated();
    let sources = [
        Some(&args.cohort.inputs.data),
        args.cohort.inputs.treatments.as_ref(),
        args.cohort.inputs.patients.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|p| p.display().to_string())
    .collect();
    let page = render(&ReportInput {
        files: &files,
        dataset: &run.loaded.dataset,
        comparison: &comparison,
        landmark_window: args.cohort.landmark_window,
        sources,
    });
    match std::fs::write(&args.output, page) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", args.output.display());
            ExitCode::from(EXIT_INVALID)
        }
    }
}
