//! From a bucket's rows in timeline order ([`super::runs`]) to its
//! patients' timelines, on every core: one buffer holds every timeline's
//! observations, and each bucket gets its own part of it, which the
//! thread that put the bucket's rows in order fills straight from them.

use super::loader::Staged;
use super::runs::BucketSink;
use super::{Observation, UnitId};
use crate::measures::MEASURES;
use rayon::prelude::*;
use std::ops::Range;

/// Room for an observation not written yet (and left so, at the end of
/// a part, for each duplicate row).
const UNWRITTEN: Observation = Observation {
    value: 0.0,
    original: 0.0,
    day: 0,
    unit: UnitId(0),
    measure: super::MeasureId::FIRST,
};

/// How rows become observations.
pub(super) struct Convert<'f, U> {
    /// Per measure and unit (`unit * MEASURES.len() + measure`), the
    /// factor to the measure's canonical unit.
    pub factors: &'f [f64],
    /// The id each unit is renumbered to.
    pub unit_id: U,
}

impl<U: Fn(u16) -> u16> Convert<'_, U> {
    /// A row as an observation.
    fn observation(&self, row: &Staged) -> Observation {
        let unit = (self.unit_id)(row.unit);
        let factor = self
            .factors
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
}

/// Every timeline, with what making them found.
#[derive(Debug, Default)]
pub(super) struct Built {
    /// Every timeline's observations (with room left unused where rows
    /// were duplicates).
    pub observations: Vec<Observation>,
    /// Per patient, where their observations are.
    pub ranges: Vec<Range<usize>>,
    /// The exact duplicates, each with the line of the first row it
    /// repeats (units renumbered like the observations').
    pub duplicates: Vec<(Staged, u32)>,
}

/// Builds the timelines, a few buckets at a time.
pub(super) struct Builder<'c, 'f, U> {
    convert: &'c Convert<'f, U>,
    built: Built,
}

/// One bucket's part of the observations, while it is filled.
pub(super) struct Part<'b, 'f, U> {
    convert: &'b Convert<'f, U>,
    patients: Range<usize>,
    room: &'b mut [Observation],
    /// Where `room` starts among the observations.
    base: usize,
    written: usize,
    /// Per patient given so far, where their observations end in `room`.
    ends: Vec<usize>,
    duplicates: Vec<(Staged, u32)>,
}

/// What a filled part found.
pub(super) struct Filled {
    patients: Range<usize>,
    base: usize,
    ends: Vec<usize>,
    duplicates: Vec<(Staged, u32)>,
}

impl<'c, 'f, U: Fn(u16) -> u16 + Sync> Builder<'c, 'f, U> {
    /// A builder for `rows` rows of `patients` patients.
    pub fn new(rows: usize, patients: usize, convert: &'c Convert<'f, U>) -> Self {
        Builder {
            convert,
            built: Built {
                observations: Vec::with_capacity(rows),
                ranges: vec![0..0; patients],
                duplicates: Vec::new(),
            },
        }
    }

    /// A part for each bucket (its patients and how many rows they have),
    /// after the observations so far. The room is set aside on every core,
    /// so that its pages are first touched side by side.
    pub fn parts(&mut self, buckets: &[(Range<usize>, usize)]) -> Vec<Part<'_, 'f, U>> {
        let convert = self.convert;
        let observations = &mut self.built.observations;
        let mut base = observations.len();
        let total = buckets.iter().map(|(_, rows)| rows).sum();
        observations.par_extend(rayon::iter::repeat_n(UNWRITTEN, total));
        let mut rest = observations.get_mut(base..).unwrap_or_default();
        let mut parts = Vec::with_capacity(buckets.len());
        for (patients, rows) in buckets {
            let (room, tail) = rest.split_at_mut((*rows).min(rest.len()));
            rest = tail;
            parts.push(Part {
                convert,
                patients: patients.clone(),
                base,
                written: 0,
                ends: Vec::with_capacity(patients.len()),
                duplicates: Vec::new(),
                room,
            });
            base += rows;
        }
        parts
    }

    /// Keep what filled parts found.
    pub fn keep(&mut self, filled: Vec<Filled>) {
        for part in filled {
            let mut start = part.base;
            for (patient, end) in part.patients.zip(part.ends) {
                let end = part.base + end;
                if let Some(range) = self.built.ranges.get_mut(patient) {
                    *range = start..end;
                }
                start = end;
            }
            self.built.duplicates.extend(part.duplicates);
        }
    }

    /// The timelines.
    pub fn finish(self) -> Built {
        self.built
    }
}

impl<U> Part<'_, '_, U> {
    /// What the part found, once filled.
    pub fn filled(self) -> Filled {
        Filled {
            patients: self.patients,
            base: self.base,
            ends: self.ends,
            duplicates: self.duplicates,
        }
    }
}

impl<U: Fn(u16) -> u16> BucketSink for Part<'_, '_, U> {
    /// A row that repeats the one before it is a duplicate, reported with
    /// the line of the first of them.
    fn patient<'r>(&mut self, _patient: usize, rows: impl Iterator<Item = &'r Staged>) {
        let mut previous: Option<&Staged> = None;
        let mut first_line = 0;
        for row in rows {
            match previous {
                Some(p) if p.same_row(row) => {
                    let mut repeat = *row;
                    repeat.unit = (self.convert.unit_id)(repeat.unit);
                    self.duplicates.push((repeat, first_line));
                }
                _ => {
                    first_line = row.line;
                    if let Some(slot) = self.room.get_mut(self.written) {
                        *slot = self.convert.observation(row);
                        self.written += 1;
                    }
                }
            }
            previous = Some(row);
        }
        self.ends.push(self.written);
    }
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

    /// Build from groups of buckets, each bucket its patients and their
    /// rows in timeline order.
    fn build(patients: usize, groups: &[Vec<(Range<usize>, Vec<Staged>)>]) -> Built {
        let rows = groups.iter().flatten().map(|(_, r)| r.len()).sum();
        let convert = Convert {
            factors: &[],
            unit_id: |u| u,
        };
        let mut builder = Builder::new(rows, patients, &convert);
        for group in groups {
            let buckets: Vec<(Range<usize>, usize)> =
                group.iter().map(|(p, r)| (p.clone(), r.len())).collect();
            let filled = builder
                .parts(&buckets)
                .into_iter()
                .zip(group)
                .map(|(mut part, (range, rows))| {
                    for patient in range.clone() {
                        let mine = rows.iter().filter(|r| r.patient() as usize == patient);
                        part.patient(patient, mine);
                    }
                    part.filled()
                })
                .collect();
            builder.keep(filled);
        }
        builder.finish()
    }

    /// Per patient, the days and values of their timeline.
    fn timelines(built: &Built) -> Vec<Vec<(i32, f64)>> {
        built
            .ranges
            .iter()
            .map(|range| {
                built.observations[range.clone()]
                    .iter()
                    .map(|o| (o.day, o.original))
                    .collect()
            })
            .collect()
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
        let built = build(3, &[vec![(0..3, rows)]]);
        assert_eq!(
            timelines(&built),
            vec![vec![(1, 2.0), (2, 2.0)], vec![], vec![(1, 5.0), (3, 5.0)]]
        );
        let duplicates: Vec<(u32, u32)> = built
            .duplicates
            .iter()
            .map(|(row, first)| (row.line, *first))
            .collect();
        assert_eq!(duplicates, vec![(11, 10), (12, 10), (15, 14)]);
    }

    #[test]
    fn buckets_given_in_any_order_make_each_patient_their_own() {
        let built = build(
            4,
            &[
                vec![(2..3, vec![row(2, 0, 1.0, 2), row(2, 0, 1.0, 3)])],
                vec![
                    (0..1, vec![row(0, 0, 1.0, 4)]),
                    (1..2, vec![row(1, 0, 1.0, 5), row(1, 1, 1.0, 6)]),
                ],
            ],
        );
        assert_eq!(
            timelines(&built),
            vec![
                vec![(0, 1.0)],
                vec![(0, 1.0), (1, 1.0)],
                vec![(0, 1.0)],
                vec![]
            ]
        );
        // The duplicate's room is left unused: the next bucket starts after it.
        assert_eq!(built.ranges, vec![2..3, 3..5, 0..1, 0..0]);
    }

    #[test]
    fn long_runs_of_repeats_are_found() {
        // One row repeated: one observation.
        let rows: Vec<Staged> = (0..10_010).map(|line| row(1, 4, 1.5, line + 2)).collect();
        let built = build(2, &[vec![(0..2, rows)]]);
        assert_eq!(timelines(&built), vec![vec![], vec![(4, 1.5)]]);
        assert_eq!(built.duplicates.len(), 10_009);
        assert!(built.duplicates.iter().all(|(_, first)| *first == 2));
    }

    #[test]
    fn values_are_brought_to_the_canonical_unit_of_the_renumbered_unit() {
        let measures = MEASURES.len();
        let mut factors = vec![1.0; 2 * measures];
        factors[measures + MeasureId::FIRST.index()] = 10.0;
        let convert = Convert {
            factors: &factors,
            unit_id: |_| 1,
        };
        let mut builder = Builder::new(1, 1, &convert);
        let mut parts = builder.parts(&[(0..1, 1)]);
        parts[0].patient(0, [row(0, 0, 3.0, 2)].iter());
        let filled = parts.into_iter().map(Part::filled).collect();
        builder.keep(filled);
        let built = builder.finish();
        assert_eq!(built.observations[0].value, 30.0);
        assert_eq!(built.observations[0].unit, UnitId(1));
    }
}
