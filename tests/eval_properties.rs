//! Properties of evaluation: results never depend on the order of the input
//! rows, on the units the data are written in, or on rows of measures the
//! criteria do not use.

use nephrules::check::{check_source, Options};
use nephrules::data::{LoadOptions, Loader};
use nephrules::diagnostics::Source;
use nephrules::eval::evaluate_all;
use nephrules::plan::{compile, Plan};
use proptest::prelude::*;

fn paper_plan() -> Plan {
    let text = std::fs::read_to_string("rules/zhengzhou-2023-rtx-fsgs.rules").expect("rules file");
    let (file, checked) =
        check_source(&Source::new("z.rules", text), Options::default()).expect("checks");
    compile(&file, &checked).expect("compiles")
}

/// One visit: day, uPCR g/g, albumin g/L, creatinine µmol/L. Values come
/// from grids that hold the paper's thresholds, to stress the boundaries.
#[derive(Debug, Clone)]
struct Visit {
    day: i64,
    upcr: f64,
    albumin: f64,
    scr: f64,
}

fn visit() -> impl Strategy<Value = Visit> {
    (
        -20i64..400,
        prop::sample::select(vec![0.1, 0.29, 0.3, 0.31, 1.0, 1.75, 3.4, 3.5, 3.6, 7.0]),
        prop::sample::select(vec![18.0, 20.0, 30.0, 35.0, 35.5, 42.0]),
        prop::sample::select(vec![70.0, 80.0, 87.5, 100.0, 125.0, 130.0]),
    )
        .prop_map(|(day, upcr, albumin, scr)| Visit {
            day,
            upcr,
            albumin,
            scr,
        })
}

fn cohort() -> impl Strategy<Value = Vec<Vec<Visit>>> {
    prop::collection::vec(prop::collection::vec(visit(), 1..8), 1..5)
}

#[derive(Debug, Clone, Copy)]
enum Units {
    Canonical,
    Other,
}

/// The cohort's observation rows (without header), one measure a row.
fn rows(cohort: &[Vec<Visit>], units: Units) -> Vec<String> {
    let mut out = Vec::new();
    for (p, visits) in cohort.iter().enumerate() {
        for v in visits {
            match units {
                Units::Canonical => {
                    out.push(format!("P{p},{},upcr,{},g/g", v.day, v.upcr));
                    out.push(format!("P{p},{},albumin,{},g/L", v.day, v.albumin));
                    out.push(format!("P{p},{},scr,{},umol/L", v.day, v.scr));
                }
                Units::Other => {
                    out.push(format!("P{p},{},upcr,{},mg/mmol", v.day, v.upcr * 113.12));
                    out.push(format!("P{p},{},albumin,{},g/dL", v.day, v.albumin / 10.0));
                    out.push(format!("P{p},{},scr,{},mg/dL", v.day, v.scr / 88.42));
                }
            }
        }
    }
    out
}

fn results(plan: &Plan, rows: &[String], patients: usize) -> String {
    let mut obs = String::from("patient,day,measure,value,unit\n");
    for r in rows {
        obs.push_str(r);
        obs.push('\n');
    }
    let mut treatments = String::from("patient,drug,start,end,dose,unit\n");
    for p in 0..patients {
        treatments.push_str(&format!("P{p},rituximab,0,0,375,mg/m2\n"));
    }
    let mut loader = Loader::new(LoadOptions {
        mapping: None,
        // Two visits of one patient may share a day: exact duplicates are
        // bad rows by design, which these properties are not about.
        skip_bad_rows: true,
    });
    loader
        .read_observations("obs.csv", obs.as_bytes())
        .expect("loads");
    loader
        .read_treatments("t.csv", treatments.as_bytes())
        .expect("loads");
    let dataset = loader.finish().expect("dataset").dataset;
    serde_json::to_string(&evaluate_all(plan, &dataset)).expect("serializes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shuffling_rows_changes_nothing(cohort in cohort(), seed in any::<u64>()) {
        let plan = paper_plan();
        let original = rows(&cohort, Units::Canonical);
        let mut shuffled = original.clone();
        // A deterministic Fisher-Yates from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = (state % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(results(&plan, &original, cohort.len()), results(&plan, &shuffled, cohort.len()));
    }

    #[test]
    fn other_units_change_nothing(cohort in cohort()) {
        let plan = paper_plan();
        prop_assert_eq!(
            results(&plan, &rows(&cohort, Units::Canonical), cohort.len()),
            results(&plan, &rows(&cohort, Units::Other), cohort.len())
        );
    }

    #[test]
    fn rows_of_unused_measures_change_nothing(cohort in cohort(), extra_days in prop::collection::vec(-20i64..400, 0..10)) {
        let plan = paper_plan();
        let base = rows(&cohort, Units::Canonical);
        let mut more = base.clone();
        for (k, day) in extra_days.iter().enumerate() {
            more.push(format!("P{},{day},egfr,{},mL/min/1.73m2", k % cohort.len(), 40 + k));
        }
        prop_assert_eq!(results(&plan, &base, cohort.len()), results(&plan, &more, cohort.len()));
    }
}
