//! The command line: one file per subcommand.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod check;
mod compare;
mod data;
mod eval;
pub mod explain;
mod fmt;
mod inputs;
mod output;
mod parse;
mod report;
mod synth;
mod test;

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
    /// Check criteria files: syntax, names, units, cycles, unreachable lines.
    Check(check::Args),
    /// Print a criteria file's syntax tree as JSON.
    Parse(parse::Args),
    /// Load patients' data and print it normalized, or its accounting.
    Data(data::Args),
    /// Rewrite criteria files in their canonical layout.
    Fmt(fmt::Args),
    /// Evaluate criteria files over patients' data.
    Eval(eval::Args),
    /// Compare criteria files over one cohort: summaries, kappa, discordance.
    Compare(compare::Args),
    /// Write a synthetic cohort (observations and treatments) for benchmarks.
    Synth(synth::Args),
    /// Explain one patient's states, clause by clause, with the values used.
    Explain(explain::Args),
    /// Write an HTML report comparing criteria files: tables, swimmer plot, trajectories.
    Report(report::Args),
    /// Run the clinical test suites of criteria files (`*.tests.yaml`).
    Test(test::Args),
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
        Command::Check(args) => check::run(&args),
        Command::Parse(args) => parse::run(&args),
        Command::Data(args) => data::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Synth(args) => synth::run(&args),
        Command::Report(args) => report::run(&args),
    }
}

/// Print diagnostics on stderr, in colour when stderr is a terminal.
pub fn print_diagnostics(diagnostics: &crate::diagnostics::Diagnostics) {
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let style = if colour {
        crate::diagnostics::RenderStyle::Colour
    } else {
        crate::diagnostics::RenderStyle::Plain
    };
    eprint!("{}", diagnostics.render(style));
}
