//! The `newsdrop` binary: parses the command line, sets up logging, and hands over to the
//! library crates. Exit codes: 0 success, 1 failure, 78 (EX_CONFIG) a config error.

mod cli;
mod commands;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.log_format, cli.log_level.as_deref());
    commands::dispatch(cli.command)
}
