//! Inputs found by the fuzz targets in `fuzz/` (see the README's Fuzzing
//! section), minimized and kept here so that `cargo test` guards them
//! without the fuzzer.

use nephrules::format::{fold_names, format, strip_spans, unwrap_groups};
use nephrules::syntax::parse;

/// The tree as `format_roundtrip` compares it: no spans, no parentheses,
/// names case-folded.
fn normal(text: &str) -> serde_json::Value {
    let file = parse(text).unwrap_or_else(|p| panic!("does not parse: {p:?}\n{text}"));
    fold_names(unwrap_groups(strip_spans(
        serde_json::to_value(file).expect("serializes"),
    )))
}

/// `format_roundtrip`: a measure used (in another case) before its
/// declaration is written with the declared spelling; the tree is the same
/// up to the case of names, and formatting is idempotent. Not a bug: the
/// first version of the target compared names case-sensitively.
#[test]
fn format_writes_a_measure_used_before_its_declaration_as_declared() {
    let input = "#e\nresponse\nC:albuMin>1measure albumin";
    let once = format(input).expect("formats");
    assert_eq!(once, "#e\nresponse\n  C: albumin > 1\nmeasure albumin\n");
    assert_eq!(normal(input), normal(&once));
    assert_eq!(format(&once).expect("formats"), once);
}
