//! `nephrules explain`: traces an adjudication committee can read.
//! Snapshots are read against hand computations (see the comments).

use assert_cmd::Command;
use predicates::prelude::*;

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

fn explain(args: &[&str]) -> String {
    let out = nephrules()
        .args(["explain", "--rules", "rules/zhengzhou-2023-rtx-fsgs.rules"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8")
}

/// Dated data in other units: 36.2 mg/mmol is 0.32 g/g (/ 113.12), missing
/// CR by 0.02 g/g; 3.7 g/dL is 37 g/L; 1.1 mg/dL is 97.26 µmol/L (x 88.42),
/// 10% above the 1.0 mg/dL (88.42) baseline. On day 71 the two uPCR values
/// 0.25 and 0.35 give their median 0.3, exactly at the CR threshold, and no
/// albumin is current (the last is 42 days old): NE, with that reason.
#[test]
fn a_dated_patient_in_other_units() {
    let text = explain(&[
        "--data",
        "tests/cases/explain/observations.csv",
        "--treatments",
        "tests/cases/explain/treatments.csv",
        "--patient",
        "X1",
    ]);
    assert!(
        text.contains("36.2 mg/mmol as written) < 0.3 g/g (missed by 0.02 g/g)"),
        "{text}"
    );
    assert!(
        text.contains("? no albumin value within 14 days of day 71"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// P05's relapse day: uPCR 4.2 g/g misses PR's 3.5 by 0.7 and its fall from
/// the 7.4 peak is 43.24%, 6.76 points short of 50%.
#[test]
fn one_day_of_the_example_cohort() {
    let text = explain(&[
        "--data",
        "examples/observations.csv",
        "--treatments",
        "examples/treatments.csv",
        "--patient",
        "P05",
        "--day",
        "270",
    ]);
    assert!(
        text.contains("fell 43.24% from peak 7.4 g/g (day 0): needs > 50%, missed by 6.76 points"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn json_has_the_days_and_lines() {
    let out = nephrules()
        .args(["explain", "--rules", "rules/zhengzhou-2023-rtx-fsgs.rules"])
        .args([
            "--data",
            "examples/observations.csv",
            "--treatments",
            "examples/treatments.csv",
        ])
        .args(["--patient", "P04", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(json["patient"], "P04");
    let days: Vec<i64> = json["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(|d| d["day"].as_i64())
        .collect();
    assert_eq!(days, [30, 91, 182]);
    assert_eq!(json["days"][0]["state"], "PR");
    assert_eq!(json["days"][0]["lines"][1]["name"], "PR");
    assert_eq!(json["days"][0]["lines"][1]["truth"], "true");
}

#[test]
fn unknown_patient_or_day_exits_1() {
    let base = [
        "explain",
        "--rules",
        "rules/zhengzhou-2023-rtx-fsgs.rules",
        "--data",
        "examples/observations.csv",
    ];
    nephrules()
        .args(base)
        .args(["--patient", "P99"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no patient `P99`"));
    nephrules()
        .args(base)
        .args([
            "--treatments",
            "examples/treatments.csv",
            "--patient",
            "P04",
            "--day",
            "31",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not an assessment day"));
}
