//! `nephrules fmt` on the command line: rewriting, `--check`, exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

const FORMATTED: &str =
    "criteria \"x\"\nmeasure uPCR in g/g\n\nresponse\n  CR: uPCR < 0.3\n  NR: otherwise\n";
const UNFORMATTED: &str =
    "CRITERIA \"x\"\nmeasure uPCR in g/g\n\n\nRESPONSE CR: upcr<0.3 NR: otherwise";
const BROKEN: &str = "criteria \"x\"\ndefine d: a and\n";

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("writes");
    path
}

#[test]
fn rewrites_files_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "a.rules", UNFORMATTED);
    nephrules()
        .arg("fmt")
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    assert_eq!(fs::read_to_string(&file).expect("reads"), FORMATTED);
}

#[test]
fn check_lists_unformatted_files_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(dir.path(), "bad.rules", UNFORMATTED);
    let good = write(dir.path(), "good.rules", FORMATTED);
    nephrules()
        .args(["fmt", "--check"])
        .arg(&bad)
        .arg(&good)
        .assert()
        .code(1)
        .stdout(format!("{}\n", bad.display()));
    assert_eq!(
        fs::read_to_string(&bad).expect("reads"),
        UNFORMATTED,
        "--check wrote"
    );
}

#[test]
fn check_passes_on_formatted_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.rules", FORMATTED);
    nephrules()
        .args(["fmt", "--check"])
        .arg(&good)
        .assert()
        .success()
        .stdout("");
}

#[test]
fn a_directory_means_every_rules_file_under_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let nested = write(&dir.path().join("sub"), "b.rules", UNFORMATTED);
    let other = write(dir.path(), "notes.txt", UNFORMATTED);
    nephrules()
        .args(["fmt", "--check"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(format!("{}\n", nested.display()));
    nephrules().arg("fmt").arg(dir.path()).assert().success();
    assert_eq!(fs::read_to_string(&nested).expect("reads"), FORMATTED);
    assert_eq!(fs::read_to_string(&other).expect("reads"), UNFORMATTED);
}

#[test]
fn a_syntax_error_is_reported_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = write(dir.path(), "broken.rules", BROKEN);
    nephrules().arg("fmt").arg(&broken).assert().code(1).stderr(
        predicate::str::contains("unexpected end of file")
            .and(predicate::str::contains("broken.rules")),
    );
    assert_eq!(fs::read_to_string(&broken).expect("reads"), BROKEN);
}

#[test]
fn a_missing_file_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    nephrules()
        .arg("fmt")
        .arg(dir.path().join("missing.rules"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn bad_usage_exits_with_2() {
    nephrules().arg("fmt").assert().code(2);
    nephrules()
        .args(["fmt", "--frobnicate", "a.rules"])
        .assert()
        .code(2);
}

#[test]
fn help_shows_examples() {
    nephrules()
        .args(["fmt", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nephrules fmt --check rules/"));
}
