//! Errors of the data layer: a file that cannot be read at all, a mapping
//! that is wrong, and a bad row (with its file, line, column and reason).
//!
//! Messages follow cedar's style: lowercase, no trailing period, user input
//! in backticks, extra sentences in the help.

use miette::Diagnostic;
use std::fmt;
use thiserror::Error;

/// Why one input row cannot be used. Each variant documents an input that
/// triggers it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowReason {
    /// `upcr` with value `abc`.
    NotANumber {
        /// The text found.
        text: String,
    },
    /// `dipstick` with value `5+`.
    NotAGrade {
        /// The text found.
        text: String,
    },
    /// A presence measure with value `2`.
    NotAPresence {
        /// The text found.
        text: String,
    },
    /// `upcr` with value `inf` or `NaN`.
    NotFinite {
        /// The text found.
        text: String,
    },
    /// `albumin` with value `-3`.
    Negative {
        /// The text found.
        text: String,
    },
    /// `scr` in `furlongs`.
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// A close known spelling.
        suggestion: Option<&'static str>,
    },
    /// `albumin` in `g/g`.
    UnitDoesNotFit {
        /// The unit as written.
        unit: String,
        /// The measure id.
        measure: &'static str,
        /// The units the measure accepts, for the help.
        expected: String,
    },
    /// `upcr` with an empty unit and no default in the mapping.
    MissingUnit {
        /// The measure id.
        measure: &'static str,
    },
    /// An empty cell where a value is needed (`patient`, `value`, `drug`).
    Empty,
    /// `day` column holding `3.5` or `2021-03-04`.
    NotADay {
        /// The text found.
        text: String,
    },
    /// `day` column holding `3000000000`: beyond the days a timeline holds.
    DayOutOfRange {
        /// The text found.
        text: String,
    },
    /// `date` column holding `2021-02-30` or `yesterday`.
    NotADate {
        /// The text found.
        text: String,
        /// What the date parser said.
        detail: String,
    },
    /// A patient with rows in days and rows in dates.
    MixedTime {
        /// The patient id.
        patient: String,
        /// How the patient's first timed row gave the time (`day` or `date`).
        first: &'static str,
    },
    /// The same patient, time, measure, value and unit twice.
    Duplicate {
        /// The line of the first occurrence.
        first_line: u64,
    },
    /// A treatment whose `end` is before its `start`.
    EndBeforeStart,
    /// A dose unit that is not a dose (`mg/dL`).
    NotADoseUnit {
        /// The unit as written.
        unit: String,
    },
    /// A dose without a unit.
    DoseWithoutUnit,
    /// `sex` holding `x`.
    NotASex {
        /// The text found.
        text: String,
    },
    /// A second row for a patient in the patients table.
    DuplicatePatient {
        /// The line of the first row.
        first_line: u64,
    },
    /// A cell that is not UTF-8 text.
    NotText,
}

impl RowReason {
    /// A stable code per reason, for scripts and the docs.
    pub fn code(&self) -> &'static str {
        match self {
            RowReason::NotANumber { .. } => "nephrules::data::not_a_number",
            RowReason::NotAGrade { .. } => "nephrules::data::not_a_grade",
            RowReason::NotAPresence { .. } => "nephrules::data::not_a_presence",
            RowReason::NotFinite { .. } => "nephrules::data::not_finite",
            RowReason::Negative { .. } => "nephrules::data::negative",
            RowReason::UnknownUnit { .. } => "nephrules::data::unknown_unit",
            RowReason::UnitDoesNotFit { .. } => "nephrules::data::unit_does_not_fit",
            RowReason::MissingUnit { .. } => "nephrules::data::missing_unit",
            RowReason::Empty => "nephrules::data::empty",
            RowReason::NotADay { .. } => "nephrules::data::not_a_day",
            RowReason::DayOutOfRange { .. } => "nephrules::data::day_out_of_range",
            RowReason::NotADate { .. } => "nephrules::data::not_a_date",
            RowReason::MixedTime { .. } => "nephrules::data::mixed_time",
            RowReason::Duplicate { .. } => "nephrules::data::duplicate",
            RowReason::EndBeforeStart => "nephrules::data::end_before_start",
            RowReason::NotADoseUnit { .. } => "nephrules::data::not_a_dose_unit",
            RowReason::DoseWithoutUnit => "nephrules::data::dose_without_unit",
            RowReason::NotASex { .. } => "nephrules::data::not_a_sex",
            RowReason::DuplicatePatient { .. } => "nephrules::data::duplicate_patient",
            RowReason::NotText => "nephrules::data::not_text",
        }
    }

    /// How to fix it, where there is more to say than the message.
    pub fn help(&self) -> Option<String> {
        match self {
            RowReason::UnknownUnit {
                suggestion: Some(s),
                ..
            } => Some(format!(
                "did you mean `{s}`? a mapping (`--map`) can add spellings under `units:`"
            )),
            RowReason::UnknownUnit { .. } => {
                Some("a mapping (`--map`) can add spellings under `units:`".into())
            }
            RowReason::UnitDoesNotFit { expected, .. } => Some(format!("expected one of {expected}")),
            RowReason::MissingUnit { .. } => Some(
                "write the unit in the row, or give the measure a unit under `default_units:` in the mapping"
                    .into(),
            ),
            RowReason::NotAGrade { .. } => Some("a grade is `negative`, `trace`, `1+`, `2+`, `3+` or `4+`".into()),
            RowReason::NotAPresence { .. } => Some("write `1` for present and `0` for absent".into()),
            RowReason::DayOutOfRange { .. } => Some(
                "days are counted from the index and lie within ±2,147,483,647 (about 5.8 million years)"
                    .into(),
            ),
            RowReason::NotADate { .. } => {
                Some("write dates as ISO 8601, `2021-03-04` or `2021-03-04T10:00:00Z`".into())
            }
            RowReason::MixedTime { .. } => Some(
                "give each patient's times either as days from the index or as dates, not both".into(),
            ),
            RowReason::Duplicate { .. } => Some("remove the repeated row; two different values on one day are kept".into()),
            RowReason::NotADoseUnit { .. } => Some("a dose is in `mg`, `mg/d`, `mg/kg/d`, `mg/m2` or the like".into()),
            RowReason::NotASex { .. } => Some("write `female`, `male`, `F` or `M`, or leave it empty".into()),
            _ => None,
        }
    }
}

impl fmt::Display for RowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowReason::NotANumber { text } => write!(f, "`{}` is not a number", short(text)),
            RowReason::NotAGrade { text } => write!(f, "`{}` is not a dipstick grade", short(text)),
            RowReason::NotAPresence { text } => {
                write!(f, "`{}` is not 0 (absent) or 1 (present)", short(text))
            }
            RowReason::NotFinite { text } => write!(f, "`{}` is not a finite number", short(text)),
            RowReason::Negative { text } => write!(f, "`{}` is negative", short(text)),
            RowReason::UnknownUnit { unit, .. } => {
                write!(f, "`{}` is not a known unit", short(unit))
            }
            RowReason::UnitDoesNotFit { unit, measure, .. } => {
                write!(f, "unit `{}` does not fit measure `{measure}`", short(unit))
            }
            RowReason::MissingUnit { measure } => write!(f, "no unit for measure `{measure}`"),
            RowReason::Empty => write!(f, "the cell is empty"),
            RowReason::NotADay { text } => {
                write!(f, "`{}` is not a whole number of days", short(text))
            }
            RowReason::DayOutOfRange { text } => {
                write!(f, "`{}` is too far from the index to be a day", short(text))
            }
            RowReason::NotADate { text, detail } => {
                write!(f, "`{}` is not a date: {detail}", short(text))
            }
            RowReason::MixedTime { patient, first } => write!(
                f,
                "patient `{}` mixes days and dates (the first of their rows gave a {first})",
                short(patient)
            ),
            RowReason::Duplicate { first_line } => {
                write!(f, "the same row as line {first_line} (an exact duplicate)")
            }
            RowReason::EndBeforeStart => write!(f, "the course ends before it starts"),
            RowReason::NotADoseUnit { unit } => write!(f, "`{}` is not a dose unit", short(unit)),
            RowReason::DoseWithoutUnit => write!(f, "a dose without a unit"),
            RowReason::NotASex { text } => write!(f, "`{}` is not a sex", short(text)),
            RowReason::DuplicatePatient { first_line } => {
                write!(f, "the patient already has a row, on line {first_line}")
            }
            RowReason::NotText => write!(f, "the cell is not UTF-8 text"),
        }
    }
}

/// A cell's text for a message: at most 60 characters, so that a 2 MB
/// cell cannot flood the terminal.
fn short(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        let head: String = text.chars().take(60).collect();
        format!("{head}… ({} characters)", text.chars().count())
    }
}

/// One bad input row: where it is and why it cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{file}` line {line}, column `{column}`: {reason}")]
pub struct BadRow {
    /// The file name as given.
    pub file: String,
    /// The CSV line, 1-based, the header being line 1.
    pub line: u64,
    /// The column's name as the header wrote it.
    pub column: String,
    /// Why.
    pub reason: RowReason,
}

impl Diagnostic for BadRow {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.reason.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.reason
            .help()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
}

/// Everything that stops loading.
#[derive(Debug, Error, Diagnostic)]
pub enum DataError {
    /// The file cannot be opened or read.
    #[error("cannot read `{file}`: {reason}")]
    #[diagnostic(code(nephrules::data::unreadable))]
    Unreadable {
        /// The file name as given.
        file: String,
        /// What the system said.
        reason: String,
    },
    /// The file has no header line (it is empty).
    #[error("`{file}` has no header line")]
    #[diagnostic(
        code(nephrules::data::no_header),
        help("the first line names the columns, for example `patient,day,measure,value,unit`")
    )]
    NoHeader {
        /// The file name as given.
        file: String,
    },
    /// A column the layout needs is not in the header.
    #[error("`{file}` has no column `{column}`")]
    #[diagnostic(code(nephrules::data::missing_column), help("{help}"))]
    MissingColumn {
        /// The file name as given.
        file: String,
        /// The column looked for.
        column: String,
        /// The header found, and how to name another column.
        help: String,
    },
    /// A line the CSV reader cannot read.
    #[error("`{file}` line {line}: {reason}")]
    #[diagnostic(code(nephrules::data::csv))]
    Csv {
        /// The file name as given.
        file: String,
        /// The line, 1-based.
        line: u64,
        /// What the reader said.
        reason: String,
    },
    /// A mapping file that cannot be used.
    #[error("mapping `{file}`: {reason}")]
    #[diagnostic(code(nephrules::data::bad_mapping), help("{help}"))]
    Mapping {
        /// The mapping's file name.
        file: String,
        /// What is wrong.
        reason: String,
        /// How to fix it.
        help: String,
    },
    /// Input beyond what one load can index: more than 4,294,967,295 lines
    /// in a file, 2,147,483,647 patients, 255 observation files or 65,535
    /// unit spellings (far more than memory holds anyway).
    #[error("`{file}` is too large to load: {reason}")]
    #[diagnostic(
        code(nephrules::data::too_large),
        help("split the file, by patient, and load the parts one at a time")
    )]
    TooLarge {
        /// The file name as given.
        file: String,
        /// Which limit was passed.
        reason: String,
    },
    /// A bad row, when bad rows are not skipped.
    #[error(transparent)]
    #[diagnostic(transparent)]
    BadRow(#[from] Box<BadRow>),
}
