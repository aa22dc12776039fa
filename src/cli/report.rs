//! `nephrules report`: criteria files compared over one cohort, written as
//! one self-contained HTML page (tables, swimmer plot, trajectories).

use super::compare::compare_files;
use super::inputs::DataArgs;
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
    /// Criteria files (directories mean every `*.rules` under them).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// The data.
    #[command(flatten)]
    pub inputs: DataArgs,
    /// Landmarks for the state counts: `3m,6m`, `12w`, `90d`, `1y`.
    #[arg(long, value_delimiter = ',', default_value = "3m,6m")]
    pub landmarks: Vec<String>,
    /// How far (days) from a landmark its assessment may lie.
    #[arg(long, default_value_t = 14.0)]
    pub landmark_window: f64,
    /// The HTML file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE.html")]
    pub output: PathBuf,
}

/// Run `report`.
pub fn run(args: &Args) -> ExitCode {
    let (run, comparison) = match compare_files(
        &args.rules,
        &args.inputs,
        &args.landmarks,
        args.landmark_window,
    ) {
        Ok(done) => done,
        Err(code) => return code,
    };
    let files = run.evaluated();
    let sources = [
        Some(&args.inputs.data),
        args.inputs.treatments.as_ref(),
        args.inputs.patients.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|p| p.display().to_string())
    .collect();
    let page = render(&ReportInput {
        files: &files,
        dataset: &run.loaded.dataset,
        comparison: &comparison,
        landmark_window: args.landmark_window,
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
