//! Evaluation: a compiled [`Plan`](crate::plan::Plan) over patients'
//! timelines, with the semantics of LANGUAGE.md. No I/O happens here.
//!
//! - [`prepare`]: one patient's data on the plan's time axis.
//! - [`engine`]: node evaluation (three-valued) over assessment days.
//! - [`memo`]: the engine's memory of computed truths, reused per thread.
//! - [`treatments`]: exposure, dose, tapering, stops.
//! - [`outcome`]: states, best response, events, phenotypes.

pub mod engine;
pub mod explain;
pub mod memo;
pub mod outcome;
pub mod prepare;
pub mod treatments;
pub mod truth;

pub use outcome::{
    evaluate, evaluate_with, summarize_with, DayState, EventOutcome, PatientOutcome, Workspace,
};
pub use truth::Truth;

use crate::data::Dataset;
use crate::plan::Plan;
use rayon::prelude::*;

/// Evaluate every patient of a dataset, in parallel, in the dataset's
/// (sorted) patient order.
pub fn evaluate_all(plan: &Plan, dataset: &Dataset) -> Vec<PatientOutcome> {
    evaluate_patients(plan, dataset, true)
}

/// [`evaluate_all`] without the state of every day (`states` left empty):
/// the summaries alone take a small part of the memory.
pub fn summarize_all(plan: &Plan, dataset: &Dataset) -> Vec<PatientOutcome> {
    evaluate_patients(plan, dataset, false)
}

fn evaluate_patients(plan: &Plan, dataset: &Dataset, keep_states: bool) -> Vec<PatientOutcome> {
    dataset
        .patients
        .par_iter()
        .map_init(Workspace::default, |workspace, p| {
            if keep_states {
                evaluate_with(plan, p, workspace)
            } else {
                summarize_with(plan, p, workspace)
            }
        })
        .collect()
}
