//! Project automation, run as `cargo xtask <command>`. This file only dispatches; each task
//! lives in its own module.
//!
//! - `bench`: end-to-end benchmarks of the release binary (latency, burst throughput and
//!   peak memory, `process` throughput) — numbers for closing notes, never test assertions.
//! - `soak`: the release daemon under a stream of files, kills and reloads; every file
//!   accounted for at the end (see `soak.rs`).
//! - `fuzz TARGET`: the cargo-fuzz targets in `fuzz/` (outside the workspace).
//! - `new-plugin NAME`, `build-plugins`: the rule-plugin workflow (see PLUGINS.md).

mod bench;
mod fuzz;
mod plugins;
mod soak;
mod soak_cmd;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bench [latency|burst|process|all] [--files N] [--postgres [--daemons N]]
                             end-to-end benchmarks of the release binary
  soak [--minutes N | --seconds N] [--rate FILES_PER_S] [--seed S]
                             kill -9, restart and reload the release daemon under a stream of
                             files; account for every file; one summary line
  fuzz TARGET [-- ARGS]      run a cargo-fuzz target of fuzz/ (nightly; see fuzz/README.md)
  new-plugin NAME            make plugins/NAME from example-tagger, build it, run its examples
  build-plugins [--release]  build every plugin in one cargo call, print the libraries";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("bench") => bench::run(rest),
        Some("soak") => soak_cmd::run(rest),
        Some("fuzz") => fuzz::run(rest),
        Some("new-plugin") => plugins::new_plugin(rest),
        Some("build-plugins") => plugins::build_plugins(rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}
