//! `nephrules fmt`: print a criteria file in its one canonical layout,
//! keeping every comment, the author's blank lines between items and the
//! author's parentheses.
//!
//! Printing happens in two steps: `layout` turns each item (and each
//! response line) into a `Unit` of printed lines, each remembering which
//! source text it prints; the `Weaver` then walks the units in order and
//! puts every comment and blank line back where the source had it.
//!
//! INVARIANT: `parse(print(ast))` equals `ast` up to spans and `Group`
//! nodes, for any tree, parsed or built by hand: the printer adds the
//! parentheses the tree needs.
//! INVARIANT: `format(format(x)) == format(x)`: nothing the printer decides
//! depends on the source layout except what it preserves on purpose
//! (comments, their columns, blank lines between units).

use crate::ast::*;
use crate::diagnostics::Problem;
use crate::syntax::{self, Comment};
use std::collections::HashMap;

/// Lines wider than this (trailing comments aside) break before each
/// top-level `and` (or `or`).
pub const MAX_WIDTH: usize = 88;

/// Indentation of `source` and `index` under `criteria`.
const HEADER_INDENT: usize = 2;
/// Indentation of the lines of a `response` block.
const RESPONSE_INDENT: usize = 2;
/// The least gap between code and its trailing comment.
const COMMENT_GAP: usize = 2;

/// Parse `text` and print it canonically.
pub fn format(text: &str) -> Result<String, Problem> {
    let file = syntax::parse(text)?;
    Ok(print(&file, &syntax::comments(text), text))
}

/// Print a syntax tree canonically, weaving in the comments and blank lines
/// of `source`, the text it was parsed from (pass `""` and no comments for a
/// tree built by hand).
pub fn print(file: &CriteriaFile, comments: &[Comment], source: &str) -> String {
    let code = SourceText {
        text: source,
        comments,
    };
    let printer = Printer::new(file);
    let units = layout(file, &printer, &code);
    Weaver::new(code).weave(&units)
}

/// A syntax tree as JSON with every span removed, so that trees parsed from
/// differently laid out texts can be compared.
pub fn strip_spans(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| key != "span" && key != "keyword")
                .map(|(key, v)| (key, strip_spans(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_spans).collect()),
        other => other,
    }
}

/// A syntax tree as JSON with every name (`"name"` field) lowercased, since
/// names match case-insensitively and `fmt` writes the declared spelling.
pub fn fold_names(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| match v {
                    Value::String(name) if key == "name" => {
                        (key, Value::String(name.to_ascii_lowercase()))
                    }
                    other => (key, fold_names(other)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(fold_names).collect()),
        other => other,
    }
}

/// A syntax tree as JSON with every `Group` node replaced by its inner
/// expression, so that a tree compares equal to itself with parentheses
/// added or removed.
pub fn unwrap_groups(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(mut map) => {
            if let Some(inner) = group_inner(&mut map) {
                return unwrap_groups(inner);
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, unwrap_groups(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(unwrap_groups).collect()),
        other => other,
    }
}

/// The inner expression of a serialized `Group` expression.
fn group_inner(map: &mut serde_json::Map<String, serde_json::Value>) -> Option<serde_json::Value> {
    let kind = map.get_mut("kind")?.as_object_mut()?;
    if kind.get("expr")?.as_str()? != "group" {
        return None;
    }
    kind.remove("inner")
}

// ---- the source text ------------------------------------------------------------

/// The text being formatted and its comments.
#[derive(Clone, Copy)]
struct SourceText<'a> {
    text: &'a str,
    comments: &'a [Comment],
}

impl SourceText<'_> {
    /// Where the code of `span` really ends: pest spans may run on over
    /// trailing blanks and comments, which belong to what follows.
    fn code_end(&self, span: Span) -> usize {
        let mut end = span.end.min(self.text.len());
        loop {
            if let Some(code) = self.text.get(span.start..end) {
                end = span.start + code.trim_end().len();
            }
            let comment = self
                .comments
                .iter()
                .find(|c| c.span.end == end && c.span.start >= span.start && c.span.start < end);
            match comment {
                Some(c) => end = c.span.start,
                None => return end,
            }
        }
    }

    /// The column (in characters) of a byte offset on its line.
    fn column(&self, offset: usize) -> usize {
        let before = self.text.get(..offset).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].chars().count()
    }

    /// Whether a blank line lies between two offsets.
    fn blank_line_between(&self, start: usize, end: usize) -> bool {
        let Some(gap) = self.text.get(start..end) else {
            return false;
        };
        let pieces: Vec<&str> = gap.split('\n').collect();
        // The pieces strictly between the first and the last line break.
        pieces.len() > 2
            && pieces
                .iter()
                .skip(1)
                .take(pieces.len() - 2)
                .any(|p| p.trim().is_empty())
    }
}

// ---- layout: items to printed lines ----------------------------------------------

/// The printed lines of one item or response line.
struct Unit {
    /// Indentation of the own-line comments just before it.
    indent: usize,
    /// Indentation of own-line comments between its lines.
    inner_indent: usize,
    /// One line, or several when a long condition was broken.
    lines: Vec<Line>,
}

impl Unit {
    /// A unit of one line.
    fn single(indent: usize, text: String, span: Span, code: &SourceText<'_>) -> Unit {
        Unit {
            indent,
            inner_indent: indent,
            lines: vec![Line {
                text: format!("{}{text}", spaces(indent)),
                start: span.start,
                end: code.code_end(span),
            }],
        }
    }

    fn start(&self) -> usize {
        self.lines.first().map_or(0, |l| l.start)
    }

    fn end(&self) -> usize {
        self.lines.last().map_or(0, |l| l.end)
    }

    /// The line that prints the source at `offset`.
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .iter()
            .rposition(|l| l.start <= offset)
            .unwrap_or(0)
    }
}

/// One printed line and the source code it prints.
struct Line {
    /// The text, indentation included, without a comment.
    text: String,
    /// Where its code starts in the source.
    start: usize,
    /// Where its code ends in the source.
    end: usize,
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Every item as printed units, in source order.
fn layout(file: &CriteriaFile, printer: &Printer<'_>, code: &SourceText<'_>) -> Vec<Unit> {
    let mut units = Vec::new();
    for item in &file.items {
        item_units(item, printer, code, &mut units);
    }
    units
}

fn item_units(item: &Item, p: &Printer<'_>, code: &SourceText<'_>, units: &mut Vec<Unit>) {
    let span = item.span;
    let unit = match &item.kind {
        ItemKind::Criteria { name } => {
            Unit::single(0, format!("criteria {}", quoted(&name.value)), span, code)
        }
        ItemKind::Source { text } => Unit::single(
            HEADER_INDENT,
            format!("source {}", quoted(&text.value)),
            span,
            code,
        ),
        ItemKind::Index { drug } => Unit::single(
            HEADER_INDENT,
            format!("index first {}", drug.name),
            span,
            code,
        ),
        ItemKind::Measure(decl) => Unit::single(0, measure_text(decl, p), span, code),
        ItemKind::Drug(decl) => Unit::single(0, drug_text(decl), span, code),
        ItemKind::Baseline(rule) => Unit::single(0, baseline_text(rule, p), span, code),
        ItemKind::Stable(rule) => {
            Unit::single(0, format!("stable: {}", p.change(&rule.change)), span, code)
        }
        ItemKind::LandmarkWindow { width } => Unit::single(
            0,
            format!("landmark window: {}", p.quantity(width)),
            span,
            code,
        ),
        ItemKind::Response(block) => return response_units(block, span, p, code, units),
        ItemKind::Define(rule) => labelled(
            0,
            format!("define {}: ", rule.name.name),
            &rule.body,
            span,
            p,
            code,
        ),
        ItemKind::Event(rule) => labelled(
            0,
            format!("event {}: ", rule.name.name),
            &rule.body,
            span,
            p,
            code,
        ),
        ItemKind::Phenotype(rule) => labelled(
            0,
            format!("phenotype {}: ", rule.name.name),
            &rule.body,
            span,
            p,
            code,
        ),
    };
    units.push(unit);
}

fn response_units(
    block: &ResponseBlock,
    span: Span,
    p: &Printer<'_>,
    code: &SourceText<'_>,
    units: &mut Vec<Unit>,
) {
    let first_line = block.lines.first().map_or(span.end, |l| l.span.start);
    let keyword_end = (span.start + "response".len())
        .min(first_line)
        .max(span.start);
    units.push(Unit::single(
        0,
        "response".into(),
        Span::new(span.start, keyword_end),
        code,
    ));
    for line in &block.lines {
        let head = format!("{}: ", line.name.name);
        let unit = match &line.body {
            ResponseBody::Otherwise { .. } => {
                Unit::single(RESPONSE_INDENT, format!("{head}otherwise"), line.span, code)
            }
            ResponseBody::Condition { expr } => {
                labelled(RESPONSE_INDENT, head, expr, line.span, p, code)
            }
        };
        units.push(unit);
    }
}

/// `HEAD: condition`, broken before each top-level `and` (or `or`) when the
/// line would be too wide, the continuation lines aligned under the
/// condition's first character.
fn labelled(
    indent: usize,
    head: String,
    expr: &Expr,
    span: Span,
    p: &Printer<'_>,
    code: &SourceText<'_>,
) -> Unit {
    let prefix = format!("{}{head}", spaces(indent));
    let whole = format!("{prefix}{}", p.expr(expr));
    let chain = match &expr.kind {
        ExprKind::And { operands } => Some(("and", operands, Prec::After)),
        ExprKind::Or { operands } => Some(("or", operands, Prec::And)),
        ExprKind::Either { operands } => Some(("or", operands, Prec::Atom)),
        _ => None,
    };
    // `either` leads its first alternative; the `or`s align under it.
    let lead = if matches!(expr.kind, ExprKind::Either { .. }) {
        "either "
    } else {
        ""
    };
    let (word, operands, min) = match chain {
        Some(chain) if width(&whole) > MAX_WIDTH && chain.1.len() > 1 => chain,
        _ => {
            return Unit {
                indent,
                inner_indent: width(&prefix),
                lines: vec![Line {
                    text: whole,
                    start: span.start,
                    end: code.code_end(span),
                }],
            }
        }
    };
    let align = spaces(width(&prefix));
    let lines = operands
        .iter()
        .enumerate()
        .map(|(i, operand)| {
            let text = p.operand(operand, min);
            let (text, start) = match i {
                0 => (format!("{prefix}{lead}{text}"), span.start),
                _ => (format!("{align}{word} {text}"), operand.span.start),
            };
            Line {
                text,
                start,
                end: code.code_end(operand.span),
            }
        })
        .collect();
    Unit {
        indent,
        inner_indent: width(&prefix),
        lines,
    }
}

fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn measure_text(decl: &MeasureDecl, p: &Printer<'_>) -> String {
    let mut out = format!("measure {}", decl.name.name);
    if let Some(binds) = &decl.binds {
        out.push_str(&format!(" is {}", binds.name));
    }
    if let Some(unit) = &decl.unit {
        out.push_str(&format!(" in {}", unit.text));
    }
    if let Some(valid) = &decl.valid {
        out.push_str(&format!(" valid {}", p.quantity(valid)));
    }
    out
}

fn drug_text(decl: &DrugDecl) -> String {
    let mut out = format!("drug {}", decl.name.name);
    if !decl.members.is_empty() {
        let members: Vec<&str> = decl.members.iter().map(|m| m.name.as_str()).collect();
        out.push_str(&format!(": {}", members.join(", ")));
    }
    out
}

fn baseline_text(rule: &BaselineRule, p: &Printer<'_>) -> String {
    let pick = match rule.pick {
        BaselinePick::Last => "last",
        BaselinePick::First => "first",
        BaselinePick::Highest => "highest",
        BaselinePick::Lowest => "lowest",
        BaselinePick::Mean => "mean",
        BaselinePick::Median => "median",
    };
    format!(
        "baseline: {pick} value from {} to {}",
        edge_text(&rule.from, p),
        edge_text(&rule.to, p)
    )
}

fn edge_text(edge: &WindowEdge, p: &Printer<'_>) -> String {
    match &edge.offset {
        None => "index".into(),
        Some((quantity, EdgeDirection::Before)) => format!("{} before index", p.quantity(quantity)),
        Some((quantity, EdgeDirection::After)) => format!("{} after index", p.quantity(quantity)),
    }
}

// ---- expressions ----------------------------------------------------------------

/// How tightly an expression binds, loosest first, as the Pratt parser in
/// `syntax.rs` reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    After,
    Not,
    Temporal,
    Atom,
}

fn prec(expr: &Expr) -> Prec {
    match expr.kind {
        // `either` swallows every `or` after it: inside any other operator
        // it is written in parentheses.
        ExprKind::Or { .. } | ExprKind::Either { .. } => Prec::Or,
        ExprKind::And { .. } => Prec::And,
        ExprKind::After { .. } => Prec::After,
        ExprKind::Not { .. } => Prec::Not,
        ExprKind::Temporal { .. } => Prec::Temporal,
        _ => Prec::Atom,
    }
}

/// Prints expressions and their parts, writing each use of a measure with
/// its declared spelling.
struct Printer<'a> {
    /// Declared measure spellings by case-folded name.
    measures: HashMap<String, &'a str>,
}

impl<'a> Printer<'a> {
    fn new(file: &'a CriteriaFile) -> Self {
        let mut measures = HashMap::new();
        for item in &file.items {
            if let ItemKind::Measure(decl) = &item.kind {
                measures
                    .entry(decl.name.key())
                    .or_insert(decl.name.name.as_str());
            }
        }
        Printer { measures }
    }

    /// A measure (or dose) name as declared, else as written.
    fn measure<'b>(&'b self, name: &'b Ident) -> &'b str {
        self.measures
            .get(&name.key())
            .copied()
            .unwrap_or(&name.name)
    }

    fn expr(&self, expr: &Expr) -> String {
        let mut out = String::new();
        self.write_expr(&mut out, expr);
        out
    }

    /// An operand that must bind at least as tightly as `min`, in
    /// parentheses when it does not.
    fn operand(&self, expr: &Expr, min: Prec) -> String {
        let mut out = String::new();
        self.write_operand(&mut out, expr, min);
        out
    }

    fn write_operand(&self, out: &mut String, expr: &Expr, min: Prec) {
        if prec(expr) < min {
            out.push('(');
            self.write_expr(out, expr);
            out.push(')');
        } else {
            self.write_expr(out, expr);
        }
    }

    fn write_expr(&self, out: &mut String, expr: &Expr) {
        match &expr.kind {
            ExprKind::Or { operands } => self.write_chain(out, " or ", operands, Prec::And),
            ExprKind::And { operands } => self.write_chain(out, " and ", operands, Prec::After),
            ExprKind::Either { operands } => {
                out.push_str("either ");
                self.write_chain(out, " or ", operands, Prec::Atom);
            }
            ExprKind::Not { operand } => {
                out.push_str("not ");
                self.write_operand(out, operand, Prec::Not);
            }
            ExprKind::Group { inner } => {
                out.push('(');
                self.write_expr(out, inner);
                out.push(')');
            }
            ExprKind::After { condition, since } => {
                self.write_operand(out, condition, Prec::After);
                out.push_str(" after ");
                out.push_str(&self.since(since));
            }
            ExprKind::Temporal { condition, op } => {
                self.write_operand(out, condition, Prec::Temporal);
                out.push(' ');
                out.push_str(&self.temporal(&op.kind));
            }
            ExprKind::Name { name } => out.push_str(&name.name),
            ExprKind::Compare { lhs, op, rhs } => out.push_str(&format!(
                "{} {} {}",
                self.value(lhs),
                op.op.symbol(),
                self.value(rhs)
            )),
            ExprKind::Change { subject, change } => {
                out.push_str(&format!("{} {}", self.value(subject), self.change(change)))
            }
            ExprKind::Stable { subject, .. } => {
                out.push_str(&format!("{} stable", self.value(subject)))
            }
            ExprKind::OnDrug { drug } => out.push_str(&format!("on {}", drug.name)),
            ExprKind::Tapering { drug } => out.push_str(&format!("{} tapering", drug.name)),
            ExprKind::Exposure { drug, op, duration } => out.push_str(&format!(
                "{} for {} {}",
                drug.name,
                op.op.symbol(),
                self.quantity(duration)
            )),
            ExprKind::Count {
                event,
                window,
                op,
                count,
            } => out.push_str(&format!(
                "count {} in {} {} {}",
                event.name,
                self.count_window(window),
                op.op.symbol(),
                count.text
            )),
        }
    }

    fn write_chain(&self, out: &mut String, word: &str, operands: &[Expr], min: Prec) {
        for (i, operand) in operands.iter().enumerate() {
            if i > 0 {
                out.push_str(word);
            }
            self.write_operand(out, operand, min);
        }
    }

    /// The right side of `C after S`, in parentheses also when it starts
    /// with a name the grammar would read as `after week N`.
    fn since(&self, since: &Expr) -> String {
        let text = self.operand(since, Prec::Not);
        if starts_with_time_unit(&text) {
            format!("({text})")
        } else {
            text
        }
    }

    fn temporal(&self, kind: &TemporalKind) -> String {
        match kind {
            TemporalKind::ConsecutiveDays { days } => format!("for {} consecutive days", days.text),
            TemporalKind::ConsecutiveAssessments { assessments } => {
                format!("on {} consecutive assessments", assessments.text)
            }
            TemporalKind::ConfirmedAfter { op, gap } => {
                format!("confirmed after {} {}", op.op.symbol(), self.quantity(gap))
            }
            TemporalKind::Within { duration } => format!("within {}", self.quantity(duration)),
            TemporalKind::WithinAfterStop { duration, drug } => {
                format!(
                    "within {} after {} stop",
                    self.quantity(duration),
                    drug.name
                )
            }
            TemporalKind::AfterTime { at } => format!("after {}", time_point(at)),
            TemporalKind::AtTime { at } => format!("at {}", time_point(at)),
            TemporalKind::ByTime { at } => format!("by {}", time_point(at)),
        }
    }

    fn count_window(&self, window: &CountWindow) -> String {
        match window {
            CountWindow::Any { length } => format!("any {}", self.quantity(length)),
            CountWindow::FirstAfter { length, anchor } => {
                format!(
                    "first {} after {}",
                    self.quantity(length),
                    self.anchor(anchor)
                )
            }
        }
    }

    /// The grammar takes only a name or a parenthesized condition here.
    fn anchor(&self, anchor: &Expr) -> String {
        match &anchor.kind {
            ExprKind::Name { .. } | ExprKind::Group { .. } => self.expr(anchor),
            _ => format!("({})", self.expr(anchor)),
        }
    }

    fn change(&self, change: &Change) -> String {
        match &change.kind {
            ChangeKind::By {
                direction,
                op,
                amount,
                from,
            } => format!(
                "{} by {} {} from {}",
                direction_word(*direction),
                op.op.symbol(),
                self.quantity(amount),
                ref_point(from)
            ),
            ChangeKind::From { direction, from } => {
                format!("{} from {}", direction_word(*direction), ref_point(from))
            }
            ChangeKind::Within { amount, of } => {
                format!("within {} of {}", self.quantity(amount), ref_point(of))
            }
        }
    }

    fn value(&self, value: &Value) -> String {
        match &value.kind {
            ValueKind::Name { name } => self.measure(name).to_string(),
            ValueKind::Reference { point, measure } => {
                format!(
                    "{} {}{}",
                    point.kind.keyword(),
                    self.measure(measure),
                    since_index(point)
                )
            }
            ValueKind::Multiple {
                factor,
                point,
                measure,
            } => {
                let measure = measure
                    .as_ref()
                    .map_or(String::new(), |m| format!(" {}", self.measure(m)));
                format!(
                    "{} x {}{measure}{}",
                    factor.text,
                    point.kind.keyword(),
                    since_index(point)
                )
            }
            ValueKind::Literal { quantity } => self.quantity(quantity),
            ValueKind::Grade { grade } => grade.spelling(),
        }
    }

    /// `0.3 g/g`, `25%`, `35`.
    fn quantity(&self, quantity: &Quantity) -> String {
        match &quantity.unit {
            None => quantity.number.text.clone(),
            Some(unit) if unit.text.starts_with('%') => {
                format!("{}{}", quantity.number.text, unit.text)
            }
            Some(unit) => format!("{} {}", quantity.number.text, unit.text),
        }
    }
}

fn time_point(at: &TimePoint) -> String {
    format!("{} {}", at.unit.keyword(), at.number.text)
}

fn ref_point(point: &RefPoint) -> String {
    format!("{}{}", point.kind.keyword(), since_index(point))
}

fn since_index(point: &RefPoint) -> &'static str {
    if point.since_index {
        " since index"
    } else {
        ""
    }
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Fell => "fell",
        Direction::Rose => "rose",
    }
}

/// Whether `text` starts with the word `day`, `week`, `month` or `year`
/// (in any case), which after `after` the grammar reads as a time point.
fn starts_with_time_unit(text: &str) -> bool {
    let word_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let word = &text[..word_len];
    ["day", "week", "month", "year"]
        .iter()
        .any(|unit| word.eq_ignore_ascii_case(unit))
}

// ---- weaving in comments and blank lines ----------------------------------------

/// Writes units one after another, placing each comment and blank line of
/// the source.
struct Weaver<'a> {
    code: SourceText<'a>,
    /// The first comment not yet placed.
    next_comment: usize,
    out: String,
    /// Where in the source the last thing written ended.
    last_end: Option<usize>,
}

/// Where the comments met inside or just after one unit go.
struct Placement<'c> {
    /// Own-line comments printed before each line.
    before: Vec<Vec<&'c Comment>>,
    /// The comment at the end of each line.
    trailing: Vec<Option<&'c Comment>>,
    /// Comments with no place in the unit, printed on their own lines after it.
    after: Vec<&'c Comment>,
    /// Where the last of them ends in the source.
    end: usize,
}

impl<'a> Weaver<'a> {
    fn new(code: SourceText<'a>) -> Self {
        Weaver {
            code,
            next_comment: 0,
            out: String::new(),
            last_end: None,
        }
    }

    fn weave(mut self, units: &[Unit]) -> String {
        for (i, unit) in units.iter().enumerate() {
            let next = units.get(i + 1);
            let next_start = next.map_or(self.code.text.len(), Unit::start);
            let next_indent = next.map_or(0, |u| u.indent);
            self.comments_before(unit.start(), unit.indent);
            self.unit(unit, next_start, next_indent);
        }
        self.comments_before(usize::MAX, 0);
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// The comments that precede `offset`, each on its own line.
    fn comments_before(&mut self, offset: usize, indent: usize) {
        while let Some(comment) = self.code.comments.get(self.next_comment) {
            if comment.span.start >= offset {
                break;
            }
            self.separate(comment.span.start);
            self.push_line(format!("{}{}", spaces(indent), comment.text));
            self.last_end = Some(comment.span.end);
            self.next_comment += 1;
        }
    }

    fn unit(&mut self, unit: &Unit, next_start: usize, next_indent: usize) {
        let placement = self.place_comments(unit, next_start);
        self.separate(unit.start());
        for (i, line) in unit.lines.iter().enumerate() {
            for comment in placement.before.get(i).into_iter().flatten() {
                self.push_line(format!("{}{}", spaces(unit.inner_indent), comment.text));
            }
            let text = match placement.trailing.get(i).copied().flatten() {
                Some(comment) => self.with_trailing(&line.text, comment),
                None => line.text.clone(),
            };
            self.push_line(text);
        }
        for comment in &placement.after {
            self.push_line(format!("{}{}", spaces(next_indent), comment.text));
        }
        self.last_end = Some(placement.end);
    }

    /// Decide where each comment inside the unit, or at the end of its last
    /// line, goes; own-line comments after it are left to what follows.
    fn place_comments(&mut self, unit: &Unit, next_start: usize) -> Placement<'a> {
        let lines = unit.lines.len();
        let mut placement = Placement {
            before: vec![Vec::new(); lines],
            trailing: vec![None; lines],
            after: Vec::new(),
            end: unit.end(),
        };
        let comments = self.code.comments;
        while let Some(comment) = comments.get(self.next_comment) {
            let offset = comment.span.start;
            if offset >= next_start || (offset >= unit.end() && comment.own_line) {
                break;
            }
            let line = unit.line_at(offset);
            let between_lines = comment.own_line
                && line + 1 < lines
                && unit.lines.get(line).is_some_and(|l| offset >= l.end);
            let before_next = placement.before.get_mut(line + 1).filter(|_| between_lines);
            if let Some(before) = before_next {
                before.push(comment);
            } else if let Some(slot @ None) = placement.trailing.get_mut(line) {
                *slot = Some(comment);
            } else {
                placement.after.push(comment);
            }
            placement.end = placement.end.max(comment.span.end);
            self.next_comment += 1;
        }
        placement
    }

    /// `text` and the comment at its end, at the comment's original column
    /// when that leaves room, so that aligned comments stay aligned.
    fn with_trailing(&self, text: &str, comment: &Comment) -> String {
        let code_width = width(text);
        let column = self
            .code
            .column(comment.span.start)
            .max(code_width + COMMENT_GAP);
        format!("{text}{}{}", spaces(column - code_width), comment.text)
    }

    /// A blank line before what starts at `offset` when the source had one.
    fn separate(&mut self, offset: usize) {
        if let Some(end) = self.last_end {
            if self.code.blank_line_between(end, offset) {
                self.out.push('\n');
            }
        }
    }

    fn push_line(&mut self, text: String) {
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }
}
