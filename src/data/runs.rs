//! The loader's rows, held in runs (a block's rows, or a bounded number
//! read one by one), and their grouping by patient without sorting the
//! whole file.
//!
//! Grouping takes two steps. First every run is partitioned in place by
//! bucket, a bucket being a stretch of consecutive patients with a few
//! thousand rows in all ([`Runs::group`], on every core, one run a task).
//! Then the buckets are taken from the back of every run, one group of
//! buckets at a time ([`Grouped::take_buckets`]): a bucket's rows are
//! gathered patient by patient (counted, then each copied once to its
//! place), each patient's few rows put into timeline order by one integer
//! key (day, measure, unit), in cache, whole rows compared only where
//! keys tie, and given in that order to the bucket's [`BucketSink`] (the
//! timelines' builder). The rows a bucket took are cut from the runs,
//! whose memory is given back as they shrink.

use super::loader::Staged;
use super::shard::Sink;
use rayon::prelude::*;
use std::ops::Range;

/// The rows of a run read one by one: 4 MB, so that it is backed by huge
/// pages ([`crate::alloc`]) and never grows by copying.
const RUN_ROWS: usize = (4 << 20) / std::mem::size_of::<Staged>();

/// About how many rows a bucket has: its rows and their sorting fit in
/// cache.
const BUCKET_ROWS: usize = 4096;

/// How much room a run may have unused before it is given back.
const SLACK_ROWS: usize = (256 << 10) / std::mem::size_of::<Staged>();

/// Every observation row used, in runs, in input order.
#[derive(Debug, Default)]
pub(super) struct Runs {
    runs: Vec<Vec<Staged>>,
}

/// A place among the rows: a run and a row in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    run: usize,
    row: usize,
}

impl Mark {
    /// The place `rows` rows further in the same run.
    pub fn plus(self, rows: usize) -> Mark {
        Mark {
            run: self.run,
            row: self.row + rows,
        }
    }
}

impl Runs {
    /// The place after the last row.
    pub fn end(&self) -> Mark {
        Mark {
            run: self.runs.len().saturating_sub(1),
            row: self.runs.last().map_or(0, Vec::len),
        }
    }

    /// Add a run (a block's rows), returning the place of its first row.
    pub fn push_run(&mut self, run: Vec<Staged>) -> Mark {
        self.runs.push(run);
        Mark {
            run: self.runs.len() - 1,
            row: 0,
        }
    }

    /// How many rows in all.
    pub fn len(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// The rows from `from` to `to`, as one slice a run.
    pub fn between_mut(&mut self, from: Mark, to: Mark) -> Vec<&mut [Staged]> {
        self.runs
            .iter_mut()
            .enumerate()
            .skip(from.run)
            .take_while(|(i, _)| *i <= to.run)
            .filter_map(|(i, run)| {
                let start = if i == from.run { from.row } else { 0 };
                let end = if i == to.run { to.row } else { run.len() };
                run.get_mut(start..end)
            })
            .collect()
    }

    /// Partition every run by bucket, for patients `0..patients` (every
    /// row's patient is one of them).
    pub fn group(mut self, patients: usize) -> Grouped {
        self.runs.retain(|run| !run.is_empty());
        let rows = self.len();
        let buckets = (rows / BUCKET_ROWS).clamp(1, patients.max(1));
        let bucketing = Bucketing { patients, buckets };
        let bounds = self
            .runs
            .par_iter_mut()
            .map(|run| partition(run, buckets, |row| bucketing.bucket(row.patient())))
            .collect();
        Grouped {
            rows,
            runs: self.runs,
            bounds,
            bucketing,
            next: buckets,
        }
    }
}

impl Sink for Runs {
    /// Append a row to the last run, or to a new one when it is full.
    fn push(&mut self, row: Staged) {
        match self.runs.last_mut() {
            Some(run) if run.len() < run.capacity() => run.push(row),
            _ => {
                let mut run = Vec::with_capacity(RUN_ROWS);
                run.push(row);
                self.runs.push(run);
            }
        }
    }
}

/// Which bucket a patient's rows go to: patients in order, about as many
/// in each bucket.
#[derive(Debug, Clone, Copy)]
struct Bucketing {
    patients: usize,
    buckets: usize,
}

impl Bucketing {
    /// The bucket of `patient`.
    fn bucket(self, patient: u32) -> usize {
        (u64::from(patient) * self.buckets as u64 / self.patients.max(1) as u64) as usize
    }

    /// The first patient of `bucket` (the patient count for `buckets`).
    fn first_patient(self, bucket: usize) -> usize {
        (bucket * self.patients).div_ceil(self.buckets.max(1))
    }
}

/// The runs, each partitioned by bucket, with the buckets not taken yet.
#[derive(Debug)]
pub(super) struct Grouped {
    /// How many rows there were.
    rows: usize,
    runs: Vec<Vec<Staged>>,
    /// Per run, where each bucket starts, and its end.
    bounds: Vec<Vec<usize>>,
    bucketing: Bucketing,
    /// The buckets below this one are still in the runs.
    next: usize,
}

/// What takes a bucket's rows: a patient's at a time, in timeline order.
pub(super) trait BucketSink {
    /// The rows of `patient` (every one of the bucket's patients, in
    /// order, those without rows too), in timeline order.
    fn patient<'r>(&mut self, patient: usize, rows: impl Iterator<Item = &'r Staged>);
}

impl Grouped {
    /// How many rows there were before any bucket was taken.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// How many patients the rows have (`0..patients`).
    pub fn patients(&self) -> usize {
        self.bucketing.patients
    }

    /// Take the last `count` buckets (or those left) out of the runs, on
    /// every core, giving each bucket's rows in timeline order to its own
    /// sink; none when all are taken. `sinks` makes them, given the
    /// buckets in patient order (each one's patients and how many rows
    /// they have), one a bucket in that order. Two rows of a patient are
    /// in the order `order` gives them, which `primary` (a number of 56
    /// bits) gives for almost all.
    pub fn take_buckets<S: BucketSink + Send>(
        &mut self,
        count: usize,
        primary: impl Fn(&Staged) -> u64 + Sync,
        order: impl Fn(&Staged, &Staged) -> std::cmp::Ordering + Sync,
        sinks: impl FnOnce(&[(Range<usize>, usize)]) -> Vec<S>,
    ) -> Vec<S> {
        let last = self.next;
        let first = last.saturating_sub(count);
        if first == last {
            return Vec::new();
        }
        self.next = first;
        let runs = &self.runs;
        let bounds = &self.bounds;
        let bucketing = self.bucketing;
        let stretches = |bucket: usize| {
            runs.iter().zip(bounds).filter_map(move |(run, bounds)| {
                run.get(*bounds.get(bucket)?..*bounds.get(bucket + 1)?)
            })
        };
        let buckets: Vec<(Range<usize>, usize)> = (first..last)
            .map(|bucket| {
                let patients = bucketing.first_patient(bucket)..bucketing.first_patient(bucket + 1);
                (patients, stretches(bucket).map(<[Staged]>::len).sum())
            })
            .collect();
        let taken: Vec<S> = sinks(&buckets)
            .into_par_iter()
            .zip(first..last)
            .map(|(mut sink, bucket)| {
                let patients = bucketing.first_patient(bucket)..bucketing.first_patient(bucket + 1);
                let stretches: Vec<&[Staged]> = stretches(bucket).collect();
                let (rows, starts) = gather_by_patient(&stretches, patients.clone());
                let mut scratch = Scratch::default();
                for (patient, pair) in patients.zip(starts.windows(2)) {
                    let [start, end] = pair else { continue };
                    let mine = rows.get(*start..*end).unwrap_or_default();
                    sort_patient(mine, &mut scratch, &primary, &order);
                    sink.patient(patient, scratch.order.iter().filter_map(|&i| mine.get(i)));
                }
                sink
            })
            .collect();
        for (run, bounds) in self.runs.iter_mut().zip(&self.bounds) {
            run.truncate(bounds.get(first).copied().unwrap_or(0));
            if run.capacity() - run.len() >= SLACK_ROWS {
                run.shrink_to_fit();
            }
        }
        taken
    }
}

/// The rows of `stretches` (all of `patients`' rows) one patient after
/// the other, with where each patient's rows start, then where the last
/// end: counted, then each row copied once to its place.
fn gather_by_patient(stretches: &[&[Staged]], patients: Range<usize>) -> (Vec<Staged>, Vec<usize>) {
    let first = patients.start;
    let last = patients.len().saturating_sub(1);
    let slot = |row: &Staged| (row.patient() as usize).saturating_sub(first).min(last);
    let mut starts = vec![0usize; patients.len() + 1];
    for row in stretches.iter().flat_map(|s| s.iter()) {
        if let Some(count) = starts.get_mut(slot(row) + 1) {
            *count += 1;
        }
    }
    let mut total = 0;
    for start in starts.iter_mut() {
        total += *start;
        *start = total;
    }
    let mut rows = vec![Staged::UNWRITTEN; total];
    let mut next = starts.clone();
    for row in stretches.iter().flat_map(|s| s.iter()) {
        if let Some(at) = next.get_mut(slot(row)) {
            if let Some(place) = rows.get_mut(*at) {
                *place = *row;
            }
            *at += 1;
        }
    }
    (rows, starts)
}

/// Room reused from one patient's sort to the next, and its answer.
#[derive(Default)]
struct Scratch {
    keys: Vec<u64>,
    wide_keys: Vec<u128>,
    /// The rows' places in timeline order.
    order: Vec<usize>,
}

/// The most rows a patient may have for their keys to carry their place
/// in 8 bits of a `u64`.
const KEYED_ROWS: usize = 256;

/// Put one patient's rows' places in timeline order into
/// `scratch.order`. Comparing whole rows mispredicts a branch every other
/// time on rows in no order; instead each row's `primary` number, with
/// its place below it, is sorted as a plain integer (a `u64` with the
/// place in 8 bits for up to 256 rows, else a `u128`), and only rows with
/// the same primary number are compared by `order`.
fn sort_patient(
    rows: &[Staged],
    scratch: &mut Scratch,
    primary: &impl Fn(&Staged) -> u64,
    order: &impl Fn(&Staged, &Staged) -> std::cmp::Ordering,
) {
    if rows.len() <= KEYED_ROWS {
        scratch.keys.clear();
        scratch.keys.extend(
            rows.iter()
                .enumerate()
                .map(|(place, row)| (primary(row) << 8) | place as u64),
        );
        sort_keyed(
            rows,
            &mut scratch.keys,
            &mut scratch.order,
            |k| (k >> 8, (k & 0xff) as usize),
            order,
        );
    } else {
        scratch.wide_keys.clear();
        scratch.wide_keys.extend(
            rows.iter()
                .enumerate()
                .map(|(place, row)| (u128::from(primary(row)) << 64) | place as u128),
        );
        sort_keyed(
            rows,
            &mut scratch.wide_keys,
            &mut scratch.order,
            |k| ((k >> 64) as u64, k as u64 as usize),
            order,
        );
    }
}

/// Sort `sorted`'s keys (one a row of `rows`), each made of a primary
/// number and the row's place ([`sort_patient`]), ties broken by `order`;
/// the places in that order into `places`.
fn sort_keyed<K: Copy + Ord>(
    rows: &[Staged],
    sorted: &mut [K],
    places: &mut Vec<usize>,
    split: impl Fn(K) -> (u64, usize),
    order: &impl Fn(&Staged, &Staged) -> std::cmp::Ordering,
) {
    sorted.sort_unstable();
    let row_at = |key: K| rows.get(split(key).1);
    let mut start = 0;
    while let Some(&first) = sorted.get(start) {
        let same = sorted
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&k| split(k).0 == split(first).0)
            .count();
        if same > 1 {
            if let Some(tied) = sorted.get_mut(start..start + same) {
                tied.sort_unstable_by(|&a, &b| match (row_at(a), row_at(b)) {
                    (Some(a), Some(b)) => order(a, b),
                    _ => std::cmp::Ordering::Equal,
                });
            }
        }
        start += same.max(1);
    }
    places.clear();
    places.extend(sorted.iter().map(|&key| split(key).1));
}

/// Partition `rows` in place by `key` (below `keys`; greater keys count as
/// the last): where each key's rows start, then the end. Each row is
/// moved once, along cycles (the American flag sort's pass).
fn partition(rows: &mut [Staged], keys: usize, key: impl Fn(&Staged) -> usize) -> Vec<usize> {
    let last = keys.saturating_sub(1);
    let key = |row: &Staged| key(row).min(last);
    let mut counts = vec![0usize; keys];
    for row in rows.iter() {
        if let Some(count) = counts.get_mut(key(row)) {
            *count += 1;
        }
    }
    let mut bounds = Vec::with_capacity(keys + 1);
    let mut start = 0;
    bounds.push(0);
    for count in &counts {
        start += count;
        bounds.push(start);
    }
    // The next place to fill in each key's stretch.
    let mut next: Vec<usize> = bounds.iter().take(keys).copied().collect();
    for k in 0..keys {
        let end = bounds.get(k + 1).copied().unwrap_or(0);
        while let Some(&at) = next.get(k).filter(|&&at| at < end) {
            let Some(&first) = rows.get(at) else { break };
            let mut row = first;
            let mut home = key(&row);
            // Carry the row to its stretch, and the one found there to
            // its own, until one belongs where the cycle started.
            while home != k {
                let Some(slot) = next.get_mut(home) else {
                    break;
                };
                let to = *slot;
                *slot += 1;
                if let Some(place) = rows.get_mut(to) {
                    std::mem::swap(place, &mut row);
                }
                home = key(&row);
            }
            if let Some(place) = rows.get_mut(at) {
                *place = row;
            }
            if let Some(slot) = next.get_mut(k) {
                *slot += 1;
            }
        }
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MeasureId;
    use proptest::prelude::*;

    fn row(patient: u32, day: i32, line: u32) -> Staged {
        let mut row = Staged::new(patient, day, 1.0, 0, 0, MeasureId::FIRST);
        row.line = line;
        row
    }

    fn key(row: &Staged) -> (u32, i32, u32) {
        (row.patient(), row.day(), row.line)
    }

    /// A bucket's rows as they were given, checking that each of its
    /// patients came once, in order.
    struct Bucket {
        patients: Range<usize>,
        /// How many rows the bucket was said to have.
        expected: usize,
        given: usize,
        rows: Vec<Staged>,
    }

    impl BucketSink for Bucket {
        fn patient<'r>(&mut self, patient: usize, rows: impl Iterator<Item = &'r Staged>) {
            assert_eq!(patient, self.patients.start + self.given);
            self.given += 1;
            for row in rows {
                assert_eq!(row.patient() as usize, patient);
                self.rows.push(*row);
            }
        }
    }

    fn bucket(patients: Range<usize>, rows: usize) -> Bucket {
        Bucket {
            patients,
            expected: rows,
            given: 0,
            rows: Vec::new(),
        }
    }

    /// Every bucket left, in patient order, `at_once` at a time.
    fn take_all(grouped: &mut Grouped, at_once: usize) -> Vec<Bucket> {
        let mut taken = Vec::new();
        loop {
            let mut buckets = grouped.take_buckets(
                at_once,
                |r| u64::from(r.day() as u32 ^ (1 << 31)) << 24,
                |a, b| key(a).cmp(&key(b)),
                |buckets| {
                    buckets
                        .iter()
                        .map(|(patients, rows)| bucket(patients.clone(), *rows))
                        .collect()
                },
            );
            if buckets.is_empty() {
                break;
            }
            for b in &buckets {
                assert_eq!(b.given, b.patients.len());
                assert_eq!(b.rows.len(), b.expected);
            }
            // Last buckets first: put them back in patient order.
            buckets.append(&mut taken);
            taken = buckets;
        }
        taken
    }

    proptest! {
        /// Partitioning keeps every row and puts each in its key's stretch.
        #[test]
        fn partition_puts_every_row_in_its_stretch(
            keys in prop::collection::vec(0usize..7, 0..200),
            count in 1usize..9,
        ) {
            let mut rows: Vec<Staged> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| row(k as u32, 0, i as u32))
                .collect();
            let bounds = partition(&mut rows, count, |r| r.patient() as usize);
            prop_assert_eq!(bounds.len(), count + 1);
            for k in 0..count {
                for r in &rows[bounds[k]..bounds[k + 1]] {
                    prop_assert_eq!((r.patient() as usize).min(count - 1), k);
                }
            }
            let mut lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
            lines.sort_unstable();
            prop_assert_eq!(lines, (0..keys.len() as u32).collect::<Vec<_>>());
        }

        /// Taken bucket by bucket from runs of any size, the rows come out
        /// as one sort of them all would give, patients in bucket order.
        #[test]
        fn buckets_give_the_rows_sorted(
            rows in prop::collection::vec((0u32..40, -5i32..5), 0..600),
            run_rows in 1usize..50,
            at_once in 1usize..4,
        ) {
            let staged: Vec<Staged> = rows
                .iter()
                .enumerate()
                .map(|(i, &(p, d))| row(p, d, i as u32))
                .collect();
            let mut runs = Runs::default();
            for chunk in staged.chunks(run_rows) {
                runs.push_run(chunk.to_vec());
            }
            let mut grouped = runs.group(40);
            let taken = take_all(&mut grouped, at_once);
            let mut all = Vec::new();
            let mut next_patient = 0;
            for bucket in &taken {
                prop_assert_eq!(bucket.patients.start, next_patient);
                next_patient = bucket.patients.end;
                for r in &bucket.rows {
                    prop_assert!(bucket.patients.contains(&(r.patient() as usize)));
                }
                all.extend(bucket.rows.iter().map(key));
            }
            prop_assert_eq!(next_patient, 40);
            let mut expected: Vec<_> = staged.iter().map(key).collect();
            expected.sort_unstable();
            prop_assert_eq!(all, expected);
        }
    }

    /// A patient with more rows than a narrow key can number is sorted by
    /// the wide key, ties (equal days) by the full order.
    #[test]
    fn a_patient_with_many_rows_is_sorted_too() {
        let staged: Vec<Staged> = (0..700u32)
            .map(|line| row(0, ((line * 7919) % 97) as i32 - 40, 1000 - line))
            .collect();
        let mut runs = Runs::default();
        runs.push_run(staged.clone());
        let mut grouped = runs.group(1);
        let got: Vec<_> = take_all(&mut grouped, 1)
            .iter()
            .flat_map(|b| b.rows.iter().map(key))
            .collect();
        let mut expected: Vec<_> = staged.iter().map(key).collect();
        expected.sort_unstable();
        assert_eq!(got, expected);
    }

    #[test]
    fn rows_pushed_one_by_one_fill_runs_of_whole_huge_pages() {
        let mut runs = Runs::default();
        for i in 0..RUN_ROWS + 3 {
            runs.push(row(0, 0, i as u32));
        }
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.len(), RUN_ROWS + 3);
        assert_eq!(runs.end(), Mark { run: 1, row: 3 });
    }
}
