//! The engine's memory: a truth per assessment day for every node and
//! named condition of a plan, in each mode, in one flat vector kept from one
//! patient to the next. A generation number marks what was computed for the
//! current patient, so nothing is cleared between patients.

use super::truth::Truth;
use crate::plan::{NamedId, NodeId};

/// Where a node's or a named condition's truths live in [`Buffers`]: one
/// truth per assessment day.
pub(super) type Region = usize;

/// Vectors an engine keeps from one patient to the next (see
/// [`Engine::with_buffers`](super::engine::Engine::with_buffers)).
#[derive(Debug, Default)]
pub struct Buffers {
    truths: Vec<Truth>,
    /// Per region: the generation it was computed in.
    done: Vec<u32>,
    generation: u32,
    days: usize,
    nodes: usize,
    named: usize,
    /// Per event: the days (indices) it fired, and per day whether it may
    /// have fired (unknown).
    fired: Vec<Vec<usize>>,
    maybe: Vec<Vec<bool>>,
    fired_done: Vec<u32>,
    /// Output vectors for results being computed (nested computations
    /// each take one).
    pool: Vec<Vec<Truth>>,
    /// Per day, the two values a comparison compares.
    pub(super) left: Vec<Option<f64>>,
    pub(super) right: Vec<Option<f64>>,
    /// Scratch of the walk over a named condition's dependencies.
    pub(super) visited: Vec<bool>,
    pub(super) order: Vec<NamedId>,
    pub(super) stack: Vec<(NamedId, usize)>,
}

impl Buffers {
    /// Make room for a plan of `nodes` nodes and `named` named conditions
    /// over `days` assessment days, forgetting the previous patient.
    pub(super) fn start(&mut self, nodes: usize, named: usize, days: usize) {
        self.days = days;
        self.nodes = nodes;
        self.named = named;
        let regions = 2 * (nodes + named) + 1;
        self.truths.resize(regions * days, Truth::Unknown);
        self.done.resize(regions, 0);
        self.fired.resize_with(named, Vec::new);
        self.maybe.resize_with(named, Vec::new);
        self.fired_done.resize(named, 0);
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.done.fill(0);
            self.fired_done.fill(0);
            self.generation = 1;
        }
        let unknown = self.unknown();
        if let Some(r) = self.range(unknown) {
            r.fill(Truth::Unknown);
        }
        if let Some(d) = self.done.get_mut(unknown) {
            *d = self.generation;
        }
    }

    /// The region that is unknown on every day (for ids out of range).
    pub(super) fn unknown(&self) -> Region {
        2 * (self.nodes + self.named)
    }

    /// A node's region in `mode` (0 carried, 1 fresh).
    pub(super) fn node(&self, id: NodeId, mode: usize) -> Option<Region> {
        (id < self.nodes).then_some(2 * id + mode)
    }

    /// A named condition's region in `mode`.
    pub(super) fn named(&self, id: NamedId, mode: usize) -> Option<Region> {
        (id < self.named).then_some(2 * (self.nodes + id) + mode)
    }

    /// Whether a region was computed for the current patient.
    pub(super) fn is_done(&self, region: Region) -> bool {
        self.done.get(region) == Some(&self.generation)
    }

    /// A region's truths.
    pub(super) fn slice(&self, region: Region) -> &[Truth] {
        let start = region * self.days;
        self.truths
            .get(start..start + self.days)
            .unwrap_or_default()
    }

    fn range(&mut self, region: Region) -> Option<&mut [Truth]> {
        let start = region * self.days;
        self.truths.get_mut(start..start + self.days)
    }

    /// Store a region's truths (one per day) and mark it computed.
    pub(super) fn store(&mut self, region: Region, truths: &[Truth]) {
        if let Some(r) = self.range(region) {
            for (to, from) in r.iter_mut().zip(truths) {
                *to = *from;
            }
        }
        if let Some(d) = self.done.get_mut(region) {
            *d = self.generation;
        }
    }

    /// An empty vector to compute a result into.
    pub(super) fn take(&mut self) -> Vec<Truth> {
        let mut v = self.pool.pop().unwrap_or_default();
        v.clear();
        v
    }

    /// Give back a vector from [`Buffers::take`].
    pub(super) fn give(&mut self, v: Vec<Truth>) {
        self.pool.push(v);
    }

    /// Whether an event's firings were computed for the current patient.
    pub(super) fn firings_done(&self, id: NamedId) -> bool {
        self.fired_done.get(id) == Some(&self.generation)
    }

    /// An event's firings (empty until computed).
    pub(super) fn fired(&self, id: NamedId) -> &[usize] {
        self.fired.get(id).map_or(&[], Vec::as_slice)
    }

    /// Per day, whether an event may have fired (unknown).
    pub(super) fn maybe(&self, id: NamedId) -> &[bool] {
        self.maybe.get(id).map_or(&[], Vec::as_slice)
    }

    /// An event's vectors, emptied, to compute its firings into.
    pub(super) fn take_firings(&mut self, id: NamedId) -> (Vec<usize>, Vec<bool>) {
        let mut fired = self
            .fired
            .get_mut(id)
            .map(std::mem::take)
            .unwrap_or_default();
        let mut maybe = self
            .maybe
            .get_mut(id)
            .map(std::mem::take)
            .unwrap_or_default();
        fired.clear();
        maybe.clear();
        (fired, maybe)
    }

    /// Store an event's firings and mark them computed.
    pub(super) fn store_firings(&mut self, id: NamedId, fired: Vec<usize>, maybe: Vec<bool>) {
        if let (Some(f), Some(m), Some(d)) = (
            self.fired.get_mut(id),
            self.maybe.get_mut(id),
            self.fired_done.get_mut(id),
        ) {
            *f = fired;
            *m = maybe;
            *d = self.generation;
        }
    }
}
