//! The dedup index and the line-frequency memory of the SQLite store.
//!
//! The index answers from memory and persists to SQLite:
//! - in memory, per article: its id, its row number, the slot of its story's root, its time,
//!   and its sampled index keys in the postings ([`crate::postings`]: 8 bytes a posting, a
//!   bounded walk per key), plus the exact-hash and id maps; a few hundred bytes an article;
//! - in SQLite (`dedup_docs`, keyed by row number): the keys, root, time and verdict of
//!   every article (the verdict is returned as is when the same id comes again);
//! - in a file beside the database ([`crate::shingles`]): the full shingle set of every
//!   article, read back only to verify a candidate, at the offset its row gives.
//!
//! SQLite is reached through the store's one connection (see the crate doc), locked only to
//! write a batch or read a verdict. Rows are written in batches (every
//! [`FLUSH_EVERY`] articles, at every ledger settle, and on drop), so a batch of articles
//! costs one transaction; the ledger settle of an article always comes after its index row
//! is written. A mutex makes look-up and insert one step.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use newsdrop_core::{
    Candidate, DedupIndex, DedupVerdict, Fingerprint, IndexParams, LineMemory, Lookup, StateError,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::postings::Postings;
use crate::shingles::{self, ShingleFile};

/// Pending index rows are written once this many have gathered.
pub const FLUSH_EVERY: usize = 512;

/// Most candidates verified for one article: those sharing the most index keys. Each costs
/// a read of its shingle set, and without a cap an article whose sentences recur across the
/// index would be checked against every article sharing one of them, so the work per
/// article would grow with the index. A real copy shares many keys and ranks first.
pub const MAX_CANDIDATES: usize = 64;

/// The line memory is saved after this many articles, or [`LINES_SAVE_AFTER`] after the
/// last save, whichever comes first (and when dropped). A save writes the lines whose count
/// changed, mostly the same ones each time (a site's chrome, a recurring sentence), so a
/// save costs about as much however few articles came since the last: saved every 4,096
/// articles, it cost 0.8 µs an article at the start of the 1M scale set and 4.9 at its end,
/// as the table grew (timed in the store during `dedup_bench`); every 32,768, 0.2 and 1.0.
/// What a kill loses is the counts since the last save: chrome is learnt a little later.
const LINES_SAVE_EVERY: u64 = 1 << 15;

/// See [`LINES_SAVE_EVERY`]: a daemon that sees few articles still saves its memory often.
const LINES_SAVE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The changed lines noted between saves (an entry a repeat) are made distinct when they
/// pass this many (or twice what they were when last made so): they never hold much more
/// than this many entries, or twice the number of lines that changed.
const LINES_DIRTY_MAX: usize = 1 << 18;

/// Entries the line memory keeps before it forgets lines seen once.
const LINES_CAPACITY: usize = 1 << 20;

fn backend(label: &str, e: impl std::fmt::Display) -> StateError {
    StateError::Backend(format!("{label}: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A set of shingles or keys as stored: little-endian `u32`s (both backends).
pub(crate) fn to_blob(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn from_blob(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

use newsdrop_core::id::mix64 as mix;

fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

fn file_error(label: &str, e: std::io::Error) -> StateError {
    backend(label, format!("shingle file: {e}"))
}

/// The expiry window that keeps everything.
pub(crate) const NO_EXPIRY: i64 = i64::MIN;

/// The expiry window in seconds, as both backends keep it in an atomic.
pub(crate) fn window(expire_after_secs: Option<u64>) -> i64 {
    expire_after_secs.map_or(NO_EXPIRY, |s| i64::try_from(s).unwrap_or(i64::MAX))
}

/// An open index taken up by another pipeline (a config reload), for both backends: the
/// parameters (`own`, the index's) must not change; the expiry window may.
pub(crate) fn reuse(
    label: &str,
    own: &IndexParams,
    expire_after: &AtomicI64,
    params: &IndexParams,
    expire_after_secs: Option<u64>,
) -> Result<(), StateError> {
    if params != own {
        return Err(StateError::ParamsMismatch {
            location: label.to_string(),
            found: own.describe(),
            wanted: params.describe(),
        });
    }
    expire_after.store(window(expire_after_secs), Ordering::Relaxed);
    Ok(())
}

/// The parameters of the index in the database, if it has one. A line that does not read
/// back as parameters is `None` too: opening the index then refuses it, quoting the line.
pub(crate) fn stored_params(
    conn: &Connection,
    label: &str,
) -> Result<Option<IndexParams>, StateError> {
    Ok(params_line(conn, label)?
        .as_deref()
        .and_then(IndexParams::parse))
}

/// The parameters line ([`IndexParams::describe`]) the database holds, if any.
fn params_line(conn: &Connection, label: &str) -> Result<Option<String>, StateError> {
    conn.query_row(
        "SELECT value FROM dedup_meta WHERE key = 'params'",
        [],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| backend(label, e))
}

/// A row not yet written.
struct Pending {
    seq: i64,
    id: String,
    root: String,
    exact: Option<u64>,
    at: i64,
    keys: Vec<u32>,
    shingles: Vec<u32>,
    verdict: String,
}

struct Inner {
    /// The store's connection, shared with the ledger.
    conn: Arc<Mutex<Connection>>,
    ids: Vec<Box<str>>,
    /// Row of each article in `dedup_docs`.
    seqs: Vec<i64>,
    /// Where each article's shingle set is in `sets`, and its size (the offset is
    /// `u64::MAX` while the row is pending).
    set_at: Vec<u64>,
    set_len: Vec<u32>,
    sets: ShingleFile,
    next_seq: i64,
    roots: Vec<u32>,
    at: Vec<i64>,
    by_id: HashMap<u64, u32>,
    exact: HashMap<u64, u32>,
    postings: Postings,
    /// The slots a look-up's walk of the postings gives; kept between look-ups for its
    /// capacity.
    walked: Vec<u32>,
    /// The candidates' shingle sets read from `sets`, end to end, and the bytes read; kept
    /// between look-ups for their capacity.
    read_values: Vec<u32>,
    read_bytes: Vec<u8>,
    pending: Vec<Pending>,
    /// Slot of the first pending row: pending[i] is slot `pending_from + i`.
    pending_from: u32,
}

/// The SQLite-backed dedup index.
pub struct SqliteIndex {
    label: String,
    params: IndexParams,
    /// Expiry window in seconds; [`NO_EXPIRY`] keeps everything.
    expire_after: AtomicI64,
    inner: Mutex<Inner>,
}

/// Creates the index tables (a store migration).
pub(crate) const MIGRATION: &str = "CREATE TABLE dedup_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE dedup_docs (
        id       TEXT PRIMARY KEY,
        root     TEXT NOT NULL,
        exact    INTEGER,
        at       INTEGER NOT NULL,
        keys     BLOB NOT NULL,
        shingles BLOB NOT NULL,
        verdict  TEXT NOT NULL
    );
    CREATE INDEX dedup_docs_at ON dedup_docs(at);
    CREATE TABLE line_freq (
        hash  INTEGER PRIMARY KEY,
        count INTEGER NOT NULL
    )";

/// Gives each index row a stable sequence number as its key (a store migration): a
/// candidate's shingles are then read by one integer look-up, rows are appended in order,
/// and no index on the id has to be kept (the ids live in memory, where a repeat is caught).
pub(crate) const MIGRATION_SEQ: &str = "CREATE TABLE dedup_docs_seq (
        seq      INTEGER PRIMARY KEY,
        id       TEXT NOT NULL,
        root     TEXT NOT NULL,
        exact    INTEGER,
        at       INTEGER NOT NULL,
        keys     BLOB NOT NULL,
        shingles BLOB NOT NULL,
        verdict  TEXT NOT NULL
    );
    INSERT INTO dedup_docs_seq (seq, id, root, exact, at, keys, shingles, verdict)
        SELECT rowid, id, root, exact, at, keys, shingles, verdict FROM dedup_docs ORDER BY rowid;
    DROP TABLE dedup_docs;
    ALTER TABLE dedup_docs_seq RENAME TO dedup_docs;
    CREATE INDEX dedup_docs_at ON dedup_docs(at)";

/// Moves the shingle sets out of the rows into a file of their own ([`crate::shingles`]): a
/// row gets its record's offset and count, and its `shingles` blob is emptied when the
/// index is next opened.
pub(crate) const MIGRATION_SHINGLE_FILE: &str =
    "ALTER TABLE dedup_docs ADD COLUMN shingles_at INTEGER;
    ALTER TABLE dedup_docs ADD COLUMN shingles_n INTEGER";

/// Shingle files are compacted when their dead records (of expired rows) take more than
/// this many bytes and more than the live ones.
const COMPACT_AFTER: u64 = 1 << 16;

impl SqliteIndex {
    /// Opens the index over `conn`: checks (or records) `params`, purges expired rows and
    /// loads the rest into memory.
    ///
    /// `dir` is the state folder, where the shingle file lives; `None` keeps the shingle
    /// sets in memory (a store in memory).
    pub(crate) fn open(
        conn: Arc<Mutex<Connection>>,
        label: &str,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
        dir: Option<&Path>,
    ) -> Result<Self, StateError> {
        let err = |e: rusqlite::Error| backend(label, e);
        let wanted = params.describe();
        let shared = conn;
        let conn = lock(&shared);
        match params_line(&conn, label)? {
            Some(found) if found != wanted => {
                return Err(StateError::ParamsMismatch {
                    location: label.to_string(),
                    found,
                    wanted,
                });
            }
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT INTO dedup_meta (key, value) VALUES ('params', ?1)",
                    [&wanted],
                )
                .map_err(err)?;
            }
        }
        let expire_after = window(expire_after_secs);
        if expire_after != NO_EXPIRY {
            let cutoff = jiff::Timestamp::now()
                .as_second()
                .saturating_sub(expire_after);
            conn.execute("DELETE FROM dedup_docs WHERE at < ?1", [cutoff])
                .map_err(err)?;
        }
        let sets = open_sets(&conn, label, dir)?;
        let mut inner = Inner {
            conn: shared.clone(),
            ids: Vec::new(),
            seqs: Vec::new(),
            set_at: Vec::new(),
            set_len: Vec::new(),
            sets,
            next_seq: 1,
            roots: Vec::new(),
            at: Vec::new(),
            by_id: HashMap::new(),
            exact: HashMap::new(),
            postings: Postings::default(),
            walked: Vec::new(),
            read_values: Vec::new(),
            read_bytes: Vec::new(),
            pending: Vec::new(),
            pending_from: 0,
        };
        let mut root_ids: Vec<Box<str>> = Vec::new();
        {
            let mut stmt = conn
                .prepare(
                    "SELECT seq, id, root, exact, at, keys, shingles_at, shingles_n
                     FROM dedup_docs ORDER BY seq",
                )
                .map_err(err)?;
            let mut rows = stmt.query([]).map_err(err)?;
            while let Some(row) = rows.next().map_err(err)? {
                let seq: i64 = row.get(0).map_err(err)?;
                let id: String = row.get(1).map_err(err)?;
                let root: String = row.get(2).map_err(err)?;
                let exact: Option<i64> = row.get(3).map_err(err)?;
                let at: i64 = row.get(4).map_err(err)?;
                let keys: Vec<u8> = row.get(5).map_err(err)?;
                let set_at: i64 = row.get(6).map_err(err)?;
                let set_len: i64 = row.get(7).map_err(err)?;
                let slot = inner.ids.len() as u32;
                inner.by_id.insert(hash_str(&id), slot);
                if let Some(x) = exact {
                    inner.exact.entry(x as u64).or_insert(slot);
                }
                inner.postings.load(slot, &from_blob(&keys));
                inner.ids.push(id.into_boxed_str());
                inner.seqs.push(seq);
                inner.set_at.push(set_at as u64);
                inner.set_len.push(set_len as u32);
                inner.next_seq = seq + 1;
                inner.at.push(at);
                inner.roots.push(slot);
                root_ids.push(root.into_boxed_str());
            }
        }
        inner.postings.finish_load();
        // Roots by slot; a root that expired leaves its story rooted at each member.
        for (slot, root) in root_ids.iter().enumerate() {
            if let Some(&r) = inner.by_id.get(&hash_str(root))
                && *inner.ids[r as usize] == **root
            {
                inner.roots[slot] = r;
            }
        }
        inner.pending_from = inner.ids.len() as u32;
        drop(conn);
        Ok(SqliteIndex {
            label: label.to_string(),
            params: params.clone(),
            expire_after: AtomicI64::new(expire_after),
            inner: Mutex::new(inner),
        })
    }

    /// The parameters the index was built with.
    pub(crate) fn params(&self) -> &IndexParams {
        &self.params
    }

    /// The same index for another pipeline (a config reload): the parameters must not
    /// change; the expiry window may.
    pub(crate) fn reuse(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<(), StateError> {
        reuse(
            &self.label,
            &self.params,
            &self.expire_after,
            params,
            expire_after_secs,
        )
    }

    /// Writes the pending rows in one transaction.
    pub fn flush(&self) -> Result<(), StateError> {
        flush(&mut lock(&self.inner), &self.label)
    }

    /// Bytes of memory the in-memory index holds (tables, not counting allocator overhead).
    pub fn memory_bytes(&self) -> usize {
        let inner = lock(&self.inner);
        let ids: usize = inner.ids.iter().map(|s| s.len() + 16).sum();
        let per_slot = inner.roots.len() * 4
            + inner.at.len() * 8
            + inner.seqs.len() * 8
            + inner.set_at.len() * 8
            + inner.set_len.len() * 4;
        let maps = (inner.by_id.capacity() + inner.exact.capacity()) * 13;
        ids + per_slot + maps + inner.postings.bytes() + inner.walked.capacity() * 4
    }
}

/// Opens the shingle file the database names (in memory without `dir`), first moving into
/// it the sets of rows written before there was one, and compacting it when expired rows
/// left more dead records than live ones.
fn open_sets(
    conn: &Connection,
    label: &str,
    dir: Option<&Path>,
) -> Result<ShingleFile, StateError> {
    let err = |e: rusqlite::Error| backend(label, e);
    let io = |e| file_error(label, e);
    let generation: u64 = conn
        .query_row(
            "SELECT value FROM dedup_meta WHERE key = 'shingles_generation'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(err)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut sets = match dir {
        Some(d) => {
            shingles::remove_others(d, generation);
            ShingleFile::open(&shingles::path_of(d, generation)).map_err(io)?
        }
        None => ShingleFile::in_memory(),
    };
    // Where the last record ends, the bytes of the records rows point at, and the rows
    // whose sets are still in the row (written before there was a file): one scan.
    let stats = || {
        conn.query_row(
            "SELECT COALESCE(MAX(shingles_at + 8 + 4 * shingles_n), 0),
                    COALESCE(SUM(8 + 4 * shingles_n), 0),
                    COALESCE(SUM(shingles_at IS NULL), 0)
             FROM dedup_docs",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(err)
    };
    let (mut end, mut live, unmoved) = stats()?;
    if unmoved > 0 {
        move_sets_out_of_rows(conn, label, &mut sets)?;
        (end, live, _) = stats()?;
    }
    if sets.extend_to(end as u64).map_err(io)? {
        tracing::warn!(
            store = label,
            "the dedup shingle file is shorter than the index expects (a crash before it \
             reached the disk?): the articles whose shingles were lost can no longer be found \
             as near copies"
        );
    }
    let dead = sets.len().saturating_sub(live as u64);
    if let Some(d) = dir
        && dead > COMPACT_AFTER
        && dead > live as u64
    {
        sets = compact(conn, label, d, &sets, generation + 1)?;
    }
    Ok(sets)
}

/// Rows written before the shingle file (schema 3) hold their sets: they are appended to the
/// file and the rows pointed at them, a few thousand at a time.
fn move_sets_out_of_rows(
    conn: &Connection,
    label: &str,
    sets: &mut ShingleFile,
) -> Result<(), StateError> {
    let err = |e: rusqlite::Error| backend(label, e);
    loop {
        let rows: Vec<(i64, Vec<u32>)> = conn
            .prepare_cached(
                "SELECT seq, shingles FROM dedup_docs WHERE shingles_at IS NULL LIMIT 4096",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |r| Ok((r.get(0)?, from_blob(&r.get::<_, Vec<u8>>(1)?))))?
                    .collect()
            })
            .map_err(err)?;
        if rows.is_empty() {
            return Ok(());
        }
        let offsets = sets
            .append(rows.iter().map(|(_, set)| &set[..]))
            .map_err(|e| file_error(label, e))?;
        sets.sync().map_err(|e| file_error(label, e))?;
        let tx = conn.unchecked_transaction().map_err(err)?;
        for ((seq, set), at) in rows.iter().zip(offsets) {
            tx.execute(
                "UPDATE dedup_docs SET shingles_at = ?1, shingles_n = ?2, shingles = x''
                 WHERE seq = ?3",
                params![at as i64, set.len() as i64, seq],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
    }
}

/// Copies the live records into the file of `generation`, synced, then points the rows at
/// it and names it in one transaction, and removes the old file.
fn compact(
    conn: &Connection,
    label: &str,
    dir: &Path,
    old: &ShingleFile,
    generation: u64,
) -> Result<ShingleFile, StateError> {
    let err = |e: rusqlite::Error| backend(label, e);
    let io = |e| file_error(label, e);
    let path = shingles::path_of(dir, generation);
    let _ = std::fs::remove_file(&path);
    let mut new = ShingleFile::open(&path).map_err(io)?;
    let rows: Vec<(i64, i64, i64)> = conn
        .prepare("SELECT seq, shingles_at, shingles_n FROM dedup_docs ORDER BY seq")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(err)?;
    let mut moved = Vec::with_capacity(rows.len());
    for &(seq, at, n) in &rows {
        // A record that cannot be read stays unreadable: an empty set in its place.
        let set = old.read(at as u64, n as u32).unwrap_or_default();
        let at = new.append([&set[..]]).map_err(io)?[0];
        moved.push((seq, at, set.len()));
    }
    new.sync().map_err(io)?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    // The old file is removed below, so this commit must be durable, not merely ordered.
    conn.execute_batch("PRAGMA synchronous = FULL")
        .map_err(err)?;
    let tx = conn.unchecked_transaction().map_err(err)?;
    for (seq, at, n) in moved {
        tx.execute(
            "UPDATE dedup_docs SET shingles_at = ?1, shingles_n = ?2 WHERE seq = ?3",
            params![at as i64, n as i64, seq],
        )
        .map_err(err)?;
    }
    tx.execute(
        "INSERT INTO dedup_meta (key, value) VALUES ('shingles_generation', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [generation.to_string()],
    )
    .map_err(err)?;
    tx.commit().map_err(err)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")
        .map_err(err)?;
    shingles::remove_others(dir, generation);
    tracing::info!(
        store = label,
        from = old.len(),
        to = new.len(),
        "compacted the dedup shingle file"
    );
    Ok(new)
}

impl Drop for SqliteIndex {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::error!(error = %e, "cannot write the dedup index");
        }
    }
}

fn flush(inner: &mut Inner, label: &str) -> Result<(), StateError> {
    if inner.pending.is_empty() {
        return Ok(());
    }
    let err = |e: rusqlite::Error| backend(label, e);
    let offsets = inner
        .sets
        .append(inner.pending.iter().map(|p| &p.shingles[..]))
        .map_err(|e| file_error(label, e))?;
    let mut conn = lock(&inner.conn);
    let tx = conn.transaction().map_err(err)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO dedup_docs
                    (seq, id, root, exact, at, keys, shingles, verdict, shingles_at, shingles_n)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', ?7, ?8, ?9)",
            )
            .map_err(err)?;
        for (p, &at) in inner.pending.iter().zip(&offsets) {
            stmt.execute(params![
                p.seq,
                p.id,
                p.root,
                p.exact.map(|x| x as i64),
                p.at,
                to_blob(&p.keys),
                p.verdict,
                at as i64,
                p.shingles.len() as i64
            ])
            .map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    drop(conn);
    let first = inner.pending_from as usize;
    inner.set_at[first..].copy_from_slice(&offsets);
    inner.pending.clear();
    inner.pending_from = inner.ids.len() as u32;
    Ok(())
}

/// Where a candidate's shingle set is during a look-up.
enum SetAt {
    /// In `pending[i]`.
    Pending(usize),
    /// In `read_values[range]`.
    Read(std::ops::Range<usize>),
}

impl Inner {
    fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id
            .get(&hash_str(id))
            .copied()
            .filter(|&s| &*self.ids[s as usize] == id)
    }

    /// Reads the shingle sets of `slots` that are in the shingle file into `read_values`,
    /// and says where each set is: pending ones are in memory. A record that cannot be read
    /// (see [`crate::shingles`]) is reported once and read as empty from then on, so that
    /// candidate is not a copy.
    fn read_sets(&mut self, slots: &[u32], label: &str) -> Vec<SetAt> {
        self.read_values.clear();
        slots
            .iter()
            .map(|&slot| {
                if slot >= self.pending_from {
                    return SetAt::Pending((slot - self.pending_from) as usize);
                }
                let s = slot as usize;
                let start = self.read_values.len();
                if self.set_len[s] > 0 {
                    let read = self.sets.read_into(
                        self.set_at[s],
                        self.set_len[s],
                        &mut self.read_bytes,
                        &mut self.read_values,
                    );
                    if let Err(e) = read {
                        tracing::warn!(
                            store = label,
                            article = &*self.ids[s],
                            error = %e,
                            "a dedup candidate's shingles cannot be read; it cannot be found \
                             as a near copy any more"
                        );
                        self.set_len[s] = 0;
                    }
                }
                SetAt::Read(start..self.read_values.len())
            })
            .collect()
    }

    /// The set [`Self::read_sets`] placed at `at`.
    fn set(&self, at: &SetAt) -> &[u32] {
        match at {
            SetAt::Pending(i) => &self.pending[*i].shingles,
            SetAt::Read(range) => &self.read_values[range.clone()],
        }
    }

    fn verdict(&self, slot: u32, label: &str) -> Result<DedupVerdict, StateError> {
        let json = if slot >= self.pending_from {
            self.pending[(slot - self.pending_from) as usize]
                .verdict
                .clone()
        } else {
            lock(&self.conn)
                .prepare_cached("SELECT verdict FROM dedup_docs WHERE seq = ?1")
                .and_then(|mut s| s.query_row([self.seqs[slot as usize]], |r| r.get(0)))
                .map_err(|e| backend(label, e))?
        };
        serde_json::from_str(&json).map_err(|e| backend(label, e))
    }
}

impl DedupIndex for SqliteIndex {
    fn resolve(
        &self,
        doc: &Fingerprint,
        judge: &mut dyn FnMut(&Lookup<'_>) -> DedupVerdict,
    ) -> Result<DedupVerdict, StateError> {
        let mut guard = lock(&self.inner);
        let inner = &mut *guard;
        if let Some(slot) = inner.slot_of(&doc.id) {
            return inner.verdict(slot, &self.label);
        }
        let w = self.expire_after.load(Ordering::Relaxed);
        let cutoff = (w != NO_EXPIRY).then(|| doc.at.saturating_sub(w));
        let live = |slot: u32| cutoff.is_none_or(|c| inner.at[slot as usize] >= c);

        let exact = doc
            .exact
            .and_then(|x| inner.exact.get(&x).copied())
            .filter(|&s| live(s));
        let mut found: Vec<(u32, u32)> = Vec::new();
        inner
            .postings
            .count_shared(&doc.keys, live, &mut inner.walked, |slot, c| {
                let shared = u32::from(c.shared);
                if doc.worth_verifying(shared, u32::from(c.keys)) {
                    found.push((slot, shared));
                }
            });
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(MAX_CANDIDATES);
        let slots: Vec<u32> = found.iter().map(|&(slot, _)| slot).collect();
        let sets = inner.read_sets(&slots, &self.label);
        let lookup = Lookup {
            exact: exact.map(|s| {
                (
                    &*inner.ids[s as usize],
                    &*inner.ids[inner.roots[s as usize] as usize],
                )
            }),
            candidates: found
                .iter()
                .zip(&sets)
                .map(|(&(slot, shared), set)| Candidate {
                    id: &inner.ids[slot as usize],
                    root: &inner.ids[inner.roots[slot as usize] as usize],
                    shared_keys: shared,
                    keys: inner.postings.keys(slot),
                    shingles: inner.set(set),
                })
                .collect(),
        };
        let verdict = judge(&lookup);
        drop(lookup);

        let slot = inner.ids.len() as u32;
        let root = verdict
            .of
            .as_deref()
            .and_then(|of| inner.slot_of(of))
            .map_or(slot, |r| inner.roots[r as usize]);
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.ids.push(doc.id.clone().into_boxed_str());
        inner.seqs.push(seq);
        inner.set_at.push(u64::MAX);
        inner.set_len.push(doc.shingles.len() as u32);
        inner.roots.push(root);
        inner.at.push(doc.at);
        inner.by_id.insert(hash_str(&doc.id), slot);
        if let Some(x) = doc.exact {
            inner.exact.entry(x).or_insert(slot);
        }
        inner.postings.insert(slot, &doc.keys);
        inner.pending.push(Pending {
            seq,
            id: doc.id.clone(),
            root: inner.ids[root as usize].to_string(),
            exact: doc.exact,
            at: doc.at,
            keys: doc.keys.clone(),
            shingles: doc.shingles.clone(),
            verdict: serde_json::to_string(&verdict).map_err(|e| backend(&self.label, e))?,
        });
        if inner.pending.len() >= FLUSH_EVERY {
            flush(inner, &self.label)?;
        }
        Ok(verdict)
    }

    fn len(&self) -> usize {
        lock(&self.inner).ids.len()
    }
}

/// The line-frequency memory: line hash → articles that contained it. Bounded: when it
/// holds [`LINES_CAPACITY`] lines it forgets those seen only once (page chrome recurs long
/// before that), and halves the rest if that is not enough.
pub struct SqliteLines {
    label: String,
    inner: Mutex<LinesInner>,
}

struct LinesInner {
    conn: Arc<Mutex<Connection>>,
    counts: HashMap<u64, u32>,
    since_save: u64,
    last_save: std::time::Instant,
    /// [`LINES_SAVE_AFTER`], but for tests.
    save_after: std::time::Duration,
    /// Lines whose saved count is out of date (those seen more than once since the last
    /// save), so a save writes what changed rather than the whole table.
    dirty: Vec<u64>,
    /// `dirty` is made distinct when longer than this (see [`LINES_DIRTY_MAX`]).
    dirty_limit: usize,
    /// The memory forgot or halved lines since the last save: the table is rewritten.
    rewrite: bool,
}

impl SqliteLines {
    pub(crate) fn open(conn: Arc<Mutex<Connection>>, label: &str) -> Result<Self, StateError> {
        let err = |e: rusqlite::Error| backend(label, e);
        let mut counts = HashMap::new();
        {
            let guard = lock(&conn);
            let mut stmt = guard
                .prepare("SELECT hash, count FROM line_freq")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .map_err(err)?;
            for row in rows {
                let (h, c) = row.map_err(err)?;
                counts.insert(h as u64, u32::try_from(c).unwrap_or(u32::MAX));
            }
        }
        Ok(SqliteLines {
            label: label.to_string(),
            inner: Mutex::new(LinesInner {
                conn,
                counts,
                since_save: 0,
                last_save: std::time::Instant::now(),
                save_after: LINES_SAVE_AFTER,
                dirty: Vec::new(),
                dirty_limit: LINES_DIRTY_MAX,
                rewrite: false,
            }),
        })
    }

    /// Saves the lines seen more than once (the ones that matter).
    pub fn save(&self) -> Result<(), StateError> {
        let mut inner = lock(&self.inner);
        save_lines(&mut inner, &self.label)
    }
}

fn save_lines(inner: &mut LinesInner, label: &str) -> Result<(), StateError> {
    let err = |e: rusqlite::Error| backend(label, e);
    let mut conn = lock(&inner.conn);
    let tx = conn.transaction().map_err(err)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO line_freq (hash, count) VALUES (?1, ?2)
                 ON CONFLICT(hash) DO UPDATE SET count = excluded.count",
            )
            .map_err(err)?;
        if inner.rewrite {
            tx.execute("DELETE FROM line_freq", []).map_err(err)?;
            for (&h, &c) in &inner.counts {
                if c > 1 {
                    stmt.execute(params![h as i64, i64::from(c)]).map_err(err)?;
                }
            }
        } else {
            inner.dirty.sort_unstable();
            inner.dirty.dedup();
            for h in &inner.dirty {
                if let Some(&c) = inner.counts.get(h) {
                    stmt.execute(params![*h as i64, i64::from(c)])
                        .map_err(err)?;
                }
            }
        }
    }
    tx.commit().map_err(err)?;
    drop(conn);
    inner.since_save = 0;
    inner.last_save = std::time::Instant::now();
    inner.dirty.clear();
    inner.dirty_limit = LINES_DIRTY_MAX;
    inner.rewrite = false;
    Ok(())
}

impl LineMemory for SqliteLines {
    fn observe(&self, lines: &[u64]) -> Result<Vec<u32>, StateError> {
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let out = lines
            .iter()
            .map(|h| {
                let c = inner.counts.entry(*h).or_insert(0);
                let before = *c;
                *c = c.saturating_add(1);
                if before > 0 {
                    inner.dirty.push(*h);
                }
                before
            })
            .collect();
        if inner.dirty.len() > inner.dirty_limit {
            // Bounded however long until the next save: each changed line once, and room
            // for as many repeats again before the next time.
            inner.dirty.sort_unstable();
            inner.dirty.dedup();
            inner.dirty_limit = LINES_DIRTY_MAX.max(2 * inner.dirty.len());
        }
        if inner.counts.len() > LINES_CAPACITY {
            inner.rewrite = true;
            inner.counts.retain(|_, c| *c > 1);
            if inner.counts.len() > LINES_CAPACITY / 2 {
                inner.counts.retain(|_, c| {
                    *c /= 2;
                    *c > 0
                });
            }
        }
        inner.since_save += 1;
        if (inner.since_save >= LINES_SAVE_EVERY || inner.last_save.elapsed() >= inner.save_after)
            && let Err(e) = save_lines(inner, &self.label)
        {
            tracing::error!(error = %e, "cannot save the line memory");
        }
        Ok(out)
    }
}

impl Drop for SqliteLines {
    fn drop(&mut self) {
        let label = self.label.clone();
        let inner = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        if inner.since_save > 0
            && let Err(e) = save_lines(inner, &label)
        {
            tracing::error!(error = %e, "cannot save the line memory");
        }
    }
}

/// Shared handles, so the store can flush what rules hold.
#[derive(Default)]
pub(crate) struct Handles {
    pub index: Option<Arc<SqliteIndex>>,
    pub lines: Option<Arc<SqliteLines>>,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use newsdrop_core::{LineMemory, State};

    use super::{SqliteLines, lock};
    use crate::Store;

    // The index and the line memory are tested against both backends by the conformance
    // suite (`conformance.rs`); what is left here is particular to this backend.

    #[test]
    fn the_line_memory_is_saved_when_the_store_is_dropped() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let store = Store::open(dir.path()).expect("open");
            let lines = store.line_memory().expect("lines");
            assert_eq!(lines.observe(&[1, 2]), Ok(vec![0, 0]));
            assert_eq!(lines.observe(&[1]), Ok(vec![1]));
        }
        let store = Store::open(dir.path()).expect("reopen");
        let lines = store.line_memory().expect("lines");
        assert_eq!(
            lines.observe(&[1, 2]),
            Ok(vec![2, 0]),
            "lines seen once are not kept"
        );
    }

    /// A line memory over a database in memory, and its connection, to read what it saved.
    fn lines_in_memory() -> (Arc<Mutex<rusqlite::Connection>>, SqliteLines) {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        conn.execute_batch(super::MIGRATION).expect("tables");
        let conn = Arc::new(Mutex::new(conn));
        let lines = SqliteLines::open(conn.clone(), "test").expect("open");
        (conn, lines)
    }

    /// The count saved for the line `hash`, if any.
    fn saved_count(conn: &Mutex<rusqlite::Connection>, hash: i64) -> Option<i64> {
        lock(conn)
            .query_row("SELECT count FROM line_freq WHERE hash = ?1", [hash], |r| {
                r.get(0)
            })
            .ok()
    }

    #[test]
    fn the_line_memory_is_saved_a_while_after_the_last_save_however_few_articles_came() {
        let (conn, lines) = lines_in_memory();
        let saved = |hash: i64| saved_count(&conn, hash);
        lines.observe(&[1, 2]).expect("observe");
        lines.observe(&[1]).expect("observe");
        assert_eq!(
            saved(1),
            None,
            "two articles, a moment after opening: not saved yet"
        );
        lock(&lines.inner).save_after = std::time::Duration::ZERO;
        lines.observe(&[1]).expect("observe");
        assert_eq!(
            saved(1),
            Some(3),
            "saved once the time since the last save is up"
        );
        assert_eq!(saved(2), None, "a line seen once is not saved");
    }

    #[test]
    fn the_lines_changed_between_saves_are_noted_once_each_when_they_pile_up() {
        let (conn, lines) = lines_in_memory();
        // An article of a hundred short lines, 3,000 times: 299,900 repeats before a save.
        let article: Vec<u64> = (0..100).collect();
        for _ in 0..3_000 {
            lines.observe(&article).expect("observe");
        }
        let noted = lock(&lines.inner).dirty.len();
        assert!(
            noted < super::LINES_DIRTY_MAX,
            "299,900 repeats of 100 lines noted in {noted} entries"
        );
        lines.save().expect("save");
        let count = |hash: i64| saved_count(&conn, hash);
        assert_eq!(
            (count(0), count(50), count(99)),
            (Some(3_000), Some(3_000), Some(3_000))
        );
    }

    #[test]
    fn saves_write_what_changed_since_the_last_one() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let store = Store::open(dir.path()).expect("open");
            let lines = store.line_memory().expect("lines");
            assert_eq!(lines.observe(&[1, 1, 2]), Ok(vec![0, 1, 0]));
            store.flush_state().expect("save");
            // After a save: a line counted again, and one seen a second time.
            assert_eq!(lines.observe(&[1, 2, 3]), Ok(vec![2, 1, 0]));
        }
        let store = Store::open(dir.path()).expect("reopen");
        let lines = store.line_memory().expect("lines");
        assert_eq!(lines.observe(&[1, 2, 3]), Ok(vec![3, 2, 0]));
    }
}

#[cfg(test)]
mod shingle_file_tests {
    use newsdrop_core::{DedupIndex, DedupVerdict, Fingerprint, IndexParams, State};

    use crate::Store;

    fn params() -> IndexParams {
        IndexParams {
            scheme: "test".into(),
            seed: 1,
            shingle: 4,
            sampling: 1,
        }
    }

    fn doc(id: &str, shingles: Vec<u32>, at: i64) -> Fingerprint {
        Fingerprint {
            id: id.into(),
            exact: None,
            keys: shingles.clone(),
            shingles,
            at,
            min_key_share: 0.0,
            superset_ratio: f64::INFINITY,
        }
    }

    /// Looks `doc` up (and inserts it): the candidates offered, with their shingle sets.
    fn offered(index: &dyn DedupIndex, doc: &Fingerprint) -> Vec<(String, Vec<u32>)> {
        let mut seen = Vec::new();
        index
            .resolve(doc, &mut |l| {
                seen = l
                    .candidates
                    .iter()
                    .map(|c| (c.id.to_string(), c.shingles.to_vec()))
                    .collect();
                DedupVerdict::unique()
            })
            .expect("resolve");
        seen
    }

    fn shingle_files(dir: &std::path::Path) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry"))
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("dedup-shingles.")
            })
            .map(|e| {
                let len = e.metadata().expect("meta").len();
                (e.file_name().to_string_lossy().into_owned(), len)
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn an_article_whose_common_keys_were_forgotten_is_judged_on_all_its_keys() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let index = store.dedup_index(&params(), None).expect("index");
        // `old` holds eight keys that every later article holds too, and two of its own.
        let common: Vec<u32> = (1..=8).collect();
        let with = |extra: &[u32]| {
            let mut keys = [&common[..], extra].concat();
            keys.sort_unstable();
            keys
        };
        offered(&*index, &doc("old", with(&[1000, 1001]), 0));
        // Enough later ones for the index to forget `old`'s postings of the common keys.
        for i in 0..3 * crate::postings::PER_KEY as u32 {
            offered(&*index, &doc(&format!("later{i}"), with(&[2000 + i]), 0));
        }
        // A newcomer sharing only `old`'s own two keys finds it through them ...
        let newcomer = |id: &str, share: f64| Fingerprint {
            min_key_share: share,
            ..doc(id, (1000..1010).collect(), 0)
        };
        let ids = |found: Vec<(String, Vec<u32>)>| -> Vec<String> {
            found.into_iter().map(|(id, _)| id).collect()
        };
        assert_eq!(ids(offered(&*index, &newcomer("new1", 0.2))), ["old"]);
        // ... but 2 shared of its 10 keys is not the half asked for, though they are all
        // it can still be found by.
        assert_eq!(ids(offered(&*index, &newcomer("new2", 0.5))), ["new1"]);
    }

    #[test]
    fn expired_records_are_compacted_away_and_the_rest_still_verify() {
        let dir = tempfile::tempdir().expect("tmp");
        let now = jiff::Timestamp::now().as_second();
        {
            let store = Store::open(dir.path()).expect("open");
            let index = store.dedup_index(&params(), None).expect("index");
            for i in 0..20u32 {
                let old: Vec<u32> = (i * 1000..i * 1000 + 1000).collect();
                offered(&*index, &doc(&format!("old{i}"), old, 1000));
            }
            offered(&*index, &doc("new", vec![7, 8, 9], now));
        }
        let before = shingle_files(dir.path());
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].0, "dedup-shingles.0.bin");

        let store = Store::open(dir.path()).expect("reopen");
        let index = store.dedup_index(&params(), Some(86_400)).expect("index");
        assert_eq!(index.len(), 1, "the old articles expired");
        let after = shingle_files(dir.path());
        assert_eq!(after.len(), 1, "{after:?}");
        assert_eq!(after[0].0, "dedup-shingles.1.bin");
        assert!(after[0].1 < before[0].1 / 10, "{before:?} -> {after:?}");
        assert_eq!(
            offered(&*index, &doc("copy", vec![7, 8, 9], now)),
            vec![("new".to_string(), vec![7, 8, 9])]
        );
        drop((index, store));

        // And the compacted file is the one used from now on.
        let store = Store::open(dir.path()).expect("reopen again");
        let index = store.dedup_index(&params(), Some(86_400)).expect("index");
        let found = offered(&*index, &doc("third", vec![7, 8, 9], now));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(_, set)| set == &vec![7, 8, 9]));
    }

    #[test]
    fn a_lost_shingle_file_costs_near_copies_of_old_articles_not_the_index() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let store = Store::open(dir.path()).expect("open");
            let index = store.dedup_index(&params(), None).expect("index");
            offered(&*index, &doc("a", vec![1, 2, 3, 4], 10));
        }
        // Power lost before the file reached the disk: it is empty.
        let file = dir.path().join("dedup-shingles.0.bin");
        std::fs::write(&file, b"").expect("truncate");

        let store = Store::open(dir.path()).expect("reopen");
        let index = store.dedup_index(&params(), None).expect("index");
        assert_eq!(
            offered(&*index, &doc("b", vec![1, 2, 3, 4], 20)),
            vec![("a".to_string(), vec![])],
            "the candidate is offered with no shingles, so it cannot be judged a copy"
        );
        drop((index, store));
        let store = Store::open(dir.path()).expect("reopen");
        let index = store.dedup_index(&params(), None).expect("index");
        let mut found = offered(&*index, &doc("c", vec![1, 2, 3, 4], 30));
        found.sort();
        assert_eq!(
            found,
            vec![
                ("a".to_string(), vec![]),
                ("b".to_string(), vec![1, 2, 3, 4])
            ],
            "what is written after the loss is whole, and never read as the lost records"
        );
    }
}
