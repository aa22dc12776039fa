//! `nephrules parse FILE`: the syntax tree as JSON.

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
    let text = std::fs::read_to_string(&args.file).unwrap_or_default();
    match crate::syntax::parse(&text) {
        Ok(file) => {
            println!("{}", serde_json::to_string_pretty(&file).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(p) => {
            eprintln!("{p:?}");
            ExitCode::from(super::EXIT_INVALID)
        }
    }
}
