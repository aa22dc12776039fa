//! The swimmer plot: a lane per patient, a band per criteria file within
//! the lane, coloured by the state from each assessment day to the next,
//! uncertain states hatched, relapses marked. Hand-built SVG (plotters has
//! no patterns, classes or tooltips); every user string is escaped.

use super::colours::CategoryColours;
use super::html::escape;
use crate::compare::Evaluated;
use crate::eval::outcome::NE;
use crate::eval::PatientOutcome;
use std::fmt::Write;

/// One stretch of a band in one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The assessment day the state was found (its start).
    pub from: i64,
    /// Where it ends: the next assessment, or a short tail for the last.
    pub to: f64,
    /// The category name (`NE` when not evaluable).
    pub state: String,
    /// Whether a line above it was unknown (`PR?`).
    pub uncertain: bool,
}

/// One file's states for one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The file's stem.
    pub criteria: String,
    /// The states in day order.
    pub segments: Vec<Segment>,
    /// The days the `relapse` event fired.
    pub relapses: Vec<i64>,
    /// Why nothing was evaluated, when that is so.
    pub note: Option<String>,
}

/// One patient's lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// The patient's id.
    pub patient: String,
    /// One band per file, in file order.
    pub bands: Vec<Band>,
}

/// The lanes of every patient (in the first file's patient order).
pub fn lanes(files: &[Evaluated<'_>]) -> Vec<Lane> {
    let Some(first) = files.first() else {
        return Vec::new();
    };
    let tail = tail_days(files);
    first
        .outcomes
        .iter()
        .map(|o| Lane {
            patient: o.patient.clone(),
            bands: files.iter().map(|f| band(f, &o.patient, tail)).collect(),
        })
        .collect()
}

/// How far the last state of a band reaches: 1% of the longest record, at
/// least a day.
fn tail_days(files: &[Evaluated<'_>]) -> f64 {
    let last = files
        .iter()
        .flat_map(|f| f.outcomes.iter())
        .filter_map(|o| o.states.last().map(|s| s.day))
        .max()
        .unwrap_or(0);
    (last as f64 / 100.0).max(1.0)
}

fn band(file: &Evaluated<'_>, patient: &str, tail: f64) -> Band {
    let outcome = file.outcomes.iter().find(|o| o.patient == patient);
    let Some(outcome) = outcome else {
        return Band {
            criteria: file.stem.to_string(),
            segments: Vec::new(),
            relapses: Vec::new(),
            note: Some("not in this file's results".into()),
        };
    };
    let segments = outcome
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let next = outcome.states.get(i + 1).map(|n| n.day as f64);
            let name = PatientOutcome::state_name(file.plan, s);
            Segment {
                from: s.day,
                to: next.unwrap_or(s.day as f64 + tail),
                state: name.trim_end_matches('?').to_string(),
                uncertain: s.uncertain,
            }
        })
        .collect();
    let relapses = outcome
        .events
        .iter()
        .filter(|e| e.name.eq_ignore_ascii_case("relapse"))
        .flat_map(|e| e.days.iter().copied())
        .collect();
    Band {
        criteria: file.stem.to_string(),
        segments,
        relapses,
        note: outcome.note.clone(),
    }
}

/// Sizes of the drawing, in pixels.
const PLOT_WIDTH: f64 = 900.0;
const BAND_HEIGHT: f64 = 11.0;
const BAND_GAP: f64 = 2.0;
const LANE_GAP: f64 = 9.0;
const TOP: f64 = 10.0;
const AXIS_HEIGHT: f64 = 34.0;
const RIGHT: f64 = 20.0;

/// The day range the plot shows.
#[derive(Debug, Clone, Copy)]
struct Axis {
    first: f64,
    last: f64,
    left: f64,
}

impl Axis {
    fn x(&self, day: f64) -> f64 {
        let span = (self.last - self.first).max(1.0);
        self.left + (day - self.first) / span * PLOT_WIDTH
    }
}

fn axis(lanes: &[Lane]) -> Axis {
    let days = lanes
        .iter()
        .flat_map(|l| l.bands.iter())
        .flat_map(|b| b.segments.iter().flat_map(|s| [s.from as f64, s.to]));
    let (mut first, mut last) = (0.0_f64, 1.0_f64);
    for d in days {
        first = first.min(d);
        last = last.max(d);
    }
    let longest_id = lanes
        .iter()
        .map(|l| l.patient.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest_id as f64 * 7.5 + 12.0).clamp(50.0, 220.0);
    Axis { first, last, left }
}

fn lane_height(files: usize) -> f64 {
    files as f64 * (BAND_HEIGHT + BAND_GAP) - BAND_GAP
}

/// The swimmer plot as an inline SVG element.
pub fn svg(lanes: &[Lane], colours: &CategoryColours) -> String {
    let axis = axis(lanes);
    let files = lanes.first().map_or(0, |l| l.bands.len());
    let lane_step = lane_height(files) + LANE_GAP;
    let plot_height = lanes.len() as f64 * lane_step;
    let width = axis.left + PLOT_WIDTH + RIGHT;
    let height = TOP + plot_height + AXIS_HEIGHT;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"swimmer\" role=\"img\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\">\
         <defs><pattern id=\"swimmer-hatch\" width=\"5\" height=\"5\" \
         patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"2\" height=\"5\" fill=\"#fff\" fill-opacity=\"0.75\"/></pattern></defs>"
    );
    grid(&mut out, &axis, TOP, plot_height);
    for (i, lane) in lanes.iter().enumerate() {
        lane_svg(&mut out, lane, &axis, colours, TOP + i as f64 * lane_step);
    }
    out.push_str("</svg>");
    out
}

/// Day ticks and the line of day 0.
fn grid(out: &mut String, axis: &Axis, top: f64, plot_height: f64) {
    let bottom = top + plot_height;
    let step = tick_step(axis.last - axis.first);
    let mut day = (axis.first / step).ceil() * step;
    while day <= axis.last {
        let x = axis.x(day);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{day}</text>",
            bottom + 14.0
        );
        day += step;
    }
    let zero = axis.x(0.0);
    let _ = write!(
        out,
        "<line x1=\"{zero:.1}\" y1=\"{top:.1}\" x2=\"{zero:.1}\" y2=\"{bottom:.1}\" \
         stroke=\"#555\" stroke-dasharray=\"3 3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">days from each file's index (day 0)</text>",
        axis.left + PLOT_WIDTH / 2.0,
        bottom + 30.0
    );
}

/// A round step giving at most about 12 ticks.
fn tick_step(span: f64) -> f64 {
    const STEPS: [f64; 10] = [
        7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0, 1825.0, 3650.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 12.0)
        .unwrap_or_else(|| (span / 12.0).ceil().max(1.0))
}

fn lane_svg(out: &mut String, lane: &Lane, axis: &Axis, colours: &CategoryColours, top: f64) {
    let id = escape(&lane.patient);
    let middle = top + lane_height(lane.bands.len()) / 2.0;
    let _ = write!(
        out,
        "<g class=\"lane\" data-patient=\"{id}\">\
         <text x=\"{:.1}\" y=\"{middle:.1}\" dy=\"0.35em\" font-size=\"12\" text-anchor=\"end\">{id}</text>",
        axis.left - 6.0
    );
    for (k, band) in lane.bands.iter().enumerate() {
        let y = top + k as f64 * (BAND_HEIGHT + BAND_GAP);
        band_svg(out, &lane.patient, band, axis, colours, y);
    }
    out.push_str("</g>");
}

fn band_svg(
    out: &mut String,
    patient: &str,
    band: &Band,
    axis: &Axis,
    colours: &CategoryColours,
    y: f64,
) {
    let _ = write!(
        out,
        "<g class=\"band\" data-criteria=\"{}\">",
        escape(&band.criteria)
    );
    if band.segments.is_empty() {
        let why = band.note.as_deref().unwrap_or("no assessment");
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#777\">{NE}: {}<title>{} · {}: {}</title></text>",
            axis.x(0.0) + 3.0,
            y + BAND_HEIGHT - 2.0,
            escape(why),
            escape(patient),
            escape(&band.criteria),
            escape(why)
        );
    }
    for s in &band.segments {
        segment_svg(out, patient, &band.criteria, s, axis, colours, y);
    }
    for &day in &band.relapses {
        let x = axis.x(day as f64);
        let _ = write!(
            out,
            "<path class=\"relapse\" d=\"M{:.1} {:.1}L{:.1} {:.1}L{x:.1} {:.1}Z\" fill=\"#111\">\
             <title>{} · {}: relapse on day {day}</title></path>",
            x - 4.5,
            y - 1.0,
            x + 4.5,
            y - 1.0,
            y + BAND_HEIGHT - 1.0,
            escape(patient),
            escape(&band.criteria)
        );
    }
    out.push_str("</g>");
}

fn segment_svg(
    out: &mut String,
    patient: &str,
    criteria: &str,
    s: &Segment,
    axis: &Axis,
    colours: &CategoryColours,
    y: f64,
) {
    let x = axis.x(s.from as f64);
    let w = (axis.x(s.to) - x).max(1.0);
    let colour = colours.of(&s.state);
    let (opacity, mark) = if s.uncertain { ("0.6", "?") } else { ("1", "") };
    let _ = write!(
        out,
        "<rect class=\"state\" data-state=\"{state}\" data-uncertain=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" \
         width=\"{w:.1}\" height=\"{BAND_HEIGHT}\" fill=\"{colour}\" fill-opacity=\"{opacity}\">\
         <title>{} · {}: day {}, {state}{mark}</title></rect>",
        s.uncertain,
        escape(patient),
        escape(criteria),
        s.from,
        state = escape(&s.state),
    );
    if s.uncertain {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAND_HEIGHT}\" \
             fill=\"url(#swimmer-hatch)\" pointer-events=\"none\"/>"
        );
    }
}

/// The legend: the categories' colours, the uncertain hatch, the relapse
/// marker and the order of the bands.
pub fn legend(colours: &CategoryColours, stems: &[&str]) -> String {
    let mut out = String::from("<div class=\"legend\" id=\"swimmer-legend\">");
    for name in &colours.order {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            colours.of(name),
            escape(name)
        );
    }
    out.push_str(
        "<span><i class=\"swatch\" style=\"background:repeating-linear-gradient(45deg,#aed581 0 3px,#fff 3px 5px)\"></i>\
         uncertain (e.g. PR?: a line above it was unknown)</span>\
         <span><svg width=\"12\" height=\"10\"><path d=\"M1 0L11 0L6 10Z\" fill=\"#111\"/></svg>relapse</span>",
    );
    let order: Vec<String> = stems.iter().map(|s| escape(s)).collect();
    let _ = write!(
        out,
        "<span>bands, top to bottom: {}</span></div>",
        order.join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(patient: &str) -> Lane {
        Lane {
            patient: patient.into(),
            bands: vec![Band {
                criteria: "a".into(),
                segments: vec![
                    Segment {
                        from: 10,
                        to: 20.0,
                        state: "PR".into(),
                        uncertain: true,
                    },
                    Segment {
                        from: 20,
                        to: 21.0,
                        state: "CR".into(),
                        uncertain: false,
                    },
                ],
                relapses: vec![20],
                note: None,
            }],
        }
    }

    #[test]
    fn one_lane_group_per_patient_with_ids_escaped() {
        let colours = CategoryColours::new(["CR", "PR"]);
        let svg = svg(&[lane("<b>&\""), lane("P2")], &colours);
        assert_eq!(svg.matches("<g class=\"lane\"").count(), 2);
        assert!(svg.contains("data-patient=\"&lt;b&gt;&amp;&quot;\""));
        assert!(!svg.contains("<b>"));
        assert_eq!(svg.matches("class=\"relapse\"").count(), 2);
        assert_eq!(svg.matches("url(#swimmer-hatch)").count(), 2);
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(60.0), 7.0);
        assert_eq!(tick_step(365.0), 60.0);
    }
}
