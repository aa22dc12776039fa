//! nephrules: a rules engine and small language for nephrotic syndrome
//! response criteria.
//!
//! The pipeline, one module a stage: text → [`syntax`] (pest grammar) →
//! [`ast`] → [`check`] (names, types, units) → plan → evaluation → results.
//! [`units`] and [`measures`] are the one table of units and the one
//! vocabulary of measures that every stage shares.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod alloc;
pub mod ast;
pub mod check;
pub mod cli;
pub mod compare;
pub mod data;
pub mod diagnostics;
pub mod drugs;
pub mod eval;
pub mod files;
pub mod format;
pub mod measures;
pub mod plan;
pub mod report;
pub mod stats;
pub mod suite;
pub mod syntax;
pub mod synth;
pub mod units;
