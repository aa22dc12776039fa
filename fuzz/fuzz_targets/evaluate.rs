//! Small arbitrary timelines (a few patients, days in a small range, upcr,
//! albumin, scr, dipstick and the rest with values from zero through the
//! shipped thresholds to huge, and treatment courses) evaluated and
//! explained under every shipped criteria file. Nothing may panic.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nephrules::check::{check, Options};
use nephrules::cli::explain::explain;
use nephrules::data::{LoadOptions, Loader};
use nephrules::eval::evaluate;
use nephrules::plan::{compile, Plan};
use std::fmt::Write as _;
use std::sync::OnceLock;

const RULES: &[(&str, &str)] = &[
    (
        "fpre-troost-2018",
        include_str!("../../rules/fpre-troost-2018.rules"),
    ),
    (
        "ipna-2020-srns",
        include_str!("../../rules/ipna-2020-srns.rules"),
    ),
    (
        "ipna-2023-ssns",
        include_str!("../../rules/ipna-2023-ssns.rules"),
    ),
    (
        "kdigo-2012-fsgs",
        include_str!("../../rules/kdigo-2012-fsgs.rules"),
    ),
    (
        "kdigo-2012-mn",
        include_str!("../../rules/kdigo-2012-mn.rules"),
    ),
    (
        "kdigo-2021-fsgs",
        include_str!("../../rules/kdigo-2021-fsgs.rules"),
    ),
    (
        "kdigo-2021-mcd",
        include_str!("../../rules/kdigo-2021-mcd.rules"),
    ),
    (
        "zhengzhou-2023-rtx-fsgs",
        include_str!("../../rules/zhengzhou-2023-rtx-fsgs.rules"),
    ),
];

fn plans() -> &'static [(&'static str, Plan)] {
    static PLANS: OnceLock<Vec<(&'static str, Plan)>> = OnceLock::new();
    PLANS.get_or_init(|| {
        RULES
            .iter()
            .map(|(stem, text)| {
                let file = nephrules::syntax::parse(text).expect("a shipped file parses");
                let checked = check(&file, Options::default());
                let plan = compile(&file, &checked).expect("a shipped file compiles");
                (*stem, plan)
            })
            .collect()
    })
}

/// Values worth trying: zero, the shipped thresholds and their neighbours,
/// tiny and huge numbers.
const VALUES: &[&str] = &[
    "0",
    "0.0",
    "0.2",
    "0.3",
    "0.29",
    "0.31",
    "0.5",
    "1",
    "1.5",
    "2",
    "3",
    "3.5",
    "3.49",
    "3.51",
    "4",
    "20",
    "22.6",
    "30",
    "35",
    "100",
    "200",
    "300",
    "1000",
    "3000",
    "1e-300",
    "5e-324",
    "1e300",
    "1.7976931348623157e308",
    "-1",
    "-0",
    "1e-9",
    "88.42",
    "113.12",
];
const GRADES: &[&str] = &[
    "negative", "trace", "1+", "2+", "3+", "4+", "neg", "0", "5+",
];

/// Each measure with the units it may be written in.
const MEASURES: &[(&str, &[&str])] = &[
    ("upcr", &["g/g", "mg/mmol", "mg/g", "mg/mg", "g/L"]),
    ("albumin", &["g/L", "g/dL", "mg/dL"]),
    ("scr", &["umol/L", "mg/dL", "µmol/L", "mmol/L"]),
    ("dipstick", &["", "g/g"]),
    ("proteinuria_24h", &["g/d", "mg/d", "g/24h"]),
    ("cd19", &["cells/uL", "/mm3"]),
    ("egfr", &["mL/min/1.73m2"]),
    ("uacr", &["mg/g", "mg/mmol"]),
];
const DRUGS: &[&str] = &[
    "rituximab",
    "prednisone",
    "prednisolone",
    "tacrolimus",
    "cyclosporine",
    "mycophenolate",
    "cyclophosphamide",
    "levamisole",
    "aspirin",
];
const DOSE_UNITS: &[&str] = &[
    "mg", "mg/d", "mg/kg/d", "mg/m2", "mg/m2/d", "g", "mg/kg", "",
];

#[derive(Debug, Arbitrary)]
struct Input {
    dates: bool,
    patients: Vec<PatientIn>,
}

#[derive(Debug, Arbitrary)]
struct PatientIn {
    id: u8,
    index_date: Option<Day>,
    weight: Option<u8>,
    observations: Vec<ObservationIn>,
    courses: Vec<CourseIn>,
}

#[derive(Debug, Arbitrary)]
struct ObservationIn {
    day: Day,
    measure: u8,
    unit: u8,
    value: ValueIn,
}

#[derive(Debug, Arbitrary)]
enum ValueIn {
    Listed(u8),
    Grade(u8),
    Raw(f64),
}

#[derive(Debug, Arbitrary)]
struct CourseIn {
    drug: u8,
    start: Day,
    length: Option<u16>,
    dose: Option<u8>,
    unit: u8,
}

/// A day: mostly in a couple of years around the index, now and then far.
#[derive(Debug, Arbitrary)]
enum Day {
    Near(u16),
    Far(i32),
}

impl Day {
    fn value(&self) -> i64 {
        match self {
            Day::Near(d) => i64::from(*d % 800) - 100,
            Day::Far(d) => i64::from(*d),
        }
    }
}

fn pick<'a, T>(items: &'a [T], i: u8) -> &'a T {
    &items[usize::from(i) % items.len()]
}

/// A time as the table writes it: a day, or a date counted from 2020-01-01.
fn time(day: i64, dates: bool) -> String {
    if !dates {
        return day.to_string();
    }
    let base = 18262; // 2020-01-01 in days since 1970-01-01
    let Some(d) = day.checked_add(base) else {
        return day.to_string();
    };
    match civil_date(d) {
        Some(date) => date,
        None => day.to_string(),
    }
}

/// Days since 1970-01-01 as an ISO date (proleptic Gregorian), for years
/// 1..=9999; civil-from-days after Howard Hinnant.
fn civil_date(days: i64) -> Option<String> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (1..=9999)
        .contains(&y)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn tables(input: &Input) -> (String, String, String) {
    let column = if input.dates { "date" } else { "day" };
    let mut obs = format!("patient,{column},measure,value,unit\n");
    let mut courses = "patient,drug,start,end,dose,unit\n".to_string();
    let mut patients = "patient,weight_kg,index_date\n".to_string();
    for p in input.patients.iter().take(4) {
        let id = format!("P{}", p.id % 5);
        for o in p.observations.iter().take(24) {
            let (measure, units) = pick(MEASURES, o.measure);
            let unit = pick(units, o.unit);
            let value = match &o.value {
                ValueIn::Listed(i) => pick(VALUES, *i).to_string(),
                ValueIn::Grade(i) => pick(GRADES, *i).to_string(),
                ValueIn::Raw(v) => format!("{v:e}"),
            };
            let _ = writeln!(
                obs,
                "{id},{},{measure},{value},{unit}",
                time(o.day.value(), input.dates)
            );
        }
        for c in p.courses.iter().take(6) {
            let start = c.start.value();
            let end = c.length.map_or(String::new(), |n| {
                time(start + i64::from(n % 400), input.dates)
            });
            let dose = c
                .dose
                .map_or(String::new(), |d| pick(VALUES, d).to_string());
            let _ = writeln!(
                courses,
                "{id},{},{},{end},{dose},{}",
                pick(DRUGS, c.drug),
                time(start, input.dates),
                pick(DOSE_UNITS, c.unit)
            );
        }
        let index = p
            .index_date
            .as_ref()
            .map_or(String::new(), |d| time(d.value(), true));
        let weight = p.weight.map_or(String::new(), |w| w.to_string());
        let _ = writeln!(patients, "{id},{weight},{index}");
    }
    (obs, courses, patients)
}

fuzz_target!(|input: Input| {
    let plans = plans();
    let (obs, courses, patients) = tables(&input);
    let mut loader = Loader::new(LoadOptions {
        mapping: None,
        skip_bad_rows: true,
    });
    if loader
        .read_observations("observations.csv", obs.as_bytes())
        .is_err()
        || loader
            .read_treatments("treatments.csv", courses.as_bytes())
            .is_err()
        || loader
            .read_patients("patients.csv", patients.as_bytes())
            .is_err()
    {
        return;
    }
    let Ok(loaded) = loader.finish() else {
        return;
    };
    let dataset = &loaded.dataset;
    for (stem, plan) in plans {
        for patient in &dataset.patients {
            let outcome = evaluate(plan, patient);
            let _ = explain(stem, plan, dataset, &patient.id, None);
            if let Some(state) = outcome.states.first() {
                let _ = explain(stem, plan, dataset, &patient.id, Some(state.day));
            }
            if let Some(state) = outcome.states.last() {
                let e = explain(stem, plan, dataset, &patient.id, Some(state.day));
                if let Ok(e) = e {
                    let _ = nephrules::cli::explain::render(&e);
                }
            }
        }
    }
});
