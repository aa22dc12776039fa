//! One patient's data made ready for a plan: the index, the assessment
//! days, each measure's values per day (several observations of one day
//! combined by their median), the baseline, and drug exposures — all in
//! days relative to the index.

use crate::ast::BaselinePick;
use crate::data::{Course, Patient, TimeKind};
use crate::plan::{BaselinePlan, Plan};

/// One day's value of a measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayValue {
    /// Day relative to the index.
    pub day: i64,
    /// The median of the day's observations, in the canonical unit.
    pub value: f64,
    /// Where the day's observations start in the patient's list.
    pub first: usize,
    /// How many observations the day has.
    pub count: usize,
}

/// A measure's values, and which one is current on each assessment day.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// One value per observation day, in day order (before the index too).
    pub values: Vec<DayValue>,
    /// Per assessment day: the latest value at or before it, if any.
    pub upto: Vec<Option<usize>>,
    /// Per assessment day: the current value (latest, within `valid` days).
    pub current: Vec<Option<usize>>,
    /// Per assessment day: the value observed on that very day.
    pub fresh: Vec<Option<usize>>,
    /// The baseline value, per the file's rule.
    pub baseline: Option<f64>,
    /// Running maximum over `values[..=k]`.
    pub peak: Vec<f64>,
    /// Running minimum over `values[..=k]`.
    pub nadir: Vec<f64>,
    /// Running maximum from the first value on or after day 0.
    pub peak_since_index: Vec<Option<f64>>,
    /// Running minimum from the first value on or after day 0.
    pub nadir_since_index: Vec<Option<f64>>,
}

/// A continuous exposure to a drug (courses merged where they touch).
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// First day.
    pub start: i64,
    /// Last day; `None` while ongoing.
    pub end: Option<i64>,
    /// The courses it is made of (relative days), for doses.
    pub courses: Vec<Course>,
}

/// Why a patient cannot be placed on the time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoIndex {
    /// The file's index drug was never given.
    DrugNeverGiven(String),
}

/// A patient ready for evaluation.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    /// The patient.
    pub patient: &'a Patient,
    /// Day 0 in the patient's own time (a day number or days since 1970).
    pub index: i64,
    /// The assessment days, ascending.
    pub days: Vec<i64>,
    /// Whether each assessment day has an observation (else a landmark).
    pub observed: Vec<bool>,
    /// Per plan measure slot.
    pub series: Vec<Series>,
    /// Per plan drug: its exposures in day order.
    pub exposures: Vec<Vec<Exposure>>,
    /// The last observed assessment day.
    pub followup: Option<i64>,
    /// Body weight in kg (patients table, else the latest `weight` value).
    pub weight_kg: Option<f64>,
    /// Height in cm (patients table, else the latest `height` value).
    pub height_cm: Option<f64>,
}

/// Vectors kept from one patient to the next, so that preparing a cohort
/// does not allocate afresh for every patient (see [`prepare_with`]).
#[derive(Debug, Default)]
pub struct Buffers {
    series: Vec<Series>,
    days: Vec<i64>,
    observed: Vec<bool>,
    observed_days: Vec<i64>,
    scratch: Vec<f64>,
    exposures: Vec<Vec<Exposure>>,
}

/// The vocabulary's weight and height, looked up once.
static BODY_MEASURES: std::sync::OnceLock<(
    Option<crate::data::MeasureId>,
    Option<crate::data::MeasureId>,
)> = std::sync::OnceLock::new();

impl Prepared<'_> {
    /// Hand the prepared vectors back for the next patient.
    pub fn recycle(self, buffers: &mut Buffers) {
        buffers.series = self.series;
        buffers.days = self.days;
        buffers.observed = self.observed;
        buffers.exposures = self.exposures;
    }
}

/// Prepare a patient for a plan.
pub fn prepare<'a>(plan: &Plan, patient: &'a Patient) -> Result<Prepared<'a>, NoIndex> {
    prepare_with(plan, patient, &mut Buffers::default())
}

/// [`prepare`], reusing the vectors of a patient prepared before (give
/// them back with [`Prepared::recycle`]).
pub fn prepare_with<'a>(
    plan: &Plan,
    patient: &'a Patient,
    buffers: &mut Buffers,
) -> Result<Prepared<'a>, NoIndex> {
    let index = index_day(plan, patient)?;
    let relative = |day: i64| day.saturating_sub(index);

    let mut series = std::mem::take(&mut buffers.series);
    series.truncate(plan.measures.len());
    for s in &mut series {
        s.clear();
    }
    series.resize_with(plan.measures.len(), Series::default);
    let observed_days = &mut buffers.observed_days;
    day_values(
        plan,
        patient,
        index,
        &mut series,
        observed_days,
        &mut buffers.scratch,
    );
    let followup = observed_days.last().copied();
    let mut days = std::mem::take(&mut buffers.days);
    days.clear();
    days.extend_from_slice(observed_days);
    if !plan.landmarks.is_empty() {
        for &landmark in &plan.landmarks {
            days.push(landmark.round() as i64);
        }
        days.sort_unstable();
        days.dedup();
    }
    let mut observed = std::mem::take(&mut buffers.observed);
    observed.clear();
    // Both ascending, the observed days among the assessment days.
    let mut seen = observed_days.iter().peekable();
    observed.extend(days.iter().map(|d| {
        while seen.next_if(|&&o| o < *d).is_some() {}
        seen.next_if(|&&o| o == *d).is_some()
    }));

    for (slot, s) in series.iter_mut().enumerate() {
        let valid = plan.measures.get(slot).map_or(0.0, |m| m.valid_days);
        fill_series(s, &days, valid, plan.baseline);
    }

    let mut exposures = std::mem::take(&mut buffers.exposures);
    exposures.truncate(plan.drugs.len());
    for e in &mut exposures {
        e.clear();
    }
    exposures.resize_with(plan.drugs.len(), Vec::new);
    for (drug, out) in plan.drugs.iter().zip(&mut exposures) {
        let courses: Vec<Course> = patient
            .courses
            .iter()
            .filter(|c| drug.members.contains(&c.drug))
            .map(|c| Course {
                start: relative(c.start),
                end: c.end.map(relative),
                ..c.clone()
            })
            .collect();
        merge_exposures(courses, out);
    }

    let latest = |measure: Option<crate::data::MeasureId>| {
        let measure = measure?;
        patient
            .observations
            .iter()
            .rev()
            .find(|o| o.measure == measure)
            .map(|o| o.value)
    };
    let (weight, height) = *BODY_MEASURES.get_or_init(|| {
        (
            crate::data::MeasureId::of("weight"),
            crate::data::MeasureId::of("height"),
        )
    });
    Ok(Prepared {
        patient,
        index,
        days,
        observed,
        series,
        exposures,
        followup,
        weight_kg: patient.info.weight_kg.or_else(|| latest(weight)),
        height_cm: patient.info.height_cm.or_else(|| latest(height)),
    })
}

impl Series {
    /// Empty every vector, keeping its capacity.
    fn clear(&mut self) {
        self.values.clear();
        self.upto.clear();
        self.current.clear();
        self.fresh.clear();
        self.baseline = None;
        self.peak.clear();
        self.nadir.clear();
        self.peak_since_index.clear();
        self.nadir_since_index.clear();
    }
}

/// Day 0 of a patient: the first dose of the file's index drug; else the
/// patients table's index date (for dated data); else day 0 of day-numbered
/// data, or the first observation of dated data.
fn index_day(plan: &Plan, patient: &Patient) -> Result<i64, NoIndex> {
    if let Some(drug) = plan.index_drug.and_then(|d| plan.drugs.get(d)) {
        return patient
            .courses
            .iter()
            .filter(|c| drug.members.contains(&c.drug))
            .map(|c| c.start)
            .min()
            .ok_or_else(|| NoIndex::DrugNeverGiven(drug.name.clone()));
    }
    Ok(match patient.time_kind {
        TimeKind::Day => 0,
        TimeKind::Date => patient
            .info
            .index_date
            .or_else(|| patient.observations.iter().map(|o| i64::from(o.day)).min())
            .unwrap_or(0),
    })
}

/// Each plan measure's observations combined per day: the median of the
/// day's values, so that the result never depends on row order. Also
/// collects the days after the index with a value of some plan measure,
/// ascending, into `observed_days`. One pass over the observations.
fn day_values(
    plan: &Plan,
    patient: &Patient,
    index: i64,
    series: &mut [Series],
    observed_days: &mut Vec<i64>,
    scratch: &mut Vec<f64>,
) {
    observed_days.clear();
    let mut sorted = true;
    let obs = &patient.observations;
    let mut k = 0;
    while let Some(o) = obs.get(k) {
        let measure = o.measure;
        if !plan.measures.iter().any(|m| m.id == measure) {
            k += 1;
            continue;
        }
        // Observations are sorted by (day, measure): a day's values of one
        // measure are adjacent.
        let first = k;
        scratch.clear();
        while let Some(p) = obs
            .get(k)
            .filter(|p| p.day == o.day && p.measure == measure)
        {
            scratch.push(p.value);
            k += 1;
        }
        let value = DayValue {
            day: i64::from(o.day).saturating_sub(index),
            value: median(scratch),
            first,
            count: k - first,
        };
        for (s, m) in series.iter_mut().zip(&plan.measures) {
            if m.id == measure {
                s.values.push(value);
            }
        }
        if value.day > 0 {
            match observed_days.last() {
                Some(&last) if last == value.day => {}
                Some(&last) if last > value.day => {
                    sorted = false;
                    observed_days.push(value.day);
                }
                _ => observed_days.push(value.day),
            }
        }
    }
    if !sorted {
        observed_days.sort_unstable();
        observed_days.dedup();
    }
}

/// The median (the mean of the two middle values for an even count).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values.get(n / 2).copied().unwrap_or(f64::NAN),
        _ => {
            let a = values.get(n / 2 - 1).copied().unwrap_or(f64::NAN);
            let b = values.get(n / 2).copied().unwrap_or(f64::NAN);
            (a + b) / 2.0
        }
    }
}

fn fill_series(s: &mut Series, days: &[i64], valid: f64, baseline: Option<BaselinePlan>) {
    let mut k = 0usize;
    let mut last: Option<usize> = None;
    for &day in days {
        while s.values.get(k).is_some_and(|v| v.day <= day) {
            last = Some(k);
            k += 1;
        }
        s.upto.push(last);
        let value = last.and_then(|i| s.values.get(i));
        s.current
            .push(last.filter(|_| value.is_some_and(|v| (day - v.day) as f64 <= valid)));
        s.fresh
            .push(last.filter(|_| value.is_some_and(|v| v.day == day)));
    }
    let mut peak = f64::NEG_INFINITY;
    let mut nadir = f64::INFINITY;
    let mut peak_i: Option<f64> = None;
    let mut nadir_i: Option<f64> = None;
    for v in &s.values {
        peak = peak.max(v.value);
        nadir = nadir.min(v.value);
        s.peak.push(peak);
        s.nadir.push(nadir);
        if v.day >= 0 {
            peak_i = Some(peak_i.map_or(v.value, |p| p.max(v.value)));
            nadir_i = Some(nadir_i.map_or(v.value, |p| p.min(v.value)));
        }
        s.peak_since_index.push(peak_i);
        s.nadir_since_index.push(nadir_i);
    }
    s.baseline = baseline.and_then(|rule| baseline_value(&s.values, rule));
}

fn baseline_value(values: &[DayValue], rule: BaselinePlan) -> Option<f64> {
    let mut window: Vec<f64> = values
        .iter()
        .filter(|v| (v.day as f64) >= rule.from && (v.day as f64) <= rule.to)
        .map(|v| v.value)
        .collect();
    if window.is_empty() {
        return None;
    }
    Some(match rule.pick {
        BaselinePick::Last => *window.last()?,
        BaselinePick::First => *window.first()?,
        BaselinePick::Highest => window.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        BaselinePick::Lowest => window.iter().copied().fold(f64::INFINITY, f64::min),
        BaselinePick::Mean => window.iter().sum::<f64>() / window.len() as f64,
        BaselinePick::Median => median(&mut window),
    })
}

/// Merge courses into continuous exposures, into `out` (empty): a course
/// that starts no later than the day after the previous one ends continues
/// it.
fn merge_exposures(mut courses: Vec<Course>, out: &mut Vec<Exposure>) {
    courses.sort_by_key(|c| (c.start, c.end.unwrap_or(i64::MAX)));
    for course in courses {
        match out.last_mut() {
            Some(e)
                if e.end
                    .is_none_or(|end| course.start <= end.saturating_add(1)) =>
            {
                e.end = match (e.end, course.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                e.courses.push(course);
            }
            _ => out.push(Exposure {
                start: course.start,
                end: course.end,
                courses: vec![course],
            }),
        }
    }
}
