//! The tables of a [`Comparison`]: the summary per file, the agreement per
//! pair with its confusion matrix, and the discordant patients.

use super::html::{escape, Cell, Table};
use crate::compare::{Agreement, Comparison, Summary};
use crate::eval::explain::number;
use crate::stats::PERCENTILE_METHOD;
use std::fmt::Write;

fn pct(x: f64) -> String {
    format!("{}%", number(x))
}

/// Lines of escaped text as one cell.
fn lines(items: impl IntoIterator<Item = String>) -> Cell {
    let escaped: Vec<String> = items.into_iter().map(|s| escape(&s)).collect();
    Cell::Markup(escaped.join("<br>"))
}

/// The landmark labels in day order (from the first summary).
fn landmark_labels(c: &Comparison) -> Vec<String> {
    let mut labels: Vec<(String, f64)> = c
        .summary
        .first()
        .map(|s| {
            s.landmarks
                .iter()
                .map(|(k, l)| (k.clone(), l.day))
                .collect()
        })
        .unwrap_or_default();
    labels.sort_by(|a, b| a.1.total_cmp(&b.1));
    labels.into_iter().map(|(k, _)| k).collect()
}

/// The summary table: one row per file.
pub fn summary(c: &Comparison, window: f64) -> String {
    let landmarks = landmark_labels(c);
    let mut header: Vec<String> = [
        "criteria",
        "title",
        "n",
        "best response",
        "days to first remission: median (P25, P75)",
        "relapses",
        "relapses per patient-month",
    ]
    .map(String::from)
    .to_vec();
    header.extend(landmarks.iter().map(|l| format!("state at {l}")));
    header.push("phenotypes".into());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new("summary", &header_refs);
    for s in &c.summary {
        let mut cells = vec![
            Cell::text(&s.criteria),
            Cell::text(&s.title),
            Cell::text(s.n.to_string()),
            best_responses(s),
            Cell::text(time_to_remission(s)),
            Cell::text(
                s.relapses
                    .map_or("no relapse event".into(), |r| r.to_string()),
            ),
            lines(relapse_rate(s).lines().map(str::to_string)),
        ];
        cells.extend(landmarks.iter().map(|l| landmark_states(s, l)));
        cells.push(lines(s.phenotypes.iter().map(|(name, p)| {
            format!(
                "{name}: {} true, {} false, {} unknown",
                p.yes, p.no, p.unknown
            )
        })));
        table.row(Some(&s.criteria), cells);
    }
    let mut out = format!("<div class=\"wide\">{}</div>", table.html());
    let _ = writeln!(
        out,
        "<p class=\"note\">Percentiles of the days to first remission (patients who remitted): \
         {}. A landmark's state is that of the assessment nearest to it within {} days \
         (<q>none</q>: no assessment that near).</p>",
        escape(PERCENTILE_METHOD),
        number(window)
    );
    out
}

fn best_responses(s: &Summary) -> Cell {
    lines(s.categories.iter().map(|k| {
        let n = s.counts.get(k).copied().unwrap_or(0);
        let p = s.percent.get(k).copied().unwrap_or(0.0);
        format!("{k}: {n} ({})", pct(p))
    }))
}

fn time_to_remission(s: &Summary) -> String {
    let t = &s.time_to_remission_days;
    match (t.median, t.p25, t.p75) {
        (Some(m), Some(lo), Some(hi)) => format!(
            "{} ({}, {}), n = {}",
            number(m),
            number(lo),
            number(hi),
            t.n
        ),
        _ => "no remission".into(),
    }
}

fn relapse_rate(s: &Summary) -> String {
    match (s.relapses, s.relapses_per_patient_month) {
        (Some(_), Some(rate)) => {
            format!("{}\n({} days of follow-up)", number(rate), s.followup_days)
        }
        (Some(_), None) => "no follow-up".into(),
        (None, _) => String::new(),
    }
}

fn landmark_states(s: &Summary, label: &str) -> Cell {
    match s.landmarks.get(label) {
        Some(l) => lines(l.counts.iter().map(|(k, v)| format!("{k}: {v}"))),
        None => Cell::text(""),
    }
}

/// The agreement table (one row per pair) and each pair's confusion matrix.
pub fn agreement(c: &Comparison) -> String {
    if c.agreement.is_empty() {
        return "<p class=\"note\">One criteria file: nothing to agree with.</p>\n".into();
    }
    let mut table = Table::new("agreement", &["A", "B", "n", "agreement", "kappa (95% CI)"]);
    for a in &c.agreement {
        table.row(
            Some(&format!("{} vs {}", a.a, a.b)),
            vec![
                Cell::text(&a.a),
                Cell::text(&a.b),
                Cell::text(a.n.to_string()),
                Cell::text(pct(100.0 * a.agreement)),
                Cell::text(kappa(a)),
            ],
        );
    }
    let mut out = table.html();
    if let Some(a) = c.agreement.first() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Agreement of best responses; {}.</p>",
            escape(a.kappa_method)
        );
    }
    out.push_str("<div class=\"confusions\">");
    for a in &c.agreement {
        out.push_str(&confusion(a));
    }
    out.push_str("</div>\n");
    out
}

fn kappa(a: &Agreement) -> String {
    match (a.kappa, a.kappa_ci) {
        (Some(k), Some([lo, hi])) => format!("{} ({} to {})", number(k), number(lo), number(hi)),
        (Some(k), None) => number(k),
        _ => "undefined (one category for everyone)".into(),
    }
}

fn confusion(a: &Agreement) -> String {
    let corner = format!("{} \\ {}", a.a, a.b);
    let mut header: Vec<&str> = vec![corner.as_str()];
    header.extend(a.labels.iter().map(String::as_str));
    let mut table = Table::new("", &header);
    for row in &a.labels {
        let counts = a.confusion.get(row);
        let mut cells = vec![Cell::text(row)];
        cells.extend(a.labels.iter().map(|col| {
            let n = counts.and_then(|c| c.get(col)).copied().unwrap_or(0);
            Cell::text(n.to_string())
        }));
        table.row(None, cells);
    }
    format!(
        "<div class=\"confusion\"><h3>{} (rows) vs {} (columns)</h3>{}</div>",
        escape(&a.a),
        escape(&a.b),
        table.html()
    )
}

/// The discordant patients with what splits them.
pub fn discordant(c: &Comparison) -> String {
    if c.discordant.is_empty() {
        return "<p class=\"note\">No discordant patients.</p>\n".into();
    }
    let mut table = Table::new(
        "discordant",
        &[
            "patient",
            "A",
            "B",
            "best under A",
            "best under B",
            "explanation",
        ],
    );
    for d in &c.discordant {
        table.row(
            Some(&d.patient),
            vec![
                Cell::text(&d.patient),
                Cell::text(&d.a),
                Cell::text(&d.b),
                Cell::text(&d.a_result),
                Cell::text(&d.b_result),
                Cell::text(&d.explanation),
            ],
        );
    }
    format!("<div class=\"wide\">{}</div>", table.html())
}
