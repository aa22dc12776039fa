//! `nephrules compare`: several criteria files over one cohort — the
//! summary each paper would report, agreement of every pair (kappa), and
//! the discordant patients with the clause that splits them.

use super::eval::{run_files, Run};
use super::inputs::DataArgs;
use super::output::{write_aligned, write_rows, Cell, Format};
use super::EXIT_INVALID;
use crate::compare::{compare, Comparison, Landmark};
use crate::eval::explain::number;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules compare --rules rules/ --data examples/observations.csv \\\n      \
    --treatments examples/treatments.csv --patients examples/patients.csv --landmarks 3m,6m"
)]
pub struct Args {
    /// The files, the data and the landmarks.
    #[command(flatten)]
    pub cohort: CohortArgs,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What `compare` and `report` both take: criteria files, the data, and
/// the landmarks for the state counts.
#[derive(Debug, clap::Args)]
pub struct CohortArgs {
    /// Criteria files (directories mean every `*.rules` under them).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// The data.
    #[command(flatten)]
    pub inputs: DataArgs,
    /// Landmarks for the state counts: `3m,6m`, `12w`, `90d`, `1y`.
    #[arg(long, value_delimiter = ',', default_value = "3m,6m")]
    pub landmarks: Vec<String>,
    /// How far (days) from a landmark its assessment may lie.
    #[arg(long, default_value_t = 14.0)]
    pub landmark_window: f64,
}

/// Run `compare`.
pub fn run(args: &Args) -> ExitCode {
    let (_run, comparison) = match compare_files(&args.cohort) {
        Ok(done) => done,
        Err(code) => return code,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &comparison)
            .map_err(io::Error::other)
            .and_then(|()| writeln!(out)),
        Format::Csv => write_csv(&mut out, &comparison),
        Format::Table => write_table(&mut out, &comparison, args.cohort.landmark_window),
    };
    let _ = written.and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// Parse the landmarks, evaluate the files over the data and compare them;
/// on bad input the diagnostics are printed and the exit code returned.
pub fn compare_files(args: &CohortArgs) -> Result<(Run, Comparison), ExitCode> {
    let landmarks = args
        .landmarks
        .iter()
        .map(|l| Landmark::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(super::EXIT_USAGE)
        })?;
    let run = run_files(&args.rules, &args.inputs).ok_or(ExitCode::from(EXIT_INVALID))?;
    let comparison = compare(
        &run.evaluated(),
        &run.loaded.dataset,
        &landmarks,
        args.landmark_window,
    );
    Ok((run, comparison))
}

fn pct(x: f64) -> String {
    format!("{}%", number(x))
}

/// The comparison for people.
pub fn write_table(out: &mut impl Write, c: &Comparison, window: f64) -> io::Result<()> {
    writeln!(out, "Summary")?;
    for s in &c.summary {
        writeln!(out, "\n{} — {} (n = {})", s.criteria, s.title, s.n)?;
        let best: Vec<String> = s
            .categories
            .iter()
            .map(|k| {
                let n = s.counts.get(k).copied().unwrap_or(0);
                format!(
                    "{k} {n} ({})",
                    pct(s.percent.get(k).copied().unwrap_or(0.0))
                )
            })
            .collect();
        writeln!(out, "  best response: {}", best.join(", "))?;
        let t = &s.time_to_remission_days;
        match (t.median, t.p25, t.p75) {
            (Some(m), Some(lo), Some(hi)) => writeln!(
                out,
                "  days to first remission: median {} ({}, {}), n = {} [{}]",
                number(m),
                number(lo),
                number(hi),
                t.n,
                t.method
            )?,
            _ => writeln!(out, "  days to first remission: no remission")?,
        }
        match (s.relapses, s.relapses_per_patient_month) {
            (Some(r), Some(rate)) => writeln!(
                out,
                "  relapses: {r} in {} days of follow-up, {} per patient-month",
                s.followup_days,
                number(rate)
            )?,
            (Some(r), None) => writeln!(out, "  relapses: {r} (no follow-up)")?,
            (None, _) => writeln!(out, "  relapses: the file has no `relapse` event")?,
        }
        for (label, l) in &s.landmarks {
            let states: Vec<String> = l.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(
                out,
                "  at {label} (day {}, nearest assessment within {} days): {}",
                number(l.day),
                number(window),
                states.join(", ")
            )?;
        }
        for (name, p) in &s.phenotypes {
            writeln!(
                out,
                "  {name}: true {}, false {}, unknown {}",
                p.yes, p.no, p.unknown
            )?;
        }
    }
    if !c.agreement.is_empty() {
        writeln!(out, "\nAgreement of best responses")?;
        for a in &c.agreement {
            let kappa = match (a.kappa, a.kappa_ci) {
                (Some(k), Some([lo, hi])) => format!(
                    "kappa {} (95% CI {} to {})",
                    number(k),
                    number(lo),
                    number(hi)
                ),
                _ => "kappa undefined (one category for everyone)".into(),
            };
            writeln!(
                out,
                "\n{} vs {}: n = {}, agreement {}, {kappa}",
                a.a,
                a.b,
                a.n,
                pct(100.0 * a.agreement)
            )?;
            let labels = &a.labels;
            let mut header = vec![format!("{} \\ {}", a.a, a.b)];
            header.extend(labels.iter().cloned());
            let rows: Vec<Vec<String>> = labels
                .iter()
                .map(|row| {
                    let cols = a.confusion.get(row);
                    let mut r = vec![row.clone()];
                    r.extend(labels.iter().map(|l| {
                        cols.and_then(|c| c.get(l))
                            .copied()
                            .unwrap_or(0)
                            .to_string()
                    }));
                    r
                })
                .collect();
            write_aligned(out, &header, &rows)?;
        }
        if let Some(a) = c.agreement.first() {
            writeln!(out, "({})", a.kappa_method)?;
        }
    }
    if !c.discordant.is_empty() {
        writeln!(out, "\nDiscordant patients")?;
        for d in &c.discordant {
            writeln!(
                out,
                "  {} ({} vs {}): {}",
                d.patient, d.a, d.b, d.explanation
            )?;
        }
    }
    Ok(())
}

/// The comparison as tidy CSV: `section,criteria,other,key,value`.
fn write_csv(out: &mut impl Write, c: &Comparison) -> io::Result<()> {
    let header: Vec<String> = ["section", "criteria", "other", "key", "value"]
        .map(String::from)
        .to_vec();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut row = |section: &str, criteria: &str, other: &str, key: &str, value: String| {
        rows.push(vec![
            Cell::Text(section.into()),
            Cell::Text(criteria.into()),
            Cell::Text(other.into()),
            Cell::Text(key.into()),
            Cell::Text(value),
        ]);
    };
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for s in &c.summary {
        row("summary", &s.criteria, "", "n", s.n.to_string());
        for k in &s.categories {
            row(
                "summary",
                &s.criteria,
                "",
                &format!("count:{k}"),
                s.counts.get(k).copied().unwrap_or(0).to_string(),
            );
        }
        let t = &s.time_to_remission_days;
        row(
            "summary",
            &s.criteria,
            "",
            "time_to_remission_days:n",
            t.n.to_string(),
        );
        row(
            "summary",
            &s.criteria,
            "",
            "time_to_remission_days:median",
            opt(t.median),
        );
        row(
            "summary",
            &s.criteria,
            "",
            "time_to_remission_days:p25",
            opt(t.p25),
        );
        row(
            "summary",
            &s.criteria,
            "",
            "time_to_remission_days:p75",
            opt(t.p75),
        );
        row(
            "summary",
            &s.criteria,
            "",
            "relapses",
            s.relapses.map_or(String::new(), |r| r.to_string()),
        );
        row(
            "summary",
            &s.criteria,
            "",
            "relapses_per_patient_month",
            opt(s.relapses_per_patient_month),
        );
        for (label, l) in &s.landmarks {
            for (state, n) in &l.counts {
                row(
                    "summary",
                    &s.criteria,
                    "",
                    &format!("at:{label}:{state}"),
                    n.to_string(),
                );
            }
        }
        for (name, p) in &s.phenotypes {
            row(
                "summary",
                &s.criteria,
                "",
                &format!("phenotype:{name}:true"),
                p.yes.to_string(),
            );
            row(
                "summary",
                &s.criteria,
                "",
                &format!("phenotype:{name}:false"),
                p.no.to_string(),
            );
            row(
                "summary",
                &s.criteria,
                "",
                &format!("phenotype:{name}:unknown"),
                p.unknown.to_string(),
            );
        }
    }
    for a in &c.agreement {
        row("agreement", &a.a, &a.b, "n", a.n.to_string());
        row(
            "agreement",
            &a.a,
            &a.b,
            "agreement",
            a.agreement.to_string(),
        );
        row("agreement", &a.a, &a.b, "kappa", opt(a.kappa));
        row(
            "agreement",
            &a.a,
            &a.b,
            "kappa_ci_low",
            opt(a.kappa_ci.map(|c| c[0])),
        );
        row(
            "agreement",
            &a.a,
            &a.b,
            "kappa_ci_high",
            opt(a.kappa_ci.map(|c| c[1])),
        );
        for (r, cols) in &a.confusion {
            for (col, n) in cols {
                row(
                    "agreement",
                    &a.a,
                    &a.b,
                    &format!("confusion:{r}:{col}"),
                    n.to_string(),
                );
            }
        }
    }
    for d in &c.discordant {
        row("discordant", &d.a, &d.b, &d.patient, d.explanation.clone());
    }
    write_rows(out, Format::Csv, &header, &rows)
}
