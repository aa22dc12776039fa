//! From rows in timeline order (a bucket at a time, [`super::runs`]) to
//! every timeline's observations, one after the other, on every core.

use super::loader::Staged;
use super::{Observation, UnitId};
use crate::measures::MEASURES;
use rayon::prelude::*;
use std::ops::Range;

/// An observation not written yet.
const UNWRITTEN: Observation = Observation {
    value: 0.0,
    original: 0.0,
    day: 0,
    unit: UnitId(0),
    measure: super::MeasureId::FIRST,
};

/// Every timeline, with what building them found.
#[derive(Debug, Default)]
pub(super) struct Built {
    /// Every timeline's observations, one after the other.
    pub observations: Vec<Observation>,
    /// Per patient, where their observations are.
    pub ranges: Vec<Range<usize>>,
    /// The exact duplicates, set aside, each with the line of the row it
    /// repeats (units renumbered like the observations').
    pub duplicates: Vec<(Staged, u32)>,
}

/// A row that repeats the one before it in timeline order.
struct Repeat {
    /// Its place among the observations before repeats are taken out.
    at: usize,
    row: Staged,
    /// The line of the row before it.
    previous_line: u32,
}

/// What one stretch of rows holds, in timeline order.
#[derive(Default)]
struct Piece {
    /// Patients and how many rows (repeats left out) each has.
    runs: Vec<(u32, usize)>,
    repeats: Vec<Repeat>,
}

/// Builds the timelines from their rows, given a stretch of patients at a
/// time.
pub(super) struct Builder<'f, U> {
    observations: Vec<Observation>,
    /// Per patient, how many observations (repeats left out).
    counts: Vec<usize>,
    repeats: Vec<Repeat>,
    /// The stretches of patients, in the order given.
    given: Vec<Range<usize>>,
    /// Per measure and unit (`unit * MEASURES.len() + measure`), the
    /// factor to the measure's canonical unit.
    factors: &'f [f64],
    /// The id each unit is renumbered to.
    unit_id: U,
}

impl<'f, U: Fn(u16) -> u16 + Sync> Builder<'f, U> {
    /// A builder for `rows` rows of `patients` patients.
    pub fn new(rows: usize, patients: usize, factors: &'f [f64], unit_id: U) -> Self {
        Builder {
            observations: Vec::with_capacity(rows),
            counts: vec![0; patients],
            repeats: Vec::new(),
            given: Vec::new(),
            factors,
            unit_id,
        }
    }

    /// Add stretches of patients with all their rows, each in timeline
    /// order, side by side on every core.
    pub fn add(&mut self, stretches: &[(Range<usize>, &[Staged])]) {
        let base = self.observations.len();
        let total: usize = stretches.iter().map(|(_, rows)| rows.len()).sum();
        // Every row becomes an observation, repeats too: taking them out
        // at the end (they are rare) lets each stretch write its own part.
        self.observations.resize(base + total, UNWRITTEN);
        let mut parts = Vec::with_capacity(stretches.len());
        let mut rest = self.observations.get_mut(base..).unwrap_or_default();
        let mut at = base;
        for (_, rows) in stretches {
            let (part, tail) = rest.split_at_mut(rows.len().min(rest.len()));
            parts.push((part, at));
            rest = tail;
            at += rows.len();
        }
        let (factors, unit_id) = (self.factors, &self.unit_id);
        let pieces: Vec<Piece> = stretches
            .par_iter()
            .zip(parts)
            .map(|((_, rows), (part, at))| {
                for (slot, row) in part.iter_mut().zip(rows.iter()) {
                    *slot = observation(row, factors, unit_id);
                }
                piece(rows, at)
            })
            .collect();
        for piece in pieces {
            for (patient, count) in piece.runs {
                if let Some(slot) = self.counts.get_mut(patient as usize) {
                    *slot += count;
                }
            }
            self.repeats.extend(piece.repeats);
        }
        self.given
            .extend(stretches.iter().map(|(patients, _)| patients.clone()));
    }

    /// The timelines.
    pub fn finish(mut self) -> Built {
        let duplicates = take_out(&mut self.observations, self.repeats, &self.unit_id);
        let mut ranges = vec![0..0; self.counts.len()];
        let mut start = 0;
        for patient in self.given.into_iter().flatten() {
            let count = self.counts.get(patient).copied().unwrap_or(0);
            if let Some(range) = ranges.get_mut(patient) {
                *range = start..start + count;
            }
            start += count;
        }
        Built {
            observations: self.observations,
            ranges,
            duplicates,
        }
    }
}

/// What a stretch's `rows` (in timeline order, all of their patients'
/// rows) hold, the first at `base` among the observations.
fn piece(rows: &[Staged], base: usize) -> Piece {
    let mut piece = Piece::default();
    let mut previous: Option<&Staged> = None;
    for (k, row) in rows.iter().enumerate() {
        match previous {
            Some(p) if p.same_row(row) => piece.repeats.push(Repeat {
                at: base + k,
                row: *row,
                previous_line: p.line,
            }),
            _ => match piece.runs.last_mut() {
                Some((patient, count)) if *patient == row.patient() => *count += 1,
                _ => piece.runs.push((row.patient(), 1)),
            },
        }
        previous = Some(row);
    }
    piece
}

/// A row as an observation.
fn observation(row: &Staged, factors: &[f64], unit_id: impl Fn(u16) -> u16) -> Observation {
    let unit = unit_id(row.unit);
    let factor = factors
        .get(usize::from(unit) * MEASURES.len() + row.measure.index())
        .copied()
        .unwrap_or(1.0);
    Observation {
        day: row.day(),
        value: row.original * factor,
        original: row.original,
        unit: UnitId(unit),
        measure: row.measure,
    }
}

/// Take the repeats, in timeline order, out of `observations`; each
/// repeat with the line of the first row it repeats.
fn take_out(
    observations: &mut Vec<Observation>,
    repeats: Vec<Repeat>,
    unit_id: impl Fn(u16) -> u16,
) -> Vec<(Staged, u32)> {
    if repeats.is_empty() {
        return Vec::new();
    }
    let mut duplicates: Vec<(Staged, u32)> = Vec::with_capacity(repeats.len());
    // A repeat of a repeat repeats the same first row.
    let mut last: Option<(usize, u32)> = None;
    for repeat in &repeats {
        let first_line = match last {
            Some((at, line)) if at + 1 == repeat.at => line,
            _ => repeat.previous_line,
        };
        last = Some((repeat.at, first_line));
        let mut row = repeat.row;
        row.unit = unit_id(row.unit);
        duplicates.push((row, first_line));
    }
    let mut next = repeats.iter().map(|r| r.at).peekable();
    let mut at = 0;
    observations.retain(|_| {
        let repeated = next.next_if_eq(&at).is_some();
        at += 1;
        !repeated
    });
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MeasureId;

    fn row(patient: u32, day: i32, value: f64, line: u32) -> Staged {
        let mut row = Staged::new(patient, day, value, 0, 0, MeasureId::FIRST);
        row.line = line;
        row
    }

    fn build(patients: usize, stretches: &[(Range<usize>, Vec<Staged>)]) -> Built {
        let rows = stretches.iter().map(|(_, r)| r.len()).sum();
        let mut builder = Builder::new(rows, patients, &[], |u| u);
        let stretches: Vec<(Range<usize>, &[Staged])> = stretches
            .iter()
            .map(|(range, rows)| (range.clone(), rows.as_slice()))
            .collect();
        builder.add(&stretches);
        builder.finish()
    }

    #[test]
    fn timelines_follow_the_rows_and_repeats_are_set_aside_with_their_first_line() {
        let rows = vec![
            row(0, 1, 2.0, 10),
            row(0, 1, 2.0, 11),
            row(0, 1, 2.0, 12),
            row(0, 2, 2.0, 13),
            row(2, 1, 5.0, 14),
            row(2, 1, 5.0, 15),
            row(2, 3, 5.0, 16),
        ];
        let built = build(3, &[(0..3, rows)]);
        let days: Vec<(i32, f64)> = built
            .observations
            .iter()
            .map(|o| (o.day, o.original))
            .collect();
        assert_eq!(days, vec![(1, 2.0), (2, 2.0), (1, 5.0), (3, 5.0)]);
        assert_eq!(built.ranges, vec![0..2, 2..2, 2..4]);
        let duplicates: Vec<(u32, u32)> = built
            .duplicates
            .iter()
            .map(|(row, first)| (row.line, *first))
            .collect();
        assert_eq!(duplicates, vec![(11, 10), (12, 10), (15, 14)]);
    }

    #[test]
    fn patients_given_later_come_later() {
        let built = build(
            3,
            &[
                (2..3, vec![row(2, 0, 1.0, 2)]),
                (
                    0..2,
                    vec![row(0, 0, 1.0, 3), row(1, 0, 1.0, 4), row(1, 1, 1.0, 5)],
                ),
            ],
        );
        assert_eq!(built.ranges, vec![1..2, 2..4, 0..1]);
        assert_eq!(built.observations.len(), 4);
    }

    #[test]
    fn long_runs_of_repeats_are_found() {
        // One row repeated: one observation.
        let rows: Vec<Staged> = (0..10_010).map(|line| row(1, 4, 1.5, line + 2)).collect();
        let built = build(2, &[(0..2, rows)]);
        assert_eq!(built.observations.len(), 1);
        assert_eq!(built.ranges, vec![0..0, 0..1]);
        assert_eq!(built.duplicates.len(), 10_009);
        assert!(built.duplicates.iter().all(|(_, first)| *first == 2));
    }

    #[test]
    fn values_are_brought_to_the_canonical_unit_of_the_renumbered_unit() {
        let measures = MEASURES.len();
        let mut factors = vec![1.0; 2 * measures];
        factors[measures + MeasureId::FIRST.index()] = 10.0;
        let mut builder = Builder::new(1, 1, &factors, |_| 1);
        builder.add(&[(0..1, &[row(0, 0, 3.0, 2)][..])]);
        let built = builder.finish();
        assert_eq!(built.observations[0].value, 30.0);
        assert_eq!(built.observations[0].unit, UnitId(1));
    }
}
