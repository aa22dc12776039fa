//! One test per operator on small hand-made timelines, with missing values
//! and boundaries. Every expected value is worked out by hand in the
//! comment beside it from the semantics of LANGUAGE.md.

use nephrules::check::{check_source, Options};
use nephrules::data::{Dataset, LoadOptions, Loader};
use nephrules::diagnostics::{RenderStyle, Source};
use nephrules::eval::engine::{Engine, Mode};
use nephrules::eval::prepare::prepare;
use nephrules::eval::{evaluate, PatientOutcome, Truth};
use nephrules::plan::{compile, Plan};

const HEADER: &str = "criteria \"t\"
measure uPCR in g/g valid 14 days
measure albumin in g/L valid 14 days
measure scr in umol/L valid 30 days
measure dipstick
measure proteinuria_24h in g/d valid 14 days
baseline: last value from 30 days before index to index
stable: within 25% of baseline
landmark window: 14 days
";

fn plan(tail: &str) -> Plan {
    let source = Source::new("t.rules", format!("{HEADER}{tail}\n"));
    let (file, checked) = check_source(&source, Options::default())
        .unwrap_or_else(|d| panic!("{}", d.render(RenderStyle::Plain)));
    compile(&file, &checked).expect("compiles")
}

/// One patient `A` from rows `day,measure,value,unit`, optional treatments
/// rows `drug,start,end,dose,unit` and a weight.
fn dataset(rows: &str, treatments: &str, weight: Option<f64>) -> Dataset {
    let mut loader = Loader::new(LoadOptions::default());
    let mut obs = String::from("patient,day,measure,value,unit\n");
    for row in rows.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        obs.push_str(&format!("A,{row}\n"));
    }
    loader
        .read_observations("obs.csv", obs.as_bytes())
        .expect("observations load");
    if !treatments.is_empty() {
        let mut t = String::from("patient,drug,start,end,dose,unit\n");
        for row in treatments
            .split(';')
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            t.push_str(&format!("A,{row}\n"));
        }
        loader
            .read_treatments("treatments.csv", t.as_bytes())
            .expect("treatments load");
    }
    if let Some(w) = weight {
        let p = format!("patient,weight_kg\nA,{w}\n");
        loader
            .read_patients("patients.csv", p.as_bytes())
            .expect("patients load");
    }
    loader.finish().expect("dataset").dataset
}

/// `define d: EXPR`'s truth per assessment day, as `day` + T/F/?.
fn truths_with(expr: &str, rows: &str, treatments: &str, weight: Option<f64>) -> String {
    day_truths(&format!("define d: {expr}"), rows, treatments, weight)
}

/// The truth of the definition `d` in `tail` per assessment day.
fn day_truths(tail: &str, rows: &str, treatments: &str, weight: Option<f64>) -> String {
    let plan = plan(tail);
    let data = dataset(rows, treatments, weight);
    let patient = data.patients.first().expect("one patient");
    let prepared = prepare(&plan, patient).expect("index");
    let mut engine = Engine::new(&plan, &prepared);
    let d = plan.named.iter().position(|n| n.name == "d").expect("d");
    let truths = engine.named(d, Mode::Carried);
    prepared
        .days
        .iter()
        .zip(truths)
        .map(|(day, t)| {
            let mark = match t {
                Truth::True => "T",
                Truth::False => "F",
                Truth::Unknown => "?",
            };
            format!("{day}{mark}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn truths(expr: &str, rows: &str) -> String {
    truths_with(expr, rows, "", None)
}

fn outcome(tail: &str, rows: &str, treatments: &str) -> (Plan, PatientOutcome) {
    let plan = plan(tail);
    let data = dataset(rows, treatments, None);
    let o = evaluate(&plan, data.patients.first().expect("one patient"));
    (plan, o)
}

fn states(plan: &Plan, o: &PatientOutcome) -> String {
    o.states
        .iter()
        .map(|s| format!("{}:{}", s.day, PatientOutcome::state_name(plan, s)))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- values and comparisons ---------------------------------------------------

#[test]
fn comparison_boundaries() {
    // 0.29 < 0.3 yes; 0.3 < 0.3 no; 0.31 no.
    let rows = "10,upcr,0.29,g/g; 20,upcr,0.3,g/g; 30,upcr,0.31,g/g";
    assert_eq!(truths("uPCR < 0.3", rows), "10T 20F 30F");
    assert_eq!(truths("uPCR <= 0.3", rows), "10T 20T 30F");
    // The same threshold in mg/g: 300 mg/g is 0.3 g/g exactly at the boundary.
    assert_eq!(truths("uPCR < 300 mg/g", rows), "10T 20F 30F");
    // The same data in mg/mmol: 0.3 g/g x 113.12 = 33.936 mg/mmol.
    let mmol = "10,upcr,32.8048,mg/mmol; 20,upcr,33.936,mg/mmol; 30,upcr,35.0672,mg/mmol";
    assert_eq!(truths("uPCR < 0.3", mmol), "10T 20F 30F");
}

#[test]
fn values_are_carried_within_their_validity_window_only() {
    // uPCR on day 10 is valid 14 days: still current on day 24, not on 25.
    let rows = "10,upcr,0.2,g/g; 24,albumin,40,g/L; 25,albumin,40,g/L";
    assert_eq!(truths("uPCR < 0.3", rows), "10T 24T 25?");
}

#[test]
fn three_valued_and_or_not() {
    // Day 10: uPCR 0.2 (true), albumin missing (unknown).
    let rows = "10,upcr,0.2,g/g; 20,upcr,0.5,g/g";
    assert_eq!(truths("uPCR < 0.3 and albumin > 35", rows), "10? 20F");
    assert_eq!(truths("uPCR < 0.3 or albumin > 35", rows), "10T 20?");
    assert_eq!(truths("not albumin > 35", rows), "10? 20?");
}

#[test]
fn several_values_on_one_day_are_combined_by_their_median() {
    // Median of 0.2, 0.4, 0.35 is 0.35; of 0.2 and 0.5 it is 0.35.
    assert_eq!(
        truths(
            "uPCR < 0.3",
            "10,upcr,0.4,g/g; 10,upcr,0.2,g/g; 10,upcr,0.35,g/g"
        ),
        "10F"
    );
    assert_eq!(
        truths("uPCR < 0.36", "10,upcr,0.5,g/g; 10,upcr,0.2,g/g"),
        "10T"
    );
    assert_eq!(
        truths("uPCR < 0.35", "10,upcr,0.2,g/g; 10,upcr,0.5,g/g"),
        "10F"
    );
}

#[test]
fn either_passes_over_unmeasured_alternatives() {
    // Day 10: uPCR true. Day 20: uPCR false, no 24-h urine at all. Day 30:
    // 24-h urine 0.2 g/d true (uPCR of day 20 still current, false).
    let rows = "10,upcr,0.2,g/g; 20,upcr,0.5,g/g; 30,proteinuria_24h,0.2,g/d";
    assert_eq!(
        truths("either proteinuria_24h < 0.3 g/d or uPCR < 0.3", rows),
        "10T 20F 30T"
    );
    // Plain `or` keeps the doubt of the unmeasured alternative.
    assert_eq!(
        truths("proteinuria_24h < 0.3 g/d or uPCR < 0.3", rows),
        "10T 20? 30T"
    );
    // Nothing measured at all: unknown either way.
    assert_eq!(
        truths("either proteinuria_24h < 0.3 g/d or albumin > 35", rows),
        "10? 20? 30T"
    );
}

#[test]
fn dipstick_grades_are_ordinal() {
    let rows = "1,dipstick,negative,; 2,dipstick,trace,; 3,dipstick,1+,; 4,dipstick,3+,";
    assert_eq!(truths("dipstick <= trace", rows), "1T 2T 3F 4F");
    assert_eq!(truths("dipstick >= 3+", rows), "1F 2F 3F 4T");
}

// ---- reference points and changes ---------------------------------------------

#[test]
fn baseline_is_the_last_value_in_its_window() {
    // Window -30..0: the day -40 value is outside; baseline = 4.0 (day 0).
    let rows = "-40,upcr,9,g/g; -20,upcr,2,g/g; 0,upcr,4,g/g; 30,upcr,2,g/g; 40,upcr,1.9,g/g";
    // Day 30: (4 - 2) / 4 = 0.50, not > 0.50; day 40: 0.525 > 0.50.
    assert_eq!(truths("uPCR fell by > 50% from baseline", rows), "30F 40T");
    assert_eq!(truths("uPCR fell by >= 50% from baseline", rows), "30T 40T");
}

#[test]
fn a_missing_baseline_makes_changes_unknown_never_false() {
    let rows = "-40,upcr,9,g/g; 30,upcr,2,g/g";
    assert_eq!(truths("uPCR fell by > 50% from baseline", rows), "30?");
    assert_eq!(truths("uPCR < baseline uPCR", rows), "30?");
}

#[test]
fn peak_and_nadir_with_and_without_since_index() {
    // Peak over all values up to the day is 10 (day -5); since index 6.
    let rows = "-5,upcr,10,g/g; 0,upcr,3,g/g; 10,upcr,6,g/g; 20,upcr,4.5,g/g";
    // Day 10: (10 - 6)/10 = 0.4. Day 20: (10 - 4.5)/10 = 0.55 > 0.5;
    // since index (6 - 4.5)/6 = 0.25.
    assert_eq!(truths("uPCR fell by > 50% from peak", rows), "10F 20T");
    assert_eq!(
        truths("uPCR fell by > 50% from peak since index", rows),
        "10F 20F"
    );
    // Nadir up to day 10 is 3 (day 0): 6 >= 2 x 3.
    assert_eq!(truths("uPCR >= 2 x nadir", rows), "10T 20F");
}

#[test]
fn previous_is_the_observation_before_the_current_one() {
    let rows = "10,upcr,3,g/g; 20,upcr,2,g/g; 30,upcr,2.5,g/g";
    // Day 10 has no earlier value: unknown.
    assert_eq!(truths("uPCR < previous uPCR", rows), "10? 20T 30F");
}

#[test]
fn rose_from_is_strictly_above() {
    let rows = "0,albumin,20,g/L; 10,albumin,20,g/L; 20,albumin,21,g/L; 30,albumin,19,g/L";
    assert_eq!(truths("albumin rose from baseline", rows), "10F 20T 30F");
    assert_eq!(truths("albumin fell from baseline", rows), "10F 20F 30T");
}

#[test]
fn within_percent_of_baseline_is_inclusive() {
    // Baseline 100: 125 and 75 are exactly 25% away.
    let rows = "0,scr,100,umol/L; 10,scr,125,umol/L; 20,scr,126,umol/L; 30,scr,75,umol/L; 40,scr,74,umol/L";
    assert_eq!(
        truths("scr within 25% of baseline", rows),
        "10T 20F 30T 40F"
    );
    assert_eq!(truths("scr stable", rows), "10T 20F 30T 40F");
}

#[test]
fn relative_rise_and_doubling() {
    // Baseline 100: 129.9 rose 29.9% (< 30%); 130 rose 30% (not < 30%).
    let rows = "0,scr,100,umol/L; 10,scr,129.9,umol/L; 20,scr,130,umol/L; 30,scr,199,umol/L; 40,scr,200,umol/L";
    assert_eq!(
        truths("scr rose by < 30% from baseline", rows),
        "10T 20F 30F 40F"
    );
    assert_eq!(truths("scr >= 2 x baseline", rows), "10F 20F 30F 40T");
}

#[test]
fn absolute_change_converts_units() {
    // Baseline 20 g/L; 29.9 rose 9.9; 3.0 g/dL is 30 g/L, rose 10.
    let rows = "0,albumin,20,g/L; 10,albumin,29.9,g/L; 20,albumin,3.0,g/dL";
    assert_eq!(
        truths("albumin rose by >= 10 g/L from baseline", rows),
        "10F 20T"
    );
    // Creatinine: baseline 1 mg/dL = 88.42 umol/L; 1.3 mg/dL = 114.946.
    let scr = "0,scr,1,mg/dL; 10,scr,114.946,umol/L";
    assert_eq!(truths("scr rose by <= 30% from baseline", scr), "10T");
}

// ---- confirmation ---------------------------------------------------------------

#[test]
fn consecutive_days_need_fresh_values_every_day() {
    // Negative on days 5, 6, 7: each day is in the run 5..7.
    let run = "5,dipstick,negative,; 6,dipstick,negative,; 7,dipstick,negative,";
    assert_eq!(
        truths("dipstick <= trace for 3 consecutive days", run),
        "5T 6T 7T"
    );
    // A 2+ on day 6 breaks every window holding day 6; day 5 could still
    // start... no: windows of day 5 are 3..5 (days 3, 4 unobserved:
    // unknown), 4..6 and 5..7 (both hold day 6: false) -> unknown.
    let broken = "5,dipstick,negative,; 6,dipstick,2+,; 7,dipstick,negative,";
    assert_eq!(
        truths("dipstick <= trace for 3 consecutive days", broken),
        "5? 6F 7?"
    );
    // Nothing is carried forward: day 6 has only albumin, so the dipstick
    // of day 5 does not count for day 6.
    let gap = "5,dipstick,negative,; 6,albumin,40,g/L; 7,dipstick,negative,";
    assert_eq!(
        truths("dipstick <= trace on >= 3 consecutive days", gap),
        "5? 6? 7?"
    );
}

#[test]
fn consecutive_assessments() {
    // Day 40 is true but the record ends: its only full window is false
    // (30-40) and the window 40-next is unknown.
    let rows = "10,upcr,0.2,g/g; 20,upcr,0.2,g/g; 30,upcr,0.5,g/g; 40,upcr,0.2,g/g";
    assert_eq!(
        truths("uPCR < 0.3 on 2 consecutive assessments", rows),
        "10T 20T 30F 40?"
    );
}

#[test]
fn confirmed_after_four_weeks() {
    // Day 10 true, day 38 true (28 days later), nothing false between.
    let ok = "10,upcr,0.2,g/g; 20,upcr,0.2,g/g; 38,upcr,0.2,g/g";
    assert_eq!(
        truths("uPCR < 0.3 confirmed after >= 4 weeks", ok),
        "10T 20? 38?"
    );
    // Day 37 is only 27 days later.
    let early = "10,upcr,0.2,g/g; 37,upcr,0.2,g/g";
    assert_eq!(
        truths("uPCR < 0.3 confirmed after >= 4 weeks", early),
        "10? 37?"
    );
    // A false between breaks it.
    let broken = "10,upcr,0.2,g/g; 20,upcr,0.5,g/g; 38,upcr,0.2,g/g";
    assert_eq!(
        truths("uPCR < 0.3 confirmed after >= 4 weeks", broken),
        "10F 20F 38?"
    );
}

// ---- windows ----------------------------------------------------------------------

#[test]
fn within_and_after_week() {
    let rows = "56,upcr,0.2,g/g; 57,upcr,0.2,g/g; 84,upcr,0.2,g/g; 85,upcr,0.2,g/g";
    assert_eq!(truths("uPCR < 0.3 within 8 weeks", rows), "56T 57F 84F 85F");
    assert_eq!(truths("uPCR < 0.3 after week 12", rows), "56F 57F 84F 85T");
}

#[test]
fn at_week_uses_the_nearest_assessment_inside_the_landmark_window() {
    // Landmark day 252 (added as an assessment day). Nearest of 240 (12
    // days) and 260 (8 days) is 260, where uPCR is 0.5: false.
    let rows = "240,upcr,0.2,g/g; 260,upcr,0.5,g/g";
    assert_eq!(truths("uPCR < 0.3 at week 36", rows), "240F 252F 260F");
    let rows = "240,upcr,0.2,g/g; 270,upcr,0.5,g/g";
    // 270 is 18 days away (outside 14); 240 is 12 away: true, on day 252.
    assert_eq!(truths("uPCR < 0.3 at week 36", rows), "240F 252T 270F");
    // No assessment within 14 days: unknown on day 252.
    assert_eq!(
        truths("uPCR < 0.3 at week 36", "100,upcr,0.2,g/g"),
        "100F 252?"
    );
}

#[test]
fn by_week_is_a_fact_about_the_whole_record() {
    // Held on day 84 (= week 12): true on every day.
    assert_eq!(
        truths("uPCR < 0.3 by week 12", "84,upcr,0.2,g/g; 100,upcr,0.5,g/g"),
        "84T 100T"
    );
    // Held only on day 85, follow-up reached 84: false everywhere.
    assert_eq!(
        truths("uPCR < 0.3 by week 12", "50,upcr,0.5,g/g; 85,upcr,0.2,g/g"),
        "50F 85F"
    );
    // Follow-up ended on day 60: unknown.
    assert_eq!(
        truths("uPCR < 0.3 by week 12", "30,upcr,0.5,g/g; 60,upcr,0.5,g/g"),
        "30? 60?"
    );
    assert_eq!(
        truths(
            "not (uPCR < 0.3 by week 12)",
            "30,upcr,0.5,g/g; 60,upcr,0.5,g/g"
        ),
        "30? 60?"
    );
}

#[test]
fn an_unobserved_landmark_day_adds_no_doubt_to_by_week() {
    // `at week 4` elsewhere in the file adds day 28 as an assessment day;
    // with no observation that day, the 3-day run there is unknown, but
    // `cr by week 4` does not look at the landmark: it is false (days 21
    // and 35 are false and follow-up passed day 28).
    let tail = "define cr: uPCR < 0.3 for 3 consecutive days\ndefine x: cr at week 4\ndefine d: cr by week 4";
    assert_eq!(
        truths_with_tail(tail, "21,upcr,5,g/g; 35,upcr,5,g/g"),
        "21F 28F 35F"
    );
    // A condition that does look at the landmark keeps its doubt.
    let tail = "define cr: uPCR < 0.3 g/g\ndefine d: (cr at week 4) by week 5";
    assert_eq!(
        truths_with_tail(tail, "5,upcr,5,g/g; 45,upcr,5,g/g"),
        "5? 28? 45?"
    );
}

#[test]
fn after_needs_the_other_condition_on_an_earlier_assessment() {
    let rows = "10,upcr,4,g/g; 20,upcr,0.2,g/g; 30,upcr,4,g/g";
    assert_eq!(truths("uPCR >= 3.5 after uPCR < 0.3", rows), "10F 20F 30T");
}

// ---- events and counts ------------------------------------------------------------

#[test]
fn relapse_events_re_arm_on_a_fresh_remission() {
    let tail = "define remission: uPCR < 0.3\nevent relapse: uPCR >= 3.5 after remission";
    // Remission 10; high 20 (relapse), high 30 (same relapse), remission 40, high 50.
    let rows = "10,upcr,0.2,g/g; 20,upcr,4,g/g; 30,upcr,5,g/g; 40,upcr,0.2,g/g; 50,upcr,4,g/g";
    let (_, o) = outcome(tail, rows, "");
    assert_eq!(o.events[0].days, [20, 50]);
}

#[test]
fn plain_events_fire_on_rising_edges() {
    let tail = "event high: uPCR >= 3.5";
    let rows = "10,upcr,4,g/g; 20,upcr,4,g/g; 30,upcr,1,g/g; 40,upcr,4,g/g";
    let (_, o) = outcome(tail, rows, "");
    assert_eq!(o.events[0].days, [10, 40]);
}

#[test]
fn count_in_any_window() {
    let tail = "event high: uPCR >= 3.5\ndefine d: count high in any 6 months >= 2";
    // Firings on days 20 and 200: 180 days apart, within 6 months (182.625).
    assert_eq!(
        truths_with_tail(tail, "20,upcr,4,g/g; 100,upcr,1,g/g; 200,upcr,4,g/g"),
        "20F 100F 200T"
    );
    // Firings on days 20 and 210: 190 days apart.
    assert_eq!(
        truths_with_tail(tail, "20,upcr,4,g/g; 100,upcr,1,g/g; 210,upcr,4,g/g"),
        "20F 100F 210F"
    );
}

#[test]
fn count_in_first_months_after_an_anchor() {
    let tail = "event high: uPCR >= 3.5\ndefine remission: uPCR < 0.3\ndefine d: count high in first 2 months after remission >= 1";
    // Window opens on day 10 (first remission) and spans 60.875 days.
    assert_eq!(
        truths_with_tail(tail, "10,upcr,0.2,g/g; 50,upcr,4,g/g; 80,upcr,4,g/g"),
        "10F 50T 80T"
    );
    assert_eq!(
        truths_with_tail(tail, "10,upcr,0.2,g/g; 80,upcr,4,g/g"),
        "10F 80F"
    );
}

fn truths_with_tail(tail: &str, rows: &str) -> String {
    day_truths(tail, rows, "", None)
}

// ---- response blocks -----------------------------------------------------------

const RESPONSE: &str = "response
  CR: uPCR < 0.3 and albumin > 35
  PR: uPCR < 3.5
  NR: otherwise
define remission: CR or PR";

#[test]
fn the_first_true_line_wins_and_doubt_is_carried() {
    let rows = "10,upcr,5,g/g; 10,albumin,30,g/L; 20,upcr,2,g/g; 20,albumin,30,g/L; 40,upcr,0.2,g/g; 40,albumin,40,g/L; 60,upcr,0.2,g/g";
    let (plan, o) = outcome(RESPONSE, rows, "");
    // Day 10: CR false, PR false -> NR. Day 20: PR. Day 40: CR.
    // Day 60: albumin from day 40 is 20 days old (valid 14): CR unknown,
    // PR true -> PR?.
    assert_eq!(states(&plan, &o), "10:NR 20:PR 40:CR 60:PR?");
    assert!(
        o.states[3]
            .reason
            .contains("no albumin value within 14 days of day 60"),
        "{}",
        o.states[3].reason
    );
    assert_eq!(o.best_response, "CR");
    assert_eq!(o.best_response_day, Some(40));
    assert_eq!(o.first_remission_day, Some(20));
    assert_eq!(o.last_state.as_deref(), Some("PR?"));
    assert_eq!(o.followup_days, Some(60));
}

#[test]
fn nothing_true_and_something_unknown_is_ne() {
    // uPCR 5 (not < 3.5) on day 10; on day 30 no uPCR is current.
    let rows = "10,upcr,5,g/g; 30,albumin,40,g/L";
    let (plan, o) = outcome(RESPONSE, rows, "");
    assert_eq!(states(&plan, &o), "10:NR 30:NE");
    // The otherwise category ranks above NE; its day is left empty.
    assert_eq!(o.best_response, "NR");
    assert_eq!(o.best_response_day, None);
}

#[test]
fn an_uncertain_pr_counts_as_pr_for_the_best_response() {
    // uPCR 0.2 with no albumin: CR unknown (true and unknown), PR true.
    let rows = "10,upcr,0.2,g/g";
    let (plan, o) = outcome(RESPONSE, rows, "");
    assert_eq!(states(&plan, &o), "10:PR?");
    assert_eq!(o.best_response, "PR");
    assert_eq!(o.best_response_day, Some(10));
    // remission = CR or PR holds on a PR? day.
    assert_eq!(o.first_remission_day, Some(10));
}

#[test]
fn no_assessment_at_all_is_ne() {
    let (_, o) = outcome(RESPONSE, "-5,upcr,2,g/g", "");
    assert!(o.states.is_empty());
    assert_eq!(o.best_response, "NE");
    assert_eq!(o.followup_days, None);
}

#[test]
fn phenotypes_are_facts_about_the_whole_record() {
    let tail = "phenotype P: uPCR < 0.3";
    let (_, o) = outcome(tail, "10,upcr,1,g/g; 20,upcr,0.2,g/g", "");
    assert_eq!(o.phenotypes, [("P".to_string(), Truth::True)]);
    let (_, o) = outcome(tail, "10,upcr,1,g/g; 20,upcr,1,g/g", "");
    assert_eq!(o.phenotypes, [("P".to_string(), Truth::False)]);
    let (_, o) = outcome(tail, "10,upcr,1,g/g; 20,albumin,30,g/L", "");
    // Day 20: uPCR from day 10 is 10 days old: still current (valid 14).
    assert_eq!(o.phenotypes, [("P".to_string(), Truth::False)]);
    let (_, o) = outcome(tail, "10,upcr,1,g/g; 40,albumin,30,g/L", "");
    assert_eq!(o.phenotypes, [("P".to_string(), Truth::Unknown)]);
}

// ---- treatments --------------------------------------------------------------------

#[test]
fn on_a_drug_and_its_dose_per_kg() {
    // 50 mg/d for a 50 kg patient is 1 mg/kg/d; 45 mg/d is 0.9.
    let rows = "5,upcr,1,g/g; 15,upcr,1,g/g; 25,upcr,1,g/g";
    let treatments = "prednisone,0,9,50,mg/d; prednisone,10,19,45,mg/d";
    assert_eq!(
        truths_with("on prednisone", rows, treatments, Some(50.0)),
        "5T 15T 25F"
    );
    assert_eq!(
        truths_with("prednisone >= 1 mg/kg/d", rows, treatments, Some(50.0)),
        "5T 15F 25F"
    );
    // Without a weight, a per-kg dose is unknown on treatment days; off
    // treatment the dose is 0 whatever the weight.
    assert_eq!(
        truths_with("prednisone >= 1 mg/kg/d", rows, treatments, None),
        "5? 15? 25F"
    );
    assert_eq!(
        truths_with("prednisone >= 50 mg/d", rows, treatments, None),
        "5T 15F 25F"
    );
}

#[test]
fn tapering_exposure_and_stop() {
    // One continuous exposure days 0-19 (two touching courses), stop on 19.
    let rows = "5,upcr,1,g/g; 15,upcr,1,g/g; 25,upcr,1,g/g; 40,upcr,1,g/g";
    let treatments = "prednisone,0,9,60,mg/d; prednisone,10,19,30,mg/d";
    // Day 15: 30 mg below the course maximum of 60.
    assert_eq!(
        truths_with("prednisone tapering", rows, treatments, None),
        "5F 15T 25F 40F"
    );
    // Continuous exposure so far: day 5 -> 5 days, day 15 -> 15 days.
    assert_eq!(
        truths_with("prednisone for >= 14 days", rows, treatments, None),
        "5F 15T 25F 40F"
    );
    // Within 14 days after the stop on day 19: day 25 (6 days), not 40 (21).
    assert_eq!(
        truths_with(
            "uPCR >= 1 within 14 days after prednisone stop",
            rows,
            treatments,
            None
        ),
        "5F 15F 25T 40F"
    );
}

#[test]
fn the_index_drug_sets_day_zero() {
    // Rituximab first given on data day 100: data day 130 is day 30.
    let data = dataset(
        "90,upcr,5,g/g; 130,upcr,0.2,g/g",
        "rituximab,100,100,375,mg/m2",
        None,
    );
    let with_index = plan("index first rituximab\ndefine d: uPCR < 0.3");
    let prepared = prepare(&with_index, data.patients.first().expect("A")).expect("index");
    assert_eq!(prepared.days, [30]);
    // A patient who never had rituximab is not evaluable.
    let none = dataset("130,upcr,0.2,g/g", "", None);
    let o = evaluate(&with_index, none.patients.first().expect("A"));
    assert_eq!(o.best_response, "NE");
    assert!(o.note.as_deref().is_some_and(|n| n.contains("rituximab")));
}
