//! The typed syntax tree of a criteria file. Every node carries the byte
//! span of the text it came from, so that diagnostics and explanations can
//! point back at the source.
//!
//! INVARIANT: a child's span lies inside its parent's span.
//! INVARIANT: `and`/`or` chains are n-ary (`And(vec![a, b, c])`), never
//! nested binary nodes, so that a long chain cannot make the tree deep.

use serde::Serialize;

/// A half-open byte range `start..end` into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// A name as written (`uPCR`, `remission`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    /// The spelling in the source.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

impl Ident {
    /// The case-folded key names are compared by.
    pub fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// A number literal, keeping its spelling so that `fmt` writes it unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    /// The value.
    pub value: f64,
    /// The spelling in the source (`0.30`).
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A unit as written (`umol/L`); the checker looks it up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitName {
    /// The spelling in the source.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A number with an optional unit (`0.3 g/g`, `25%`, `14 days`, `35`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// The number.
    pub number: Number,
    /// The unit; `None` for a bare number, which takes the measure's unit.
    pub unit: Option<UnitName>,
    /// Where it is.
    pub span: Span,
}

/// A string literal's content (escapes resolved).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringLit {
    /// The text between the quotes, unescaped.
    pub value: String,
    /// Where it is, quotes included.
    pub span: Span,
}

/// A whole criteria file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriteriaFile {
    /// The items in source order.
    pub items: Vec<Item>,
    /// The whole text.
    pub span: Span,
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum ItemKind {
    /// `criteria "NAME"`.
    Criteria {
        /// The definition set's title.
        name: StringLit,
    },
    /// `source "CITATION"`.
    Source {
        /// The citation.
        text: StringLit,
    },
    /// `index first DRUG`.
    Index {
        /// The drug whose first dose is day 0.
        drug: Ident,
    },
    /// `measure NAME [is ID] [in UNIT] [valid DURATION]`.
    Measure(MeasureDecl),
    /// `drug NAME[: MEMBER, ...]`.
    Drug(DrugDecl),
    /// `baseline: PICK value from EDGE to EDGE`.
    Baseline(BaselineRule),
    /// `stable: CHANGE`.
    Stable(StableRule),
    /// `landmark window: DURATION`.
    LandmarkWindow {
        /// How far `at week N` looks either side of day 7N.
        width: Quantity,
    },
    /// `response` and its lines.
    Response(ResponseBlock),
    /// `define NAME: EXPR`.
    Define(NamedRule),
    /// `event NAME: EXPR`.
    Event(NamedRule),
    /// `phenotype NAME: EXPR`.
    Phenotype(NamedRule),
}

/// `measure uPCR in g/g valid 14 days`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureDecl {
    /// The name the file uses.
    pub name: Ident,
    /// The vocabulary id it binds to, when the name is not itself one.
    pub binds: Option<Ident>,
    /// The unit bare numbers take.
    pub unit: Option<UnitName>,
    /// How long an observation stays the current value.
    pub valid: Option<Quantity>,
}

/// `drug steroids: prednisone, prednisolone`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrugDecl {
    /// The name the file uses.
    pub name: Ident,
    /// The drugs it stands for; empty when it names one drug.
    pub members: Vec<Ident>,
}

/// How the baseline picks among the values in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselinePick {
    /// The latest value.
    Last,
    /// The earliest value.
    First,
    /// The largest value.
    Highest,
    /// The smallest value.
    Lowest,
    /// The arithmetic mean.
    Mean,
    /// The median.
    Median,
}

/// Whether a window edge lies before or after the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeDirection {
    /// Before the index.
    Before,
    /// After the index.
    After,
}

/// One end of the baseline window: `30 days before index`, or `index`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowEdge {
    /// The distance from the index and its direction; `None` is the index.
    pub offset: Option<(Quantity, EdgeDirection)>,
    /// Where it is.
    pub span: Span,
}

/// `baseline: last value from 30 days before index to index`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineRule {
    /// Which value of the window.
    pub pick: BaselinePick,
    /// The window's start (inclusive).
    pub from: WindowEdge,
    /// The window's end (inclusive).
    pub to: WindowEdge,
}

/// `stable: within 25% of baseline`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StableRule {
    /// The change that `X stable` means.
    pub change: Change,
}

/// `response` followed by its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseBlock {
    /// The lines, best first.
    pub lines: Vec<ResponseLine>,
}

/// `CR: uPCR < 0.3`, or `NR: otherwise`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseLine {
    /// The category.
    pub name: Ident,
    /// Its condition.
    pub body: ResponseBody,
    /// Where it is.
    pub span: Span,
}

/// What a response line says.
// One per response line, built once per file: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "body", rename_all = "snake_case")]
pub enum ResponseBody {
    /// The category holds when this condition is true.
    Condition {
        /// The condition.
        expr: Expr,
    },
    /// The category holds when no line above is true or unknown.
    Otherwise {
        /// Where the keyword is.
        span: Span,
    },
}

/// `define`, `event` and `phenotype`: a name and a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedRule {
    /// The name.
    pub name: Ident,
    /// The condition.
    pub body: Expr,
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "expr", rename_all = "snake_case")]
pub enum ExprKind {
    /// `a or b or c`.
    Or {
        /// The operands (two or more).
        operands: Vec<Expr>,
    },
    /// `a and b and c`.
    And {
        /// The operands (two or more).
        operands: Vec<Expr>,
    },
    /// `either a or b`: alternatives of which some may be unmeasured; true
    /// if one is true, false if none is true and one is false, else unknown.
    Either {
        /// The alternatives (two or more).
        operands: Vec<Expr>,
    },
    /// `not a`.
    Not {
        /// The negated condition.
        operand: Box<Expr>,
    },
    /// `(a)`: kept so that `fmt` keeps the author's parentheses.
    Group {
        /// The inner condition.
        inner: Box<Expr>,
    },
    /// `C after S`: C now, S on an earlier assessment.
    After {
        /// What must hold now.
        condition: Box<Expr>,
        /// What must have held before.
        since: Box<Expr>,
    },
    /// `C for 3 consecutive days`, `C within 8 weeks`, ….
    Temporal {
        /// The condition.
        condition: Box<Expr>,
        /// The time operator.
        op: TemporalOp,
    },
    /// A named condition: a definition, category, event or phenotype.
    Name {
        /// The name.
        name: Ident,
    },
    /// `uPCR < 0.3 g/g`, `prednisone >= 1 mg/kg/d`.
    Compare {
        /// The left side.
        lhs: Value,
        /// The operator.
        op: Comparator,
        /// The right side.
        rhs: Value,
    },
    /// `uPCR fell by > 50% from peak`.
    Change {
        /// What changed.
        subject: Value,
        /// How.
        change: Change,
    },
    /// `scr stable`.
    Stable {
        /// What is stable.
        subject: Value,
        /// Where the keyword is.
        keyword: Span,
    },
    /// `on prednisone`.
    OnDrug {
        /// The drug.
        drug: Ident,
    },
    /// `prednisone tapering`.
    Tapering {
        /// The drug.
        drug: Ident,
    },
    /// `prednisone for >= 12 weeks`.
    Exposure {
        /// The drug.
        drug: Ident,
        /// The comparison.
        op: Comparator,
        /// The duration of continuous exposure.
        duration: Quantity,
    },
    /// `count relapse in any 6 months >= 2`.
    Count {
        /// The event counted.
        event: Ident,
        /// The window.
        window: CountWindow,
        /// The comparison.
        op: Comparator,
        /// The number of firings.
        count: Number,
    },
}

/// The window of a `count`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "window", rename_all = "snake_case")]
pub enum CountWindow {
    /// `in any 6 months`: a sliding window.
    Any {
        /// Its length.
        length: Quantity,
    },
    /// `in first 6 months after S`: the window opening on the first day S held.
    FirstAfter {
        /// Its length.
        length: Quantity,
        /// What opens it.
        anchor: Box<Expr>,
    },
}

/// A time operator applied to a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemporalOp {
    /// Which.
    pub kind: TemporalKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of time operator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "temporal", rename_all = "snake_case")]
pub enum TemporalKind {
    /// `for N consecutive days` (also `on >= N consecutive days`).
    ConsecutiveDays {
        /// How many days.
        days: Number,
    },
    /// `on N consecutive assessments`.
    ConsecutiveAssessments {
        /// How many assessments.
        assessments: Number,
    },
    /// `confirmed after >= 4 weeks`.
    ConfirmedAfter {
        /// The comparison (`>=`).
        op: Comparator,
        /// The gap to the confirming assessment.
        gap: Quantity,
    },
    /// `within 8 weeks`.
    Within {
        /// The window from the index.
        duration: Quantity,
    },
    /// `within 14 days after prednisone stop`.
    WithinAfterStop {
        /// The window after the stop.
        duration: Quantity,
        /// The drug.
        drug: Ident,
    },
    /// `after week 12`.
    AfterTime {
        /// The time point.
        at: TimePoint,
    },
    /// `at week 36`.
    AtTime {
        /// The landmark.
        at: TimePoint,
    },
    /// `by week 12`.
    ByTime {
        /// The time point.
        at: TimePoint,
    },
}

/// The unit of a time point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Days.
    Day,
    /// Weeks of 7 days.
    Week,
    /// Months of 30.4375 days.
    Month,
    /// Years of 365.25 days.
    Year,
}

impl TimeUnit {
    /// Days in one unit.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => crate::units::DAYS_PER_MONTH,
            TimeUnit::Year => crate::units::DAYS_PER_YEAR,
        }
    }

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

/// `week 36`: a day counted from the index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimePoint {
    /// The unit.
    pub unit: TimeUnit,
    /// How many.
    pub number: Number,
    /// Where it is.
    pub span: Span,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    /// The canonical spelling.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }

    /// The operator with its sides swapped: `a op b` is `b op.flipped() a`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    /// Apply to two numbers.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

/// A comparison operator with its place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparator {
    /// Which.
    pub op: CmpOp,
    /// Where it is.
    pub span: Span,
}

/// A value: something with a number (or grade) on each day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    /// What it is.
    pub kind: ValueKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "value", rename_all = "snake_case")]
pub enum ValueKind {
    /// A measure's current value, or a drug's dose (resolved by the checker).
    Name {
        /// The name.
        name: Ident,
    },
    /// `baseline uPCR`, `peak uPCR since index`.
    Reference {
        /// Which reference point.
        point: RefPoint,
        /// Of which measure.
        measure: Ident,
    },
    /// `2 x baseline`: a multiple of a reference point.
    Multiple {
        /// The factor.
        factor: Number,
        /// Which reference point.
        point: RefPoint,
        /// Of which measure; `None` means the other side's measure.
        measure: Option<Ident>,
    },
    /// `0.3 g/g`, `35`.
    Literal {
        /// The quantity.
        quantity: Quantity,
    },
    /// `trace`, `3+`.
    Grade {
        /// The grade.
        grade: Grade,
    },
}

/// An ordinal urine dipstick grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// `negative` (rank 0).
    Negative,
    /// `trace` (rank 1).
    Trace,
    /// `1+` … `4+` (ranks 2 … 5).
    Plus(u8),
}

impl Grade {
    /// The grade's rank on the ordinal scale: negative 0, trace 1, 1+ 2, ….
    pub fn rank(self) -> f64 {
        match self {
            Grade::Negative => 0.0,
            Grade::Trace => 1.0,
            Grade::Plus(n) => 1.0 + f64::from(n),
        }
    }

    /// Read a grade as written in criteria or data (`neg`, `Trace`, `3+`).
    pub fn parse(text: &str) -> Option<Grade> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("negative") || t.eq_ignore_ascii_case("neg") {
            return Some(Grade::Negative);
        }
        if t.eq_ignore_ascii_case("trace") {
            return Some(Grade::Trace);
        }
        let digits = t.strip_suffix('+')?;
        match digits {
            "1" => Some(Grade::Plus(1)),
            "2" => Some(Grade::Plus(2)),
            "3" => Some(Grade::Plus(3)),
            "4" => Some(Grade::Plus(4)),
            _ => None,
        }
    }

    /// The canonical spelling.
    pub fn spelling(self) -> String {
        match self {
            Grade::Negative => "negative".into(),
            Grade::Trace => "trace".into(),
            Grade::Plus(n) => format!("{n}+"),
        }
    }
}

/// Which reference point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// Per the file's `baseline:` rule.
    Baseline,
    /// The largest value so far.
    Peak,
    /// The smallest value so far.
    Nadir,
    /// The observation before the current one.
    Previous,
}

impl RefKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            RefKind::Baseline => "baseline",
            RefKind::Peak => "peak",
            RefKind::Nadir => "nadir",
            RefKind::Previous => "previous",
        }
    }
}

/// A reference point, optionally searched only from the index on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RefPoint {
    /// Which.
    pub kind: RefKind,
    /// `since index`: search from day 0 rather than from the first record.
    pub since_index: bool,
    /// Where it is.
    pub span: Span,
}

/// The direction of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `fell`: the reference minus the value.
    Fell,
    /// `rose`: the value minus the reference.
    Rose,
}

/// A change from a reference point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Which kind.
    pub kind: ChangeKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ChangeKind {
    /// `fell by > 50% from peak` (relative when the amount is a percentage,
    /// absolute otherwise).
    By {
        /// Fell or rose.
        direction: Direction,
        /// The comparison.
        op: Comparator,
        /// The amount.
        amount: Quantity,
        /// From where.
        from: RefPoint,
    },
    /// `rose from baseline`: strictly above (or below) the reference.
    From {
        /// Fell or rose.
        direction: Direction,
        /// From where.
        from: RefPoint,
    },
    /// `within 25% of baseline`: |value - ref| within the amount.
    Within {
        /// The tolerance.
        amount: Quantity,
        /// Of what.
        of: RefPoint,
    },
}
