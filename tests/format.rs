//! Golden cases for `nephrules fmt`: each input formats to the expected text,
//! the expected text is a fixed point, and formatting never changes the tree.

use nephrules::format::{fold_names, format, strip_spans};
use nephrules::syntax::parse;

/// The tree of `text` as JSON without spans, names case-folded (as the
/// language compares them: `fmt` writes measures with their declared case).
fn tree(text: &str) -> serde_json::Value {
    let file = parse(text).unwrap_or_else(|p| panic!("does not parse: {p:?}\n{text}"));
    fold_names(strip_spans(serde_json::to_value(file).expect("serializes")))
}

/// `input` formats to `expected`, which formats to itself, and both parse to
/// the same tree as `input`.
fn check(input: &str, expected: &str) {
    let formatted = format(input).unwrap_or_else(|p| panic!("does not format: {p:?}"));
    assert_eq!(
        formatted, expected,
        "\n--- got ---\n{formatted}\n--- want ---\n{expected}"
    );
    let again = format(&formatted).expect("formats again");
    assert_eq!(again, formatted, "not idempotent");
    assert_eq!(tree(&formatted), tree(input), "formatting changed the tree");
}

const LANGUAGE_EXAMPLE: &str = r#"criteria "Zhengzhou rituximab FSGS cohort"
  source "Retrospective, 14 adults with primary FSGS, rituximab 375 mg/m2 x1-2"
  index  first rituximab                 # day 0 of each patient

measure uPCR     in g/g      valid 14 days
measure albumin  in g/L      valid 14 days
measure scr      in umol/L   valid 30 days

baseline: last value from 30 days before index to index
stable:   within 25% of baseline         # the paper leaves "stable" open; say what you assume

response                                 # first true line wins, top to bottom
  CR: uPCR < 0.3 and albumin > 35 and scr stable
  PR: (uPCR < 3.5 g/g or uPCR fell by > 50% from peak)
      and albumin rose from baseline
      and scr rose by < 30% from baseline
  NR: otherwise

define remission: CR or PR

event relapse: uPCR >= 3.5 g/g after remission

phenotype FRNS: count relapse in any 6 months >= 2
"#;

#[test]
fn language_example() {
    check(
        LANGUAGE_EXAMPLE,
        r#"criteria "Zhengzhou rituximab FSGS cohort"
  source "Retrospective, 14 adults with primary FSGS, rituximab 375 mg/m2 x1-2"
  index first rituximab                  # day 0 of each patient

measure uPCR in g/g valid 14 days
measure albumin in g/L valid 14 days
measure scr in umol/L valid 30 days

baseline: last value from 30 days before index to index
stable: within 25% of baseline           # the paper leaves "stable" open; say what you assume

response                                 # first true line wins, top to bottom
  CR: uPCR < 0.3 and albumin > 35 and scr stable
  PR: (uPCR < 3.5 g/g or uPCR fell by > 50% from peak)
      and albumin rose from baseline
      and scr rose by < 30% from baseline
  NR: otherwise

define remission: CR or PR

event relapse: uPCR >= 3.5 g/g after remission

phenotype FRNS: count relapse in any 6 months >= 2
"#,
    );
}

#[test]
fn header_items() {
    check(
        "criteria   \"a \\\"quoted\\\" \\\\ title # not a comment\"\nsource \"s\"\nindex first rituximab\n",
        "criteria \"a \\\"quoted\\\" \\\\ title # not a comment\"\n  source \"s\"\n  index first rituximab\n",
    );
}

#[test]
fn declarations() {
    check(
        "criteria \"x\"\nmeasure prot  is proteinuria_24h in g/d valid 14 days\nmeasure dip\nmeasure egfr in mL/min/1.73m2\n\
         measure cd19 valid 3\ndrug steroids:prednisone ,prednisolone\ndrug rituximab\n",
        "criteria \"x\"\nmeasure prot is proteinuria_24h in g/d valid 14 days\nmeasure dip\nmeasure egfr in mL/min/1.73m2\n\
         measure cd19 valid 3\ndrug steroids: prednisone, prednisolone\ndrug rituximab\n",
    );
}

#[test]
fn reference_rules() {
    check(
        "criteria \"x\"\nbaseline: mean value from 30 days before index to 7 days after index\n\
         baseline: median value from index to index\nbaseline: first value from 1 day before index to index\n\
         baseline: highest value from index to index\nbaseline: lowest value from index to index\n\
         stable: rose by <= 10 g/L from nadir since index\nstable: fell from previous\nlandmark window:14 days\n",
        "criteria \"x\"\nbaseline: mean value from 30 days before index to 7 days after index\n\
         baseline: median value from index to index\nbaseline: first value from 1 day before index to index\n\
         baseline: highest value from index to index\nbaseline: lowest value from index to index\n\
         stable: rose by <= 10 g/L from nadir since index\nstable: fell from previous\nlandmark window: 14 days\n",
    );
}

#[test]
fn predicates_and_values() {
    check(
        "criteria \"x\"\n\
         define a: upcr == 3 and upcr ≠ 3 and upcr ≤ 3 and upcr ≥ 3 and upcr != 3\n\
         define b: upcr >= 2 x baseline and upcr >= 2 × peak upcr since index and upcr < 1.5 * nadir since index\n\
         define c: baseline upcr > previous upcr and peak upcr since index > 0 and dipstick >= 2+\n\
         define d: dipstick <= trace or dipstick = negative or 25% < upcr\n\
         define e: upcr fell by > 50% from peak and scr within 25% of baseline and albumin rose from baseline\n\
         define f: on prednisone and prednisone tapering and prednisone for >= 12 weeks and prednisone >= 1 mg/kg/d\n\
         define g: scr stable and 1e3 < upcr and -2 < upcr and 0.30 < upcr\n",
        "criteria \"x\"\n\
         define a: upcr = 3 and upcr != 3 and upcr <= 3 and upcr >= 3 and upcr != 3\n\
         define b: upcr >= 2 x baseline\n          and upcr >= 2 x peak upcr since index\n          \
         and upcr < 1.5 x nadir since index\n\
         define c: baseline upcr > previous upcr and peak upcr since index > 0 and dipstick >= 2+\n\
         define d: dipstick <= trace or dipstick = negative or 25% < upcr\n\
         define e: upcr fell by > 50% from peak\n          and scr within 25% of baseline\n          \
         and albumin rose from baseline\n\
         define f: on prednisone\n          and prednisone tapering\n          and prednisone for >= 12 weeks\n          \
         and prednisone >= 1 mg/kg/d\n\
         define g: scr stable and 1e3 < upcr and -2 < upcr and 0.30 < upcr\n",
    );
}

#[test]
fn time_operators() {
    check(
        "criteria \"x\"\n\
         define a: r for 3 consecutive days and r on >= 3 consecutive day and r on 2 consecutive assessment\n\
         define b: r confirmed after ≥ 4 weeks and r within 8 weeks and r within 14 days after prednisone stop\n\
         define c: r after week 12 and r at week 36 and r by week 12 and r by day 3 and r at month 6 and r after year 1\n\
         event e: r after s after t\n\
         phenotype p: not remission by week 12\n\
         phenotype q: count relapse in any 6 months >= 2 or count relapse in first 6 months after remission >= 2\n\
         phenotype w: count relapse in first 12 months after (CR or PR) >= 4\n",
        "criteria \"x\"\n\
         define a: r for 3 consecutive days\n          and r for 3 consecutive days\n          \
         and r on 2 consecutive assessments\n\
         define b: r confirmed after >= 4 weeks\n          and r within 8 weeks\n          \
         and r within 14 days after prednisone stop\n\
         define c: r after week 12\n          and r at week 36\n          and r by week 12\n          \
         and r by day 3\n          and r at month 6\n          and r after year 1\n\
         event e: r after s after t\n\
         phenotype p: not remission by week 12\n\
         phenotype q: count relapse in any 6 months >= 2\n             \
         or count relapse in first 6 months after remission >= 2\n\
         phenotype w: count relapse in first 12 months after (CR or PR) >= 4\n",
    );
}

#[test]
fn keywords_are_lowercased() {
    check(
        "CRITERIA \"x\"\n  SOURCE \"y\"\n  Index First rituximab\nMeasure uPCR In g/g Valid 14 Days\n\
         RESPONSE\n  CR: uPCR < 0.3 AND NOT on Prednisone For 3 Consecutive Days\n  NR: OTHERWISE\n\
         Define d: uPCR Fell By > 50% From Peak Since Index OR CR Within 8 Weeks\n",
        "criteria \"x\"\n  source \"y\"\n  index first rituximab\nmeasure uPCR in g/g valid 14 Days\n\
         response\n  CR: uPCR < 0.3 and not on Prednisone for 3 consecutive days\n  NR: otherwise\n\
         define d: uPCR fell by > 50% from peak since index or CR within 8 Weeks\n",
    );
}

#[test]
fn measure_names_take_the_declared_spelling() {
    check(
        "criteria \"x\"\nmeasure uPCR in g/g\nmeasure Albumin in g/L\n\
         define a: UPCR < 0.3 and upcr fell from peak and baseline upcr > 1 and 2 x baseline UPcr < upcr\n\
         define b: albumin stable and ALBUMIN > 35 and remission and Remission\n",
        "criteria \"x\"\nmeasure uPCR in g/g\nmeasure Albumin in g/L\n\
         define a: uPCR < 0.3\n          and uPCR fell from peak\n          and baseline uPCR > 1\n          \
         and 2 x baseline uPCR < uPCR\n\
         define b: Albumin stable and Albumin > 35 and remission and Remission\n",
    );
}

#[test]
fn parentheses_are_kept() {
    check(
        "criteria \"x\"\ndefine a: ((a)) and (b and c) and (not d)\ndefine b: (a or b) and c\n\
         define c: (a after b) for 3 consecutive days\ndefine d: not (a and b)\ndefine e: a after (b after c)\n",
        "criteria \"x\"\ndefine a: ((a)) and (b and c) and (not d)\ndefine b: (a or b) and c\n\
         define c: (a after b) for 3 consecutive days\ndefine d: not (a and b)\ndefine e: a after (b after c)\n",
    );
}

#[test]
fn layout_is_normalised() {
    check(
        "\n\n  criteria \"x\"   define a:b and\n c   define   b :  not\tnot a\n\n\n\n  response CR : a NR :otherwise",
        "criteria \"x\"\ndefine a: b and c\ndefine b: not not a\n\nresponse\n  CR: a\n  NR: otherwise\n",
    );
}

#[test]
fn blank_lines_between_items_are_kept_once() {
    check(
        "criteria \"x\"\n\n\n\nmeasure a\nmeasure b\n\n# about c\n\nmeasure c\nresponse\n\n  CR: a\n  PR: b\n\n  NR: otherwise\n\n",
        "criteria \"x\"\n\nmeasure a\nmeasure b\n\n# about c\n\nmeasure c\nresponse\n\n  CR: a\n  PR: b\n\n  NR: otherwise\n",
    );
}

#[test]
fn crlf_input_is_written_with_lf() {
    check(
        "criteria \"x\"  # title\r\n\r\nmeasure uPCR in g/g\r\n# own line\r\nresponse\r\n  CR: upcr < 0.3\r\n  NR: otherwise\r\n",
        "criteria \"x\"  # title\n\nmeasure uPCR in g/g\n# own line\nresponse\n  CR: uPCR < 0.3\n  NR: otherwise\n",
    );
}

#[test]
fn own_line_comments_take_the_indentation_of_what_follows() {
    check(
        "# file header\ncriteria \"x\"\n# about the source\nsource \"s\"\nresponse\n# best first\n  CR: a\n      # the rest\n  NR: otherwise\n  # after the block\ndefine d: a\n# the end\n",
        "# file header\ncriteria \"x\"\n  # about the source\n  source \"s\"\nresponse\n  # best first\n  CR: a\n  # the rest\n  NR: otherwise\n# after the block\ndefine d: a\n# the end\n",
    );
}

#[test]
fn trailing_comments_keep_their_column_when_there_is_room() {
    check(
        "criteria \"x\"\nmeasure a      # aligned\nmeasure bb     # aligned\nmeasure ccccccccccccccc in g/g # pushed\ndefine d: a#tight\n",
        "criteria \"x\"\nmeasure a      # aligned\nmeasure bb     # aligned\nmeasure ccccccccccccccc in g/g  # pushed\ndefine d: a  #tight\n",
    );
}

#[test]
fn comments_inside_an_item_are_kept() {
    check(
        "criteria \"x\"\ndefine d: a # first\n  and b # second\n  and c\ndefine e: (a # in group\n  or b)\n  # inside, own line\n  and c # last\n",
        "criteria \"x\"\ndefine d: a and b and c  # first\n# second\ndefine e: (a or b) and c  # in group\n# inside, own line\n# last\n",
    );
}

#[test]
fn comments_between_broken_lines_stay_between_them() {
    let long = "criteria \"x\"\n\
                response\n  \
                PR: (uPCR < 3.5 g/g or uPCR fell by > 50% from peak) # the ratio\n      \
                # and the serum albumin\n      \
                and albumin rose from baseline and scr rose by < 30% from baseline  # kidney function\n";
    check(
        long,
        "criteria \"x\"\n\
         response\n  \
         PR: (uPCR < 3.5 g/g or uPCR fell by > 50% from peak)  # the ratio\n      \
         # and the serum albumin\n      \
         and albumin rose from baseline\n      \
         and scr rose by < 30% from baseline                                 # kidney function\n",
    );
}

#[test]
fn long_lines_break_before_each_top_level_operator() {
    check(
        "criteria \"x\"\ndefine remission_for_this_study: uPCR < 0.3 g/g or uPCR fell by > 50% from peak since index or albumin rose from baseline\n\
         define short: a or b\n\
         event relapse_with_a_very_long_name: uPCR >= 3.5 g/g for 3 consecutive days after (remission or partial_remission_of_disease)\n",
        "criteria \"x\"\ndefine remission_for_this_study: uPCR < 0.3 g/g\n                                 \
         or uPCR fell by > 50% from peak since index\n                                 \
         or albumin rose from baseline\n\
         define short: a or b\n\
         event relapse_with_a_very_long_name: uPCR >= 3.5 g/g for 3 consecutive days after (remission or partial_remission_of_disease)\n",
    );
}

#[test]
fn eighty_eight_columns_fit() {
    let line = format!(
        "define d: a and {}",
        "b".repeat(88 - "define d: a and ".len())
    );
    assert_eq!(line.len(), 88);
    let text = format!("criteria \"x\"\n{line}\n");
    check(&text, &text);
    let longer = format!("criteria \"x\"\n{line}b\n");
    let broken = format!(
        "criteria \"x\"\ndefine d: a\n          and {}b\n",
        "b".repeat(72)
    );
    check(&longer, &broken);
}

#[test]
fn a_file_without_criteria_is_an_error() {
    assert!(format("# only a comment\n").is_err());
    assert!(format("criteria \"x\"\ndefine d: a and\n").is_err());
}

#[test]
fn a_bare_number_does_not_swallow_the_next_keyword() {
    check(
        "criteria \"x\"\nmeasure a valid 14\nresponse\n  CR: a > 3\n  NR: otherwise\ndefine d: a > 35\nevent e: d\n",
        "criteria \"x\"\nmeasure a valid 14\nresponse\n  CR: a > 3\n  NR: otherwise\ndefine d: a > 35\nevent e: d\n",
    );
}

#[test]
fn a_stable_rule_after_a_condition_is_an_item_of_its_own() {
    check(
        "criteria \"x\"\nresponse\n  CR: scr\nstable: within 25% of baseline\ndefine d: scr stable\nstable: fell from peak\n",
        "criteria \"x\"\nresponse\n  CR: scr\nstable: within 25% of baseline\ndefine d: scr stable\nstable: fell from peak\n",
    );
}

#[test]
fn a_long_either_breaks_before_each_alternative() {
    check(
        "criteria \"t\"\nmeasure uPCR in g/g\nmeasure proteinuria_24h in g/d\nresponse\n  CR: either (proteinuria_24h < 0.3 g/d and proteinuria_24h < 0.25 g/d) or (uPCR < 300 mg/g and uPCR < 250 mg/g) or uPCR < 0.1 g/g\n  NR: otherwise\n",
        "criteria \"t\"\nmeasure uPCR in g/g\nmeasure proteinuria_24h in g/d\nresponse\n  CR: either (proteinuria_24h < 0.3 g/d and proteinuria_24h < 0.25 g/d)\n      or (uPCR < 300 mg/g and uPCR < 250 mg/g)\n      or uPCR < 0.1 g/g\n  NR: otherwise\n",
    );
}
