//! The committer: makes a batch of finished articles visible and durable, in an order that
//! a crash at any point can be recovered from without losing or doubling anything.
//!
//! For each batch: make the temp outputs durable (a large batch with one syncfs of the
//! outbox's filesystem), rename them into place and fsync the outbox; append
//! to the JSONL sink and insert into the articles table (each skips ids it already has, so a
//! replay adds nothing); write `.error.json` files and move failed inputs; commit every final
//! status to the ledger in one transaction; only then move inputs out of `work/`. When the
//! store is unreachable, the table insert and the ledger commit wait for it ([`Outage`]):
//! the inputs stay in `work/` meanwhile, and the batch goes on when it answers. A batch is
//! whatever finished while the previous one was committing, so under load one folder fsync
//! and one ledger transaction serve many files, and a lone file is not kept waiting.

use std::fs;
use std::path::Path;
use std::sync::mpsc::Receiver;

use newsdrop_core::config::OnSuccess;
use newsdrop_store::{Settled, Status, StoreError};
use serde::Serialize;

use crate::article::Failure;
use crate::layout::{Layout, fsync_dir, rename_new, sync_filesystem, with_path, write_atomic};
use crate::metrics::{KindLabel, Metrics, StageLabel};
use crate::names::{NAME_MAX, free_name, split_relative};
use crate::sink::JsonlSink;
use crate::worker::{Done, Outcome, Shared, retry_write, store_call};

/// Most articles committed together; also how many finished articles may wait for the
/// committer (their JSON in memory: a few MB at most).
pub const MAX_BATCH: usize = 512;

/// Where emitted articles go besides the outbox.
pub struct Sinks {
    pub jsonl: Option<JsonlSink>,
    /// The `output.table` in the store's database.
    pub table: Option<String>,
}

/// What the committer works with.
pub struct Committer<'a> {
    pub layout: &'a Layout,
    pub shared: &'a Shared,
    pub on_success: OnSuccess,
}

/// Whether the committer goes on after a batch.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Go,
    /// The ledger can no longer be written (its file was deleted or replaced): the
    /// committer ends, and so the daemon, with an error, for the service manager to start
    /// it again.
    Stop,
}

/// Commits until every worker is gone, or the ledger's file is.
pub fn run(done: &Receiver<Done>, cx: &Committer<'_>, mut sinks: Sinks) {
    while let Ok(first) = done.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match done.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let next = commit(&batch, cx, &mut sinks);
        cx.shared.metrics.in_flight.dec_by(batch.len() as i64);
        if next == Next::Stop {
            return;
        }
    }
}

/// Counts one committed file in the metrics.
fn count(done: &Done, metrics: &Metrics) {
    let duplicate = |kind: &Option<newsdrop_core::DedupStatus>| {
        let kind = match kind {
            Some(newsdrop_core::DedupStatus::Exact) => "exact",
            Some(newsdrop_core::DedupStatus::Near) => "near",
            _ => return,
        };
        metrics.duplicates.get_or_create(&KindLabel { kind }).inc();
    };
    match &done.outcome {
        Outcome::Emitted { dedup, .. } => {
            metrics.emitted.inc();
            duplicate(dedup);
        }
        Outcome::Duplicate { dedup, .. } => duplicate(dedup),
        Outcome::Dropped { .. } => {
            metrics.dropped.inc();
        }
        Outcome::Failed { failure, .. } => {
            let label = StageLabel {
                stage: failure.stage.clone(),
            };
            metrics.failures.get_or_create(&label).inc();
            if failure.panicked && failure.rule.starts_with("plugin:") {
                metrics.plugin_panics.get_or_create(&label).inc();
            }
        }
        Outcome::AlreadyDone { .. } | Outcome::Elsewhere { .. } | Outcome::Deferred { .. } => {}
    }
    metrics
        .article_seconds
        .observe(done.item.claimed.elapsed().as_secs_f64());
    metrics
        .finished
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The content of `failed/<file>.error.json`.
#[derive(Serialize)]
struct ErrorRecord<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    folder: &'a str,
    id: Option<&'a str>,
    stage: &'a str,
    rule: &'a str,
    message: &'a str,
    panicked: bool,
    attempts: u32,
    time: String,
}

/// Commits a batch, and counts what the ledger took in the metrics (before the inputs
/// move, so that counters are never behind the folders).
fn commit(batch: &[Done], cx: &Committer<'_>, sinks: &mut Sinks) -> Next {
    let (layout, shared) = (cx.layout, cx.shared);
    let (store, metrics) = (&shared.store, &shared.metrics);
    let mut settled = Vec::with_capacity(batch.len());
    let mut committed = Vec::with_capacity(batch.len());
    let mut put_away = Vec::with_capacity(batch.len());
    let mut lines: Vec<(&str, &[u8])> = Vec::new();

    // 1. Outputs become durable, then visible.
    if let Err(e) = retry_write(shared, || make_durable(batch, &layout.outbox)) {
        tracing::error!(error = %e, "cannot flush this batch's outputs; its inputs stay in work/ until the next start");
        return Next::Go;
    }
    let mut any_output = false;
    for done in batch {
        if let Outcome::Emitted { id, temp, json, .. } = &done.outcome {
            let dest = layout.outbox.join(format!("{id}.json"));
            match retry_write(shared, || fs::rename(temp, &dest)) {
                Ok(()) => {
                    any_output = true;
                    lines.push((id, json));
                    settled.push(Settled {
                        id: id.clone(),
                        status: Status::Emitted,
                        output: dest.display().to_string(),
                        message: String::new(),
                    });
                    put_away.push(done);
                }
                Err(e) => {
                    tracing::error!(file = %done.item.relative, error = %with_path(e, &dest), "cannot publish output; input stays in work/");
                }
            }
        }
    }
    if any_output && let Err(e) = fsync_dir(&layout.outbox) {
        tracing::error!(error = %e, "cannot fsync the outbox");
    }
    if let Some(sink) = &mut sinks.jsonl
        && let Err(e) = retry_write(shared, || sink.append(&lines))
    {
        tracing::error!(error = %e, "cannot append to the jsonl sink");
    }
    if let Some(table) = &sinks.table {
        match store_call(shared, || store.insert_articles(table, &lines)) {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                tracing::error!(table = %table, error = %e, "cannot insert into the articles table");
            }
            None => return stop_in_outage(),
        }
    }

    // 2. Failures go to failed/, each beside its error record.
    let mut any_failed = false;
    for done in batch {
        if let Outcome::Failed { failure, attempts } = &done.outcome {
            match retry_write(shared, || fail(done, failure, *attempts, layout)) {
                Ok(dest) => {
                    any_failed = true;
                    committed.push(done);
                    tracing::warn!(file = %done.item.relative, stage = %failure.stage, error = %failure.message, "failed");
                    if let Some(id) = &failure.id {
                        settled.push(Settled {
                            id: id.clone(),
                            status: Status::Failed,
                            output: dest,
                            message: failure.message.clone(),
                        });
                    }
                }
                Err(e) => {
                    tracing::error!(file = %done.item.relative, error = %e, "cannot move failed input; it stays in work/");
                }
            }
        }
    }
    if any_failed && let Err(e) = fsync_dir(&layout.failed) {
        tracing::error!(error = %e, "cannot fsync the failed folder");
    }

    for done in batch {
        match &done.outcome {
            Outcome::Dropped { id, reason } => {
                settled.push(Settled {
                    id: id.clone(),
                    status: Status::Dropped,
                    output: String::new(),
                    message: reason.clone(),
                });
                put_away.push(done);
            }
            Outcome::Duplicate { id, reason, .. } => {
                settled.push(Settled {
                    id: id.clone(),
                    status: Status::Duplicate,
                    output: String::new(),
                    message: reason.clone(),
                });
                put_away.push(done);
            }
            Outcome::AlreadyDone { .. } | Outcome::Elsewhere { .. } => put_away.push(done),
            Outcome::Deferred { reason } => {
                tracing::error!(file = %done.item.relative, reason = %reason, "deferred; the input stays in work/ until the next start");
            }
            Outcome::Emitted { .. } | Outcome::Failed { .. } => {}
        }
    }

    // 3. The ledger learns the final status, durably, before the inputs leave work/ (a
    // store that cannot be reached or written is waited for).
    match store_call(shared, || store.settle(&settled)) {
        Some(Ok(())) => {}
        Some(Err(e @ StoreError::Replaced { .. })) => {
            tracing::error!(error = %e, "cannot commit to the ledger; the daemon stops");
            return Next::Stop;
        }
        Some(Err(e)) => {
            tracing::error!(error = %e, "cannot commit to the ledger; inputs stay in work/ until the next start");
            return Next::Go;
        }
        None => return stop_in_outage(),
    }
    for done in committed.iter().chain(&put_away) {
        count(done, metrics);
    }

    // 4. Inputs are put away.
    for done in put_away {
        if let Err(e) = put_away_input(done, layout, cx.on_success) {
            tracing::error!(file = %done.item.relative, error = %e, "cannot put the input away; it stays in work/");
            continue;
        }
        clear_retried_failure(done, layout);
        match &done.outcome {
            Outcome::Emitted { id, .. } => {
                tracing::info!(file = %done.item.relative, id = %id, "emitted");
            }
            Outcome::Dropped { id, reason } => {
                tracing::info!(file = %done.item.relative, id = %id, reason = %reason, "dropped");
            }
            Outcome::Duplicate { id, reason, .. } => {
                tracing::info!(file = %done.item.relative, id = %id, reason = %reason, "duplicate; not emitted");
            }
            Outcome::AlreadyDone { id, status } => {
                tracing::info!(file = %done.item.relative, id = %id, status = status.as_str(), "already processed; input archived");
            }
            Outcome::Elsewhere { id, node } => {
                tracing::info!(file = %done.item.relative, id = %id, node = %node, "another daemon is processing the same file; input archived");
            }
            _ => {}
        }
    }
    Next::Go
}

/// Outputs at least this many in a batch are flushed with one syncfs of the outbox's
/// filesystem rather than an fsync each: each fsync waits for a flush of the disk's cache,
/// while syncfs flushes everything once (other programs' writes to that filesystem too,
/// which is why a small batch keeps to its own files).
const SYNCFS_FROM: usize = 4;

/// Makes the batch's temp outputs durable.
fn make_durable(batch: &[Done], outbox: &Path) -> std::io::Result<()> {
    let temps: Vec<&Path> = batch
        .iter()
        .filter_map(|d| match &d.outcome {
            Outcome::Emitted { temp, .. } => Some(temp.as_path()),
            _ => None,
        })
        .collect();
    if temps.len() >= SYNCFS_FROM {
        return sync_filesystem(outbox);
    }
    for temp in temps {
        fs::File::open(temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| with_path(e, temp))?;
    }
    Ok(())
}

fn stop_in_outage() -> Next {
    tracing::warn!(
        "stopping while the store is unreachable; this batch's inputs stay in work/ until the next start"
    );
    Next::Go
}

/// Writes the error record, then moves the input beside it; returns the input's new path.
fn fail(done: &Done, failure: &Failure, attempts: u32, layout: &Layout) -> std::io::Result<String> {
    let tag = failure
        .id
        .as_deref()
        .map_or("x", |id| &id[..8.min(id.len())]);
    let name = reuse_or_free(&layout.failed, &done.name, tag);
    let record = ErrorRecord {
        file: &done.name,
        folder: &done.folder,
        id: failure.id.as_deref(),
        stage: &failure.stage,
        rule: &failure.rule,
        message: &failure.message,
        panicked: failure.panicked,
        attempts,
        time: jiff::Timestamp::now().to_string(),
    };
    let mut json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    json.push(b'\n');
    write_atomic(&layout.failed, &format!("{name}.error.json"), &json)?;
    let dest = layout.failed.join(&name);
    fs::rename(&done.item.work_path, &dest).map_err(|e| with_path(e, &dest))?;
    Ok(dest.display().to_string())
}

/// Moves a file intake cannot claim ([`crate::names::unclaimable`]) from `path` in the inbox
/// to `failed/`, beside its error record (stage `intake`, no id: it was never read). Its
/// name there is its shown name, cut to fit with the record's suffix; the record holds the
/// shown name whole. Returns where it went.
pub fn fail_unclaimed(
    failed: &Path,
    path: &Path,
    relative: &str,
    message: &str,
) -> std::io::Result<std::path::PathBuf> {
    let (folder, name) = split_relative(relative);
    // Room for ".error.json" and a tag that `free_name` may add.
    let mut short = name.len().min(NAME_MAX - ".error.json".len() - 24);
    while !name.is_char_boundary(short) {
        short -= 1;
    }
    let name_there = free_name(failed, &name[..short], "intake");
    let record = ErrorRecord {
        file: &name,
        folder: &folder,
        id: None,
        stage: "intake",
        rule: "",
        message,
        panicked: false,
        attempts: 0,
        time: jiff::Timestamp::now().to_string(),
    };
    let mut json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    json.push(b'\n');
    write_atomic(failed, &format!("{name_there}.error.json"), &json)?;
    let dest = failed.join(&name_there);
    fs::rename(path, &dest).map_err(|e| with_path(e, &dest))?;
    fsync_dir(failed)?;
    Ok(dest)
}

/// An error record in `failed/` whose input is gone from beside it (an operator fixed the
/// file and dropped it again, or moved it back to try again) is out of date once a file of
/// that name and folder goes through: it is removed, so that `failed/` holds only what still
/// needs a look. A record beside its input, or of another file, stays.
fn clear_retried_failure(done: &Done, layout: &Layout) {
    let record = layout.failed.join(format!("{}.error.json", done.name));
    // One look at a name that is almost never there.
    let Ok(bytes) = fs::read(&record) else {
        return;
    };
    if layout.failed.join(&done.name).exists() {
        return;
    }
    let Ok(fields) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return;
    };
    let folder = fields["folder"].as_str().unwrap_or_default();
    if fields["file"] != done.name.as_str() || folder != done.folder {
        return;
    }
    match fs::remove_file(&record) {
        Ok(()) => {
            tracing::info!(file = %done.item.relative, record = %record.display(), "went through on a retry; its failure record is removed");
        }
        Err(e) => {
            tracing::warn!(record = %record.display(), error = %e, "cannot remove the failure record of a file that went through");
        }
    }
}

/// An error record without its input is what a crash between the two writes leaves behind:
/// that name is reused, so a retry does not leave a stray record.
fn reuse_or_free(dir: &Path, name: &str, tag: &str) -> String {
    if !dir.join(name).exists() && dir.join(format!("{name}.error.json")).exists() {
        return name.to_string();
    }
    free_name(dir, name, tag)
}

fn put_away_input(done: &Done, layout: &Layout, on_success: OnSuccess) -> std::io::Result<()> {
    let src = &done.item.work_path;
    match on_success {
        OnSuccess::Delete => fs::remove_file(src).map_err(|e| with_path(e, src)),
        OnSuccess::Archive => {
            let dir = if done.folder.is_empty() {
                layout.archive.clone()
            } else {
                let d = layout.archive.join(&done.folder);
                fs::create_dir_all(&d).map_err(|e| with_path(e, &d))?;
                d
            };
            let tag = match &done.outcome {
                Outcome::Emitted { id, .. }
                | Outcome::Dropped { id, .. }
                | Outcome::Duplicate { id, .. }
                | Outcome::AlreadyDone { id, .. }
                | Outcome::Elsewhere { id, .. } => &id[..8.min(id.len())],
                _ => "x",
            };
            // Most names are free: one rename that refuses to replace tells, where looking
            // first would cost two more path look-ups per file in a folder of thousands. A
            // folder shared with failed/ also needs the name's error record to be free.
            let first = dir.join(&done.name);
            if layout.archive != layout.failed && rename_new(src, &first)? {
                return Ok(());
            }
            let dest = dir.join(free_name(&dir, &done.name, tag));
            fs::rename(src, &dest).map_err(|e| with_path(e, &dest))
        }
    }
}
