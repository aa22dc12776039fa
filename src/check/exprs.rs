//! Checking conditions: every name resolves to the right kind of thing,
//! values are compared with values of the same dimension, reference points
//! and `stable` have their rules, time operators have durations.

use super::declarations::{duration_days, resolve_unit, use_drug, MeasureInfo, Model, SymbolKind};
use super::{codes, Options};
use crate::ast::*;
use crate::diagnostics::{closest, Problem};
use crate::measures::Scale;
use crate::units::{Dimension, Unit};

/// Check every condition and rule of the file.
pub fn check_all(
    file: &CriteriaFile,
    model: &mut Model,
    options: Options,
    problems: &mut Vec<Problem>,
) {
    let mut checker = ExprChecker {
        model,
        options,
        problems,
    };
    for item in &file.items {
        match &item.kind {
            ItemKind::Index { drug } => use_drug(checker.model, drug, checker.problems),
            ItemKind::Baseline(rule) => checker.baseline_rule(rule),
            ItemKind::Stable(rule) => checker.stable_rule(rule),
            ItemKind::Response(block) => {
                for line in &block.lines {
                    if let ResponseBody::Condition { expr } = &line.body {
                        checker.condition(expr);
                    }
                }
            }
            ItemKind::Define(rule) | ItemKind::Event(rule) | ItemKind::Phenotype(rule) => {
                checker.condition(&rule.body)
            }
            _ => {}
        }
    }
}

struct ExprChecker<'a> {
    model: &'a mut Model,
    options: Options,
    problems: &'a mut Vec<Problem>,
}

/// What a value turned out to be.
#[derive(Debug, Clone, Copy)]
enum ValueType {
    /// A measure's value (index into the model's measures).
    Measure(usize),
    /// A drug's dose.
    Dose,
    /// A number, with its unit if written.
    Literal(Option<Unit>),
    /// A dipstick grade.
    Grade,
    /// `2 x baseline`: of the other side's measure unless it names one.
    Multiple(Option<usize>),
    /// Already reported.
    Error,
}

impl ExprChecker<'_> {
    fn baseline_rule(&mut self, rule: &BaselineRule) {
        let from = self.edge_days(&rule.from);
        let to = self.edge_days(&rule.to);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                self.problems.push(
                    Problem::error(
                        codes::STRUCTURE,
                        "the baseline window ends before it starts",
                        rule.from.span.join(rule.to.span),
                        "empty window",
                    )
                    .with_help(
                        "write the earlier edge first: `from 30 days before index to index`",
                    ),
                );
            }
        }
    }

    /// The edge's day relative to the index.
    fn edge_days(&mut self, edge: &WindowEdge) -> Option<f64> {
        match &edge.offset {
            None => Some(0.0),
            Some((quantity, direction)) => {
                let days = duration_days(quantity, self.problems)?;
                Some(match direction {
                    EdgeDirection::Before => -days,
                    EdgeDirection::After => days,
                })
            }
        }
    }

    fn stable_rule(&mut self, rule: &StableRule) {
        let (amount, point) = match &rule.change.kind {
            ChangeKind::By { amount, from, .. } => (Some(amount), from),
            ChangeKind::Within { amount, of } => (Some(amount), of),
            ChangeKind::From { from, .. } => (None, from),
        };
        self.ref_point(point);
        if let Some(amount) = amount {
            if let Some(unit) = &amount.unit {
                resolve_unit(unit, self.problems);
            } else {
                self.problems.push(bare_change_amount(amount));
            }
        }
    }

    fn condition(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Or { operands }
            | ExprKind::And { operands }
            | ExprKind::Either { operands } => {
                for operand in operands {
                    self.condition(operand);
                }
            }
            ExprKind::Not { operand } => self.condition(operand),
            ExprKind::Group { inner } => self.condition(inner),
            ExprKind::After { condition, since } => {
                self.condition(condition);
                self.condition(since);
            }
            ExprKind::Temporal { condition, op } => {
                self.condition(condition);
                self.temporal(op);
            }
            ExprKind::Name { name } => self.condition_name(name),
            ExprKind::Compare { lhs, op, rhs } => self.compare(lhs, *op, rhs),
            ExprKind::Change { subject, change } => {
                if let Some(measure) = self.subject_measure(subject) {
                    self.change(measure, change, subject.span);
                }
            }
            ExprKind::Stable { subject, keyword } => self.stable(subject, *keyword),
            ExprKind::OnDrug { drug } | ExprKind::Tapering { drug } => {
                use_drug(self.model, drug, self.problems)
            }
            ExprKind::Exposure { drug, duration, .. } => {
                use_drug(self.model, drug, self.problems);
                duration_days(duration, self.problems);
            }
            ExprKind::Count {
                event,
                window,
                count,
                ..
            } => self.count(event, window, count),
        }
    }

    fn condition_name(&mut self, name: &Ident) {
        match self.model.symbol(&name.name).map(|s| s.kind) {
            Some(kind) if kind.is_condition() => {}
            Some(kind) => self.problems.push(
                Problem::error(
                    codes::TYPE,
                    format!("`{}` is {}, not a condition", name.name, kind.describe()),
                    name.span,
                    "a value, where true or false is needed",
                )
                .with_help(format!("compare it, as in `{} < 0.3`, or say how it changed, as in `{} fell by > 50% from baseline`", name.name, name.name)),
            ),
            None if self.is_drug_name(&name.name) => self.problems.push(
                Problem::error(
                    codes::TYPE,
                    format!("`{}` is a drug, not a condition", name.name),
                    name.span,
                    "a drug, where true or false is needed",
                )
                .with_help(format!("write `on {}` for exposure on the day", name.name)),
            ),
            None => self.unknown_name(name, "a condition"),
        }
    }

    fn is_drug_name(&self, name: &str) -> bool {
        self.model.drug(name).is_some() || crate::drugs::find(name).is_some()
    }

    fn unknown_name(&mut self, name: &Ident, wanted: &str) {
        let near = closest(&name.name, self.model.names()).map(str::to_string);
        let help = if let Some(measure) = crate::measures::find(&name.name) {
            format!(
                "`{}` is {}: declare it with `measure {} in {}`",
                name.name,
                measure.description,
                name.name,
                measure.canonical_unit().symbol
            )
        } else if let Some(near) = near {
            format!("did you mean `{near}`?")
        } else if let Some(measure) =
            closest(&name.name, crate::measures::all_names()).and_then(crate::measures::find)
        {
            format!(
                "did you mean `{}`? Declare it with `measure {} in {}`",
                measure.id,
                measure.id,
                measure.canonical_unit().symbol
            )
        } else if wanted == "a measure" {
            format!("declare it with `measure {} in UNIT`", name.name)
        } else {
            format!("declare {wanted} with `define`, `event`, `phenotype` or a `response` line")
        };
        self.problems.push(
            Problem::error(
                codes::UNKNOWN_NAME,
                format!("unknown name `{}`", crate::syntax::abbreviate(&name.name)),
                name.span,
                "not declared in this file",
            )
            .with_help(help),
        );
    }

    fn measure_index(&mut self, name: &Ident) -> Option<usize> {
        match self.model.symbol(&name.name).map(|s| s.kind) {
            Some(SymbolKind::Measure(i)) => Some(i),
            Some(kind) => {
                self.problems.push(
                    Problem::error(
                        codes::TYPE,
                        format!("`{}` is {}, not a value", name.name, kind.describe()),
                        name.span,
                        "true or false, where a value is needed",
                    )
                    .with_help("only measures have values to compare; conditions combine with `and`, `or`, `not`"),
                );
                None
            }
            None => {
                self.unknown_name(name, "a measure");
                None
            }
        }
    }

    fn measure_info(&self, index: usize) -> Option<&MeasureInfo> {
        self.model.measures.get(index)
    }

    fn value(&mut self, value: &Value) -> ValueType {
        match &value.kind {
            ValueKind::Name { name } => {
                let kind = self.model.symbol(&name.name).map(|s| s.kind);
                if kind.is_none() && self.is_drug_name(&name.name) {
                    use_drug(self.model, name, self.problems);
                    return ValueType::Dose;
                }
                self.measure_index(name)
                    .map_or(ValueType::Error, ValueType::Measure)
            }
            ValueKind::Reference { point, measure } => {
                self.ref_point(point);
                self.measure_index(measure)
                    .map_or(ValueType::Error, ValueType::Measure)
            }
            ValueKind::Multiple {
                point,
                measure,
                factor,
            } => {
                self.ref_point(point);
                if factor.value < 0.0 {
                    self.problems.push(Problem::error(
                        codes::STRUCTURE,
                        "a multiple cannot be negative",
                        factor.span,
                        "negative",
                    ));
                }
                match measure {
                    None => ValueType::Multiple(None),
                    Some(m) => self
                        .measure_index(m)
                        .map_or(ValueType::Error, |i| ValueType::Multiple(Some(i))),
                }
            }
            ValueKind::Literal { quantity } => match &quantity.unit {
                None => ValueType::Literal(None),
                Some(unit) => resolve_unit(unit, self.problems)
                    .map_or(ValueType::Error, |u| ValueType::Literal(Some(u))),
            },
            ValueKind::Grade { .. } => ValueType::Grade,
        }
    }

    fn compare(&mut self, lhs: &Value, op: Comparator, rhs: &Value) {
        let left = self.value(lhs);
        let right = self.value(rhs);
        use ValueType as T;
        match (left, right) {
            (T::Error, _) | (_, T::Error) => {}
            (T::Measure(m), T::Literal(unit)) => self.literal_fits(m, unit, lhs, rhs),
            (T::Literal(unit), T::Measure(m)) => self.literal_fits(m, unit, rhs, lhs),
            (T::Measure(a), T::Measure(b) | T::Multiple(Some(b))) | (T::Multiple(Some(b)), T::Measure(a)) => {
                self.measures_comparable(a, b, lhs, rhs)
            }
            (T::Measure(_), T::Multiple(None)) | (T::Multiple(None), T::Measure(_)) => {}
            (T::Measure(m), T::Grade) => self.grade_fits(m, lhs, rhs),
            (T::Grade, T::Measure(m)) => self.grade_fits(m, rhs, lhs),
            (T::Dose, T::Literal(unit)) => self.dose_fits(unit, rhs),
            (T::Literal(unit), T::Dose) => self.dose_fits(unit, lhs),
            _ => self.problems.push(
                Problem::error(
                    codes::TYPE,
                    "this comparison does not compare a measure or a dose with a value",
                    lhs.span.join(rhs.span),
                    "nothing observed here",
                )
                .with_label(op.span, "compared here")
                .with_help("compare a measure or a drug's dose with a number, as in `uPCR < 0.3 g/g` or `prednisone >= 1 mg/kg/d`"),
            ),
        }
    }

    fn literal_fits(
        &mut self,
        measure_index: usize,
        unit: Option<Unit>,
        measure: &Value,
        literal: &Value,
    ) {
        let Some(info) = self.measure_info(measure_index).cloned() else {
            return;
        };
        match (info.measure.scale, unit) {
            (Scale::DipstickGrade, _) => self.problems.push(
                Problem::error(
                    codes::TYPE,
                    format!("`{}` is graded, not measured", info.name.name),
                    literal.span,
                    "a number",
                )
                .with_label(measure.span, "a dipstick grade")
                .with_help("compare with a grade: `negative`, `trace`, `1+`, `2+`, `3+` or `4+`"),
            ),
            (_, None) => {
                if self.options.strict {
                    self.problems.push(
                        Problem::warning(
                            codes::BARE_NUMBER,
                            "bare number",
                            literal.span,
                            format!("read as {}", info.unit.symbol),
                        )
                        .with_help(format!(
                            "write the unit: `{} {}`",
                            literal_text(literal),
                            info.unit.symbol
                        )),
                    );
                }
            }
            (_, Some(unit)) => {
                if info.measure.factor_from(unit).is_none() {
                    self.problems.push(
                        Problem::error(
                            codes::UNIT_MISMATCH,
                            format!(
                                "cannot compare `{}` with a value in `{}`",
                                info.name.name, unit.symbol
                            ),
                            literal.span,
                            unit.dimension.describe(),
                        )
                        .with_label(measure.span, info.measure.dimension().describe())
                        .with_help(format!(
                            "{} is measured in {}",
                            info.measure.description,
                            crate::units::symbols_of(info.measure.dimension()).join(", ")
                        )),
                    );
                }
            }
        }
    }

    fn measures_comparable(&mut self, a: usize, b: usize, lhs: &Value, rhs: &Value) {
        let (Some(x), Some(y)) = (self.measure_info(a).cloned(), self.measure_info(b).cloned())
        else {
            return;
        };
        if x.measure.id != y.measure.id
            && x.measure.factor_from(y.measure.canonical_unit()).is_none()
        {
            self.problems.push(
                Problem::error(
                    codes::UNIT_MISMATCH,
                    format!("cannot compare `{}` with `{}`", x.name.name, y.name.name),
                    lhs.span,
                    x.measure.dimension().describe(),
                )
                .with_label(rhs.span, y.measure.dimension().describe())
                .with_help("compare a measure with values of its own dimension"),
            );
        }
    }

    fn grade_fits(&mut self, measure_index: usize, measure: &Value, grade: &Value) {
        let Some(info) = self.measure_info(measure_index).cloned() else {
            return;
        };
        if info.measure.scale != Scale::DipstickGrade {
            self.problems.push(
                Problem::error(
                    codes::TYPE,
                    format!("`{}` is not graded", info.name.name),
                    grade.span,
                    "a dipstick grade",
                )
                .with_label(measure.span, info.measure.dimension().describe())
                .with_help(format!("compare it with a number in {}", info.unit.symbol)),
            );
        }
    }

    fn dose_fits(&mut self, unit: Option<Unit>, literal: &Value) {
        match unit {
            Some(unit) if crate::units::as_dose(unit).is_some() => {}
            Some(unit) => self.problems.push(
                Problem::error(
                    codes::UNIT_MISMATCH,
                    format!("`{}` is not a dose unit", unit.symbol),
                    literal.span,
                    unit.dimension.describe(),
                )
                .with_help("doses are in mg, mg/d, mg/kg/d, mg/kg, mg/m2 or mg/m2/d"),
            ),
            None => self.problems.push(
                Problem::error(
                    codes::UNIT_MISMATCH,
                    "a dose needs its unit",
                    literal.span,
                    "mg? mg/kg/d?",
                )
                .with_help(format!(
                    "write it with a unit, as in `{} mg/kg/d`",
                    literal_text(literal)
                )),
            ),
        }
    }

    /// The measure a change or `stable` is said of.
    fn subject_measure(&mut self, subject: &Value) -> Option<usize> {
        match &subject.kind {
            ValueKind::Name { name } => self.measure_index(name),
            _ => {
                self.problems.push(
                    Problem::error(
                        codes::TYPE,
                        "a change is said of a measure",
                        subject.span,
                        "not a measure",
                    )
                    .with_help(
                        "write the measure's name, as in `uPCR fell by > 50% from baseline`",
                    ),
                );
                None
            }
        }
    }

    fn change(&mut self, measure_index: usize, change: &Change, subject_span: Span) {
        let (amount, point) = match &change.kind {
            ChangeKind::By { amount, from, .. } => (Some(amount), from),
            ChangeKind::Within { amount, of } => (Some(amount), of),
            ChangeKind::From { from, .. } => (None, from),
        };
        self.ref_point(point);
        let Some(amount) = amount else { return };
        let Some(unit_name) = &amount.unit else {
            self.problems.push(bare_change_amount(amount));
            return;
        };
        let Some(unit) = resolve_unit(unit_name, self.problems) else {
            return;
        };
        if let Some(info) = self.amount_mismatch(measure_index, unit) {
            self.problems.push(
                Problem::error(
                    codes::UNIT_MISMATCH,
                    format!(
                        "a change of `{}` cannot be in `{}`",
                        info.name.name, unit.symbol
                    ),
                    unit_name.span,
                    unit.dimension.describe(),
                )
                .with_label(subject_span, info.measure.dimension().describe())
                .with_help(format!(
                    "write a percentage (`30%`) or an amount in {}",
                    crate::units::symbols_of(info.measure.dimension()).join(", ")
                )),
            );
        }
    }

    fn ref_point(&mut self, point: &RefPoint) {
        if point.kind == RefKind::Baseline && self.model.baseline_rule.is_none() {
            self.problems.push(
                Problem::error(
                    codes::NO_BASELINE,
                    "`baseline` is used but the file has no `baseline:` rule",
                    point.span,
                    "which value is the baseline?",
                )
                .with_help("add a line saying which value is the baseline, such as\n`baseline: last value from 30 days before index to index`"),
            );
        }
    }

    fn stable(&mut self, subject: &Value, keyword: Span) {
        let measure = self.subject_measure(subject);
        let Some(rule) = self.model.stable_rule.clone() else {
            self.problems.push(
                Problem::error(
                    codes::NO_STABLE,
                    "`stable` is used but the file has no `stable:` rule",
                    keyword,
                    "stable how?",
                )
                .with_help("add a line saying what stable means, such as\n`stable: within 25% of baseline`"),
            );
            return;
        };
        let Some(measure) = measure else { return };
        // The rule's tolerance must fit every measure said to be stable.
        let amount_unit = match &rule.change.kind {
            ChangeKind::By { amount, .. } | ChangeKind::Within { amount, .. } => amount
                .unit
                .as_ref()
                .and_then(|u| crate::units::lookup(&u.text)),
            ChangeKind::From { .. } => None,
        };
        let Some(unit) = amount_unit else { return };
        if let Some(info) = self.amount_mismatch(measure, unit) {
            self.problems.push(
                Problem::error(
                    codes::UNIT_MISMATCH,
                    format!(
                        "`{}` cannot be stable within `{}`",
                        info.name.name, unit.symbol
                    ),
                    subject.span.join(keyword),
                    "said to be stable here",
                )
                .with_label(rule.change.span, "by this rule")
                .with_help("give `stable:` a percentage, which fits every measure"),
            );
        }
    }

    /// The measure, when a change amount in `unit` does not fit it.
    fn amount_mismatch(&self, measure_index: usize, unit: Unit) -> Option<MeasureInfo> {
        let info = self.measure_info(measure_index)?;
        (unit.dimension != Dimension::Fraction && info.measure.factor_from(unit).is_none())
            .then(|| info.clone())
    }

    fn temporal(&mut self, op: &TemporalOp) {
        match &op.kind {
            TemporalKind::ConsecutiveDays { days: n }
            | TemporalKind::ConsecutiveAssessments { assessments: n } => self.whole_number(n, 1.0),
            TemporalKind::ConfirmedAfter { gap, .. } => {
                duration_days(gap, self.problems);
            }
            TemporalKind::Within { duration } => {
                duration_days(duration, self.problems);
            }
            TemporalKind::WithinAfterStop { duration, drug } => {
                duration_days(duration, self.problems);
                use_drug(self.model, drug, self.problems);
            }
            TemporalKind::AfterTime { at } | TemporalKind::ByTime { at } => {
                self.whole_number(&at.number, 0.0)
            }
            TemporalKind::AtTime { at } => {
                self.whole_number(&at.number, 0.0);
                if self.model.landmark_window_days.is_none() {
                    self.problems.push(
                        Problem::error(
                            codes::NO_LANDMARK,
                            "`at` is used but the file has no `landmark window:`",
                            op.span,
                            "how far from the day may the assessment be?",
                        )
                        .with_help("add a line saying how far from the landmark an assessment may lie, such as\n`landmark window: 14 days`"),
                    );
                }
            }
        }
    }

    fn whole_number(&mut self, number: &Number, min: f64) {
        if number.value.fract() != 0.0 || number.value < min {
            self.problems.push(Problem::error(
                codes::STRUCTURE,
                format!("`{}` must be a whole number of at least {min}", number.text),
                number.span,
                "not a whole number here",
            ));
        }
    }

    fn count(&mut self, event: &Ident, window: &CountWindow, count: &Number) {
        match self.model.symbol(&event.name).map(|s| s.kind) {
            Some(SymbolKind::Event(_)) => {}
            Some(kind) => self.problems.push(
                Problem::error(
                    codes::TYPE,
                    format!("`{}` is {}, not an event", event.name, kind.describe()),
                    event.span,
                    "only events are counted",
                )
                .with_help(format!(
                    "declare what is counted as an event: `event {}_start: ...`",
                    event.name
                )),
            ),
            None => self.unknown_name(event, "an event"),
        }
        match window {
            CountWindow::Any { length } => {
                duration_days(length, self.problems);
            }
            CountWindow::FirstAfter { length, anchor } => {
                duration_days(length, self.problems);
                self.condition(anchor);
            }
        }
        self.whole_number(count, 0.0);
    }
}

fn literal_text(value: &Value) -> String {
    match &value.kind {
        ValueKind::Literal { quantity } => quantity.number.text.clone(),
        _ => "N".into(),
    }
}

fn bare_change_amount(amount: &Quantity) -> Problem {
    Problem::error(
        codes::UNIT_MISMATCH,
        format!("is `{}` a percentage or an amount?", amount.number.text),
        amount.span,
        "no unit",
    )
    .with_help(format!(
        "write `{}%` for a relative change, or the amount with its unit, as in `{} g/L`",
        amount.number.text, amount.number.text
    ))
}
