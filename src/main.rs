//! The `nephrules` command line.

#[global_allocator]
static ALLOCATOR: nephrules::alloc::HugePages = nephrules::alloc::HugePages;

fn main() -> std::process::ExitCode {
    nephrules::cli::main()
}
