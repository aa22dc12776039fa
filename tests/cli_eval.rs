//! `nephrules eval` end to end on the shipped synthetic cohort.

use assert_cmd::Command;
use predicates::prelude::*;

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

const EXAMPLE: [&str; 8] = [
    "--data",
    "examples/observations.csv",
    "--treatments",
    "examples/treatments.csv",
    "--patients",
    "examples/patients.csv",
    "--rules",
    "rules/zhengzhou-2023-rtx-fsgs.rules",
];

fn eval_json(extra: &[&str]) -> serde_json::Value {
    let out = nephrules()
        .arg("eval")
        .args(EXAMPLE)
        .args(["--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON rows")
}

/// Worked out by hand from the paper's definitions and
/// `examples/make_examples.py`: e.g. P04 is PR on day 30 (uPCR 1.2 < 3.5,
/// albumin 30 > 21, creatinine 72 within 25% of 70) and CR on day 91
/// (0.22 < 0.3, 38 > 35, 75 within 25% of 70); P13 is NR on day 30 (5.2 g/g,
/// a 34% fall from its 7.9 peak) and PR on day 91 (3.3 < 3.5, albumin 25 > 18,
/// creatinine 140 within 25% of 130).
#[test]
fn the_paper_definitions_on_the_example_cohort() {
    let rows = eval_json(&[]);
    let rows = rows.as_array().expect("array");
    let got: Vec<(String, String, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r["patient"].as_str().unwrap_or_default().to_string(),
                r["best_response"].as_str().unwrap_or_default().to_string(),
                r["best_response_day"].as_i64(),
            )
        })
        .collect();
    let expected = [
        ("P01", "CR", Some(15)),
        ("P02", "CR", Some(20)),
        ("P03", "CR", Some(16)),
        ("P04", "CR", Some(91)),
        ("P05", "CR", Some(21)),
        ("P06", "CR", Some(14)),
        ("P07", "CR", Some(150)),
        ("P08", "CR", Some(18)),
        ("P09", "CR", Some(60)),
        ("P10", "PR", Some(91)),
        ("P11", "PR", Some(91)),
        ("P12", "PR", Some(91)),
        ("P13", "PR", Some(91)),
        ("P14", "NR", None),
    ];
    let expected: Vec<(String, String, Option<i64>)> = expected
        .iter()
        .map(|(p, b, d)| (p.to_string(), b.to_string(), *d))
        .collect();
    assert_eq!(got, expected);
    // One relapse in all (P05, uPCR 4.2 g/g on day 270 after its CR).
    let relapses: i64 = rows
        .iter()
        .filter_map(|r| r["relapse_count"].as_i64())
        .sum();
    assert_eq!(relapses, 1);
    let p05 = &rows[4];
    assert_eq!(p05["relapse_first_day"], 270);
    assert_eq!(p05["first_remission_day"], 21);
    assert_eq!(p05["last_state"], "PR");
    assert_eq!(p05["followup_days"], 300);
    assert_eq!(p05["FRNS"], "false");
}

#[test]
fn patient_columns_are_in_the_contract_order() {
    let out = nephrules()
        .arg("eval")
        .args(EXAMPLE)
        .args(["--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("UTF-8");
    let header = text.lines().next().expect("header");
    assert_eq!(
        header,
        "criteria,patient,best_response,best_response_day,first_remission_day,last_state,followup_days,\
         relapse_count,relapse_first_day,b_cell_depletion_count,b_cell_depletion_first_day,\
         b_cell_reconstitution_count,b_cell_reconstitution_first_day,FRNS,SDNS,SRNS"
    );
    assert_eq!(text.lines().count(), 15);
}

#[test]
fn timeline_level_has_one_row_per_assessment_day() {
    let rows = eval_json(&["--level", "timeline"]);
    let p04: Vec<(i64, String)> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["patient"] == "P04")
        .map(|r| {
            (
                r["day"].as_i64().unwrap_or(-1),
                r["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        p04,
        [
            (30, "PR".to_string()),
            (91, "CR".to_string()),
            (182, "CR".to_string())
        ]
    );
}

#[test]
fn the_table_output_is_stable() {
    let out = nephrules()
        .arg("eval")
        .args(EXAMPLE)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn invalid_rules_exit_1_before_reading_data() {
    nephrules()
        .args([
            "eval",
            "--rules",
            "tests/cases/diagnostics/cycle.rules",
            "--data",
            "no/such.csv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("depends on itself"));
}

#[test]
fn bad_data_exits_1() {
    nephrules()
        .args(["eval", "--rules", "rules/", "--data", "no/such.csv"])
        .assert()
        .code(1);
}

#[test]
fn missing_arguments_exit_2_and_help_shows_an_example() {
    nephrules()
        .args(["eval", "--data", "examples/observations.csv"])
        .assert()
        .code(2);
    nephrules()
        .args(["eval", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Example"));
}
