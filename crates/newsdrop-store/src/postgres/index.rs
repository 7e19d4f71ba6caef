//! The dedup index and the line memory in PostgreSQL, shared by every daemon on the database.
//!
//! Nothing is kept in memory: candidates are found in the database (`dedup_keys`: one row
//! per sampled key of each article), so an article resolved by one daemon is a candidate for
//! all of them the moment its transaction commits.
//!
//! **Why one advisory lock around resolve.** Look-up and insert must be one step across
//! daemons, or two copies of a story arriving at two daemons at once would each find nothing
//! and both be called unique. Each resolve is one transaction that first takes
//! `pg_advisory_xact_lock(INDEX_LOCK)`, in a statement of its own: under READ COMMITTED every
//! later statement sees all that committed before it began, so it sees every article
//! resolved before the lock was granted, and the lock is released at commit, when its own
//! rows become visible to the next one. Resolves are totally ordered, as with SQLite's mutex.
//! - Locking per index key instead would let unrelated articles proceed in parallel, but with
//!   ~100 keys an article nearly every pair of articles shares a lock bucket unless the
//!   buckets are as many as the keys, and one lock per key can exhaust the server's shared
//!   lock table (`max_locks_per_transaction`) on a long article.
//! - SERIALIZABLE would also be correct, but it aborts on predicate-lock conflicts (coarse on
//!   the key index under load) and needs a retry loop that re-runs the judge; the lock just
//!   waits its turn, and the time under it is a few round trips.
//!
//! The line memory needs no lock: one upsert per article counts its lines in and returns the
//! counts before, row locks taken in hash order so that two articles cannot deadlock.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use newsdrop_core::{
    Candidate, DedupIndex, DedupVerdict, Fingerprint, IndexParams, LineMemory, Lookup, StateError,
};

use super::pool::Pool;
use crate::dedup::{MAX_CANDIDATES, NO_EXPIRY, from_blob, to_blob, window};

/// Advisory lock serialising resolves across every daemon on the database.
const INDEX_LOCK: i64 = 0x6e64_6465_6475_7078; // "nddedupx"

/// Creates the index and line-memory tables (a store migration).
pub(super) const MIGRATION: &str = "CREATE TABLE dedup_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE dedup_docs (
        seq      BIGSERIAL PRIMARY KEY,
        id       TEXT NOT NULL UNIQUE,
        root     TEXT NOT NULL,
        exact    BIGINT,
        at       BIGINT NOT NULL,
        shingles BYTEA NOT NULL,
        verdict  TEXT NOT NULL
    );
    CREATE INDEX dedup_docs_exact ON dedup_docs (exact) WHERE exact IS NOT NULL;
    CREATE INDEX dedup_docs_at ON dedup_docs (at);
    CREATE TABLE dedup_keys (
        key   INTEGER NOT NULL,
        doc   BIGINT NOT NULL,
        at    BIGINT NOT NULL,
        -- the doc's number of keys, on each of its rows: candidates are filtered on it
        nkeys INTEGER NOT NULL,
        PRIMARY KEY (key, doc)
    );
    CREATE TABLE line_freq (
        hash  BIGINT PRIMARY KEY,
        count INTEGER NOT NULL
    );";

/// The PostgreSQL dedup index. It answers as the SQLite one, but for one corner: its exact
/// match is the oldest *live* article with that hash, where the SQLite index remembers only
/// the first one and offers no exact match once that one expired (the conformance suite
/// leaves that corner out).
pub struct PgIndex {
    pool: Arc<Pool>,
    params: IndexParams,
    /// Expiry window in seconds; [`NO_EXPIRY`] keeps everything.
    expire_after: AtomicI64,
}

impl PgIndex {
    /// The parameters the index was built with.
    pub(super) fn params(&self) -> &IndexParams {
        &self.params
    }

    /// The parameters of the index in the database, if it has one (see
    /// [`crate::dedup::stored_params`]).
    pub(super) fn stored_params(pool: &Pool) -> Result<Option<IndexParams>, StateError> {
        let mut conn = pool.get().map_err(|e| pool.state_error(e))?;
        let found: Option<String> = conn
            .client
            .query_opt("SELECT value FROM dedup_meta WHERE key = 'params'", &[])
            .map_err(|e| pool.state_error(e))?
            .map(|row| row.get(0));
        Ok(found.as_deref().and_then(IndexParams::parse))
    }

    /// Checks (or records) `params` and purges expired rows.
    pub(super) fn open(
        pool: Arc<Pool>,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Self, StateError> {
        let err = |e| pool.state_error(e);
        let wanted = params.describe();
        let mut conn = pool.get().map_err(err)?;
        let client = &mut conn.client;
        client
            .execute(
                "INSERT INTO dedup_meta (key, value) VALUES ('params', $1) ON CONFLICT (key) DO NOTHING",
                &[&wanted],
            )
            .map_err(err)?;
        let found: String = client
            .query_one("SELECT value FROM dedup_meta WHERE key = 'params'", &[])
            .map_err(err)?
            .get(0);
        if found != wanted {
            return Err(StateError::ParamsMismatch {
                location: pool.label.clone(),
                found,
                wanted,
            });
        }
        let expire_after = window(expire_after_secs);
        if expire_after != NO_EXPIRY {
            let cutoff = jiff::Timestamp::now()
                .as_second()
                .saturating_sub(expire_after);
            let mut tx = client.transaction().map_err(err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INDEX_LOCK])
                .map_err(err)?;
            tx.execute("DELETE FROM dedup_keys WHERE at < $1", &[&cutoff])
                .map_err(err)?;
            tx.execute("DELETE FROM dedup_docs WHERE at < $1", &[&cutoff])
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        drop(conn);
        Ok(PgIndex {
            pool,
            params: params.clone(),
            expire_after: AtomicI64::new(expire_after),
        })
    }

    /// The same index for another pipeline (a config reload): the parameters must not
    /// change; the expiry window may.
    pub(super) fn reuse(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<(), StateError> {
        crate::dedup::reuse(
            &self.pool.label,
            &self.params,
            &self.expire_after,
            params,
            expire_after_secs,
        )
    }
}

const LOCK: &str = "SELECT pg_advisory_xact_lock($1)";
const KNOWN: &str = "SELECT verdict FROM dedup_docs WHERE id = $1";
const EXACT: &str =
    "SELECT id, root FROM dedup_docs WHERE exact = $1 AND at >= $2 ORDER BY seq LIMIT 1";
/// The earlier articles sharing the most keys (ties: the oldest first), those not worth
/// verifying left out ([`Fingerprint::worth_verifying`]: $4 the share, $5 this article's
/// keys, $6 the superset ratio), as the SQLite index.
const CANDIDATES: &str = "SELECT d.id, d.root, c.shared, c.nkeys, d.shingles
    FROM (SELECT doc, count(*) AS shared, min(nkeys) AS nkeys FROM dedup_keys
          WHERE key = ANY($1) AND at >= $2
          GROUP BY doc HAVING count(*) >= $4::float8 * CASE
              WHEN $5::int4 > $6::float8 * min(nkeys) THEN $5::int4
              ELSE LEAST($5::int4, min(nkeys)) END
          ORDER BY shared DESC, doc LIMIT $3) AS c
    JOIN dedup_docs AS d ON d.seq = c.doc
    ORDER BY c.shared DESC, c.doc";
/// The article joins the story of `of` (its root), or starts its own.
const INSERT: &str = "WITH doc AS (
        INSERT INTO dedup_docs (id, root, exact, at, shingles, verdict)
        VALUES ($1, COALESCE((SELECT root FROM dedup_docs WHERE id = $2), $1), $3, $4, $5, $6)
        RETURNING seq
    )
    INSERT INTO dedup_keys (key, doc, at, nkeys)
    SELECT k, doc.seq, $4, cardinality($7::int4[]) FROM doc, unnest($7::int4[]) AS k";

impl DedupIndex for PgIndex {
    fn resolve(
        &self,
        doc: &Fingerprint,
        judge: &mut dyn FnMut(&Lookup<'_>) -> DedupVerdict,
    ) -> Result<DedupVerdict, StateError> {
        let err = |e| self.pool.state_error(e);
        let bad = |e: serde_json::Error| StateError::Backend(format!("{}: {e}", self.pool.label));
        let mut conn = self.pool.get().map_err(err)?;
        let [lock, known, exact, candidates, insert] =
            [LOCK, KNOWN, EXACT, CANDIDATES, INSERT].map(|sql| conn.prepare(sql));
        let (lock, known, exact_q, candidates, insert) = (
            lock.map_err(err)?,
            known.map_err(err)?,
            exact.map_err(err)?,
            candidates.map_err(err)?,
            insert.map_err(err)?,
        );
        let mut tx = conn.client.transaction().map_err(err)?;
        tx.execute(&lock, &[&INDEX_LOCK]).map_err(err)?;
        if let Some(row) = tx.query_opt(&known, &[&doc.id]).map_err(err)? {
            return serde_json::from_str(row.get(0)).map_err(bad);
        }
        let w = self.expire_after.load(Ordering::Relaxed);
        let cutoff = if w == NO_EXPIRY {
            i64::MIN
        } else {
            doc.at.saturating_sub(w)
        };
        let exact: Option<(String, String)> = match doc.exact {
            Some(x) => tx
                .query_opt(&exact_q, &[&(x as i64), &cutoff])
                .map_err(err)?
                .map(|r| (r.get(0), r.get(1))),
            None => None,
        };
        // Keys are u32 hashes; the database keeps their bits in a signed INTEGER.
        let keys: Vec<i32> = doc.keys.iter().map(|&k| k as i32).collect();
        let rows = if keys.is_empty() {
            Vec::new()
        } else {
            let own = i32::try_from(keys.len()).unwrap_or(i32::MAX);
            let limit = MAX_CANDIDATES as i64;
            tx.query(
                &candidates,
                &[
                    &keys,
                    &cutoff,
                    &limit,
                    &doc.min_key_share,
                    &own,
                    &doc.superset_ratio,
                ],
            )
            .map_err(err)?
        };
        let found: Vec<(String, String, u32, u32, Vec<u32>)> = rows
            .iter()
            .map(|r| {
                let (shared, nkeys): (i64, i32) = (r.get(2), r.get(3));
                (
                    r.get(0),
                    r.get(1),
                    u32::try_from(shared).unwrap_or(u32::MAX),
                    u32::try_from(nkeys).unwrap_or(0),
                    from_blob(r.get(4)),
                )
            })
            .collect();
        let lookup = Lookup {
            exact: exact
                .as_ref()
                .map(|(id, root)| (id.as_str(), root.as_str())),
            candidates: found
                .iter()
                .map(|(id, root, shared, nkeys, shingles)| Candidate {
                    id,
                    root,
                    shared_keys: *shared,
                    keys: *nkeys,
                    shingles,
                })
                .collect(),
        };
        let verdict = judge(&lookup);
        let json = serde_json::to_string(&verdict).map_err(bad)?;
        tx.execute(
            &insert,
            &[
                &doc.id,
                &verdict.of,
                &doc.exact.map(|x| x as i64),
                &doc.at,
                &to_blob(&doc.shingles),
                &json,
                &keys,
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(verdict)
    }

    fn len(&self) -> usize {
        let count = self.pool.get().and_then(|mut c| {
            c.client
                .query_one("SELECT count(*) FROM dedup_docs", &[])
                .map(|r| r.get::<_, i64>(0))
        });
        match count {
            Ok(n) => usize::try_from(n).unwrap_or(0),
            Err(e) => {
                tracing::warn!(error = %self.pool.state_error(e), "cannot count the dedup index");
                0
            }
        }
    }
}

/// Lines the memory keeps before it forgets those seen once (as the SQLite memory).
const LINES_CAPACITY: i64 = 1 << 20;

/// The table's size is looked at after this many articles from this process.
const LINES_PRUNE_EVERY: u64 = 4096;

/// The line-frequency memory: line hash → articles that contained it, across all daemons.
pub struct PgLines {
    pool: Arc<Pool>,
    since_prune: AtomicU64,
}

const OBSERVE: &str = "INSERT INTO line_freq AS f (hash, count)
        SELECT h, 1 FROM unnest($1::int8[]) AS h ORDER BY h
    ON CONFLICT (hash) DO UPDATE SET count = LEAST(f.count, 2147483646) + 1
    RETURNING hash, count - 1";

impl PgLines {
    /// Forgets the lines seen only once, as a restart of the SQLite memory does (which saves
    /// only the lines seen more than once): page chrome recurs, and the table stays small.
    pub(super) fn open(pool: Arc<Pool>) -> Result<Self, StateError> {
        let mut conn = pool.get().map_err(|e| pool.state_error(e))?;
        conn.client
            .execute("DELETE FROM line_freq WHERE count < 2", &[])
            .map_err(|e| pool.state_error(e))?;
        drop(conn);
        Ok(PgLines {
            pool,
            since_prune: AtomicU64::new(0),
        })
    }

    /// When the table holds more than [`LINES_CAPACITY`] lines (by the planner's estimate),
    /// forgets those seen once.
    fn prune(&self) -> Result<(), postgres::Error> {
        let mut conn = self.pool.get()?;
        conn.client.execute(
            "DELETE FROM line_freq WHERE count < 2
             AND (SELECT reltuples FROM pg_class WHERE oid = 'line_freq'::regclass) > $1",
            &[&(LINES_CAPACITY as f32)],
        )?;
        Ok(())
    }
}

impl LineMemory for PgLines {
    fn observe(&self, lines: &[u64]) -> Result<Vec<u32>, StateError> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let err = |e| self.pool.state_error(e);
        let mut sorted: Vec<i64> = lines.iter().map(|&h| h as i64).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut conn = self.pool.get().map_err(err)?;
        let statement = conn.prepare(OBSERVE).map_err(err)?;
        let rows = conn.client.query(&statement, &[&sorted]).map_err(err)?;
        drop(conn);
        let before: HashMap<i64, u32> = rows
            .iter()
            .map(|r| {
                let count: i32 = r.get(1);
                (r.get(0), u32::try_from(count).unwrap_or(0))
            })
            .collect();
        if self.since_prune.fetch_add(1, Ordering::Relaxed) + 1 >= LINES_PRUNE_EVERY {
            self.since_prune.store(0, Ordering::Relaxed);
            if let Err(e) = self.prune() {
                tracing::warn!(error = %self.pool.state_error(e), "cannot prune the line memory");
            }
        }
        Ok(lines
            .iter()
            .map(|h| before.get(&(*h as i64)).copied().unwrap_or(0))
            .collect())
    }
}
