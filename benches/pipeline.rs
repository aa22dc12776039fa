//! Benchmarks of each stage: parse and check every shipped criteria file,
//! load a synthetic cohort, compile, and evaluate it.
//!
//! ```text
//! cargo bench --bench pipeline
//! ```
//!
//! The figures and the machine they were taken on are in BENCHMARKS.md.

use nephrules::check::{check, check_source, Options};
use nephrules::data::{Dataset, LoadOptions, Loader};
use nephrules::diagnostics::Source;
use nephrules::eval::evaluate_all;
use nephrules::plan::{compile, Plan};
use nephrules::synth::{generate, Options as SynthOptions};

fn main() {
    divan::main();
}

fn rules() -> Vec<Source> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("rules").into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rules") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(Source::new(path.display().to_string(), text));
            }
        }
    }
    out
}

/// Parse every file in `rules/`.
#[divan::bench]
fn parse_all_rules(bencher: divan::Bencher) {
    let sources = rules();
    bencher.bench(|| {
        for s in &sources {
            divan::black_box(nephrules::syntax::parse(&s.text).ok());
        }
    });
}

/// Parse and check every file in `rules/` (what `nephrules check rules/` does).
#[divan::bench]
fn check_all_rules(bencher: divan::Bencher) {
    let sources = rules();
    bencher.bench(|| {
        for s in &sources {
            if let Ok(file) = nephrules::syntax::parse(&s.text) {
                divan::black_box(check(&file, Options::default()));
            }
        }
    });
}

struct Cohort {
    observations: Vec<u8>,
    treatments: Vec<u8>,
}

fn cohort(patients: usize) -> Cohort {
    let (mut observations, mut treatments) = (Vec::new(), Vec::new());
    let options = SynthOptions {
        patients,
        visits: 24,
        seed: 1,
    };
    let _ = generate(options, &mut observations, Some(&mut treatments));
    Cohort {
        observations,
        treatments,
    }
}

fn load(c: &Cohort) -> Dataset {
    let mut loader = Loader::new(LoadOptions::default());
    let _ = loader.read_observations("obs", c.observations.as_slice());
    let _ = loader.read_treatments("treatments", c.treatments.as_slice());
    loader.finish().map(|l| l.dataset).unwrap_or_default()
}

fn paper() -> Plan {
    let text = std::fs::read_to_string("rules/zhengzhou-2023-rtx-fsgs.rules").unwrap_or_default();
    match check_source(&Source::new("z", text), Options::default()) {
        Ok((file, checked)) => compile(&file, &checked).unwrap_or_else(|e| panic!("{e}")),
        Err(d) => panic!("{}", d.render(nephrules::diagnostics::RenderStyle::Plain)),
    }
}

/// Load a synthetic cohort of N patients x 24 visits x 3 measures from memory.
#[divan::bench(args = [1000, 5000])]
fn load_cohort(bencher: divan::Bencher, patients: usize) {
    let c = cohort(patients);
    bencher
        .counter(divan::counter::ItemsCount::new(patients * 72))
        .bench(|| divan::black_box(load(&c)));
}

/// Compile the paper's criteria.
#[divan::bench]
fn compile_paper(bencher: divan::Bencher) {
    bencher.bench(paper);
}

/// Evaluate the paper's criteria over a loaded cohort (rayon across patients).
#[divan::bench(args = [1000, 5000])]
fn evaluate_cohort(bencher: divan::Bencher, patients: usize) {
    let dataset = load(&cohort(patients));
    let plan = paper();
    bencher
        .counter(divan::counter::ItemsCount::new(patients))
        .bench(|| divan::black_box(evaluate_all(&plan, &dataset)));
}
