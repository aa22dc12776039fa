//! `nephrules explain`: one patient's trace under one criteria file, for an
//! adjudication committee: each assessment day's state and, under it, each
//! response line with the values, reference points, thresholds and margins
//! that decided it.

use super::eval::compile_all;
use super::inputs::{self, DataArgs};
use super::EXIT_INVALID;
use crate::data::Dataset;
use crate::eval::engine::{Engine, Mode};
use crate::eval::explain::{Explainer, Trace};
use crate::eval::prepare::prepare;
use crate::eval::{evaluate, PatientOutcome, Truth};
use crate::plan::Plan;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules explain --rules rules/zhengzhou-2023-rtx-fsgs.rules \\\n      \
    --data examples/observations.csv --treatments examples/treatments.csv --patient P04 --day 30"
)]
pub struct Args {
    /// The criteria file.
    #[arg(long, value_name = "FILE")]
    pub rules: PathBuf,
    /// The data.
    #[command(flatten)]
    pub inputs: DataArgs,
    /// The patient's id.
    #[arg(long)]
    pub patient: String,
    /// Only this assessment day (relative to the index).
    #[arg(long)]
    pub day: Option<i64>,
    /// `text` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An indented trace.
    Text,
    /// The same as JSON.
    Json,
}

/// One day of an explanation.
#[derive(Debug, Clone, Serialize)]
pub struct DayExplanation {
    /// Day relative to the index.
    pub day: i64,
    /// The state (`PR?` when uncertain, `NE`).
    pub state: String,
    /// Each response line tried, top to bottom, down to the one that won.
    pub lines: Vec<LineExplanation>,
}

/// One response line on one day.
#[derive(Debug, Clone, Serialize)]
pub struct LineExplanation {
    /// The category.
    pub name: String,
    /// Its truth.
    pub truth: Truth,
    /// Its trace (none for `otherwise`).
    pub trace: Option<Trace>,
}

/// A whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The criteria file's stem.
    pub criteria: String,
    /// The file's title.
    pub title: String,
    /// The patient.
    pub patient: String,
    /// Lines about the whole record: index, baselines, results.
    pub summary: Vec<String>,
    /// The days explained.
    pub days: Vec<DayExplanation>,
}

/// Run `explain`.
pub fn run(args: &Args) -> ExitCode {
    let Some(compiled) = compile_all(std::slice::from_ref(&args.rules)) else {
        return ExitCode::from(EXIT_INVALID);
    };
    let Some(c) = compiled.into_iter().next() else {
        eprintln!("error: no criteria file at {}", args.rules.display());
        return ExitCode::from(EXIT_INVALID);
    };
    let Ok(loaded) = inputs::load(&args.inputs) else {
        return ExitCode::from(EXIT_INVALID);
    };
    let explanation = match explain(&c.stem, &c.plan, &loaded.dataset, &args.patient, args.day) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&explanation) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_INVALID);
            }
        },
        Format::Text => print!("{}", render(&explanation)),
    }
    ExitCode::SUCCESS
}

/// Explain one patient (one day, or every assessment day).
pub fn explain(
    stem: &str,
    plan: &Plan,
    dataset: &Dataset,
    patient_id: &str,
    only: Option<i64>,
) -> Result<Explanation, String> {
    let patient = dataset
        .patient(patient_id)
        .ok_or_else(|| format!("no patient `{patient_id}` in the data"))?;
    let outcome = evaluate(plan, patient);
    let mut explanation = Explanation {
        criteria: stem.to_string(),
        title: plan.title.clone(),
        patient: patient.id.clone(),
        summary: Vec::new(),
        days: Vec::new(),
    };
    let prepared = match prepare(plan, patient) {
        Ok(p) => p,
        Err(_) => {
            explanation
                .summary
                .push(outcome.note.clone().unwrap_or_default());
            return Ok(explanation);
        }
    };
    let mut engine = Engine::new(plan, &prepared);
    let mut explainer = Explainer::new(&mut engine, plan, dataset);
    explanation.summary = summary(plan, &outcome, &mut explainer, prepared.index);
    if let Some(day) = only {
        if !prepared.days.contains(&day) {
            let days: Vec<String> = prepared.days.iter().map(i64::to_string).collect();
            return Err(format!(
                "day {day} is not an assessment day of `{patient_id}` (those are: {})",
                days.join(", ")
            ));
        }
    }
    for (i, state) in outcome.states.iter().enumerate() {
        if only.is_some_and(|d| d != state.day) {
            continue;
        }
        let chosen = state.category.unwrap_or(plan.categories.len());
        let mut lines = Vec::new();
        for (k, &named) in plan.categories.iter().enumerate().take(chosen + 1) {
            let Some(n) = plan.named.get(named) else {
                continue;
            };
            let (truth, trace) = match n.body {
                Some(body) => {
                    let trace = explainer.trace(body, i, Mode::Carried);
                    (trace.truth, Some(trace))
                }
                None => (Truth::from_bool(state.category == Some(k)), None),
            };
            lines.push(LineExplanation {
                name: n.name.clone(),
                truth,
                trace,
            });
        }
        explanation.days.push(DayExplanation {
            day: state.day,
            state: PatientOutcome::state_name(plan, state),
            lines,
        });
    }
    Ok(explanation)
}

fn summary(plan: &Plan, o: &PatientOutcome, x: &mut Explainer<'_, '_>, index: i64) -> Vec<String> {
    let mut lines = Vec::new();
    let index_text = match plan.index_drug.and_then(|d| plan.drugs.get(d)) {
        Some(drug) => format!(
            "day 0 is the first {} ({})",
            drug.name,
            match x.time_kind() {
                crate::data::TimeKind::Day => format!("data day {index}"),
                kind => crate::data::time::format(index, kind),
            }
        ),
        None => "day 0 is day 0 of the data".to_string(),
    };
    lines.push(format!("index: {index_text}"));
    if let Some(rule) = plan.baseline {
        let parts: Vec<String> = (0..plan.measures.len())
            .filter_map(|slot| x.baseline_text(slot))
            .collect();
        lines.push(format!(
            "baseline ({} value from {} to {}): {}",
            format!("{:?}", rule.pick).to_lowercase(),
            x.day_text(rule.from as i64),
            x.day_text(rule.to as i64),
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join("; ")
            }
        ));
    }
    let day = |d: Option<i64>| d.map_or("none".to_string(), |d| format!("day {d}"));
    lines.push(format!(
        "best response: {} (first reached: {}); first remission: {}; follow-up: {}",
        o.best_response,
        day(o.best_response_day),
        day(o.first_remission_day),
        o.followup_days
            .map_or("none".to_string(), |d| format!("{d} days"))
    ));
    for e in &o.events {
        let days: Vec<String> = e.days.iter().map(i64::to_string).collect();
        lines.push(format!(
            "event {}: {} (days [{}])",
            e.name,
            e.days.len(),
            days.join(", ")
        ));
    }
    for (name, truth) in &o.phenotypes {
        lines.push(format!("phenotype {name}: {}", truth.word()));
    }
    lines
}

/// The explanation as text.
pub fn render(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}), patient {}", e.title, e.criteria, e.patient);
    for line in &e.summary {
        let _ = writeln!(out, "  {line}");
    }
    for day in &e.days {
        let _ = writeln!(out, "\nday {}: {}", day.day, day.state);
        for line in &day.lines {
            let _ = writeln!(out, "  {}: {}", line.name, line.truth.word());
            if let Some(trace) = &line.trace {
                trace.render(4, &mut out);
            }
        }
    }
    out
}
