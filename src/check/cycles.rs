//! Named conditions that depend on themselves. A response category depends
//! on its own line and on every line above it (it is the *first* true line),
//! so `CR: not PR` above `PR: ...` is a cycle too.
//!
//! The search is iterative, so a chain of thousands of definitions cannot
//! exhaust the stack.

use super::codes;
use crate::ast::*;
use crate::diagnostics::Problem;
use std::collections::HashMap;

struct Node<'a> {
    name: &'a Ident,
    body: Option<&'a Expr>,
    /// For a category, the category on the line above.
    above: Option<usize>,
}

/// Report each cycle among the file's named conditions once.
pub fn check(file: &CriteriaFile, problems: &mut Vec<Problem>) {
    let nodes = nodes(file);
    let index: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.key(), i))
        .collect();
    let edges: Vec<Vec<(usize, Span)>> = nodes
        .iter()
        .map(|node| {
            let mut out = Vec::new();
            if let Some(body) = node.body {
                referenced(body, &mut |name| {
                    if let Some(&j) = index.get(&name.key()) {
                        out.push((j, name.span));
                    }
                });
            }
            if let Some(above) = node.above {
                out.push((above, node.name.span));
            }
            out
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; nodes.len()];
    let paint = |colour: &mut Vec<Colour>, node: usize, c: Colour| {
        if let Some(slot) = colour.get_mut(node) {
            *slot = c;
        }
    };
    for root in 0..nodes.len() {
        if colour.get(root) != Some(&Colour::White) {
            continue;
        }
        // (node, next edge to follow)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        paint(&mut colour, root, Colour::Grey);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let Some(&(target, use_span)) = edges.get(node).and_then(|e| e.get(*next)) else {
                paint(&mut colour, node, Colour::Black);
                stack.pop();
                continue;
            };
            *next += 1;
            match colour.get(target) {
                Some(Colour::White) => {
                    paint(&mut colour, target, Colour::Grey);
                    stack.push((target, 0));
                }
                Some(Colour::Grey) => {
                    let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                    let cycle: Vec<usize> = stack.iter().skip(from).map(|(n, _)| *n).collect();
                    problems.push(cycle_problem(&nodes, &cycle, use_span));
                }
                _ => {}
            }
        }
    }
}

fn cycle_problem(nodes: &[Node<'_>], cycle: &[usize], closing_use: Span) -> Problem {
    let members: Vec<&Node<'_>> = cycle.iter().filter_map(|&i| nodes.get(i)).collect();
    let names: Vec<&str> = members.iter().map(|n| n.name.name.as_str()).collect();
    let first = names.first().copied().unwrap_or("?");
    let path = format!("{} → {first}", names.join(" → "));
    let head_span = members.first().map_or(closing_use, |n| n.name.span);
    let mut problem = Problem::error(
        codes::CYCLE,
        format!("`{first}` depends on itself"),
        head_span,
        format!("cycle: {path}"),
    );
    for member in members.iter().skip(1) {
        problem = problem.with_label(member.name.span, "part of the cycle");
    }
    if closing_use != head_span {
        problem = problem.with_label(closing_use, format!("uses `{first}` here"));
    }
    problem.with_help(
        "a definition may use others but never, through them, itself; \
         a response line may use the categories above it, not those below",
    )
}

fn nodes(file: &CriteriaFile) -> Vec<Node<'_>> {
    let mut nodes = Vec::new();
    for item in &file.items {
        match &item.kind {
            ItemKind::Response(block) => {
                let mut above = None;
                for line in &block.lines {
                    let body = match &line.body {
                        ResponseBody::Condition { expr } => Some(expr),
                        ResponseBody::Otherwise { .. } => None,
                    };
                    nodes.push(Node {
                        name: &line.name,
                        body,
                        above,
                    });
                    above = Some(nodes.len() - 1);
                }
            }
            ItemKind::Define(rule) | ItemKind::Event(rule) | ItemKind::Phenotype(rule) => nodes
                .push(Node {
                    name: &rule.name,
                    body: Some(&rule.body),
                    above: None,
                }),
            _ => {}
        }
    }
    nodes
}

/// Call `f` on every condition name and counted event an expression uses.
pub fn referenced<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Ident)) {
    match &expr.kind {
        ExprKind::Or { operands } | ExprKind::And { operands } | ExprKind::Either { operands } => {
            for operand in operands {
                referenced(operand, f);
            }
        }
        ExprKind::Not { operand } => referenced(operand, f),
        ExprKind::Group { inner } => referenced(inner, f),
        ExprKind::After { condition, since } => {
            referenced(condition, f);
            referenced(since, f);
        }
        ExprKind::Temporal { condition, .. } => referenced(condition, f),
        ExprKind::Name { name } => f(name),
        ExprKind::Count { event, window, .. } => {
            f(event);
            if let CountWindow::FirstAfter { anchor, .. } = window {
                referenced(anchor, f);
            }
        }
        ExprKind::Compare { .. }
        | ExprKind::Change { .. }
        | ExprKind::Stable { .. }
        | ExprKind::OnDrug { .. }
        | ExprKind::Tapering { .. }
        | ExprKind::Exposure { .. } => {}
    }
}
