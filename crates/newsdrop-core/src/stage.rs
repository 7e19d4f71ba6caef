//! The `Stage` trait: one rule in the pipeline, built in or loaded from a plugin.
//!
//! A stage reads and annotates the article; it returns `Continue`, or `Drop` (or `Duplicate`)
//! with a reason when the article should not be emitted at all. An `Err` fails the article (it lands in
//! `failed/` with the stage named); the daemon goes on.

use crate::Article;

/// What a stage decided for the article as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// Do not emit the article; the input is archived and the reason kept in the ledger.
    Drop {
        reason: String,
    },
    /// Do not emit the article: it is a duplicate of an earlier one (the dedup rule's `drop`
    /// policy). Like `Drop`, but the ledger records it as a duplicate.
    Duplicate {
        reason: String,
    },
}

/// A stage's failure on one article: a message for `failed/<file>.error.json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StageError(pub String);

impl StageError {
    pub fn new(message: impl Into<String>) -> Self {
        StageError(message.into())
    }
}

/// One rule, configured and ready. Built once per config load and shared by all workers,
/// hence `Send + Sync`; `apply` must not keep per-article state in `self` without locking.
pub trait Stage: Send + Sync {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError>;

    /// A one-line description for `newsdrop check` (a plugin's name and version, a rule's
    /// summary of its config).
    fn describe(&self) -> String {
        String::new()
    }

    /// True once the stage panicked in a way that may have left its own state broken (a
    /// plugin: its instance outlives the article). The article already failed; the daemon
    /// reports the stage as not ready until a reload builds a new one.
    fn poisoned(&self) -> bool {
        false
    }
}
