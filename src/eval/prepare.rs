//! One patient's data made ready for a plan: the index, the assessment
//! days, each measure's values per day (several observations of one day
//! combined by their median), the baseline, and drug exposures — all in
//! days relative to the index.

use crate::ast::BaselinePick;
use crate::data::{MeasureId, Patient, TimeKind};
use crate::plan::{BaselinePlan, Plan, Running};
use crate::units::Unit;

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
///
/// The running reference points (`peak` and the like) are filled only when
/// the plan reads them ([`Plan::running`]); they are empty otherwise.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// One value per observation day, in day order (before the index too).
    pub values: Vec<DayValue>,
    /// Per assessment day: the latest value at or before it, if any.
    pub upto: Vec<Option<usize>>,
    /// How many days a value stays current.
    pub valid_days: f64,
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

impl Series {
    /// On assessment day `i` (day `day`): the current value (the latest,
    /// within `valid_days`), if any.
    #[inline]
    pub fn current(&self, i: usize, day: i64) -> Option<usize> {
        let k = self.upto.get(i).copied().flatten()?;
        let v = self.values.get(k)?;
        ((day - v.day) as f64 <= self.valid_days).then_some(k)
    }

    /// On assessment day `i` (day `day`): the value observed on that very
    /// day, if any.
    #[inline]
    pub fn fresh(&self, i: usize, day: i64) -> Option<usize> {
        let k = self.upto.get(i).copied().flatten()?;
        let v = self.values.get(k)?;
        (v.day == day).then_some(k)
    }
}

/// A continuous exposure to a drug (courses merged where they touch).
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// First day.
    pub start: i64,
    /// Last day; `None` while ongoing.
    pub end: Option<i64>,
    /// The courses it is made of: a range of the drug's
    /// [`Prepared::courses`].
    pub courses: std::ops::Range<usize>,
}

/// One course of a drug in days relative to the index, for doses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dosing {
    /// The first day.
    pub start: i64,
    /// The last day, `None` while ongoing.
    pub end: Option<i64>,
    /// The dose as written.
    pub dose: Option<f64>,
    /// The dose's unit.
    pub dose_unit: Option<Unit>,
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
    /// Per plan drug: its courses, by start (then end), which exposures
    /// refer to by range.
    pub courses: Vec<Vec<Dosing>>,
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
    courses: Vec<Vec<Dosing>>,
}

/// The vocabulary's weight and height, looked up once.
static BODY_MEASURES: std::sync::OnceLock<(Option<MeasureId>, Option<MeasureId>)> =
    std::sync::OnceLock::new();

impl Prepared<'_> {
    /// Hand the prepared vectors back for the next patient.
    pub fn recycle(self, buffers: &mut Buffers) {
        buffers.series = self.series;
        buffers.days = self.days;
        buffers.observed = self.observed;
        buffers.exposures = self.exposures;
        buffers.courses = self.courses;
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
    let (weight, height) =
        *BODY_MEASURES.get_or_init(|| (MeasureId::of("weight"), MeasureId::of("height")));
    let body = day_values(
        plan,
        patient,
        index,
        &mut series,
        observed_days,
        &mut buffers.scratch,
        [weight, height],
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
        s.valid_days = plan.measures.get(slot).map_or(0.0, |m| m.valid_days);
        let running = plan.running.get(slot).copied().unwrap_or_default();
        fill_series(s, &days, running, plan.baseline, &mut buffers.scratch);
    }

    let mut exposures = std::mem::take(&mut buffers.exposures);
    let mut all_courses = std::mem::take(&mut buffers.courses);
    exposures.resize_with(plan.drugs.len(), Vec::new);
    exposures.truncate(plan.drugs.len());
    all_courses.resize_with(plan.drugs.len(), Vec::new);
    all_courses.truncate(plan.drugs.len());
    for ((drug, out), courses) in plan.drugs.iter().zip(&mut exposures).zip(&mut all_courses) {
        courses.clear();
        courses.extend(
            patient
                .courses
                .iter()
                .filter(|c| drug.members.contains(&c.drug))
                .map(|c| Dosing {
                    start: relative(c.start),
                    end: c.end.map(relative),
                    dose: c.dose,
                    dose_unit: c.dose_unit,
                }),
        );
        merge_exposures(courses, out);
    }

    let [weight, height] = body;
    Ok(Prepared {
        patient,
        index,
        days,
        observed,
        series,
        exposures,
        courses: all_courses,
        followup,
        weight_kg: patient.info.weight_kg.or(weight),
        height_cm: patient.info.height_cm.or(height),
    })
}

impl Series {
    /// Empty every vector, keeping its capacity.
    fn clear(&mut self) {
        self.values.clear();
        self.upto.clear();
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
/// ascending, into `observed_days`, and returns the latest value of each
/// of the `latest` measures (weight and height). One pass over the
/// observations.
fn day_values(
    plan: &Plan,
    patient: &Patient,
    index: i64,
    series: &mut [Series],
    observed_days: &mut Vec<i64>,
    scratch: &mut Vec<f64>,
    latest: [Option<MeasureId>; 2],
) -> [Option<f64>; 2] {
    observed_days.clear();
    let mut found = [None; 2];
    let mut sorted = true;
    let obs = &patient.observations;
    let mut k = 0;
    while let Some(o) = obs.get(k) {
        let measure = o.measure;
        for (f, m) in found.iter_mut().zip(latest) {
            if m == Some(measure) {
                *f = Some(o.value);
            }
        }
        if !plan.measures.iter().any(|m| m.id == measure) {
            k += 1;
            continue;
        }
        // Observations are sorted by (day, measure): a day's values of one
        // measure are adjacent.
        let first = k;
        k += 1;
        let same = |p: &&crate::data::Observation| p.day == o.day && p.measure == measure;
        let value = if obs.get(k).filter(same).is_none() {
            o.value
        } else {
            scratch.clear();
            scratch.push(o.value);
            while let Some(p) = obs.get(k).filter(same) {
                scratch.push(p.value);
                for (f, m) in found.iter_mut().zip(latest) {
                    if m == Some(measure) {
                        *f = Some(p.value);
                    }
                }
                k += 1;
            }
            median(scratch)
        };
        let value = DayValue {
            day: i64::from(o.day).saturating_sub(index),
            value,
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
    found
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

fn fill_series(
    s: &mut Series,
    days: &[i64],
    running: Running,
    baseline: Option<BaselinePlan>,
    scratch: &mut Vec<f64>,
) {
    let mut k = 0usize;
    let mut last: Option<usize> = None;
    s.upto.extend(days.iter().map(|&day| {
        while s.values.get(k).is_some_and(|v| v.day <= day) {
            last = Some(k);
            k += 1;
        }
        last
    }));
    if running.peak || running.nadir {
        let mut peak = f64::NEG_INFINITY;
        let mut nadir = f64::INFINITY;
        for v in &s.values {
            peak = peak.max(v.value);
            nadir = nadir.min(v.value);
            s.peak.push(peak);
            s.nadir.push(nadir);
        }
    }
    if running.peak_since_index || running.nadir_since_index {
        let mut peak_i: Option<f64> = None;
        let mut nadir_i: Option<f64> = None;
        for v in &s.values {
            if v.day >= 0 {
                peak_i = Some(peak_i.map_or(v.value, |p| p.max(v.value)));
                nadir_i = Some(nadir_i.map_or(v.value, |p| p.min(v.value)));
            }
            s.peak_since_index.push(peak_i);
            s.nadir_since_index.push(nadir_i);
        }
    }
    s.baseline = baseline.and_then(|rule| baseline_value(&s.values, rule, scratch));
}

fn baseline_value(values: &[DayValue], rule: BaselinePlan, scratch: &mut Vec<f64>) -> Option<f64> {
    let mut window = values
        .iter()
        .filter(|v| (v.day as f64) >= rule.from && (v.day as f64) <= rule.to)
        .map(|v| v.value);
    let mut n = 0usize;
    let mut counted = window.clone().inspect(|_| n += 1);
    Some(match rule.pick {
        BaselinePick::Last => window.next_back()?,
        BaselinePick::First => window.next()?,
        BaselinePick::Highest => {
            let highest = counted.fold(f64::NEG_INFINITY, f64::max);
            (n > 0).then_some(highest)?
        }
        BaselinePick::Lowest => {
            let lowest = counted.fold(f64::INFINITY, f64::min);
            (n > 0).then_some(lowest)?
        }
        BaselinePick::Mean => {
            let sum = counted.by_ref().sum::<f64>();
            (n > 0).then_some(sum / n as f64)?
        }
        BaselinePick::Median => {
            scratch.clear();
            scratch.extend(window);
            if scratch.is_empty() {
                return None;
            }
            median(scratch)
        }
    })
}

/// Merge courses (emptied of another patient's, then sorted here) into
/// continuous exposures, into `out`: a course that starts no later than the
/// day after the previous one ends continues it.
fn merge_exposures(courses: &mut [Dosing], out: &mut Vec<Exposure>) {
    out.clear();
    courses.sort_by_key(|c| (c.start, c.end.unwrap_or(i64::MAX)));
    for (k, course) in courses.iter().enumerate() {
        match out.last_mut() {
            Some(e)
                if e.end
                    .is_none_or(|end| course.start <= end.saturating_add(1)) =>
            {
                e.end = match (e.end, course.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                e.courses.end = k + 1;
            }
            _ => out.push(Exposure {
                start: course.start,
                end: course.end,
                courses: k..k + 1,
            }),
        }
    }
}
