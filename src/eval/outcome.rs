//! What evaluation reports for one patient: the state on every assessment
//! day (with its doubt and the reason), the best response, events,
//! phenotypes and follow-up.

use super::engine::{Engine, Mode};
use super::memo::Buffers as EngineBuffers;
use super::prepare::{prepare_with, Buffers as PrepareBuffers, NoIndex, Prepared};
use super::summary::Summary;
use super::truth::Truth;
use crate::data::Patient;
use crate::plan::{NamedId, NodeId, Plan};
use serde::Serialize;

/// The state on one assessment day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayState {
    /// Day relative to the index.
    pub day: i64,
    /// The category (index into the plan's categories); `None` is `NE`.
    pub category: Option<usize>,
    /// Whether a line above the category was unknown (`PR?`).
    pub uncertain: bool,
    /// Why the state is uncertain or not evaluable; empty otherwise.
    pub reason: String,
}

/// An event's firings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventOutcome {
    /// The event's name.
    pub name: String,
    /// The days it fired.
    pub days: Vec<i64>,
}

/// Everything reported about one patient under one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientOutcome {
    /// The patient's id.
    pub patient: String,
    /// The state per assessment day.
    pub states: Vec<DayState>,
    /// The best response: a category name, or `NE`.
    pub best_response: String,
    /// The first day the best response was reached (none for the
    /// `otherwise` category and for `NE`).
    pub best_response_day: Option<i64>,
    /// The first day `define remission:` held.
    pub first_remission_day: Option<i64>,
    /// The state on the last assessment day (`PR?` when uncertain).
    pub last_state: Option<String>,
    /// The last observed assessment day.
    pub followup_days: Option<i64>,
    /// Each event's firings, in file order.
    pub events: Vec<EventOutcome>,
    /// Each phenotype, in file order.
    pub phenotypes: Vec<(String, Truth)>,
    /// Why nothing could be evaluated, when that is so.
    pub note: Option<String>,
}

/// The name of the not-evaluable state.
pub const NE: &str = "NE";

impl PatientOutcome {
    /// The name of a day's state (`CR`, `PR?`, `NE`).
    pub fn state_name(plan: &Plan, state: &DayState) -> String {
        state_name(plan, state.category, state.uncertain)
    }

    /// The name of a state given by its category (`None` is `NE`) and
    /// doubt.
    pub fn state_name_of(plan: &Plan, category: Option<usize>, uncertain: bool) -> String {
        state_name(plan, category, uncertain)
    }
}

fn state_name(plan: &Plan, category: Option<usize>, uncertain: bool) -> String {
    match category
        .and_then(|c| plan.categories.get(c))
        .and_then(|&n| plan.named.get(n))
    {
        Some(named) if uncertain => format!("{}?", named.name),
        Some(named) => named.name.clone(),
        None => NE.to_string(),
    }
}

/// What evaluating a patient needs besides the patient, kept from one
/// patient to the next by whoever evaluates many (one per thread).
#[derive(Debug, Default)]
pub struct Workspace {
    prepare: PrepareBuffers,
    engine: EngineBuffers,
    lines: Lines,
}

/// The response lines' truths of one patient, and a day's unknown lines.
#[derive(Debug, Default)]
pub(super) struct Lines {
    /// Per day, each response line's truth (`None`: `otherwise`).
    lines: Vec<Option<Truth>>,
    unknown: Vec<usize>,
}

/// Evaluate one patient.
pub fn evaluate(plan: &Plan, patient: &Patient) -> PatientOutcome {
    evaluate_with(plan, patient, &mut Workspace::default())
}

/// [`evaluate`], reusing the buffers of a workspace.
pub fn evaluate_with(plan: &Plan, patient: &Patient, workspace: &mut Workspace) -> PatientOutcome {
    evaluate_in(plan, patient, workspace, true)
}

/// [`evaluate_with`] without the state of every day (`states` left empty).
pub fn summarize_with(plan: &Plan, patient: &Patient, workspace: &mut Workspace) -> PatientOutcome {
    evaluate_in(plan, patient, workspace, false)
}

fn evaluate_in(
    plan: &Plan,
    patient: &Patient,
    workspace: &mut Workspace,
    keep_states: bool,
) -> PatientOutcome {
    let mut states = Vec::new();
    let evaluated = with_engine(plan, patient, workspace, |p, engine, lines| {
        let keep = keep_states.then_some(&mut states);
        let summary = summary(plan, p, engine, lines, keep);
        outcome(plan, p, engine, summary, states)
    });
    match evaluated {
        Ok(outcome) => outcome,
        Err(NoIndex::DrugNeverGiven(drug)) => not_evaluable(
            plan,
            patient,
            format!("no `{drug}` in the treatments table: the index (day 0) is unknown"),
        ),
    }
}

/// Prepare a patient, run `f` on the prepared patient and an engine over
/// it, and give the buffers back to the workspace.
pub(super) fn with_engine<T>(
    plan: &Plan,
    patient: &Patient,
    workspace: &mut Workspace,
    f: impl FnOnce(&Prepared<'_>, &mut Engine<'_>, &mut Lines) -> T,
) -> Result<T, NoIndex> {
    let prepared = prepare_with(plan, patient, &mut workspace.prepare)?;
    let mut engine = Engine::with_buffers(plan, &prepared, std::mem::take(&mut workspace.engine));
    let result = f(&prepared, &mut engine, &mut workspace.lines);
    workspace.engine = engine.into_buffers();
    prepared.recycle(&mut workspace.prepare);
    Ok(result)
}

fn not_evaluable(plan: &Plan, patient: &Patient, note: String) -> PatientOutcome {
    PatientOutcome {
        patient: patient.id.clone(),
        states: Vec::new(),
        best_response: NE.into(),
        best_response_day: None,
        first_remission_day: None,
        last_state: None,
        followup_days: None,
        events: plan
            .events
            .iter()
            .filter_map(|&e| plan.named.get(e))
            .map(|n| EventOutcome {
                name: n.name.clone(),
                days: Vec::new(),
            })
            .collect(),
        phenotypes: plan
            .phenotypes
            .iter()
            .filter_map(|&p| plan.named.get(p))
            .map(|n| (n.name.clone(), Truth::Unknown))
            .collect(),
        note: Some(note),
    }
}

/// What a prepared patient's days add up to, names left in the plan (its
/// events and phenotypes are asked of the engine apart); each day's state
/// (with the reasons for doubt) into `states` when given.
pub(super) fn summary(
    plan: &Plan,
    p: &Prepared<'_>,
    engine: &mut Engine<'_>,
    workspace: &mut Lines,
    mut states: Option<&mut Vec<DayState>>,
) -> Summary {
    // Every line's truths, day by day, read once from the engine.
    let width = plan.categories.len();
    let Lines { lines, unknown } = workspace;
    lines.clear();
    lines.resize(width * p.days.len(), None);
    for k in 0..width {
        if let Some(body) = line_body(plan, k) {
            let truths = engine.truths(body, Mode::Carried);
            for (i, line) in lines.iter_mut().skip(k).step_by(width).enumerate() {
                *line = Some(truths.get(i).copied().unwrap_or(Truth::Unknown));
            }
        }
    }
    if let Some(states) = states.as_deref_mut() {
        states.reserve_exact(p.days.len());
    }
    // The best category and the first day it was reached; the state on the
    // last day within follow-up (a landmark day added beyond the last
    // observation is not where the record ends).
    let mut best: Option<(usize, i64)> = None;
    let mut last: Option<(Option<usize>, bool)> = None;
    for (i, &day) in p.days.iter().enumerate() {
        let row = lines.get(i * width..(i + 1) * width).unwrap_or_default();
        let (category, uncertain) = day_state(row, unknown);
        if let Some(c) = category {
            if best.is_none_or(|(b, _)| c < b) {
                best = Some((c, day));
            }
        }
        if p.followup.is_some_and(|f| day <= f) {
            last = Some((category, uncertain));
        }
        if let Some(states) = states.as_deref_mut() {
            states.push(DayState {
                day,
                category,
                uncertain,
                reason: reasons(plan, engine, unknown, i),
            });
        }
    }

    let otherwise = plan.categories.len().checked_sub(1);
    let best_is_otherwise = best.is_some_and(|(c, _)| Some(c) == otherwise)
        && otherwise.is_some_and(|k| line_body(plan, k).is_none());
    let best_response_day = match best {
        Some((_, day)) if !best_is_otherwise => Some(day),
        _ => None,
    };
    let first_remission_day = plan.remission.and_then(|r| {
        engine
            .named_truths(r, Mode::Carried)
            .iter()
            .position(|t| *t == Truth::True)
            .and_then(|i| p.days.get(i).copied())
    });
    Summary {
        best: best.map(|(c, _)| c),
        best_response_day,
        first_remission_day,
        last_state: last,
        followup_days: p.followup,
    }
}

fn outcome(
    plan: &Plan,
    p: &Prepared<'_>,
    engine: &mut Engine<'_>,
    summary: Summary,
    states: Vec<DayState>,
) -> PatientOutcome {
    let best_response = summary
        .best
        .and_then(|c| plan.categories.get(c))
        .and_then(|&n| plan.named.get(n))
        .map_or_else(|| NE.to_string(), |n| n.name.clone());
    let last_state = summary
        .last_state
        .map(|(category, uncertain)| state_name(plan, category, uncertain));
    let events = plan
        .events
        .iter()
        .map(|&e| event_outcome(plan, engine, p, e))
        .collect();
    let phenotypes = plan
        .phenotypes
        .iter()
        .map(|&id| {
            let name = plan.named.get(id).map_or(String::new(), |n| n.name.clone());
            (name, engine.phenotype(id))
        })
        .collect();
    PatientOutcome {
        patient: p.patient.id.clone(),
        states,
        best_response,
        best_response_day: summary.best_response_day,
        first_remission_day: summary.first_remission_day,
        last_state,
        followup_days: summary.followup_days,
        events,
        phenotypes,
        note: None,
    }
}

fn event_outcome(
    plan: &Plan,
    engine: &mut Engine<'_>,
    p: &Prepared<'_>,
    id: NamedId,
) -> EventOutcome {
    let days = engine
        .firings(id)
        .iter()
        .filter_map(|&i| p.days.get(i).copied())
        .collect();
    EventOutcome {
        name: plan.named.get(id).map_or(String::new(), |n| n.name.clone()),
        days,
    }
}

/// The condition of the `k`th response line; `None` for `otherwise`.
fn line_body(plan: &Plan, k: usize) -> Option<NodeId> {
    plan.categories
        .get(k)
        .and_then(|&c| plan.named.get(c))
        .and_then(|n| n.body)
}

/// The first true line wins; unknown lines above it make it uncertain; no
/// true line and some unknown: `NE`; all false: `otherwise`. Returns the
/// category and whether it is uncertain, and leaves the unknown lines that
/// count in `unknown`.
fn day_state(lines: &[Option<Truth>], unknown: &mut Vec<usize>) -> (Option<usize>, bool) {
    unknown.clear();
    for (k, line) in lines.iter().enumerate() {
        let truth = match *line {
            Some(truth) => truth,
            // `otherwise`: takes what is left only when nothing is unknown.
            None if unknown.is_empty() => Truth::True,
            None => Truth::False,
        };
        match truth {
            Truth::True => return (Some(k), !unknown.is_empty()),
            Truth::Unknown => unknown.push(k),
            Truth::False => {}
        }
    }
    (None, false)
}

fn reasons(plan: &Plan, engine: &mut Engine<'_>, unknown: &[usize], i: usize) -> String {
    if unknown.is_empty() {
        return String::new();
    }
    unknown
        .iter()
        .filter_map(|&k| {
            let named = plan.categories.get(k).and_then(|&n| plan.named.get(n))?;
            let why = engine.why(named.body?, i, Mode::Carried);
            Some(format!("{} unknown: {why}", named.name))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
