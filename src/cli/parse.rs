//! `nephrules parse FILE`: the syntax tree as JSON.

use super::{print_diagnostics, EXIT_INVALID};
use crate::diagnostics::Diagnostics;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `parse`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  nephrules parse rules/kdigo-2021-fsgs.rules > ast.json")]
pub struct Args {
    /// The criteria file.
    pub file: PathBuf,
}

/// Run `parse`.
pub fn run(args: &Args) -> ExitCode {
    let source = match crate::files::read(&args.file) {
        Ok(source) => source,
        Err(d) => {
            print_diagnostics(&d);
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match crate::syntax::parse(&source.text) {
        Ok(file) => match serde_json::to_string_pretty(&file) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: cannot write the syntax tree: {err}");
                ExitCode::from(EXIT_INVALID)
            }
        },
        Err(problem) => {
            print_diagnostics(&Diagnostics {
                source,
                problems: vec![problem],
            });
            ExitCode::from(EXIT_INVALID)
        }
    }
}
