//! Properties of the printer over generated syntax trees: printing any tree
//! re-parses to the same tree (up to spans and parentheses), and formatting
//! is idempotent even on texts with comments and odd layout.

use nephrules::ast::*;
use nephrules::format::{format, print, strip_spans, unwrap_groups};
use nephrules::syntax::parse;
use proptest::prelude::*;
use proptest::strategy::Union;

/// Every keyword of `grammar/criteria.pest`: none can be a name.
const KEYWORDS: &[&str] = &[
    "criteria",
    "source",
    "index",
    "first",
    "measure",
    "is",
    "in",
    "valid",
    "drug",
    "baseline",
    "value",
    "from",
    "to",
    "last",
    "highest",
    "lowest",
    "mean",
    "median",
    "before",
    "after",
    "stable",
    "landmark",
    "window",
    "response",
    "otherwise",
    "define",
    "event",
    "phenotype",
    "or",
    "and",
    "not",
    "for",
    "on",
    "consecutive",
    "assessments",
    "assessment",
    "confirmed",
    "within",
    "stop",
    "at",
    "by",
    "count",
    "any",
    "tapering",
    "fell",
    "rose",
    "of",
    "peak",
    "nadir",
    "previous",
    "since",
    "negative",
    "trace",
    "x",
];

/// Names that are not keywords but mean something after `after` or a number.
const AWKWARD_NAMES: &[&str] = &["day", "week", "month", "year", "days", "weeks", "g", "d"];

const NUMBERS: &[&str] = &["0", "0.3", "12", "1e3", "3.5", "-2", "2.50", "1E-2", "100"];

const UNITS: &[&str] = &[
    "g/g",
    "mg/mmol",
    "%",
    "days",
    "weeks",
    "months",
    "umol/L",
    "mg/kg/d",
    "g/L",
    "mL/min/1.73m2",
    "/uL",
];

const COMPARATORS: &[CmpOp] = &[
    CmpOp::Lt,
    CmpOp::Le,
    CmpOp::Gt,
    CmpOp::Ge,
    CmpOp::Eq,
    CmpOp::Ne,
];

fn span() -> Span {
    Span::default()
}

fn ident() -> impl Strategy<Value = Ident> {
    prop_oneof![
        9 => "[a-z_][a-z0-9_]{0,7}".prop_filter("a keyword", |s| !KEYWORDS.contains(&s.as_str())),
        1 => prop::sample::select(AWKWARD_NAMES).prop_map(String::from),
    ]
    .prop_map(|name| Ident { name, span: span() })
}

fn number() -> impl Strategy<Value = Number> {
    prop::sample::select(NUMBERS).prop_map(|text| Number {
        value: text.parse().unwrap_or_default(),
        text: text.to_string(),
        span: span(),
    })
}

fn unit() -> impl Strategy<Value = UnitName> {
    prop::sample::select(UNITS).prop_map(|text| UnitName {
        text: text.to_string(),
        span: span(),
    })
}

fn quantity() -> impl Strategy<Value = Quantity> {
    (number(), prop::option::of(unit())).prop_map(|(number, unit)| Quantity {
        number,
        unit,
        span: span(),
    })
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop::sample::select(COMPARATORS).prop_map(|op| Comparator { op, span: span() })
}

fn ref_point() -> impl Strategy<Value = RefPoint> {
    let kinds = vec![
        RefKind::Baseline,
        RefKind::Peak,
        RefKind::Nadir,
        RefKind::Previous,
    ];
    (prop::sample::select(kinds), any::<bool>()).prop_map(|(kind, since_index)| RefPoint {
        kind,
        since_index,
        span: span(),
    })
}

fn direction() -> impl Strategy<Value = Direction> {
    prop::sample::select(vec![Direction::Fell, Direction::Rose])
}

fn grade() -> impl Strategy<Value = Grade> {
    prop_oneof![
        Just(Grade::Negative),
        Just(Grade::Trace),
        (1u8..=4).prop_map(Grade::Plus)
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        ident().prop_map(|name| ValueKind::Name { name }),
        (ref_point(), ident()).prop_map(|(point, measure)| ValueKind::Reference { point, measure }),
        (number(), ref_point(), prop::option::of(ident())).prop_map(|(factor, point, measure)| {
            ValueKind::Multiple {
                factor,
                point,
                measure,
            }
        }),
        quantity().prop_map(|quantity| ValueKind::Literal { quantity }),
        grade().prop_map(|grade| ValueKind::Grade { grade }),
    ]
    .prop_map(|kind| Value { kind, span: span() })
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (direction(), comparator(), quantity(), ref_point()).prop_map(
            |(direction, op, amount, from)| {
                ChangeKind::By {
                    direction,
                    op,
                    amount,
                    from,
                }
            }
        ),
        (direction(), ref_point())
            .prop_map(|(direction, from)| ChangeKind::From { direction, from }),
        (quantity(), ref_point()).prop_map(|(amount, of)| ChangeKind::Within { amount, of }),
    ]
    .prop_map(|kind| Change { kind, span: span() })
}

fn time_point() -> impl Strategy<Value = TimePoint> {
    let units = vec![
        TimeUnit::Day,
        TimeUnit::Week,
        TimeUnit::Month,
        TimeUnit::Year,
    ];
    (prop::sample::select(units), number()).prop_map(|(unit, number)| TimePoint {
        unit,
        number,
        span: span(),
    })
}

fn temporal() -> impl Strategy<Value = TemporalOp> {
    prop_oneof![
        number().prop_map(|days| TemporalKind::ConsecutiveDays { days }),
        number().prop_map(|assessments| TemporalKind::ConsecutiveAssessments { assessments }),
        (comparator(), quantity()).prop_map(|(op, gap)| TemporalKind::ConfirmedAfter { op, gap }),
        quantity().prop_map(|duration| TemporalKind::Within { duration }),
        (quantity(), ident())
            .prop_map(|(duration, drug)| TemporalKind::WithinAfterStop { duration, drug }),
        time_point().prop_map(|at| TemporalKind::AfterTime { at }),
        time_point().prop_map(|at| TemporalKind::AtTime { at }),
        time_point().prop_map(|at| TemporalKind::ByTime { at }),
    ]
    .prop_map(|kind| TemporalOp { kind, span: span() })
}

fn expr_of(kind: ExprKind) -> Expr {
    Expr { kind, span: span() }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        ident().prop_map(|name| ExprKind::Name { name }),
        (value(), comparator(), value()).prop_map(|(lhs, op, rhs)| ExprKind::Compare {
            lhs,
            op,
            rhs
        }),
        (value(), change()).prop_map(|(subject, change)| ExprKind::Change { subject, change }),
        value().prop_map(|subject| ExprKind::Stable {
            subject,
            keyword: span()
        }),
        ident().prop_map(|drug| ExprKind::OnDrug { drug }),
        ident().prop_map(|drug| ExprKind::Tapering { drug }),
        (ident(), comparator(), quantity()).prop_map(|(drug, op, duration)| ExprKind::Exposure {
            drug,
            op,
            duration
        }),
        (ident(), quantity(), comparator(), number()).prop_map(|(event, length, op, count)| {
            ExprKind::Count {
                event,
                window: CountWindow::Any { length },
                op,
                count,
            }
        }),
    ]
    .prop_map(expr_of)
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        let boxed = || inner.clone().prop_map(Box::new);
        Union::new(vec![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|operands| ExprKind::Or { operands })
                .boxed(),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|operands| ExprKind::And { operands })
                .boxed(),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|operands| ExprKind::Either { operands })
                .boxed(),
            boxed()
                .prop_map(|operand| ExprKind::Not { operand })
                .boxed(),
            boxed().prop_map(|inner| ExprKind::Group { inner }).boxed(),
            (boxed(), boxed())
                .prop_map(|(condition, since)| ExprKind::After { condition, since })
                .boxed(),
            (boxed(), temporal())
                .prop_map(|(condition, op)| ExprKind::Temporal { condition, op })
                .boxed(),
            (ident(), quantity(), boxed(), comparator(), number())
                .prop_map(|(event, length, anchor, op, count)| ExprKind::Count {
                    event,
                    window: CountWindow::FirstAfter { length, anchor },
                    op,
                    count,
                })
                .boxed(),
        ])
        .prop_map(expr_of)
    })
}

fn string() -> impl Strategy<Value = StringLit> {
    "[a-zA-Z0-9 #\"\\\\,.()]{0,12}".prop_map(|value| StringLit {
        value,
        span: span(),
    })
}

fn edge() -> impl Strategy<Value = WindowEdge> {
    let direction = prop::sample::select(vec![EdgeDirection::Before, EdgeDirection::After]);
    prop::option::of((quantity(), direction)).prop_map(|offset| WindowEdge {
        offset,
        span: span(),
    })
}

fn baseline() -> impl Strategy<Value = ItemKind> {
    let picks = vec![
        BaselinePick::Last,
        BaselinePick::First,
        BaselinePick::Highest,
        BaselinePick::Lowest,
        BaselinePick::Mean,
        BaselinePick::Median,
    ];
    (prop::sample::select(picks), edge(), edge())
        .prop_map(|(pick, from, to)| ItemKind::Baseline(BaselineRule { pick, from, to }))
}

fn response_line() -> impl Strategy<Value = ResponseLine> {
    let body = prop_oneof![
        1 => Just(ResponseBody::Otherwise { span: span() }),
        4 => expr().prop_map(|expr| ResponseBody::Condition { expr }),
    ];
    (ident(), body).prop_map(|(name, body)| ResponseLine {
        name,
        body,
        span: span(),
    })
}

fn named() -> impl Strategy<Value = NamedRule> {
    (ident(), expr()).prop_map(|(name, body)| NamedRule { name, body })
}

fn item() -> impl Strategy<Value = Item> {
    let measure = (
        ident(),
        prop::option::of(ident()),
        prop::option::of(unit()),
        prop::option::of(quantity()),
    )
        .prop_map(|(name, binds, unit, valid)| {
            ItemKind::Measure(MeasureDecl {
                name,
                binds,
                unit,
                valid,
            })
        });
    let drug = (ident(), prop::collection::vec(ident(), 0..3))
        .prop_map(|(name, members)| ItemKind::Drug(DrugDecl { name, members }));
    Union::new(vec![
        string()
            .prop_map(|name| ItemKind::Criteria { name })
            .boxed(),
        string().prop_map(|text| ItemKind::Source { text }).boxed(),
        ident().prop_map(|drug| ItemKind::Index { drug }).boxed(),
        measure.boxed(),
        drug.boxed(),
        baseline().boxed(),
        change()
            .prop_map(|change| ItemKind::Stable(StableRule { change }))
            .boxed(),
        quantity()
            .prop_map(|width| ItemKind::LandmarkWindow { width })
            .boxed(),
        prop::collection::vec(response_line(), 1..4)
            .prop_map(|lines| ItemKind::Response(ResponseBlock { lines }))
            .boxed(),
        named().prop_map(ItemKind::Define).boxed(),
        named().prop_map(ItemKind::Event).boxed(),
        named().prop_map(ItemKind::Phenotype).boxed(),
    ])
    .prop_map(|kind| Item { kind, span: span() })
}

fn criteria_file() -> impl Strategy<Value = CriteriaFile> {
    prop::collection::vec(item(), 1..6).prop_map(|items| CriteriaFile {
        items,
        span: span(),
    })
}

/// A tree as JSON without spans and parentheses.
fn normal(file: &CriteriaFile) -> serde_json::Value {
    unwrap_groups(strip_spans(serde_json::to_value(file).unwrap_or_default()))
}

/// `text` with its spaces and line ends outside strings replaced by other
/// layout: more spaces, line breaks, blank lines and comments. A space after
/// a number stays a space: a unit belongs on its number's line.
fn relayout(text: &str, choices: &[u8]) -> String {
    let mut out = String::new();
    let mut after_digit = false;
    let mut in_string = false;
    let mut escaped = false;
    let mut picks = choices.iter().cycle();
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            out.push(c);
            continue;
        }
        let pick = picks.next().copied().unwrap_or(0);
        let follows_digit = std::mem::replace(&mut after_digit, c.is_ascii_digit());
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            ' ' if follows_digit => out.push_str([" ", "  "][usize::from(pick % 2)]),
            ' ' => out.push_str([" ", "  ", "\n    ", " # note\n "][usize::from(pick % 4)]),
            '\n' => out.push_str(
                ["\n", "\n\n", "  # end of line\n", "\n# own line\n"][usize::from(pick % 4)],
            ),
            _ => out.push(c),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn printing_any_tree_reparses_to_it(file in criteria_file()) {
        let text = print(&file, &[], "");
        let parsed = parse(&text);
        prop_assert!(parsed.is_ok(), "does not parse: {:?}\n{}", parsed.err(), text);
        let parsed = parsed.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(normal(&parsed), normal(&file), "\n{}", text);
    }

    #[test]
    fn formatting_is_idempotent(file in criteria_file(), choices in prop::collection::vec(any::<u8>(), 1..64)) {
        let text = relayout(&print(&file, &[], ""), &choices);
        let once = format(&text);
        prop_assert!(once.is_ok(), "does not format: {:?}\n{}", once.err(), text);
        let once = once.unwrap_or_default();
        let twice = format(&once).unwrap_or_default();
        prop_assert_eq!(&twice, &once, "\n--- input ---\n{}", text);
        let before = parse(&text).map(|f| strip_spans(serde_json::to_value(f).unwrap_or_default()));
        let after = parse(&once).map(|f| strip_spans(serde_json::to_value(f).unwrap_or_default()));
        prop_assert_eq!(before.ok(), after.ok());
    }
}

// ---- hand-built trees without parentheses -------------------------------------

fn name(text: &str) -> Expr {
    expr_of(ExprKind::Name {
        name: Ident {
            name: text.into(),
            span: span(),
        },
    })
}

fn and(operands: Vec<Expr>) -> Expr {
    expr_of(ExprKind::And { operands })
}

fn or(operands: Vec<Expr>) -> Expr {
    expr_of(ExprKind::Or { operands })
}

fn after(condition: Expr, since: Expr) -> Expr {
    expr_of(ExprKind::After {
        condition: Box::new(condition),
        since: Box::new(since),
    })
}

fn not(operand: Expr) -> Expr {
    expr_of(ExprKind::Not {
        operand: Box::new(operand),
    })
}

fn by_week_12(condition: Expr) -> Expr {
    let at = TimePoint {
        unit: TimeUnit::Week,
        number: Number {
            value: 12.0,
            text: "12".into(),
            span: span(),
        },
        span: span(),
    };
    expr_of(ExprKind::Temporal {
        condition: Box::new(condition),
        op: TemporalOp {
            kind: TemporalKind::ByTime { at },
            span: span(),
        },
    })
}

/// Print `body` as a definition and return the printed condition, checking
/// that it re-parses to `body`.
fn printed(body: Expr) -> String {
    let define = Item {
        kind: ItemKind::Define(NamedRule {
            name: Ident {
                name: "d".into(),
                span: span(),
            },
            body,
        }),
        span: span(),
    };
    let file = CriteriaFile {
        items: vec![define],
        span: span(),
    };
    let text = print(&file, &[], "");
    let parsed = parse(&text).unwrap_or_else(|p| panic!("does not parse: {p:?}\n{text}"));
    assert_eq!(normal(&parsed), normal(&file), "\n{text}");
    text.trim_end().trim_start_matches("define d: ").to_string()
}

#[test]
fn the_printer_adds_the_parentheses_the_tree_needs() {
    assert_eq!(
        printed(and(vec![or(vec![name("a"), name("b")]), name("c")])),
        "(a or b) and c"
    );
    assert_eq!(
        printed(and(vec![and(vec![name("a"), name("b")]), name("c")])),
        "(a and b) and c"
    );
    assert_eq!(
        printed(or(vec![name("a"), or(vec![name("b"), name("c")])])),
        "a or (b or c)"
    );
    assert_eq!(printed(not(after(name("a"), name("b")))), "not (a after b)");
    assert_eq!(
        printed(after(name("a"), after(name("b"), name("c")))),
        "a after (b after c)"
    );
    assert_eq!(
        printed(after(after(name("a"), name("b")), name("c"))),
        "a after b after c"
    );
    assert_eq!(
        printed(by_week_12(and(vec![name("a"), name("b")]))),
        "(a and b) by week 12"
    );
    assert_eq!(printed(by_week_12(not(name("a")))), "(not a) by week 12");
    assert_eq!(printed(not(by_week_12(name("a")))), "not a by week 12");
    assert_eq!(
        printed(after(not(name("a")), not(name("b")))),
        "not a after not b"
    );
}

#[test]
fn a_name_that_reads_as_a_time_point_after_after_is_parenthesized() {
    assert_eq!(printed(after(name("a"), name("week"))), "a after (week)");
    assert_eq!(
        printed(after(name("a"), by_week_12(name("Day")))),
        "a after (Day by week 12)"
    );
    assert_eq!(printed(after(name("a"), name("weeks"))), "a after weeks");
}

#[test]
fn a_count_anchor_that_is_not_a_name_is_parenthesized() {
    let count = ExprKind::Count {
        event: Ident {
            name: "relapse".into(),
            span: span(),
        },
        window: CountWindow::FirstAfter {
            length: Quantity {
                number: Number {
                    value: 6.0,
                    text: "6".into(),
                    span: span(),
                },
                unit: Some(UnitName {
                    text: "months".into(),
                    span: span(),
                }),
                span: span(),
            },
            anchor: Box::new(not(name("a"))),
        },
        op: Comparator {
            op: CmpOp::Ge,
            span: span(),
        },
        count: Number {
            value: 2.0,
            text: "2".into(),
            span: span(),
        },
    };
    assert_eq!(
        printed(expr_of(count)),
        "count relapse in first 6 months after (not a) >= 2"
    );
}
