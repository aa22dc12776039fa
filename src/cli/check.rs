//! `nephrules check FILE...`: every problem in every file.

use super::{print_diagnostics, EXIT_INVALID};
use crate::check::{check_source, Options};
use crate::diagnostics::{Diagnostics, Severity};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  nephrules check rules/\n  nephrules check --strict --format json rules/kdigo-2021-fsgs.rules"
)]
pub struct Args {
    /// Criteria files, or directories holding `*.rules` files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also warn about bare numbers (`albumin > 35` instead of `35 g/L`).
    #[arg(long)]
    pub strict: bool,
    /// `human` diagnostics on stderr, or `json` records on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics for people, on stderr.
    Human,
    /// One JSON array of problems, on stdout.
    Json,
}

/// Run `check`.
pub fn run(args: &Args) -> ExitCode {
    let options = Options {
        strict: args.strict,
    };
    let files = crate::files::expand(&args.files);
    let mut all: Vec<Diagnostics> = Vec::new();
    for path in &files {
        let diagnostics = match crate::files::read(path) {
            Err(d) => d,
            Ok(source) => match check_source(&source, options) {
                Err(d) => d,
                Ok((_, checked)) => Diagnostics {
                    source,
                    problems: checked.problems,
                },
            },
        };
        all.push(diagnostics);
    }
    let errors: usize = all.iter().map(|d| count(d, Severity::Error)).sum();
    let warnings: usize = all.iter().map(|d| count(d, Severity::Warning)).sum();
    match args.format {
        Format::Json => {
            let records: Vec<_> = all.iter().flat_map(|d| d.to_json()).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&records).unwrap_or_else(|_| "[]".into())
            );
        }
        Format::Human => {
            for d in &all {
                print_diagnostics(d);
            }
            eprintln!(
                "{} checked: {errors} error{}, {warnings} warning{}",
                plural(files.len(), "file"),
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
            );
        }
    }
    if errors > 0 {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

fn count(d: &Diagnostics, severity: Severity) -> usize {
    d.problems.iter().filter(|p| p.severity == severity).count()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
