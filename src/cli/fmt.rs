//! `nephrules fmt [--check] PATH...`: rewrite criteria files in their
//! canonical layout, or with `--check` list those that are not.

use crate::diagnostics::{Diagnostics, RenderStyle, Source};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The extension of criteria files looked for in directories.
const RULES_EXTENSION: &str = "rules";

/// Arguments of `fmt`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  nephrules fmt rules/*.rules\n  nephrules fmt --check rules/")]
pub struct Args {
    /// Write nothing: print the path of each file that is not formatted and
    /// exit with 1 if there is any.
    #[arg(long)]
    pub check: bool,
    /// Criteria files, or directories to search for `*.rules` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Already in canonical layout.
    Formatted,
    /// Rewritten in place.
    Rewritten,
    /// Not in canonical layout (with `--check`).
    Unformatted,
    /// Unreadable, unwritable, or not valid criteria.
    Failed,
}

/// Run `fmt`.
pub fn run(args: &Args) -> ExitCode {
    let mut failed = false;
    for path in &args.paths {
        let files = match rules_files(path) {
            Ok(files) => files,
            Err(err) => {
                eprintln!("error: cannot read `{}`: {err}", path.display());
                failed = true;
                continue;
            }
        };
        for file in files {
            match format_file(&file, args.check) {
                Outcome::Formatted | Outcome::Rewritten => {}
                Outcome::Unformatted => {
                    println!("{}", file.display());
                    failed = true;
                }
                Outcome::Failed => failed = true,
            }
        }
    }
    if failed {
        ExitCode::from(super::EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

/// Format one file, or check it with `check`.
fn format_file(path: &Path, check: bool) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{}`: {err}", path.display());
            return Outcome::Failed;
        }
    };
    let formatted = match crate::format::format(&text) {
        Ok(formatted) => formatted,
        Err(problem) => {
            let diagnostics = Diagnostics {
                source: Source::new(path.display().to_string(), text),
                problems: vec![problem],
            };
            eprint!("{}", diagnostics.render(render_style()));
            return Outcome::Failed;
        }
    };
    if formatted == text {
        Outcome::Formatted
    } else if check {
        Outcome::Unformatted
    } else if let Err(err) = std::fs::write(path, formatted) {
        eprintln!("error: cannot write `{}`: {err}", path.display());
        Outcome::Failed
    } else {
        Outcome::Rewritten
    }
}

/// `path` itself when it is a file, else every `*.rules` file under it, in
/// a stable order.
fn rules_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry_path = entry?.path();
            if entry_path.is_dir() {
                dirs.push(entry_path);
            } else if entry_path.extension().is_some_and(|e| e == RULES_EXTENSION) {
                files.push(entry_path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn render_style() -> RenderStyle {
    if std::io::stderr().is_terminal() {
        RenderStyle::Colour
    } else {
        RenderStyle::Plain
    }
}
