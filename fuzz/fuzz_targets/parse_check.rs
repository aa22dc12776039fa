//! Arbitrary bytes as a criteria file: parse, check, and compile when the
//! check finds no error, rendering whatever diagnostics come out on the way.
//! None of it may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nephrules::check::{check, Options};
use nephrules::diagnostics::{Diagnostics, RenderStyle, Severity, Source};
use nephrules::plan::compile;
use nephrules::syntax::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source::new("fuzz.rules", text);
    let file = match parse(text) {
        Ok(file) => file,
        Err(problem) => {
            render(&source, vec![problem]);
            return;
        }
    };
    let checked = check(&file, Options { strict: true });
    let has_errors = checked
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    render(&source, checked.problems.clone());
    if !has_errors {
        let _ = compile(&file, &checked);
    }
});

/// What `nephrules check` prints, both ways: the spans of every problem
/// must lie on the text.
fn render(source: &Source, problems: Vec<nephrules::diagnostics::Problem>) {
    let diagnostics = Diagnostics {
        source: source.clone(),
        problems,
    };
    let _ = diagnostics.render(RenderStyle::Plain);
    let _ = diagnostics.to_json();
}
