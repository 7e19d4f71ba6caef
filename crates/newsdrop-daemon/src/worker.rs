//! Workers: the CPU side. Each takes a claimed file from the bounded queue, records the
//! attempt in the ledger, reads it, runs the pipeline and writes the output to a temp file
//! (fsynced), then hands the result to the committer. Plain threads, off the async runtime.
//!
//! A store that cannot be reached is not the article's fault: the worker waits it out
//! ([`Outage`]) and retries the step, so an outage delays articles but fails none.

use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, RwLock};

use newsdrop_core::id::sha256_hex;
use newsdrop_store::{Status, Store};

use crate::article::{Failure, Finished, Input, Settings, read_input, run_hashed};
use crate::intake::Claimed;
use crate::layout::write_temp;
use crate::names::split_relative;
use crate::outage::Outage;

/// The settings in force; a reload swaps the inner `Arc`, in-flight articles keep theirs.
pub type SharedSettings = Arc<RwLock<Arc<Settings>>>;

/// What became of one claimed file.
#[derive(Debug)]
pub enum Outcome {
    /// The output is written to `temp`, fsynced, not yet visible.
    Emitted {
        id: String,
        temp: PathBuf,
        json: Vec<u8>,
    },
    Dropped {
        id: String,
        reason: String,
    },
    /// A duplicate the dedup policy keeps from the outbox; the ledger records it as such.
    Duplicate {
        id: String,
        reason: String,
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

/// Works through the queue until it is closed and empty.
pub fn run(
    queue: &async_channel::Receiver<Claimed>,
    settings: &SharedSettings,
    store: &Store,
    outage: &Outage,
    outbox: &Path,
    done: &SyncSender<Done>,
) {
    while let Ok(item) = queue.recv_blocking() {
        let current = settings
            .read()
            .map_or_else(|p| p.into_inner().clone(), |s| s.clone());
        let (folder, name) = split_relative(&item.relative);
        let span =
            tracing::info_span!("article", file = %item.relative, id = tracing::field::Empty);
        let outcome =
            span.in_scope(|| work(&item, &name, &folder, &current, store, outage, outbox));
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

fn work(
    item: &Claimed,
    name: &str,
    folder: &str,
    settings: &Settings,
    store: &Store,
    outage: &Outage,
    outbox: &Path,
) -> Outcome {
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
    let id = newsdrop_core::article_id(&sha256, name);
    tracing::Span::current().record("id", id.as_str());
    let attempt = match outage.retry(store, || store.begin_attempt(&id, &sha256, name)) {
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
    if attempt.attempts > settings.max_attempts {
        let message = format!(
            "quarantined: processing was interrupted {} times (a crash or a kill); not tried again",
            attempt.attempts - 1
        );
        return Outcome::Failed {
            failure: Failure::step("intake", Some(&id), message),
            attempts: attempt.attempts,
        };
    }
    let input = Input {
        name: name.to_string(),
        folder: folder.to_string(),
        received_at: item.claimed_at,
    };
    // A rule's state lives in the store too (dedup's index); its calls cannot say that the
    // store was unreachable, but the store's outage count can.
    let finished = loop {
        let outages = store.outages();
        let finished = run_hashed(&bytes, sha256.clone(), &input, settings);
        match &finished {
            Err(failure) if store.outages() != outages => {
                if !outage.wait(store, &failure.message) {
                    return stopped();
                }
            }
            _ => break finished,
        }
    };
    match finished {
        Ok(Finished::Emit { id, json }) => match write_temp(outbox, &format!("{id}.json"), &json) {
            Ok(temp) => Outcome::Emitted { id, temp, json },
            Err(e) => Outcome::Deferred {
                reason: format!("cannot write output: {e}"),
            },
        },
        Ok(Finished::Drop { id, reason }) => Outcome::Dropped { id, reason },
        Ok(Finished::Duplicate { id, reason }) => Outcome::Duplicate { id, reason },
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
