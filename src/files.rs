//! Reading criteria files from disk: directories expanded to their
//! `*.rules` files, text checked to be UTF-8 and not binary, every failure
//! a located diagnostic rather than a panic.

use crate::ast::Span;
use crate::diagnostics::{Diagnostics, Problem, Source};
use std::path::{Path, PathBuf};

/// Diagnostic codes of file reading.
pub mod codes {
    /// The file cannot be read.
    pub const UNREADABLE: &str = "nephrules::unreadable";
    /// The file is not UTF-8 text.
    pub const NOT_TEXT: &str = "nephrules::not_text";
}

/// Expand the paths given on the command line: a directory stands for
/// every `*.rules` file under it, sorted; a file stands for itself.
pub fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect_rules(path, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn collect_rules(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rules(&path, out);
        } else if path.extension().is_some_and(|e| e == "rules") {
            out.push(path);
        }
    }
}

/// Read a criteria file as text.
pub fn read(path: &Path) -> Result<Source, Diagnostics> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        one(
            Source::new(name.clone(), ""),
            Problem::error(
                codes::UNREADABLE,
                format!("cannot read `{name}`: {err}"),
                Span::default(),
                "",
            )
            .with_help("check the path and the file's permissions"),
        )
    })?;
    decode(name, bytes)
}

/// Turn bytes into a source, rejecting binary and non-UTF-8 input with a
/// diagnostic pointing at the first offending byte.
pub fn decode(name: String, bytes: Vec<u8>) -> Result<Source, Diagnostics> {
    match String::from_utf8(bytes) {
        Ok(text) => {
            if let Some(nul) = text.find('\0') {
                return Err(one(
                    Source::new(name, text.replace('\0', " ")),
                    Problem::error(
                        codes::NOT_TEXT,
                        "the file is binary, not text",
                        Span::new(nul, nul + 1),
                        "a NUL byte",
                    )
                    .with_help("criteria files are plain UTF-8 text"),
                ));
            }
            Ok(Source::new(name, text))
        }
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(err.as_bytes()).replace('\0', " ");
            // The lossy text has U+FFFD (3 bytes) where the bad byte was;
            // the valid prefix is unchanged, so `at` still points at it.
            Err(one(
                Source::new(name, lossy),
                Problem::error(
                    codes::NOT_TEXT,
                    "the file is not valid UTF-8 text",
                    Span::new(at, at + '\u{FFFD}'.len_utf8()),
                    "this byte is not UTF-8",
                )
                .with_help("save the file as UTF-8; criteria files are plain text"),
            ))
        }
    }
}

fn one(source: Source, problem: Problem) -> Diagnostics {
    Diagnostics {
        source,
        problems: vec![problem],
    }
}
