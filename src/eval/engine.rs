//! Evaluating plan nodes over one patient's assessment days: every node
//! yields one truth value per day, computed once per patient and mode and
//! kept in the engine's [`memo`](super::memo). When a result is unknown,
//! [`Engine::why`] says why.

use super::memo::{Buffers, Region};
use super::prepare::{Prepared, Series};
use super::treatments::{self, Body};
use super::truth::Truth;
use crate::ast::{CmpOp, Direction, RefKind};
use crate::plan::*;

/// How measure values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The current value, carried forward within its `valid` window.
    Carried,
    /// Only a value observed on the day itself (inside `for N consecutive
    /// days`, nothing is carried forward).
    Fresh,
}

impl Mode {
    fn index(self) -> usize {
        match self {
            Mode::Carried => 0,
            Mode::Fresh => 1,
        }
    }
}

/// Two values closer than this (relative) are equal: a threshold written
/// in one unit and data in another must meet exactly at the boundary.
const RELATIVE_TOLERANCE: f64 = 1e-9;

/// `a op b`, with values within the tolerance taken as equal.
#[inline]
pub fn holds(a: f64, op: CmpOp, b: f64) -> bool {
    let equal = (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs());
    match op {
        CmpOp::Lt => a < b && !equal,
        CmpOp::Le => a < b || equal,
        CmpOp::Gt => a > b && !equal,
        CmpOp::Ge => a > b || equal,
        CmpOp::Eq => equal,
        CmpOp::Ne => !equal,
    }
}

fn compare(a: Option<f64>, op: CmpOp, b: Option<f64>) -> Truth {
    match (a, b) {
        (Some(a), Some(b)) => Truth::from_bool(holds(a, op, b)),
        _ => Truth::Unknown,
    }
}

/// A change test of the current value `x` against the reference `r`.
#[inline]
fn change(x: f64, r: f64, test: ChangeTest) -> Truth {
    let signed = |d: Direction| match d {
        Direction::Rose => x - r,
        Direction::Fell => r - x,
    };
    match test {
        ChangeTest::Relative(d, op, f) if r > 0.0 => Truth::from_bool(holds(signed(d) / r, op, f)),
        ChangeTest::Relative(..) => Truth::Unknown,
        ChangeTest::Absolute(d, op, a) => Truth::from_bool(holds(signed(d), op, a)),
        ChangeTest::Beyond(d) => Truth::from_bool(holds(signed(d), CmpOp::Gt, 0.0)),
        ChangeTest::WithinRelative(f) if r > 0.0 => {
            Truth::from_bool(holds((x - r).abs() / r, CmpOp::Le, f))
        }
        ChangeTest::WithinRelative(_) => Truth::Unknown,
        ChangeTest::WithinAbsolute(a) => Truth::from_bool(holds((x - r).abs(), CmpOp::Le, a)),
    }
}

/// The evaluator of one plan over one patient.
pub struct Engine<'a> {
    plan: &'a Plan,
    p: &'a Prepared<'a>,
    /// Every node's and named condition's truths once computed, and each
    /// event's firings.
    memo: Buffers,
}

impl<'a> Engine<'a> {
    /// An engine for `plan` over the prepared patient.
    pub fn new(plan: &'a Plan, p: &'a Prepared<'a>) -> Self {
        Self::with_buffers(plan, p, Buffers::default())
    }

    /// [`Engine::new`], reusing the buffers of an engine of a patient
    /// evaluated before (take them back with [`Engine::into_buffers`]).
    pub fn with_buffers(plan: &'a Plan, p: &'a Prepared<'a>, mut memo: Buffers) -> Self {
        memo.start(plan.nodes.len(), plan.named.len(), p.days.len());
        Engine { plan, p, memo }
    }

    /// The buffers, for the next patient.
    pub fn into_buffers(self) -> Buffers {
        self.memo
    }

    /// The number of assessment days.
    pub fn len(&self) -> usize {
        self.p.days.len()
    }

    /// Whether the patient has no assessment day.
    pub fn is_empty(&self) -> bool {
        self.p.days.is_empty()
    }

    fn day(&self, i: usize) -> i64 {
        self.p.days.get(i).copied().unwrap_or(0)
    }

    /// The prepared patient.
    pub fn prepared(&self) -> &'a Prepared<'a> {
        self.p
    }

    /// Assessment day `i` (relative to the index).
    pub fn day_at(&self, i: usize) -> i64 {
        self.day(i)
    }

    /// The day's value of a measure with where it came from.
    pub fn current_value(
        &self,
        slot: Slot,
        i: usize,
        mode: Mode,
    ) -> Option<super::prepare::DayValue> {
        let s = self.series(slot)?;
        let day = self.day(i);
        let k = match mode {
            Mode::Carried => s.current(i, day)?,
            Mode::Fresh => s.fresh(i, day)?,
        };
        s.values.get(k).copied()
    }

    /// A value of the plan on day `i`, in canonical units.
    pub fn value_of(&self, v: ValuePlan, i: usize, mode: Mode) -> Option<f64> {
        self.value(v, i, mode)
    }

    /// Why a value is missing on day `i`; `None` when it is there.
    pub fn why_value(&self, v: ValuePlan, i: usize, mode: Mode) -> Option<String> {
        self.value(v, i, mode)
            .is_none()
            .then(|| self.missing(v, self.day(i), mode))
    }

    /// Why a change of a measure is unknown on day `i`.
    pub fn why_change(&self, slot: Slot, spec: RefSpec, i: usize, mode: Mode) -> String {
        let day = self.day(i);
        if self.current(slot, i, mode).is_none() {
            return self.missing(ValuePlan::Current(slot), day, mode);
        }
        match self.reference(slot, spec, i) {
            None => self.missing(ValuePlan::Reference(slot, spec), day, mode),
            Some(r) if r <= 0.0 => format!(
                "{} is {r}: no relative change from it",
                self.ref_words(slot, spec)
            ),
            Some(_) => "unknown".into(),
        }
    }

    fn body(&self) -> Body {
        Body {
            weight_kg: self.p.weight_kg,
            height_cm: self.p.height_cm,
        }
    }

    fn series(&self, slot: Slot) -> Option<&'a Series> {
        self.p.series.get(slot)
    }

    /// A measure's value on day `i`.
    pub fn current(&self, slot: Slot, i: usize, mode: Mode) -> Option<f64> {
        let s = self.series(slot)?;
        let day = self.day(i);
        let k = match mode {
            Mode::Carried => s.current(i, day)?,
            Mode::Fresh => s.fresh(i, day)?,
        };
        s.values.get(k).map(|v| v.value)
    }

    /// A reference point of a measure on day `i`.
    pub fn reference(&self, slot: Slot, spec: RefSpec, i: usize) -> Option<f64> {
        let s = self.series(slot)?;
        if spec.kind == RefKind::Baseline {
            return s.baseline;
        }
        let upto = s.upto.get(i).copied().flatten()?;
        match (spec.kind, spec.since_index) {
            (RefKind::Peak, false) => s.peak.get(upto).copied(),
            (RefKind::Nadir, false) => s.nadir.get(upto).copied(),
            (RefKind::Peak, true) => s.peak_since_index.get(upto).copied().flatten(),
            (RefKind::Nadir, true) => s.nadir_since_index.get(upto).copied().flatten(),
            (RefKind::Previous, since) => {
                // The observation before the current one.
                let current = s.current(i, self.day(i))?;
                let previous = s.values.get(current.checked_sub(1)?)?;
                (!since || previous.day >= 0).then_some(previous.value)
            }
            (RefKind::Baseline, _) => s.baseline,
        }
    }

    fn value(&self, v: ValuePlan, i: usize, mode: Mode) -> Option<f64> {
        match v {
            ValuePlan::Current(slot) => self.current(slot, i, mode),
            ValuePlan::Reference(slot, spec) => self.reference(slot, spec, i),
            ValuePlan::Multiple(f, slot, spec) => self.reference(slot, spec, i).map(|r| f * r),
            ValuePlan::Constant(c) => Some(c),
        }
    }

    /// A value on every assessment day, into `out` (empty on entry).
    fn values_into(&self, v: ValuePlan, mode: Mode, out: &mut Vec<Option<f64>>) {
        let n = self.len();
        match v {
            ValuePlan::Constant(c) => out.resize(n, Some(c)),
            ValuePlan::Current(slot) => {
                if let Some(s) = self.series(slot) {
                    let days = self.p.days.iter().zip(&s.upto);
                    match mode {
                        Mode::Carried => out.extend(days.map(|(&day, &k)| {
                            let v = s.values.get(k?)?;
                            ((day - v.day) as f64 <= s.valid_days).then_some(v.value)
                        })),
                        Mode::Fresh => out.extend(days.map(|(&day, &k)| {
                            let v = s.values.get(k?)?;
                            (v.day == day).then_some(v.value)
                        })),
                    }
                }
            }
            ValuePlan::Reference(slot, spec) if spec.kind == RefKind::Baseline => {
                out.resize(n, self.series(slot).and_then(|s| s.baseline));
            }
            ValuePlan::Reference(slot, spec) => {
                out.extend((0..n).map(|i| self.reference(slot, spec, i)));
            }
            ValuePlan::Multiple(f, slot, spec) => {
                out.extend((0..n).map(|i| self.reference(slot, spec, i).map(|r| f * r)));
            }
        }
        out.resize(n, None);
    }

    /// A node's truth on every assessment day.
    pub fn eval(&mut self, id: NodeId, mode: Mode) -> Vec<Truth> {
        self.truths(id, mode).to_vec()
    }

    /// A node's truth on every assessment day, as the engine keeps it.
    pub fn truths(&mut self, id: NodeId, mode: Mode) -> &[Truth] {
        let region = self.node(id, mode);
        self.memo.slice(region)
    }

    fn truth_at(&mut self, id: NodeId, mode: Mode, i: usize) -> Option<Truth> {
        self.truths(id, mode).get(i).copied()
    }

    /// Compute a node (once per patient and mode) and say where it is.
    fn node(&mut self, id: NodeId, mode: Mode) -> Region {
        let plan = self.plan;
        let Some(node) = plan.nodes.get(id) else {
            return self.memo.unknown();
        };
        if let Node::Ref(named) = node {
            return self.named_region(*named, mode);
        }
        let Some(region) = self.memo.node(id, mode.index()) else {
            return self.memo.unknown();
        };
        if !self.memo.is_done(region) {
            let mut out = self.memo.take();
            self.compute(node, mode, &mut out);
            self.memo.store(region, &out);
            self.memo.give(out);
        }
        region
    }

    /// A node's truths into `out` (empty on entry).
    fn compute(&mut self, node: &Node, mode: Mode, out: &mut Vec<Truth>) {
        let n = self.len();
        match node {
            Node::And(ops) => self.fold(ops, mode, Truth::True, Truth::and, out),
            Node::Or(ops) => self.fold(ops, mode, Truth::False, Truth::or, out),
            Node::Either(ops) => {
                // Unknown alternatives are passed over: the known ones
                // decide (true if one is true, else false if one is false).
                out.resize(n, Truth::Unknown);
                for &op in ops {
                    let r = self.node(op, mode);
                    for (acc, &t) in out.iter_mut().zip(self.memo.slice(r)) {
                        match t {
                            Truth::True => *acc = Truth::True,
                            Truth::False if *acc != Truth::True => *acc = Truth::False,
                            _ => {}
                        }
                    }
                }
            }
            Node::Not(inner) => {
                let r = self.node(*inner, mode);
                out.extend(self.memo.slice(r).iter().map(|&t| !t));
            }
            Node::Ref(named) => {
                let r = self.named_region(*named, mode);
                out.extend_from_slice(self.memo.slice(r));
            }
            Node::Compare(a, op, b) => {
                let mut left = std::mem::take(&mut self.memo.left);
                left.clear();
                self.values_into(*a, mode, &mut left);
                if let ValuePlan::Constant(c) = *b {
                    out.extend(left.iter().map(|&x| compare(x, *op, Some(c))));
                } else {
                    let mut right = std::mem::take(&mut self.memo.right);
                    right.clear();
                    self.values_into(*b, mode, &mut right);
                    out.extend(left.iter().zip(&right).map(|(&x, &y)| compare(x, *op, y)));
                    self.memo.right = right;
                }
                self.memo.left = left;
            }
            Node::Change(slot, spec, test) => {
                let mut left = std::mem::take(&mut self.memo.left);
                let mut right = std::mem::take(&mut self.memo.right);
                left.clear();
                right.clear();
                self.values_into(ValuePlan::Current(*slot), mode, &mut left);
                self.values_into(ValuePlan::Reference(*slot, *spec), mode, &mut right);
                out.extend(left.iter().zip(&right).map(|(&x, &r)| match (x, r) {
                    (Some(x), Some(r)) => change(x, r, *test),
                    _ => Truth::Unknown,
                }));
                self.memo.left = left;
                self.memo.right = right;
            }
            Node::After(c, s) => {
                let (c, s) = (self.node(*c, mode), self.node(*s, mode));
                let mut before = Truth::False;
                for (&ci, &si) in self.memo.slice(c).iter().zip(self.memo.slice(s)) {
                    out.push(ci.and(before));
                    before = before.or(si);
                }
            }
            Node::ConsecutiveDays(inner, run) => {
                let r = self.node(*inner, Mode::Fresh);
                self.consecutive_days(self.memo.slice(r), *run, out);
            }
            Node::ConsecutiveAssessments(inner, run) => {
                let r = self.node(*inner, mode);
                consecutive_assessments(self.memo.slice(r), *run, out);
            }
            Node::Confirmed(inner, op, gap) => {
                let r = self.node(*inner, mode);
                let c = self.memo.slice(r);
                out.extend((0..n).map(|i| self.confirmed(c, i, *op, *gap)));
            }
            Node::Within(inner, limit) => self.gate(*inner, mode, |d| (d as f64) <= *limit, out),
            Node::AfterDay(inner, limit) => self.gate(*inner, mode, |d| (d as f64) > *limit, out),
            Node::AtDay(inner, landmark) => {
                let r = self.node(*inner, mode);
                let c = self.memo.slice(r);
                let at = self.landmark_assessment(c, *landmark);
                let landmark_day = landmark.round() as i64;
                out.extend((0..n).map(|i| {
                    if self.day(i) != landmark_day {
                        Truth::False
                    } else {
                        at.and_then(|j| c.get(j).copied()).unwrap_or(Truth::Unknown)
                    }
                }));
            }
            Node::ByDay(inner, limit) => {
                let r = self.node(*inner, mode);
                let landmarked = self
                    .plan
                    .uses_landmark
                    .get(*inner)
                    .copied()
                    .unwrap_or(false);
                let value = self.by_day(self.memo.slice(r), *limit, landmarked);
                out.resize(n, value);
            }
            Node::WithinAfterStop(inner, days, drug) => {
                let r = self.node(*inner, mode);
                let exposures = self.p.exposures.get(*drug).map_or(&[][..], Vec::as_slice);
                out.extend(self.memo.slice(r).iter().enumerate().map(|(i, &t)| {
                    t.and(Truth::from_bool(treatments::within_after_stop(
                        exposures,
                        self.day(i),
                        *days,
                    )))
                }));
            }
            Node::OnDrug(drug) => {
                let exposures = self.p.exposures.get(*drug).map_or(&[][..], Vec::as_slice);
                out.extend((0..n).map(|i| {
                    Truth::from_bool(treatments::covering(exposures, self.day(i)).is_some())
                }));
            }
            Node::Tapering(drug) => {
                let exposures = self.p.exposures.get(*drug).map_or(&[][..], Vec::as_slice);
                let courses = self.p.courses.get(*drug).map_or(&[][..], Vec::as_slice);
                out.extend((0..n).map(|i| {
                    treatments::tapering(exposures, courses, self.day(i), self.body())
                        .map_or(Truth::Unknown, Truth::from_bool)
                }));
            }
            Node::Exposure(drug, op, days) => {
                let exposures = self.p.exposures.get(*drug).map_or(&[][..], Vec::as_slice);
                out.extend((0..n).map(|i| {
                    Truth::from_bool(holds(
                        treatments::exposure_days(exposures, self.day(i)),
                        *op,
                        *days,
                    ))
                }));
            }
            Node::Dose(drug, op, threshold, unit) => {
                let exposures = self.p.exposures.get(*drug).map_or(&[][..], Vec::as_slice);
                let courses = self.p.courses.get(*drug).map_or(&[][..], Vec::as_slice);
                out.extend((0..n).map(|i| {
                    compare(
                        treatments::dose_on(exposures, courses, self.day(i), *unit, self.body()),
                        *op,
                        Some(*threshold),
                    )
                }));
            }
            Node::Count(event, window, op, k) => self.count(*event, *window, *op, *k, out),
        }
    }

    fn fold(
        &mut self,
        ops: &[NodeId],
        mode: Mode,
        start: Truth,
        f: impl Fn(Truth, Truth) -> Truth,
        out: &mut Vec<Truth>,
    ) {
        out.resize(self.len(), start);
        for &op in ops {
            let r = self.node(op, mode);
            for (acc, &t) in out.iter_mut().zip(self.memo.slice(r)) {
                *acc = f(*acc, t);
            }
        }
    }

    fn gate(
        &mut self,
        inner: NodeId,
        mode: Mode,
        open: impl Fn(i64) -> bool,
        out: &mut Vec<Truth>,
    ) {
        let r = self.node(inner, mode);
        out.extend(self.memo.slice(r).iter().enumerate().map(|(i, &t)| {
            if open(self.day(i)) {
                t
            } else {
                Truth::False
            }
        }));
    }

    /// True on a day that lies in a run of `run` consecutive calendar days,
    /// each with fresh values making the condition true (Kleene: the `or`
    /// over the windows holding the day of the `and` over each window).
    fn consecutive_days(&self, fresh: &[Truth], run: i64, out: &mut Vec<Truth>) {
        let at = |day: i64| match self.p.days.binary_search(&day) {
            Ok(j) => fresh.get(j).copied().unwrap_or(Truth::Unknown),
            Err(_) => Truth::Unknown,
        };
        out.extend((0..self.len()).map(|i| {
            let day = self.day(i);
            let mut any = Truth::False;
            for start in (day - run + 1)..=day {
                let mut all = Truth::True;
                for d in start..start + run {
                    all = all.and(at(d));
                    if all == Truth::False {
                        break;
                    }
                }
                any = any.or(all);
                if any == Truth::True {
                    break;
                }
            }
            any
        }));
    }

    /// `C confirmed after OP gap`: C now, and at a later assessment whose
    /// distance satisfies the comparison, never false in between.
    fn confirmed(&self, c: &[Truth], i: usize, op: CmpOp, gap: f64) -> Truth {
        let now = c.get(i).copied().unwrap_or(Truth::Unknown);
        if now == Truth::False {
            return Truth::False;
        }
        let start = self.day(i);
        for (j, &t) in c.iter().enumerate().skip(i + 1) {
            let qualifies = holds((self.day(j) - start) as f64, op, gap);
            match t {
                Truth::True if qualifies => return now,
                Truth::False => return Truth::False,
                _ => {}
            }
        }
        Truth::Unknown
    }

    /// The observed assessment nearest the landmark, within the window, at
    /// which the condition can be evaluated (the earlier one on a tie).
    fn landmark_assessment(&self, c: &[Truth], landmark: f64) -> Option<usize> {
        let window = self.plan.landmark_window;
        (0..self.len())
            .filter(|&i| self.p.observed.get(i).copied().unwrap_or(false))
            .filter(|&i| c.get(i).is_some_and(|t| *t != Truth::Unknown))
            .map(|i| (i, (self.day(i) as f64 - landmark).abs()))
            .filter(|&(_, distance)| distance <= window)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// `C by day N`: a fact about the whole record.
    fn by_day(&self, c: &[Truth], limit: f64, landmarked: bool) -> Truth {
        let mut seen = Truth::False;
        for (i, &t) in c.iter().enumerate() {
            if (self.day(i) as f64) <= limit {
                seen = seen.or(self.record_truth(i, t, landmarked));
            }
        }
        if seen == Truth::True {
            return Truth::True;
        }
        let reached = self.p.followup.is_some_and(|f| (f as f64) >= limit);
        if !reached {
            return Truth::Unknown;
        }
        seen
    }

    fn count(
        &mut self,
        event: NamedId,
        window: CountPlan,
        op: CmpOp,
        k: f64,
        out: &mut Vec<Truth>,
    ) {
        self.ensure_firings(event);
        let n = self.len();
        match window {
            CountPlan::Any(length) => {
                let firings = self.memo.fired(event);
                out.extend((0..n).map(|i| {
                    let today = self.day(i);
                    // Firings are in day order: those up to today are a
                    // prefix.
                    let upto = firings.iter().filter(|&&f| self.day(f) <= today).count();
                    let at = |j: usize| firings.get(j).map(|&f| self.day(f));
                    let mut best = 0usize;
                    let mut start = 0usize;
                    for end in 0..upto {
                        while at(end)
                            .zip(at(start))
                            .is_some_and(|(e, s)| (e - s) as f64 > length)
                        {
                            start += 1;
                        }
                        best = best.max(end + 1 - start);
                    }
                    Truth::from_bool(holds(best as f64, op, k))
                }));
            }
            CountPlan::FirstAfter(length, anchor) => {
                let r = self.node(anchor, Mode::Carried);
                let s = self.memo.slice(r);
                let firings = self.memo.fired(event);
                let opened = s.iter().position(|t| *t == Truth::True);
                out.extend((0..n).map(|i| {
                    let today = self.day(i);
                    match opened {
                        Some(j) if j <= i => {
                            let from = self.day(j);
                            let count = firings
                                .iter()
                                .map(|&f| self.day(f))
                                .filter(|&f| {
                                    f >= from && f <= today && ((f - from) as f64) <= length
                                })
                                .count();
                            Truth::from_bool(holds(count as f64, op, k))
                        }
                        _ if s.iter().take(i + 1).any(|t| *t == Truth::Unknown) => Truth::Unknown,
                        _ => Truth::from_bool(holds(0.0, op, k)),
                    }
                }));
            }
        }
    }

    /// A named condition on every day, memoised.
    pub fn named(&mut self, id: NamedId, mode: Mode) -> Vec<Truth> {
        let region = self.named_region(id, mode);
        self.memo.slice(region).to_vec()
    }

    /// A named condition on every day, as the engine keeps it.
    pub fn named_truths(&mut self, id: NamedId, mode: Mode) -> &[Truth] {
        let region = self.named_region(id, mode);
        self.memo.slice(region)
    }

    fn named_region(&mut self, id: NamedId, mode: Mode) -> Region {
        let Some(region) = self.memo.named(id, mode.index()) else {
            return self.memo.unknown();
        };
        if self.memo.is_done(region) {
            return region;
        }
        // Compute what it uses first, deepest first, so that a long chain
        // of definitions never recurses deeply: each body then finds its
        // references already computed.
        let order = self.dependencies(id);
        for &dep in &order {
            if let Some(r) = self.memo.named(dep, mode.index()) {
                if !self.memo.is_done(r) {
                    self.compute_named(dep, r, mode);
                }
            }
        }
        self.memo.order = order;
        self.compute_named(id, region, mode);
        region
    }

    /// Everything `id` uses, directly or not, in post-order (what a
    /// condition uses comes before it), `id` itself left out. The vector
    /// is the memo's scratch: give it back when done.
    fn dependencies(&mut self, id: NamedId) -> Vec<NamedId> {
        let deps = &self.plan.named_deps;
        let mut visited = std::mem::take(&mut self.memo.visited);
        let mut order = std::mem::take(&mut self.memo.order);
        let mut stack = std::mem::take(&mut self.memo.stack);
        visited.clear();
        visited.resize(deps.len(), false);
        order.clear();
        stack.clear();
        stack.push((id, 0));
        if let Some(v) = visited.get_mut(id) {
            *v = true;
        }
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            match deps.get(node).and_then(|d| d.get(*next)).copied() {
                Some(dep) => {
                    *next += 1;
                    if let Some(v) = visited.get_mut(dep).filter(|v| !**v) {
                        *v = true;
                        stack.push((dep, 0));
                    }
                }
                None => {
                    stack.pop();
                    if node != id {
                        order.push(node);
                    }
                }
            }
        }
        self.memo.visited = visited;
        self.memo.stack = stack;
        order
    }

    /// Evaluate a named condition into its region (its uses are expected
    /// computed already, but are computed on demand if not).
    fn compute_named(&mut self, id: NamedId, region: Region, mode: Mode) {
        let plan = self.plan;
        let Some(named) = plan.named.get(id) else {
            return;
        };
        let n = self.len();
        let mut out = self.memo.take();
        match named.kind {
            NamedKind::Define => match named.body {
                Some(body) => {
                    let r = self.node(body, mode);
                    out.extend_from_slice(self.memo.slice(r));
                }
                None => out.resize(n, Truth::Unknown),
            },
            NamedKind::Category => self.category(id, mode, &mut out),
            NamedKind::Event => {
                self.ensure_firings(id);
                out.extend(self.memo.maybe(id).iter().map(|&pending| {
                    if pending {
                        Truth::Unknown
                    } else {
                        Truth::False
                    }
                }));
                out.resize(n, Truth::False);
                for &i in self.memo.fired(id) {
                    if let Some(t) = out.get_mut(i) {
                        *t = Truth::True;
                    }
                }
            }
            NamedKind::Phenotype => {
                let value = self.phenotype(id);
                out.resize(n, value);
            }
        }
        self.memo.store(region, &out);
        self.memo.give(out);
    }

    /// A response line's own condition (`otherwise` is not one: `None`).
    pub fn line(&mut self, id: NamedId, mode: Mode) -> Option<Vec<Truth>> {
        let body = self.plan.named.get(id)?.body?;
        Some(self.eval(body, mode))
    }

    /// Category X as a condition: false when a line above it is true;
    /// otherwise the truth of its own line (for `otherwise`: true when
    /// every line above is false, unknown when some is unknown).
    fn category(&mut self, id: NamedId, mode: Mode, out: &mut Vec<Truth>) {
        let n = self.len();
        let plan = self.plan;
        // Per day, the `or` of the lines above: true when one is true,
        // unknown when none is but one is unknown.
        out.resize(n, Truth::False);
        for &line in &plan.categories {
            let body = plan.named.get(line).and_then(|l| l.body);
            if line == id {
                match body {
                    Some(body) => {
                        let r = self.node(body, mode);
                        for (acc, &own) in out.iter_mut().zip(self.memo.slice(r)) {
                            *acc = if *acc == Truth::True {
                                Truth::False
                            } else {
                                own
                            };
                        }
                    }
                    None => {
                        for acc in out.iter_mut() {
                            *acc = !*acc;
                        }
                    }
                }
                return;
            }
            if let Some(body) = body {
                let r = self.node(body, mode);
                for (acc, &t) in out.iter_mut().zip(self.memo.slice(r)) {
                    *acc = acc.or(t);
                }
            }
        }
        out.clear();
        out.resize(n, Truth::Unknown);
    }

    /// The days (indices) on which an event fired.
    pub fn firings(&mut self, id: NamedId) -> &[usize] {
        self.ensure_firings(id);
        self.memo.fired(id)
    }

    /// Compute an event's firings (definite) and, per day, whether a firing
    /// was possible but unknown; once per patient.
    fn ensure_firings(&mut self, id: NamedId) {
        if self.memo.firings_done(id) {
            return;
        }
        let n = self.len();
        let (mut fired, mut maybe) = self.memo.take_firings(id);
        maybe.resize(n, false);
        let plan = self.plan;
        if let Some(named) = plan.named.get(id) {
            if let Some((c, s)) = named.rearm {
                // `E: C after S`: each firing needs S on an assessment after
                // the previous firing (after the index for the first).
                let (c, s) = (self.node(c, Mode::Carried), self.node(s, Mode::Carried));
                let (c, s) = (self.memo.slice(c), self.memo.slice(s));
                let mut armed = Truth::False;
                for (i, possible) in maybe.iter_mut().enumerate() {
                    let now = c.get(i).copied().unwrap_or(Truth::Unknown).and(armed);
                    match now {
                        Truth::True => {
                            fired.push(i);
                            armed = Truth::False;
                            continue;
                        }
                        Truth::Unknown => *possible = true,
                        Truth::False => {}
                    }
                    armed = armed.or(s.get(i).copied().unwrap_or(Truth::Unknown));
                }
            } else if let Some(body) = named.body {
                // `E: C`: a rising edge against the last assessment at which
                // C was known.
                let r = self.node(body, Mode::Carried);
                let mut before = Truth::False;
                for (i, &t) in self.memo.slice(r).iter().enumerate() {
                    match (t, before) {
                        (Truth::True, Truth::False) => fired.push(i),
                        (Truth::Unknown, Truth::False) => {
                            if let Some(m) = maybe.get_mut(i) {
                                *m = true;
                            }
                        }
                        _ => {}
                    }
                    if t != Truth::Unknown {
                        before = t;
                    }
                }
            }
        }
        self.memo.store_firings(id, fired, maybe);
    }

    /// A phenotype over the whole record: true if its condition held on
    /// some day, false if false on every day, unknown otherwise (and
    /// unknown for a record without assessment days).
    pub fn phenotype(&mut self, id: NamedId) -> Truth {
        let Some(body) = self.plan.named.get(id).and_then(|n| n.body) else {
            return Truth::Unknown;
        };
        let r = self.node(body, Mode::Carried);
        let days = self.memo.slice(r);
        if days.is_empty() {
            return Truth::Unknown;
        }
        let landmarked = self.plan.uses_landmark.get(body).copied().unwrap_or(false);
        days.iter()
            .enumerate()
            .map(|(i, &t)| self.record_truth(i, t, landmarked))
            .fold(Truth::False, Truth::or)
    }

    /// A day's part in a fact about the whole record (`by week N`, a
    /// phenotype). A landmark day with no observation of its own exists for
    /// the `at week N` conditions: in a condition that looks at no landmark
    /// its doubt is that of a day nobody assessed, and it adds nothing.
    fn record_truth(&self, i: usize, t: Truth, landmarked: bool) -> Truth {
        let observed = self.p.observed.get(i).copied().unwrap_or(true);
        if !observed && !landmarked && t == Truth::Unknown {
            Truth::False
        } else {
            t
        }
    }

    // ---- why unknown ----------------------------------------------------

    /// Why node `id` is unknown on day `i`: the first missing value found.
    pub fn why(&mut self, id: NodeId, i: usize, mode: Mode) -> String {
        self.why_at(id, i, mode, 0)
    }

    /// `why`, `depth` definitions deep (bounded, so that a long chain of
    /// definitions cannot exhaust the stack).
    fn why_at(&mut self, id: NodeId, i: usize, mode: Mode, depth: usize) -> String {
        const MAX_DEPTH: usize = 64;
        let day = self.day(i);
        let plan = self.plan;
        let Some(node) = plan.nodes.get(id) else {
            return "unknown".into();
        };
        match *node {
            Node::And(ref ops) | Node::Or(ref ops) | Node::Either(ref ops) => {
                for &op in ops {
                    if self.truth_at(op, mode, i) == Some(Truth::Unknown) {
                        return self.why_at(op, i, mode, depth);
                    }
                }
                "unknown".into()
            }
            Node::Not(inner) => self.why_at(inner, i, mode, depth),
            Node::Ref(named) => {
                let name = self
                    .plan
                    .named
                    .get(named)
                    .map_or(String::new(), |n| n.name.clone());
                match self.plan.named.get(named).and_then(|n| n.body) {
                    Some(_) if depth >= MAX_DEPTH => format!("{name} unknown"),
                    Some(body) if self.truth_at(body, mode, i) == Some(Truth::Unknown) => {
                        format!("{name}: {}", self.why_at(body, i, mode, depth + 1))
                    }
                    _ => format!("{name} unknown"),
                }
            }
            Node::Compare(a, _, b) => self
                .why_value(a, i, mode)
                .or_else(|| self.why_value(b, i, mode))
                .unwrap_or_else(|| "unknown".into()),
            Node::Change(slot, spec, _) => self.why_change(slot, spec, i, mode),
            Node::After(c, s) => {
                if self.truth_at(c, mode, i) == Some(Truth::Unknown) {
                    self.why_at(c, i, mode, depth)
                } else {
                    let s_truths = self.truths(s, mode);
                    match s_truths.iter().take(i).position(|t| *t == Truth::Unknown) {
                        Some(j) => self.why_at(s, j, mode, depth),
                        None => "unknown".into(),
                    }
                }
            }
            Node::ConsecutiveDays(_, run) => {
                format!("no run of {run} consecutive days with values on each day")
            }
            Node::ConsecutiveAssessments(inner, _)
            | Node::Within(inner, _)
            | Node::AfterDay(inner, _) => self.why_at(inner, i, mode, depth),
            Node::Confirmed(inner, _, gap) => {
                if self.truth_at(inner, mode, i) == Some(Truth::Unknown) {
                    self.why_at(inner, i, mode, depth)
                } else {
                    format!("not yet confirmed: no later assessment {gap} days on")
                }
            }
            Node::AtDay(_, landmark) => format!(
                "no assessment within {} days of day {} at which it can be evaluated",
                self.plan.landmark_window,
                landmark.round()
            ),
            Node::ByDay(_, limit) => match self.p.followup {
                Some(f) if (f as f64) < limit => {
                    format!("follow-up ends on day {f}, before day {}", limit.round())
                }
                None => "no follow-up".into(),
                _ => format!("values missing before day {}", limit.round()),
            },
            Node::Dose(drug, ..) | Node::Tapering(drug) => {
                let name = self.plan.drugs.get(drug).map_or("", |d| d.name.as_str());
                format!("no dose (or no weight or height for it) for {name} on day {day}")
            }
            Node::Count(..) => "an anchor of the count is unknown".into(),
            _ => "unknown".into(),
        }
    }

    fn ref_words(&self, slot: Slot, spec: RefSpec) -> String {
        let name = self.plan.measures.get(slot).map_or("", |m| m.name.as_str());
        let since = if spec.since_index { " since index" } else { "" };
        format!("{} {name}{since}", spec.kind.keyword())
    }

    fn missing(&self, v: ValuePlan, day: i64, mode: Mode) -> String {
        match v {
            ValuePlan::Current(slot) => {
                let Some(m) = self.plan.measures.get(slot) else {
                    return "a value is missing".into();
                };
                match mode {
                    Mode::Fresh => format!("no {} value on day {day}", m.name),
                    Mode::Carried => format!(
                        "no {} value within {} days of day {day}",
                        m.name, m.valid_days
                    ),
                }
            }
            ValuePlan::Reference(slot, spec) | ValuePlan::Multiple(_, slot, spec) => {
                if spec.kind == RefKind::Baseline {
                    match self.plan.baseline {
                        Some(b) => format!(
                            "no {} (no value from day {} to day {})",
                            self.ref_words(slot, spec),
                            b.from,
                            b.to
                        ),
                        None => format!("no {}", self.ref_words(slot, spec)),
                    }
                } else {
                    format!("no {} on day {day}", self.ref_words(slot, spec))
                }
            }
            ValuePlan::Constant(_) => "unknown".into(),
        }
    }
}

/// True on an assessment that lies in a run of `run` consecutive
/// assessments where the condition holds. Windows reaching past the last
/// assessment are unknown (the record may go on); none start before the
/// first.
fn consecutive_assessments(c: &[Truth], run: usize, out: &mut Vec<Truth>) {
    let n = c.len();
    let run = run.max(1);
    out.extend((0..n).map(|i| {
        let mut any = Truth::False;
        let first_start = (i + 1).saturating_sub(run);
        for start in first_start..=i {
            let all = (start..start + run)
                .map(|j| c.get(j).copied().unwrap_or(Truth::Unknown))
                .fold(Truth::True, Truth::and);
            any = any.or(all);
        }
        any
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_meet_across_units() {
        // 300 mg/g is 0.3 g/g; the float product is 0.30000000000000004.
        let threshold = 300.0 * 1e-3;
        assert!(!holds(0.3, CmpOp::Lt, threshold));
        assert!(holds(0.3, CmpOp::Le, threshold));
        assert!(holds(0.2999, CmpOp::Lt, threshold));
    }

    #[test]
    fn consecutive_assessments_needs_a_full_window() {
        use Truth::*;
        let runs = |c: &[Truth], run| {
            let mut out = Vec::new();
            consecutive_assessments(c, run, &mut out);
            out
        };
        let c = [True, True, False, True, Unknown];
        assert_eq!(runs(&c, 2), [True, True, False, Unknown, Unknown]);
        assert_eq!(runs(&[True], 2), [Unknown]);
    }
}
