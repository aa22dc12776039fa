//! `nephrules compare` on a six-patient cohort built so that every figure
//! can be worked out by hand (see `tests/cases/compare/`): two files that
//! differ only in the CR threshold (< 0.2 g/g "strict", < 0.3 g/g "lenient").
//!
//! Best responses, strict / lenient: A CR/CR, B PR/CR (0.25 g/g), C PR/CR
//! (then a relapse on day 60 under both), D PR/PR, E NR/NR, F CR/CR.

use assert_cmd::Command;

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

const ARGS: [&str; 7] = [
    "compare",
    "--rules",
    "tests/cases/compare/strict.rules",
    "tests/cases/compare/lenient.rules",
    "--data",
    "tests/cases/compare/observations.csv",
    "--landmarks",
];

fn json() -> serde_json::Value {
    let out = nephrules()
        .args(ARGS)
        .args(["1m", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON")
}

fn close(a: &serde_json::Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-4)
}

#[test]
fn summary_figures_match_the_hand_computation() {
    let j = json();
    let strict = &j["summary"][0];
    assert_eq!(strict["criteria"], "strict");
    assert_eq!(strict["n"], 6);
    assert_eq!(strict["counts"]["CR"], 2);
    assert_eq!(strict["counts"]["PR"], 3);
    assert_eq!(strict["counts"]["NR"], 1);
    assert_eq!(strict["counts"]["NE"], 0);
    assert!(close(&strict["percent"]["PR"], 50.0));
    // First remissions on days 30, 30, 30, 30 (A-D) and 20 (F). SPSS:
    // n = 5, (n+1)p = 1.5, 3, 4.5 -> P25 = 20 + 0.5 x 10 = 25, median 30,
    // P75 = 30 + 0.5 x 0 = 30.
    let t = &strict["time_to_remission_days"];
    assert_eq!(t["n"], 5);
    assert!(close(&t["median"], 30.0) && close(&t["p25"], 25.0) && close(&t["p75"], 30.0));
    assert!(t["method"].as_str().is_some_and(|m| m.contains("(n+1)p")));
    // One relapse (C, day 60) in 30+30+60+30+30+40 = 220 days:
    // 1 / (220 / 30.4375) = 0.138352 per patient-month.
    assert_eq!(strict["relapses"], 1);
    assert_eq!(strict["followup_days"], 220);
    assert!(close(
        &strict["relapses_per_patient_month"],
        30.4375 / 220.0
    ));
    // At 1 month (day 30.44 +/- 14): F's nearest assessment is day 40 (CR).
    assert_eq!(strict["landmarks"]["1m"]["counts"]["CR"], 2);
    assert_eq!(strict["landmarks"]["1m"]["counts"]["PR"], 3);
    let lenient = &j["summary"][1];
    assert_eq!(lenient["counts"]["CR"], 4);
    assert_eq!(lenient["counts"]["PR"], 1);
}

#[test]
fn agreement_and_kappa_match_the_hand_computation() {
    let j = json();
    let a = &j["agreement"][0];
    assert_eq!(a["a"], "strict");
    assert_eq!(a["b"], "lenient");
    assert_eq!(a["n"], 6);
    // po = 4/6; pe = (2/6)(4/6) + (3/6)(1/6) + (1/6)(1/6) = 1/3;
    // kappa = (2/3 - 1/3) / (2/3) = 0.5.
    assert!(close(&a["agreement"], 4.0 / 6.0));
    assert!(close(&a["kappa"], 0.5));
    // Fleiss-Cohen-Everitt: A = 2/6 (0.5)^2 + 1/6 (2/3)^2 + 1/6 (5/6)^2
    // = 0.273148; B = 0.25 x 2/6 x (1/6 + 2/6)^2 = 0.0208333;
    // C = (0.5 - 1/3 x 0.5)^2 = 1/9; var = (A + B - C) / (6 (2/3)^2)
    // = 0.0685764; se = 0.261871; CI = 0.5 -/+ 0.513268.
    let se = ((2.0 / 6.0 * 0.25
        + 1.0 / 6.0 * (2.0f64 / 3.0).powi(2)
        + 1.0 / 6.0 * (5.0f64 / 6.0).powi(2))
        + 0.25 * (2.0 / 6.0) * 0.25
        - 1.0 / 9.0)
        / (6.0 * (4.0 / 9.0));
    let se = se.sqrt();
    assert!((se - 0.261871).abs() < 1e-5);
    assert!(close(&a["kappa_ci"][0], 0.5 - 1.96 * se));
    // 0.5 + 0.513268 is beyond kappa's range: clipped to 1.
    assert!(close(&a["kappa_ci"][1], 1.0));
    assert_eq!(a["confusion"]["PR"]["CR"], 2);
    assert_eq!(a["confusion"]["PR"]["PR"], 1);
    assert_eq!(a["confusion"]["CR"]["CR"], 2);
    assert_eq!(a["labels"], serde_json::json!(["CR", "PR", "NR", "NE"]));
}

#[test]
fn discordant_patients_name_the_splitting_clause_with_values() {
    let j = json();
    let d = j["discordant"].as_array().expect("array");
    let patients: Vec<&str> = d.iter().filter_map(|x| x["patient"].as_str()).collect();
    assert_eq!(patients, ["B", "C"]);
    let text = d[0]["explanation"].as_str().unwrap_or_default();
    assert!(text.contains("PR under strict: CR failed on day 30: uPCR 0.25 g/g (day 30) < 0.2 g/g (missed by 0.05 g/g)"), "{text}");
    assert!(
        text.contains(
            "CR under lenient: day 30: uPCR 0.25 g/g (day 30) < 0.3 g/g (margin 0.05 g/g)"
        ),
        "{text}"
    );
}

#[test]
fn the_table_is_stable() {
    let out = nephrules()
        .args(ARGS)
        .arg("1m")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn csv_is_tidy() {
    let out = nephrules()
        .args(ARGS)
        .args(["1m", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(text.starts_with("section,criteria,other,key,value\n"));
    assert!(text.contains("summary,strict,,count:CR,2\n"));
    let kappa: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("agreement,strict,lenient,kappa,"))
        .and_then(|v| v.parse().ok())
        .expect("a kappa row");
    assert!((kappa - 0.5).abs() < 1e-12);
}

#[test]
fn a_bad_landmark_is_a_usage_error() {
    nephrules().args(ARGS).arg("3q").assert().code(2);
}

/// The README's main command: every shipped definition over the examples.
#[test]
fn the_readme_main_command_runs() {
    let out = nephrules()
        .args([
            "compare",
            "--rules",
            "rules/",
            "--data",
            "examples/observations.csv",
        ])
        .args([
            "--treatments",
            "examples/treatments.csv",
            "--patients",
            "examples/patients.csv",
        ])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let j: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let summaries = j["summary"].as_array().expect("summaries");
    assert_eq!(summaries.len(), 8);
    assert!(summaries.iter().all(|s| s["n"] == 14));
    // 8 files: 28 pairs.
    assert_eq!(j["agreement"].as_array().map(Vec::len), Some(28));
}

/// P12 of the example cohort, worked by hand: under the paper PR on day 91
/// (1.9 g/g < 3.5, albumin 28 > 22) and still PR on day 182 (1.4 is not
/// < 0.3); under FPRE it is PR on day 91 ((4.6 - 1.9) / 4.6 = 58.7% >= 50%)
/// and Troost's FPRE on day 182 (1.4 < 1.5 g/g, fall 69.57% >= 40%), which
/// ranks above PR.
#[test]
fn a_discordance_names_the_higher_line_reached_on_another_day() {
    let out = nephrules()
        .args([
            "compare",
            "--rules",
            "rules/zhengzhou-2023-rtx-fsgs.rules",
            "rules/fpre-troost-2018.rules",
        ])
        .args([
            "--data",
            "examples/observations.csv",
            "--treatments",
            "examples/treatments.csv",
        ])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let j: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let d = j["discordant"].as_array().expect("array");
    let p12 = d
        .iter()
        .find(|x| x["patient"] == "P12")
        .expect("P12 is discordant");
    assert_eq!(p12["a_result"], "PR");
    assert_eq!(p12["b_result"], "FPRE");
    let text = p12["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains("PR on day 91 too, and FPRE (ranked above it) on day 182: uPCR 1.4 g/g (day 182) < 1.5 g/g (margin 0.1 g/g)"),
        "{text}"
    );
}
