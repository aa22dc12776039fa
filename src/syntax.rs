//! Text to syntax tree: the pest grammar (`grammar/criteria.pest`), guards
//! against input that would exhaust the stack, friendly syntax errors, and
//! the lowering of pest pairs into the typed AST, one `lower_*` function per
//! grammar rule.

use crate::ast::*;
use crate::diagnostics::{floor_char_boundary, Problem};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use std::sync::LazyLock;

/// The pest parser generated from the grammar, and its `Rule` enum (one
/// variant per grammar rule; the grammar file documents them).
#[allow(missing_docs)]
mod generated {
    /// The pest parser generated from the grammar.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/criteria.pest"]
    pub struct CriteriaParser;
}
pub use generated::{CriteriaParser, Rule};

/// The deepest nesting of parentheses accepted.
pub const MAX_PAREN_DEPTH: usize = 64;
/// The deepest expression tree accepted (operators and parentheses).
pub const MAX_EXPR_DEPTH: usize = 200;
/// The longest name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 256;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::infix(Rule::op_after, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::postfix(Rule::consecutive)
            | Op::postfix(Rule::confirmed_after)
            | Op::postfix(Rule::within_after_stop)
            | Op::postfix(Rule::within_time)
            | Op::postfix(Rule::after_time)
            | Op::postfix(Rule::at_time)
            | Op::postfix(Rule::by_time))
});

/// A comment in the source, kept for the formatter.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The text from `#` to the end of the line, trailing spaces removed.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// Whether nothing but spaces precede it on its line.
    pub own_line: bool,
}

/// Parse a criteria file into its syntax tree.
pub fn parse(text: &str) -> Result<CriteriaFile, Problem> {
    check_nesting(text)?;
    let mut pairs = CriteriaParser::parse(Rule::file, text).map_err(|e| syntax_error(&e, text))?;
    let file = pairs
        .next()
        .ok_or_else(|| Problem::error(codes::SYNTAX, "empty parse", Span::default(), "here"))?;
    let span = span_of(&file);
    let items = file
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(lower_item)
        .collect::<Result<Vec<_>, _>>()?;
    if items.is_empty() {
        return Err(Problem::error(
            codes::EMPTY,
            "the file holds no criteria",
            Span::new(0, 0),
            "nothing here",
        )
        .with_help(
            "a criteria file starts with a title line, such as `criteria \"KDIGO 2021 FSGS\"`",
        ));
    }
    Ok(CriteriaFile { items, span })
}

/// Diagnostic codes of the syntax stage.
pub mod codes {
    /// The text does not follow the grammar.
    pub const SYNTAX: &str = "nephrules::syntax";
    /// Nothing but whitespace and comments.
    pub const EMPTY: &str = "nephrules::empty";
    /// Nesting deeper than the limits.
    pub const TOO_DEEP: &str = "nephrules::too_deep";
    /// A name longer than the limit.
    pub const NAME_TOO_LONG: &str = "nephrules::name_too_long";
    /// A number that is not finite.
    pub const BAD_NUMBER: &str = "nephrules::bad_number";
    /// A string without its closing quote.
    pub const UNTERMINATED_STRING: &str = "nephrules::unterminated_string";
}

/// Every comment in `text`, in order (a `#` inside a string is not one).
pub fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                let body = line[i..].trim_end();
                let start = line_start + i;
                out.push(Comment {
                    text: body.to_string(),
                    span: Span::new(start, start + body.len()),
                    own_line: line[..i].trim().is_empty(),
                });
                break;
            }
        }
        line_start += line.len();
    }
    out
}

/// Reject parenthesis nesting deep enough to exhaust the parser's stack,
/// before the recursive grammar sees it.
fn check_nesting(text: &str) -> Result<(), Problem> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut in_comment = false;
    for (i, c) in text.char_indices() {
        match c {
            '\n' => {
                in_comment = false;
                in_string = false;
            }
            _ if in_comment => {}
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => in_comment = true,
            '(' => {
                depth += 1;
                if depth > MAX_PAREN_DEPTH {
                    return Err(Problem::error(
                        codes::TOO_DEEP,
                        format!("parentheses nested more than {MAX_PAREN_DEPTH} deep"),
                        Span::new(i, i + 1),
                        "too deep here",
                    )
                    .with_help("split the condition into named parts with `define NAME: ...`"));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The pair's span without the whitespace and comments pest's implicit
/// skipping leaves at the end of a rule that ends in a repetition.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let (start, end) = (s.start(), s.end());
    let Some(last) = pair.clone().into_inner().last() else {
        return Span::new(start, end);
    };
    let last_end = span_of(&last).end;
    // After the last child only literal tokens (`)`, `:`), whitespace and
    // comments can remain; the span ends after the last literal token.
    let input = pair.get_input();
    let mut real_end = last_end;
    let mut in_comment = false;
    for (i, c) in input.get(last_end..end).unwrap_or("").char_indices() {
        match c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '#' => in_comment = true,
            c if c.is_whitespace() || c == '\u{FEFF}' => {}
            c => real_end = last_end + i + c.len_utf8(),
        }
    }
    Span::new(start, real_end)
}

/// Whether a rule is a keyword token, which lowering skips.
fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").starts_with("kw_")
}

/// The children of a pair, keywords left out.
fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

/// The next child, which the grammar guarantees; a missing one is a bug
/// reported as a syntax error rather than a panic.
fn next<'i>(
    it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    parent: Span,
) -> Result<Pair<'i, Rule>, Problem> {
    it.next().ok_or_else(|| {
        Problem::error(
            codes::SYNTAX,
            "incomplete construct",
            parent,
            "something is missing here",
        )
    })
}

/// The first keyword child's rule (for `fell`/`rose`, `week`/`month`, …).
fn keyword_of(pair: &Pair<'_, Rule>) -> Option<Rule> {
    pair.clone()
        .into_inner()
        .map(|p| p.as_rule())
        .find(|r| is_keyword(*r))
}

fn unexpected(pair: &Pair<'_, Rule>) -> Problem {
    Problem::error(
        codes::SYNTAX,
        format!("unexpected `{}`", pair.as_str()),
        span_of(pair),
        "not expected here",
    )
}

fn lower_item(pair: Pair<'_, Rule>) -> Result<Item, Problem> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut it = children(pair);
    let kind = match rule {
        Rule::criteria_line => ItemKind::Criteria {
            name: lower_string(next(&mut it, span)?),
        },
        Rule::source_line => ItemKind::Source {
            text: lower_string(next(&mut it, span)?),
        },
        Rule::index_line => ItemKind::Index {
            drug: lower_ident(next(&mut it, span)?)?,
        },
        Rule::measure_decl => {
            let name = lower_ident(next(&mut it, span)?)?;
            let mut decl = MeasureDecl {
                name,
                binds: None,
                unit: None,
                valid: None,
            };
            for part in it {
                let part_span = span_of(&part);
                match part.as_rule() {
                    Rule::measure_binding => {
                        decl.binds = Some(lower_ident(next(&mut children(part), part_span)?)?)
                    }
                    Rule::measure_unit => {
                        decl.unit = Some(lower_unit(next(&mut children(part), part_span)?))
                    }
                    Rule::measure_valid => {
                        decl.valid = Some(lower_quantity(next(&mut children(part), part_span)?)?)
                    }
                    _ => return Err(unexpected(&part)),
                }
            }
            ItemKind::Measure(decl)
        }
        Rule::drug_decl => {
            let name = lower_ident(next(&mut it, span)?)?;
            let members = it.map(lower_ident).collect::<Result<Vec<_>, _>>()?;
            ItemKind::Drug(DrugDecl { name, members })
        }
        Rule::baseline_rule => {
            let pick_pair = next(&mut it, span)?;
            let pick = match keyword_of(&pick_pair) {
                Some(Rule::kw_last) => BaselinePick::Last,
                Some(Rule::kw_first) => BaselinePick::First,
                Some(Rule::kw_highest) => BaselinePick::Highest,
                Some(Rule::kw_lowest) => BaselinePick::Lowest,
                Some(Rule::kw_mean) => BaselinePick::Mean,
                Some(Rule::kw_median) => BaselinePick::Median,
                _ => return Err(unexpected(&pick_pair)),
            };
            let from = lower_edge(next(&mut it, span)?)?;
            let to = lower_edge(next(&mut it, span)?)?;
            ItemKind::Baseline(BaselineRule { pick, from, to })
        }
        Rule::stable_rule => ItemKind::Stable(StableRule {
            change: lower_change(next(&mut it, span)?)?,
        }),
        Rule::landmark_rule => ItemKind::LandmarkWindow {
            width: lower_quantity(next(&mut it, span)?)?,
        },
        Rule::response_block => ItemKind::Response(ResponseBlock {
            lines: it.map(lower_response_line).collect::<Result<Vec<_>, _>>()?,
        }),
        Rule::define_item | Rule::event_item | Rule::phenotype_item => {
            let name = lower_ident(next(&mut it, span)?)?;
            let body = lower_expr(next(&mut it, span)?)?;
            let named = NamedRule { name, body };
            match rule {
                Rule::define_item => ItemKind::Define(named),
                Rule::event_item => ItemKind::Event(named),
                _ => ItemKind::Phenotype(named),
            }
        }
        _ => {
            return Err(Problem::error(
                codes::SYNTAX,
                "unexpected item",
                span,
                "not an item",
            ))
        }
    };
    Ok(Item { kind, span })
}

fn lower_edge(pair: Pair<'_, Rule>) -> Result<WindowEdge, Problem> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let offset = match it.next() {
        None => None,
        Some(q) => {
            let quantity = lower_quantity(q)?;
            let dir = next(&mut it, span)?;
            let direction = match keyword_of(&dir) {
                Some(Rule::kw_before) => EdgeDirection::Before,
                _ => EdgeDirection::After,
            };
            Some((quantity, direction))
        }
    };
    Ok(WindowEdge { offset, span })
}

fn lower_response_line(pair: Pair<'_, Rule>) -> Result<ResponseLine, Problem> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let name = lower_ident(next(&mut it, span)?)?;
    let body_pair = next(&mut it, span)?;
    let body = match body_pair.as_rule() {
        Rule::otherwise => ResponseBody::Otherwise {
            span: span_of(&body_pair),
        },
        _ => ResponseBody::Condition {
            expr: lower_expr(body_pair)?,
        },
    };
    Ok(ResponseLine { name, body, span })
}

/// A lowered expression with the depth of its tree.
type Lowered = Result<(Expr, usize), Problem>;

fn too_deep(span: Span) -> Problem {
    Problem::error(
        codes::TOO_DEEP,
        format!("expression nested more than {MAX_EXPR_DEPTH} deep"),
        span,
        "too deep here",
    )
    .with_help("split the condition into named parts with `define NAME: ...`")
}

fn deeper(expr: Expr, depth: usize) -> Lowered {
    if depth > MAX_EXPR_DEPTH {
        Err(too_deep(expr.span))
    } else {
        Ok((expr, depth))
    }
}

fn lower_expr(pair: Pair<'_, Rule>) -> Result<Expr, Problem> {
    lower_expr_depth(pair).map(|(e, _)| e)
}

fn lower_expr_depth(pair: Pair<'_, Rule>) -> Lowered {
    let pairs = pair.into_inner();
    // The Pratt parser recurses once per prefix operator in a row: bound
    // the run before handing it over.
    let mut run = 0usize;
    for p in pairs.clone() {
        if p.as_rule() == Rule::op_not {
            run += 1;
            if run > MAX_EXPR_DEPTH {
                return Err(too_deep(span_of(&p)));
            }
        } else {
            run = 0;
        }
    }
    pratt(pairs)
}

fn pratt(pairs: Pairs<'_, Rule>) -> Lowered {
    PRATT
        .map_primary(lower_primary)
        .map_prefix(|op, rhs| {
            let (operand, depth) = rhs?;
            let span = span_of(&op).join(operand.span);
            deeper(
                Expr {
                    kind: ExprKind::Not {
                        operand: Box::new(operand),
                    },
                    span,
                },
                depth + 1,
            )
        })
        .map_postfix(|lhs, op| {
            let (condition, depth) = lhs?;
            let op = lower_temporal(op)?;
            let span = condition.span.join(op.span);
            deeper(
                Expr {
                    kind: ExprKind::Temporal {
                        condition: Box::new(condition),
                        op,
                    },
                    span,
                },
                depth + 1,
            )
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, ld) = lhs?;
            let (rhs, rd) = rhs?;
            let span = lhs.span.join(rhs.span);
            match op.as_rule() {
                Rule::op_and => Ok((flatten(lhs, rhs, span, true), ld.max(rd) + 1)),
                Rule::op_or => Ok((flatten(lhs, rhs, span, false), ld.max(rd) + 1)),
                _ => deeper(
                    Expr {
                        kind: ExprKind::After {
                            condition: Box::new(lhs),
                            since: Box::new(rhs),
                        },
                        span,
                    },
                    ld.max(rd) + 1,
                ),
            }
        })
        .parse(pairs)
}

/// Join two operands of `and` (or `or`) into one n-ary node, extending the
/// left operand's chain instead of nesting.
fn flatten(lhs: Expr, rhs: Expr, span: Span, is_and: bool) -> Expr {
    let mut operands = match lhs.kind {
        ExprKind::And { operands } if is_and => operands,
        ExprKind::Or { operands } if !is_and => operands,
        kind => vec![Expr {
            kind,
            span: lhs.span,
        }],
    };
    operands.push(rhs);
    let kind = if is_and {
        ExprKind::And { operands }
    } else {
        ExprKind::Or { operands }
    };
    Expr { kind, span }
}

fn lower_primary(pair: Pair<'_, Rule>) -> Lowered {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    match rule {
        Rule::group => {
            let inner = next(&mut children(pair), span)?;
            let (inner, depth) = lower_expr_depth(inner)?;
            deeper(
                Expr {
                    kind: ExprKind::Group {
                        inner: Box::new(inner),
                    },
                    span,
                },
                depth + 1,
            )
        }
        Rule::name_ref => {
            let name = lower_ident(next(&mut children(pair), span)?)?;
            Ok((
                Expr {
                    kind: ExprKind::Name { name },
                    span,
                },
                1,
            ))
        }
        Rule::on_drug => {
            let drug = lower_ident(next(&mut children(pair), span)?)?;
            Ok((
                Expr {
                    kind: ExprKind::OnDrug { drug },
                    span,
                },
                1,
            ))
        }
        Rule::count => lower_count(pair),
        Rule::either => {
            let mut operands = Vec::new();
            let mut depth = 0;
            for operand in children(pair) {
                let (e, d) = lower_primary(operand)?;
                depth = depth.max(d);
                operands.push(e);
            }
            deeper(
                Expr {
                    kind: ExprKind::Either { operands },
                    span,
                },
                depth + 1,
            )
        }
        Rule::predicate => lower_predicate(pair).map(|e| (e, 1)),
        _ => Err(unexpected(&pair)),
    }
}

fn lower_count(pair: Pair<'_, Rule>) -> Lowered {
    let span = span_of(&pair);
    let mut it = children(pair);
    let event = lower_ident(next(&mut it, span)?)?;
    let window_pair = next(&mut it, span)?;
    let window_span = span_of(&window_pair);
    let mut depth = 1;
    let window = match window_pair.as_rule() {
        Rule::count_any => CountWindow::Any {
            length: lower_quantity(next(&mut children(window_pair), window_span)?)?,
        },
        _ => {
            let mut w = children(window_pair);
            let length = lower_quantity(next(&mut w, window_span)?)?;
            let (anchor, d) = lower_primary(next(&mut w, window_span)?)?;
            depth += d;
            CountWindow::FirstAfter {
                length,
                anchor: Box::new(anchor),
            }
        }
    };
    let op = lower_comparator(next(&mut it, span)?);
    let count = lower_number(next(&mut it, span)?)?;
    deeper(
        Expr {
            kind: ExprKind::Count {
                event,
                window,
                op,
                count,
            },
            span,
        },
        depth,
    )
}

fn lower_predicate(pair: Pair<'_, Rule>) -> Result<Expr, Problem> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let subject = lower_value(next(&mut it, span)?)?;
    let tail = next(&mut it, span)?;
    let tail_span = span_of(&tail);
    let kind = match tail.as_rule() {
        Rule::comparison => {
            let mut c = children(tail);
            let op = lower_comparator(next(&mut c, tail_span)?);
            let rhs = lower_value(next(&mut c, tail_span)?)?;
            ExprKind::Compare {
                lhs: subject,
                op,
                rhs,
            }
        }
        Rule::change => ExprKind::Change {
            subject,
            change: lower_change(tail)?,
        },
        Rule::stable => ExprKind::Stable {
            subject,
            keyword: tail_span,
        },
        Rule::tapering => ExprKind::Tapering {
            drug: value_as_drug(subject)?,
        },
        Rule::exposure => {
            let mut c = children(tail);
            let op = lower_comparator(next(&mut c, tail_span)?);
            let duration = lower_quantity(next(&mut c, tail_span)?)?;
            ExprKind::Exposure {
                drug: value_as_drug(subject)?,
                op,
                duration,
            }
        }
        _ => return Err(unexpected(&tail)),
    };
    Ok(Expr { kind, span })
}

/// `prednisone tapering` and `prednisone for >= 12 weeks` need a plain name.
fn value_as_drug(value: Value) -> Result<Ident, Problem> {
    match value.kind {
        ValueKind::Name { name } => Ok(name),
        _ => Err(Problem::error(
            codes::SYNTAX,
            "expected a drug name",
            value.span,
            "not a drug",
        )
        .with_help(
            "write the drug's name, as in `prednisone tapering` or `prednisone for >= 12 weeks`",
        )),
    }
}

fn lower_change(pair: Pair<'_, Rule>) -> Result<Change, Problem> {
    let span = span_of(&pair);
    // `change` wraps exactly one of its three forms.
    let form = next(&mut children(pair), span)?;
    let form_rule = form.as_rule();
    let mut it = children(form);
    let kind = match form_rule {
        Rule::change_by => {
            let direction = lower_direction(next(&mut it, span)?);
            let op = lower_comparator(next(&mut it, span)?);
            let amount = lower_quantity(next(&mut it, span)?)?;
            let from = lower_ref_point(next(&mut it, span)?);
            ChangeKind::By {
                direction,
                op,
                amount,
                from,
            }
        }
        Rule::change_from => {
            let direction = lower_direction(next(&mut it, span)?);
            let from = lower_ref_point(next(&mut it, span)?);
            ChangeKind::From { direction, from }
        }
        _ => {
            let amount = lower_quantity(next(&mut it, span)?)?;
            let of = lower_ref_point(next(&mut it, span)?);
            ChangeKind::Within { amount, of }
        }
    };
    Ok(Change { kind, span })
}

fn lower_direction(pair: Pair<'_, Rule>) -> Direction {
    match keyword_of(&pair) {
        Some(Rule::kw_fell) => Direction::Fell,
        _ => Direction::Rose,
    }
}

fn lower_ref_kind(pair: &Pair<'_, Rule>) -> RefKind {
    match keyword_of(pair) {
        Some(Rule::kw_peak) => RefKind::Peak,
        Some(Rule::kw_nadir) => RefKind::Nadir,
        Some(Rule::kw_previous) => RefKind::Previous,
        _ => RefKind::Baseline,
    }
}

fn lower_ref_point(pair: Pair<'_, Rule>) -> RefPoint {
    let span = span_of(&pair);
    let mut it = pair.into_inner();
    let kind = it.next().map_or(RefKind::Baseline, |k| lower_ref_kind(&k));
    let since_index = it.any(|p| p.as_rule() == Rule::since_index);
    RefPoint {
        kind,
        since_index,
        span,
    }
}

fn lower_value(pair: Pair<'_, Rule>) -> Result<Value, Problem> {
    let span = span_of(&pair);
    let inner = next(&mut children(pair), span)?;
    let inner_span = span_of(&inner);
    let kind = match inner.as_rule() {
        Rule::multiple => {
            let mut factor = None;
            let mut kind = RefKind::Baseline;
            let mut kind_span = inner_span;
            let mut measure = None;
            let mut since_index = false;
            for p in children(inner) {
                match p.as_rule() {
                    Rule::number => factor = Some(lower_number(p)?),
                    Rule::ref_kind => {
                        kind = lower_ref_kind(&p);
                        kind_span = span_of(&p);
                    }
                    Rule::name_ref => {
                        let p_span = span_of(&p);
                        measure = Some(lower_ident(next(&mut children(p), p_span)?)?)
                    }
                    Rule::since_index => {
                        since_index = true;
                        kind_span = kind_span.join(span_of(&p));
                    }
                    _ => {}
                }
            }
            let factor = factor.ok_or_else(|| unexpected_at(inner_span))?;
            ValueKind::Multiple {
                factor,
                point: RefPoint {
                    kind,
                    since_index,
                    span: kind_span,
                },
                measure,
            }
        }
        Rule::reference => {
            let mut kind = RefKind::Baseline;
            let mut point_span = inner_span;
            let mut measure = None;
            let mut since_index = false;
            for p in children(inner) {
                match p.as_rule() {
                    Rule::ref_kind => {
                        kind = lower_ref_kind(&p);
                        point_span = span_of(&p);
                    }
                    Rule::ident => measure = Some(lower_ident(p)?),
                    Rule::since_index => {
                        since_index = true;
                        point_span = point_span.join(span_of(&p));
                    }
                    _ => {}
                }
            }
            ValueKind::Reference {
                point: RefPoint {
                    kind,
                    since_index,
                    span: point_span,
                },
                measure: measure.ok_or_else(|| unexpected_at(inner_span))?,
            }
        }
        Rule::grade => ValueKind::Grade {
            grade: Grade::parse(inner.as_str()).ok_or_else(|| {
                Problem::error(
                    codes::SYNTAX,
                    format!("`{}` is not a dipstick grade", inner.as_str()),
                    inner_span,
                    "not a grade",
                )
                .with_help("grades are `negative`, `trace`, `1+`, `2+`, `3+` and `4+`")
            })?,
        },
        Rule::quantity => ValueKind::Literal {
            quantity: lower_quantity(inner)?,
        },
        Rule::name_ref => ValueKind::Name {
            name: lower_ident(next(&mut children(inner), inner_span)?)?,
        },
        _ => return Err(unexpected(&inner)),
    };
    Ok(Value { kind, span })
}

fn unexpected_at(span: Span) -> Problem {
    Problem::error(
        codes::SYNTAX,
        "incomplete value",
        span,
        "something is missing here",
    )
}

fn lower_temporal(pair: Pair<'_, Rule>) -> Result<TemporalOp, Problem> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut it = children(pair);
    let kind = match rule {
        Rule::consecutive => {
            let mut number = next(&mut it, span)?;
            if number.as_rule() == Rule::at_least {
                number = next(&mut it, span)?;
            }
            let count = lower_number(number)?;
            let unit = next(&mut it, span)?;
            match keyword_of(&unit) {
                Some(Rule::kw_assessments | Rule::kw_assessment) => {
                    TemporalKind::ConsecutiveAssessments { assessments: count }
                }
                _ => TemporalKind::ConsecutiveDays { days: count },
            }
        }
        Rule::confirmed_after => TemporalKind::ConfirmedAfter {
            op: lower_comparator(next(&mut it, span)?),
            gap: lower_quantity(next(&mut it, span)?)?,
        },
        Rule::within_after_stop => TemporalKind::WithinAfterStop {
            duration: lower_quantity(next(&mut it, span)?)?,
            drug: lower_ident(next(&mut it, span)?)?,
        },
        Rule::within_time => TemporalKind::Within {
            duration: lower_quantity(next(&mut it, span)?)?,
        },
        Rule::after_time | Rule::at_time | Rule::by_time => {
            let at = lower_time_point(next(&mut it, span)?)?;
            match rule {
                Rule::after_time => TemporalKind::AfterTime { at },
                Rule::at_time => TemporalKind::AtTime { at },
                _ => TemporalKind::ByTime { at },
            }
        }
        _ => return Err(unexpected_at(span)),
    };
    Ok(TemporalOp { kind, span })
}

fn lower_time_point(pair: Pair<'_, Rule>) -> Result<TimePoint, Problem> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let unit_pair = next(&mut it, span)?;
    let unit = match keyword_of(&unit_pair) {
        Some(Rule::kw_day) => TimeUnit::Day,
        Some(Rule::kw_month) => TimeUnit::Month,
        Some(Rule::kw_year) => TimeUnit::Year,
        _ => TimeUnit::Week,
    };
    let number = lower_number(next(&mut it, span)?)?;
    Ok(TimePoint { unit, number, span })
}

fn lower_comparator(pair: Pair<'_, Rule>) -> Comparator {
    let op = match pair.as_str() {
        "<" => CmpOp::Lt,
        "<=" | "≤" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" | "≥" => CmpOp::Ge,
        "!=" | "≠" => CmpOp::Ne,
        _ => CmpOp::Eq,
    };
    Comparator {
        op,
        span: span_of(&pair),
    }
}

fn lower_quantity(pair: Pair<'_, Rule>) -> Result<Quantity, Problem> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let number = lower_number(next(&mut it, span)?)?;
    let unit = it.next().map(lower_unit);
    Ok(Quantity { number, unit, span })
}

fn lower_unit(pair: Pair<'_, Rule>) -> UnitName {
    UnitName {
        text: pair.as_str().to_string(),
        span: span_of(&pair),
    }
}

fn lower_number(pair: Pair<'_, Rule>) -> Result<Number, Problem> {
    let span = span_of(&pair);
    let text = pair.as_str();
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Number {
            value,
            text: text.to_string(),
            span,
        }),
        _ => Err(Problem::error(
            codes::BAD_NUMBER,
            format!("`{}` is out of range", abbreviate(text)),
            span,
            "not a finite number",
        )
        .with_help("write a number between -1.7e308 and 1.7e308")),
    }
}

fn lower_ident(pair: Pair<'_, Rule>) -> Result<Ident, Problem> {
    let span = span_of(&pair);
    let name = pair.as_str();
    if name.len() > MAX_NAME_LEN {
        return Err(Problem::error(
            codes::NAME_TOO_LONG,
            format!("name `{}` is {} bytes long", abbreviate(name), name.len()),
            span,
            "too long",
        )
        .with_help(format!("names are at most {MAX_NAME_LEN} bytes")));
    }
    Ok(Ident {
        name: name.to_string(),
        span,
    })
}

fn lower_string(pair: Pair<'_, Rule>) -> StringLit {
    let span = span_of(&pair);
    let raw = pair.into_inner().next().map_or("", |p| p.as_str());
    let mut value = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                value.push(escaped);
            }
        } else {
            value.push(c);
        }
    }
    StringLit { value, span }
}

/// The first 40 characters of a long text, with an ellipsis.
pub fn abbreviate(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        let head: String = text.chars().take(40).collect();
        format!("{head}…")
    }
}

// ---- syntax errors ------------------------------------------------------------

fn syntax_error(err: &pest::error::Error<Rule>, text: &str) -> Problem {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = floor_char_boundary(text, pos.min(text.len()));
    if let Some(problem) = unterminated_string(text, pos) {
        return problem;
    }
    let found = found_at(text, pos);
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => expected_list(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let span = Span::new(pos, pos + found.len);
    Problem::error(
        codes::SYNTAX,
        format!("unexpected {}", found.describe),
        span,
        format!("expected {expected}"),
    )
    .with_help(syntax_help(text, pos))
}

struct Found {
    describe: String,
    len: usize,
}

/// What stands at `pos`: a word, a symbol, or the end of the file.
fn found_at(text: &str, pos: usize) -> Found {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return Found {
            describe: "end of file".into(),
            len: 0,
        };
    };
    if first == '\n' || first == '\r' {
        return Found {
            describe: "end of line".into(),
            len: 0,
        };
    }
    let word_len: usize = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
        .map_or(rest.len(), |(i, _)| i);
    let len = if word_len > 0 {
        word_len
    } else {
        first.len_utf8()
    };
    let token = &rest[..len];
    let describe = if first.is_control() {
        format!("character U+{:04X}", u32::from(first))
    } else {
        format!("`{}`", abbreviate(token))
    };
    Found { describe, len }
}

/// A `"` before `pos` on the same line with no closing quote.
fn unterminated_string(text: &str, pos: usize) -> Option<Problem> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    let mut open = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '#' if open.is_none() => break,
            _ if escaped => escaped = false,
            '\\' if open.is_some() => escaped = true,
            '"' => open = if open.is_some() { None } else { Some(i) },
            _ => {}
        }
    }
    let start = line_start + open?;
    Some(
        Problem::error(
            codes::UNTERMINATED_STRING,
            "unterminated string",
            Span::new(start, line_end.max(start + 1)),
            "this string has no closing quote",
        )
        .with_help("close the string with `\"` before the end of the line"),
    )
}

fn syntax_help(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("").trim_start();
    let line_start = text
        .get(..pos)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let before = text.get(line_start..pos).unwrap_or("");
    if before.contains("either") && (rest.starts_with("and") || rest.starts_with("after")) {
        return "each alternative of `either` is one condition: put a combination in parentheses, as in \
                `either (A and B) or C`"
            .into();
    }
    if rest.starts_with("otherwise") {
        "`otherwise` is a whole response line of its own, as in `NR: otherwise`".into()
    } else if rest.starts_with(':') {
        "a name followed by `:` starts a new line of a `response` block, or of `define`, `event`, `phenotype`".into()
    } else {
        "see LANGUAGE.md for the forms a criteria file can take".into()
    }
}

/// A readable list of what the parser would have accepted.
fn expected_list(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for rule in rules {
        let name = friendly(*rule);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.truncate(8);
    match names.split_last() {
        None => "something else".into(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The word for a grammar rule in an error message.
fn friendly(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::criteria_line | Rule::kw_criteria => "`criteria`",
        Rule::source_line | Rule::kw_source => "`source`",
        Rule::index_line | Rule::kw_index => "`index`",
        Rule::measure_decl | Rule::kw_measure => "`measure`",
        Rule::drug_decl | Rule::kw_drug => "`drug`",
        Rule::baseline_rule | Rule::kw_baseline => "`baseline`",
        Rule::stable_rule | Rule::kw_stable | Rule::stable => "`stable`",
        Rule::landmark_rule | Rule::kw_landmark => "`landmark window:`",
        Rule::response_block | Rule::kw_response => "`response`",
        Rule::response_line => "a response line such as `CR: uPCR < 0.3`",
        Rule::define_item | Rule::kw_define => "`define`",
        Rule::event_item | Rule::kw_event => "`event`",
        Rule::phenotype_item | Rule::kw_phenotype => "`phenotype`",
        Rule::expr | Rule::predicate | Rule::primary => "a condition",
        Rule::otherwise | Rule::kw_otherwise => "`otherwise`",
        Rule::op_or | Rule::kw_or => "`or`",
        Rule::op_and | Rule::kw_and => "`and`",
        Rule::op_after | Rule::kw_after | Rule::after_time => "`after`",
        Rule::op_not | Rule::kw_not => "`not`",
        Rule::consecutive => "`for N consecutive days`",
        Rule::confirmed_after | Rule::kw_confirmed => "`confirmed after`",
        Rule::within_after_stop | Rule::within_time | Rule::kw_within | Rule::change_within => {
            "`within`"
        }
        Rule::at_time | Rule::kw_at => "`at week N`",
        Rule::by_time | Rule::kw_by => "`by week N`",
        Rule::time_point | Rule::time_unit => "`week N`",
        Rule::group => "`(`",
        Rule::count | Rule::kw_count => "`count`",
        Rule::either | Rule::kw_either => "`either`",
        Rule::count_any | Rule::kw_any => "`any`",
        Rule::count_first | Rule::kw_first => "`first`",
        Rule::on_drug | Rule::kw_on => "`on`",
        Rule::comparison | Rule::comparator => "a comparison such as `<` or `>=`",
        Rule::tapering | Rule::kw_tapering => "`tapering`",
        Rule::exposure | Rule::kw_for => "`for`",
        Rule::change | Rule::change_by | Rule::change_from | Rule::direction => {
            "`fell`, `rose` or `within`"
        }
        Rule::kw_fell => "`fell`",
        Rule::kw_rose => "`rose`",
        Rule::ref_point | Rule::ref_kind => "`baseline`, `peak`, `nadir` or `previous`",
        Rule::since_index | Rule::kw_since => "`since index`",
        Rule::value | Rule::reference | Rule::multiple => "a value",
        Rule::times => "`x`",
        Rule::name_ref | Rule::ident => "a name",
        Rule::quantity | Rule::number => "a number",
        Rule::unit => "a unit",
        Rule::grade => "a dipstick grade",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::measure_binding | Rule::kw_is => "`is`",
        Rule::measure_unit | Rule::kw_in => "`in`",
        Rule::measure_valid | Rule::kw_valid => "`valid`",
        Rule::baseline_pick => "`last`, `first`, `highest`, `lowest`, `mean` or `median`",
        Rule::window_edge => "`index` or `N days before index`",
        Rule::edge_direction | Rule::kw_before => "`before` or `after`",
        Rule::at_least => "`>=`",
        Rule::consecutive_unit | Rule::kw_days | Rule::kw_day => "`days`",
        Rule::kw_assessments | Rule::kw_assessment => "`assessments`",
        Rule::kw_consecutive => "`consecutive`",
        Rule::kw_value => "`value`",
        Rule::kw_from => "`from`",
        Rule::kw_to => "`to`",
        Rule::kw_of => "`of`",
        Rule::kw_stop => "`stop`",
        Rule::kw_window => "`window`",
        Rule::kw_week | Rule::kw_month | Rule::kw_year => "`week`",
        _ => "more text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_skip_hashes_in_strings() {
        let text = "criteria \"a # b\"  # real\n# own line\n";
        let cs = comments(text);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].text, "# real");
        assert!(!cs[0].own_line);
        assert!(cs[1].own_line);
    }

    #[test]
    fn and_chains_are_flat() {
        let file = parse("criteria \"x\"\ndefine d: a and b and c and e").unwrap();
        let ItemKind::Define(rule) = &file.items[1].kind else {
            panic!("not a define")
        };
        match &rule.body.kind {
            ExprKind::And { operands } => assert_eq!(operands.len(), 4),
            other => panic!("{other:?}"),
        }
    }
}
