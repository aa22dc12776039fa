//! Treatment predicates on a day: exposure, dose, continuous exposure,
//! tapering, and the days after a stop.
//!
//! Doses are related through the patient's body: a per-kg dose is the daily
//! dose divided by the weight, a per-m² dose by the body surface area
//! (Mosteller: √(height cm × weight kg / 3600)). A dose written in `mg`
//! (or `mg/kg`, `mg/m2`) is read as that amount per day, as treatment tables
//! write daily doses.

use super::prepare::{Dosing, Exposure};
use crate::units::{Dimension, Unit};

/// The exposure covering `day`, if any.
pub fn covering(exposures: &[Exposure], day: i64) -> Option<&Exposure> {
    exposures
        .iter()
        .find(|e| e.start <= day && e.end.is_none_or(|end| day <= end))
}

/// Whether a course is given on `day`.
fn active(course: &Dosing, day: i64) -> bool {
    course.start <= day && course.end.is_none_or(|end| day <= end)
}

/// The body's size, for converting doses.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    /// Weight in kg.
    pub weight_kg: Option<f64>,
    /// Height in cm.
    pub height_cm: Option<f64>,
}

impl Body {
    fn surface_m2(self) -> Option<f64> {
        Some((self.height_cm? * self.weight_kg? / 3600.0).sqrt())
    }

    /// How many absolute mg a dose of 1 `unit` is, for this body.
    fn mg_per(self, unit: Unit) -> Option<f64> {
        match unit.dimension {
            Dimension::Dose | Dimension::DoseRate => Some(unit.to_base),
            Dimension::DosePerWeight | Dimension::DosePerWeightRate => {
                Some(unit.to_base * self.weight_kg?)
            }
            Dimension::DosePerArea | Dimension::DosePerAreaRate => {
                Some(unit.to_base * self.surface_m2()?)
            }
            _ => None,
        }
    }
}

/// The total daily dose on `day` in `unit`: 0 when not on the drug; `None`
/// when a course on that day has no dose, or the body needed is unknown.
/// `courses` are the drug's, which the exposures' ranges index.
pub fn dose_on(
    exposures: &[Exposure],
    courses: &[Dosing],
    day: i64,
    unit: Unit,
    body: Body,
) -> Option<f64> {
    let mut total_mg = 0.0;
    let mut on = false;
    for exposure in exposures {
        let own = courses.get(exposure.courses.clone()).unwrap_or_default();
        for course in own.iter().filter(|c| active(c, day)) {
            on = true;
            let dose = course.dose?;
            total_mg += dose * body.mg_per(course.dose_unit?)?;
        }
    }
    if !on {
        // Off the drug the dose is 0 in any unit, whatever the body.
        return Some(0.0);
    }
    Some(total_mg / body.mg_per(unit)?)
}

/// Days of continuous exposure up to `day` (0 when not exposed).
pub fn exposure_days(exposures: &[Exposure], day: i64) -> f64 {
    covering(exposures, day).map_or(0.0, |e| (day - e.start) as f64)
}

/// Whether the dose on `day` is below the highest dose of the exposure so
/// far; `None` when doses are missing. Not exposed: `Some(false)`.
/// `courses` are the drug's, which the exposures' ranges index.
pub fn tapering(exposures: &[Exposure], courses: &[Dosing], day: i64, body: Body) -> Option<bool> {
    let Some(exposure) = covering(exposures, day) else {
        return Some(false);
    };
    let own = courses.get(exposure.courses.clone()).unwrap_or_default();
    let mg = |c: &Dosing| -> Option<f64> { Some(c.dose? * body.mg_per(c.dose_unit?)?) };
    let today: f64 = own
        .iter()
        .filter(|c| active(c, day))
        .map(mg)
        .sum::<Option<f64>>()?;
    let mut highest = today;
    for course in own.iter().filter(|c| c.start <= day) {
        highest = highest.max(mg(course)?);
    }
    Some(today < highest)
}

/// Whether `day` lies within `days` after the end of an exposure:
/// `end < day <= end + days`.
pub fn within_after_stop(exposures: &[Exposure], day: i64, days: f64) -> bool {
    exposures.iter().any(|e| {
        e.end
            .is_some_and(|end| day > end && ((day - end) as f64) <= days)
    })
}
