//! Any text that parses formats, and the formatted text re-parses to the same
//! tree (up to spans and parentheses) and is a fixed point of the formatter.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nephrules::format::{fold_names, format, strip_spans, unwrap_groups};
use nephrules::syntax::parse;

/// A tree as JSON without spans and parentheses, names case-folded: names
/// match case-insensitively and `fmt` writes a measure with its declared
/// spelling (as `tests/format.rs` compares trees).
fn normal(file: &nephrules::ast::CriteriaFile) -> serde_json::Value {
    fold_names(unwrap_groups(strip_spans(
        serde_json::to_value(file).expect("a tree serializes"),
    )))
}


fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(before) = parse(text) else {
        return;
    };
    let once = match format(text) {
        Ok(once) => once,
        Err(problem) => panic!("a text that parses does not format: {problem:?}"),
    };
    let after = match parse(&once) {
        Ok(after) => after,
        Err(problem) => {
            panic!("the formatted text does not parse: {problem:?}\n--- formatted ---\n{once}")
        }
    };
    assert_eq!(
        normal(&before),
        normal(&after),
        "formatting changed the tree\n--- formatted ---\n{once}"
    );
    let twice = format(&once).expect("the formatted text formats");
    assert_eq!(once, twice, "formatting is not idempotent");
});
