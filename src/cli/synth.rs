//! `nephrules synth`: a synthetic cohort for benchmarks and demos.

use super::EXIT_INVALID;
use crate::synth::{generate, Options};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `synth`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules synth --patients 20000 --visits 24 --seed 1 -o /tmp/cohort.csv --treatments /tmp/treatments.csv"
)]
pub struct Args {
    /// How many patients.
    #[arg(long, default_value_t = 100)]
    pub patients: usize,
    /// Visits per patient (three measures each).
    #[arg(long, default_value_t = 24)]
    pub visits: usize,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the observations CSV.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Also write a treatments CSV (rituximab on day 0, prednisone for some).
    #[arg(long, value_name = "FILE")]
    pub treatments: Option<PathBuf>,
}

/// Run `synth`.
pub fn run(args: &Args) -> ExitCode {
    let options = Options {
        patients: args.patients,
        visits: args.visits,
        seed: args.seed,
    };
    let result = (|| -> std::io::Result<()> {
        let mut observations = BufWriter::new(File::create(&args.output)?);
        match &args.treatments {
            Some(path) => {
                let mut treatments = BufWriter::new(File::create(path)?);
                generate(options, &mut observations, Some(&mut treatments))?;
                treatments.flush()?;
            }
            None => generate(options, &mut observations, None)?,
        }
        observations.flush()
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the cohort: {e}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
