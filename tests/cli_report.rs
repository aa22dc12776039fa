//! `nephrules report`: the HTML page of the shipped example, parsed and
//! checked element by element; escaping of hostile ids; exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use scraper::{ElementRef, Html, Selector};
use std::path::{Path, PathBuf};

fn nephrules() -> Command {
    Command::cargo_bin("nephrules").expect("the binary is built")
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    html.select(&selector).collect()
}

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    element.select(&selector).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

const ZHENGZHOU: &str = "zhengzhou-2023-rtx-fsgs";
const KDIGO: &str = "kdigo-2021-fsgs";

/// The example report: written once into a temporary directory.
fn example_report(dir: &Path) -> String {
    let out = dir.join("r.html");
    nephrules()
        .args([
            "report",
            "--rules",
            "rules/zhengzhou-2023-rtx-fsgs.rules",
            "rules/kdigo-2021-fsgs.rules",
            "--data",
            "examples/observations.csv",
            "--treatments",
            "examples/treatments.csv",
            "--patients",
            "examples/patients.csv",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(out).expect("the report is written")
}

#[test]
fn the_example_report_has_every_part() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let raw = example_report(dir.path());
    let html = Html::parse_document(&raw);

    // Summary: one row per file, in the order given, n = 14.
    let rows = select(&html, "table#summary tbody tr");
    assert_eq!(rows.len(), 2);
    for (row, stem) in rows.iter().zip([ZHENGZHOU, KDIGO]) {
        assert_eq!(row.value().attr("data-key"), Some(stem));
        let cells: Vec<String> = within(*row, "td").into_iter().map(text).collect();
        assert_eq!(cells[0], stem);
        assert_eq!(cells[2], "14");
        assert!(cells[3].contains("CR: "), "best responses: {}", cells[3]);
    }
    assert!(raw.contains("(n+1)p"), "the percentile method is named");

    // Agreement: one pair, with kappa and a confusion matrix.
    let pairs = select(&html, "table#agreement tbody tr");
    assert_eq!(pairs.len(), 1);
    let cells: Vec<String> = within(pairs[0], "td").into_iter().map(text).collect();
    assert_eq!(cells[..3], [ZHENGZHOU, KDIGO, "14"]);
    assert_eq!(select(&html, ".confusion table").len(), 1);

    // Swimmer plot: one lane per patient, one band per file in each.
    let swimmer = select(&html, "svg.swimmer");
    assert_eq!(swimmer.len(), 1);
    let lanes = within(swimmer[0], "g.lane");
    assert_eq!(lanes.len(), 14);
    assert_eq!(lanes[0].value().attr("data-patient"), Some("P01"));
    for lane in &lanes {
        let bands = within(*lane, "g.band");
        let stems: Vec<_> = bands
            .iter()
            .map(|b| b.value().attr("data-criteria"))
            .collect();
        assert_eq!(stems, [Some(ZHENGZHOU), Some(KDIGO)]);
    }
    assert!(!within(swimmer[0], "rect.state[data-state=\"CR\"]").is_empty());
    assert!(!within(swimmer[0], "path.relapse").is_empty());
    assert_eq!(select(&html, "#swimmer-legend").len(), 1);

    // Trajectories: three charts per patient; uPCR has Zhengzhou's 0.3 g/g.
    assert_eq!(select(&html, "section.patient").len(), 14);
    let upcr = select(&html, "figure.trajectory[data-measure=\"upcr\"]");
    assert_eq!(upcr.len(), 14);
    let labels: Vec<String> = within(upcr[0], "svg text").into_iter().map(text).collect();
    assert!(
        labels
            .iter()
            .any(|l| l.contains("0.3 g/g") && l.contains("zhengzhou")),
        "threshold labels: {labels:?}"
    );
    assert!(labels
        .iter()
        .any(|l| l.contains("3.5 g/g") && l.contains(KDIGO)));
    assert_eq!(
        select(&html, "figure.trajectory[data-measure=\"albumin\"] svg").len(),
        14
    );
    assert_eq!(
        select(&html, "figure.trajectory[data-measure=\"scr\"] svg").len(),
        14
    );
    let thresholds = select(
        &html,
        "table#thresholds tbody tr[data-key=\"upcr zhengzhou-2023-rtx-fsgs\"]",
    );
    assert_eq!(thresholds.len(), 1);
    assert!(text(thresholds[0]).contains("0.3 g/g"));
}

#[test]
fn the_report_needs_nothing_from_outside() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let raw = example_report(dir.path());
    let html = Html::parse_document(&raw);
    assert!(select(&html, "script").is_empty());
    assert!(select(&html, "link").is_empty());
    assert!(select(&html, "img, iframe, object, embed").is_empty());
    for element in select(&html, "[src], [href]") {
        let value = element
            .value()
            .attr("src")
            .or(element.value().attr("href"))
            .unwrap_or("");
        assert!(value.starts_with('#'), "an outside reference: {value}");
    }
    assert!(!raw.contains("http://") && !raw.contains("https://"));
    assert!(!raw.contains("@import") && !raw.contains("url(http"));
}

/// A tiny cohort whose one patient's id is markup.
fn hostile_data(dir: &Path) -> PathBuf {
    let data = dir.join("hostile.csv");
    std::fs::write(
        &data,
        "patient,day,measure,value,unit\n\
         \"<b>&\"\"\",0,upcr,5,g/g\n\
         \"<b>&\"\"\",0,albumin,20,g/L\n\
         \"<b>&\"\"\",0,scr,80,umol/L\n\
         \"<b>&\"\"\",30,upcr,0.2,g/g\n\
         \"<b>&\"\"\",30,albumin,38,g/L\n\
         \"<b>&\"\"\",30,scr,82,umol/L\n",
    )
    .expect("written");
    data
}

#[test]
fn patient_ids_are_escaped() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = hostile_data(dir.path());
    let out = dir.path().join("r.html");
    nephrules()
        .args(["report", "--rules", "rules/kdigo-2021-fsgs.rules", "--data"])
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let raw = std::fs::read_to_string(&out).expect("the report is written");
    assert!(!raw.contains("<b>&\""), "the raw id is in the page");
    assert!(raw.contains("&lt;b&gt;&amp;&quot;"));
    let html = Html::parse_document(&raw);
    assert!(select(&html, "b").is_empty(), "the id became an element");
    let lanes = select(&html, "svg.swimmer g.lane");
    assert_eq!(lanes.len(), 1);
    assert_eq!(lanes[0].value().attr("data-patient"), Some("<b>&\""));
    let heading = select(&html, "section.patient h3");
    assert_eq!(
        heading.iter().map(|h| text(*h)).collect::<Vec<_>>(),
        ["<b>&\""]
    );
}

#[test]
fn a_missing_output_is_a_usage_error() {
    nephrules()
        .args([
            "report",
            "--rules",
            "rules/kdigo-2021-fsgs.rules",
            "--data",
            "examples/observations.csv",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--output"));
}

#[test]
fn invalid_rules_exit_1_and_write_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rules = dir.path().join("bad.rules");
    std::fs::write(&rules, "criteria \"bad\"\nresponse\n  CR: nonsense < 1\n").expect("written");
    let out = dir.path().join("r.html");
    nephrules()
        .args(["report", "--rules"])
        .arg(&rules)
        .args(["--data", "examples/observations.csv", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.exists());
}

#[test]
fn an_unwritable_output_exits_1() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("no/such/dir/r.html");
    nephrules()
        .args([
            "report",
            "--rules",
            "rules/kdigo-2021-fsgs.rules",
            "--data",
            "examples/observations.csv",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]
fn help_shows_an_example() {
    nephrules()
        .args(["report", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Example").and(predicate::str::contains("-o report.html")),
        );
}
