//! What one row per patient needs of a cohort's evaluation: each patient's
//! best response, days and last state as indices into the plan, and each
//! event's and phenotype's result, kept in a few flat vectors per block of
//! patients. Summarizing a cohort so allocates nothing per patient; the
//! names stay in the plan (see [`PatientOutcome`](super::PatientOutcome)
//! for the full outcome, with names and states).

use super::engine::Engine;
use super::outcome::{summary, with_engine, Lines, Workspace};
use super::prepare::Prepared;
use super::truth::Truth;
use crate::data::{Dataset, Observation, Patient};
use crate::plan::Plan;
use rayon::prelude::*;

/// One patient's summary under one file: what its days add up to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The best response: an index into the plan's categories; `None` is
    /// `NE`.
    pub best: Option<usize>,
    /// The first day the best response was reached (none for the
    /// `otherwise` category and for `NE`).
    pub best_response_day: Option<i64>,
    /// The first day `define remission:` held.
    pub first_remission_day: Option<i64>,
    /// The state on the last assessment day within follow-up: the category
    /// (`None` is `NE`) and whether it is uncertain.
    pub last_state: Option<(Option<usize>, bool)>,
    /// The last observed assessment day.
    pub followup_days: Option<i64>,
}

/// An event's firings for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSummary {
    /// How many times it fired.
    pub count: usize,
    /// The first day it fired.
    pub first_day: Option<i64>,
}

/// The summaries of consecutive patients.
#[derive(Debug, Clone, Default, PartialEq)]
struct Block {
    /// One per patient.
    patients: Vec<Summary>,
    /// The patients' ids one after the other (copied while the patient is
    /// at hand, so that writing the rows reads them in order)...
    ids: String,
    /// ... and where each ends.
    id_ends: Vec<usize>,
    /// Per patient, one per event of the plan, in the plan's order.
    events: Vec<EventSummary>,
    /// Per patient, one per phenotype of the plan, in the plan's order.
    phenotypes: Vec<Truth>,
}

/// Every patient's summary under one file, in the dataset's patient order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summaries {
    blocks: Vec<Block>,
    events: usize,
    phenotypes: usize,
}

/// One patient's summary with its events and phenotypes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryRef<'a> {
    /// The patient's index in the dataset.
    pub patient: usize,
    /// The patient's id.
    pub id: &'a str,
    /// The summary.
    pub summary: &'a Summary,
    /// One per event of the plan, in the plan's order.
    pub events: &'a [EventSummary],
    /// One per phenotype of the plan, in the plan's order.
    pub phenotypes: &'a [Truth],
}

/// How many patients a block holds: enough that its three vectors cost
/// little per patient, few enough to share the work among threads.
const BLOCK: usize = 256;

impl Summaries {
    /// The number of patients.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.patients.len()).sum()
    }

    /// Whether there is no patient.
    pub fn is_empty(&self) -> bool {
        self.blocks.iter().all(|b| b.patients.is_empty())
    }

    /// The summaries in patient order.
    pub fn iter(&self) -> impl Iterator<Item = SummaryRef<'_>> + '_ {
        (0..self.blocks.len()).flat_map(move |k| self.block(k))
    }

    /// How many blocks of consecutive patients the summaries are kept in.
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// The summaries of block `k`'s patients, in patient order.
    pub fn block(&self, k: usize) -> impl Iterator<Item = SummaryRef<'_>> + '_ {
        let (e, f) = (self.events, self.phenotypes);
        self.blocks.get(k).into_iter().flat_map(move |b| {
            let mut start = 0;
            b.patients.iter().enumerate().map(move |(j, summary)| {
                let end = b.id_ends.get(j).copied().unwrap_or(start);
                let id = b.ids.get(start..end).unwrap_or_default();
                start = end;
                SummaryRef {
                    patient: k * BLOCK + j,
                    id,
                    summary,
                    events: b.events.get(j * e..(j + 1) * e).unwrap_or_default(),
                    phenotypes: b.phenotypes.get(j * f..(j + 1) * f).unwrap_or_default(),
                }
            })
        })
    }
}

/// Summarize every patient of a dataset, in parallel.
pub fn summarize_all(plan: &Plan, dataset: &Dataset) -> Summaries {
    let blocks = dataset
        .patients
        .par_chunks(BLOCK)
        .map_init(Workspace::default, |workspace, patients| {
            summarize_block(plan, patients, workspace)
        })
        .collect();
    Summaries {
        blocks,
        events: plan.events.len(),
        phenotypes: plan.phenotypes.len(),
    }
}

fn summarize_block(plan: &Plan, patients: &[Patient], workspace: &mut Workspace) -> Block {
    let mut block = Block {
        patients: Vec::with_capacity(patients.len()),
        ids: String::with_capacity(patients.iter().map(|p| p.id.len()).sum()),
        id_ends: Vec::with_capacity(patients.len()),
        events: Vec::with_capacity(patients.len() * plan.events.len()),
        phenotypes: Vec::with_capacity(patients.len() * plan.phenotypes.len()),
    };
    for (j, patient) in patients.iter().enumerate() {
        if let Some(next) = patients.get(j + 2) {
            warm(next);
        }
        block.ids.push_str(&patient.id);
        block.id_ends.push(block.ids.len());
        let summarized = with_engine(plan, patient, workspace, |p, engine, lines| {
            summarize(plan, p, engine, lines, &mut block)
        });
        if summarized.is_err() {
            // No index: nothing could be evaluated.
            block.patients.push(Summary {
                best: None,
                best_response_day: None,
                first_remission_day: None,
                last_state: None,
                followup_days: None,
            });
            block
                .events
                .extend(plan.events.iter().map(|_| EventSummary {
                    count: 0,
                    first_day: None,
                }));
            block
                .phenotypes
                .extend(plan.phenotypes.iter().map(|_| Truth::Unknown));
        }
    }
    block
}

fn summarize(
    plan: &Plan,
    p: &Prepared<'_>,
    engine: &mut Engine<'_>,
    lines: &mut Lines,
    block: &mut Block,
) {
    block.patients.push(summary(plan, p, engine, lines, None));
    for &e in &plan.events {
        let mut days = engine.firings(e).iter().filter_map(|&i| p.days.get(i));
        let first_day = days.next().copied();
        let count = usize::from(first_day.is_some()) + days.count();
        block.events.push(EventSummary { count, first_day });
    }
    for &id in &plan.phenotypes {
        block.phenotypes.push(engine.phenotype(id));
    }
}

/// Read one observation in every cache line of a patient's timeline, and
/// a byte of its id and of its courses' drug names, before the patient is
/// needed: timelines lie in the loader's order, not the patients', so each
/// would otherwise start with misses that stall one after the other; read
/// together while the patient before is evaluated, they overlap.
fn warm(patient: &Patient) {
    let step = (64 / std::mem::size_of::<Observation>()).max(1);
    let mut x = patient.id.as_bytes().first().copied().map_or(0, i64::from);
    for course in &patient.courses {
        x ^= course.drug.as_bytes().first().copied().map_or(0, i64::from);
    }
    for o in patient.observations.iter().step_by(step) {
        x ^= i64::from(o.day);
    }
    std::hint::black_box(x);
}
