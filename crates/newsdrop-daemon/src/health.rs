//! Whether the daemon can do its work, for `/ready`, and the gate that pauses intake while
//! outputs or the store cannot be written.
//!
//! Ready means: intake is running, the store answers, outputs can be written, and no plugin
//! has panicked since the pipeline was built (a panic fails its article, but the plugin's
//! own state may be broken: a reload builds a fresh instance and clears it).
//!
//! A full disk, a read-only or over-quota filesystem, or an outbox the daemon may not write
//! is not the article's fault: the write is retried with [`Backoff`] by the thread that
//! holds the article (its input stays in `work/`), intake stops claiming, and all resumes
//! by itself once a write succeeds.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::metrics::Metrics;

/// What can block the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blocked {
    /// Outputs, error records or the JSONL sink cannot be written.
    Outputs,
    /// The ledger cannot be written.
    Store,
}

/// Flags the threads set and `/ready` reads.
#[derive(Default)]
pub struct Health {
    pub intake_running: AtomicBool,
    /// The last store call succeeded.
    pub store_ok: AtomicBool,
    /// SIGTERM came: intake stopped on purpose and in-flight files drain.
    pub draining: AtomicBool,
    /// What is blocked and why.
    blocked: Mutex<BTreeMap<Blocked, String>>,
    paused: AtomicBool,
}

impl Health {
    /// Whether intake should hold off: something it would need cannot be written.
    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    pub fn output_blocked(&self) -> bool {
        self.blocked_map().contains_key(&Blocked::Outputs)
    }

    fn blocked_map(&self) -> MutexGuard<'_, BTreeMap<Blocked, String>> {
        self.blocked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `what` cannot be written, because of `reason`.
    pub fn block(&self, what: Blocked, reason: &str, metrics: &Metrics) {
        let mut b = self.blocked_map();
        if b.insert(what, reason.to_string()).is_none() {
            tracing::warn!(what = ?what, reason, "cannot write; intake paused, retrying");
        }
        self.paused.store(true, Ordering::Relaxed);
        if what == Blocked::Outputs {
            metrics.output_blocked.set(1);
        }
    }

    /// A write of `what` succeeded.
    pub fn unblock(&self, what: Blocked, metrics: &Metrics) {
        if !self.paused() {
            return;
        }
        let mut b = self.blocked_map();
        if b.remove(&what).is_some() {
            tracing::info!(what = ?what, "writes succeed again");
        }
        self.paused.store(!b.is_empty(), Ordering::Relaxed);
        if what == Blocked::Outputs {
            metrics.output_blocked.set(0);
        }
    }

    pub fn block_output(&self, reason: &str, metrics: &Metrics) {
        self.block(Blocked::Outputs, reason, metrics);
    }

    pub fn unblock_output(&self, metrics: &Metrics) {
        self.unblock(Blocked::Outputs, metrics);
    }

    /// What stands in the way of being ready; empty when ready. `poisoned` names the
    /// plugin stages that panicked.
    pub fn problems(&self, store_reachable: bool, poisoned: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.intake_running.load(Ordering::Relaxed) {
            problems.push("intake is not running".to_string());
        }
        if !store_reachable || !self.store_ok.load(Ordering::Relaxed) {
            problems.push("store is not reachable".to_string());
        }
        for (what, reason) in self.blocked_map().iter() {
            problems.push(match what {
                Blocked::Outputs => format!("outputs cannot be written: {reason}"),
                Blocked::Store => format!("the store cannot be written: {reason}"),
            });
        }
        for stage in poisoned {
            problems.push(format!(
                "plugin stage {stage:?} panicked; reload (SIGHUP) to start it afresh"
            ));
        }
        problems
    }
}

/// Whether a write failed for want of room or permission (the disk, not the article):
/// ENOSPC, EDQUOT, EROFS, EACCES, EPERM.
/// By kind, since errors that gained a path in their message keep the kind only.
pub fn cannot_write_here(e: &io::Error) -> bool {
    use io::ErrorKind as K;
    matches!(
        e.kind(),
        K::StorageFull | K::QuotaExceeded | K::ReadOnlyFilesystem | K::PermissionDenied
    )
}

/// Waits between retries: 250 ms, doubling up to 5 s.
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: Duration::from_millis(250),
        }
    }
}

impl Backoff {
    const MAX: Duration = Duration::from_secs(5);

    /// Sleeps the next delay, in short steps; false (at once) when `stopping` is set.
    pub fn wait(&mut self, stopping: &AtomicBool) -> bool {
        let step = Duration::from_millis(50);
        let mut left = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        while !left.is_zero() {
            if stopping.load(Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(left.min(step));
            left = left.saturating_sub(step);
        }
        !stopping.load(Ordering::Relaxed)
    }
}

/// Runs `op` until it succeeds, an error that is not `retry`-able comes, or the daemon
/// stops (then the last error). While it fails, `what` is blocked (intake pauses,
/// `/ready` says why).
pub fn retry<T, E: std::fmt::Display>(
    what: Blocked,
    health: &Health,
    metrics: &Metrics,
    stopping: &AtomicBool,
    retryable: impl Fn(&E) -> bool,
    mut op: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut backoff = Backoff::default();
    loop {
        match op() {
            Ok(v) => {
                health.unblock(what, metrics);
                return Ok(v);
            }
            Err(e) if retryable(&e) => {
                health.block(what, &e.to_string(), metrics);
                if !backoff.wait(stopping) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_needs_intake_store_outputs_and_no_poisoned_plugin() {
        let h = Health::default();
        let m = Metrics::new();
        assert_eq!(
            h.problems(true, &[]).len(),
            2,
            "intake and store not yet up"
        );
        h.intake_running.store(true, Ordering::Relaxed);
        h.store_ok.store(true, Ordering::Relaxed);
        assert!(h.problems(true, &[]).is_empty());
        assert_eq!(h.problems(false, &[]), vec!["store is not reachable"]);
        h.block_output("No space left on device", &m);
        assert!(h.output_blocked());
        assert_eq!(
            h.problems(true, &["tagger".into()]),
            vec![
                "outputs cannot be written: No space left on device".to_string(),
                "plugin stage \"tagger\" panicked; reload (SIGHUP) to start it afresh".into()
            ]
        );
        h.unblock_output(&m);
        assert!(!h.output_blocked());
        assert!(h.problems(true, &[]).is_empty());
    }

    #[test]
    fn retry_blocks_until_the_write_succeeds_and_gives_up_on_other_errors() {
        let (h, m, stopping) = (Health::default(), Metrics::new(), AtomicBool::new(false));
        // As the writers report it: the path added to the message, the kind kept.
        let full =
            || crate::layout::with_path(io::Error::from_raw_os_error(libc::ENOSPC), "x".as_ref());
        let mut tries = 0;
        let got = retry(
            Blocked::Outputs,
            &h,
            &m,
            &stopping,
            cannot_write_here,
            || {
                tries += 1;
                assert_eq!(h.paused(), tries > 1, "paused from the first failure on");
                if tries < 3 { Err(full()) } else { Ok(tries) }
            },
        );
        assert_eq!(got.ok(), Some(3));
        assert!(!h.paused());
        let other = retry(
            Blocked::Outputs,
            &h,
            &m,
            &stopping,
            cannot_write_here,
            || Err::<(), _>(io::Error::from_raw_os_error(libc::EIO)),
        );
        assert!(other.is_err());
        assert!(!h.paused(), "an input/output error is not retried here");
        stopping.store(true, Ordering::Relaxed);
        let stopped = retry(
            Blocked::Store,
            &h,
            &m,
            &stopping,
            |_| true,
            || Err::<(), _>(full()),
        );
        assert!(stopped.is_err(), "gives up once the daemon stops");
    }
}
