//! Summaries (one row per patient) say what the full outcomes say: for every
//! shipped criteria file, over synthetic cohorts and the examples (which
//! have patients the index drug was never given to), each patient's best
//! response, days, last state, events and phenotypes agree.

use nephrules::check::{check_source, Options};
use nephrules::data::{Dataset, LoadOptions, Loader};
use nephrules::diagnostics::Source;
use nephrules::eval::outcome::NE;
use nephrules::eval::{evaluate_all, summarize_all, PatientOutcome};
use nephrules::plan::{compile, Plan};
use nephrules::synth::{generate, Options as SynthOptions};

fn plans() -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir("rules")
        .expect("rules/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("reads");
        let (file, checked) =
            check_source(&Source::new(name.clone(), text), Options::default()).expect("checks");
        out.push((name, compile(&file, &checked).expect("compiles")));
    }
    out
}

/// A synthetic cohort; without its treatments table when not `treated` (no
/// index drug was ever given: nothing can be evaluated).
fn synthetic(patients: usize, seed: u64, treated: bool) -> Dataset {
    let (mut observations, mut treatments) = (Vec::new(), Vec::new());
    let options = SynthOptions {
        patients,
        visits: 12,
        seed,
    };
    generate(options, &mut observations, Some(&mut treatments)).expect("generates");
    let mut loader = Loader::new(LoadOptions::default());
    loader
        .read_observations("obs.csv", observations.as_slice())
        .expect("loads");
    if treated {
        loader
            .read_treatments("treatments.csv", treatments.as_slice())
            .expect("loads");
    }
    loader.finish().expect("dataset").dataset
}

fn examples() -> Dataset {
    let mut loader = Loader::new(LoadOptions::default());
    loader
        .read_observations_file("examples/observations.csv".as_ref())
        .expect("loads");
    loader
        .read_treatments_file("examples/treatments.csv".as_ref())
        .expect("loads");
    loader
        .read_patients_file("examples/patients.csv".as_ref())
        .expect("loads");
    loader.finish().expect("dataset").dataset
}

fn name(plan: &Plan, category: Option<usize>) -> String {
    category
        .and_then(|k| plan.categories.get(k))
        .and_then(|&n| plan.named.get(n))
        .map_or(NE.to_string(), |n| n.name.clone())
}

/// Check that they agree; how many patients could not be evaluated.
fn agree(file: &str, plan: &Plan, dataset: &Dataset) -> usize {
    let mut notes = 0;
    let outcomes = evaluate_all(plan, dataset);
    let summaries = summarize_all(plan, dataset);
    assert_eq!(summaries.len(), outcomes.len(), "{file}");
    for (s, o) in summaries.iter().zip(&outcomes) {
        let at = format!("{file}, patient {}", o.patient);
        assert_eq!(s.id, o.patient, "{at}");
        assert_eq!(dataset.patients[s.patient].id, o.patient, "{at}");
        let summary = s.summary;
        assert_eq!(name(plan, summary.best), o.best_response, "{at}");
        assert_eq!(summary.best_response_day, o.best_response_day, "{at}");
        assert_eq!(summary.first_remission_day, o.first_remission_day, "{at}");
        assert_eq!(summary.followup_days, o.followup_days, "{at}");
        let last = summary
            .last_state
            .map(|(c, uncertain)| PatientOutcome::state_name_of(plan, c, uncertain));
        assert_eq!(last, o.last_state, "{at}");
        assert_eq!(s.events.len(), o.events.len(), "{at}");
        for (e, full) in s.events.iter().zip(&o.events) {
            assert_eq!(e.count, full.days.len(), "{at}, {}", full.name);
            assert_eq!(
                e.first_day,
                full.days.first().copied(),
                "{at}, {}",
                full.name
            );
        }
        let phenotypes: Vec<_> = o.phenotypes.iter().map(|(_, t)| *t).collect();
        assert_eq!(s.phenotypes, phenotypes.as_slice(), "{at}");
        notes += usize::from(o.note.is_some());
    }
    notes
}

#[test]
fn summaries_agree_with_outcomes() {
    let cohorts = [
        synthetic(300, 1, true),
        synthetic(300, 7, true),
        synthetic(20, 3, false),
        examples(),
    ];
    let mut notes = 0;
    for (file, plan) in plans() {
        for dataset in &cohorts {
            notes += agree(&file, &plan, dataset);
        }
    }
    // Patients who could not be evaluated were among them.
    assert!(notes > 0);
}

#[test]
fn summaries_of_no_patient_are_empty() {
    for (_, plan) in plans() {
        let summaries = summarize_all(&plan, &Dataset::default());
        assert!(summaries.is_empty());
        assert_eq!(summaries.iter().count(), 0);
    }
}
