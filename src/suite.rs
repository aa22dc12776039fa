//! Clinical test suites for criteria files: `rules/<stem>.tests.yaml` holds
//! named cases, each a small timeline and the results the source definition
//! says it must give. `nephrules test` runs them.
//!
//! A case goes through the same loader and evaluator as real data: its
//! timeline is written out as the long CSV layout and read back, so every
//! unit spelling and grade works exactly as in a data file.
//!
//! ```yaml
//! cases:
//!   - name: cr-needs-albumin-above-35
//!     note: albumin exactly 35 g/L is not > 35 g/L (Methods)
//!     treatments:
//!       - {drug: rituximab, start: 0, end: 0, dose: 375, unit: mg/m2}
//!     timeline:
//!       - {day: 0, upcr: 5 g/g, albumin: 20 g/L, scr: 100 umol/L}
//!       - {day: 30, upcr: 0.2 g/g, albumin: 35 g/L, scr: 100 umol/L}
//!     expect:
//!       best_response: PR
//!       states: {30: PR}
//! ```

use crate::data::{DataError, LoadOptions, Loader};
use crate::eval::{evaluate, PatientOutcome};
use crate::plan::Plan;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A suite file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The criteria file, relative to the suite (default: the same stem).
    #[serde(default)]
    pub rules: Option<String>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A unique name.
    pub name: String,
    /// What the case shows, and from which part of the source.
    #[serde(default)]
    pub note: Option<String>,
    /// Patient attributes (`weight_kg`, `height_cm`, `sex`, `age`).
    #[serde(default)]
    pub patient: BTreeMap<String, serde_yaml::Value>,
    /// Treatment courses.
    #[serde(default)]
    pub treatments: Vec<Treatment>,
    /// Days, each with `day` and measure values (`upcr: 0.2 g/g`).
    pub timeline: Vec<BTreeMap<String, serde_yaml::Value>>,
    /// What must come out.
    pub expect: Expect,
}

/// A treatment course of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// The drug.
    pub drug: String,
    /// First day.
    pub start: i64,
    /// Last day (absent while ongoing).
    #[serde(default)]
    pub end: Option<i64>,
    /// The dose.
    #[serde(default)]
    pub dose: Option<f64>,
    /// The dose's unit.
    #[serde(default)]
    pub unit: Option<String>,
}

/// Expected results; only those given are checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The best response (`CR`, `PR`, `NR`, `NE`).
    #[serde(default)]
    pub best_response: Option<String>,
    /// Its first day; `~` (null) for none.
    #[serde(default, deserialize_with = "some_option")]
    pub best_response_day: Option<Option<i64>>,
    /// The first remission day; `~` for none.
    #[serde(default, deserialize_with = "some_option")]
    pub first_remission_day: Option<Option<i64>>,
    /// States on given days (`PR?` for an uncertain PR).
    #[serde(default)]
    pub states: BTreeMap<i64, String>,
    /// Each event's firing days.
    #[serde(default)]
    pub events: BTreeMap<String, Vec<i64>>,
    /// Phenotypes: `true`, `false` or `unknown`.
    #[serde(default)]
    pub phenotypes: BTreeMap<String, serde_yaml::Value>,
}

/// A present YAML key with a null value is `Some(None)`.
fn some_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Each mismatch, as `what: expected X, got Y`; empty when it passed.
    pub failures: Vec<String>,
    /// The case's note and the evaluated timeline, for the report.
    pub explanation: String,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Run one case against a plan.
pub fn run_case(plan: &Plan, case: &Case) -> CaseResult {
    let mut result = CaseResult {
        name: case.name.clone(),
        failures: Vec::new(),
        explanation: String::new(),
    };
    let outcome = match load_case(case) {
        Ok(Some(outcome)) => outcome,
        Ok(None) => {
            result.failures.push("the timeline holds no patient".into());
            return result;
        }
        Err(e) => {
            result
                .failures
                .push(format!("the case's data do not load: {e}"));
            return result;
        }
    };
    let outcome = evaluate(plan, &outcome);
    compare(plan, case, &outcome, &mut result.failures);
    result.explanation = explain(plan, case, &outcome);
    result
}

fn load_case(case: &Case) -> Result<Option<crate::data::Patient>, String> {
    let mut obs = String::from("patient,day,measure,value,unit\n");
    for row in &case.timeline {
        let day = row
            .get("day")
            .and_then(serde_yaml::Value::as_i64)
            .ok_or_else(|| "a timeline row without a whole `day`".to_string())?;
        for (measure, value) in row.iter().filter(|(k, _)| k.as_str() != "day") {
            let text = yaml_text(value);
            let (number, unit) = split_value(&text);
            obs.push_str(&format!("case,{day},{measure},{number},{unit}\n"));
        }
    }
    let mut loader = Loader::new(LoadOptions::default());
    loader
        .read_observations("timeline", obs.as_bytes())
        .map_err(describe)?;
    if !case.treatments.is_empty() {
        let mut t = String::from("patient,drug,start,end,dose,unit\n");
        for c in &case.treatments {
            let end = c.end.map_or(String::new(), |e| e.to_string());
            let dose = c.dose.map_or(String::new(), |d| d.to_string());
            t.push_str(&format!(
                "case,{},{},{end},{dose},{}\n",
                c.drug,
                c.start,
                c.unit.as_deref().unwrap_or("")
            ));
        }
        loader
            .read_treatments("treatments", t.as_bytes())
            .map_err(describe)?;
    }
    if !case.patient.is_empty() {
        let keys: Vec<&String> = case.patient.keys().collect();
        let values: Vec<String> = case.patient.values().map(yaml_text).collect();
        let p = format!(
            "patient,{}\ncase,{}\n",
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(","),
            values.join(",")
        );
        loader
            .read_patients("patient", p.as_bytes())
            .map_err(describe)?;
    }
    let dataset = loader.finish().map_err(describe)?.dataset;
    Ok(dataset.patients.into_iter().next())
}

fn describe(e: DataError) -> String {
    e.to_string()
}

fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// `0.2 g/g` → (`0.2`, `g/g`); `3+` → (`3+`, ``).
fn split_value(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((number, unit)) => (number, unit.trim()),
        None => (text, ""),
    }
}

fn compare(plan: &Plan, case: &Case, o: &PatientOutcome, failures: &mut Vec<String>) {
    let e = &case.expect;
    let mut check = |what: &str, expected: String, got: String| {
        if expected != got {
            failures.push(format!("{what}: expected {expected}, got {got}"));
        }
    };
    let day = |d: Option<i64>| d.map_or("none".to_string(), |d| d.to_string());
    if let Some(best) = &e.best_response {
        check("best_response", best.clone(), o.best_response.clone());
    }
    if let Some(d) = e.best_response_day {
        check("best_response_day", day(d), day(o.best_response_day));
    }
    if let Some(d) = e.first_remission_day {
        check("first_remission_day", day(d), day(o.first_remission_day));
    }
    for (d, state) in &e.states {
        let got = o
            .states
            .iter()
            .find(|s| s.day == *d)
            .map_or("no assessment".to_string(), |s| {
                PatientOutcome::state_name(plan, s)
            });
        check(&format!("state on day {d}"), state.clone(), got);
    }
    for (name, days) in &e.events {
        let got = o
            .events
            .iter()
            .find(|ev| ev.name.eq_ignore_ascii_case(name));
        let got = got.map_or("no such event".to_string(), |ev| format!("{:?}", ev.days));
        check(&format!("event {name}"), format!("{days:?}"), got);
    }
    for (name, value) in &e.phenotypes {
        let got = o
            .phenotypes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("no such phenotype".to_string(), |(_, t)| {
                t.word().to_string()
            });
        check(&format!("phenotype {name}"), yaml_text(value), got);
    }
}

fn explain(plan: &Plan, case: &Case, o: &PatientOutcome) -> String {
    let mut out = String::new();
    if let Some(note) = &case.note {
        let _ = writeln!(out, "    note: {note}");
    }
    if let Some(note) = &o.note {
        let _ = writeln!(out, "    {note}");
    }
    for s in &o.states {
        let state = PatientOutcome::state_name(plan, s);
        if s.reason.is_empty() {
            let _ = writeln!(out, "    day {}: {state}", s.day);
        } else {
            let _ = writeln!(out, "    day {}: {state} ({})", s.day, s.reason);
        }
    }
    out
}
