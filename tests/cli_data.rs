//! `nephrules data` from the outside: output formats, the summary, exit
//! codes and the reports of bad rows.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;
use std::path::PathBuf;

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .unwrap_or_else(|e| panic!("{e}"));
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    f
}

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").unwrap_or_else(|e| panic!("{e}"))
}

const GOOD: &str = "patient,day,measure,value,unit\n\
                    p2,0,uPCR,339.36,mg/mmol\n\
                    p1,14,albumin,3.2,g/dL\n\
                    p1,0,scr,1,mg/dL\n\
                    p1,0,dipstick,3+,\n\
                    p1,0,haematocrit,31,%\n";

#[test]
fn help_shows_an_example() {
    nephrules()
        .args(["data", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Example:")
                .and(predicate::str::contains("--map mappings/synthea.yaml")),
        );
}

#[test]
fn wrong_usage_exits_2() {
    nephrules().args(["data"]).assert().code(2);
    nephrules()
        .args(["data", "--data", "x.csv", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn csv_output_is_normalized_and_sorted() {
    let f = file(GOOD);
    let out = nephrules()
        .args(["data", "--format", "csv", "--data"])
        .arg(f.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "patient,time,measure,value,unit");
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with("p1,0,scr,88.42"), "{text}");
    assert!(lines[1].ends_with(",µmol/L"), "{text}");
    assert_eq!(lines[2], "p1,0,dipstick,3+,");
    assert_eq!(lines[3], "p1,14,albumin,32,g/L");
    assert_eq!(lines[4], "p2,0,upcr,3,g/g");
}

#[test]
fn dates_print_back_as_dates_and_json_is_an_array() {
    let f = file("patient,date,measure,value,unit\np,2021-03-04T10:00:00Z,upcr,0.5,g/g\n");
    nephrules()
        .args(["data", "--format", "json", "--data"])
        .arg(f.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            r#"{"patient":"p","time":"2021-03-04","measure":"upcr","value":0.5,"unit":"g/g"}"#,
        ));
}

#[test]
fn summary_json_accounts_for_every_row() {
    let f = file(GOOD);
    let out = nephrules()
        .args(["data", "--summary", "--format", "json", "--data"])
        .arg(f.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    assert_eq!(v["rows"], 5);
    assert_eq!(v["used"], 4);
    assert_eq!(v["not_used"], 1);
    assert_eq!(v["skipped"], 0);
    assert_eq!(v["measures"]["albumin"]["units"]["g/dL"], 1);
    assert_eq!(v["units"]["mg/mmol"], 1);
    assert_eq!(v["not_used_codes"]["haematocrit"], 1);
}

#[test]
fn summary_table_for_people() {
    let f = file(GOOD);
    let out = nephrules()
        .args(["data", "--summary", "--data"])
        .arg(f.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn a_bad_row_exits_1_naming_file_line_and_reason() {
    let f = file("patient,day,measure,value,unit\np,0,upcr,1,g/g\np,1,upcr,lots,g/g\n");
    nephrules()
        .args(["data", "--data"])
        .arg(f.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("line 3, column `value`: `lots` is not a number")
                .and(predicate::str::contains("nephrules::data::not_a_number")),
        );
}

#[test]
fn skip_bad_rows_reports_each_and_the_number_skipped() {
    let f = file("patient,day,measure,value,unit\np,0,upcr,1,g/g\np,1,upcr,lots,g/g\np,2,albumin,30,g/g\np,0,upcr,1,g/g\n");
    nephrules()
        .args([
            "data",
            "--skip-bad-rows",
            "--summary",
            "--format",
            "csv",
            "--data",
        ])
        .arg(f.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("skipped,,,3"))
        .stderr(
            predicate::str::contains("line 3, column `value`")
                .and(predicate::str::contains("line 4, column `unit`"))
                .and(predicate::str::contains(
                    "line 5, column `value`: the same row as line 2",
                ))
                .and(predicate::str::contains("skipped 3 bad rows")),
        );
}

#[test]
fn unreadable_input_and_bad_mappings_exit_1() {
    nephrules()
        .args(["data", "--data", "/nonexistent/obs.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot read `/nonexistent/obs.csv`",
        ));
    let empty = file("");
    nephrules()
        .args(["data", "--data"])
        .arg(empty.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no header line"));
    let data = file(GOOD);
    let mut map = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .unwrap_or_else(|e| panic!("{e}"));
    map.write_all(b"measures:\n  albumen: [x]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    nephrules()
        .args(["data", "--data"])
        .arg(data.path())
        .arg("--map")
        .arg(map.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("`albumen` is not a measure")
                .and(predicate::str::contains("did you mean `albumin`?")),
        );
}

#[test]
fn synthea_through_its_mapping() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../shared/data/synthea/observations.csv");
    if !data.exists() {
        eprintln!("note: {} is absent; test skipped", data.display());
        return;
    }
    let out = nephrules()
        .args(["data", "--summary", "--format", "json", "--data"])
        .arg(&data)
        .arg("--map")
        .arg(root.join("mappings/synthea.yaml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    let n = |k: &str| v[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(n("rows"), n("used") + n("not_used") + n("skipped"));
    assert_eq!(v["measures"]["scr"]["used"], 182);
}
