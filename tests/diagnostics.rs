//! Snapshot tests of the diagnostics, one fixture per kind of problem.
//!
//! Each `tests/cases/diagnostics/NAME.rules` is checked (with `--strict`
//! when NAME starts with `strict-`) and its rendering, without colour and
//! at a fixed width, is compared with `tests/snapshots/`. Regenerate with
//! `INSTA_UPDATE=always cargo test --test diagnostics`, then read the diff.

use nephrules::check::{check_source, Options};
use nephrules::diagnostics::{RenderStyle, Severity, Source};
use std::path::Path;

fn diagnose(path: &Path) -> (String, Vec<Severity>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let strict = name.starts_with("strict-");
    let source = Source::new(name, text);
    let problems = match check_source(&source, Options { strict }) {
        Ok((_, checked)) => nephrules::diagnostics::Diagnostics {
            source,
            problems: checked.problems,
        },
        Err(diagnostics) => diagnostics,
    };
    let severities = problems.problems.iter().map(|p| p.severity).collect();
    (problems.render(RenderStyle::Plain), severities)
}

#[test]
fn every_fixture_reports_a_problem() {
    insta::glob!("cases/diagnostics/*.rules", |path| {
        let (rendered, severities) = diagnose(path);
        assert!(!severities.is_empty(), "{} reports nothing", path.display());
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn all_errors_in_a_file_are_reported_not_only_the_first() {
    let (_, severities) = diagnose(Path::new("tests/cases/diagnostics/several-errors.rules"));
    let errors = severities.iter().filter(|s| **s == Severity::Error).count();
    // albumn unknown, scr unknown, stable without a rule, no otherwise.
    assert_eq!(errors, 4, "{severities:?}");
}

#[test]
fn warnings_alone_do_not_fail_a_file() {
    let (_, severities) = diagnose(Path::new("tests/cases/diagnostics/unreachable-line.rules"));
    assert_eq!(severities, [Severity::Warning]);
}
