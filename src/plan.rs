//! The evaluation plan: a checked file compiled once into a flat arena of
//! nodes, with every name resolved to an index and every threshold
//! converted to its measure's canonical unit, so that evaluating a patient
//! looks nothing up and converts nothing.
//!
//! INVARIANT: compile only runs on a file whose check reported no error;
//! every lookup that could fail then succeeds. Should one fail all the
//! same, compile returns an error instead of panicking.

use crate::ast::*;
use crate::check::{Checked, Model, SymbolKind};
use crate::data::MeasureId;
use crate::units::{self, Dimension, Unit};
use std::collections::HashMap;

/// An index into [`Plan::nodes`].
pub type NodeId = usize;
/// An index into [`Plan::named`].
pub type NamedId = usize;
/// An index into [`Plan::measures`].
pub type Slot = usize;
/// An index into [`Plan::drugs`].
pub type DrugId = usize;

/// A compiled criteria file.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The file's title.
    pub title: String,
    /// The nodes; children always have smaller ids than their parents.
    pub nodes: Vec<Node>,
    /// The file's measures.
    pub measures: Vec<PlannedMeasure>,
    /// The drugs named.
    pub drugs: Vec<PlannedDrug>,
    /// Definitions, categories, events and phenotypes.
    pub named: Vec<Named>,
    /// The response categories, best first (indices into `named`).
    pub categories: Vec<NamedId>,
    /// The events (indices into `named`).
    pub events: Vec<NamedId>,
    /// The phenotypes (indices into `named`).
    pub phenotypes: Vec<NamedId>,
    /// The definition called `remission`, if any.
    pub remission: Option<NamedId>,
    /// `index first DRUG`.
    pub index_drug: Option<DrugId>,
    /// The `baseline:` rule.
    pub baseline: Option<BaselinePlan>,
    /// The landmark days the file names with `at`, and the window.
    pub landmarks: Vec<f64>,
    /// `landmark window:` in days.
    pub landmark_window: f64,
    /// Per node: whether it looks at a landmark (`at week N`), itself or
    /// through the named conditions it uses.
    pub uses_landmark: Vec<bool>,
    /// Per named condition: the named conditions it uses directly (for a
    /// category, also the categories above it).
    pub named_deps: Vec<Vec<NamedId>>,
    /// Per measure slot: the running reference points the nodes read, so
    /// that preparing a patient computes only those.
    pub running: Vec<Running>,
}

/// Which running reference points (peak, nadir) of a measure a plan reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Running {
    /// `peak`.
    pub peak: bool,
    /// `nadir`.
    pub nadir: bool,
    /// `peak since index`.
    pub peak_since_index: bool,
    /// `nadir since index`.
    pub nadir_since_index: bool,
}

/// A measure as the plan uses it.
#[derive(Debug, Clone)]
pub struct PlannedMeasure {
    /// The name as declared.
    pub name: String,
    /// The vocabulary measure.
    pub id: MeasureId,
    /// The declared unit (for explanations).
    pub unit: Unit,
    /// How many days an observation stays current (0: its own day only).
    pub valid_days: f64,
}

/// A drug or group as the plan uses it.
#[derive(Debug, Clone)]
pub struct PlannedDrug {
    /// The name in the file.
    pub name: String,
    /// The treatment-table names it covers.
    pub members: Vec<String>,
}

/// The kind of a named condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedKind {
    /// `define`.
    Define,
    /// A `response` line.
    Category,
    /// `event`.
    Event,
    /// `phenotype`.
    Phenotype,
}

/// A named condition.
#[derive(Debug, Clone)]
pub struct Named {
    /// The name as declared.
    pub name: String,
    /// What it is.
    pub kind: NamedKind,
    /// Its condition; `None` for the `otherwise` line.
    pub body: Option<NodeId>,
    /// For an event `E: C after S`: the C and S nodes (re-arming firing).
    pub rearm: Option<(NodeId, NodeId)>,
}

/// The `baseline:` rule in days relative to the index.
#[derive(Debug, Clone, Copy)]
pub struct BaselinePlan {
    /// Which value of the window.
    pub pick: BaselinePick,
    /// First day (inclusive).
    pub from: f64,
    /// Last day (inclusive).
    pub to: f64,
}

/// A reference point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefSpec {
    /// Which.
    pub kind: RefKind,
    /// Search from day 0 only.
    pub since_index: bool,
}

/// A value on a day.
#[derive(Debug, Clone, Copy)]
pub enum ValuePlan {
    /// The measure's current value.
    Current(Slot),
    /// A reference point of a measure.
    Reference(Slot, RefSpec),
    /// A multiple of a reference point.
    Multiple(f64, Slot, RefSpec),
    /// A constant in the other side's canonical unit.
    Constant(f64),
}

/// What a change predicate tests, amounts in canonical units.
#[derive(Debug, Clone, Copy)]
pub enum ChangeTest {
    /// `fell by > 50%`: relative change (fraction) compared.
    Relative(Direction, CmpOp, f64),
    /// `rose by >= 10 g/L`: absolute change compared.
    Absolute(Direction, CmpOp, f64),
    /// `rose from`: strictly above (below) the reference.
    Beyond(Direction),
    /// `within 25% of`.
    WithinRelative(f64),
    /// `within 26.5 umol/L of`.
    WithinAbsolute(f64),
}

/// The window of a count.
#[derive(Debug, Clone, Copy)]
pub enum CountPlan {
    /// Any window of this many days.
    Any(f64),
    /// The window of this many days opening on the first day the node held.
    FirstAfter(f64, NodeId),
}

/// A plan node; every node yields a truth value per assessment day.
#[derive(Debug, Clone)]
pub enum Node {
    /// All of them.
    And(Vec<NodeId>),
    /// Any of them.
    Or(Vec<NodeId>),
    /// The first known of alternatives: true if one is true, false if none
    /// is true and one is false.
    Either(Vec<NodeId>),
    /// Not it.
    Not(NodeId),
    /// A named condition.
    Ref(NamedId),
    /// A comparison of two values.
    Compare(ValuePlan, CmpOp, ValuePlan),
    /// A change of a measure from a reference point.
    Change(Slot, RefSpec, ChangeTest),
    /// `C after S`.
    After(NodeId, NodeId),
    /// `C for N consecutive days` (fresh values only).
    ConsecutiveDays(NodeId, i64),
    /// `C on N consecutive assessments`.
    ConsecutiveAssessments(NodeId, usize),
    /// `C confirmed after OP N days`.
    Confirmed(NodeId, CmpOp, f64),
    /// `C within N days` of the index.
    Within(NodeId, f64),
    /// `C after day N`.
    AfterDay(NodeId, f64),
    /// `C at day N`, on the landmark day.
    AtDay(NodeId, f64),
    /// `C by day N`: a fact about the whole record.
    ByDay(NodeId, f64),
    /// `C within N days after DRUG stop`.
    WithinAfterStop(NodeId, f64, DrugId),
    /// `on DRUG`.
    OnDrug(DrugId),
    /// `DRUG tapering`.
    Tapering(DrugId),
    /// `DRUG for OP N days`.
    Exposure(DrugId, CmpOp, f64),
    /// `DRUG OP DOSE`: the dose (in `unit`) compared with a threshold.
    Dose(DrugId, CmpOp, f64, Unit),
    /// `count E in WINDOW OP K`.
    Count(NamedId, CountPlan, CmpOp, f64),
}

impl Node {
    /// The nodes this one is made of (a count's anchor included; named
    /// conditions are references, not children).
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            Node::And(ops) | Node::Or(ops) | Node::Either(ops) => ops.clone(),
            Node::Not(c)
            | Node::ConsecutiveDays(c, _)
            | Node::ConsecutiveAssessments(c, _)
            | Node::Confirmed(c, ..)
            | Node::Within(c, _)
            | Node::AfterDay(c, _)
            | Node::AtDay(c, _)
            | Node::ByDay(c, _)
            | Node::WithinAfterStop(c, ..)
            | Node::Count(_, CountPlan::FirstAfter(_, c), ..) => vec![*c],
            Node::After(c, s) => vec![*c, *s],
            Node::Ref(_)
            | Node::Count(_, CountPlan::Any(_), ..)
            | Node::Compare(..)
            | Node::Change(..)
            | Node::OnDrug(_)
            | Node::Tapering(_)
            | Node::Exposure(..)
            | Node::Dose(..) => Vec::new(),
        }
    }

    /// The named condition this node refers to, if any (a reference, or
    /// the event a count counts).
    pub fn reference(&self) -> Option<NamedId> {
        match self {
            Node::Ref(n) | Node::Count(n, ..) => Some(*n),
            _ => None,
        }
    }
}

/// Why a file could not be compiled (only on a file with check errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot compile `{name}`: {reason}")]
pub struct CompileError {
    /// What could not be resolved.
    pub name: String,
    /// Why.
    pub reason: String,
}

fn fail<T>(name: &str, reason: &str) -> Result<T, CompileError> {
    Err(CompileError {
        name: name.to_string(),
        reason: reason.to_string(),
    })
}

/// Compile a checked file.
pub fn compile(file: &CriteriaFile, checked: &Checked) -> Result<Plan, CompileError> {
    Compiler::new(file, &checked.model)?.run(file)
}

struct Compiler<'a> {
    model: &'a Model,
    plan: Plan,
    named_ids: HashMap<String, NamedId>,
    drug_ids: HashMap<String, DrugId>,
    stable: Option<StableRule>,
}

impl<'a> Compiler<'a> {
    fn new(file: &CriteriaFile, model: &'a Model) -> Result<Self, CompileError> {
        let mut measures = Vec::new();
        for info in &model.measures {
            let id = MeasureId::of(info.measure.id)
                .map_or_else(|| fail(&info.name.name, "not in the vocabulary"), Ok)?;
            measures.push(PlannedMeasure {
                name: info.name.name.clone(),
                id,
                unit: info.unit,
                valid_days: info.valid_days.unwrap_or(0.0),
            });
        }
        let drugs: Vec<PlannedDrug> = model
            .drugs
            .iter()
            .map(|d| PlannedDrug {
                name: d.name.clone(),
                members: d.members.clone(),
            })
            .collect();
        let drug_ids: HashMap<String, DrugId> = drugs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        // Every named condition gets its id up front, so references can be
        // compiled in any order.
        let mut named = Vec::new();
        let mut named_ids = HashMap::new();
        let (mut categories, mut events, mut phenotypes) = (Vec::new(), Vec::new(), Vec::new());
        for item in &file.items {
            let mut add = |name: &Ident, kind: NamedKind| {
                named_ids.insert(name.key(), named.len());
                named.push(Named {
                    name: name.name.clone(),
                    kind,
                    body: None,
                    rearm: None,
                });
                named.len() - 1
            };
            match &item.kind {
                ItemKind::Response(block) => {
                    for line in &block.lines {
                        categories.push(add(&line.name, NamedKind::Category));
                    }
                }
                ItemKind::Define(rule) => {
                    add(&rule.name, NamedKind::Define);
                }
                ItemKind::Event(rule) => events.push(add(&rule.name, NamedKind::Event)),
                ItemKind::Phenotype(rule) => phenotypes.push(add(&rule.name, NamedKind::Phenotype)),
                _ => {}
            }
        }
        let remission = named_ids.get("remission").copied().filter(|&i| {
            named
                .get(i)
                .is_some_and(|n: &Named| n.kind == NamedKind::Define)
        });
        let mut baseline = None;
        let mut stable = None;
        let mut landmark_window = 0.0;
        for item in &file.items {
            match &item.kind {
                ItemKind::Baseline(rule) => {
                    baseline = Some(BaselinePlan {
                        pick: rule.pick,
                        from: edge_days(&rule.from)?,
                        to: edge_days(&rule.to)?,
                    })
                }
                ItemKind::Stable(rule) => stable = Some(rule.clone()),
                ItemKind::LandmarkWindow { width } => landmark_window = duration(width)?,
                _ => {}
            }
        }
        let index_drug = match &model.index_drug {
            Some(name) => drug_ids.get(name).copied(),
            None => None,
        };
        let plan = Plan {
            title: model.title.clone().unwrap_or_default(),
            nodes: Vec::new(),
            measures,
            drugs,
            named,
            categories,
            events,
            phenotypes,
            remission,
            index_drug,
            baseline,
            landmarks: Vec::new(),
            landmark_window,
            uses_landmark: Vec::new(),
            named_deps: Vec::new(),
            running: Vec::new(),
        };
        let compiler = Compiler {
            model,
            plan,
            named_ids,
            drug_ids,
            stable,
        };
        if let (Some(name), None) = (&model.index_drug, compiler.plan.index_drug) {
            return fail(name, "the index drug is not among the file's drugs");
        }
        Ok(compiler)
    }

    fn run(mut self, file: &CriteriaFile) -> Result<Plan, CompileError> {
        for item in &file.items {
            match &item.kind {
                ItemKind::Response(block) => {
                    for line in &block.lines {
                        let id = self.named_id(&line.name)?;
                        if let ResponseBody::Condition { expr } = &line.body {
                            let body = self.expr(expr)?;
                            self.set_body(id, body);
                        }
                    }
                }
                ItemKind::Define(rule) | ItemKind::Phenotype(rule) => {
                    let id = self.named_id(&rule.name)?;
                    let body = self.expr(&rule.body)?;
                    self.set_body(id, body);
                }
                ItemKind::Event(rule) => {
                    let id = self.named_id(&rule.name)?;
                    let body = self.expr(&rule.body)?;
                    self.set_body(id, body);
                    if let Some(&Node::After(c, s)) = self.plan.nodes.get(body) {
                        if let Some(named) = self.plan.named.get_mut(id) {
                            named.rearm = Some((c, s));
                        }
                    }
                }
                _ => {}
            }
        }
        self.plan.landmarks.sort_by(f64::total_cmp);
        self.plan.landmarks.dedup();
        self.plan.uses_landmark = landmark_uses(&self.plan);
        self.plan.named_deps = named_deps(&self.plan);
        self.plan.running = running(&self.plan);
        Ok(self.plan)
    }

    fn set_body(&mut self, id: NamedId, body: NodeId) {
        if let Some(named) = self.plan.named.get_mut(id) {
            named.body = Some(body);
        }
    }

    fn named_id(&self, name: &Ident) -> Result<NamedId, CompileError> {
        self.named_ids
            .get(&name.key())
            .copied()
            .map_or_else(|| fail(&name.name, "not a named condition"), Ok)
    }

    fn drug(&self, name: &Ident) -> Result<DrugId, CompileError> {
        self.drug_ids
            .get(&name.key())
            .copied()
            .map_or_else(|| fail(&name.name, "not a drug"), Ok)
    }

    fn slot(&self, name: &Ident) -> Result<Slot, CompileError> {
        match self.model.symbol(&name.name).map(|s| s.kind) {
            Some(SymbolKind::Measure(i)) => Ok(i),
            _ => fail(&name.name, "not a measure"),
        }
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.plan.nodes.push(node);
        self.plan.nodes.len() - 1
    }

    fn expr(&mut self, expr: &Expr) -> Result<NodeId, CompileError> {
        let node = match &expr.kind {
            ExprKind::Or { operands } => Node::Or(self.exprs(operands)?),
            ExprKind::And { operands } => Node::And(self.exprs(operands)?),
            ExprKind::Either { operands } => Node::Either(self.exprs(operands)?),
            ExprKind::Not { operand } => Node::Not(self.expr(operand)?),
            ExprKind::Group { inner } => return self.expr(inner),
            ExprKind::After { condition, since } => {
                Node::After(self.expr(condition)?, self.expr(since)?)
            }
            ExprKind::Temporal { condition, op } => {
                let inner = self.expr(condition)?;
                self.temporal(inner, op)?
            }
            ExprKind::Name { name } => Node::Ref(self.named_id(name)?),
            ExprKind::Compare { lhs, op, rhs } => self.compare(lhs, op.op, rhs)?,
            ExprKind::Change { subject, change } => {
                let slot = self.subject(subject)?;
                let (reference, test) = self.change(slot, change)?;
                Node::Change(slot, reference, test)
            }
            ExprKind::Stable { subject, .. } => {
                let slot = self.subject(subject)?;
                let Some(rule) = self.stable.clone() else {
                    return fail("stable", "no `stable:` rule");
                };
                let (reference, test) = self.change(slot, &rule.change)?;
                Node::Change(slot, reference, test)
            }
            ExprKind::OnDrug { drug } => Node::OnDrug(self.drug(drug)?),
            ExprKind::Tapering { drug } => Node::Tapering(self.drug(drug)?),
            ExprKind::Exposure {
                drug,
                op,
                duration: d,
            } => Node::Exposure(self.drug(drug)?, op.op, duration(d)?),
            ExprKind::Count {
                event,
                window,
                op,
                count,
            } => {
                let event = self.named_id(event)?;
                let window = match window {
                    CountWindow::Any { length } => CountPlan::Any(duration(length)?),
                    CountWindow::FirstAfter { length, anchor } => {
                        CountPlan::FirstAfter(duration(length)?, self.expr(anchor)?)
                    }
                };
                Node::Count(event, window, op.op, count.value)
            }
        };
        Ok(self.push(node))
    }

    fn exprs(&mut self, exprs: &[Expr]) -> Result<Vec<NodeId>, CompileError> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn temporal(&mut self, inner: NodeId, op: &TemporalOp) -> Result<Node, CompileError> {
        Ok(match &op.kind {
            TemporalKind::ConsecutiveDays { days } => {
                Node::ConsecutiveDays(inner, days.value as i64)
            }
            TemporalKind::ConsecutiveAssessments { assessments } => {
                Node::ConsecutiveAssessments(inner, assessments.value as usize)
            }
            TemporalKind::ConfirmedAfter { op, gap } => {
                Node::Confirmed(inner, op.op, duration(gap)?)
            }
            TemporalKind::Within { duration: d } => Node::Within(inner, duration(d)?),
            TemporalKind::WithinAfterStop { duration: d, drug } => {
                Node::WithinAfterStop(inner, duration(d)?, self.drug(drug)?)
            }
            TemporalKind::AfterTime { at } => Node::AfterDay(inner, time_point_days(at)),
            TemporalKind::AtTime { at } => {
                let day = time_point_days(at);
                self.plan.landmarks.push(day);
                Node::AtDay(inner, day)
            }
            TemporalKind::ByTime { at } => Node::ByDay(inner, time_point_days(at)),
        })
    }

    fn subject(&self, subject: &Value) -> Result<Slot, CompileError> {
        match &subject.kind {
            ValueKind::Name { name } => self.slot(name),
            _ => fail("change", "not said of a measure"),
        }
    }

    fn change(&self, slot: Slot, change: &Change) -> Result<(RefSpec, ChangeTest), CompileError> {
        let spec = |p: &RefPoint| RefSpec {
            kind: p.kind,
            since_index: p.since_index,
        };
        Ok(match &change.kind {
            ChangeKind::By {
                direction,
                op,
                amount,
                from,
            } => {
                let test = match self.amount(slot, amount)? {
                    Amount::Fraction(f) => ChangeTest::Relative(*direction, op.op, f),
                    Amount::Canonical(a) => ChangeTest::Absolute(*direction, op.op, a),
                };
                (spec(from), test)
            }
            ChangeKind::From { direction, from } => (spec(from), ChangeTest::Beyond(*direction)),
            ChangeKind::Within { amount, of } => {
                let test = match self.amount(slot, amount)? {
                    Amount::Fraction(f) => ChangeTest::WithinRelative(f),
                    Amount::Canonical(a) => ChangeTest::WithinAbsolute(a),
                };
                (spec(of), test)
            }
        })
    }

    fn amount(&self, slot: Slot, amount: &Quantity) -> Result<Amount, CompileError> {
        let Some(unit) = amount.unit.as_ref().and_then(|u| units::lookup(&u.text)) else {
            return fail(&amount.number.text, "an amount without a known unit");
        };
        if unit.dimension == Dimension::Fraction {
            return Ok(Amount::Fraction(amount.number.value * unit.to_base));
        }
        Ok(Amount::Canonical(self.to_canonical(
            slot,
            amount.number.value,
            Some(unit),
        )?))
    }

    /// A literal of a measure in its canonical unit (bare: the declared unit).
    fn to_canonical(
        &self,
        slot: Slot,
        value: f64,
        unit: Option<Unit>,
    ) -> Result<f64, CompileError> {
        let Some(measure) = self.plan.measures.get(slot) else {
            return fail("measure", "unknown slot");
        };
        let unit = unit.unwrap_or(measure.unit);
        match measure.id.measure().factor_from(unit) {
            Some(factor) => Ok(value * factor),
            None => fail(&measure.name, "a unit that does not fit"),
        }
    }

    fn compare(&mut self, lhs: &Value, op: CmpOp, rhs: &Value) -> Result<Node, CompileError> {
        // A drug's dose on one side, a dose literal on the other.
        if let Some(node) = self.dose_compare(lhs, op, rhs)? {
            return Ok(node);
        }
        let left_slot = self.value_slot(lhs);
        let right_slot = self.value_slot(rhs);
        let lhs = self.value(lhs, right_slot)?;
        let rhs = self.value(rhs, left_slot)?;
        Ok(Node::Compare(lhs, op, rhs))
    }

    fn dose_compare(
        &mut self,
        lhs: &Value,
        op: CmpOp,
        rhs: &Value,
    ) -> Result<Option<Node>, CompileError> {
        let drug_of = |v: &Value| match &v.kind {
            ValueKind::Name { name } if self.model.symbol(&name.name).is_none() => {
                self.drug_ids.get(&name.key()).copied()
            }
            _ => None,
        };
        let literal = |v: &Value| match &v.kind {
            ValueKind::Literal { quantity } => quantity
                .unit
                .as_ref()
                .and_then(|u| units::lookup(&u.text))
                .and_then(units::as_dose)
                .map(|u| (quantity.number.value, u)),
            _ => None,
        };
        Ok(match (drug_of(lhs), drug_of(rhs)) {
            (Some(drug), None) => {
                let (value, unit) =
                    literal(rhs).map_or_else(|| fail("dose", "needs a dose with its unit"), Ok)?;
                Some(Node::Dose(drug, op, value, unit))
            }
            (None, Some(drug)) => {
                let (value, unit) =
                    literal(lhs).map_or_else(|| fail("dose", "needs a dose with its unit"), Ok)?;
                Some(Node::Dose(drug, op.flipped(), value, unit))
            }
            _ => None,
        })
    }

    /// The measure a value is of, for giving bare numbers and `2 x
    /// baseline` on the other side their measure.
    fn value_slot(&self, value: &Value) -> Option<Slot> {
        match &value.kind {
            ValueKind::Name { name } | ValueKind::Reference { measure: name, .. } => {
                self.slot(name).ok()
            }
            ValueKind::Multiple {
                measure: Some(name),
                ..
            } => self.slot(name).ok(),
            _ => None,
        }
    }

    fn value(&self, value: &Value, other: Option<Slot>) -> Result<ValuePlan, CompileError> {
        let spec = |p: &RefPoint| RefSpec {
            kind: p.kind,
            since_index: p.since_index,
        };
        Ok(match &value.kind {
            ValueKind::Name { name } => ValuePlan::Current(self.slot(name)?),
            ValueKind::Reference { point, measure } => {
                ValuePlan::Reference(self.slot(measure)?, spec(point))
            }
            ValueKind::Multiple {
                factor,
                point,
                measure,
            } => {
                let slot = match measure {
                    Some(m) => self.slot(m)?,
                    None => other.map_or_else(|| fail("x", "a multiple of which measure?"), Ok)?,
                };
                ValuePlan::Multiple(factor.value, slot, spec(point))
            }
            ValueKind::Literal { quantity } => {
                let Some(slot) = other else {
                    return fail(&quantity.number.text, "a number compared with no measure");
                };
                let unit = match &quantity.unit {
                    Some(u) => Some(
                        units::lookup(&u.text).map_or_else(|| fail(&u.text, "unknown unit"), Ok)?,
                    ),
                    None => None,
                };
                ValuePlan::Constant(self.to_canonical(slot, quantity.number.value, unit)?)
            }
            ValueKind::Grade { grade } => ValuePlan::Constant(grade.rank()),
        })
    }
}

/// The named conditions each named condition uses directly, found by an
/// iterative walk of its body (and, for a category, the lines above it).
fn named_deps(plan: &Plan) -> Vec<Vec<NamedId>> {
    plan.named
        .iter()
        .enumerate()
        .map(|(id, named)| {
            let mut deps = Vec::new();
            if named.kind == NamedKind::Category {
                deps.extend(plan.categories.iter().copied().take_while(|&c| c != id));
            }
            let mut stack: Vec<NodeId> = named.body.into_iter().collect();
            while let Some(node) = stack.pop().and_then(|id| plan.nodes.get(id)) {
                deps.extend(node.reference());
                stack.extend(node.children());
            }
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

/// Which nodes look at a landmark, directly or through named conditions: a
/// fixpoint over the plan (references may point forward).
/// Per measure slot, the running reference points some node reads.
fn running(plan: &Plan) -> Vec<Running> {
    let mut out = vec![Running::default(); plan.measures.len()];
    let mut note = |slot: Slot, spec: RefSpec| {
        if let Some(r) = out.get_mut(slot) {
            match (spec.kind, spec.since_index) {
                (RefKind::Peak, false) => r.peak = true,
                (RefKind::Peak, true) => r.peak_since_index = true,
                (RefKind::Nadir, false) => r.nadir = true,
                (RefKind::Nadir, true) => r.nadir_since_index = true,
                _ => {}
            }
        }
    };
    let mut value = |v: &ValuePlan| match *v {
        ValuePlan::Reference(slot, spec) | ValuePlan::Multiple(_, slot, spec) => note(slot, spec),
        ValuePlan::Current(_) | ValuePlan::Constant(_) => {}
    };
    for node in &plan.nodes {
        match node {
            Node::Compare(a, _, b) => {
                value(a);
                value(b);
            }
            Node::Change(slot, spec, _) => value(&ValuePlan::Reference(*slot, *spec)),
            _ => {}
        }
    }
    out
}

fn landmark_uses(plan: &Plan) -> Vec<bool> {
    let mut uses = vec![false; plan.nodes.len()];
    let body_uses = |uses: &[bool], named: NamedId| -> bool {
        let Some(n) = plan.named.get(named) else {
            return false;
        };
        let own = |id: Option<NodeId>| id.is_some_and(|b| uses.get(b).copied().unwrap_or(false));
        match n.kind {
            // A category depends on every line above it too.
            NamedKind::Category => plan
                .categories
                .iter()
                .take_while(|&&c| c != named)
                .chain(std::iter::once(&named))
                .any(|&c| own(plan.named.get(c).and_then(|x| x.body))),
            _ => own(n.body),
        }
    };
    loop {
        let mut changed = false;
        for (id, node) in plan.nodes.iter().enumerate() {
            if uses.get(id).copied().unwrap_or(true) {
                continue;
            }
            let now = matches!(node, Node::AtDay(..))
                || node
                    .reference()
                    .is_some_and(|named| body_uses(&uses, named))
                || node
                    .children()
                    .iter()
                    .any(|c| uses.get(*c).copied().unwrap_or(false));
            if now {
                if let Some(u) = uses.get_mut(id) {
                    *u = true;
                }
                changed = true;
            }
        }
        if !changed {
            return uses;
        }
    }
}

enum Amount {
    Fraction(f64),
    Canonical(f64),
}

fn duration(q: &Quantity) -> Result<f64, CompileError> {
    match q.unit.as_ref().and_then(|u| units::lookup(&u.text)) {
        Some(unit) if unit.dimension == Dimension::Duration => Ok(q.number.value * unit.to_base),
        _ => fail(&q.number.text, "not a duration"),
    }
}

fn time_point_days(at: &TimePoint) -> f64 {
    at.number.value * at.unit.days()
}

fn edge_days(edge: &WindowEdge) -> Result<f64, CompileError> {
    Ok(match &edge.offset {
        None => 0.0,
        Some((q, EdgeDirection::Before)) => -duration(q)?,
        Some((q, EdgeDirection::After)) => duration(q)?,
    })
}
