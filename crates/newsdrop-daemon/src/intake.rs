//! Intake: decides which inbox files are ready and claims them into the work folder.
//!
//! The filesystem is the queue. Watcher events are only hints that say where to look; a scan
//! of the inbox (at start-up, every `scan_interval_secs`, and at once after an event-queue
//! overflow) decides what is there. A file is ready when it arrived by rename or its writer
//! closed it (inotify says so), or when its size and mtime have been stable for the settle
//! time; for an empty file, a minute at least ([`EMPTY_SETTLE`]). A ready file is claimed
//! by an atomic rename into `work/` and handed to the workers through a bounded queue;
//! when the queue is full, intake waits and the rest of a burst stays in the inbox,
//! costing nothing. While the store is unreachable ([`Outage`]) nothing
//! is claimed either; a rescan follows when it is back.
//!
//! This is the only module that knows `notify`. We use its watcher directly rather than
//! notify-debouncer-full: the debouncer delays every event by its timeout and polls on a
//! timer forever, while the settle tracker below already does the debouncing where needed
//! and a renamed-in file can go to a worker at once.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher};

use crate::commit::fail_unclaimed;
use crate::health::Health;
use crate::metrics::Metrics;
use crate::metrics::StageLabel;
use crate::names::{is_ignored, shown_name, unclaimable, work_name};
use crate::outage::Outage;
use crate::worker::Shared;

/// How long a file of `size` bytes must be stable before it is taken.
fn settle_for(settle: Duration, size: u64) -> Duration {
    if size == 0 {
        settle.max(EMPTY_SETTLE)
    } else {
        settle
    }
}

/// A claimed file on its way to a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Where it sits now, in the work folder.
    pub work_path: PathBuf,
    /// Its path relative to the inbox.
    pub relative: String,
    pub claimed_at: jiff::Timestamp,
    /// For the end-to-end latency.
    pub claimed: Instant,
}

/// What the watcher tells intake.
#[derive(Debug)]
pub enum Hint {
    /// Arrived by rename or closed by its writer: ready now.
    Ready(PathBuf),
    /// Created or written: ready once it settles.
    Changed(PathBuf),
    /// Events were lost or a folder appeared: scan.
    Rescan,
    Stop,
}

/// Hints waiting for intake; more than this and they are dropped in favour of a rescan.
const HINT_CAPACITY: usize = 8192;

/// Intake's settings.
#[derive(Debug, Clone)]
pub struct IntakeConfig {
    pub inbox: PathBuf,
    pub work: PathBuf,
    /// Where a file goes that cannot be claimed under its name.
    pub failed: PathBuf,
    pub settle: Duration,
    pub scan_interval: Duration,
    pub recursive: bool,
}

/// The sending side that the watcher callback and the daemon use to wake intake.
#[derive(Clone)]
pub struct HintSender {
    tx: SyncSender<Hint>,
    overflow: Arc<AtomicBool>,
}

impl HintSender {
    /// Sends a hint; when the channel is full, remembers to rescan instead.
    pub fn send(&self, hint: Hint) {
        match self.tx.try_send(hint) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => self.overflow.store(true, Ordering::Relaxed),
        }
    }

    /// Asks intake to stop; blocks briefly if the channel is full so the stop is not lost.
    pub fn stop(&self) {
        let _ = self.tx.send(Hint::Stop);
    }
}

/// A new hint channel.
pub fn hint_channel() -> (HintSender, Receiver<Hint>, Arc<AtomicBool>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(HINT_CAPACITY);
    let overflow = Arc::new(AtomicBool::new(false));
    (
        HintSender {
            tx,
            overflow: overflow.clone(),
        },
        rx,
        overflow,
    )
}

/// Starts watching the inbox; events become hints.
pub fn watch(
    config: &IntakeConfig,
    hints: HintSender,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                if event.need_rescan() {
                    hints.send(Hint::Rescan);
                    return;
                }
                for hint in classify(&event) {
                    hints.send(hint);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "watch error; rescanning");
                hints.send(Hint::Rescan);
            }
        })?;
    let mode = if config.recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    watcher.watch(&config.inbox, mode)?;
    Ok(watcher)
}

fn classify(event: &notify::Event) -> Vec<Hint> {
    let paths = || event.paths.iter().cloned();
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
            paths().map(Hint::Ready).collect()
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => paths().map(Hint::Ready).collect(),
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => event
            .paths
            .get(1)
            .cloned()
            .map(Hint::Ready)
            .into_iter()
            .collect(),
        // A new folder: files may have landed in it before its watch was added.
        EventKind::Create(CreateKind::Folder) => vec![Hint::Rescan],
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
            paths().map(Hint::Changed).collect()
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::Any)) => {
            paths().map(Hint::Changed).collect()
        }
        _ => Vec::new(),
    }
}

/// A file seen being written, waiting to settle.
struct Settling {
    size: u64,
    mtime: SystemTime,
    stable_since: Instant,
}

/// The intake loop's state.
pub struct Intake {
    config: IntakeConfig,
    queue: async_channel::Sender<Claimed>,
    hints: Receiver<Hint>,
    overflow: Arc<AtomicBool>,
    stopping: Arc<AtomicBool>,
    outage: Arc<Outage>,
    settling: HashMap<PathBuf, Settling>,
    next_claim: AtomicU64,
    /// Non-regular entries already reported, so a symlink is logged once, not every scan.
    reported: HashMap<PathBuf, ()>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    /// The work folder is gone (the state folder deleted under the daemon): intake stops,
    /// and with it the daemon (see `run::spawn_watched`), rather than claim nothing, silently.
    work_gone: bool,
}

/// Most files tracked while settling; beyond this the periodic scan picks them up.
const MAX_SETTLING: usize = 65_536;

/// How long an empty file must stay empty, its writer not having closed it, before it is
/// taken (and failed as empty). A writer that creates its file, then fetches what to write
/// (a crawler over the network), leaves it empty for longer than the settle time: taken
/// then, it failed as "empty file", and the text written after went into `failed/`. Vector
/// waits likewise for a file to have bytes to fingerprint before it reads it.
const EMPTY_SETTLE: Duration = Duration::from_secs(60);

impl Intake {
    /// `shared` gives the flags intake heeds (stopping, store outage, blocked writes) and the
    /// metrics it counts into.
    pub fn new(
        config: IntakeConfig,
        queue: async_channel::Sender<Claimed>,
        hints: Receiver<Hint>,
        overflow: Arc<AtomicBool>,
        shared: &Shared,
    ) -> Self {
        let base = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Intake {
            config,
            queue,
            hints,
            overflow,
            stopping: shared.stopping.clone(),
            outage: shared.outage.clone(),
            settling: HashMap::new(),
            next_claim: AtomicU64::new(base),
            reported: HashMap::new(),
            metrics: shared.metrics.clone(),
            health: shared.health.clone(),
            work_gone: false,
        }
    }

    /// Hands files left in the work folder by an earlier run to the workers, then watches
    /// the inbox until told to stop.
    pub fn run(mut self, leftovers: Vec<Claimed>) {
        let _running = Running::new(self.health.clone());
        for item in leftovers {
            self.metrics.files_resumed.inc();
            self.metrics.in_flight.inc();
            if !self.send(item) {
                return;
            }
        }
        self.scan();
        let mut next_scan = Instant::now() + self.config.scan_interval;
        let tick =
            (self.config.settle / 4).clamp(Duration::from_millis(20), Duration::from_millis(250));
        let mut paused = false;
        loop {
            if self.stopping.load(Ordering::Relaxed) || self.work_gone {
                return;
            }
            // Outputs or the store cannot be written: claim nothing (files wait in the
            // inbox), and look at the whole inbox again once writes succeed.
            if self.health.paused() {
                paused = true;
                match self.hints.recv_timeout(Duration::from_millis(100)) {
                    Ok(Hint::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    _ => continue,
                }
            }
            if std::mem::take(&mut paused) {
                self.settling.clear();
                self.scan();
            }
            if self.overflow.swap(false, Ordering::Relaxed) {
                tracing::info!("event queue overflowed; rescanning the inbox");
                self.scan();
            }
            let now = Instant::now();
            if now >= next_scan {
                self.scan();
                next_scan = Instant::now() + self.config.scan_interval;
            }
            let mut wait = next_scan.saturating_duration_since(Instant::now());
            if !self.settling.is_empty() {
                wait = wait.min(tick);
            }
            match self.hints.recv_timeout(wait) {
                Ok(Hint::Ready(path)) => self.consider(&path, true),
                Ok(Hint::Changed(path)) => self.consider(&path, false),
                Ok(Hint::Rescan) => self.scan(),
                Ok(Hint::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.check_settling();
        }
    }

    /// Looks at everything in the inbox.
    fn scan(&mut self) {
        let mut dirs = vec![self.config.inbox.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) => {
                    tracing::warn!(folder = %dir.display(), error = %e, "cannot scan folder");
                    continue;
                }
            };
            for entry in entries.flatten() {
                if self.stopping.load(Ordering::Relaxed) {
                    return;
                }
                let path = entry.path();
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                if is_ignored(&name.to_string_lossy()) {
                    continue;
                }
                if file_type.is_dir() {
                    if self.config.recursive {
                        dirs.push(path);
                    }
                } else if !self.settling.contains_key(&path) {
                    self.consider(&path, false);
                }
            }
        }
    }

    /// Decides about one path: claim it now, track it until it settles, or skip it.
    fn consider(&mut self, path: &Path, ready: bool) {
        let Some(relative) = self.relative(path) else {
            return;
        };
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(_) => {
                self.settling.remove(path);
                return;
            }
        };
        if !meta.file_type().is_file() {
            if !meta.is_dir()
                && self.reported.len() < MAX_SETTLING
                && self.reported.insert(path.to_path_buf(), ()).is_none()
            {
                tracing::warn!(file = %relative, "skipping: not a regular file (symlink, FIFO or device); it is never opened");
            }
            return;
        }
        let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let age = SystemTime::now().duration_since(mtime).unwrap_or_default();
        let size = meta.len();
        if ready || age >= settle_for(self.config.settle, size) {
            self.settling.remove(path);
            self.claim(path, relative);
            return;
        }
        let room = self.settling.len() < MAX_SETTLING;
        match self.settling.get_mut(path) {
            Some(s) if s.size == size && s.mtime == mtime => {}
            Some(s) => {
                s.size = size;
                s.mtime = mtime;
                s.stable_since = Instant::now();
            }
            None if room => {
                self.settling.insert(
                    path.to_path_buf(),
                    Settling {
                        size,
                        mtime,
                        stable_since: Instant::now(),
                    },
                );
            }
            None => {}
        }
    }

    /// Claims every tracked file whose size and mtime have not changed for the settle time.
    fn check_settling(&mut self) {
        if self.settling.is_empty() {
            return;
        }
        let mut ready = Vec::new();
        let mut gone = Vec::new();
        let settle = self.config.settle;
        for (path, s) in &mut self.settling {
            match fs::symlink_metadata(path) {
                Ok(meta) if meta.file_type().is_file() => {
                    let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    if meta.len() != s.size || mtime != s.mtime {
                        s.size = meta.len();
                        s.mtime = mtime;
                        s.stable_since = Instant::now();
                    } else if s.stable_since.elapsed() >= settle_for(settle, s.size) {
                        ready.push(path.clone());
                    }
                }
                _ => gone.push(path.clone()),
            }
        }
        for path in gone {
            self.settling.remove(&path);
        }
        for path in ready {
            self.settling.remove(&path);
            if let Some(relative) = self.relative(&path) {
                self.claim(&path, relative);
            }
        }
    }

    /// The inbox-relative path, or `None` for paths intake must leave alone (outside the
    /// inbox, in a hidden folder, an ignored name, or in a subfolder when not recursive).
    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.config.inbox).ok()?;
        let mut parts = Vec::new();
        for part in rel.components() {
            let s = shown_name(part.as_os_str());
            if is_ignored(&s) {
                return None;
            }
            parts.push(s);
        }
        if parts.is_empty() || (!self.config.recursive && parts.len() > 1) {
            return None;
        }
        Some(parts.join("/"))
    }

    /// Renames the file into the work folder and queues it; waits while the queue is full.
    /// While the store is unreachable the file stays where it is.
    fn claim(&mut self, path: &Path, relative: String) {
        if self.outage.is_down() || self.health.paused() {
            return;
        }
        let claim = self.next_claim.fetch_add(1, Ordering::Relaxed);
        let work = work_name(claim, &relative);
        if let Some(reason) = unclaimable(&relative, &work) {
            self.fail_unclaimable(path, &relative, &reason);
            return;
        }
        let work_path = self.config.work.join(work);
        match fs::rename(path, &work_path) {
            Ok(()) => {}
            // The file went away meanwhile: nothing to do. But if it is still there, the
            // work folder is what is missing.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.exists() => {
                tracing::error!(
                    work = %self.config.work.display(),
                    "the work folder is gone (was the state folder deleted?): nothing can be \
                     claimed, and the ledger may be lost; stopping"
                );
                self.work_gone = true;
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                tracing::warn!(file = %relative, error = %e, "cannot claim file");
                return;
            }
        }
        if path.to_str().is_none() {
            tracing::info!(file = %relative, "the file name is not UTF-8: it goes on with its other bytes spelt %XX");
        }
        tracing::debug!(file = %relative, "claimed");
        self.metrics.files_seen.inc();
        self.metrics.in_flight.inc();
        self.send(Claimed {
            work_path,
            relative,
            claimed_at: jiff::Timestamp::now(),
            claimed: Instant::now(),
        });
    }

    /// A file that cannot be claimed ([`unclaimable`]) goes from the inbox straight to
    /// `failed/`, beside its error record, rather than waiting there forever.
    fn fail_unclaimable(&self, path: &Path, relative: &str, reason: &str) {
        self.metrics.files_seen.inc();
        self.metrics
            .failures
            .get_or_create(&StageLabel {
                stage: "intake".to_string(),
            })
            .inc();
        match fail_unclaimed(&self.config.failed, path, relative, reason) {
            Ok(dest) => {
                tracing::warn!(file = %relative, to = %dest.display(), error = reason, "cannot claim file; moved to failed/");
            }
            Err(e) => {
                tracing::warn!(file = %relative, error = reason, move_error = %e, "cannot claim file, nor move it to failed/");
            }
        }
    }

    /// Queues a claimed file; false once the workers are gone (the file stays in `work/`
    /// and is picked up at the next start).
    fn send(&self, item: Claimed) -> bool {
        self.queue.send_blocking(item).is_ok()
    }
}

/// Marks intake as running for `/ready` while alive, and not running once it returns or
/// panics.
struct Running(Arc<Health>);

impl Running {
    fn new(health: Arc<Health>) -> Self {
        health.intake_running.store(true, Ordering::Relaxed);
        Running(health)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.intake_running.store(false, Ordering::Relaxed);
    }
}

/// Regular, non-ignored files in the inbox (and its subfolders when `recursive`): the
/// backlog not yet claimed.
pub fn count_inbox(inbox: &Path, recursive: bool) -> usize {
    let mut count = 0;
    let mut dirs = vec![inbox.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if is_ignored(&entry.file_name().to_string_lossy()) {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_file() => count += 1,
                Ok(t) if t.is_dir() && recursive => dirs.push(entry.path()),
                _ => {}
            }
        }
    }
    count
}
