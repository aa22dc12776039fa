//! The thresholds a criteria file compares each measure with: every plan
//! node `measure OP constant` (or `constant OP measure`), the constant
//! already in the measure's canonical unit.

use crate::ast::CmpOp;
use crate::data::MeasureId;
use crate::plan::{Node, Plan, ValuePlan};

/// One constant a file compares a measure with.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The vocabulary measure.
    pub measure: MeasureId,
    /// The constant in the measure's canonical unit.
    pub value: f64,
    /// The operators used with it, measure on the left (`<`, `>=`).
    pub ops: Vec<CmpOp>,
}

/// Every threshold of a plan, one per measure and value, sorted by measure
/// then value; the operators in the order the plan first uses them.
pub fn thresholds(plan: &Plan) -> Vec<Threshold> {
    let mut found: Vec<Threshold> = Vec::new();
    for node in &plan.nodes {
        let Some((slot, op, value)) = measure_against_constant(node) else {
            continue;
        };
        let Some(measure) = plan.measures.get(slot).map(|m| m.id) else {
            continue;
        };
        match found
            .iter_mut()
            .find(|t| t.measure == measure && same_value(t.value, value))
        {
            Some(t) if !t.ops.contains(&op) => t.ops.push(op),
            Some(_) => {}
            None => found.push(Threshold {
                measure,
                value,
                ops: vec![op],
            }),
        }
    }
    found.sort_by(|a, b| a.measure.cmp(&b.measure).then(a.value.total_cmp(&b.value)));
    found
}

/// The thresholds of one measure.
pub fn of_measure(all: &[Threshold], measure: MeasureId) -> impl Iterator<Item = &Threshold> {
    all.iter().filter(move |t| t.measure == measure)
}

/// `(slot, op, constant)` for a comparison of a measure's value (current
/// or a reference point) with a constant, the measure written first.
fn measure_against_constant(node: &Node) -> Option<(usize, CmpOp, f64)> {
    let Node::Compare(left, op, right) = node else {
        return None;
    };
    match (measure_slot(left), right, measure_slot(right), left) {
        (Some(slot), ValuePlan::Constant(c), _, _) => Some((slot, *op, *c)),
        (None, _, Some(slot), ValuePlan::Constant(c)) => Some((slot, op.flipped(), *c)),
        _ => None,
    }
}

fn measure_slot(value: &ValuePlan) -> Option<usize> {
    match value {
        ValuePlan::Current(slot) | ValuePlan::Reference(slot, _) => Some(*slot),
        ValuePlan::Multiple(..) | ValuePlan::Constant(_) => None,
    }
}

/// Equal within 1e-9 (relative), as evaluation compares: 300 mg/g and
/// 0.3 g/g are one threshold.
fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_source, Options};
    use crate::plan::compile;

    fn plan(source: &str) -> Plan {
        let (file, checked) = check_source(
            &crate::diagnostics::Source::new("t.rules", source),
            Options::default(),
        )
        .expect("valid");
        compile(&file, &checked).expect("compiles")
    }

    #[test]
    fn thresholds_are_collected_per_measure_in_canonical_units() {
        let p = plan(
            "criteria \"t\"\nmeasure uPCR in mg/g\nmeasure albumin in g/dL\n\
             response\n  CR: uPCR < 300 mg/g and albumin > 3.5\n  \
             PR: uPCR < 3500 and 3.5 < albumin\n  NR: otherwise\n\
             event relapse: uPCR >= 3500 after CR\n",
        );
        let t = thresholds(&p);
        let upcr = MeasureId::of("upcr").expect("upcr");
        let albumin = MeasureId::of("albumin").expect("albumin");
        let values: Vec<(MeasureId, f64, usize)> = t
            .iter()
            .map(|t| (t.measure, t.value, t.ops.len()))
            .collect();
        assert_eq!(values.len(), 3);
        assert!(values
            .iter()
            .any(|&(m, v, _)| m == upcr && (v - 0.3).abs() < 1e-12));
        assert!(values
            .iter()
            .any(|&(m, v, n)| m == upcr && (v - 3.5).abs() < 1e-12 && n == 2));
        // `3.5 < albumin` is `albumin > 3.5`: one threshold, one operator.
        let alb: Vec<&Threshold> = of_measure(&t, albumin).collect();
        assert_eq!(alb.len(), 1);
        assert!((alb[0].value - 35.0).abs() < 1e-9);
        assert_eq!(alb[0].ops, vec![CmpOp::Gt]);
    }
}
