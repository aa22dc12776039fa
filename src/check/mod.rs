//! The checker: from a syntax tree to a [`Model`] of resolved names, with
//! every problem found (all of them, not only the first).
//!
//! Stages, each in its own file: [`declarations`] gathers the names (and
//! reports duplicates and bad declarations), [`exprs`] checks every
//! condition (names, types, units), [`cycles`] finds definitions that
//! depend on themselves, [`lints`] warns about lines that can never be
//! reached and inconsistent boundaries.
//!
//! INVARIANT: a file whose problems hold no error has a `Model` in which
//! every name used resolves, every unit is known and fits, and the named
//! conditions form a DAG; the planner relies on it.

mod cycles;
pub mod declarations;
mod exprs;
mod lints;

use crate::ast::CriteriaFile;
use crate::diagnostics::{Diagnostics, Problem, Source};
pub use declarations::{DrugInfo, MeasureInfo, Model, Symbol, SymbolKind};

/// Switches for the checker.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Warn about bare numbers (`albumin > 35` instead of `35 g/L`).
    pub strict: bool,
}

/// A checked file: its model and every problem found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The resolved names.
    pub model: Model,
    /// Errors and warnings, in source order.
    pub problems: Vec<Problem>,
}

/// Check a parsed file.
pub fn check(file: &CriteriaFile, options: Options) -> Checked {
    let mut problems = Vec::new();
    let mut model = declarations::collect(file, &mut problems);
    exprs::check_all(file, &mut model, options, &mut problems);
    cycles::check(file, &mut problems);
    lints::check(file, &model, &mut problems);
    problems.sort_by_key(|p| (p.span().start, p.span().end));
    Checked { model, problems }
}

/// Parse and check a source; on success the file, its model and any
/// warnings, otherwise every problem found.
pub fn check_source(
    source: &Source,
    options: Options,
) -> Result<(CriteriaFile, Checked), Diagnostics> {
    let file = crate::syntax::parse(&source.text).map_err(|problem| Diagnostics {
        source: source.clone(),
        problems: vec![problem],
    })?;
    let checked = check(&file, options);
    let diagnostics = Diagnostics {
        source: source.clone(),
        problems: checked.problems.clone(),
    };
    if diagnostics.has_errors() {
        Err(diagnostics)
    } else {
        Ok((file, checked))
    }
}

/// Diagnostic codes of the checker.
pub mod codes {
    /// A name that is not declared.
    pub const UNKNOWN_NAME: &str = "nephrules::unknown_name";
    /// A name declared twice.
    pub const DUPLICATE: &str = "nephrules::duplicate";
    /// A definition that depends on itself.
    pub const CYCLE: &str = "nephrules::cycle";
    /// A value where a condition is needed, or the reverse.
    pub const TYPE: &str = "nephrules::type";
    /// A unit that is not in the table.
    pub const UNKNOWN_UNIT: &str = "nephrules::unknown_unit";
    /// Units of different dimensions.
    pub const UNIT_MISMATCH: &str = "nephrules::unit_mismatch";
    /// `baseline` used without a `baseline:` rule.
    pub const NO_BASELINE: &str = "nephrules::no_baseline_rule";
    /// `stable` used without a `stable:` rule.
    pub const NO_STABLE: &str = "nephrules::no_stable_rule";
    /// `at week N` without a `landmark window:`.
    pub const NO_LANDMARK: &str = "nephrules::no_landmark_window";
    /// A `response` block without a final `otherwise`.
    pub const NO_OTHERWISE: &str = "nephrules::no_otherwise";
    /// A response line that can never be the first true line.
    pub const UNREACHABLE: &str = "nephrules::unreachable";
    /// `<` and `<=` at the same threshold.
    pub const BOUNDARY: &str = "nephrules::inconsistent_boundary";
    /// A bare number (only under `--strict`).
    pub const BARE_NUMBER: &str = "nephrules::bare_number";
    /// A structural problem: a missing title, two response blocks, a
    /// count that is not a whole number.
    pub const STRUCTURE: &str = "nephrules::structure";
}
