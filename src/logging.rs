//! Logging set-up: tracing to stderr (stdout carries `process` output), text or JSON,
//! filtered by `--log-level`, else `RUST_LOG`, else `info`. Colours only on a terminal:
//! under systemd the journal (and a log file) gets plain text. The default leaves out
//! html5ever's own warnings ("foster parenting not implemented" on table soup): they are
//! about its code, not about the article, and nothing an operator can act on.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat, level: Option<&str>) {
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,html5ever=error")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
