//! Project automation, run as `cargo xtask <command>`.
//!
//! - `bench`: end-to-end benchmarks of the release binary (latency, burst throughput and
//!   peak memory, `process` throughput) — numbers for closing notes, never test assertions.

mod bench;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask bench [latency|burst|process|all] [--files N]");
            std::process::exit(2);
        }
    }
}
