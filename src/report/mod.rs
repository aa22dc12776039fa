//! `nephrules report`: one self-contained HTML page (inline CSS and SVG,
//! nothing fetched) with the comparison's tables, a swimmer plot of every
//! patient's states under every file, and per-patient trajectories of
//! uPCR, albumin and creatinine with each file's thresholds.
//!
//! No I/O here: [`render`] returns the page as a string.

pub mod colours;
pub mod html;
pub mod swimmer;
pub mod tables;
pub mod thresholds;
pub mod trajectories;

use crate::compare::{Comparison, Evaluated};
use crate::data::Dataset;
use crate::eval::explain::number;
use colours::{file_colour, CategoryColours};
use html::{escape, Cell, Table};
use std::fmt::Write;
use trajectories::FileThresholds;

/// What a report is made of.
pub struct ReportInput<'a> {
    /// The files evaluated, in the order given.
    pub files: &'a [Evaluated<'a>],
    /// The data they were evaluated over.
    pub dataset: &'a Dataset,
    /// Their comparison.
    pub comparison: &'a Comparison,
    /// How far (days) from a landmark its assessment may lie.
    pub landmark_window: f64,
    /// The input files as named on the command line, for the heading.
    pub sources: Vec<String>,
}

/// The report's page.
pub fn render(input: &ReportInput<'_>) -> String {
    let stems: Vec<&str> = input.files.iter().map(|f| f.stem).collect();
    let mut body = String::new();
    heading(&mut body, input);
    section(&mut body, "summary-section", "Summary");
    body.push_str(&tables::summary(input.comparison, input.landmark_window));
    section(&mut body, "agreement-section", "Agreement");
    body.push_str(&tables::agreement(input.comparison));
    section(&mut body, "discordant-section", "Discordant patients");
    body.push_str(&tables::discordant(input.comparison));
    section(&mut body, "swimmer-section", "States over time");
    let colours = category_colours(input.files);
    body.push_str(&swimmer::legend(&colours, &stems));
    body.push_str(&swimmer::svg(&swimmer::lanes(input.files), &colours));
    section(&mut body, "trajectories-section", "Trajectories");
    trajectories_html(&mut body, input);
    html::page("nephrules report", &body)
}

fn section(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(out, "<h2 id=\"{id}\">{}</h2>", escape(title));
}

fn heading(out: &mut String, input: &ReportInput<'_>) {
    out.push_str("<h1>nephrules report</h1>\n<ul class=\"files\">");
    for f in input.files {
        let _ = write!(
            out,
            "<li><strong>{}</strong>: {}</li>",
            escape(f.stem),
            escape(&f.plan.title)
        );
    }
    out.push_str("</ul>\n");
    if !input.sources.is_empty() {
        let sources: Vec<String> = input.sources.iter().map(|s| escape(s)).collect();
        let _ = writeln!(
            out,
            "<p class=\"note\">Data: {}; {} patients.</p>",
            sources.join(", "),
            input.dataset.patients.len()
        );
    }
}

/// One colour per category name, over every file's categories in order.
fn category_colours(files: &[Evaluated<'_>]) -> CategoryColours {
    let names: Vec<&str> = files
        .iter()
        .flat_map(|f| {
            f.plan
                .categories
                .iter()
                .filter_map(|&c| f.plan.named.get(c))
                .map(|n| n.name.as_str())
        })
        .chain(std::iter::once(crate::eval::outcome::NE))
        .collect();
    CategoryColours::new(names)
}

fn file_thresholds(files: &[Evaluated<'_>]) -> Vec<FileThresholds> {
    files
        .iter()
        .enumerate()
        .map(|(index, f)| FileThresholds {
            criteria: f.stem.to_string(),
            index,
            thresholds: thresholds::thresholds(f.plan),
        })
        .collect()
}

fn trajectories_html(out: &mut String, input: &ReportInput<'_>) {
    let files = file_thresholds(input.files);
    out.push_str("<div class=\"legend\" id=\"file-legend\">");
    for f in &files {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            file_colour(f.index),
            escape(&f.criteria)
        );
    }
    out.push_str("</div>\n");
    out.push_str(&thresholds_table(&files));
    for patient in &input.dataset.patients {
        let series = trajectories::patient_series(input.files, patient);
        out.push_str(&trajectories::patient_html(&series, &files));
    }
}

/// Every file's thresholds of the charted measures, in canonical units.
fn thresholds_table(files: &[FileThresholds]) -> String {
    let mut table = Table::new("thresholds", &["measure", "criteria", "thresholds"]);
    for (id, label) in trajectories::CHARTED {
        let Some(measure) = crate::data::MeasureId::of(id) else {
            continue;
        };
        let unit = measure.measure().unit;
        for f in files {
            let found: Vec<String> = thresholds::of_measure(&f.thresholds, measure)
                .map(|t| {
                    let ops: Vec<&str> = t.ops.iter().map(|o| o.symbol()).collect();
                    format!("{} {unit} ({})", number(t.value), ops.join(", "))
                })
                .collect();
            if found.is_empty() {
                continue;
            }
            table.row(
                Some(&format!("{id} {}", f.criteria)),
                vec![
                    Cell::text(label),
                    Cell::text(&f.criteria),
                    Cell::text(found.join("; ")),
                ],
            );
        }
    }
    let mut out = table.html();
    out.push_str(
        "<p class=\"note\">Thresholds are the constants each file compares the measure's \
         value with (in the measure's canonical unit, the operators as the file uses them), \
         drawn in the file's colour: solid for the first file, dashed for the others.</p>\n",
    );
    out
}
