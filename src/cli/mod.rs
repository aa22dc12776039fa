//! The command line: one file per subcommand.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod fmt;
mod parse;

/// Exit code for invalid criteria or data.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for wrong command-line usage.
pub const EXIT_USAGE: u8 = 2;

/// nephrules: nephrotic syndrome response criteria as runnable rules.
#[derive(Debug, Parser)]
#[command(name = "nephrules", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a criteria file's syntax tree as JSON.
    Parse(parse::Args),
    /// Rewrite criteria files in their canonical layout.
    Fmt(fmt::Args),
}

/// Run the command line and return the process's exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Fmt(args) => fmt::run(&args),
    }
}
