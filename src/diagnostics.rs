//! Diagnostics: every error and warning nephrules reports about an input,
//! with its place in the file, rendered through miette for people and as
//! JSON for editors and scripts.
//!
//! Messages follow cedar's error style: lowercase, no trailing period, user
//! input in backticks, extra sentences in the help.

use crate::ast::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The input is invalid.
    Error,
    /// The input is valid but probably not what was meant.
    Warning,
}

/// A labelled place in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: String,
}

/// One problem found in one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// A stable code (`nephrules::unknown_name`).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The one-line message.
    pub message: String,
    /// The labelled spans, the primary one first.
    pub labels: Vec<Label>,
    /// How to fix it, where that is known.
    pub help: Option<String>,
}

impl Problem {
    /// An error with one label.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Problem {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                text: label.into(),
            }],
            help: None,
        }
    }

    /// A warning with one label.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, message, span, label)
        }
    }

    /// Add a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add another label.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }
}

/// A source text with its name, shared by all the problems found in it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file name as given.
    pub name: String,
    /// The text.
    pub text: Arc<str>,
}

impl Source {
    /// A source named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

/// The largest char boundary at or below `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One problem bound to its source, ready for miette.
#[derive(Debug)]
pub struct Report {
    source: NamedSource<Arc<str>>,
    problem: Problem,
}

impl Report {
    /// Bind a problem to its source.
    pub fn new(source: &Source, problem: Problem) -> Self {
        Report {
            source: NamedSource::new(source.name.clone(), source.text.clone()),
            problem,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.problem.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.problem.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.inner().len();
        Some(Box::new(self.problem.labels.iter().map(move |l| {
            let start = l.span.start.min(len);
            let end = l.span.end.clamp(start, len);
            LabeledSpan::new(Some(l.text.clone()), start, end - start)
        })))
    }
}

/// All the problems found in one source.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The source.
    pub source: Source,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl Diagnostics {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// Render every problem for a terminal or a snapshot.
    pub fn render(&self, style: RenderStyle) -> String {
        let handler = match style {
            RenderStyle::Plain => {
                GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
                    .with_width(100)
            }
            RenderStyle::Colour => {
                GraphicalReportHandler::new_themed(GraphicalTheme::unicode()).with_width(100)
            }
        };
        let mut out = String::new();
        for problem in &self.problems {
            let report = Report::new(&self.source, problem.clone());
            // Writing into a String cannot fail.
            let _ = handler.render_report(&mut out, &report);
            out.push('\n');
        }
        out
    }

    /// The problems as JSON records with line and column numbers.
    pub fn to_json(&self) -> Vec<JsonProblem> {
        self.problems
            .iter()
            .map(|p| JsonProblem::new(&self.source, p))
            .collect()
    }
}

/// How to render diagnostics for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderStyle {
    /// No colour (snapshots, pipes).
    Plain,
    /// ANSI colour (terminals).
    Colour,
}

/// A problem as the `--format json` contract writes it.
#[derive(Debug, Clone, Serialize)]
pub struct JsonProblem {
    /// The file name.
    pub file: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// 1-based line of the primary label.
    pub line: usize,
    /// 1-based column (characters) of the primary label.
    pub column: usize,
    /// 1-based line where the primary label ends.
    pub end_line: usize,
    /// 1-based column where the primary label ends.
    pub end_column: usize,
    /// Every label.
    pub labels: Vec<JsonLabel>,
    /// The help, if any.
    pub help: Option<String>,
}

/// A label in the JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct JsonLabel {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes.
    pub length: usize,
    /// The text.
    pub text: String,
}

impl JsonProblem {
    fn new(source: &Source, problem: &Problem) -> Self {
        let span = problem.span();
        let (line, column) = source.line_col(span.start);
        let (end_line, end_column) = source.line_col(span.end);
        JsonProblem {
            file: source.name.clone(),
            severity: problem.severity,
            code: problem.code,
            message: problem.message.clone(),
            line,
            column,
            end_line,
            end_column,
            labels: problem
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = source.line_col(l.span.start);
                    JsonLabel {
                        line,
                        column,
                        offset: l.span.start,
                        length: l.span.len(),
                        text: l.text.clone(),
                    }
                })
                .collect(),
            help: problem.help.clone(),
        }
    }
}

/// The closest candidate to `name`, for a did-you-mean help, comparing
/// without regard to ASCII case.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // A very long name is nothing like any candidate; skip the quadratic work.
    if name.len() > 64 {
        return None;
    }
    let wanted = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&c.to_ascii_lowercase(), &wanted),
                c,
            )
        })
        .filter(|(distance, c)| {
            *distance > 0 && *distance <= (c.len().max(wanted.len()) / 3).max(1)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let source = Source::new("x", "ab\nµc d");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(3), (2, 1));
        // `µ` is two bytes: `d` is byte 7, the 4th character of line 2.
        assert_eq!(source.line_col(7), (2, 4));
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(
            closest("remision", ["remission", "relapse"]),
            Some("remission")
        );
        assert_eq!(closest("zzz", ["remission", "relapse"]), None);
    }
}
