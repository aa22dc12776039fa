//! Evaluation: a compiled [`Plan`](crate::plan::Plan) over patients'
//! timelines, with the semantics of LANGUAGE.md. No I/O happens here.
//!
//! - [`prepare`]: one patient's data on the plan's time axis.
//! - [`engine`]: node evaluation (three-valued) over assessment days.
//! - [`memo`]: the engine's memory of computed truths, reused per thread.
//! - [`treatments`]: exposure, dose, tapering, stops.
//! - [`outcome`]: states, best response, events, phenotypes.
//! - [`summary`]: the same per patient without states or names, for one
//!   row per patient.

pub mod engine;
pub mod explain;
pub mod memo;
pub mod outcome;
pub mod prepare;
pub mod summary;
pub mod treatments;
pub mod truth;

pub use outcome::{
    evaluate, evaluate_with, summarize_with, DayState, EventOutcome, PatientOutcome, Workspace,
};
pub use summary::{summarize_all, EventSummary, Summaries, Summary, SummaryRef};
pub use truth::Truth;

use crate::data::Dataset;
use crate::plan::Plan;
use rayon::prelude::*;

/// Evaluate every patient of a dataset, in parallel, in the dataset's
/// (sorted) patient order.
pub fn evaluate_all(plan: &Plan, dataset: &Dataset) -> Vec<PatientOutcome> {
    dataset
        .patients
        .par_iter()
        .map_init(Workspace::default, |workspace, p| {
            evaluate_with(plan, p, workspace)
        })
        .collect()
}
