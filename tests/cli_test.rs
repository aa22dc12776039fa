//! `nephrules test`: the shipped clinical suites pass, failures are
//! reported with the case, the expected and actual values, and exit 1.

use assert_cmd::Command;
use predicates::prelude::*;

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

#[test]
fn every_shipped_suite_passes() {
    nephrules()
        .arg("test")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^\d+ passed, 0 failed$").expect("regex"));
}

#[test]
fn a_failing_case_is_reported_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        "rules/zhengzhou-2023-rtx-fsgs.rules",
        dir.path().join("z.rules"),
    )
    .expect("copy");
    let suite = "cases:
  - name: wrong-on-purpose
    note: CR on day 30, so expecting PR fails.
    treatments: [{drug: rituximab, start: 0, end: 0, dose: 375, unit: mg/m2}]
    timeline:
      - {day: 0, upcr: 5 g/g, albumin: 20 g/L, scr: 100 umol/L}
      - {day: 30, upcr: 0.2 g/g, albumin: 36 g/L, scr: 100 umol/L}
    expect: {best_response: PR}
  - name: right
    treatments: [{drug: rituximab, start: 0, end: 0, dose: 375, unit: mg/m2}]
    timeline:
      - {day: 0, upcr: 5 g/g, albumin: 20 g/L, scr: 100 umol/L}
      - {day: 30, upcr: 0.2 g/g, albumin: 36 g/L, scr: 100 umol/L}
    expect: {best_response: CR, states: {30: CR}}
";
    std::fs::write(dir.path().join("z.tests.yaml"), suite).expect("write");
    nephrules()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("z.tests.yaml::wrong-on-purpose"))
        .stdout(predicate::str::contains(
            "best_response: expected PR, got CR",
        ))
        .stdout(predicate::str::contains("day 30: CR"))
        .stdout(predicate::str::contains("1 passed, 1 failed"));
}

#[test]
fn an_unreadable_suite_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("x.tests.yaml"),
        "cases: [ {name: a, timeline: [], expect: {}, bogus: 1} ]",
    )
    .expect("write");
    nephrules()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("cannot read the suite"));
}

#[test]
fn no_suites_found_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    nephrules().arg("test").arg(dir.path()).assert().code(1);
}
