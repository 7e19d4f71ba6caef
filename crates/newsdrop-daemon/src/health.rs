//! Whether the daemon can do its work, for `/ready`, and the output gate that pauses intake
//! while outputs cannot be written.
//!
//! Ready means: intake is running, the store answers, outputs can be written, and no plugin
//! has panicked since the pipeline was built (a panic fails its article, but the plugin's
//! own state may be broken: a reload builds a fresh instance and clears it).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::metrics::Metrics;

/// Flags the threads set and `/ready` reads.
#[derive(Default)]
pub struct Health {
    pub intake_running: AtomicBool,
    /// The last store call succeeded.
    pub store_ok: AtomicBool,
    /// SIGTERM came: intake stopped on purpose and in-flight files drain.
    pub draining: AtomicBool,
    /// Why outputs cannot be written, while they cannot.
    blocked: Mutex<Option<String>>,
    blocked_flag: AtomicBool,
}

impl Health {
    /// Whether intake should hold off: outputs cannot be written.
    pub fn output_blocked(&self) -> bool {
        self.blocked_flag.load(Ordering::Relaxed)
    }

    /// Outputs cannot be written, because of `reason`.
    pub fn block_output(&self, reason: &str, metrics: &Metrics) {
        let mut b = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if b.is_none() {
            tracing::warn!(
                reason,
                "cannot write outputs; intake paused until writes succeed"
            );
        }
        *b = Some(reason.to_string());
        self.blocked_flag.store(true, Ordering::Relaxed);
        metrics.output_blocked.set(1);
    }

    /// A write succeeded again.
    pub fn unblock_output(&self, metrics: &Metrics) {
        if !self.output_blocked() {
            return;
        }
        let mut b = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if b.take().is_some() {
            tracing::info!("outputs can be written again; intake resumes");
        }
        self.blocked_flag.store(false, Ordering::Relaxed);
        metrics.output_blocked.set(0);
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
        if let Some(reason) = self
            .blocked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            problems.push(format!("outputs cannot be written: {reason}"));
        }
        for stage in poisoned {
            problems.push(format!(
                "plugin stage {stage:?} panicked; reload (SIGHUP) to start it afresh"
            ));
        }
        problems
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
}
