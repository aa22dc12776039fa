//! Reading an observations file in parallel: the file is read in blocks of
//! whole lines, and each block split at line ends into one stretch per
//! thread, each read into its own shard; the shards are absorbed in file
//! order, so the result is the one reading the file row by row gives.
//!
//! Splitting at line ends is only right while no field is quoted (a quoted
//! field may hold a line end): from the first block with a `"` on, the
//! rest of the file is read row by row. When the shards of a block
//! disagree on a patient's kind of time, or one of them stopped on an
//! error, the block is read again in one shard, so that the bad row
//! reported is the first in the file.

use super::error::DataError;
use super::loader::{Loader, Staged};
use super::observations::{layout, read_in_one_shard, read_rows, Layout};
use super::rows::{CsvRows, PlainRows};
use super::shard::{Shard, ShardOutput, Sink, SliceSink};
use super::table::{rows_reader, Table, Tracked};
use rayon::prelude::*;
use std::io::{Cursor, Read};

/// Bytes read at a time: big enough to split across threads, small enough
/// that the block and its shards cost little memory next to the rows.
const BLOCK: usize = 4 << 20;

/// Read an observations file into the loader.
pub(super) fn read<R: Read + Send>(
    loader: &mut Loader,
    name: &str,
    input: R,
) -> Result<(), DataError> {
    read_in_blocks(loader, name, input, BLOCK, rayon::current_num_threads())
}

/// [`read`] with blocks of `block` bytes cut into `parts` stretches.
fn read_in_blocks<R: Read + Send>(
    loader: &mut Loader,
    name: &str,
    mut input: R,
    block: usize,
    parts: usize,
) -> Result<(), DataError> {
    let unreadable = |e: std::io::Error| DataError::Unreadable {
        file: name.into(),
        reason: e.to_string(),
    };
    let mut buffer = Vec::with_capacity(block);
    let mut eof = fill(&mut input, &mut buffer, block).map_err(unreadable)?;
    let header_end = buffer.iter().position(|&b| b == b'\n').map(|i| i + 1);
    let header_is_plain = header_end
        .and_then(|end| buffer.get(..end))
        .is_some_and(|h| !h.trim_ascii().is_empty() && !h.contains(&b'"'));
    let (Some(header_end), true) = (header_end, header_is_plain) else {
        // An empty file, a quoted or blank first line, a header longer
        // than a block: the general reader.
        return super::observations::read(loader, name, Cursor::new(buffer).chain(input));
    };
    let layout = {
        let table = Table::open(name, buffer.get(..header_end).unwrap_or_default())?;
        layout(loader, &table)?
    };
    buffer.drain(..header_end);
    let mut next = Vec::with_capacity(block);
    let mut failed = None;
    // The line number of the buffer's first byte.
    let mut line = 2u64;
    loop {
        let end = if eof {
            buffer.len()
        } else {
            match buffer.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => {
                    // A line longer than the block: read on.
                    let wanted = buffer.len() + block;
                    eof = fill(&mut input, &mut buffer, wanted).map_err(unreadable)?;
                    continue;
                }
            }
        };
        let bytes = buffer.get(..end).unwrap_or_default();
        let stretches = split(bytes, line, parts);
        if stretches.iter().any(|s| s.quoted) {
            let rest = Cursor::new(std::mem::take(&mut buffer)).chain(input);
            return read_in_one(loader, &layout, rest, line);
        }
        // The next block is read from the input while this one is parsed,
        // on a thread of its own: as a task among the parsing ones, it
        // held up one stretch while the others waited for it.
        next.clear();
        next.extend_from_slice(buffer.get(end..).unwrap_or_default());
        let (parsed, filled) = std::thread::scope(|scope| {
            let reading = (!eof).then(|| scope.spawn(|| fill(&mut input, &mut next, block)));
            let parsed = read_block(loader, &layout, bytes, &stretches);
            let filled = match reading.map(std::thread::ScopedJoinHandle::join) {
                None => true,
                Some(Ok(Ok(filled))) => filled,
                Some(Ok(Err(e))) => {
                    failed = Some(e);
                    true
                }
                Some(Err(_)) => {
                    failed = Some(std::io::Error::other("the reading thread stopped"));
                    true
                }
            };
            (parsed, filled)
        });
        parsed?;
        line = stretches.last().map_or(line, |s| s.first_line + s.lines);
        if eof {
            return Ok(());
        }
        if let Some(e) = failed {
            return Err(unreadable(e));
        }
        std::mem::swap(&mut buffer, &mut next);
        eof = filled;
    }
}

/// Read rows, starting at `first_line`, in one shard.
fn read_in_one<R: Read>(
    loader: &mut Loader,
    layout: &Layout,
    input: R,
    first_line: u64,
) -> Result<(), DataError> {
    let mut reader = rows_reader(Tracked::new(input));
    read_in_one_shard(
        loader,
        layout,
        &mut CsvRows::new(&mut reader),
        first_line - 1,
    )
}

/// Read a block of whole, unquoted lines, one stretch per thread, into a
/// run of rows of its own. Each shard writes its rows in place, in a
/// stretch of the run set aside with as many rows as its text has lines;
/// the stretches are then closed up, in file order.
fn read_block(
    loader: &mut Loader,
    layout: &Layout,
    block: &[u8],
    stretches: &[Stretch],
) -> Result<(), DataError> {
    let first_line = stretches.first().map_or(1, |s| s.first_line);
    if stretches.len() > 1 {
        let room: usize = stretches.iter().map(Stretch::rows_at_most).sum();
        let mut staged = Vec::with_capacity(room);
        // Written on every core: the memory's first touch (a page fault
        // per 4 KB) is spread across them.
        staged.par_extend(rayon::iter::repeat_n(Staged::UNWRITTEN, room));
        let shards: Vec<(ShardOutput, usize, bool)> = {
            let base: &Loader = loader;
            let mut slices = Vec::with_capacity(stretches.len());
            let mut rest = staged.as_mut_slice();
            for stretch in stretches {
                let (mine, tail) = rest
                    .split_at_mut_checked(stretch.rows_at_most())
                    .unwrap_or_default();
                slices.push(mine);
                rest = tail;
            }
            stretches
                .par_iter()
                .zip(slices)
                .map(|(stretch, slice)| {
                    let mut sink = SliceSink::new(slice);
                    let out =
                        read_plain(base, layout, stretch.bytes, stretch.first_line, &mut sink);
                    (out, sink.len, !sink.overflow.is_empty())
                })
                .collect()
        };
        let stopped = shards
            .iter()
            .any(|(s, _, overflowed)| s.error.is_some() || *overflowed);
        let outputs: Vec<&ShardOutput> = shards.iter().map(|(s, _, _)| s).collect();
        if !stopped && !ShardOutput::kinds_conflict(&loader.kinds, &outputs) {
            let mut ranges = Vec::with_capacity(shards.len());
            let (mut from, mut to) = (0, 0);
            for (stretch, (_, written, _)) in stretches.iter().zip(&shards) {
                if from != to {
                    staged.copy_within(from..from + written, to);
                }
                ranges.push(to..to + written);
                from += stretch.rows_at_most();
                to += written;
            }
            staged.truncate(to);
            let mut rows = loader.take_rows();
            let run = rows.push_run(staged);
            loader.put_rows(rows);
            for ((shard, _, _), range) in shards.into_iter().zip(ranges) {
                loader.absorb(shard, run.plus(range.start), run.plus(range.end))?;
            }
            return Ok(());
        }
    }
    let mut rows = PlainRows::new(block);
    read_in_one_shard(loader, layout, &mut rows, first_line - 1)
}

/// Read unquoted lines, starting at `first_line`, into a shard that puts
/// its rows in `sink`.
fn read_plain(
    base: &Loader,
    layout: &Layout,
    text: &[u8],
    first_line: u64,
    sink: &mut impl Sink,
) -> ShardOutput {
    let mut shard = Shard::new(base);
    read_rows(
        &mut shard,
        layout,
        &mut PlainRows::new(text),
        first_line - 1,
        sink,
    );
    shard.out
}

/// A stretch of a block: whole lines.
struct Stretch<'a> {
    bytes: &'a [u8],
    /// The number of its first line.
    first_line: u64,
    /// How many line ends it has.
    lines: u64,
    /// Whether it has a `"`.
    quoted: bool,
}

impl Stretch<'_> {
    /// How many rows the stretch can hold: one a line.
    fn rows_at_most(&self) -> usize {
        let unended = !self.bytes.is_empty() && self.bytes.last() != Some(&b'\n');
        usize::try_from(self.lines).unwrap_or(usize::MAX) + usize::from(unended)
    }
}

/// Cut `block` at line ends into about `parts` stretches of similar size;
/// their lines are counted on every core.
fn split(block: &[u8], first_line: u64, parts: usize) -> Vec<Stretch<'_>> {
    let mut stretches = Vec::with_capacity(parts);
    let target = block.len() / parts.max(1) + 1;
    let mut rest = block;
    while !rest.is_empty() {
        let cut = rest
            .get(target..)
            .and_then(|tail| tail.iter().position(|&b| b == b'\n'))
            .map_or(rest.len(), |i| target + i + 1);
        let (bytes, tail) = rest.split_at(cut.min(rest.len()));
        stretches.push(Stretch {
            bytes,
            first_line: 0,
            lines: 0,
            quoted: false,
        });
        rest = tail;
    }
    stretches.par_iter_mut().for_each(|stretch| {
        (stretch.lines, stretch.quoted) = scan(stretch.bytes);
    });
    let mut line = first_line;
    for stretch in &mut stretches {
        stretch.first_line = line;
        line += stretch.lines;
    }
    stretches
}

/// How many line ends `bytes` has, and whether it has a `"`: one pass,
/// in chunks small enough for byte counters, which the compiler turns
/// into vector instructions.
fn scan(bytes: &[u8]) -> (u64, bool) {
    const CHUNK: usize = 128;
    let (mut lines, mut quotes) = (0u64, 0u8);
    let mut chunks = bytes.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        let (mut n, mut q) = (0u8, 0u8);
        for &b in chunk {
            n += u8::from(b == b'\n');
            q |= u8::from(b == b'"');
        }
        lines += u64::from(n);
        quotes |= q;
    }
    for &b in chunks.remainder() {
        lines += u64::from(b == b'\n');
        quotes |= u8::from(b == b'"');
    }
    (lines, quotes != 0)
}

/// Read from `input` until `buffer` holds `wanted` bytes or the input
/// ends; `true` at the end.
fn fill<R: Read>(input: &mut R, buffer: &mut Vec<u8>, wanted: usize) -> std::io::Result<bool> {
    while buffer.len() < wanted {
        let before = buffer.len();
        let mut limited = input.take((wanted - before) as u64);
        match limited.read_to_end(buffer) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::LoadOptions;
    use proptest::prelude::*;

    /// Everything a load gives, or its error, as text to compare.
    fn load(bytes: &[u8], skip_bad_rows: bool, blocks: Option<(usize, usize)>) -> String {
        let mut loader = Loader::new(LoadOptions {
            mapping: None,
            skip_bad_rows,
        });
        let read = match blocks {
            Some((block, parts)) => read_in_blocks(&mut loader, "obs.csv", bytes, block, parts),
            None => super::super::observations::read(&mut loader, "obs.csv", bytes),
        };
        match read.and_then(|()| loader.finish()) {
            Ok(loaded) => format!("{loaded:?}"),
            Err(e) => format!("error: {e:?}"),
        }
    }

    fn row() -> impl Strategy<Value = String> {
        let patient = prop::sample::select(vec!["P1", "P2", "p3", "10", "2"]);
        let time = prop::sample::select(vec![
            "0",
            "1",
            "14",
            "-3",
            "2021-03-04",
            "2021-03-04T08:00",
            "2021-03-05",
            "x",
        ]);
        let measure = prop::sample::select(vec!["upcr", "albumin", "scr", "hba1c", ""]);
        let value = prop::sample::select(vec!["1.5", "0.3", "40", "abc", "-1", "2"]);
        let unit = prop::sample::select(vec!["g/g", "mg/mg", "g/L", "mg/dL", "", "furlongs"]);
        (patient, time, measure, value, unit, 0..12u8).prop_map(
            |(p, t, m, v, u, shape)| match shape {
                0 => String::new(),
                1 => format!("{p},{t},{m},{v},{u}\r"),
                2 => format!("{p},{t},{m},{v}"),
                3 => format!("\"{p}\",{t},{m},{v},{u}"),
                _ => format!("{p},{t},{m},{v},{u}"),
            },
        )
    }

    proptest! {
        /// Read in blocks of any size cut into any number of stretches, a
        /// file gives what reading it row by row gives: the same
        /// timelines, accounting and skipped rows, or the same first error.
        #[test]
        fn blocks_read_like_rows(
            rows in prop::collection::vec(row(), 0..60),
            block in 8usize..200,
            parts in 1usize..5,
            skip in any::<bool>(),
        ) {
            let text = format!("patient,time,measure,value,unit\n{}\n", rows.join("\n"));
            let bytes = text.as_bytes();
            prop_assert_eq!(load(bytes, skip, Some((block, parts))), load(bytes, skip, None));
        }
    }

    #[test]
    fn stretches_cover_the_block_at_line_ends_with_their_lines() {
        let block = b"a\nbb\nccc\ndddd\ne";
        for parts in 1..6 {
            let stretches = split(block, 7, parts);
            let joined: Vec<u8> = stretches.iter().flat_map(|s| s.bytes.to_vec()).collect();
            assert_eq!(joined, block.to_vec());
            let mut line = 7;
            for (i, stretch) in stretches.iter().enumerate() {
                assert_eq!(stretch.first_line, line);
                line += stretch.lines;
                assert!(!stretch.quoted);
                if i + 1 < stretches.len() {
                    assert_eq!(stretch.bytes.last(), Some(&b'\n'));
                }
            }
            assert_eq!(line, 11);
        }
    }

    #[test]
    fn the_scan_counts_line_ends_and_sees_quotes_anywhere() {
        for len in [0, 1, 127, 128, 129, 300, 1000] {
            let mut bytes: Vec<u8> = (0..len)
                .map(|i| if i % 7 == 3 { b'\n' } else { b'x' })
                .collect();
            let expected = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(scan(&bytes), (expected, false));
            if let Some(last) = bytes.last_mut() {
                *last = b'"';
                let expected = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                assert_eq!(scan(&bytes), (expected, true));
            }
        }
    }
}
