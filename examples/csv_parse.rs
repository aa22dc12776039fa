//! The baseline for BENCHMARKS.md: only what the csv crate needs to parse a
//! file (every record into one reused `ByteRecord`), nothing else.
//!
//! ```text
//! cargo run --release --example csv_parse -- /tmp/long.csv
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
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0u64, 0usize);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                rows += 1;
                bytes += record.as_slice().len();
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("{rows} rows, {bytes} bytes of fields");
    ExitCode::SUCCESS
}
