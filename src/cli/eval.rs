//! `nephrules eval`: criteria files over patients' data, per patient or
//! per assessment day.

use super::inputs::{self, DataArgs};
use super::output::{write_streamed, CellRef, Format, Rows};
use super::{print_diagnostics, EXIT_INVALID};
use crate::check::{check_source, Options};
use crate::data::{Dataset, Loaded};
use crate::eval::{evaluate_all, summarize_all, PatientOutcome, Summaries};
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
    let (compiled, loaded, outcomes) = evaluate_files(rules, inputs, evaluate_all)?;
    Some(Run {
        compiled,
        loaded,
        outcomes,
    })
}

/// Compile the files, load the data and evaluate every file over it with
/// `evaluate` (see [`run_files`]): the files, the data and each file's
/// results.
fn evaluate_files<T>(
    rules: &[PathBuf],
    inputs: &DataArgs,
    evaluate: impl Fn(&Plan, &Dataset) -> T,
) -> Option<(Vec<Compiled>, Loaded, Vec<T>)> {
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
    let results = compiled
        .iter()
        .map(|c| {
            let o = evaluate(&c.plan, &loaded.dataset);
            if progress.is_hidden() && started.elapsed() > std::time::Duration::from_secs(1) {
                progress.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            progress.inc(1);
            o
        })
        .collect();
    progress.finish_and_clear();
    Some((compiled, loaded, results))
}

/// Run `eval`.
pub fn run(args: &Args) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match args.level {
        // Rows per patient need no state per day, nor names per patient:
        // summaries take a small part of the memory and time.
        Level::Patient => {
            let Some((compiled, loaded, summaries)) =
                evaluate_files(&args.rules, &args.inputs, summarize_all)
            else {
                return ExitCode::from(EXIT_INVALID);
            };
            let results: Vec<(&Compiled, &Summaries)> = compiled.iter().zip(&summaries).collect();
            let rows = PatientRows::new(&results);
            let written = write_streamed(&mut out, args.format, &rows);
            drop(rows);
            drop(results);
            // The process ends here: freeing the dataset, millions of small
            // allocations, would only delay the exit (the OS reclaims it all).
            std::mem::forget((compiled, loaded, summaries));
            written
        }
        Level::Timeline => {
            let Some(run) = run_files(&args.rules, &args.inputs) else {
                return ExitCode::from(EXIT_INVALID);
            };
            let results: Vec<(&Compiled, &[PatientOutcome])> = run
                .compiled
                .iter()
                .zip(&run.outcomes)
                .map(|(c, o)| (c, o.as_slice()))
                .collect();
            let written = write_streamed(&mut out, args.format, &TimelineRows::new(&results));
            drop(results);
            // As above, and the outcomes too.
            std::mem::forget(run);
            written
        }
    };
    // A closed pipe (`| head`) is not an error of the data.
    let _ = written.and_then(|()| out.flush());
    ExitCode::SUCCESS
}

/// The patient-level rows: the fixed columns, then each event's count and
/// first day and each phenotype, in the order files declare them (the
/// union over the files, empty where a file has no such column).
pub struct PatientRows<'a> {
    results: &'a [(&'a Compiled, &'a Summaries)],
    header: Vec<String>,
    /// Per file, the names of its states (see [`States`]).
    states: Vec<States>,
}

/// The columns every patient row starts with.
const PATIENT_FIXED: [&str; 7] = [
    "criteria",
    "patient",
    "best_response",
    "best_response_day",
    "first_remission_day",
    "last_state",
    "followup_days",
];

/// A file's state names, made once: each category's, and with the doubt
/// mark (`PR?`).
struct States {
    sure: Vec<String>,
    uncertain: Vec<String>,
}

impl States {
    fn of(plan: &Plan) -> States {
        let names = |uncertain| {
            (0..plan.categories.len())
                .map(|k| PatientOutcome::state_name_of(plan, Some(k), uncertain))
                .collect()
        };
        States {
            sure: names(false),
            uncertain: names(true),
        }
    }

    /// The best response's name (`NE` for none).
    fn best(&self, category: Option<usize>) -> &str {
        category
            .and_then(|k| self.sure.get(k))
            .map_or(crate::eval::outcome::NE, String::as_str)
    }

    /// A state's name (`PR?` when uncertain, `NE` for none).
    fn state(&self, category: Option<usize>, uncertain: bool) -> &str {
        let names = if uncertain {
            &self.uncertain
        } else {
            &self.sure
        };
        category
            .and_then(|k| names.get(k))
            .map_or(crate::eval::outcome::NE, String::as_str)
    }
}

impl<'a> PatientRows<'a> {
    /// The rows of `results`, one per file and patient.
    pub fn new(results: &'a [(&'a Compiled, &'a Summaries)]) -> Self {
        let mut header: Vec<String> = PATIENT_FIXED.map(String::from).to_vec();
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
        let states = results.iter().map(|(c, _)| States::of(&c.plan)).collect();
        PatientRows {
            results,
            header,
            states,
        }
    }
}

impl Rows for PatientRows<'_> {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn each(
        &self,
        f: &mut dyn FnMut(&[CellRef<'_>]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        (0..self.parts()).try_for_each(|part| self.each_in(part, f))
    }

    /// A part a block of one file's summaries.
    fn parts(&self) -> usize {
        self.results.iter().map(|(_, s)| s.blocks()).sum()
    }

    fn each_in(
        &self,
        part: usize,
        f: &mut dyn FnMut(&[CellRef<'_>]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let header = &self.header;
        let mut row: Vec<CellRef<'_>> = Vec::with_capacity(header.len());
        let mut first = 0;
        for ((c, summaries), states) in self.results.iter().zip(&self.states) {
            let Some(block) = part.checked_sub(first).filter(|&k| k < summaries.blocks()) else {
                first += summaries.blocks();
                continue;
            };
            // Each event's and phenotype's column, found once per part: the
            // summaries list them in the plan's order.
            let name = |i: usize| c.plan.named.get(i).map_or("", |n| n.name.as_str());
            let events: Vec<Option<usize>> = c
                .plan
                .events
                .iter()
                .map(|&i| self.count_column(name(i)))
                .collect();
            let phenotypes: Vec<Option<usize>> = c
                .plan
                .phenotypes
                .iter()
                .map(|&i| self.phenotype_column(name(i)))
                .collect();
            for s in summaries.block(block) {
                let o = s.summary;
                row.clear();
                row.extend([
                    CellRef::Text(&c.stem),
                    CellRef::Text(s.id),
                    CellRef::Text(states.best(o.best)),
                    CellRef::int(o.best_response_day),
                    CellRef::int(o.first_remission_day),
                    o.last_state
                        .map_or(CellRef::Empty, |(category, uncertain)| {
                            CellRef::Text(states.state(category, uncertain))
                        }),
                    CellRef::int(o.followup_days),
                ]);
                row.resize(header.len(), CellRef::Empty);
                for (e, &column) in s.events.iter().zip(&events) {
                    if let Some(k) = column {
                        if let Some(cell) = row.get_mut(k) {
                            *cell = CellRef::Int(e.count as i64);
                        }
                        if let Some(cell) = row.get_mut(k + 1) {
                            *cell = CellRef::int(e.first_day);
                        }
                    }
                }
                for (truth, &column) in s.phenotypes.iter().zip(&phenotypes) {
                    if let Some(cell) = column.and_then(|k| row.get_mut(k)) {
                        *cell = CellRef::Text(truth.word());
                    }
                }
                f(&row)?;
            }
            return Ok(());
        }
        Ok(())
    }
}

impl PatientRows<'_> {
    /// The `<event>_count` column of an event (its first day follows).
    fn count_column(&self, event: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.strip_suffix("_count") == Some(event))
    }

    /// A phenotype's column.
    fn phenotype_column(&self, phenotype: &str) -> Option<usize> {
        let fixed = PATIENT_FIXED.len();
        self.header
            .iter()
            .skip(fixed)
            .position(|h| h == phenotype)
            .map(|k| fixed + k)
    }
}

/// The timeline rows: `criteria, patient, day, state, uncertain, reason`.
pub struct TimelineRows<'a> {
    results: &'a [(&'a Compiled, &'a [PatientOutcome])],
    header: Vec<String>,
}

impl<'a> TimelineRows<'a> {
    /// The rows of `results`, one per file, patient and assessment day.
    pub fn new(results: &'a [(&'a Compiled, &'a [PatientOutcome])]) -> Self {
        let header = ["criteria", "patient", "day", "state", "uncertain", "reason"]
            .map(String::from)
            .to_vec();
        TimelineRows { results, header }
    }
}

impl Rows for TimelineRows<'_> {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn each(
        &self,
        f: &mut dyn FnMut(&[CellRef<'_>]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for (c, outcomes) in self.results {
            for o in *outcomes {
                for s in &o.states {
                    // The state's name without the doubt mark (`uncertain`
                    // says it).
                    let state = s
                        .category
                        .and_then(|k| c.plan.categories.get(k))
                        .and_then(|&n| c.plan.named.get(n))
                        .map_or(crate::eval::outcome::NE, |n| n.name.trim_end_matches('?'));
                    f(&[
                        CellRef::Text(&c.stem),
                        CellRef::Text(&o.patient),
                        CellRef::Int(s.day),
                        CellRef::Text(state),
                        CellRef::Bool(s.uncertain),
                        CellRef::Text(&s.reason),
                    ])?;
                }
            }
        }
        Ok(())
    }
}
