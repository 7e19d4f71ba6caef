//! `newsdrop run`: wires intake, workers and committer together, and handles signals.
//!
//! Threads do the data work (intake, a worker per core, one committer); the tokio runtime
//! only waits for signals: SIGTERM/SIGINT stop intake and drain in-flight articles within
//! the drain limit, SIGHUP reloads the config (validated first; on error the old one stays).
//! A thread that stops while the daemon runs stops the daemon too, with an error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use newsdrop_core::{Config, ConfigError, ConfigErrors, InvalidConfig, LoadedConfig, State};
use newsdrop_read::Limits;
use newsdrop_rules::Registry;
use newsdrop_store::{Store, StoreError};
use tokio::signal::unix::{SignalKind, signal};

use crate::article::Settings;
use crate::commit::{Committer, Sinks};
use crate::health::Health;
use crate::http::Endpoint;
use crate::intake::{HintSender, Intake, IntakeConfig, count_inbox, hint_channel, watch};
use crate::layout::Layout;
use crate::metrics::Metrics;
use crate::outage::Outage;
use crate::progress::Progress;
use crate::sink::JsonlSink;
use crate::worker::{Shared, SharedSettings};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot watch the inbox: {0}")]
    Watch(#[from] notify::Error),
    #[error("cannot listen on {addr} ([http] listen): {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("the {0}; stopped so that the service manager restarts newsdrop")]
    ThreadStopped(String),
}

/// Reads a config file (or takes the embedded default when `path` is `None`, relative paths
/// then resolving against the working directory), validates it and builds its pipeline over
/// `state` (the store rules remember in). Every error comes back at once: those of the
/// sections and those of every stage's rule.
pub fn load(
    path: Option<&Path>,
    registry: &Registry,
    state: &Arc<dyn State>,
) -> Result<(LoadedConfig, Settings), ConfigErrors> {
    let (config, errors) = read_config(path)?;
    let settings = finish(&config, errors, registry, state)?;
    Ok((config, settings))
}

/// Reads and validates a config without building its pipeline: the config (defaults in
/// place of the sections that failed) and the errors found so far; `Err` only when there is
/// nothing to go on (unreadable file, syntax error).
pub fn read_config(path: Option<&Path>) -> Result<(LoadedConfig, Vec<ConfigError>), ConfigErrors> {
    match path {
        None => Ok((LoadedConfig::embedded(Path::new("")), Vec::new())),
        Some(path) => {
            let src = std::fs::read_to_string(path).map_err(|e| {
                ConfigErrors(vec![ConfigError {
                    file: path.display().to_string(),
                    line: 0,
                    column: 0,
                    key: String::new(),
                    message: format!("cannot read: {e}"),
                }])
            })?;
            match LoadedConfig::parse(&src, path) {
                Ok(config) => Ok((config, Vec::new())),
                Err(InvalidConfig {
                    errors,
                    partial: Some(partial),
                }) => Ok((*partial, errors.0)),
                Err(InvalidConfig {
                    errors,
                    partial: None,
                }) => Err(errors),
            }
        }
    }
}

/// Builds the settings of a read config and adds the rules' errors to `errors`.
fn finish(
    config: &LoadedConfig,
    mut errors: Vec<ConfigError>,
    registry: &Registry,
    state: &Arc<dyn State>,
) -> Result<Settings, ConfigErrors> {
    match build_settings(config, registry, state) {
        Ok(settings) if errors.is_empty() => Ok(settings),
        Ok(_) => Err(ConfigErrors(errors)),
        Err(mut rule_errors) => {
            errors.append(&mut rule_errors.0);
            errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors(errors))
        }
    }
}

/// Builds the processing settings of a config: its pipeline, limits and output options.
pub fn build_settings(
    config: &LoadedConfig,
    registry: &Registry,
    state: &Arc<dyn State>,
) -> Result<Settings, ConfigErrors> {
    Ok(Settings {
        pipeline: registry.build_with_state(config, Some(state))?,
        limits: Limits {
            max_bytes: config.config.intake.max_file_bytes,
        },
        with_removed: config.config.output.removed,
        max_attempts: config.config.store.max_attempts,
    })
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(config_path: Option<PathBuf>, registry: Arc<Registry>) -> Result<(), DaemonError> {
    // Handlers first: a SIGHUP right after READY (systemctl reload) must not kill us.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (stopped_tx, mut stopped) = tokio::sync::mpsc::unbounded_channel();
    let mut running = off_runtime(|| start(config_path.as_deref(), &registry, &stopped_tx))?;
    drop(stopped_tx);
    let shared = running.shared.clone();
    if let Some(listener) = running.http.take() {
        let endpoint = Arc::new(Endpoint {
            metrics: shared.metrics.clone(),
            health: shared.health.clone(),
            settings: Arc::downgrade(&shared.settings),
            store: Arc::downgrade(&shared.store),
            inbox: running.inbox.clone(),
            recursive: running.config.config.intake.recursive,
        });
        tokio::spawn(crate::http::serve(
            tokio::net::TcpListener::from_std(listener)?,
            endpoint,
        ));
    }
    let progress_secs = running.config.config.workers.progress_secs;
    if progress_secs > 0 {
        tokio::spawn(report_progress(
            Duration::from_secs(progress_secs),
            shared.metrics.clone(),
            running.inbox.clone(),
            running.config.config.intake.recursive,
        ));
    }
    crate::systemd::ready("watching inbox");
    tokio::spawn(crate::systemd::watchdog(shared.health.clone()));
    let mut failure = None;
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("SIGTERM: stopping intake, draining"); break; }
            Some(what) = stopped.recv() => {
                tracing::error!(
                    thread = %what,
                    "a thread of the daemon stopped while running; stopping, draining"
                );
                failure = Some(what);
                break;
            }
            _ = int.recv() => { tracing::info!("SIGINT: stopping intake, draining"); break; }
            _ = hup.recv() => {
                crate::systemd::reloading();
                let ok = off_runtime(|| reload(
                    config_path.as_deref(), &registry, &running.state, &running.layout,
                    &shared.settings, &running.config,
                ));
                shared.metrics.reload(ok);
                crate::systemd::ready(if ok { "config reloaded" } else { "reload failed; running config kept" });
            }
        }
    }

    crate::systemd::stopping();
    // Everything that holds the store is dropped off the runtime (see `off_runtime`).
    let Running {
        shared: held,
        state,
        watcher,
        hints,
        threads,
        drain,
        ..
    } = running;
    shared.health.draining.store(true, Ordering::Relaxed);
    shared.stopping.store(true, Ordering::Relaxed);
    drop(watcher);
    hints.stop();
    let joined = tokio::task::spawn_blocking(move || {
        for t in threads {
            let _ = t.join();
        }
    });
    match tokio::time::timeout(drain, joined).await {
        Ok(_) => tracing::info!("stopped; nothing in flight"),
        Err(_) => tracing::warn!(
            secs = drain.as_secs(),
            "drain limit reached; unfinished files stay in the work folder and are finished at the next start"
        ),
    }
    off_runtime(move || drop((shared, held, state)));
    failure.map_or(Ok(()), |what| Err(DaemonError::ThreadStopped(what)))
}

/// Spawns one of the daemon's threads (intake, a worker, the committer). None of them ends
/// while the daemon runs: if one does (a panic outside the rules, which the pipeline
/// catches), `stopped` hears what happened, and the daemon stops with an error instead of
/// running on without intake, or with fewer workers, unnoticed.
fn spawn_watched(
    name: String,
    stopped: &tokio::sync::mpsc::UnboundedSender<String>,
    body: impl FnOnce() + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let stopped = stopped.clone();
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let what = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
                Ok(()) => format!("{name} thread ended"),
                Err(panic) => format!("{name} thread panicked: {}", panic_message(&*panic)),
            };
            // Gone once the daemon stops: threads end then, as they should.
            let _ = stopped.send(what);
        })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Logs progress every `every` while a backlog drains (see [`crate::progress`]).
async fn report_progress(every: Duration, metrics: Arc<Metrics>, inbox: PathBuf, recursive: bool) {
    let finished = || metrics.finished.load(Ordering::Relaxed);
    let mut progress = Progress::new(std::time::Instant::now(), finished());
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let inbox = inbox.clone();
        let waiting = tokio::task::spawn_blocking(move || count_inbox(&inbox, recursive))
            .await
            .unwrap_or(0);
        let remaining = waiting as u64 + metrics.in_flight.get().max(0) as u64;
        if let Some(report) = progress.tick(std::time::Instant::now(), finished(), remaining) {
            crate::progress::log(&report);
        }
    }
}

/// A started daemon, as the signal loop needs it.
struct Running {
    /// What the workers and the committer share (store, settings, metrics, health, …).
    shared: Arc<Shared>,
    state: Arc<dyn State>,
    /// The config it started with.
    config: LoadedConfig,
    layout: Layout,
    /// The inbox, canonical.
    inbox: PathBuf,
    /// The `[http] listen` socket, bound (and non-blocking) before start-up is logged.
    http: Option<std::net::TcpListener>,
    watcher: notify::RecommendedWatcher,
    hints: HintSender,
    /// Intake, then the workers, then the committer: the order they finish in.
    threads: Vec<std::thread::JoinHandle<()>>,
    drain: Duration,
    /// The state folder's lock ([`Layout::lock_state`]), held until the process ends.
    _state_lock: std::fs::File,
}

/// Runs `f` on a plain thread and waits for it. The PostgreSQL client blocks on a runtime
/// of its own for each call (also when a connection is dropped), which tokio refuses on a
/// thread that drives this runtime; whose only other work is waiting for signals.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(t) => t,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Opens the store, builds the pipeline, recovers leftovers and starts the threads.
fn start(
    config_path: Option<&Path>,
    registry: &Registry,
    stopped: &tokio::sync::mpsc::UnboundedSender<String>,
) -> Result<Running, DaemonError> {
    // The store opens before the pipeline is built: rules keep their state in it.
    let (config, errors) = read_config(config_path)?;
    let layout = Layout::of(&config);
    layout.create()?;
    let state_lock = layout.lock_state()?;
    let archived = config.config.output.on_success == newsdrop_core::config::OnSuccess::Archive;
    layout.check_one_filesystem(archived)?;
    let store = Arc::new(Store::from_config(&config.config.store, &layout.state)?);
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    health.store_ok.store(true, Ordering::Relaxed);
    let state: Arc<dyn State> = store.clone();
    let settings = finish(&config, errors, registry, &state)?;
    let settings: SharedSettings = Arc::new(RwLock::new(Arc::new(settings)));
    let leftovers = crate::recover::recover(&layout)?;
    let c = &config.config;
    let jsonl = match &c.output.jsonl {
        Some(path) => Some(JsonlSink::open(
            &config.resolve(path),
            !leftovers.is_empty(),
        )?),
        None => None,
    };
    if let Some(table) = &c.output.table {
        store.prepare_table(table)?;
    }
    let sinks = Sinks {
        jsonl,
        table: c.output.table.clone(),
    };
    let stopping = Arc::new(AtomicBool::new(false));
    let outage = Arc::new(Outage::new(stopping.clone()));
    let workers = match c.workers.threads {
        0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        n => n,
    };

    let (queue_tx, queue_rx) = async_channel::bounded(c.intake.queue_capacity);
    // Room for a whole batch: while the committer flushes one batch, the workers finish the
    // next instead of waiting for it, so that a burst is committed in batches of hundreds
    // (a few per second) rather than of a handful.
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel(crate::commit::MAX_BATCH);
    let shared = Arc::new(Shared {
        settings: settings.clone(),
        store: store.clone(),
        outbox: layout.outbox.clone(),
        metrics: metrics.clone(),
        health: health.clone(),
        outage: outage.clone(),
        stopping: stopping.clone(),
    });
    let committer = {
        let (layout, shared) = (layout.clone(), shared.clone());
        let on_success = c.output.on_success;
        spawn_watched("committer".into(), stopped, move || {
            let cx = Committer {
                layout: &layout,
                shared: &shared,
                on_success,
            };
            crate::commit::run(&done_rx, &cx, sinks);
        })?
    };
    let mut worker_threads = Vec::with_capacity(workers);
    for i in 0..workers {
        let (queue, shared, done) = (queue_rx.clone(), shared.clone(), done_tx.clone());
        worker_threads.push(spawn_watched(format!("worker-{i}"), stopped, move || {
            crate::worker::run(&queue, &shared, &done);
        })?);
    }
    drop((queue_rx, done_tx));

    let intake_config = IntakeConfig {
        inbox: layout.canonical_inbox()?,
        work: layout.work.clone(),
        failed: layout.failed.clone(),
        settle: Duration::from_millis(c.intake.settle_ms),
        scan_interval: Duration::from_secs(c.intake.scan_interval_secs),
        recursive: c.intake.recursive,
    };
    let inbox = intake_config.inbox.clone();
    let http = match c.http.listen {
        Some(addr) => {
            let listen = |addr| {
                let listener = std::net::TcpListener::bind(addr)?;
                listener.set_nonblocking(true)?;
                Ok::<_, std::io::Error>(listener)
            };
            let listener = listen(addr).map_err(|source| DaemonError::Listen { addr, source })?;
            tracing::info!(addr = %listener.local_addr()?, "serving /metrics, /health and /ready");
            Some(listener)
        }
        None => None,
    };
    let (hints, hints_rx, overflow) = hint_channel();
    let watcher = watch(&intake_config, hints.clone())?;
    outage.rescan_with(hints.clone());
    let intake = {
        let intake = Intake::new(intake_config, queue_tx, hints_rx, overflow, &shared);
        spawn_watched("intake".into(), stopped, move || intake.run(leftovers))?
    };
    tracing::info!(
        inbox = %layout.inbox.display(),
        outbox = %layout.outbox.display(),
        state = %layout.state.display(),
        store = %store.label(),
        workers,
        stages = %stage_names(&settings),
        config = %config.label(),
        "watching inbox"
    );
    let mut threads = vec![intake];
    threads.extend(worker_threads);
    threads.push(committer);
    let drain = Duration::from_secs(c.workers.drain_timeout_secs);
    Ok(Running {
        shared,
        state,
        config,
        layout,
        inbox,
        http,
        watcher,
        hints,
        threads,
        drain,
        _state_lock: state_lock,
    })
}

fn stage_names(settings: &SharedSettings) -> String {
    let current = settings
        .read()
        .map_or_else(|p| p.into_inner().clone(), |s| s.clone());
    current
        .pipeline
        .stages()
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The keys `new` changes that a reload does not apply: the intake, the workers, the
/// committer, the store and the HTTP server read them once, at start-up. A reload applies
/// the pipeline, `intake.max_file_bytes`, `output.removed` and `store.max_attempts`.
fn read_at_start_up(old: &Config, new: &Config) -> Vec<&'static str> {
    let (i, j) = (&old.intake, &new.intake);
    let (w, x) = (&old.workers, &new.workers);
    let (o, p) = (&old.output, &new.output);
    let (s, t) = (&old.store, &new.store);
    [
        ("intake.settle_ms", i.settle_ms != j.settle_ms),
        (
            "intake.scan_interval_secs",
            i.scan_interval_secs != j.scan_interval_secs,
        ),
        (
            "intake.queue_capacity",
            i.queue_capacity != j.queue_capacity,
        ),
        ("intake.recursive", i.recursive != j.recursive),
        ("workers", w != x),
        ("output.on_success", o.on_success != p.on_success),
        ("output.jsonl", o.jsonl != p.jsonl),
        ("output.table", o.table != p.table),
        ("store.kind", s.kind != t.kind),
        ("store.url", s.url != t.url),
        ("store.pool_size", s.pool_size != t.pool_size),
        ("http", old.http != new.http),
    ]
    .into_iter()
    .filter_map(|(key, changed)| changed.then_some(key))
    .collect()
}

/// SIGHUP: validate the new config fully, then swap it in; on any error keep the old one.
/// The new pipeline is built over the same store, so the dedup index carries over.
/// Returns whether the new config is in force.
fn reload(
    path: Option<&Path>,
    registry: &Registry,
    state: &Arc<dyn State>,
    layout: &Layout,
    settings: &SharedSettings,
    running: &LoadedConfig,
) -> bool {
    let (loaded, new) = match load(path, registry, state) {
        Ok(loaded) => loaded,
        Err(errors) => {
            tracing::error!(errors = %errors, "reload failed; keeping the running config");
            return false;
        }
    };
    let mut later = read_at_start_up(&running.config, &loaded.config);
    if Layout::of(&loaded) != *layout {
        later.insert(0, "folders");
    }
    if !later.is_empty() {
        tracing::warn!(
            keys = %later.join(", "),
            "these changes take effect at the next restart; the rest is in force now"
        );
    }
    match settings.write() {
        Ok(mut s) => *s = Arc::new(new),
        Err(poisoned) => *poisoned.into_inner() = Arc::new(new),
    }
    tracing::info!(stages = %stage_names(settings), "config reloaded");
    true
}

#[cfg(test)]
mod tests {
    use newsdrop_core::Config;
    use newsdrop_core::config::OnSuccess;

    use super::{read_at_start_up, spawn_watched};

    /// A thread that panics or ends is heard of, with its name and the panic's message;
    /// the signal loop stops the daemon on it.
    #[test]
    fn a_thread_that_stops_is_reported() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let panicked = spawn_watched("worker-3".into(), &tx, || panic!("store gone: {}", 7));
        let ended = spawn_watched("intake".into(), &tx, || {});
        drop(tx);
        for thread in [panicked, ended] {
            thread
                .expect("spawned")
                .join()
                .expect("the panic is caught");
        }
        let mut heard: Vec<String> = (0..2).filter_map(|_| rx.blocking_recv()).collect();
        heard.sort();
        assert_eq!(
            heard,
            [
                "intake thread ended",
                "worker-3 thread panicked: store gone: 7"
            ]
        );
        assert!(rx.blocking_recv().is_none());
    }

    #[test]
    fn a_reload_names_the_changes_it_does_not_apply_and_only_those() {
        let old = Config::default();
        let mut new = old.clone();
        new.intake.max_file_bytes += 1;
        new.output.removed = !new.output.removed;
        new.store.max_attempts += 1;
        assert!(read_at_start_up(&old, &new).is_empty(), "all applied");
        new.intake.settle_ms += 1;
        new.output.on_success = OnSuccess::Delete;
        new.workers.threads += 1;
        assert_eq!(
            read_at_start_up(&old, &new),
            ["intake.settle_ms", "workers", "output.on_success"]
        );
    }
}
