//! Hostile input (`tests/hostile/`): criteria and data files that try to
//! break nephrules. Each either gives the right result with exit 0 (CRLF and
//! BOM files give exactly the clean file's result) or a located diagnostic
//! with exit 1 — never a panic, a signal or a hang.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn nephrules() -> Command {
    let mut cmd = Command::cargo_bin("nephrules").expect("the binary is built");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

const R: &str = "tests/hostile/rules";
const D: &str = "tests/hostile/data";

fn rejects_rules(file: &str, expected: &str) {
    nephrules()
        .args(["check", &format!("{R}/{file}")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn hostile_criteria_files_get_located_diagnostics() {
    rejects_rules("empty.rules", "the file holds no criteria");
    rejects_rules("comments-only.rules", "the file holds no criteria");
    rejects_rules("binary.rules", "[");
    rejects_rules("unterminated-string.rules", "unterminated string");
    rejects_rules("nan.rules", "nan.rules:3:18");
    rejects_rules("inf.rules", "inf.rules:3:18");
    rejects_rules("huge-number.rules", "`1e400` is out of range");
}

fn eval(data: &str, rules: &str) -> assert_cmd::assert::Assert {
    nephrules()
        .args([
            "eval",
            "--rules",
            &format!("{R}/{rules}"),
            "--data",
            &format!("{D}/{data}"),
        ])
        .args([
            "--treatments",
            &format!("{D}/treatments.csv"),
            "--format",
            "csv",
        ])
        .assert()
}

fn stdout_of(data: &str, rules: &str) -> String {
    String::from_utf8(eval(data, rules).success().get_output().stdout.clone()).expect("UTF-8")
}

#[test]
fn crlf_and_bom_give_exactly_the_clean_result() {
    let clean = stdout_of("clean.csv", "clean.rules");
    // P1: uPCR 0.2 < 0.3, albumin 36 > 35, creatinine unchanged: CR.
    assert!(clean.contains("clean,P1,CR,30,30,CR,30,"), "{clean}");
    for data in ["crlf.csv", "bom.csv"] {
        assert_eq!(stdout_of(data, "clean.rules"), clean, "{data}");
    }
    for rules in ["crlf.rules", "bom.rules"] {
        let out = stdout_of("clean.csv", rules);
        // Only the criteria column (the file's stem) differs.
        assert_eq!(
            out.replace(&rules.replace(".rules", ","), "clean,"),
            clean,
            "{rules}"
        );
    }
}

#[test]
fn quoted_fields_with_commas_are_one_cell() {
    let out = stdout_of("quoted.csv", "clean.rules");
    assert!(out.contains("clean,\"Smith, J\",CR,30,"), "{out}");
}

#[test]
fn a_header_and_nothing_else_is_valid_and_empty() {
    // Every patient known from the treatments is not evaluable.
    let out = stdout_of("header-only.csv", "clean.rules");
    assert!(out.contains("clean,P1,NE,,,,,"), "{out}");
}

fn rejects_data(data: &str, expected: &str) {
    eval(data, "clean.rules")
        .code(1)
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn hostile_data_files_get_located_diagnostics() {
    rejects_data("empty.csv", "has no header line");
    rejects_data("missing-columns.csv", "has no column `measure`");
    rejects_data("binary.csv", "has no column");
    rejects_data(
        "nan.csv",
        "line 2, column `value`: `NaN` is not a finite number",
    );
    rejects_data(
        "inf.csv",
        "line 2, column `value`: `inf` is not a finite number",
    );
    rejects_data("huge-number.csv", "`1e400` is not a finite number");
    rejects_data("day-beyond-64-bits.csv", "line 2, column `day`");
}

fn temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

#[test]
fn a_two_megabyte_field_is_reported_briefly() {
    let text = format!(
        "patient,day,measure,value,unit\nP1,0,upcr,5,{}\n",
        "x".repeat(2_000_000)
    );
    let (_dir, path) = temp("big.csv", text.as_bytes());
    let out = nephrules()
        .args(["eval", "--rules", &format!("{R}/clean.rules"), "--data"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(2000000 characters)`"))
        .get_output()
        .stderr
        .clone();
    assert!(out.len() < 10_000, "the diagnostic is {} bytes", out.len());
}

#[test]
fn generated_monsters_are_refused_or_handled() {
    // 20,000 nested parentheses, a 1 MB name, a 5,000-deep chain of defines.
    let deep = format!(
        "criteria \"t\"\ndefine d: {}a{}\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let (_a, deep) = temp("deep.rules", deep.as_bytes());
    nephrules()
        .arg("check")
        .arg(&deep)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nested more than"));
    let long = format!("criteria \"t\"\ndefine {}: a\n", "n".repeat(1 << 20));
    let (_b, long) = temp("long.rules", long.as_bytes());
    nephrules()
        .arg("check")
        .arg(&long)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bytes long"));
    let mut chain = String::from("criteria \"t\"\nmeasure uPCR in g/g\ndefine d0: uPCR < 1 g/g\n");
    for i in 1..5000 {
        chain.push_str(&format!("define d{i}: d{}\n", i - 1));
    }
    chain.push_str("response\n  R: d4999\n  N: otherwise\n");
    let (_c, chain) = temp("chain.rules", chain.as_bytes());
    nephrules().arg("check").arg(&chain).assert().success();
    // Evaluating through the whole chain works too.
    nephrules()
        .args(["eval", "--rules"])
        .arg(&chain)
        .args(["--data", &format!("{D}/clean.csv"), "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("chain,P1,R,30"));
}

#[test]
fn hostile_mappings_get_diagnostics() {
    let with_map = |map: &str| {
        nephrules()
            .args([
                "data",
                "--data",
                &format!("{D}/clean.csv"),
                "--map",
                &format!("{D}/{map}"),
            ])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("panicked").not())
    };
    with_map("bad-mapping.yaml").stderr(predicate::str::contains("nephrules::data::bad_mapping"));
    with_map("unknown-measure-mapping.yaml")
        .stderr(predicate::str::contains("did you mean `upcr`?"));
    let (_dir, binary) = temp("binary.yaml", &[0xff, 0xfe, 0x00, 0x01, 0x02]);
    nephrules()
        .args(["data", "--data", &format!("{D}/clean.csv"), "--map"])
        .arg(&binary)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not contain valid UTF-8"));
}
