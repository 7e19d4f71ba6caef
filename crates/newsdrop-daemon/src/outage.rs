//! Store outages: when the database cannot be reached, the daemon pauses instead of failing
//! articles, and carries on where it stopped once the database answers again.
//!
//! A worker or the committer whose store call found the database unreachable calls
//! [`Outage::wait`]: the first one marks the store down (intake stops claiming, so new files
//! wait in the inbox, not in `work/`) and probes it with back-off (0.5 s doubling to 30 s);
//! the others wait for its answer. When a probe succeeds, everyone retries the call that
//! failed, and intake rescans the inbox for what arrived meanwhile. Nothing is lost: a file
//! is either still in the inbox, or claimed and retried; and nothing doubles, because every
//! retried step is idempotent (an attempt on a known id, a resolve of a known article, an
//! article row inserted once by id, a settle).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use newsdrop_store::Store;

use crate::intake::{Hint, HintSender};

const FIRST_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(30);

struct Probe {
    /// Someone is probing the store now.
    probing: bool,
    delay: Duration,
}

pub struct Outage {
    down: AtomicBool,
    probe: Mutex<Probe>,
    answered: Condvar,
    stopping: Arc<AtomicBool>,
    /// Asks intake to rescan once the store is back.
    hints: Mutex<Option<HintSender>>,
}

impl Outage {
    pub fn new(stopping: Arc<AtomicBool>) -> Self {
        Outage {
            down: AtomicBool::new(false),
            probe: Mutex::new(Probe {
                probing: false,
                delay: FIRST_DELAY,
            }),
            answered: Condvar::new(),
            stopping,
            hints: Mutex::new(None),
        }
    }

    /// Where to send the rescan hint when the store is back.
    pub fn rescan_with(&self, hints: HintSender) {
        *lock(&self.hints) = Some(hints);
    }

    /// Whether the store is known to be unreachable (intake does not claim meanwhile).
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Blocks until the store answers again; `false` when the daemon is stopping first (the
    /// caller then leaves its file in `work/` for the next start). `reason` is what failed.
    pub fn wait(&self, store: &Store, reason: &str) -> bool {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(store = %store.label(), error = %reason, "store unreachable; pausing intake until it answers");
        }
        let mut probe = lock(&self.probe);
        loop {
            if self.stopping.load(Ordering::Relaxed) {
                return false;
            }
            if !self.is_down() {
                return true;
            }
            if probe.probing {
                probe = self
                    .answered
                    .wait_timeout(probe, Duration::from_millis(200))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                continue;
            }
            probe.probing = true;
            let delay = probe.delay;
            drop(probe);
            if !self.sleep(delay) {
                lock(&self.probe).probing = false;
                return false;
            }
            let answer = store.ping();
            probe = lock(&self.probe);
            probe.probing = false;
            match answer {
                Ok(()) => {
                    probe.delay = FIRST_DELAY;
                    self.down.store(false, Ordering::Relaxed);
                    self.answered.notify_all();
                    tracing::info!(store = %store.label(), "store reachable again; resuming");
                    if let Some(hints) = &*lock(&self.hints) {
                        hints.send(Hint::Rescan);
                    }
                    return true;
                }
                Err(e) => {
                    probe.delay = (delay * 2).min(MAX_DELAY);
                    tracing::warn!(error = %e, retry_in_ms = probe.delay.as_millis() as u64, "store still unreachable");
                }
            }
        }
    }

    /// Sleeps `d` in short steps; `false` if the daemon began stopping meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let step = Duration::from_millis(50);
        let mut left = d;
        while !left.is_zero() {
            if self.stopping.load(Ordering::Relaxed) {
                return false;
            }
            let s = left.min(step);
            std::thread::sleep(s);
            left -= s;
        }
        !self.stopping.load(Ordering::Relaxed)
    }

    /// Runs `call` until it succeeds or fails for a reason other than an unreachable store,
    /// waiting out outages in between; `None` when the daemon stops during an outage.
    pub fn retry<T>(
        &self,
        store: &Store,
        mut call: impl FnMut() -> Result<T, newsdrop_store::StoreError>,
    ) -> Option<Result<T, newsdrop_store::StoreError>> {
        loop {
            match call() {
                Err(e) if e.is_unavailable() => {
                    if !self.wait(store, &e.to_string()) {
                        return None;
                    }
                }
                other => return Some(other),
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
