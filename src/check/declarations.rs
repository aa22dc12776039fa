//! Gathering the names a file declares: measures, drugs, definitions,
//! response categories, events and phenotypes, and the file's rules
//! (`baseline:`, `stable:`, `landmark window:`).

use super::codes;
use crate::ast::*;
use crate::diagnostics::{closest, Problem};
use crate::measures::{self, Measure, Scale};
use crate::units::{self, Dimension, Unit};
use std::collections::HashMap;

/// A declared measure, resolved against the vocabulary.
#[derive(Debug, Clone)]
pub struct MeasureInfo {
    /// The name as declared (`uPCR`).
    pub name: Ident,
    /// The vocabulary entry it binds to.
    pub measure: &'static Measure,
    /// The unit bare numbers take (the declared one, else the canonical).
    pub unit: Unit,
    /// How many days an observation stays current (`valid 14 days`);
    /// `None` when not declared: the observation's own day only.
    pub valid_days: Option<f64>,
}

/// A drug, or a group of drugs, that conditions may name.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugInfo {
    /// The name as used in the file, lowercased.
    pub name: String,
    /// The treatment-table drug names it covers, lowercased (itself for a
    /// single drug).
    pub members: Vec<String>,
}

/// What a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A measure (index into `Model::measures`).
    Measure(usize),
    /// A definition (index among the `define` items).
    Define(usize),
    /// A response category (its line's index in the response block).
    Category(usize),
    /// An event (index among the `event` items).
    Event(usize),
    /// A phenotype (index among the `phenotype` items).
    Phenotype(usize),
}

impl SymbolKind {
    /// A word for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Measure(_) => "a measure",
            SymbolKind::Define(_) => "a definition",
            SymbolKind::Category(_) => "a response category",
            SymbolKind::Event(_) => "an event",
            SymbolKind::Phenotype(_) => "a phenotype",
        }
    }

    /// Whether the name is a condition (true or false on a day).
    pub fn is_condition(self) -> bool {
        !matches!(self, SymbolKind::Measure(_))
    }
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// What it is.
    pub kind: SymbolKind,
    /// Where it is declared.
    pub name: Ident,
}

/// Everything the checker resolved about a file.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The `criteria` title.
    pub title: Option<String>,
    /// The `source` lines.
    pub sources: Vec<String>,
    /// `index first DRUG`: the drug (a key into `drugs`).
    pub index_drug: Option<String>,
    /// The declared measures, in order.
    pub measures: Vec<MeasureInfo>,
    /// The drugs used or declared, by lowercased name.
    pub drugs: Vec<DrugInfo>,
    /// Condition and measure names, by lowercased name.
    pub symbols: HashMap<String, Symbol>,
    /// The `baseline:` rule's span, if the file has one.
    pub baseline_rule: Option<Span>,
    /// The `stable:` rule, if the file has one.
    pub stable_rule: Option<StableRule>,
    /// `landmark window:` in days.
    pub landmark_window_days: Option<f64>,
    /// The response categories in order, best first.
    pub categories: Vec<String>,
    /// The events in order.
    pub events: Vec<String>,
    /// The phenotypes in order.
    pub phenotypes: Vec<String>,
    /// The definitions in order.
    pub defines: Vec<String>,
}

impl Model {
    /// Look a name up, ignoring case.
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols.get(&name.to_ascii_lowercase())
    }

    /// The measure a name stands for.
    pub fn measure(&self, name: &str) -> Option<&MeasureInfo> {
        match self.symbol(name)?.kind {
            SymbolKind::Measure(i) => self.measures.get(i),
            _ => None,
        }
    }

    /// The drug a name stands for.
    pub fn drug(&self, name: &str) -> Option<&DrugInfo> {
        let key = name.to_ascii_lowercase();
        self.drugs.iter().find(|d| d.name == key)
    }

    /// Every name, for did-you-mean.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.symbols.values().map(|s| s.name.name.as_str())
    }
}

/// The state the engine reports when no line is true and some is unknown;
/// no category may take its name.
pub const NOT_EVALUABLE: &str = "NE";

/// Gather declarations, reporting duplicates and bad declarations.
pub fn collect(file: &CriteriaFile, problems: &mut Vec<Problem>) -> Model {
    let mut model = Model::default();
    let mut title_span: Option<Span> = None;
    let mut response_span: Option<Span> = None;
    let mut landmark_span: Option<Span> = None;
    for item in &file.items {
        match &item.kind {
            ItemKind::Criteria { name } => {
                if let Some(first) = title_span {
                    problems.push(duplicate_rule("criteria title", item.span, first));
                } else {
                    title_span = Some(item.span);
                    model.title = Some(name.value.clone());
                }
            }
            ItemKind::Source { text } => model.sources.push(text.value.clone()),
            ItemKind::Index { drug } => model.index_drug = Some(drug.key()),
            ItemKind::Measure(decl) => declare_measure(&mut model, decl, problems),
            ItemKind::Drug(decl) => declare_drug(&mut model, decl, problems),
            ItemKind::Baseline(_) => {
                if let Some(first) = model.baseline_rule {
                    problems.push(duplicate_rule("`baseline:` rule", item.span, first));
                } else {
                    model.baseline_rule = Some(item.span);
                }
            }
            ItemKind::Stable(rule) => {
                if let Some(first) = &model.stable_rule {
                    problems.push(duplicate_rule(
                        "`stable:` rule",
                        item.span,
                        first.change.span,
                    ));
                } else {
                    model.stable_rule = Some(rule.clone());
                }
            }
            ItemKind::LandmarkWindow { width } => {
                if let Some(first) = landmark_span {
                    problems.push(duplicate_rule("`landmark window:`", item.span, first));
                } else {
                    landmark_span = Some(item.span);
                    model.landmark_window_days = duration_days(width, problems);
                }
            }
            ItemKind::Response(block) => {
                if let Some(first) = response_span {
                    problems.push(
                        duplicate_rule("`response` block", item.span, first)
                            .with_help("a file states one definition set: put every category in one `response` block"),
                    );
                    continue;
                }
                response_span = Some(item.span);
                declare_categories(&mut model, block, item.span, problems);
            }
            ItemKind::Define(rule) => {
                let index = model.defines.len();
                model.defines.push(rule.name.name.clone());
                declare(&mut model, &rule.name, SymbolKind::Define(index), problems);
            }
            ItemKind::Event(rule) => {
                let index = model.events.len();
                model.events.push(rule.name.name.clone());
                declare(&mut model, &rule.name, SymbolKind::Event(index), problems);
            }
            ItemKind::Phenotype(rule) => {
                let index = model.phenotypes.len();
                model.phenotypes.push(rule.name.name.clone());
                declare(
                    &mut model,
                    &rule.name,
                    SymbolKind::Phenotype(index),
                    problems,
                );
            }
        }
    }
    if title_span.is_none() {
        problems.push(
            Problem::error(
                codes::STRUCTURE,
                "the file has no `criteria` title",
                Span::new(0, 0),
                "a title belongs here",
            )
            .with_help("start the file with a title line, such as `criteria \"KDIGO 2021 FSGS\"`"),
        );
    }
    model
}

fn duplicate_rule(what: &str, span: Span, first: Span) -> Problem {
    Problem::error(
        codes::DUPLICATE,
        format!("a second {what}"),
        span,
        "declared again here",
    )
    .with_label(first, "first declared here")
    .with_help("a file has one; remove or merge the other")
}

/// Declare a name, reporting a clash with one already declared.
fn declare(model: &mut Model, name: &Ident, kind: SymbolKind, problems: &mut Vec<Problem>) {
    if let Some(existing) = model.symbols.get(&name.key()) {
        problems.push(
            Problem::error(
                codes::DUPLICATE,
                format!("`{}` is declared twice", name.name),
                name.span,
                format!("declared again here as {}", kind.describe()),
            )
            .with_label(existing.name.span, format!("first declared here as {}", existing.kind.describe()))
            .with_help("measures, definitions, categories, events and phenotypes share one namespace: rename one"),
        );
        return;
    }
    model.symbols.insert(
        name.key(),
        Symbol {
            kind,
            name: name.clone(),
        },
    );
}

fn declare_categories(
    model: &mut Model,
    block: &ResponseBlock,
    span: Span,
    problems: &mut Vec<Problem>,
) {
    for (i, line) in block.lines.iter().enumerate() {
        if line.name.name.eq_ignore_ascii_case(NOT_EVALUABLE) {
            problems.push(
                Problem::error(
                    codes::DUPLICATE,
                    format!("`{NOT_EVALUABLE}` is reserved"),
                    line.name.span,
                    "reserved name",
                )
                .with_help("`NE` is the state reported when nothing is true and something is unknown; choose another name"),
            );
        }
        model.categories.push(line.name.name.clone());
        declare(model, &line.name, SymbolKind::Category(i), problems);
    }
    let otherwise_at = block
        .lines
        .iter()
        .position(|l| matches!(l.body, ResponseBody::Otherwise { .. }));
    match otherwise_at {
        None => {
            let last = block.lines.last().map_or(span, |l| l.span);
            problems.push(
                Problem::error(
                    codes::NO_OTHERWISE,
                    "the `response` block has no `otherwise` line",
                    last,
                    "the block ends here",
                )
                .with_help(
                    "end the block with the category for everything else, such as `NR: otherwise`",
                ),
            );
        }
        Some(i) => {
            if let (Some(otherwise), Some(after)) = (block.lines.get(i), block.lines.get(i + 1)) {
                problems.push(
                    Problem::error(
                        codes::UNREACHABLE,
                        format!("`{}` comes after `otherwise`", after.name.name),
                        after.span,
                        "never reached",
                    )
                    .with_label(otherwise.span, "`otherwise` takes everything left")
                    .with_help("`otherwise` must be the last line of the block"),
                );
            }
        }
    }
}

fn declare_measure(model: &mut Model, decl: &MeasureDecl, problems: &mut Vec<Problem>) {
    let binding = decl.binds.as_ref().unwrap_or(&decl.name);
    let Some(measure) = measures::find(&binding.name) else {
        let mut problem = Problem::error(
            codes::UNKNOWN_NAME,
            format!("`{}` is not a measure nephrules knows", binding.name),
            binding.span,
            "unknown measure",
        );
        problem = match closest(&binding.name, measures::all_names()) {
            Some(near) => problem.with_help(format!("did you mean `{near}`?")),
            None => problem.with_help(format!(
                "known measures: {}; bind another name with `measure NAME is upcr in g/g`",
                measures::MEASURES
                    .iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        problems.push(problem);
        return;
    };
    let unit = match &decl.unit {
        None => measure.canonical_unit(),
        Some(unit_name) => match measure_unit(measure, unit_name, problems) {
            Some(unit) => unit,
            None => return,
        },
    };
    let valid_days = decl.valid.as_ref().and_then(|q| duration_days(q, problems));
    let index = model.measures.len();
    model.measures.push(MeasureInfo {
        name: decl.name.clone(),
        measure,
        unit,
        valid_days,
    });
    declare(model, &decl.name, SymbolKind::Measure(index), problems);
}

/// The declared unit of a measure, if it is known and fits.
fn measure_unit(
    measure: &Measure,
    unit_name: &UnitName,
    problems: &mut Vec<Problem>,
) -> Option<Unit> {
    if measure.scale != Scale::Quantity {
        problems.push(
            Problem::error(
                codes::UNIT_MISMATCH,
                format!("`{}` takes no unit", measure.id),
                unit_name.span,
                "no unit here",
            )
            .with_help(format!(
                "{} is {}; remove `in {}`",
                measure.id,
                scale_words(measure.scale),
                unit_name.text
            )),
        );
        return None;
    }
    let unit = resolve_unit(unit_name, problems)?;
    if measure.factor_from(unit).is_none() {
        problems.push(
            Problem::error(
                codes::UNIT_MISMATCH,
                format!(
                    "`{}` is not a unit of {}",
                    unit_name.text, measure.description
                ),
                unit_name.span,
                unit.dimension.describe(),
            )
            .with_help(format!(
                "{} is {}: use one of {}",
                measure.id,
                measure.dimension().describe(),
                units::symbols_of(measure.dimension()).join(", ")
            )),
        );
        return None;
    }
    Some(unit)
}

fn scale_words(scale: Scale) -> &'static str {
    match scale {
        Scale::Quantity => "a quantity",
        Scale::DipstickGrade => "graded negative, trace, 1+ … 4+",
        Scale::Presence => "present (1) or absent (0)",
    }
}

/// Look a unit up, reporting an unknown one with a did-you-mean.
pub fn resolve_unit(unit_name: &UnitName, problems: &mut Vec<Problem>) -> Option<Unit> {
    if let Some(unit) = units::lookup(&unit_name.text) {
        return Some(unit);
    }
    let mut problem = Problem::error(
        codes::UNKNOWN_UNIT,
        format!(
            "unknown unit `{}`",
            crate::syntax::abbreviate(&unit_name.text)
        ),
        unit_name.span,
        "not a unit nephrules knows",
    );
    if let Some(near) = units::suggest(&unit_name.text) {
        problem = problem.with_help(format!("did you mean `{near}`?"));
    }
    problems.push(problem);
    None
}

/// A duration in days; reports a missing or wrong unit.
pub fn duration_days(quantity: &Quantity, problems: &mut Vec<Problem>) -> Option<f64> {
    let Some(unit_name) = &quantity.unit else {
        problems.push(
            Problem::error(
                codes::UNIT_MISMATCH,
                format!("`{}` needs a unit of time", quantity.number.text),
                quantity.span,
                "days? weeks? months?",
            )
            .with_help(format!(
                "write `{} days`, `{} weeks` or `{} months`",
                quantity.number.text, quantity.number.text, quantity.number.text
            )),
        );
        return None;
    };
    let unit = resolve_unit(unit_name, problems)?;
    if unit.dimension != Dimension::Duration {
        problems.push(
            Problem::error(
                codes::UNIT_MISMATCH,
                format!("`{}` is not a duration", unit_name.text),
                unit_name.span,
                unit.dimension.describe(),
            )
            .with_help("write a duration in days, weeks, months or years"),
        );
        return None;
    }
    if quantity.number.value < 0.0 {
        problems.push(Problem::error(
            codes::STRUCTURE,
            "a duration cannot be negative",
            quantity.span,
            "negative",
        ));
        return None;
    }
    Some(quantity.number.value * unit.to_base)
}

fn declare_drug(model: &mut Model, decl: &DrugDecl, problems: &mut Vec<Problem>) {
    let key = decl.name.key();
    if model.drug(&key).is_some() {
        problems.push(
            Problem::error(
                codes::DUPLICATE,
                format!("drug `{}` is declared twice", decl.name.name),
                decl.name.span,
                "declared again here",
            )
            .with_help("remove one of the declarations"),
        );
        return;
    }
    let members = if decl.members.is_empty() {
        vec![key.clone()]
    } else {
        let mut members = Vec::new();
        for member in &decl.members {
            // A member that is itself a group stands for its members.
            match model.drug(&member.name).cloned() {
                Some(group) => members.extend(group.members),
                None => match crate::drugs::find(&member.name) {
                    Some(known) if !known.members.is_empty() => {
                        members.extend(known.members.iter().map(|m| m.to_string()))
                    }
                    _ => members.push(member.key()),
                },
            }
        }
        members
    };
    model.drugs.push(DrugInfo { name: key, members });
}

/// Resolve a drug name used in a condition: declared, else built in (and
/// then recorded in the model), else an error with a did-you-mean.
pub fn use_drug(model: &mut Model, name: &Ident, problems: &mut Vec<Problem>) {
    if model.drug(&name.name).is_some() {
        return;
    }
    if let Some(known) = crate::drugs::find(&name.name) {
        let members = if known.members.is_empty() {
            vec![known.name.to_string()]
        } else {
            known.members.iter().map(|m| m.to_string()).collect()
        };
        model.drugs.push(DrugInfo {
            name: known.name.to_string(),
            members,
        });
        return;
    }
    let mut candidates: Vec<&str> = model.drugs.iter().map(|d| d.name.as_str()).collect();
    for known in crate::drugs::names() {
        candidates.push(known);
    }
    let near = closest(&name.name, candidates);
    let help = match near {
        Some(near) => format!(
            "did you mean `{near}`? To name another drug, declare it: `drug {}`",
            name.name
        ),
        None => format!("declare it first: `drug {}`", name.name),
    };
    problems.push(
        Problem::error(
            codes::UNKNOWN_NAME,
            format!("unknown drug `{}`", crate::syntax::abbreviate(&name.name)),
            name.span,
            "not a drug nephrules knows",
        )
        .with_help(help),
    );
}
