//! Helpers shared by the data tests.
#![allow(dead_code)]

use nephrules::data::{self, Files, LoadOptions, Loaded, Loader, Mapping};
use std::path::PathBuf;

/// A file under `../shared/data`, or `None` (with a note on stderr) when
/// that folder is absent, so that the test can return early and pass.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("note: {} is absent; test skipped", path.display());
        None
    }
}

/// A mapping shipped in `mappings/`.
pub fn mapping(name: &str) -> Mapping {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("mappings")
        .join(name);
    match Mapping::load(&path) {
        Ok(m) => m,
        Err(e) => panic!("{e:?}"),
    }
}

/// Load files with a mapping, skipping bad rows or not.
pub fn load(
    files: &Files,
    mapping: Option<&Mapping>,
    skip: bool,
) -> Result<Loaded, data::DataError> {
    data::load(
        files,
        &LoadOptions {
            mapping,
            skip_bad_rows: skip,
        },
    )
}

/// Load an observations table given as text.
pub fn load_text(
    csv: &str,
    mapping: Option<&Mapping>,
    skip: bool,
) -> Result<Loaded, data::DataError> {
    let mut loader = Loader::new(LoadOptions {
        mapping,
        skip_bad_rows: skip,
    });
    loader.read_observations("obs.csv", csv.as_bytes())?;
    loader.finish()
}

/// The raw records of a CSV file, header first, read with the csv crate.
pub fn raw(path: &PathBuf) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = match csv::Reader::from_path(path) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let header = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let rows = reader
        .records()
        .map(|r| match r {
            Ok(r) => r.iter().map(str::to_string).collect(),
            Err(e) => panic!("{e}"),
        })
        .collect();
    (header, rows)
}

/// Whether two floats agree to a relative 1e-12.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}
