//! `nephrules eval`: criteria files over patients' data, per patient or
//! per assessment day.

use super::inputs::{self, DataArgs};
use super::output::{write_rows, Cell, Format};
use super::{print_diagnostics, EXIT_INVALID};
use crate::check::{check_source, Options};
use crate::eval::{evaluate_all, PatientOutcome};
use crate::plan::{compile, Plan};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nephrules eval --rules rules/zhengzhou-2023-rtx-fsgs.rules \\\n      \
    --data examples/observations.csv --treatments examples/treatments.csv \\\n      \
    --patients examples/patients.csv --level patient --format table"
)]
pub struct Args {
    /// Criteria files (directories mean every `*.rules` under them).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// The data.
    #[command(flatten)]
    pub inputs: DataArgs,
    /// One row per patient, or one per assessment day.
    #[arg(long, value_enum, default_value_t = Level::Patient)]
    pub level: Level,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The level of the result rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// One row per criteria file and patient.
    Patient,
    /// One row per criteria file, patient and assessment day.
    Timeline,
}

/// A compiled criteria file and the stem that names it in results.
pub struct Compiled {
    /// The file's stem (`kdigo-2021-fsgs`).
    pub stem: String,
    /// The plan.
    pub plan: Plan,
}

/// Check and compile every criteria file; `None` when any is invalid (the
/// diagnostics are printed).
pub fn compile_all(paths: &[PathBuf]) -> Option<Vec<Compiled>> {
    let mut out = Vec::new();
    let mut ok = true;
    for path in crate::files::expand(paths) {
        let result = crate::files::read(&path).and_then(|s| check_source(&s, Options::default()));
        match result {
            Err(diagnostics) => {
                print_diagnostics(&diagnostics);
                ok = false;
            }
            Ok((file, checked)) => match compile(&file, &checked) {
                Ok(plan) => out.push(Compiled {
                    stem: stem(&path),
                    plan,
                }),
                Err(e) => {
                    eprintln!("error: {}: {e}", path.display());
                    ok = false;
                }
            },
        }
    }
    ok.then_some(out)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// Criteria files evaluated over loaded data.
pub struct Run {
    /// The compiled files, in the order given.
    pub compiled: Vec<Compiled>,
    /// The data.
    pub loaded: crate::data::Loaded,
    /// Per file, one outcome per patient (patients sorted).
    pub outcomes: Vec<Vec<PatientOutcome>>,
}

impl Run {
    /// Each file with its outcomes, as `compare` and `report` take them.
    pub fn evaluated(&self) -> Vec<crate::compare::Evaluated<'_>> {
        self.compiled
            .iter()
            .zip(&self.outcomes)
            .map(|(c, o)| crate::compare::Evaluated {
                stem: &c.stem,
                plan: &c.plan,
                outcomes: o,
            })
            .collect()
    }
}

/// Compile the files, load the data and evaluate every file over it, with a
/// progress bar on stderr when it is a terminal; `None` after printing the
/// diagnostics of invalid input.
pub fn run_files(rules: &[PathBuf], inputs: &DataArgs) -> Option<Run> {
    let compiled = compile_all(rules)?;
    let loaded = inputs::load(inputs).ok()?;
    // Shown only once the work has taken more than a second, and only on a
    // terminal (indicatif draws nothing when stderr is not one).
    let progress = indicatif::ProgressBar::with_draw_target(
        Some(compiled.len() as u64),
        indicatif::ProgressDrawTarget::hidden(),
    );
    progress.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} files")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    progress.set_message("evaluating");
    let started = std::time::Instant::now();
    let outcomes = compiled
        .iter()
        .map(|c| {
            let o = evaluate_all(&c.plan, &loaded.dataset);
            if progress.is_hidden() && started.elapsed() > std::time::Duration::from_secs(1) {
                progress.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            progress.inc(1);
            o
        })
        .collect();
    progress.finish_and_clear();
    Some(Run {
        compiled,
        loaded,
        outcomes,
    })
}

/// Run `eval`.
pub fn run(args: &Args) -> ExitCode {
    let Some(run) = run_files(&args.rules, &args.inputs) else {
        return ExitCode::from(EXIT_INVALID);
    };
    let results: Vec<(&Compiled, Vec<PatientOutcome>)> =
        run.compiled.iter().zip(run.outcomes).collect();
    let (header, rows) = match args.level {
        Level::Patient => patient_rows(&results),
        Level::Timeline => timeline_rows(&results),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // A closed pipe (`| head`) is not an error of the data.
    let _ = write_rows(&mut out, args.format, &header, &rows).and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// The patient-level columns: the fixed ones, then each event's count and
/// first day and each phenotype, in the order files declare them (the
/// union over the files, empty where a file has no such column).
pub fn patient_rows(results: &[(&Compiled, Vec<PatientOutcome>)]) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header: Vec<String> = [
        "criteria",
        "patient",
        "best_response",
        "best_response_day",
        "first_remission_day",
        "last_state",
        "followup_days",
    ]
    .map(String::from)
    .to_vec();
    let fixed = header.len();
    for (c, _) in results {
        for &e in &c.plan.events {
            let name = c.plan.named.get(e).map_or("", |n| n.name.as_str());
            for column in [format!("{name}_count"), format!("{name}_first_day")] {
                if !header.contains(&column) {
                    header.push(column);
                }
            }
        }
    }
    for (c, _) in results {
        for &p in &c.plan.phenotypes {
            let name = c
                .plan
                .named
                .get(p)
                .map_or(String::new(), |n| n.name.clone());
            if !header.contains(&name) {
                header.push(name);
            }
        }
    }
    let mut rows = Vec::new();
    for (c, outcomes) in results {
        for o in outcomes {
            let mut row = vec![
                Cell::Text(c.stem.clone()),
                Cell::Text(o.patient.clone()),
                Cell::Text(o.best_response.clone()),
                Cell::int(o.best_response_day),
                Cell::int(o.first_remission_day),
                o.last_state.clone().map_or(Cell::Empty, Cell::Text),
                Cell::int(o.followup_days),
            ];
            row.resize(header.len(), Cell::Empty);
            for e in &o.events {
                if let Some(k) = header
                    .iter()
                    .position(|h| *h == format!("{}_count", e.name))
                {
                    if let Some(cell) = row.get_mut(k) {
                        *cell = Cell::Int(e.days.len() as i64);
                    }
                    if let Some(cell) = row.get_mut(k + 1) {
                        *cell = Cell::int(e.days.first().copied());
                    }
                }
            }
            for (name, truth) in &o.phenotypes {
                if let Some(k) = header.iter().skip(fixed).position(|h| h == name) {
                    if let Some(cell) = row.get_mut(fixed + k) {
                        *cell = Cell::Text(truth.word().into());
                    }
                }
            }
            rows.push(row);
        }
    }
    (header, rows)
}

/// The timeline columns: `criteria, patient, day, state, uncertain, reason`.
pub fn timeline_rows(
    results: &[(&Compiled, Vec<PatientOutcome>)],
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header = ["criteria", "patient", "day", "state", "uncertain", "reason"]
        .map(String::from)
        .to_vec();
    let mut rows = Vec::new();
    for (c, outcomes) in results {
        for o in outcomes {
            for s in &o.states {
                let state = PatientOutcome::state_name(&c.plan, s);
                let state = state.trim_end_matches('?').to_string();
                rows.push(vec![
                    Cell::Text(c.stem.clone()),
                    Cell::Text(o.patient.clone()),
                    Cell::Int(s.day),
                    Cell::Text(state),
                    Cell::Bool(s.uncertain),
                    Cell::Text(s.reason.clone()),
                ]);
            }
        }
    }
    (header, rows)
}
