//! One function per subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use newsdrop_core::config::DEFAULT_TOML;
use newsdrop_core::{ConfigErrors, State};
use newsdrop_daemon::layout::{Layout, lock_state_folder};
use newsdrop_daemon::{DaemonError, load};
use newsdrop_rules::Registry;
use newsdrop_store::Store;

use crate::cli::Command;

/// EX_CONFIG from sysexits.h: the config is wrong.
const EXIT_CONFIG: u8 = 78;

pub fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Run { config } => run(config),
        Command::Process {
            config,
            state,
            paths,
        } => process(config.as_deref(), state.as_deref(), &paths),
        Command::Check { config } => check(config.as_deref()),
        Command::Init { dir, force } => {
            report(init(dir.as_deref().unwrap_or(Path::new(".")), force))
        }
    }
}

/// The built-in rules, and `plugin:PATH` stages loaded by the plugin host.
fn registry() -> Registry {
    Registry::builtin().with_plugin_loader(newsdrop_plugin_host::loader())
}

fn config_error(errors: &ConfigErrors) -> ExitCode {
    for e in &errors.0 {
        eprintln!("error: {e}");
    }
    eprintln!("newsdrop: {} config error(s)", errors.0.len());
    ExitCode::from(EXIT_CONFIG)
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newsdrop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config_path: Option<PathBuf>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(Err(e).context("cannot start the runtime")),
    };
    let result = runtime.block_on(newsdrop_daemon::run(config_path, Arc::new(registry())));
    // Past the drain limit, a worker may still be inside a slow article, and the task that
    // joins the threads with it: dropping the runtime would wait for that task, so the
    // limit would not hold. What is unfinished stays in the work folder for the next start.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(DaemonError::Config(errors)) => config_error(&errors),
        Err(e) => report(Err(e.into())),
    }
}

/// A store in memory: state that is fresh and discarded (`process` without `--state`,
/// `check`, `init`).
fn scratch_store() -> anyhow::Result<Arc<Store>> {
    Ok(Arc::new(
        Store::in_memory().context("cannot open an in-memory store")?,
    ))
}

fn process(config_path: Option<&Path>, state_dir: Option<&Path>, paths: &[PathBuf]) -> ExitCode {
    // The state folder's lock, held to the end of the run: a daemon may be using it.
    let mut _state_lock = None;
    let store = match state_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .and_then(|()| {
                _state_lock = Some(lock_state_folder(dir)?);
                Ok(Arc::new(Store::open(dir)?))
            }),
        None => scratch_store(),
    };
    let store = match store {
        Ok(s) => s,
        Err(e) => return report(Err(e)),
    };
    let state: Arc<dyn State> = store.clone();
    let (config, settings) = match load(config_path, &registry(), &state) {
        Ok(loaded) => loaded,
        Err(errors) => return config_error(&errors),
    };
    let mut skipped = Vec::new();
    let recursive = config.config.intake.recursive;
    let files = newsdrop_daemon::process::expand(paths, recursive, &mut skipped);
    for e in &skipped {
        eprintln!("newsdrop: skipped: {e}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let bar = progress_bar(files.len());
    let mut err = AroundBar {
        bar: bar.as_ref(),
        inner: std::io::stderr(),
        line: Vec::new(),
    };
    let mut done = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let result =
        newsdrop_daemon::process::process(&files, &settings, &mut out, &mut err, &mut done);
    let _ = err.flush();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    drop(settings);
    if let Err(e) = store.flush_state() {
        return report(Err(e).context("cannot write the state"));
    }
    match result {
        Ok(summary) if summary.failed == 0 && skipped.is_empty() => ExitCode::SUCCESS,
        Ok(summary) => {
            if summary.failed > 0 {
                eprintln!(
                    "newsdrop: {} of {} files failed",
                    summary.failed,
                    files.len()
                );
            }
            if !skipped.is_empty() {
                let n = skipped.len();
                eprintln!(
                    "newsdrop: {n} {} could not be read",
                    if n == 1 { "path" } else { "paths" }
                );
            }
            ExitCode::FAILURE
        }
        Err(e) => report(Err(e.into())),
    }
}

/// A progress bar on stderr for more than one file, only when stderr is a terminal: piped
/// or redirected, stderr carries nothing but the error lines.
fn progress_bar(files: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if files < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files, {eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Stderr for the error lines: whole lines, each written with the bar lifted, so that
/// lines and bar do not mix (`writeln!` writes a line in several pieces).
struct AroundBar<'a> {
    bar: Option<&'a indicatif::ProgressBar>,
    inner: std::io::Stderr,
    line: Vec<u8>,
}

impl AroundBar<'_> {
    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let lines: Vec<u8> = self.line.drain(..upto).collect();
        let inner = &mut self.inner;
        match self.bar {
            Some(bar) => bar.suspend(|| inner.write_all(&lines)),
            None => inner.write_all(&lines),
        }
    }
}

impl Write for AroundBar<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        if let Some(end) = self.line.iter().rposition(|&b| b == b'\n') {
            self.emit(end + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emit(self.line.len())?;
        self.inner.flush()
    }
}

fn check(config_path: Option<&Path>) -> ExitCode {
    let state: Arc<dyn State> = match scratch_store() {
        Ok(s) => s,
        Err(e) => return report(Err(e)),
    };
    let (config, settings) = match load(config_path, &registry(), &state) {
        Ok(loaded) => loaded,
        Err(errors) => return config_error(&errors),
    };
    let layout = Layout::of(&config);
    // The store the daemon would use: read its schema version, change nothing.
    let schema = Store::schema(&config.config.store, &layout.state).and_then(|s| s.describe());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "config: {} is valid", config.label());
    let _ = writeln!(out, "inbox:  {}", layout.inbox.display());
    let _ = writeln!(out, "outbox: {}", layout.outbox.display());
    match &schema {
        Ok(line) => {
            let _ = writeln!(out, "store:  {line}");
        }
        Err(e) => eprintln!("error: store: {e}"),
    }
    let _ = writeln!(out, "pipeline:");
    for (i, stage) in settings.pipeline.stages().iter().enumerate() {
        let about = stage.stage.describe();
        let _ = write!(out, "  {}. {} (rule {})", i + 1, stage.name, stage.rule);
        let _ = if about.is_empty() {
            writeln!(out)
        } else {
            writeln!(out, ": {about}")
        };
    }
    if schema.is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn init(dir: &Path, force: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file = dir.join("newsdrop.toml");
    if file.exists() && !force {
        anyhow::bail!("{} exists; use --force to overwrite it", file.display());
    }
    std::fs::write(&file, DEFAULT_TOML)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let state: Arc<dyn State> = scratch_store()?;
    let (config, _) = load(Some(&file), &registry(), &state).map_err(|e| anyhow::anyhow!("{e}"))?;
    Layout::of(&config).create()?;
    println!(
        "wrote {} and the folders inbox/, outbox/, archive/, failed/, .newsdrop/",
        file.display()
    );
    println!("run it with: newsdrop run --config {}", file.display());
    Ok(())
}
