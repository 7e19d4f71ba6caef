//! The SQLite store: the ledger, the dedup index and the line memory in one database file
//! (WAL mode) under the state folder, so that one daemon needs no server.
//!
//! One connection behind one mutex: two connections would contend on SQLite's own write
//! lock, whose busy handler sleeps in steps of milliseconds, where a mutex just waits its
//! turn. Attempts commit with `synchronous = NORMAL` (they only need to survive a process
//! crash, and there is one per file); a batch commit switches to `FULL` for its one fsync,
//! since it must survive power loss. The dedup index and the line memory ([`crate::dedup`])
//! are created on first use over the same connection and shared by every pipeline built
//! over this store (a config reload keeps them).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use newsdrop_core::{DedupIndex, IndexParams, LineMemory, State, StateError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::dedup::{Handles, SqliteIndex, SqliteLines};
use crate::{Attempt, Entry, SchemaReport, Settled, Status, StoreError, now};

/// File name of the SQLite database inside the state folder.
pub const DB_FILE: &str = "newsdrop.db";

/// The SQLite store.
pub struct SqliteStore {
    label: String,
    /// Shared with the dedup index and the line memory.
    conn: Arc<Mutex<Connection>>,
    /// The dedup index and line memory, once a rule asked for them.
    handles: Mutex<Handles>,
    /// The state folder (where the dedup index keeps its shingle file); `None` in memory.
    dir: Option<PathBuf>,
    /// The database file as opened (device, inode), to notice it deleted or replaced.
    file: Option<(u64, u64)>,
}

const SCHEMA_VERSION: i64 = 4;

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE ledger (
        id         TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        name       TEXT NOT NULL,
        status     TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        output     TEXT NOT NULL DEFAULT '',
        message    TEXT NOT NULL DEFAULT '',
        first_seen TEXT NOT NULL,
        updated    TEXT NOT NULL
    );
    CREATE INDEX ledger_sha256 ON ledger(sha256);",
    crate::dedup::MIGRATION,
    crate::dedup::MIGRATION_SEQ,
    crate::dedup::MIGRATION_SHINGLE_FILE,
];

impl SqliteStore {
    /// Opens (creating if needed) the ledger in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        let path = state_dir.join(DB_FILE);
        let label = path.display().to_string();
        let conn = Connection::open(&path).map_err(|e| sqlite(&label, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| sqlite(&label, e))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(|e| sqlite(&label, e))?;
        let mut store = SqliteStore::with(conn, label, Some(state_dir.to_path_buf()))?;
        store.file = std::fs::metadata(&path).ok().map(|m| identity(&m));
        Ok(store)
    }

    /// A ledger in memory, gone when dropped (`newsdrop process` without `--state`).
    pub fn in_memory() -> Result<Self, StoreError> {
        let label = "<memory>".to_string();
        let conn = Connection::open_in_memory().map_err(|e| sqlite(&label, e))?;
        SqliteStore::with(conn, label, None)
    }

    fn with(conn: Connection, label: String, dir: Option<PathBuf>) -> Result<Self, StoreError> {
        migrate(&conn, &label)?;
        Ok(SqliteStore {
            label,
            conn: Arc::new(Mutex::new(conn)),
            handles: Mutex::new(Handles::default()),
            dir,
            file: None,
        })
    }

    /// Fails with [`StoreError::Replaced`] once the database file is not the one opened
    /// (gone, or another file at its path): SQLite writes on to a deleted file without a
    /// word, and the ledger would be lost at the next start with nothing said (one `stat`,
    /// per batch settled and per probe). A `stat` that fails otherwise (permissions, a
    /// network filesystem's hiccup) tells nothing, and SQLite's own calls report what is
    /// wrong.
    fn check_file(&self) -> Result<(), StoreError> {
        let (Some(opened), Some(dir)) = (self.file, &self.dir) else {
            return Ok(());
        };
        let replaced = match std::fs::metadata(dir.join(DB_FILE)) {
            Ok(now) => identity(&now) != opened,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if replaced {
            return Err(StoreError::Replaced {
                label: self.label.clone(),
            });
        }
        Ok(())
    }

    /// Where the ledger lives, for logs.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Records that processing of `id` begins, before any rule runs.
    ///
    /// A new id starts at attempt 1; a pending one counts one more attempt; a failed one
    /// (dropped again, perhaps after a fix) starts over at 1; any other final status is
    /// returned untouched, so the caller can finish the input without running it again.
    pub fn begin_attempt(&self, id: &str, sha256: &str, name: &str) -> Result<Attempt, StoreError> {
        let now = now();
        let conn = lock(&self.conn);
        let (attempts, status): (u32, String) = conn
            .prepare_cached(
                "INSERT INTO ledger (id, sha256, name, status, attempts, first_seen, updated)
                 VALUES (?1, ?2, ?3, 'pending', 1, ?4, ?4)
                 ON CONFLICT(id) DO UPDATE SET
                    attempts = CASE status WHEN 'pending' THEN attempts + 1
                                           WHEN 'failed' THEN 1 ELSE attempts END,
                    status   = CASE status WHEN 'failed' THEN 'pending' ELSE status END,
                    updated  = CASE WHEN status IN ('pending', 'failed') THEN ?4 ELSE updated END
                 RETURNING attempts, status",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![id, sha256, name, now], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
            })
            .map_err(|e| sqlite(&self.label, e))?;
        Ok(Attempt {
            attempts,
            status: status.parse()?,
            elsewhere: None,
        })
    }

    /// Writes what the rules' state holds in memory (pending dedup index rows, the line
    /// memory): called at the end of `newsdrop process`; the daemon's settles do it too.
    pub fn flush_state(&self) -> Result<(), StoreError> {
        let handles = lock(&self.handles);
        if let Some(index) = &handles.index {
            index.flush()?;
        }
        if let Some(lines) = &handles.lines {
            lines.save()?;
        }
        Ok(())
    }

    /// The dedup index, once a rule asked for it: (articles in it, bytes of memory its
    /// tables hold, see [`SqliteIndex::memory_bytes`]). For benchmarks and reports.
    pub fn dedup_index_stats(&self) -> Option<(usize, usize)> {
        let index = lock(&self.handles).index.clone()?;
        Some((index.len(), index.memory_bytes()))
    }

    /// Commits the final status of a batch of articles in one durable transaction, after
    /// the dedup index rows of the articles judged so far, so that an article settled as
    /// emitted is always in the index a restart loads.
    pub fn settle(&self, batch: &[Settled]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.check_file()?;
        let index = lock(&self.handles).index.clone();
        if let Some(index) = index {
            index.flush()?;
        }
        let now = now();
        let mut conn = lock(&self.conn);
        conn.execute_batch("PRAGMA synchronous = FULL;")
            .map_err(|e| sqlite(&self.label, e))?;
        let result = settle_in(&mut conn, batch, &now);
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(|e| sqlite(&self.label, e))?;
        result.map_err(|e| sqlite(&self.label, e))
    }

    /// The row for `id`, if any.
    pub fn get(&self, id: &str) -> Result<Option<Entry>, StoreError> {
        let conn = lock(&self.conn);
        let row = conn
            .query_row(
                "SELECT id, sha256, name, status, attempts, output, message, first_seen, updated
                 FROM ledger WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, u32>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| sqlite(&self.label, e))?;
        row.map(
            |(id, sha256, name, status, attempts, output, message, first_seen, updated)| {
                Ok(Entry {
                    id,
                    sha256,
                    name,
                    status: status.parse()?,
                    attempts,
                    output,
                    message,
                    first_seen,
                    updated,
                })
            },
        )
        .transpose()
    }

    /// Whether the ledger answers a query, from the file it was opened on.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.check_file()?;
        let conn = lock(&self.conn);
        conn.query_row("SELECT COUNT(*) FROM ledger WHERE id = ''", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(drop)
        .map_err(|e| sqlite(&self.label, e))
    }

    /// How many articles are in each status.
    pub fn counts(&self) -> Result<Vec<(Status, u64)>, StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn
            .prepare("SELECT status, COUNT(*) FROM ledger GROUP BY status ORDER BY status")
            .map_err(|e| sqlite(&self.label, e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| sqlite(&self.label, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (status, n) = row.map_err(|e| sqlite(&self.label, e))?;
            out.push((status.parse()?, n.max(0) as u64));
        }
        Ok(out)
    }
}

fn settle_in(conn: &mut Connection, batch: &[Settled], now: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE ledger SET status = ?2, output = ?3, message = ?4, updated = ?5 WHERE id = ?1",
        )?;
        for s in batch {
            stmt.execute(params![s.id, s.status.as_str(), s.output, s.message, now])?;
        }
    }
    tx.commit()
}

impl State for SqliteStore {
    fn dedup_index(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Arc<dyn DedupIndex>, StateError> {
        let mut handles = lock(&self.handles);
        if let Some(index) = &handles.index {
            index.reuse(params, expire_after_secs)?;
            return Ok(index.clone());
        }
        let index = Arc::new(SqliteIndex::open(
            self.conn.clone(),
            &self.label,
            params,
            expire_after_secs,
            self.dir.as_deref(),
        )?);
        handles.index = Some(index.clone());
        Ok(index)
    }

    fn dedup_params(&self) -> Result<Option<IndexParams>, StateError> {
        if let Some(index) = &lock(&self.handles).index {
            return Ok(Some(index.params().clone()));
        }
        crate::dedup::stored_params(&lock(&self.conn), &self.label)
    }

    fn line_memory(&self) -> Result<Arc<dyn LineMemory>, StateError> {
        let mut handles = lock(&self.handles);
        if let Some(lines) = &handles.lines {
            return Ok(lines.clone());
        }
        let lines = Arc::new(SqliteLines::open(self.conn.clone(), &self.label)?);
        handles.lines = Some(lines.clone());
        Ok(lines)
    }

    fn location(&self) -> String {
        self.label.clone()
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Err(e) = self.flush_state() {
            tracing::error!(error = %e, "cannot write the rules' state");
        }
    }
}

/// The schema version of the database in `state_dir` (0 when there is none yet), read
/// without creating or changing anything.
pub fn schema_version(state_dir: &Path) -> Result<SchemaReport, StoreError> {
    let path = db_path(state_dir);
    let label = path.display().to_string();
    let found = if path.exists() {
        let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| sqlite(&label, e))?;
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sqlite(&label, e))?
    } else {
        0
    };
    Ok(SchemaReport {
        label: format!("sqlite {label}"),
        found,
        current: SCHEMA_VERSION,
    })
}

/// The device and inode of a file.
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// The path of the database inside `state_dir`.
pub fn db_path(state_dir: &Path) -> PathBuf {
    state_dir.join(DB_FILE)
}

fn migrate(conn: &Connection, label: &str) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| sqlite(label, e))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;"
        ))
        .map_err(|e| sqlite(label, e))?;
    }
    Ok(())
}

fn sqlite(label: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: label.to_string(),
        source,
    }
}

/// A poisoned lock only means another thread panicked mid-call; SQLite's own transaction
/// state is intact (an open transaction rolls back on drop), so carry on with the connection.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    //! What only the SQLite store has; the rest is in the conformance suite.
    use super::*;
    use crate::Store;

    #[test]
    fn two_in_memory_stores_are_separate() {
        let a = Store::in_memory().expect("a");
        let b = Store::in_memory().expect("b");
        a.begin_attempt("only-a", "h", "n").expect("attempt");
        assert!(b.get("only-a").expect("get").is_none());
        assert!(a.get("only-a").expect("get").is_some());
    }

    #[test]
    fn an_index_written_before_row_numbers_is_migrated_and_still_found() {
        use newsdrop_core::{DedupStatus, DedupVerdict, Fingerprint, IndexParams, State};
        let dir = tempfile::tempdir().expect("tmp");
        let params = IndexParams {
            scheme: "test".into(),
            seed: 1,
            shingle: 4,
            sampling: 1,
        };
        {
            // A state folder as version 2 left it: `dedup_docs` keyed by id.
            let conn = Connection::open(db_path(dir.path())).expect("open");
            for sql in &MIGRATIONS[..2] {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.execute(
                "INSERT INTO dedup_meta (key, value) VALUES ('params', ?1)",
                [params.describe()],
            )
            .expect("params");
            conn.execute(
                "INSERT INTO dedup_docs (id, root, exact, at, keys, shingles, verdict)
                 VALUES ('old', 'old', NULL, 1000, ?1, ?1, ?2)",
                rusqlite::params![
                    crate::dedup::to_blob(&[1, 2, 3, 4]),
                    serde_json::to_string(&DedupVerdict::unique()).expect("json")
                ],
            )
            .expect("row");
            conn.execute_batch("PRAGMA user_version = 2;")
                .expect("version");
        }
        let store = Store::open(dir.path()).expect("migrates");
        assert_eq!(
            schema_version(dir.path()).expect("report").found,
            SCHEMA_VERSION
        );
        let index = store.dedup_index(&params, None).expect("index");
        assert_eq!(index.len(), 1);
        let doc = Fingerprint {
            id: "new".into(),
            exact: None,
            shingles: vec![1, 2, 3, 4],
            keys: vec![1, 2, 3, 4],
            at: 2000,
            min_key_share: 0.0,
            superset_ratio: f64::INFINITY,
        };
        let mut offered = Vec::new();
        index
            .resolve(&doc, &mut |l| {
                offered = l
                    .candidates
                    .iter()
                    .map(|c| (c.id.to_string(), c.shingles.to_vec()))
                    .collect();
                DedupVerdict {
                    status: DedupStatus::Near,
                    of: Some("old".into()),
                    ..DedupVerdict::unique()
                }
            })
            .expect("resolve");
        assert_eq!(offered, [("old".to_string(), vec![1, 2, 3, 4])]);
    }

    #[test]
    fn a_newer_schema_is_refused_and_reported() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(schema_version(dir.path()).expect("none").found, 0);
        drop(Store::open(dir.path()).expect("create"));
        let report = schema_version(dir.path()).expect("report");
        assert_eq!(report.found, report.current);
        {
            let conn = Connection::open(db_path(dir.path())).expect("open");
            conn.execute_batch("PRAGMA user_version = 99;")
                .expect("set");
        }
        match Store::open(dir.path()) {
            Err(StoreError::TooNew { found: 99, .. }) => {}
            other => panic!("expected TooNew, got {:?}", other.err()),
        }
    }
}
