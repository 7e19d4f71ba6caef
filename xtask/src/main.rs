//! Project automation, run as `cargo xtask <command>`. This file only dispatches; each task
//! lives in its own module.
//!
//! - `bench`: end-to-end benchmarks of the release binary (latency, burst throughput and
//!   peak memory, `process` throughput) — numbers for closing notes, never test assertions.
//! - `new-plugin NAME`, `build-plugins`: the rule-plugin workflow (see PLUGINS.md).

mod bench;
mod plugins;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bench [latency|burst|process|all] [--files N] [--postgres [--daemons N]]
                             end-to-end benchmarks of the release binary
  new-plugin NAME            make plugins/NAME from example-tagger, build it, run its examples
  build-plugins [--release]  build every plugin in one cargo call, print the libraries";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("bench") => bench::run(rest),
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
