//! Workers: the CPU side. Each takes a claimed file from the bounded queue, records the
//! attempt in the ledger, reads it, runs the pipeline and writes the output to a temp file
//! (made durable by the committer, once per batch), then hands the result to the committer. Plain threads, off the async runtime.
//!
//! A store that cannot be reached is not the article's fault: the worker waits it out
//! ([`Outage`]) and retries the step, so an outage delays articles but fails none.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, RwLock};

use newsdrop_core::DedupStatus;
use newsdrop_core::id::sha256_hex;
use newsdrop_store::{Status, Store, StoreError};

use crate::article::{Failure, Finished, Input, Settings, read_input, run_hashed};
use crate::health::{Blocked, Health, cannot_write_here, retry};
use crate::intake::Claimed;
use crate::layout::write_temp_unsynced;
use crate::metrics::Metrics;
use crate::names::split_relative;
use crate::outage::Outage;

/// The settings in force; a reload swaps the inner `Arc`, in-flight articles keep theirs.
pub type SharedSettings = Arc<RwLock<Arc<Settings>>>;

/// What became of one claimed file.
#[derive(Debug)]
pub enum Outcome {
    /// The output is written to `temp`, not yet durable nor visible.
    Emitted {
        id: String,
        temp: PathBuf,
        json: Vec<u8>,
        dedup: Option<DedupStatus>,
    },
    Dropped {
        id: String,
        reason: String,
    },
    /// A duplicate the dedup policy keeps from the outbox; the ledger records it as such.
    Duplicate {
        id: String,
        reason: String,
        dedup: Option<DedupStatus>,
    },
    /// The ledger already has a final status (a restart after commit, or the same file
    /// dropped again): only the input needs to be put away.
    AlreadyDone {
        id: String,
        status: Status,
    },
    /// Another daemon sharing the store is processing the same file (same name and bytes):
    /// it emits the article; this copy of the input is only put away.
    Elsewhere {
        id: String,
        node: String,
    },
    Failed {
        failure: Failure,
        attempts: u32,
    },
    /// The store could not be reached; the input stays in `work/` for the next start.
    Deferred {
        reason: String,
    },
}

/// A claimed file and its outcome, for the committer.
#[derive(Debug)]
pub struct Done {
    pub item: Claimed,
    pub name: String,
    pub folder: String,
    pub outcome: Outcome,
}

/// What every worker shares.
pub struct Shared {
    pub settings: SharedSettings,
    pub store: Arc<Store>,
    pub outbox: PathBuf,
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    /// Pauses work while the store cannot be reached.
    pub outage: Arc<Outage>,
    /// Set on SIGTERM: a worker waiting for the disk gives up and leaves its file in `work/`.
    pub stopping: Arc<AtomicBool>,
}

/// Works through the queue until it is closed and empty.
pub fn run(queue: &async_channel::Receiver<Claimed>, shared: &Shared, done: &SyncSender<Done>) {
    let settings = &shared.settings;
    while let Ok(item) = queue.recv_blocking() {
        let current = settings
            .read()
            .map_or_else(|p| p.into_inner().clone(), |s| s.clone());
        let (folder, name) = split_relative(&item.relative);
        let span =
            tracing::info_span!("article", file = %item.relative, id = tracing::field::Empty);
        let outcome = span.in_scope(|| work(&item, &name, &folder, &current, shared));
        if done
            .send(Done {
                item,
                name,
                folder,
                outcome,
            })
            .is_err()
        {
            return;
        }
    }
}

fn work(item: &Claimed, name: &str, folder: &str, settings: &Settings, shared: &Shared) -> Outcome {
    let (store, metrics) = (&shared.store, &shared.metrics);
    let bytes = match read_input(&item.work_path, &settings.limits) {
        Ok(b) => b,
        Err(failure) => {
            return Outcome::Failed {
                failure,
                attempts: 1,
            };
        }
    };
    let sha256 = sha256_hex(&bytes);
    let input = Input {
        name: name.to_string(),
        folder: folder.to_string(),
        received_at: item.claimed_at,
    };
    let id = input.article_id(&sha256);
    tracing::Span::current().record("id", id.as_str());
    let attempt = match store_call(shared, || store.begin_attempt(&id, &sha256, name)) {
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            return Outcome::Deferred {
                reason: e.to_string(),
            };
        }
        None => return stopped(),
    };
    if let Some(node) = attempt.elsewhere {
        return Outcome::Elsewhere { id, node };
    }
    if attempt.status.is_final() {
        return Outcome::AlreadyDone {
            id,
            status: attempt.status,
        };
    }
    // An output of this id already in the outbox means the pipeline went through this file
    // and the interruption came between publishing it and settling the ledger: the file did
    // not crash the daemon. It runs again to the same output instead of being quarantined,
    // which would leave the article both emitted and failed.
    let published = || shared.outbox.join(format!("{id}.json")).exists();
    if attempt.attempts > settings.max_attempts && !published() {
        let message = format!(
            "quarantined: processing was interrupted {} times (a crash or a kill); not tried again",
            attempt.attempts - 1
        );
        return Outcome::Failed {
            failure: Failure::step("intake", Some(&id), message),
            attempts: attempt.attempts,
        };
    }
    let observe = |stage: &str, took: std::time::Duration| {
        metrics.stage_time(stage, took.as_secs_f64());
    };
    // A rule's state lives in the store too (dedup's index); its calls cannot say that the
    // store was unreachable, but the store's outage count can.
    let finished = loop {
        let outages = store.outages();
        let finished = run_hashed(&bytes, sha256.clone(), &input, settings, observe);
        match &finished {
            Err(failure) if store.outages() != outages => {
                if !shared.outage.wait(store, &failure.message) {
                    return stopped();
                }
            }
            _ => break finished,
        }
    };
    match finished {
        Ok(Finished::Emit { id, json, dedup }) => {
            let name = format!("{id}.json");
            let write = || write_temp_unsynced(&shared.outbox, &name, &json);
            match retry_write(shared, write) {
                Ok(temp) => Outcome::Emitted {
                    id,
                    temp,
                    json,
                    dedup,
                },
                Err(e) => Outcome::Deferred {
                    reason: format!("cannot write output: {e}"),
                },
            }
        }
        Ok(Finished::Drop { id, reason }) => Outcome::Dropped { id, reason },
        Ok(Finished::Duplicate { id, reason, dedup }) => Outcome::Duplicate { id, reason, dedup },
        Err(failure) => Outcome::Failed {
            failure,
            attempts: attempt.attempts,
        },
    }
}

fn stopped() -> Outcome {
    Outcome::Deferred {
        reason: "stopping while the store is unreachable".to_string(),
    }
}

/// An output write, retried while the disk is full or read-only (see [`crate::health`]).
pub fn retry_write<T>(
    shared: &Shared,
    write: impl FnMut() -> std::io::Result<T>,
) -> std::io::Result<T> {
    retry(
        Blocked::Outputs,
        &shared.health,
        &shared.metrics,
        &shared.stopping,
        cannot_write_here,
        write,
    )
}

/// A store call that waits out both kinds of trouble that are not the article's fault: a
/// store that cannot be reached ([`Outage`]: intake pauses until it answers) and a local
/// store that cannot be written (a full disk under SQLite: retried like outputs, see
/// [`crate::health`]). `None` when the daemon stops meanwhile.
pub fn store_call<T>(
    shared: &Shared,
    mut call: impl FnMut() -> Result<T, StoreError>,
) -> Option<Result<T, StoreError>> {
    let (store, health) = (&shared.store, &shared.health);
    let cannot_write = |e: &StoreError| matches!(e, StoreError::Sqlite { .. });
    shared.outage.retry(store, || {
        let result = retry(
            Blocked::Store,
            health,
            &shared.metrics,
            &shared.stopping,
            cannot_write,
            &mut call,
        );
        health.store_ok.store(result.is_ok(), Ordering::Relaxed);
        result
    })
}
