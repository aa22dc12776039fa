//! One test per grammar construct: the text, and the tree it must become,
//! written as an s-expression so that each case is one line.

use nephrules::ast::*;
use nephrules::syntax::parse;

fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Or { operands } => list("or", operands),
        ExprKind::And { operands } => list("and", operands),
        ExprKind::Either { operands } => list("either", operands),
        ExprKind::Not { operand } => format!("(not {})", sexp(operand)),
        ExprKind::Group { inner } => format!("[{}]", sexp(inner)),
        ExprKind::After { condition, since } => {
            format!("(after {} {})", sexp(condition), sexp(since))
        }
        ExprKind::Temporal { condition, op } => format!("({} {})", temporal(op), sexp(condition)),
        ExprKind::Name { name } => name.name.clone(),
        ExprKind::Compare { lhs, op, rhs } => {
            format!("({} {} {})", op.op.symbol(), value(lhs), value(rhs))
        }
        ExprKind::Change { subject, change } => {
            format!("({} {})", change_sexp(change), value(subject))
        }
        ExprKind::Stable { subject, .. } => format!("(stable {})", value(subject)),
        ExprKind::OnDrug { drug } => format!("(on {})", drug.name),
        ExprKind::Tapering { drug } => format!("(tapering {})", drug.name),
        ExprKind::Exposure { drug, op, duration } => {
            format!(
                "(exposure {} {} {})",
                drug.name,
                op.op.symbol(),
                quantity(duration)
            )
        }
        ExprKind::Count {
            event,
            window,
            op,
            count,
        } => {
            let w = match window {
                CountWindow::Any { length } => format!("any {}", quantity(length)),
                CountWindow::FirstAfter { length, anchor } => {
                    format!("first {} after {}", quantity(length), sexp(anchor))
                }
            };
            format!(
                "(count {} {w} {} {})",
                event.name,
                op.op.symbol(),
                count.text
            )
        }
    }
}

fn list(op: &str, operands: &[Expr]) -> String {
    let inner: Vec<String> = operands.iter().map(sexp).collect();
    format!("({op} {})", inner.join(" "))
}

fn quantity(q: &Quantity) -> String {
    match &q.unit {
        Some(u) => format!("{}{}", q.number.text, u.text),
        None => q.number.text.clone(),
    }
}

fn point(p: &RefPoint) -> String {
    if p.since_index {
        format!("{}@index", p.kind.keyword())
    } else {
        p.kind.keyword().to_string()
    }
}

fn value(v: &Value) -> String {
    match &v.kind {
        ValueKind::Name { name } => name.name.clone(),
        ValueKind::Reference { point: p, measure } => format!("{}.{}", point(p), measure.name),
        ValueKind::Multiple {
            factor,
            point: p,
            measure,
        } => match measure {
            Some(m) => format!("{}x{}.{}", factor.text, point(p), m.name),
            None => format!("{}x{}", factor.text, point(p)),
        },
        ValueKind::Literal { quantity: q } => quantity(q),
        ValueKind::Grade { grade } => grade.spelling(),
    }
}

fn change_sexp(c: &Change) -> String {
    let dir = |d: &Direction| match d {
        Direction::Fell => "fell",
        Direction::Rose => "rose",
    };
    match &c.kind {
        ChangeKind::By {
            direction,
            op,
            amount,
            from,
        } => format!(
            "{}-by {} {} from {}",
            dir(direction),
            op.op.symbol(),
            quantity(amount),
            point(from)
        ),
        ChangeKind::From { direction, from } => format!("{}-from {}", dir(direction), point(from)),
        ChangeKind::Within { amount, of } => {
            format!("within {} of {}", quantity(amount), point(of))
        }
    }
}

fn temporal(op: &TemporalOp) -> String {
    let tp = |t: &TimePoint| format!("{}{}", t.unit.keyword(), t.number.text);
    match &op.kind {
        TemporalKind::ConsecutiveDays { days } => format!("days{}", days.text),
        TemporalKind::ConsecutiveAssessments { assessments } => {
            format!("assessments{}", assessments.text)
        }
        TemporalKind::ConfirmedAfter { op, gap } => {
            format!("confirmed{}{}", op.op.symbol(), quantity(gap))
        }
        TemporalKind::Within { duration } => format!("within{}", quantity(duration)),
        TemporalKind::WithinAfterStop { duration, drug } => {
            format!("within{}-after-{}-stop", quantity(duration), drug.name)
        }
        TemporalKind::AfterTime { at } => format!("after-{}", tp(at)),
        TemporalKind::AtTime { at } => format!("at-{}", tp(at)),
        TemporalKind::ByTime { at } => format!("by-{}", tp(at)),
    }
}

/// The tree of `define d: <expr>`.
fn tree(expr: &str) -> String {
    let text = format!("criteria \"t\"\ndefine d: {expr}\n");
    let file = parse(&text).unwrap_or_else(|p| panic!("{expr}: {}", p.message));
    match &file.items[1].kind {
        ItemKind::Define(rule) => sexp(&rule.body),
        other => panic!("not a define: {other:?}"),
    }
}

fn rejects(expr: &str) {
    let text = format!("criteria \"t\"\ndefine d: {expr}\n");
    assert!(parse(&text).is_err(), "`{expr}` should not parse");
}

#[test]
fn comparisons_with_units_percentages_and_bare_numbers() {
    assert_eq!(tree("uPCR < 0.3 g/g"), "(< uPCR 0.3g/g)");
    assert_eq!(tree("albumin > 35"), "(> albumin 35)");
    assert_eq!(tree("uPCR <= 30 mg/mmol"), "(<= uPCR 30mg/mmol)");
    assert_eq!(tree("scr >= 88 umol/L"), "(>= scr 88umol/L)");
    assert_eq!(tree("scr != 1 mg/dL"), "(!= scr 1mg/dL)");
    assert_eq!(tree("egfr ≥ 30 mL/min/1.73m2"), "(>= egfr 30mL/min/1.73m2)");
    assert_eq!(tree("cd19 < 5 /uL"), "(< cd19 5/uL)");
    assert_eq!(tree("anti_pla2r < 2 RU/mL"), "(< anti_pla2r 2RU/mL)");
    assert_eq!(
        tree("proteinuria_24h < 0.3 g/24h"),
        "(< proteinuria_24h 0.3g/24h)"
    );
}

#[test]
fn dipstick_grades() {
    assert_eq!(tree("dipstick <= trace"), "(<= dipstick trace)");
    assert_eq!(tree("dipstick >= 3+"), "(>= dipstick 3+)");
    assert_eq!(tree("dipstick = negative"), "(= dipstick negative)");
}

#[test]
fn precedence_not_and_or() {
    assert_eq!(tree("a or b and c"), "(or a (and b c))");
    assert_eq!(tree("not a and b"), "(and (not a) b)");
    assert_eq!(tree("a and b or c and d"), "(or (and a b) (and c d))");
    assert_eq!(tree("(a or b) and c"), "(and [(or a b)] c)");
    assert_eq!(
        tree("uPCR < 0.3 and albumin > 35"),
        "(and (< uPCR 0.3) (> albumin 35))"
    );
    assert_eq!(tree("a and b and c and d"), "(and a b c d)");
    assert_eq!(tree("NOT a AND b OR c"), "(or (and (not a) b) c)");
}

#[test]
fn either_takes_the_or_chain_of_its_alternatives() {
    assert_eq!(
        tree("either proteinuria_24h < 0.3 g/d or uPCR < 300 mg/g"),
        "(either (< proteinuria_24h 0.3g/d) (< uPCR 300mg/g))"
    );
    assert_eq!(tree("either a or b or c and d"), "(and (either a b c) d)");
    assert_eq!(tree("x or either a or b"), "(or x (either a b))");
    assert_eq!(tree("(either a or b) or c"), "(or [(either a b)] c)");
}

#[test]
fn reference_points() {
    assert_eq!(tree("uPCR < baseline uPCR"), "(< uPCR baseline.uPCR)");
    assert_eq!(
        tree("uPCR > peak uPCR since index"),
        "(> uPCR peak@index.uPCR)"
    );
    assert_eq!(tree("uPCR > nadir uPCR"), "(> uPCR nadir.uPCR)");
    assert_eq!(tree("uPCR > previous uPCR"), "(> uPCR previous.uPCR)");
}

#[test]
fn change_predicates() {
    assert_eq!(
        tree("uPCR fell by > 50% from peak"),
        "(fell-by > 50% from peak uPCR)"
    );
    assert_eq!(
        tree("scr rose by < 30% from baseline"),
        "(rose-by < 30% from baseline scr)"
    );
    assert_eq!(
        tree("albumin rose from baseline"),
        "(rose-from baseline albumin)"
    );
    assert_eq!(
        tree("uPCR fell from peak since index"),
        "(fell-from peak@index uPCR)"
    );
    assert_eq!(
        tree("scr within 25% of baseline"),
        "(within 25% of baseline scr)"
    );
    assert_eq!(tree("scr >= 2 x baseline"), "(>= scr 2xbaseline)");
    assert_eq!(tree("scr >= 2 × baseline scr"), "(>= scr 2xbaseline.scr)");
    assert_eq!(
        tree("albumin rose by >= 10 g/L from baseline"),
        "(rose-by >= 10g/L from baseline albumin)"
    );
    assert_eq!(tree("scr stable"), "(stable scr)");
}

#[test]
fn confirmation() {
    assert_eq!(
        tree("uPCR < 0.2 for 3 consecutive days"),
        "(days3 (< uPCR 0.2))"
    );
    assert_eq!(
        tree("(uPCR < 0.2 or dipstick <= trace) on >= 3 consecutive days"),
        "(days3 [(or (< uPCR 0.2) (<= dipstick trace))])"
    );
    assert_eq!(
        tree("remission on 2 consecutive assessments"),
        "(assessments2 remission)"
    );
    assert_eq!(
        tree("uPCR < 0.3 confirmed after >= 4 weeks"),
        "(confirmed>=4weeks (< uPCR 0.3))"
    );
}

#[test]
fn windows() {
    assert_eq!(tree("CR within 8 weeks"), "(within8weeks CR)");
    assert_eq!(tree("CR after week 12"), "(after-week12 CR)");
    assert_eq!(tree("CR at week 36"), "(at-week36 CR)");
    assert_eq!(tree("remission by week 12"), "(by-week12 remission)");
    assert_eq!(tree("remission by month 6"), "(by-month6 remission)");
    // `not` binds looser than the time operators: steroid resistance reads
    // as LANGUAGE.md intends with or without parentheses.
    assert_eq!(
        tree("not (remission by week 12)"),
        "(not [(by-week12 remission)])"
    );
    assert_eq!(
        tree("not remission by week 12"),
        "(not (by-week12 remission))"
    );
}

#[test]
fn sequence() {
    assert_eq!(
        tree("uPCR >= 3.5 g/g after remission"),
        "(after (>= uPCR 3.5g/g) remission)"
    );
    assert_eq!(tree("a and b after c"), "(and a (after b c))");
    assert_eq!(tree("a after b or c"), "(or (after a b) c)");
}

#[test]
fn counting() {
    assert_eq!(
        tree("count relapse in any 6 months >= 2"),
        "(count relapse any 6months >= 2)"
    );
    assert_eq!(
        tree("count relapse in any 12 months >= 4"),
        "(count relapse any 12months >= 4)"
    );
    assert_eq!(
        tree("count relapse in first 6 months after remission >= 2"),
        "(count relapse first 6months after remission >= 2)"
    );
    assert_eq!(
        tree("count relapse in first 6 months after (CR or PR) >= 2"),
        "(count relapse first 6months after [(or CR PR)] >= 2)"
    );
}

#[test]
fn treatments() {
    assert_eq!(tree("on prednisone"), "(on prednisone)");
    assert_eq!(tree("prednisone >= 1 mg/kg/d"), "(>= prednisone 1mg/kg/d)");
    assert_eq!(
        tree("prednisone for >= 12 weeks"),
        "(exposure prednisone >= 12weeks)"
    );
    assert_eq!(tree("prednisone tapering"), "(tapering prednisone)");
    assert_eq!(
        tree("relapse within 14 days after prednisone stop"),
        "(within14days-after-prednisone-stop relapse)"
    );
}

#[test]
fn bad_expressions_are_rejected() {
    rejects("uPCR <");
    rejects("uPCR < 0.3 and");
    rejects("(uPCR < 0.3");
    rejects("uPCR fell by 50% from peak");
    rejects("and uPCR < 0.3");
    rejects("count in any 6 months >= 2");
}

fn items(text: &str) -> Vec<ItemKind> {
    parse(text)
        .unwrap_or_else(|p| panic!("{}", p.message))
        .items
        .into_iter()
        .map(|i| i.kind)
        .collect()
}

#[test]
fn header_lines() {
    let kinds = items(
        "criteria \"A \\\"quoted\\\" title\"\n  source \"KDIGO 2021\"\n  index first rituximab\n",
    );
    assert!(matches!(&kinds[0], ItemKind::Criteria { name } if name.value == "A \"quoted\" title"));
    assert!(matches!(&kinds[1], ItemKind::Source { text } if text.value == "KDIGO 2021"));
    assert!(matches!(&kinds[2], ItemKind::Index { drug } if drug.name == "rituximab"));
}

#[test]
fn measure_declarations() {
    let kinds = items("criteria \"t\"\nmeasure uPCR in g/g valid 14 days\nmeasure prot is proteinuria_24h in g/d\nmeasure dipstick\n");
    let ItemKind::Measure(m) = &kinds[1] else {
        panic!()
    };
    assert_eq!(m.name.name, "uPCR");
    assert_eq!(m.unit.as_ref().map(|u| u.text.as_str()), Some("g/g"));
    assert_eq!(m.valid.as_ref().map(|q| q.number.value), Some(14.0));
    let ItemKind::Measure(m) = &kinds[2] else {
        panic!()
    };
    assert_eq!(
        m.binds.as_ref().map(|b| b.name.as_str()),
        Some("proteinuria_24h")
    );
    let ItemKind::Measure(m) = &kinds[3] else {
        panic!()
    };
    assert!(m.unit.is_none() && m.valid.is_none());
}

#[test]
fn reference_rules() {
    let kinds = items(
        "criteria \"t\"\nbaseline: last value from 30 days before index to index\nstable: within 25% of baseline\nlandmark window: 14 days\n",
    );
    let ItemKind::Baseline(b) = &kinds[1] else {
        panic!()
    };
    assert_eq!(b.pick, BaselinePick::Last);
    assert!(matches!(&b.from.offset, Some((q, EdgeDirection::Before)) if q.number.value == 30.0));
    assert!(b.to.offset.is_none());
    let ItemKind::Stable(s) = &kinds[2] else {
        panic!()
    };
    assert!(matches!(s.change.kind, ChangeKind::Within { .. }));
    assert!(matches!(&kinds[3], ItemKind::LandmarkWindow { width } if width.number.value == 14.0));
    let kinds = items(
        "criteria \"t\"\nbaseline: median value from 90 days before index to 7 days after index\n",
    );
    let ItemKind::Baseline(b) = &kinds[1] else {
        panic!()
    };
    assert_eq!(b.pick, BaselinePick::Median);
    assert!(matches!(&b.to.offset, Some((_, EdgeDirection::After))));
}

#[test]
fn response_blocks_and_named_rules() {
    let kinds = items(
        "criteria \"t\"\nresponse\n  CR: a\n  PR: b\n      and c\n  NR: otherwise\ndefine remission: CR or PR\nevent relapse: x after remission\nphenotype FRNS: y\ndrug steroids2: prednisone, prednisolone\n",
    );
    let ItemKind::Response(block) = &kinds[1] else {
        panic!()
    };
    let names: Vec<&str> = block.lines.iter().map(|l| l.name.name.as_str()).collect();
    assert_eq!(names, ["CR", "PR", "NR"]);
    assert!(matches!(
        block.lines[2].body,
        ResponseBody::Otherwise { .. }
    ));
    assert!(matches!(&kinds[2], ItemKind::Define(r) if r.name.name == "remission"));
    assert!(matches!(&kinds[3], ItemKind::Event(r) if r.name.name == "relapse"));
    assert!(matches!(&kinds[4], ItemKind::Phenotype(r) if r.name.name == "FRNS"));
    assert!(matches!(&kinds[5], ItemKind::Drug(d) if d.members.len() == 2));
}

#[test]
fn comments_and_layout_are_free() {
    let kinds =
        items("# head\ncriteria \"t\" # title\n\n\n   define   d :  a   # trailing\n# tail\n");
    assert_eq!(kinds.len(), 2);
}

/// INVARIANT (ast.rs): every child's span lies inside its parent's.
#[test]
fn child_spans_nest_in_parent_spans() {
    let text = include_str!("cases/language-example.rules");
    let file = parse(text).expect("the LANGUAGE.md example parses");
    let json = serde_json::to_value(&file).expect("serializes");
    fn walk(v: &serde_json::Value, parent: (u64, u64)) {
        match v {
            serde_json::Value::Object(map) => {
                let here = map
                    .get("span")
                    .and_then(|s| Some((s.get("start")?.as_u64()?, s.get("end")?.as_u64()?)))
                    .unwrap_or(parent);
                assert!(
                    here.0 >= parent.0 && here.1 <= parent.1,
                    "{here:?} outside {parent:?}"
                );
                for (k, child) in map {
                    if k != "span" {
                        walk(child, here);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, parent)),
            _ => {}
        }
    }
    walk(&json, (0, text.len() as u64));
}
