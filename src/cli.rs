//! The command line: `run`, `process`, `check`, `init`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "newsdrop",
    version,
    about = "Turns a folder of dropped news articles into clean, tagged, deduplicated JSON"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Log level or filter (`info`, `debug`, `newsdrop_daemon=debug`); overrides RUST_LOG.
    #[arg(long, global = true)]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: watch the inbox, emit JSON to the outbox, until SIGTERM.
    Run {
        /// Config file; without it the embedded default runs in the working directory.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run the pipeline once over files or folders, JSON Lines to stdout.
    Process {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Keep state (dedup index, learnt chrome) here across runs; without it a fresh
        /// state is used and discarded, so runs repeat.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Files, or folders whose files run in name order.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Validate the config, build every stage, print the pipeline.
    Check {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Write the commented default config and the folders.
    Init {
        /// Where to write `newsdrop.toml` and the folders (default: here).
        dir: Option<PathBuf>,
        /// Overwrite an existing `newsdrop.toml`.
        #[arg(long)]
        force: bool,
    },
}
