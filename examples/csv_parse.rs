//! The floor for BENCHMARKS.md: what the csv crate needs to parse a file
//! (every record into one reused `ByteRecord`) and read every value of its
//! `value` column as a number, nothing else. The performance targets are
//! ratios to this.
//!
//! ```text
//! cargo run --release --example csv_parse -- /tmp/cohort.csv
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: csv_parse FILE");
        return ExitCode::from(2);
    };
    let mut reader = match csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_path(&path)
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let value_column = match reader.byte_headers() {
        Ok(h) => h.iter().position(|c| c.eq_ignore_ascii_case(b"value")),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut numbers, mut sum) = (0u64, 0u64, 0.0f64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                rows += 1;
                let cell = value_column.and_then(|i| record.get(i)).unwrap_or_default();
                let parsed = std::str::from_utf8(cell)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok());
                if let Some(v) = parsed {
                    numbers += 1;
                    sum += v;
                }
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("{rows} rows, {numbers} numbers in `value` (sum {sum})");
    ExitCode::SUCCESS
}
