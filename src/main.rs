//! The `nephrules` command line.

fn main() -> std::process::ExitCode {
    nephrules::cli::main()
}
