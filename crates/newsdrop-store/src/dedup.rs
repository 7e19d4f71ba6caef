//! The dedup index and the line-frequency memory of the SQLite store.
//!
//! The index answers from memory and persists to SQLite:
//! - in memory, per article: its id, its row number, the slot of its story's root, its time,
//!   and its sampled index keys in the postings ([`crate::postings`]: 8 bytes a posting, a
//!   bounded walk per key), plus the exact-hash and id maps; a few hundred bytes an article;
//! - in SQLite (`dedup_docs`, keyed by row number): the full shingle set of every article,
//!   read back only to verify a candidate, and the verdict, returned as is when the same id
//!   comes again.
//!
//! Both use the store's one connection (see the crate doc), locked only to read a
//! candidate's shingles or write a batch. Rows are written in batches (every
//! [`FLUSH_EVERY`] articles, at every ledger settle, and on drop), so a batch of articles
//! costs one transaction; the ledger settle of an article always comes after its index row
//! is written. A mutex makes look-up and insert one step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use newsdrop_core::{
    Candidate, DedupIndex, DedupVerdict, Fingerprint, IndexParams, LineMemory, Lookup, StateError,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::postings::{Postings, SharedCounts};

/// Pending index rows are written once this many have gathered.
pub const FLUSH_EVERY: usize = 512;

/// Most candidates verified for one article: those sharing the most index keys. Each costs
/// a read of its shingle set, and without a cap an article whose sentences recur across the
/// index would be checked against every article sharing one of them, so the work per
/// article would grow with the index. A real copy shares many keys and ranks first.
pub const MAX_CANDIDATES: usize = 64;

/// The line memory is saved after this many articles (and when dropped).
const LINES_SAVE_EVERY: u64 = 4096;

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
    next_seq: i64,
    roots: Vec<u32>,
    at: Vec<i64>,
    by_id: HashMap<u64, u32>,
    exact: HashMap<u64, u32>,
    postings: Postings,
    /// Shared keys per candidate slot, kept between look-ups for its capacity.
    counts: SharedCounts,
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

impl SqliteIndex {
    /// Opens the index over `conn`: checks (or records) `params`, purges expired rows and
    /// loads the rest into memory.
    pub(crate) fn open(
        conn: Arc<Mutex<Connection>>,
        label: &str,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Self, StateError> {
        let err = |e: rusqlite::Error| backend(label, e);
        let wanted = params.describe();
        let shared = conn;
        let conn = lock(&shared);
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM dedup_meta WHERE key = 'params'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        match found {
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
        let mut inner = Inner {
            conn: shared.clone(),
            ids: Vec::new(),
            seqs: Vec::new(),
            next_seq: 1,
            roots: Vec::new(),
            at: Vec::new(),
            by_id: HashMap::new(),
            exact: HashMap::new(),
            postings: Postings::default(),
            counts: SharedCounts::default(),
            pending: Vec::new(),
            pending_from: 0,
        };
        let mut root_ids: Vec<Box<str>> = Vec::new();
        {
            let mut stmt = conn
                .prepare("SELECT seq, id, root, exact, at, keys FROM dedup_docs ORDER BY seq")
                .map_err(err)?;
            let mut rows = stmt.query([]).map_err(err)?;
            while let Some(row) = rows.next().map_err(err)? {
                let seq: i64 = row.get(0).map_err(err)?;
                let id: String = row.get(1).map_err(err)?;
                let root: String = row.get(2).map_err(err)?;
                let exact: Option<i64> = row.get(3).map_err(err)?;
                let at: i64 = row.get(4).map_err(err)?;
                let keys: Vec<u8> = row.get(5).map_err(err)?;
                let slot = inner.ids.len() as u32;
                inner.by_id.insert(hash_str(&id), slot);
                if let Some(x) = exact {
                    inner.exact.entry(x as u64).or_insert(slot);
                }
                inner.postings.insert(slot, &from_blob(&keys));
                inner.ids.push(id.into_boxed_str());
                inner.seqs.push(seq);
                inner.next_seq = seq + 1;
                inner.at.push(at);
                inner.roots.push(slot);
                root_ids.push(root.into_boxed_str());
            }
        }
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
        let per_slot = inner.roots.len() * 4 + inner.at.len() * 8 + inner.seqs.len() * 8;
        let maps = (inner.by_id.capacity() + inner.exact.capacity()) * 13;
        ids + per_slot + maps + inner.postings.bytes() + inner.counts.bytes()
    }
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
    let mut conn = lock(&inner.conn);
    let tx = conn.transaction().map_err(err)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO dedup_docs (seq, id, root, exact, at, keys, shingles, verdict)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(err)?;
        for p in &inner.pending {
            stmt.execute(params![
                p.seq,
                p.id,
                p.root,
                p.exact.map(|x| x as i64),
                p.at,
                to_blob(&p.keys),
                to_blob(&p.shingles),
                p.verdict
            ])
            .map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    drop(conn);
    inner.pending.clear();
    inner.pending_from = inner.ids.len() as u32;
    Ok(())
}

impl Inner {
    fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id
            .get(&hash_str(id))
            .copied()
            .filter(|&s| &*self.ids[s as usize] == id)
    }

    /// The shingle sets of `slots`, in order: pending ones from memory, the others read in
    /// one read transaction (one lock of the database instead of one per row).
    fn shingles(&self, slots: &[u32], label: &str) -> Result<Vec<Vec<u32>>, StateError> {
        let err = |e: rusqlite::Error| backend(label, e);
        let mut out = Vec::with_capacity(slots.len());
        let stored = slots.iter().filter(|&&s| s < self.pending_from).count();
        let conn = (stored > 0).then(|| lock(&self.conn));
        let tx = match &conn {
            Some(c) if stored > 1 => Some(c.unchecked_transaction().map_err(err)?),
            _ => None,
        };
        for &slot in slots {
            if slot >= self.pending_from {
                let p = &self.pending[(slot - self.pending_from) as usize];
                out.push(p.shingles.clone());
                continue;
            }
            let Some(conn) = &conn else {
                unreachable!("a stored slot locks the connection")
            };
            let blob: Vec<u8> = conn
                .prepare_cached("SELECT shingles FROM dedup_docs WHERE seq = ?1")
                .and_then(|mut s| s.query_row([self.seqs[slot as usize]], |r| r.get(0)))
                .map_err(err)?;
            out.push(from_blob(&blob));
        }
        if let Some(tx) = tx {
            tx.commit().map_err(err)?;
        }
        Ok(out)
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
        let mut counts = std::mem::take(&mut inner.counts);
        for &key in &doc.keys {
            inner.postings.for_each(key, |slot| {
                if live(slot) {
                    counts.add(slot);
                }
            });
        }
        let postings = &inner.postings;
        let mut found: Vec<(u32, u32)> = counts
            .drain()
            .filter(|&(slot, shared)| {
                doc.worth_verifying(shared, postings.keys(slot), postings.live_keys(slot))
            })
            .collect();
        inner.counts = counts;
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(MAX_CANDIDATES);
        let slots: Vec<u32> = found.iter().map(|&(slot, _)| slot).collect();
        let sets = inner.shingles(&slots, &self.label)?;
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
                    shingles: set,
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
    tx.execute("DELETE FROM line_freq", []).map_err(err)?;
    {
        let mut stmt = tx
            .prepare_cached("INSERT INTO line_freq (hash, count) VALUES (?1, ?2)")
            .map_err(err)?;
        for (&h, &c) in &inner.counts {
            if c > 1 {
                stmt.execute(params![h as i64, i64::from(c)]).map_err(err)?;
            }
        }
    }
    tx.commit().map_err(err)?;
    drop(conn);
    inner.since_save = 0;
    Ok(())
}

impl LineMemory for SqliteLines {
    fn observe(&self, lines: &[u64]) -> Result<Vec<u32>, StateError> {
        let mut inner = lock(&self.inner);
        let out = lines
            .iter()
            .map(|h| {
                let c = inner.counts.entry(*h).or_insert(0);
                let before = *c;
                *c = c.saturating_add(1);
                before
            })
            .collect();
        if inner.counts.len() > LINES_CAPACITY {
            inner.counts.retain(|_, c| *c > 1);
            if inner.counts.len() > LINES_CAPACITY / 2 {
                inner.counts.retain(|_, c| {
                    *c /= 2;
                    *c > 0
                });
            }
        }
        inner.since_save += 1;
        if inner.since_save >= LINES_SAVE_EVERY
            && let Err(e) = save_lines(&mut inner, &self.label)
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
    use newsdrop_core::State;

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
}
