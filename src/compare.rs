//! Definitions side by side over one cohort: the summary each paper would
//! report, agreement between every pair of files, and the patients on whom
//! they disagree with the clause that splits them. No I/O here; the JSON
//! form of [`Comparison`] is a documented contract (README).

use crate::data::Dataset;
use crate::eval::engine::{Engine, Mode};
use crate::eval::explain::{Explainer, Trace};
use crate::eval::outcome::NE;
use crate::eval::prepare::prepare;
use crate::eval::{PatientOutcome, Truth};
use crate::plan::Plan;
use crate::stats::{cohen_kappa, quartiles, PERCENTILE_METHOD};
use crate::units::DAYS_PER_MONTH;
use serde::Serialize;
use std::collections::BTreeMap;

/// One criteria file's results over the cohort.
pub struct Evaluated<'a> {
    /// The file's stem.
    pub stem: &'a str,
    /// Its plan.
    pub plan: &'a Plan,
    /// One outcome per patient, in the dataset's order.
    pub outcomes: &'a [PatientOutcome],
}

/// A landmark: a label (`3m`) and its day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Landmark {
    /// As written (`3m`, `12w`, `90d`).
    pub label: String,
    /// Its day from the index.
    pub day: f64,
}

impl Landmark {
    /// Read `3m`, `6m`, `12w`, `90d`, `1y`.
    pub fn parse(text: &str) -> Result<Landmark, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let n: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a landmark such as 3m, 12w or 90d"))?;
        let days = match unit {
            "d" => 1.0,
            "w" => 7.0,
            "m" => DAYS_PER_MONTH,
            "y" => crate::units::DAYS_PER_YEAR,
            _ => return Err(format!("`{text}`: the unit must be d, w, m or y")),
        };
        Ok(Landmark {
            label: text.to_string(),
            day: n * days,
        })
    }
}

/// Time to first remission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToRemission {
    /// Patients who remitted.
    pub n: usize,
    /// Median days.
    pub median: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// How the percentiles are computed.
    pub method: &'static str,
}

/// The states on the assessment nearest a landmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandmarkStates {
    /// The landmark's day.
    pub day: f64,
    /// Patients per state (`none` for no assessment within the window).
    pub counts: BTreeMap<String, usize>,
}

/// Counts of a phenotype's values.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhenotypeCounts {
    /// Patients for whom it is true.
    #[serde(rename = "true")]
    pub yes: usize,
    /// False.
    #[serde(rename = "false")]
    pub no: usize,
    /// Unknown.
    pub unknown: usize,
}

/// The cohort summary of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The file's stem.
    pub criteria: String,
    /// Its title.
    pub title: String,
    /// Patients.
    pub n: usize,
    /// Patients per best response, categories in file order then `NE`.
    pub counts: BTreeMap<String, usize>,
    /// The categories in file order, then `NE` (the order of `counts` for people).
    pub categories: Vec<String>,
    /// Percent of `n` per best response.
    pub percent: BTreeMap<String, f64>,
    /// Days to the first remission (`define remission:`).
    pub time_to_remission_days: TimeToRemission,
    /// Firings of the `relapse` event in all (`None` without one).
    pub relapses: Option<usize>,
    /// Days of follow-up in all.
    pub followup_days: i64,
    /// Relapses per patient-month of follow-up (months of 30.4375 days).
    pub relapses_per_patient_month: Option<f64>,
    /// States at each landmark.
    pub landmarks: BTreeMap<String, LandmarkStates>,
    /// Each phenotype's counts.
    pub phenotypes: BTreeMap<String, PhenotypeCounts>,
}

/// Agreement of two files' best responses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// The first file.
    pub a: String,
    /// The second file.
    pub b: String,
    /// Patients compared.
    pub n: usize,
    /// Observed agreement (a fraction).
    pub agreement: f64,
    /// Cohen's kappa (`None` when undefined).
    pub kappa: Option<f64>,
    /// Its 95% confidence interval.
    pub kappa_ci: Option<[f64; 2]>,
    /// How the interval is computed.
    pub kappa_method: &'static str,
    /// The categories of both files, A's first: the order of the
    /// confusion matrix's rows and columns.
    pub labels: Vec<String>,
    /// Patients by A's best response (rows) and B's (columns).
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

/// A patient two files disagree on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discordant {
    /// The patient.
    pub patient: String,
    /// The first file.
    pub a: String,
    /// The second file.
    pub b: String,
    /// A's best response.
    pub a_result: String,
    /// B's best response.
    pub b_result: String,
    /// What splits them, with values.
    pub explanation: String,
}

/// Everything `compare` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// One summary per file.
    pub summary: Vec<Summary>,
    /// One agreement per pair of files.
    pub agreement: Vec<Agreement>,
    /// The discordant patients of every pair.
    pub discordant: Vec<Discordant>,
}

/// The kappa interval's method, printed beside it.
pub const KAPPA_METHOD: &str =
    "kappa ± 1.96 SE, SE of Fleiss, Cohen & Everitt (1969), clipped to [-1, 1]";

/// Compare files evaluated over one dataset.
pub fn compare(
    files: &[Evaluated<'_>],
    dataset: &Dataset,
    landmarks: &[Landmark],
    window: f64,
) -> Comparison {
    let summary = files
        .iter()
        .map(|f| summarize(f, landmarks, window))
        .collect();
    let mut agreement = Vec::new();
    let mut discordant = Vec::new();
    for (i, a) in files.iter().enumerate() {
        for b in files.iter().skip(i + 1) {
            agreement.push(agree(a, b));
            discordant.extend(disagreements(a, b, dataset));
        }
    }
    Comparison {
        summary,
        agreement,
        discordant,
    }
}

fn category_names(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = plan
        .categories
        .iter()
        .filter_map(|&c| plan.named.get(c))
        .map(|n| n.name.clone())
        .collect();
    names.push(NE.to_string());
    names
}

fn summarize(f: &Evaluated<'_>, landmarks: &[Landmark], window: f64) -> Summary {
    let n = f.outcomes.len();
    let categories = category_names(f.plan);
    let mut counts: BTreeMap<String, usize> = categories.iter().map(|c| (c.clone(), 0)).collect();
    for o in f.outcomes {
        *counts.entry(o.best_response.clone()).or_insert(0) += 1;
    }
    let percent = counts
        .iter()
        .map(|(k, &v)| {
            (
                k.clone(),
                if n == 0 {
                    0.0
                } else {
                    100.0 * v as f64 / n as f64
                },
            )
        })
        .collect();
    let remission_days: Vec<f64> = f
        .outcomes
        .iter()
        .filter_map(|o| o.first_remission_day)
        .map(|d| d as f64)
        .collect();
    let q = quartiles(&remission_days);
    let has_relapse = f.plan.events.iter().any(|&e| {
        f.plan
            .named
            .get(e)
            .is_some_and(|n| n.name.eq_ignore_ascii_case("relapse"))
    });
    let relapses = has_relapse.then(|| {
        f.outcomes
            .iter()
            .flat_map(|o| o.events.iter())
            .filter(|e| e.name.eq_ignore_ascii_case("relapse"))
            .map(|e| e.days.len())
            .sum::<usize>()
    });
    let followup_days: i64 = f.outcomes.iter().filter_map(|o| o.followup_days).sum();
    let patient_months = followup_days as f64 / DAYS_PER_MONTH;
    let relapses_per_patient_month =
        relapses.and_then(|r| (patient_months > 0.0).then(|| r as f64 / patient_months));
    let landmarks = landmarks
        .iter()
        .map(|l| {
            let mut counts = BTreeMap::new();
            for o in f.outcomes {
                let nearest = o
                    .states
                    .iter()
                    .filter(|s| (s.day as f64 - l.day).abs() <= window)
                    .min_by(|x, y| {
                        (x.day as f64 - l.day)
                            .abs()
                            .total_cmp(&(y.day as f64 - l.day).abs())
                    });
                let state = nearest.map_or("none".to_string(), |s| {
                    PatientOutcome::state_name(f.plan, s)
                });
                *counts.entry(state).or_insert(0) += 1;
            }
            (l.label.clone(), LandmarkStates { day: l.day, counts })
        })
        .collect();
    let mut phenotypes: BTreeMap<String, PhenotypeCounts> = BTreeMap::new();
    for o in f.outcomes {
        for (name, truth) in &o.phenotypes {
            let c = phenotypes.entry(name.clone()).or_default();
            match truth {
                Truth::True => c.yes += 1,
                Truth::False => c.no += 1,
                Truth::Unknown => c.unknown += 1,
            }
        }
    }
    Summary {
        criteria: f.stem.to_string(),
        title: f.plan.title.clone(),
        n,
        counts,
        categories,
        percent,
        time_to_remission_days: TimeToRemission {
            n: remission_days.len(),
            median: q.map(|q| q.median),
            p25: q.map(|q| q.p25),
            p75: q.map(|q| q.p75),
            method: PERCENTILE_METHOD,
        },
        relapses,
        followup_days,
        relapses_per_patient_month,
        landmarks,
        phenotypes,
    }
}

fn agree(a: &Evaluated<'_>, b: &Evaluated<'_>) -> Agreement {
    // The categories of both files, A's first: a category one file lacks is
    // a row or column of zeros for the other.
    let mut labels = category_names(a.plan);
    for c in category_names(b.plan) {
        if !labels.contains(&c) {
            labels.push(c);
        }
    }
    let index = |name: &str| labels.iter().position(|l| l == name).unwrap_or(0);
    let mut table = vec![vec![0usize; labels.len()]; labels.len()];
    let mut n = 0;
    for (x, y) in a.outcomes.iter().zip(b.outcomes) {
        if x.patient != y.patient {
            continue;
        }
        n += 1;
        if let Some(cell) = table
            .get_mut(index(&x.best_response))
            .and_then(|r| r.get_mut(index(&y.best_response)))
        {
            *cell += 1;
        }
    }
    let k = cohen_kappa(&table);
    let confusion = labels
        .iter()
        .zip(&table)
        .map(|(row, counts)| {
            (
                row.clone(),
                labels.iter().cloned().zip(counts.iter().copied()).collect(),
            )
        })
        .collect();
    Agreement {
        a: a.stem.to_string(),
        b: b.stem.to_string(),
        n,
        agreement: k.agreement,
        kappa: k.kappa,
        kappa_ci: k.ci.map(|(lo, hi)| [lo, hi]),
        kappa_method: KAPPA_METHOD,
        labels,
        confusion,
    }
}

fn disagreements(a: &Evaluated<'_>, b: &Evaluated<'_>, dataset: &Dataset) -> Vec<Discordant> {
    let mut out = Vec::new();
    for (x, y) in a.outcomes.iter().zip(b.outcomes) {
        if x.patient != y.patient || x.best_response == y.best_response {
            continue;
        }
        let Some(patient) = dataset.patient(&x.patient) else {
            continue;
        };
        // Explain the category one file reached and the other did not: B's
        // best when A ranks it above its own, else A's best.
        let rank = |name: &str| category_of(a.plan, name);
        let b_reached_more = match (rank(&x.best_response), rank(&y.best_response)) {
            (Some(ra), Some(rb)) => rb < ra,
            (None, Some(_)) => true,
            _ => false,
        };
        let (a_side, b_side) = match (x.best_response_day, y.best_response_day) {
            (_, Some(day)) if b_reached_more => (
                side(
                    a,
                    x,
                    dataset,
                    patient,
                    &y.best_response,
                    Some(day),
                    Truth::False,
                ),
                side(
                    b,
                    y,
                    dataset,
                    patient,
                    &y.best_response,
                    Some(day),
                    Truth::True,
                ),
            ),
            (Some(day), _) if category_of(b.plan, &x.best_response).is_some() => (
                side(
                    a,
                    x,
                    dataset,
                    patient,
                    &x.best_response,
                    Some(day),
                    Truth::True,
                ),
                side(
                    b,
                    y,
                    dataset,
                    patient,
                    &x.best_response,
                    Some(day),
                    Truth::False,
                ),
            ),
            _ => (
                side(
                    a,
                    x,
                    dataset,
                    patient,
                    &x.best_response,
                    x.best_response_day,
                    Truth::True,
                ),
                side(
                    b,
                    y,
                    dataset,
                    patient,
                    &y.best_response,
                    y.best_response_day,
                    Truth::True,
                ),
            ),
        };
        out.push(Discordant {
            patient: x.patient.clone(),
            a: a.stem.to_string(),
            b: b.stem.to_string(),
            a_result: x.best_response.clone(),
            b_result: y.best_response.clone(),
            explanation: format!(
                "{} under {}: {a_side}; {} under {}: {b_side}",
                x.best_response, a.stem, y.best_response, b.stem
            ),
        });
    }
    out
}

fn category_of(plan: &Plan, name: &str) -> Option<usize> {
    plan.categories
        .iter()
        .position(|&c| plan.named.get(c).is_some_and(|n| n.name == name))
}

/// The clauses of `category`'s line on `day` that have `truth` (the true
/// ones that made it, or the false and unknown ones that stopped it).
fn side(
    f: &Evaluated<'_>,
    outcome: &PatientOutcome,
    dataset: &Dataset,
    patient: &crate::data::Patient,
    category: &str,
    day: Option<i64>,
    truth: Truth,
) -> String {
    let Some(day) = day else {
        return match &outcome.note {
            Some(note) => note.clone(),
            None if category == NE => "no assessment day could be evaluated".into(),
            None => "no line above it held on any assessment day".into(),
        };
    };
    let Some(line) = category_of(f.plan, category)
        .and_then(|k| f.plan.categories.get(k))
        .and_then(|&c| f.plan.named.get(c))
    else {
        return format!("on day {day}");
    };
    let Some(body) = line.body else {
        return format!("on day {day}, no line above it held");
    };
    let Ok(prepared) = prepare(f.plan, patient) else {
        return outcome.note.clone().unwrap_or_default();
    };
    let Some(i) = prepared.days.iter().position(|&d| d == day) else {
        return format!("day {day} is not one of its assessment days");
    };
    let mut engine = Engine::new(f.plan, &prepared);
    let mut explainer = Explainer::new(&mut engine, f.plan, dataset);
    let trace: Trace = explainer.trace(body, i, Mode::Carried);
    let reasons = |t: Truth| -> Vec<String> {
        trace
            .reasons(t)
            .into_iter()
            .map(|r| r.text.clone())
            .collect()
    };
    match (truth, trace.truth) {
        (Truth::False, Truth::Unknown) => format!(
            "{category} unknown on day {day}: {}",
            reasons(Truth::Unknown).join("; ")
        ),
        (Truth::False, Truth::True) => {
            // Name the line above that won, with what made it true.
            let winner = outcome
                .states
                .iter()
                .find(|st| st.day == day)
                .and_then(|st| st.category)
                .and_then(|k| f.plan.categories.get(k))
                .and_then(|&c| f.plan.named.get(c))
                .filter(|n| n.name != category);
            match winner.and_then(|n| n.body.map(|b| (n.name.clone(), b))) {
                Some((name, body)) => {
                    let above = explainer.trace(body, i, Mode::Carried);
                    let why: Vec<String> = above
                        .reasons(Truth::True)
                        .into_iter()
                        .map(|r| r.text.clone())
                        .collect();
                    format!(
                        "{category} held on day {day} but {name}, above it, held first: {}",
                        why.join("; ")
                    )
                }
                None => {
                    // The same state that day: the file's best, reached on
                    // another day, is what differs.
                    let best = category_of(f.plan, &outcome.best_response)
                        .and_then(|k| f.plan.categories.get(k))
                        .and_then(|&c| f.plan.named.get(c))
                        .and_then(|n| n.body);
                    let at = outcome
                        .best_response_day
                        .and_then(|d| prepared.days.iter().position(|&x| x == d));
                    match (best, at, outcome.best_response_day) {
                        (Some(body), Some(j), Some(best_day)) => {
                            let won = explainer.trace(body, j, Mode::Carried);
                            let why: Vec<String> = won
                                .reasons(Truth::True)
                                .into_iter()
                                .map(|r| r.text.clone())
                                .collect();
                            format!(
                                "{category} on day {day} too, and {} (ranked above it) on day {best_day}: {}",
                                outcome.best_response,
                                why.join("; ")
                            )
                        }
                        _ => format!("{category} held on day {day} but a line above it came first"),
                    }
                }
            }
        }
        (Truth::False, _) => format!(
            "{category} failed on day {day}: {}",
            reasons(Truth::False).join("; ")
        ),
        _ => format!("day {day}: {}", reasons(Truth::True).join("; ")),
    }
}
