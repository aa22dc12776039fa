//! Per-patient trajectories of uPCR, albumin and creatinine: one small
//! plotters chart per measure, days on x, with each file's thresholds for
//! that measure as dashed lines labelled by value and file.

use super::colours::{file_colour, rgb};
use super::html::escape;
use super::thresholds::{of_measure, Threshold};
use crate::compare::Evaluated;
use crate::data::{MeasureId, Patient};
use crate::eval::explain::number;
use crate::eval::prepare::prepare;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write;

/// The measures charted, by vocabulary id, with the names people read.
pub const CHARTED: [(&str, &str); 3] = [
    ("upcr", "uPCR"),
    ("albumin", "albumin"),
    ("scr", "creatinine"),
];

/// A file's thresholds, with what labels and colours them.
#[derive(Debug, Clone)]
pub struct FileThresholds {
    /// The file's stem.
    pub criteria: String,
    /// Its position among the files (its colour and label slot).
    pub index: usize,
    /// Its thresholds.
    pub thresholds: Vec<Threshold>,
}

/// One patient's values of one measure, on one file's day axis.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSeries {
    /// The measure.
    pub measure: MeasureId,
    /// What people call it.
    pub label: &'static str,
    /// `(day, value)` in the canonical unit, in day order.
    pub points: Vec<(f64, f64)>,
}

/// One patient's charts' data.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSeries {
    /// The patient's id.
    pub patient: String,
    /// The file whose index is day 0 of the charts (`None`: no file found
    /// an index, so days are the data's own).
    pub axis_file: Option<String>,
    /// One series per charted measure.
    pub measures: Vec<MeasureSeries>,
}

/// The charted series of a patient, on the day axis of the first file that
/// finds the patient's index.
pub fn patient_series(files: &[Evaluated<'_>], patient: &Patient) -> PatientSeries {
    let axis = files
        .iter()
        .find_map(|f| prepare(f.plan, patient).ok().map(|p| (f.stem, p.index)));
    let index = axis.map_or(0, |(_, index)| index);
    let measures = CHARTED
        .iter()
        .filter_map(|&(id, label)| {
            let measure = MeasureId::of(id)?;
            let points = patient
                .observations
                .iter()
                .filter(|o| o.measure == measure)
                .map(|o| (i64::from(o.day).saturating_sub(index) as f64, o.value))
                .collect();
            Some(MeasureSeries {
                measure,
                label,
                points,
            })
        })
        .collect();
    PatientSeries {
        patient: patient.id.clone(),
        axis_file: axis.map(|(stem, _)| stem.to_string()),
        measures,
    }
}

/// A horizontal line of a threshold.
#[derive(Debug, Clone)]
struct Line {
    value: f64,
    label: String,
    colour: RGBColor,
    slot: usize,
}

fn lines(files: &[FileThresholds], measure: MeasureId, unit: &str) -> Vec<Line> {
    files
        .iter()
        .flat_map(|f| {
            of_measure(&f.thresholds, measure).map(move |t| {
                let (r, g, b) = rgb(file_colour(f.index));
                Line {
                    value: t.value,
                    label: format!("{} {unit} · {}", number(t.value), short(&f.criteria)),
                    colour: RGBColor(r, g, b),
                    slot: f.index,
                }
            })
        })
        .collect()
}

/// A stem cut to fit a chart label; the legend has it in full.
fn short(stem: &str) -> String {
    const MAX: usize = 22;
    if stem.chars().count() <= MAX {
        stem.to_string()
    } else {
        let cut: String = stem.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

const WIDTH: u32 = 430;
const HEIGHT: u32 = 220;

/// The charts of one patient as HTML: a section with a figure per measure.
pub fn patient_html(series: &PatientSeries, files: &[FileThresholds]) -> String {
    let x_range = day_range(series);
    let mut out = String::new();
    let id = escape(&series.patient);
    let _ = write!(
        out,
        "<section class=\"patient\" data-patient=\"{id}\"><h3>{id}</h3>"
    );
    let axis = series.axis_file.as_deref().map_or_else(
        || "no file found this patient's index: days as in the data".to_string(),
        |stem| format!("days from the index of {}", escape(stem)),
    );
    let _ = write!(out, "<p class=\"note\">{axis}</p><div class=\"charts\">");
    for m in &series.measures {
        figure(&mut out, m, files, x_range);
    }
    out.push_str("</div></section>\n");
    out
}

fn figure(out: &mut String, m: &MeasureSeries, files: &[FileThresholds], x_range: (f64, f64)) {
    let unit = m.measure.measure().unit;
    let lines = lines(files, m.measure, unit);
    let labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
    let title = if labels.is_empty() {
        format!("{} ({unit}): no thresholds", m.label)
    } else {
        format!("{} ({unit}): thresholds {}", m.label, labels.join("; "))
    };
    let _ = write!(
        out,
        "<figure class=\"trajectory\" data-measure=\"{}\">",
        m.measure.measure().id
    );
    if m.points.is_empty() {
        let _ = write!(out, "<p class=\"note\">{}: no values</p>", escape(&title));
    } else {
        match chart(m, unit, &lines, x_range) {
            Ok(svg) => out.push_str(&with_title(&svg, &title)),
            Err(e) => {
                let _ = write!(
                    out,
                    "<p class=\"note\">{}: the chart could not be drawn: {}</p>",
                    escape(&title),
                    escape(&e)
                );
            }
        }
    }
    out.push_str("</figure>");
}

/// The chart with a `<title>` (its tooltip and accessible name) first.
fn with_title(svg: &str, title: &str) -> String {
    match svg.find('>') {
        Some(end) => format!(
            "{}<title>{}</title>{}",
            &svg[..=end],
            escape(title),
            &svg[end + 1..]
        ),
        None => svg.to_string(),
    }
}

/// The days the patient's charts share.
fn day_range(series: &PatientSeries) -> (f64, f64) {
    let days = series
        .measures
        .iter()
        .flat_map(|m| m.points.iter().map(|p| p.0));
    let (mut first, mut last) = (0.0_f64, 1.0_f64);
    for d in days {
        first = first.min(d);
        last = last.max(d);
    }
    let pad = ((last - first) * 0.03).max(1.0);
    (first - pad, last + pad)
}

fn value_range(m: &MeasureSeries, lines: &[Line]) -> (f64, f64) {
    let values = m
        .points
        .iter()
        .map(|p| p.1)
        .chain(lines.iter().map(|l| l.value));
    let (mut low, mut high) = (0.0_f64, f64::MIN);
    for v in values {
        low = low.min(v);
        high = high.max(v);
    }
    if high <= low {
        high = low + 1.0;
    }
    (low, high + (high - low) * 0.12)
}

/// One chart as an inline SVG element, drawn by plotters.
fn chart(
    m: &MeasureSeries,
    unit: &str,
    lines: &[Line],
    (x0, x1): (f64, f64),
) -> Result<String, String> {
    let (y0, y1) = value_range(m, lines);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .caption(format!("{} ({unit})", m.label), ("sans-serif", 15))
            .x_label_area_size(30)
            .y_label_area_size(44)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("day")
            .x_labels(8)
            .y_labels(6)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(232, 232, 232))
            .label_style(("sans-serif", 12))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| number(*y))
            .draw()
            .map_err(|e| e.to_string())?;
        let nslots = lines.iter().map(|l| l.slot + 1).max().unwrap_or(1);
        for line in lines {
            draw_threshold(&mut chart, line, (x0, x1), nslots)?;
        }
        let ink = RGBColor(33, 33, 33);
        chart
            .draw_series(LineSeries::new(
                m.points.iter().copied(),
                ink.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(m.points.iter().map(|&p| Circle::new(p, 3, ink.filled())))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    // Inline SVG in HTML needs no namespace declaration: the page then
    // names no outside address at all.
    Ok(svg
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen("<svg ", "<svg class=\"trajectory-chart\" role=\"img\" ", 1))
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_threshold(
    chart: &mut Chart<'_, '_>,
    line: &Line,
    (x0, x1): (f64, f64),
    nslots: usize,
) -> Result<(), String> {
    // The first file's lines are solid, the others dashed, so that equal
    // thresholds of several files stay visible one over the other.
    let ends = [(x0, line.value), (x1, line.value)];
    let style = line.colour.stroke_width(1);
    let drawn = if line.slot == 0 {
        chart.draw_series(LineSeries::new(ends, style)).map(|_| ())
    } else {
        let dash = 3 + 3 * (line.slot as u32 % 3);
        chart
            .draw_series(DashedLineSeries::new(ends, dash, 5, style))
            .map(|_| ())
    };
    drawn.map_err(|e| e.to_string())?;
    // Each file labels its lines in its own horizontal slot, so that equal
    // thresholds of several files do not overprint.
    let x = x0 + (x1 - x0) * (line.slot as f64 / nslots as f64) + (x1 - x0) * 0.01;
    let style = TextStyle::from(("sans-serif", 11).into_font())
        .color(&line.colour)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    chart
        .draw_series(std::iter::once(Text::new(
            line.label.clone(),
            (x, line.value),
            style,
        )))
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_its_threshold_labels_and_no_namespace_address() {
        let upcr = MeasureId::of("upcr").expect("upcr");
        let m = MeasureSeries {
            measure: upcr,
            label: "uPCR",
            points: vec![(-3.0, 4.8), (15.0, 0.25)],
        };
        let files = [FileThresholds {
            criteria: "a&b".into(),
            index: 0,
            thresholds: vec![Threshold {
                measure: upcr,
                value: 0.3,
                ops: vec![crate::ast::CmpOp::Lt],
            }],
        }];
        let lines = lines(&files, upcr, "g/g");
        let svg = chart(&m, "g/g", &lines, (-5.0, 20.0)).expect("drawn");
        assert!(svg.starts_with("<svg class=\"trajectory-chart\""));
        assert!(svg.contains("0.3 g/g · a&amp;b"));
        assert!(!svg.contains("http"));
    }

    #[test]
    fn long_stems_are_cut() {
        assert_eq!(short("zhengzhou-2023-rtx-fsgs").chars().count(), 22);
        assert_eq!(short("kdigo-2021-fsgs"), "kdigo-2021-fsgs");
    }
}
