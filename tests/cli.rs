//! The command line: exit codes, output streams, help with examples.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(bytes).expect("write");
    (dir, path)
}

/// The shipped rules check cleanly under `--strict`, but for the one
/// warning the FPRE file carries on purpose: Troost's `< 1.5 g/g` and
/// DUPLEX's `<= 1.5 g/g` at the same threshold.
#[test]
fn check_passes_on_the_shipped_rules() {
    let out = nephrules()
        .args(["check", "--strict", "--format", "json", "rules/"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let records: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let records = records.as_array().expect("array");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["code"], "nephrules::inconsistent_boundary");
    assert_eq!(records[0]["file"], "rules/fpre-troost-2018.rules");
}

#[test]
fn the_shipped_rules_are_formatted() {
    nephrules()
        .args(["fmt", "--check", "rules/"])
        .assert()
        .success();
}

#[test]
fn check_passes_on_the_language_example() {
    nephrules()
        .args(["check", "tests/cases/language-example.rules"])
        .assert()
        .success();
}

#[test]
fn check_fails_with_exit_1_and_a_located_diagnostic() {
    nephrules()
        .args(["check", "tests/cases/diagnostics/unknown-name.rules"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown-name.rules:4:34"))
        .stderr(predicate::str::contains("did you mean `remission`?"));
}

#[test]
fn check_json_gives_records_on_stdout() {
    let out = nephrules()
        .args([
            "check",
            "--format",
            "json",
            "tests/cases/diagnostics/unit-mismatch.rules",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let records: serde_json::Value = serde_json::from_slice(&out).expect("JSON on stdout");
    let first = &records[0];
    assert_eq!(first["code"], "nephrules::unit_mismatch");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 21);
    assert_eq!(first["labels"].as_array().map(Vec::len), Some(2));
}

#[test]
fn warnings_alone_exit_0() {
    nephrules()
        .args(["check", "tests/cases/diagnostics/unreachable-line.rules"])
        .assert()
        .success()
        .stderr(predicate::str::contains("can never be reached"));
}

#[test]
fn strict_turns_on_the_bare_number_warning() {
    let file = "tests/cases/diagnostics/strict-bare-number.rules";
    nephrules()
        .args(["check", file])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 warnings"));
    nephrules()
        .args(["check", "--strict", file])
        .assert()
        .success()
        .stderr(predicate::str::contains("bare number"));
}

#[test]
fn check_reports_every_file_and_fails_if_any_fails() {
    nephrules()
        .args(["check", "rules/", "tests/cases/diagnostics/cycle.rules"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("files checked: 1 error,"));
}

#[test]
fn parse_prints_the_tree_as_json() {
    let out = nephrules()
        .args(["parse", "tests/cases/language-example.rules"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let tree: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(tree["items"][0]["kind"]["item"], "criteria");
    assert_eq!(
        tree["items"][0]["kind"]["name"]["value"],
        "Zhengzhou rituximab FSGS cohort"
    );
}

#[test]
fn parse_of_a_bad_file_exits_1() {
    nephrules()
        .args([
            "parse",
            "tests/cases/diagnostics/syntax-missing-value.rules",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expected a value"));
}

#[test]
fn usage_errors_exit_2() {
    nephrules().assert().code(2);
    nephrules().args(["frobnicate"]).assert().code(2);
    nephrules().args(["check"]).assert().code(2);
    nephrules()
        .args(["check", "--format", "xml", "rules/"])
        .assert()
        .code(2);
}

#[test]
fn every_command_shows_an_example_in_its_help() {
    for command in ["check", "parse", "fmt", "data", "eval", "test"] {
        nephrules()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn a_missing_file_exits_1() {
    nephrules()
        .args(["check", "no/such/file.rules"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read"));
}

// ---- hostile input: a diagnostic and exit 1, never a panic or overflow ----

fn rejects(bytes: &[u8], expected: &str) {
    let (_dir, path) = temp_file("hostile.rules", bytes);
    nephrules()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn a_20000_deep_parenthesis_nest_is_refused() {
    let text = format!(
        "criteria \"t\"\ndefine d: {}a{}\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    rejects(text.as_bytes(), "parentheses nested more than 64 deep");
}

#[test]
fn a_long_run_of_not_is_refused() {
    let text = format!("criteria \"t\"\ndefine d: {}a\n", "not ".repeat(100_000));
    rejects(text.as_bytes(), "nested more than 200 deep");
}

#[test]
fn a_one_megabyte_identifier_is_refused() {
    let text = format!("criteria \"t\"\ndefine {}: a\n", "n".repeat(1 << 20));
    rejects(text.as_bytes(), "bytes long");
}

#[test]
fn binary_and_non_utf8_files_are_refused() {
    rejects(b"criteria \"t\"\n\x00\x01\x02\x03", "binary");
    rejects(b"criteria \"t\xff\xfe\"\n", "not valid UTF-8");
}

#[test]
fn empty_and_comment_only_files_are_refused() {
    rejects(b"", "holds no criteria");
    rejects(b"# nothing\n", "holds no criteria");
}

#[test]
fn a_long_chain_of_definitions_checks_without_overflow() {
    let mut text = String::from("criteria \"t\"\nmeasure uPCR in g/g\ndefine d0: uPCR < 1 g/g\n");
    for i in 1..5000 {
        text.push_str(&format!("define d{i}: d{}\n", i - 1));
    }
    let (_dir, path) = temp_file("chain.rules", text.as_bytes());
    nephrules().arg("check").arg(&path).assert().success();
}

#[test]
fn crlf_and_bom_files_check_like_clean_ones() {
    let clean = std::fs::read_to_string("tests/cases/language-example.rules").expect("example");
    let crlf = format!("\u{feff}{}", clean.replace('\n', "\r\n"));
    let (_dir, path) = temp_file("crlf.rules", crlf.as_bytes());
    nephrules().arg("check").arg(&path).assert().success();
}
