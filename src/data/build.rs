//! From the loader's rows, sorted backwards into timeline order, to every
//! timeline's observations, one after the other, on every core. The rows
//! are read from the back a stretch at a time and each stretch's memory is
//! given back before the next, so that the rows and the observations are
//! never both held whole.

use super::loader::Staged;
use super::{Observation, UnitId};
use crate::measures::MEASURES;
use rayon::prelude::*;
use std::ops::Range;

/// How many rows are turned into observations at a time: the memory held
/// twice while they are.
const BUILT_AT_ONCE: usize = 1 << 16;

/// How many rows of a stretch one task looks through for repeats.
const PIECE: usize = 1 << 13;

/// Every timeline, with what building them found.
#[derive(Debug, Default)]
pub(super) struct Built {
    /// Every timeline's observations, one after the other, in the rows'
    /// patient order.
    pub observations: Vec<Observation>,
    /// Per patient, how many observations they have.
    pub counts: Vec<usize>,
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

/// What one piece of a stretch holds, in timeline order.
#[derive(Default)]
struct Piece {
    /// Patients and how many rows (repeats left out) each has.
    runs: Vec<(u32, usize)>,
    repeats: Vec<Repeat>,
}

impl Piece {
    /// The piece, then `next`, the one after it.
    fn then(mut self, next: Piece) -> Piece {
        let mut runs = next.runs.into_iter();
        if let (Some(last), Some(first)) = (self.runs.last_mut(), runs.as_slice().first()) {
            if last.0 == first.0 {
                last.1 += first.1;
                runs.next();
            }
        }
        self.runs.extend(runs);
        self.repeats.extend(next.repeats);
        self
    }
}

/// The observations of `patients` patients from their rows, `staged`,
/// sorted backwards into timeline order; units renumbered by `unit_id`
/// and values brought to each measure's canonical unit by `factors`
/// (indexed by `unit * MEASURES.len() + measure`).
pub(super) fn build_timelines(
    mut staged: Vec<Staged>,
    factors: &[f64],
    unit_id: impl Fn(u16) -> u16 + Sync,
    patients: usize,
) -> Built {
    let mut observations: Vec<Observation> = Vec::with_capacity(staged.len());
    let mut counts = vec![0usize; patients];
    let mut repeats = Vec::new();
    // The last row of the stretch before, in timeline order.
    let mut before: Option<Staged> = None;
    while !staged.is_empty() {
        let from = staged.len().saturating_sub(BUILT_AT_ONCE);
        let stretch = staged.get(from..).unwrap_or_default();
        let base = observations.len();
        // Every row becomes an observation, repeats too: taking them out
        // afterwards (they are rare) keeps this pass a plain map, written
        // in place on every core.
        observations.par_extend(
            stretch
                .par_iter()
                .rev()
                .map(|row| observation(row, factors, &unit_id)),
        );
        let n = stretch.len();
        let piece = (0..n.div_ceil(PIECE))
            .into_par_iter()
            .map(|i| {
                piece(
                    stretch,
                    before.as_ref(),
                    base,
                    i * PIECE..n.min((i + 1) * PIECE),
                )
            })
            .reduce(Piece::default, Piece::then);
        for (patient, count) in piece.runs {
            if let Some(slot) = counts.get_mut(patient as usize) {
                *slot += count;
            }
        }
        repeats.extend(piece.repeats);
        before = stretch.first().copied();
        staged.truncate(from);
        staged.shrink_to_fit();
    }
    let duplicates = take_out(&mut observations, repeats, &unit_id);
    Built {
        observations,
        counts,
        duplicates,
    }
}

/// The piece of `stretch` (rows sorted backwards, after `before` in
/// timeline order, the first at `base` among the observations) with rows
/// `ks` in timeline order.
fn piece(stretch: &[Staged], before: Option<&Staged>, base: usize, ks: Range<usize>) -> Piece {
    let n = stretch.len();
    let mut piece = Piece::default();
    for k in ks {
        // Row k in timeline order, and the row before it.
        let Some(row) = stretch.get(n - 1 - k) else {
            continue;
        };
        let previous = if k == 0 { before } else { stretch.get(n - k) };
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

    /// The rows in timeline order, sorted backwards as the loader hands
    /// them over.
    fn backwards(mut rows: Vec<Staged>) -> Vec<Staged> {
        rows.reverse();
        rows
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
        let built = build_timelines(backwards(rows), &[], |u| u, 3);
        let days: Vec<(i32, f64)> = built
            .observations
            .iter()
            .map(|o| (o.day, o.original))
            .collect();
        assert_eq!(days, vec![(1, 2.0), (2, 2.0), (1, 5.0), (3, 5.0)]);
        assert_eq!(built.counts, vec![2, 0, 2]);
        let duplicates: Vec<(u32, u32)> = built
            .duplicates
            .iter()
            .map(|(row, first)| (row.line, *first))
            .collect();
        assert_eq!(duplicates, vec![(11, 10), (12, 10), (15, 14)]);
    }

    #[test]
    fn repeats_across_stretches_are_found() {
        // More rows than a stretch, all one row repeated: one observation.
        let rows: Vec<Staged> = (0..BUILT_AT_ONCE as u32 + 10)
            .map(|line| row(1, 4, 1.5, line + 2))
            .collect();
        let built = build_timelines(backwards(rows), &[], |u| u, 2);
        assert_eq!(built.observations.len(), 1);
        assert_eq!(built.counts, vec![0, 1]);
        assert_eq!(built.duplicates.len(), BUILT_AT_ONCE + 9);
        assert!(built.duplicates.iter().all(|(_, first)| *first == 2));
    }

    #[test]
    fn values_are_brought_to_the_canonical_unit_of_the_renumbered_unit() {
        let measures = MEASURES.len();
        let mut factors = vec![1.0; 2 * measures];
        factors[measures + MeasureId::FIRST.index()] = 10.0;
        let built = build_timelines(vec![row(0, 0, 3.0, 2)], &factors, |_| 1, 1);
        assert_eq!(built.observations[0].value, 30.0);
        assert_eq!(built.observations[0].unit, UnitId(1));
    }
}
