//! Explanations: why a condition was true, false or unknown on a day, as a
//! tree of clauses with the values used (in the file's units, with the
//! observation's day and original value), the reference points, the
//! thresholds and the margins. Built from the same nodes and values as the
//! result itself, so a state and its trace cannot disagree.

use super::engine::{holds, Engine, Mode};
use super::prepare::DayValue;
use super::treatments;
use super::truth::Truth;
use crate::ast::{CmpOp, Direction, RefKind};
use crate::data::{Dataset, TimeKind};
use crate::measures::Scale;
use crate::plan::*;
use serde::Serialize;

/// One clause of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// What the clause says, with its values.
    pub text: String,
    /// Its truth on the day.
    pub truth: Truth,
    /// The clauses it is made of.
    pub children: Vec<Trace>,
}

impl Trace {
    fn leaf(text: String, truth: Truth) -> Trace {
        Trace {
            text,
            truth,
            children: Vec::new(),
        }
    }

    /// The trace as indented lines, each marked `✓` (true), `✗` (false)
    /// or `?` (unknown).
    pub fn render(&self, indent: usize, out: &mut String) {
        let mark = match self.truth {
            Truth::True => "✓",
            Truth::False => "✗",
            Truth::Unknown => "?",
        };
        out.push_str(&" ".repeat(indent));
        out.push_str(mark);
        out.push(' ');
        out.push_str(&self.text);
        out.push('\n');
        for child in &self.children {
            child.render(indent + 2, out);
        }
    }

    /// The clauses (comparisons, changes, …) that gave this trace its
    /// truth `truth`: under a false `and` its false parts, under a true
    /// `or` its true parts, through `not` the opposite. Empty when the trace
    /// does not have that truth.
    pub fn reasons(&self, truth: Truth) -> Vec<&Trace> {
        if self.truth != truth {
            return Vec::new();
        }
        if self.children.is_empty() {
            return vec![self];
        }
        if self.text == "not" {
            return self
                .children
                .iter()
                .flat_map(|c| c.reasons(!truth))
                .collect();
        }
        let own: Vec<&Trace> = self
            .children
            .iter()
            .flat_map(|c| c.reasons(truth))
            .collect();
        // A time operator or a definition can be false with its inner
        // condition true (outside its window, say): it is the reason itself.
        if own.is_empty() {
            vec![self]
        } else {
            own
        }
    }
}

/// Formats numbers for people: at most 4 significant decimals, no
/// trailing zeros.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let digits = if x.abs() >= 100.0 {
        1
    } else if x.abs() >= 1.0 {
        2
    } else {
        4
    };
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Explains plan nodes for one prepared patient.
pub struct Explainer<'e, 'a> {
    engine: &'e mut Engine<'a>,
    plan: &'a Plan,
    dataset: &'a Dataset,
    /// How many definitions deep the trace is: past a limit definitions
    /// are shown by name only, so a long chain stays readable and shallow.
    depth: usize,
}

/// Definitions deeper than this are shown by name and truth only.
const MAX_TRACE_DEPTH: usize = 16;

impl<'e, 'a> Explainer<'e, 'a> {
    /// An explainer over an engine; `dataset` gives the original unit
    /// spellings.
    pub fn new(engine: &'e mut Engine<'a>, plan: &'a Plan, dataset: &'a Dataset) -> Self {
        Explainer {
            engine,
            plan,
            dataset,
            depth: 0,
        }
    }

    /// Whether the patient's data are day-numbered or dated.
    pub fn time_kind(&self) -> TimeKind {
        self.engine.prepared().patient.time_kind
    }

    /// How a relative day reads: `day 91`, with the date for dated data.
    pub fn day_text(&self, day: i64) -> String {
        let p = self.engine.prepared();
        match p.patient.time_kind {
            TimeKind::Day => format!("day {day}"),
            TimeKind::Date => format!(
                "day {day} ({})",
                crate::data::time::format(p.index.saturating_add(day), TimeKind::Date)
            ),
        }
    }

    fn unit_of(&self, slot: Slot) -> (String, f64) {
        match self.plan.measures.get(slot) {
            Some(m) => {
                let factor = m.id.measure().factor_from(m.unit).unwrap_or(1.0);
                (m.unit.symbol.to_string(), factor)
            }
            None => (String::new(), 1.0),
        }
    }

    fn is_grade(&self, slot: Slot) -> bool {
        self.plan
            .measures
            .get(slot)
            .is_some_and(|m| m.id.measure().scale == Scale::DipstickGrade)
    }

    /// A canonical value of a measure written in the file's unit.
    fn amount(&self, slot: Slot, canonical: f64) -> String {
        if self.is_grade(slot) {
            return grade_text(canonical);
        }
        let (unit, factor) = self.unit_of(slot);
        let shown = number(canonical / factor);
        if unit.is_empty() {
            shown
        } else {
            format!("{shown} {unit}")
        }
    }

    /// Where a day's value came from: its day and, when the data were in
    /// another unit, the value as written.
    fn provenance(&self, slot: Slot, v: &DayValue) -> String {
        let mut text = self.day_text(v.day);
        let p = self.engine.prepared();
        let Some(first) = p.patient.observations.get(v.first) else {
            return text;
        };
        let spelling = self.dataset.unit_spelling(first.unit);
        let (unit, _) = self.unit_of(slot);
        let as_written = if self.is_grade(slot) {
            None
        } else if v.count > 1 {
            Some(format!("median of {} values", v.count))
        } else if !spelling.is_empty()
            && crate::units::lookup(spelling).map(|u| u.symbol) != Some(unit.as_str())
        {
            Some(format!("{} {spelling} as written", number(first.original)))
        } else {
            None
        };
        if let Some(w) = as_written {
            text.push_str(", ");
            text.push_str(&w);
        }
        text
    }

    fn measure_name(&self, slot: Slot) -> String {
        self.plan
            .measures
            .get(slot)
            .map_or(String::new(), |m| m.name.clone())
    }

    /// A value and where it came from; `None` when missing.
    fn describe(&self, v: ValuePlan, i: usize, mode: Mode, other: Option<Slot>) -> Option<String> {
        match v {
            ValuePlan::Current(slot) => {
                let dv = self.engine.current_value(slot, i, mode)?;
                Some(format!(
                    "{} {} ({})",
                    self.measure_name(slot),
                    self.amount(slot, dv.value),
                    self.provenance(slot, &dv)
                ))
            }
            ValuePlan::Reference(slot, spec) => {
                let (value, origin) = self.reference(slot, spec, i)?;
                Some(format!(
                    "{} {} {}{origin}",
                    ref_words(spec),
                    self.measure_name(slot),
                    self.amount(slot, value)
                ))
            }
            ValuePlan::Multiple(f, slot, spec) => {
                let (value, origin) = self.reference(slot, spec, i)?;
                Some(format!(
                    "{} x {} {} {}{origin} = {}",
                    number(f),
                    ref_words(spec),
                    self.measure_name(slot),
                    self.amount(slot, value),
                    self.amount(slot, f * value)
                ))
            }
            ValuePlan::Constant(c) => Some(match other {
                Some(slot) => self.amount(slot, c),
                None => number(c),
            }),
        }
    }

    /// `uPCR 5.1 g/g (day 0)`: a measure's baseline.
    pub fn baseline_text(&self, slot: Slot) -> Option<String> {
        let value = self.engine.prepared().series.get(slot)?.baseline?;
        let day = self.baseline_day(slot, value).unwrap_or_default();
        Some(format!(
            "{} {}{day}",
            self.measure_name(slot),
            self.amount(slot, value)
        ))
    }

    /// ` (day -3)`: the day of the observation the baseline is, when it is
    /// one observation (a mean or median of several is not).
    fn baseline_day(&self, slot: Slot, value: f64) -> Option<String> {
        let series = self.engine.prepared().series.get(slot)?;
        let rule = self.plan.baseline?;
        series
            .values
            .iter()
            .rev()
            .find(|v| v.value == value && (v.day as f64) >= rule.from && (v.day as f64) <= rule.to)
            .map(|v| format!(" ({})", self.day_text(v.day)))
    }

    /// A reference point's value and, where it is one observation, its day.
    fn reference(&self, slot: Slot, spec: RefSpec, i: usize) -> Option<(f64, String)> {
        let value = self.engine.reference(slot, spec, i)?;
        let series = self.engine.prepared().series.get(slot)?;
        let day = self.engine.day_at(i);
        let origin = match spec.kind {
            RefKind::Baseline => self.baseline_day(slot, value).unwrap_or_default(),
            _ => series
                .values
                .iter()
                .rev()
                .filter(|v| v.day <= day && (!spec.since_index || v.day >= 0))
                .find(|v| v.value == value)
                .map(|v| format!(" ({})", self.day_text(v.day)))
                .unwrap_or_default(),
        };
        Some((value, origin))
    }

    /// The trace of node `id` on assessment day `i`.
    pub fn trace(&mut self, id: NodeId, i: usize, mode: Mode) -> Trace {
        let truth = self
            .engine
            .eval(id, mode)
            .get(i)
            .copied()
            .unwrap_or(Truth::Unknown);
        let Some(node) = self.plan.nodes.get(id).cloned() else {
            return Trace::leaf("?".into(), truth);
        };
        let day = self.engine.day_at(i);
        match node {
            Node::And(ops) => self.group("all of", ops, i, mode, truth),
            Node::Or(ops) => self.group("any of", ops, i, mode, truth),
            Node::Either(ops) => self.group("any measured of", ops, i, mode, truth),
            Node::Not(inner) => Trace {
                text: "not".into(),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::Ref(named) => self.named(named, i, mode, truth),
            Node::Compare(a, op, b) => self.compare(a, op, b, i, mode, truth),
            Node::Change(slot, spec, test) => self.change(slot, spec, test, i, mode, truth),
            Node::After(c, s) => {
                let s_truths = self.engine.eval(s, mode);
                let earlier = (0..i).find(|&j| s_truths.get(j) == Some(&Truth::True));
                let text = match earlier {
                    Some(j) => format!(
                        "after: it held earlier, on {}",
                        self.day_text(self.engine.day_at(j))
                    ),
                    None => "after: it has not held on an earlier assessment".into(),
                };
                Trace {
                    text,
                    truth,
                    children: vec![self.trace(c, i, mode)],
                }
            }
            Node::ConsecutiveDays(inner, run) => Trace {
                text: format!(
                    "on {run} consecutive days, each with its own values (this day's values:)"
                ),
                truth,
                children: vec![self.trace(inner, i, Mode::Fresh)],
            },
            Node::ConsecutiveAssessments(inner, run) => Trace {
                text: format!("on {run} consecutive assessments (this one:)"),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::Confirmed(inner, op, gap) => Trace {
                text: format!(
                    "confirmed by a later assessment {} {} days on",
                    op.symbol(),
                    number(gap)
                ),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::Within(inner, limit) => Trace {
                text: format!("within day {} ({})", number(limit), self.day_text(day)),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::AfterDay(inner, limit) => Trace {
                text: format!("after day {} ({})", number(limit), self.day_text(day)),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::AtDay(inner, landmark) => {
                let text = format!(
                    "at day {} (the assessment nearest it, within {} days)",
                    number(landmark),
                    number(self.plan.landmark_window)
                );
                Trace {
                    text,
                    truth,
                    children: vec![self.trace(inner, i, mode)],
                }
            }
            Node::ByDay(inner, limit) => {
                let c = self.engine.eval(inner, mode);
                let held = (0..c.len()).find(|&j| {
                    c.get(j) == Some(&Truth::True) && (self.engine.day_at(j) as f64) <= limit
                });
                let text = match (held, truth) {
                    (Some(j), _) => format!(
                        "by day {}: held on {}",
                        number(limit),
                        self.day_text(self.engine.day_at(j))
                    ),
                    (None, Truth::Unknown) => {
                        format!("by day {}: {}", number(limit), self.engine.why(id, i, mode))
                    }
                    (None, _) => format!("by day {}: never held", number(limit)),
                };
                Trace::leaf(text, truth)
            }
            Node::WithinAfterStop(inner, days, drug) => Trace {
                text: format!(
                    "within {} days after {} stopped",
                    number(days),
                    self.drug_name(drug)
                ),
                truth,
                children: vec![self.trace(inner, i, mode)],
            },
            Node::OnDrug(drug) => Trace::leaf(
                format!("on {} ({})", self.drug_name(drug), self.day_text(day)),
                truth,
            ),
            Node::Tapering(drug) => {
                Trace::leaf(format!("{} tapering", self.drug_name(drug)), truth)
            }
            Node::Exposure(drug, op, days) => {
                let exposures = self
                    .engine
                    .prepared()
                    .exposures
                    .get(drug)
                    .cloned()
                    .unwrap_or_default();
                Trace::leaf(
                    format!(
                        "{} for {} days so far {} {} days",
                        self.drug_name(drug),
                        number(treatments::exposure_days(&exposures, day)),
                        op.symbol(),
                        number(days)
                    ),
                    truth,
                )
            }
            Node::Dose(drug, op, threshold, unit) => Trace::leaf(
                format!(
                    "{} dose {} {} {}",
                    self.drug_name(drug),
                    op.symbol(),
                    number(threshold),
                    unit.symbol
                ),
                truth,
            ),
            Node::Count(event, _, op, k) => {
                let name = self
                    .plan
                    .named
                    .get(event)
                    .map_or(String::new(), |n| n.name.clone());
                let fired = self.engine.firings(event).to_vec();
                let days: Vec<String> = fired
                    .into_iter()
                    .map(|j| self.engine.day_at(j).to_string())
                    .collect();
                Trace::leaf(
                    format!(
                        "count of {name} (fired on days [{}]) {} {}",
                        days.join(", "),
                        op.symbol(),
                        number(k)
                    ),
                    truth,
                )
            }
        }
    }

    fn drug_name(&self, drug: DrugId) -> String {
        self.plan
            .drugs
            .get(drug)
            .map_or(String::new(), |d| d.name.clone())
    }

    fn group(
        &mut self,
        words: &str,
        ops: Vec<NodeId>,
        i: usize,
        mode: Mode,
        truth: Truth,
    ) -> Trace {
        Trace {
            text: words.into(),
            truth,
            children: ops.into_iter().map(|op| self.trace(op, i, mode)).collect(),
        }
    }

    fn named(&mut self, id: NamedId, i: usize, mode: Mode, truth: Truth) -> Trace {
        let Some(named) = self.plan.named.get(id).cloned() else {
            return Trace::leaf("?".into(), truth);
        };
        match named.kind {
            NamedKind::Define if self.depth >= MAX_TRACE_DEPTH => {
                Trace::leaf(format!("{} (a definition)", named.name), truth)
            }
            NamedKind::Define => {
                self.depth += 1;
                let children = named
                    .body
                    .map(|b| vec![self.trace(b, i, mode)])
                    .unwrap_or_default();
                self.depth -= 1;
                Trace {
                    text: named.name.clone(),
                    truth,
                    children,
                }
            }
            NamedKind::Category => Trace::leaf(format!("the state is {}", named.name), truth),
            NamedKind::Event => Trace::leaf(format!("{} fires on this day", named.name), truth),
            NamedKind::Phenotype => {
                Trace::leaf(format!("{} (over the whole record)", named.name), truth)
            }
        }
    }

    fn compare(
        &mut self,
        a: ValuePlan,
        op: CmpOp,
        b: ValuePlan,
        i: usize,
        mode: Mode,
        truth: Truth,
    ) -> Trace {
        let slot_of = |v: ValuePlan| match v {
            ValuePlan::Current(s) | ValuePlan::Reference(s, _) | ValuePlan::Multiple(_, s, _) => {
                Some(s)
            }
            ValuePlan::Constant(_) => None,
        };
        let (left, right) = (
            self.describe(a, i, mode, slot_of(b)),
            self.describe(b, i, mode, slot_of(a)),
        );
        let (Some(left), Some(right)) = (left, right) else {
            let why = self
                .engine
                .why_value(a, i, mode)
                .or_else(|| self.engine.why_value(b, i, mode));
            return Trace::leaf(why.unwrap_or_else(|| "a value is missing".into()), truth);
        };
        let mut text = format!("{left} {} {right}", op.symbol());
        let (x, y) = (
            self.engine.value_of(a, i, mode),
            self.engine.value_of(b, i, mode),
        );
        if let (Some(x), Some(y), Some(slot)) = (x, y, slot_of(a).or(slot_of(b))) {
            if !self.is_grade(slot) && matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
                let gap = self.amount(slot, (x - y).abs());
                if holds(x, CmpOp::Eq, y) {
                    text.push_str(" (exactly at the threshold)");
                } else if holds(x, op, y) {
                    text.push_str(&format!(" (margin {gap})"));
                } else {
                    text.push_str(&format!(" (missed by {gap})"));
                }
            }
        }
        Trace::leaf(text, truth)
    }

    fn change(
        &mut self,
        slot: Slot,
        spec: RefSpec,
        test: ChangeTest,
        i: usize,
        mode: Mode,
        truth: Truth,
    ) -> Trace {
        let current = self.engine.current_value(slot, i, mode);
        let reference = self.reference(slot, spec, i);
        let (Some(dv), Some((r, origin))) = (current, reference) else {
            return Trace::leaf(self.engine.why_change(slot, spec, i, mode), truth);
        };
        let x = dv.value;
        let now = format!(
            "{} {} ({})",
            self.measure_name(slot),
            self.amount(slot, x),
            self.provenance(slot, &dv)
        );
        let from = format!("{} {}{origin}", ref_words(spec), self.amount(slot, r));
        let verb = |d: Direction| match d {
            Direction::Fell => "fell",
            Direction::Rose => "rose",
        };
        let signed = |d: Direction| match d {
            Direction::Rose => x - r,
            Direction::Fell => r - x,
        };
        let text = match test {
            ChangeTest::Relative(d, op, f) if r > 0.0 => {
                let change = signed(d) / r;
                let miss = if truth == Truth::False {
                    format!(
                        ", missed by {} points",
                        number(((change - f) * 100.0).abs())
                    )
                } else {
                    String::new()
                };
                format!(
                    "{now} {} {}% from {from}: needs {} {}%{miss}",
                    verb(d),
                    number(change * 100.0),
                    op.symbol(),
                    number(f * 100.0)
                )
            }
            ChangeTest::Relative(..) => format!("{now}: {from} is not above 0, no relative change"),
            ChangeTest::Absolute(d, op, a) => format!(
                "{now} {} by {} from {from}: needs {} {}",
                verb(d),
                self.amount(slot, signed(d)),
                op.symbol(),
                self.amount(slot, a)
            ),
            ChangeTest::Beyond(d) => format!(
                "{now} {} {from}",
                if matches!(d, Direction::Rose) {
                    "above"
                } else {
                    "below"
                }
            ),
            ChangeTest::WithinRelative(_) if r <= 0.0 => {
                format!("{now}: {from} is not above 0, no relative change")
            }
            ChangeTest::WithinRelative(f) => format!(
                "{now} is {}% from {from}: needs within {}%",
                number((x - r).abs() / r * 100.0),
                number(f * 100.0)
            ),
            ChangeTest::WithinAbsolute(a) => format!(
                "{now} is {} from {from}: needs within {}",
                self.amount(slot, (x - r).abs()),
                self.amount(slot, a)
            ),
        };
        Trace::leaf(text, truth)
    }
}

fn ref_words(spec: RefSpec) -> String {
    if spec.since_index {
        format!("{} since index", spec.kind.keyword())
    } else {
        spec.kind.keyword().to_string()
    }
}

fn grade_text(rank: f64) -> String {
    match rank as i64 {
        0 => "negative".into(),
        1 => "trace".into(),
        n => format!("{}+", n - 1),
    }
}
