//! Warnings a file is valid but probably wrong: a response line that can
//! never be the first true line because a line above it holds whenever it
//! does (provable from thresholds alone), and one threshold used with `<`
//! in one place and `<=` in another.

use super::codes;
use super::declarations::Model;
use crate::ast::*;
use crate::diagnostics::Problem;
use crate::measures::Scale;

/// Run the lints.
pub fn check(file: &CriteriaFile, model: &Model, problems: &mut Vec<Problem>) {
    for item in &file.items {
        if let ItemKind::Response(block) = &item.kind {
            unreachable_lines(block, model, problems);
        }
    }
    inconsistent_boundaries(file, model, problems);
}

/// `measure op threshold` with the threshold in the measure's canonical unit.
#[derive(Debug, Clone, Copy)]
struct Atom<'a> {
    measure: &'static str,
    op: CmpOp,
    threshold: f64,
    span: Span,
    name: &'a str,
}

/// Read `uPCR < 0.3 g/g` (or `0.3 g/g > uPCR`) as an atom; `None` for
/// anything else (a reference point on either side, a dose, …).
fn atom<'a>(expr: &'a Expr, model: &Model) -> Option<Atom<'a>> {
    let ExprKind::Compare { lhs, op, rhs } = &expr.kind else {
        return None;
    };
    let (name, op, literal) = match (&lhs.kind, &rhs.kind) {
        (ValueKind::Name { name }, _) => (name, op.op, rhs),
        (_, ValueKind::Name { name }) => (name, op.op.flipped(), lhs),
        _ => return None,
    };
    let info = model.measure(&name.name)?;
    let threshold = match &literal.kind {
        ValueKind::Literal { quantity } => {
            let unit = match &quantity.unit {
                Some(u) => crate::units::lookup(&u.text)?,
                None => info.unit,
            };
            quantity.number.value * info.measure.factor_from(unit)?
        }
        ValueKind::Grade { grade } if info.measure.scale == Scale::DipstickGrade => grade.rank(),
        _ => return None,
    };
    Some(Atom {
        measure: info.measure.id,
        op,
        threshold,
        span: expr.span,
        name: &name.name,
    })
}

/// An interval of the real line: (lower, lower closed, upper, upper closed).
type Interval = (f64, bool, f64, bool);

fn interval(op: CmpOp, c: f64) -> Option<Interval> {
    Some(match op {
        CmpOp::Lt => (f64::NEG_INFINITY, false, c, false),
        CmpOp::Le => (f64::NEG_INFINITY, false, c, true),
        CmpOp::Gt => (c, false, f64::INFINITY, false),
        CmpOp::Ge => (c, true, f64::INFINITY, false),
        CmpOp::Eq => (c, true, c, true),
        CmpOp::Ne => return None,
    })
}

fn within(a: Interval, b: Interval) -> bool {
    let lower_ok = a.0 > b.0 || (a.0 == b.0 && (b.1 || !a.1));
    let upper_ok = a.2 < b.2 || (a.2 == b.2 && (b.3 || !a.3));
    lower_ok && upper_ok
}

fn unwrap_groups(expr: &Expr) -> &Expr {
    let mut e = expr;
    while let ExprKind::Group { inner } = &e.kind {
        e = inner;
    }
    e
}

/// Whether `a` true implies `b` true, provable from thresholds alone.
fn implies(a: &Expr, b: &Expr, model: &Model) -> bool {
    let (a, b) = (unwrap_groups(a), unwrap_groups(b));
    if let ExprKind::And { operands } = &b.kind {
        return operands.iter().all(|bk| implies(a, bk, model));
    }
    if let ExprKind::Or { operands } | ExprKind::Either { operands } = &a.kind {
        return operands.iter().all(|ak| implies(ak, b, model));
    }
    if let ExprKind::And { operands } = &a.kind {
        if operands.iter().any(|ak| implies(ak, b, model)) {
            return true;
        }
    }
    if let ExprKind::Or { operands } | ExprKind::Either { operands } = &b.kind {
        if operands.iter().any(|bk| implies(a, bk, model)) {
            return true;
        }
    }
    if let (Some(x), Some(y)) = (atom(a, model), atom(b, model)) {
        if x.measure != y.measure {
            return false;
        }
        return match (interval(x.op, x.threshold), interval(y.op, y.threshold)) {
            (Some(i), Some(j)) => within(i, j),
            _ => false,
        };
    }
    same(a, b)
}

/// Structural equality, ignoring spans and case.
fn same(a: &Expr, b: &Expr) -> bool {
    let key = |e: &Expr| {
        serde_json::to_value(e).ok().map(|v| {
            crate::format::strip_spans(v)
                .to_string()
                .to_ascii_lowercase()
        })
    };
    matches!((key(a), key(b)), (Some(x), Some(y)) if x == y)
}

fn unreachable_lines(block: &ResponseBlock, model: &Model, problems: &mut Vec<Problem>) {
    for (i, line) in block.lines.iter().enumerate() {
        let ResponseBody::Condition { expr } = &line.body else {
            continue;
        };
        let covering = block.lines.iter().take(i).find(|above| match &above.body {
            ResponseBody::Condition { expr: above_expr } => implies(expr, above_expr, model),
            ResponseBody::Otherwise { .. } => false,
        });
        if let Some(above) = covering {
            problems.push(
                Problem::warning(
                    codes::UNREACHABLE,
                    format!("`{}` can never be reached", line.name.name),
                    line.span,
                    "whenever this holds…",
                )
                .with_label(above.span, format!("…`{}` above it holds too", above.name.name))
                .with_help("lines are tried top to bottom and the first true one wins: put the stricter category first"),
            );
        }
    }
}

/// Every atom in the file's conditions, in source order.
fn atoms<'a>(file: &'a CriteriaFile, model: &Model) -> Vec<Atom<'a>> {
    fn walk<'a>(e: &'a Expr, model: &Model, out: &mut Vec<Atom<'a>>) {
        match &e.kind {
            ExprKind::Or { operands }
            | ExprKind::And { operands }
            | ExprKind::Either { operands } => operands.iter().for_each(|o| walk(o, model, out)),
            ExprKind::Not { operand: inner }
            | ExprKind::Group { inner }
            | ExprKind::Temporal {
                condition: inner, ..
            } => walk(inner, model, out),
            ExprKind::After { condition, since } => {
                walk(condition, model, out);
                walk(since, model, out);
            }
            ExprKind::Count {
                window: CountWindow::FirstAfter { anchor, .. },
                ..
            } => walk(anchor, model, out),
            _ => out.extend(atom(e, model)),
        }
    }
    let mut out = Vec::new();
    for item in &file.items {
        match &item.kind {
            ItemKind::Response(block) => {
                for line in &block.lines {
                    if let ResponseBody::Condition { expr } = &line.body {
                        walk(expr, model, &mut out);
                    }
                }
            }
            ItemKind::Define(rule) | ItemKind::Event(rule) | ItemKind::Phenotype(rule) => {
                walk(&rule.body, model, &mut out)
            }
            _ => {}
        }
    }
    out
}

fn inconsistent_boundaries(file: &CriteriaFile, model: &Model, problems: &mut Vec<Problem>) {
    let atoms = atoms(file, model);
    let mut reported: Vec<(&str, f64)> = Vec::new();
    for (j, later) in atoms.iter().enumerate() {
        for earlier in atoms.iter().take(j) {
            let same_threshold = (earlier.threshold - later.threshold).abs()
                <= 1e-9 * earlier.threshold.abs().max(later.threshold.abs());
            let mixed = matches!(
                (earlier.op, later.op),
                (CmpOp::Lt, CmpOp::Le)
                    | (CmpOp::Le, CmpOp::Lt)
                    | (CmpOp::Gt, CmpOp::Ge)
                    | (CmpOp::Ge, CmpOp::Gt)
            );
            if earlier.measure != later.measure || !same_threshold || !mixed {
                continue;
            }
            if reported
                .iter()
                .any(|(m, t)| *m == later.measure && *t == later.threshold)
            {
                continue;
            }
            reported.push((later.measure, later.threshold));
            problems.push(
                Problem::warning(
                    codes::BOUNDARY,
                    format!(
                        "`{}` is compared with `{}` here and `{}` elsewhere at the same threshold",
                        later.name,
                        later.op.symbol(),
                        earlier.op.symbol()
                    ),
                    later.span,
                    format!("`{}` here", later.op.symbol()),
                )
                .with_label(earlier.span, format!("`{}` here", earlier.op.symbol()))
                .with_help("a value exactly at the threshold counts on one side in one place and the other side in the other: check the source and say which it means"),
            );
        }
    }
}
