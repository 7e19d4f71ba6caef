//! The store: the ledger of every article newsdrop has seen, and the state rules keep (the
//! dedup index and the line-frequency memory, [`newsdrop_core::State`]).
//!
//! Two backends behind one type, [`Store`]:
//! - SQLite ([`sqlite`]), the default: one file under the state folder, no server, one daemon;
//! - PostgreSQL ([`postgres`], cargo feature `postgres`): one database shared by several
//!   daemons, so that they see one ledger and one dedup index and never emit a story twice.
//!
//! `Store` is an enum rather than a trait object: the set of backends is closed and chosen by
//! the config, every call site stays a plain method call, and the daemon's `Arc<Store>`
//! coerces to the rules' `Arc<dyn State>` as before. The same conformance suite
//! (`conformance.rs`) runs against both.
//!
//! The ledger is keyed by article id (content hash + file name) and remembers the content
//! hash, the status, how many attempts were made and where the output went. Two rules keep
//! the reliability contract:
//! - an attempt is recorded (and committed) *before* the rules run, so a file that crashes the
//!   daemon again and again is quarantined instead of crash-looping;
//! - the final status of a batch is committed in one transaction *after* the outputs are
//!   fsynced and *before* the inputs leave the work folder, so a restart can always tell
//!   whether a leftover input still needs work.

pub mod dedup;
#[cfg(feature = "postgres")]
pub mod pg_server;
#[cfg(feature = "postgres")]
pub mod postgres;
mod postings;
mod shingles;
pub mod sqlite;

#[cfg(test)]
mod conformance;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use newsdrop_core::config::{Store as StoreConfig, StoreKind};
use newsdrop_core::{DedupIndex, IndexParams, LineMemory, State, StateError};

pub use crate::sqlite::{DB_FILE, SqliteStore, db_path};

/// Where an article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// An attempt began and did not finish (yet).
    Pending,
    /// Its JSON was written.
    Emitted,
    /// Dedup called it a duplicate and the policy kept it from the outbox.
    Duplicate,
    /// A rule dropped it on purpose.
    Dropped,
    /// It failed; the input is in `failed/`.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Emitted => "emitted",
            Status::Duplicate => "duplicate",
            Status::Dropped => "dropped",
            Status::Failed => "failed",
        }
    }

    /// Whether the article needs no more work.
    pub fn is_final(self) -> bool {
        self != Status::Pending
    }
}

impl FromStr for Status {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "pending" => Status::Pending,
            "emitted" => Status::Emitted,
            "duplicate" => Status::Duplicate,
            "dropped" => Status::Dropped,
            "failed" => Status::Failed,
            other => return Err(StoreError::Corrupt(format!("unknown status {other:?}"))),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("ledger {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[cfg(feature = "postgres")]
    #[error("store {label}: {source}")]
    Postgres {
        label: String,
        #[source]
        source: ::postgres::Error,
    },
    /// The database cannot be reached (refused, closed, shut down): try again later.
    #[error("store {label} is unreachable: {message}")]
    Unavailable { label: String, message: String },
    /// The database file is not the one opened any more (deleted or replaced under the
    /// daemon): whatever is written goes to a file no one will open again.
    #[error(
        "the database {label} was deleted or replaced while newsdrop ran: nothing more is written to the file it opened; restart newsdrop, which opens the file now at that path (a new, empty one if none: the ledger and dedup index of the old one are gone) and takes up the inputs left in work/"
    )]
    Replaced { label: String },
    #[error("ledger is corrupt: {0}")]
    Corrupt(String),
    #[error("ledger schema version {found} is newer than this newsdrop understands ({supported})")]
    TooNew { found: i64, supported: i64 },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    State(#[from] StateError),
}

impl StoreError {
    /// Whether the store could not be reached, so the same call may succeed later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

/// What `begin_attempt` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Attempts so far, this one included (for a final status: the attempts it took).
    pub attempts: u32,
    pub status: Status,
    /// Another daemon sharing the store holds this article's pending attempt (the same file
    /// was dropped into its inbox too): its node id. It finishes the article; this daemon
    /// only puts its copy of the input away. Always `None` with SQLite.
    pub elsewhere: Option<String>,
}

/// The final word on one article, committed with its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub id: String,
    pub status: Status,
    /// Output file, or the `failed/` path, or empty.
    pub output: String,
    /// Failure or drop reason; empty otherwise.
    pub message: String,
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub sha256: String,
    pub name: String,
    pub status: Status,
    pub attempts: u32,
    pub output: String,
    pub message: String,
    pub first_seen: String,
    pub updated: String,
}

/// The schema version a store's database has, against the one this newsdrop writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaReport {
    /// Which database, for messages (no password).
    pub label: String,
    /// 0 when there are no newsdrop tables yet.
    pub found: i64,
    pub current: i64,
}

impl SchemaReport {
    /// One line for `newsdrop check`; `Err` when this newsdrop cannot use the database.
    pub fn describe(&self) -> Result<String, StoreError> {
        let SchemaReport {
            label,
            found,
            current,
        } = self;
        if *found == 0 {
            return Ok(format!(
                "{label}: schema missing (no newsdrop tables yet); `newsdrop run` creates it"
            ));
        }
        match found.cmp(current) {
            std::cmp::Ordering::Less => Ok(format!(
                "{label}: schema version {found} is outdated (this newsdrop uses {current}); `newsdrop run` migrates it"
            )),
            std::cmp::Ordering::Equal => Ok(format!("{label}: schema version {found}, current")),
            std::cmp::Ordering::Greater => Err(StoreError::TooNew {
                found: *found,
                supported: *current,
            }),
        }
    }
}

/// The store of one process: the config picks the backend.
pub enum Store {
    Sqlite(SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever backend this is.
macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the SQLite store in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        SqliteStore::open(state_dir).map(Store::Sqlite)
    }

    /// A SQLite store in memory, gone when dropped (`newsdrop process` without `--state`).
    pub fn in_memory() -> Result<Self, StoreError> {
        SqliteStore::in_memory().map(Store::Sqlite)
    }

    /// The store a config asks for. `state_dir` holds the SQLite database, or, with
    /// PostgreSQL, this daemon's node id (see [`postgres::node_id`]).
    pub fn from_config(config: &StoreConfig, state_dir: &Path) -> Result<Self, StoreError> {
        match config.kind {
            StoreKind::Sqlite => Store::open(state_dir),
            #[cfg(feature = "postgres")]
            StoreKind::Postgres => {
                let node = postgres::node_id(state_dir)?;
                postgres::PgStore::connect(&postgres_url(config)?, config.pool_size, &node)
                    .map(Store::Postgres)
            }
            #[cfg(not(feature = "postgres"))]
            StoreKind::Postgres => Err(no_postgres()),
        }
    }

    /// The schema version of the database a config names, read without creating or
    /// changing anything (`newsdrop check`).
    pub fn schema(config: &StoreConfig, state_dir: &Path) -> Result<SchemaReport, StoreError> {
        match config.kind {
            StoreKind::Sqlite => sqlite::schema_version(state_dir),
            #[cfg(feature = "postgres")]
            StoreKind::Postgres => postgres::schema_version(&postgres_url(config)?),
            #[cfg(not(feature = "postgres"))]
            StoreKind::Postgres => Err(no_postgres()),
        }
    }

    /// Where the store lives, for logs (no password).
    pub fn label(&self) -> &str {
        each!(self, s => s.label())
    }

    /// Records that processing of `id` begins, before any rule runs.
    ///
    /// A new id starts at attempt 1; a pending one counts one more attempt; a failed one
    /// (dropped again, perhaps after a fix) starts over at 1; any other final status is
    /// returned untouched, so the caller can finish the input without running it again.
    /// With a shared store, a pending attempt of another daemon is returned untouched with
    /// [`Attempt::elsewhere`] set.
    pub fn begin_attempt(&self, id: &str, sha256: &str, name: &str) -> Result<Attempt, StoreError> {
        each!(self, s => s.begin_attempt(id, sha256, name))
    }

    /// Commits the final status of a batch of articles in one durable transaction, after
    /// the dedup index rows of the articles judged so far, so that an article settled as
    /// emitted is always in the index a restart sees.
    pub fn settle(&self, batch: &[Settled]) -> Result<(), StoreError> {
        each!(self, s => s.settle(batch))
    }

    /// The row for `id`, if any.
    pub fn get(&self, id: &str) -> Result<Option<Entry>, StoreError> {
        each!(self, s => s.get(id))
    }

    /// How many articles are in each status.
    pub fn counts(&self) -> Result<Vec<(Status, u64)>, StoreError> {
        each!(self, s => s.counts())
    }

    /// Writes what the rules' state holds in memory: called at the end of `newsdrop
    /// process`; the daemon's settles do it too.
    pub fn flush_state(&self) -> Result<(), StoreError> {
        each!(self, s => s.flush_state())
    }

    /// The dedup index, once a rule asked for it: (articles in it, bytes of memory its
    /// in-process tables hold). For benchmarks and reports.
    pub fn dedup_index_stats(&self) -> Option<(usize, usize)> {
        each!(self, s => s.dedup_index_stats())
    }

    /// Asks the database whether it answers a query (the daemon's readiness check, and the
    /// probe that ends an outage).
    pub fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.ping(),
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.ping(),
        }
    }

    /// How many times calls found the database unreachable since the store opened. A
    /// caller that sees it change across a pipeline run knows a failure may be the
    /// store's, not the article's (a rule's state calls cannot say so themselves).
    pub fn outages(&self) -> u64 {
        match self {
            Store::Sqlite(_) => 0,
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.outages(),
        }
    }

    /// Creates the articles table `table` (the `output.table` sink) if it is missing.
    pub fn prepare_table(&self, table: &str) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.prepare_table(table),
            _ => Err(StoreError::Unsupported(format!(
                "output.table = {table:?} needs the PostgreSQL store"
            ))),
        }
    }

    /// Inserts articles (id, JSON record) into `table`, skipping ids already there, so a
    /// batch replayed after a crash adds nothing twice.
    pub fn insert_articles(&self, table: &str, rows: &[(&str, &[u8])]) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.insert_articles(table, rows),
            _ => Err(StoreError::Unsupported(format!(
                "output.table = {table:?} needs the PostgreSQL store ({} rows not written)",
                rows.len()
            ))),
        }
    }
}

impl State for Store {
    fn dedup_index(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Arc<dyn DedupIndex>, StateError> {
        each!(self, s => s.dedup_index(params, expire_after_secs))
    }

    fn dedup_params(&self) -> Result<Option<IndexParams>, StateError> {
        each!(self, s => s.dedup_params())
    }

    fn line_memory(&self) -> Result<Arc<dyn LineMemory>, StateError> {
        each!(self, s => s.line_memory())
    }

    fn location(&self) -> String {
        self.label().to_string()
    }
}

#[cfg(feature = "postgres")]
fn postgres_url(config: &StoreConfig) -> Result<String, StoreError> {
    config.url.clone().ok_or_else(|| {
        StoreError::Unsupported("store.kind = \"postgres\" needs store.url".to_string())
    })
}

#[cfg(not(feature = "postgres"))]
fn no_postgres() -> StoreError {
    StoreError::Unsupported(
        "store.kind = \"postgres\": this newsdrop was built without PostgreSQL support (cargo feature `postgres`)"
            .to_string(),
    )
}

/// Now, as stored in the ledger (RFC 3339).
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}
