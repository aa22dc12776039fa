//! The design pages are the spec: the whole-file example at the top of
//! LANGUAGE.md must parse and check exactly as written. The example is kept
//! in `tests/cases/language-example.rules` so the suite runs from the repo
//! alone; when `../shared/design` is present, the copy is compared with it.

use nephrules::check::{check_source, Options};
use nephrules::diagnostics::Source;

const EXAMPLE: &str = include_str!("cases/language-example.rules");

#[test]
fn the_language_example_parses_and_checks_without_problems() {
    let source = Source::new("language-example.rules", EXAMPLE);
    let (_, checked) = check_source(&source, Options::default())
        .unwrap_or_else(|d| panic!("{}", d.render(nephrules::diagnostics::RenderStyle::Plain)));
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.model.categories, ["CR", "PR", "NR"]);
    assert_eq!(checked.model.events, ["relapse"]);
    assert_eq!(checked.model.phenotypes, ["FRNS"]);
}

#[test]
fn the_kept_example_is_the_one_in_language_md() {
    let path = std::path::Path::new("../shared/design/LANGUAGE.md");
    let Ok(page) = std::fs::read_to_string(path) else {
        eprintln!(
            "note: {} is absent; skipping the comparison with the design page",
            path.display()
        );
        return;
    };
    let block = page
        .split("```")
        .nth(1)
        .map(|b| b.trim_start_matches('\n'))
        .expect("LANGUAGE.md has a fenced example");
    assert_eq!(
        block, EXAMPLE,
        "the example on LANGUAGE.md changed: update tests/cases/language-example.rules"
    );
}
