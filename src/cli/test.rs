//! `nephrules test [PATH...]`: run the clinical test suites of criteria
//! files (`*.tests.yaml`, each beside its `.rules` file).

use super::eval::compile_all;
use super::EXIT_INVALID;
use crate::suite::{run_case, Suite};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  nephrules test\n  nephrules test rules/kdigo-2021-fsgs.tests.yaml"
)]
pub struct Args {
    /// Suites, or directories holding `*.tests.yaml` files (default `rules/`).
    pub paths: Vec<PathBuf>,
}

/// Run `test`.
pub fn run(args: &Args) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths.clone()
    };
    let mut suites = Vec::new();
    for path in &paths {
        collect(path, &mut suites);
    }
    suites.sort();
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &suites {
        let (p, f) = run_suite(path);
        passed += p;
        failed += f;
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 || suites.is_empty() {
        if suites.is_empty() {
            eprintln!("error: no `*.tests.yaml` found under {}", display(&paths));
        }
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

fn display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            collect(&entry.path(), out);
        }
    } else if path.to_string_lossy().ends_with(".tests.yaml") {
        out.push(path.to_path_buf());
    }
}

/// Run one suite; a suite that cannot be read counts as one failure.
fn run_suite(path: &Path) -> (usize, usize) {
    let suite: Suite = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_yaml::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(suite) => suite,
        Err(e) => {
            println!("FAIL {}: cannot read the suite: {e}", path.display());
            return (0, 1);
        }
    };
    let rules = rules_path(path, suite.rules.as_deref());
    let Some(compiled) = compile_all(std::slice::from_ref(&rules)) else {
        println!(
            "FAIL {}: the criteria file {} is invalid",
            path.display(),
            rules.display()
        );
        return (0, 1);
    };
    let Some(plan) = compiled.first().map(|c| &c.plan) else {
        println!(
            "FAIL {}: no criteria file {}",
            path.display(),
            rules.display()
        );
        return (0, 1);
    };
    let mut names = std::collections::HashSet::new();
    let (mut passed, mut failed) = (0, 0);
    for case in &suite.cases {
        if !names.insert(case.name.clone()) {
            println!(
                "FAIL {}::{}: the case name is used twice",
                path.display(),
                case.name
            );
            failed += 1;
            continue;
        }
        let result = run_case(plan, case);
        if result.passed() {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL {}::{}", path.display(), result.name);
            for failure in &result.failures {
                println!("    {failure}");
            }
            print!("{}", result.explanation);
        }
    }
    (passed, failed)
}

/// The criteria file of a suite: as the suite says, else the same stem.
fn rules_path(suite: &Path, named: Option<&str>) -> PathBuf {
    let dir = suite.parent().unwrap_or_else(|| Path::new("."));
    match named {
        Some(name) => dir.join(name),
        None => {
            let file = suite
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            dir.join(file.trim_end_matches(".tests.yaml").to_string() + ".rules")
        }
    }
}
