//! The PostgreSQL store: one ledger and one dedup index shared by several daemons, each with
//! its own inbox and state folder ("share state, not folders").
//!
//! Client: the synchronous `postgres` crate (tokio-postgres underneath, each connection
//! driven by its own small runtime) and a small pool of our own ([`pool`]). The daemon's
//! workers are plain threads that block on the store anyway; an async pool such as
//! deadpool-postgres would need a runtime for the workers to `block_on`, for no gain.
//!
//! What sharing changes, against the SQLite store:
//! - **The same file in two inboxes** has one id, so one ledger row. The row records which
//!   daemon holds a pending attempt (its node id, kept in its state folder so that it
//!   survives restarts); another daemon that begins the same id gets [`Attempt::elsewhere`]
//!   and only puts its copy away. A crashed daemon's pending rows stay its own: the files
//!   are in its work folder, and it finishes them when it comes back.
//! - **Dedup across daemons**: the index lives in the database (`dedup_docs`, and
//!   `dedup_keys` to find candidates), so every daemon sees every article; resolve is one
//!   transaction under an advisory lock (see [`index`] for why that lock and not another).
//! - **Outages**: an unreachable database is an error of its own kind
//!   ([`StoreError::Unavailable`]) and counts in [`PgStore::outages`]; the daemon pauses and
//!   retries instead of failing articles.
//!
//! The schema is created and migrated by the daemon itself: `newsdrop_migrations` records
//! each version applied, and [`migrate`] applies the missing ones in one transaction under
//! an advisory lock, so daemons starting together do not race.

mod index;
mod pool;

use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use newsdrop_core::config::is_table_name;
use newsdrop_core::{DedupIndex, IndexParams, LineMemory, State, StateError};
use postgres::Client;

use self::index::{PgIndex, PgLines};
use self::pool::Pool;
use crate::{Attempt, Entry, SchemaReport, Settled, Status, StoreError, now};

/// Advisory lock held while the schema is created or migrated (and articles tables made).
const SCHEMA_LOCK: i64 = 0x6e64_7363_6865_6d61; // "ndschema"

/// Each migration, in order; version = position + 1.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "ledger",
        "CREATE TABLE ledger (
            id         TEXT PRIMARY KEY,
            sha256     TEXT NOT NULL,
            name       TEXT NOT NULL,
            status     TEXT NOT NULL,
            attempts   INTEGER NOT NULL,
            owner      TEXT NOT NULL,
            output     TEXT NOT NULL DEFAULT '',
            message    TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            updated    TEXT NOT NULL
        );
        CREATE INDEX ledger_sha256 ON ledger (sha256);",
    ),
    ("dedup index and line memory", index::MIGRATION),
];

/// The schema version this newsdrop writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The PostgreSQL store of one daemon.
pub struct PgStore {
    pool: Arc<Pool>,
    /// This daemon's node id: the owner of the attempts it begins.
    node: String,
    index: Mutex<Option<Arc<PgIndex>>>,
    lines: Mutex<Option<Arc<PgLines>>>,
}

impl PgStore {
    /// Connects to `url`, creating or migrating the schema; `node` names this daemon.
    pub fn connect(url: &str, pool_size: usize, node: &str) -> Result<Self, StoreError> {
        let pool = Arc::new(Pool::new(url, pool_size)?);
        let mut client = pool.connect_one()?;
        migrate(&mut client, &pool, None)?;
        Ok(PgStore {
            pool,
            node: node.to_string(),
            index: Mutex::new(None),
            lines: Mutex::new(None),
        })
    }

    pub fn label(&self) -> &str {
        &self.pool.label
    }

    /// See [`crate::Store::begin_attempt`].
    pub fn begin_attempt(&self, id: &str, sha256: &str, name: &str) -> Result<Attempt, StoreError> {
        const SQL: &str = "INSERT INTO ledger (id, sha256, name, status, attempts, owner, first_seen, updated)
            VALUES ($1, $2, $3, 'pending', 1, $4, $5, $5)
            ON CONFLICT (id) DO UPDATE SET
                attempts = CASE WHEN ledger.status = 'failed' THEN 1
                                WHEN ledger.status = 'pending' AND ledger.owner = EXCLUDED.owner
                                    THEN ledger.attempts + 1
                                ELSE ledger.attempts END,
                owner    = CASE WHEN ledger.status = 'failed' THEN EXCLUDED.owner ELSE ledger.owner END,
                status   = CASE WHEN ledger.status = 'failed' THEN 'pending' ELSE ledger.status END,
                updated  = CASE WHEN ledger.status = 'failed'
                                  OR (ledger.status = 'pending' AND ledger.owner = EXCLUDED.owner)
                                THEN EXCLUDED.updated ELSE ledger.updated END
            RETURNING attempts, status, owner";
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        let statement = conn.prepare(SQL).map_err(err)?;
        let row = conn
            .client
            .query_one(&statement, &[&id, &sha256, &name, &self.node, &now()])
            .map_err(err)?;
        let status: Status = row.get::<_, &str>(1).parse()?;
        let owner: String = row.get(2);
        Ok(Attempt {
            attempts: u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
            status,
            elsewhere: (status == Status::Pending && owner != self.node).then_some(owner),
        })
    }

    /// See [`crate::Store::settle`]: one transaction, the one whose commit waits for the
    /// disk (see [`pool`]).
    pub fn settle(&self, batch: &[Settled]) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE ledger AS l
            SET status = u.status, output = u.output, message = u.message, updated = $5
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, status, output, message)
            WHERE l.id = u.id";
        if batch.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&Settled) -> &str| batch.iter().map(f).collect::<Vec<&str>>();
        let ids = column(|s| &s.id);
        let statuses = column(|s| s.status.as_str());
        let outputs = column(|s| &s.output);
        let messages = column(|s| &s.message);
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        let statement = conn.prepare(SQL).map_err(err)?;
        let mut tx = conn.client.transaction().map_err(err)?;
        tx.batch_execute("SET LOCAL synchronous_commit = on")
            .map_err(err)?;
        tx.execute(&statement, &[&ids, &statuses, &outputs, &messages, &now()])
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    pub fn get(&self, id: &str) -> Result<Option<Entry>, StoreError> {
        const SQL: &str =
            "SELECT id, sha256, name, status, attempts, output, message, first_seen, updated
            FROM ledger WHERE id = $1";
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        let statement = conn.prepare(SQL).map_err(err)?;
        let Some(row) = conn.client.query_opt(&statement, &[&id]).map_err(err)? else {
            return Ok(None);
        };
        Ok(Some(Entry {
            id: row.get(0),
            sha256: row.get(1),
            name: row.get(2),
            status: row.get::<_, &str>(3).parse()?,
            attempts: u32::try_from(row.get::<_, i32>(4)).unwrap_or(0),
            output: row.get(5),
            message: row.get(6),
            first_seen: row.get(7),
            updated: row.get(8),
        }))
    }

    pub fn counts(&self) -> Result<Vec<(Status, u64)>, StoreError> {
        const SQL: &str = "SELECT status, count(*) FROM ledger GROUP BY status ORDER BY status";
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        let statement = conn.prepare(SQL).map_err(err)?;
        let rows = conn.client.query(&statement, &[]).map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get::<_, &str>(0).parse()?,
                    r.get::<_, i64>(1).max(0) as u64,
                ))
            })
            .collect()
    }

    /// Nothing is held back: index rows and line counts are written as they happen.
    pub fn flush_state(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// (articles in the index, 0): the index keeps nothing in this process's memory.
    pub fn dedup_index_stats(&self) -> Option<(usize, usize)> {
        let index = lock(&self.index).clone()?;
        Some((index.len(), 0))
    }

    pub fn ping(&self) -> Result<(), StoreError> {
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        conn.client.simple_query("SELECT 1").map_err(err)?;
        Ok(())
    }

    pub fn outages(&self) -> u64 {
        self.pool.outages()
    }

    /// Creates the articles table (the `output.table` sink) if missing. Its columns are what
    /// consumers query by; `doc` is the whole record.
    pub fn prepare_table(&self, table: &str) -> Result<(), StoreError> {
        let name = checked(table)?;
        let short = name.rsplit('.').next().unwrap_or(name);
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {name} (
                id           TEXT PRIMARY KEY,
                published    TEXT,
                title        TEXT,
                source       TEXT NOT NULL,
                dedup_status TEXT,
                dedup_of     TEXT,
                tags         TEXT[] NOT NULL,
                received_at  TIMESTAMPTZ,
                doc          JSONB NOT NULL,
                inserted_at  TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS {short}_tags ON {name} USING gin (tags);
            CREATE INDEX IF NOT EXISTS {short}_published ON {name} (published);"
        );
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        // Two daemons creating the same table at once can collide in the catalog: serialise.
        let mut tx = conn.client.transaction().map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .map_err(err)?;
        tx.batch_execute(&sql).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// See [`crate::Store::insert_articles`]. The columns are taken from the JSON by the
    /// database, so the record stays the one source of truth.
    pub fn insert_articles(&self, table: &str, rows: &[(&str, &[u8])]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let name = checked(table)?;
        let sql = format!(
            "INSERT INTO {name} (id, published, title, source, dedup_status, dedup_of, tags, received_at, doc)
             SELECT u.id, u.doc->>'published', u.doc->>'title', u.doc->'source'->>'name',
                    u.doc->'dedup'->>'status', u.doc->'dedup'->>'of',
                    ARRAY(SELECT t->>'id' FROM jsonb_array_elements(u.doc->'tags') AS t),
                    (u.doc->>'received_at')::timestamptz, u.doc
             FROM (SELECT x.id, x.doc::jsonb AS doc
                   FROM unnest($1::text[], $2::text[]) AS x(id, doc)) AS u
             ON CONFLICT (id) DO NOTHING"
        );
        let ids: Vec<&str> = rows.iter().map(|(id, _)| *id).collect();
        let docs: Vec<String> = rows
            .iter()
            .map(|(_, json)| String::from_utf8_lossy(json).trim_end().to_string())
            .collect();
        let err = |e| self.pool.error(e);
        let mut conn = self.pool.get().map_err(err)?;
        conn.client.execute(&sql, &[&ids, &docs]).map_err(err)?;
        Ok(())
    }
}

impl State for PgStore {
    fn dedup_index(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Arc<dyn DedupIndex>, StateError> {
        let mut slot = lock(&self.index);
        if let Some(index) = &*slot {
            index.reuse(params, expire_after_secs)?;
            return Ok(index.clone());
        }
        let index = Arc::new(PgIndex::open(self.pool.clone(), params, expire_after_secs)?);
        *slot = Some(index.clone());
        Ok(index)
    }

    fn dedup_params(&self) -> Result<Option<IndexParams>, StateError> {
        if let Some(index) = &*lock(&self.index) {
            return Ok(Some(index.params().clone()));
        }
        PgIndex::stored_params(&self.pool)
    }

    fn line_memory(&self) -> Result<Arc<dyn LineMemory>, StateError> {
        let mut slot = lock(&self.lines);
        if let Some(lines) = &*slot {
            return Ok(lines.clone());
        }
        let lines = Arc::new(PgLines::open(self.pool.clone())?);
        *slot = Some(lines.clone());
        Ok(lines)
    }

    fn location(&self) -> String {
        self.pool.label.clone()
    }
}

/// Applies the migrations this database lacks (up to `up_to`, all by default) in one
/// transaction under [`SCHEMA_LOCK`].
fn migrate(client: &mut Client, pool: &Pool, up_to: Option<i64>) -> Result<(), StoreError> {
    let err = |e| pool.error(e);
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS newsdrop_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .map_err(err)?;
    let found: i32 = tx
        .query_one(
            "SELECT COALESCE(max(version), 0) FROM newsdrop_migrations",
            &[],
        )
        .map_err(err)?
        .get(0);
    let found = i64::from(found);
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let up_to = up_to.unwrap_or(SCHEMA_VERSION);
    for (version, (name, sql)) in (1i32..).zip(MIGRATIONS).skip(found as usize) {
        if i64::from(version) > up_to {
            break;
        }
        tx.batch_execute(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO newsdrop_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .map_err(err)?;
        tracing::info!(version, name, store = %pool.label, "migrated the store's schema");
    }
    tx.commit().map_err(err)
}

/// Brings the database at `url` to schema version `version` and no further: for tests of
/// what `newsdrop check` says about an outdated schema.
#[doc(hidden)]
pub fn migrate_to(url: &str, version: i64) -> Result<(), StoreError> {
    let pool = Pool::new(url, 1)?;
    let mut client = pool.connect_one()?;
    migrate(&mut client, &pool, Some(version))
}

/// The schema version of the database at `url`, read without changing anything.
pub fn schema_version(url: &str) -> Result<SchemaReport, StoreError> {
    let pool = Pool::new(url, 1)?;
    let mut client = pool.connect_one()?;
    let err = |e| pool.error(e);
    let exists: bool = client
        .query_one("SELECT to_regclass('newsdrop_migrations') IS NOT NULL", &[])
        .map_err(err)?
        .get(0);
    let found = if exists {
        let v: i32 = client
            .query_one(
                "SELECT COALESCE(max(version), 0) FROM newsdrop_migrations",
                &[],
            )
            .map_err(err)?
            .get(0);
        i64::from(v)
    } else {
        0
    };
    Ok(SchemaReport {
        label: pool.label.clone(),
        found,
        current: SCHEMA_VERSION,
    })
}

/// File in the state folder holding this daemon's node id.
pub const NODE_FILE: &str = "node-id";

/// This daemon's node id: read from the state folder, or made up (host name and a random
/// number) and written there at the first start. It must outlive restarts, because the
/// attempts it owns are the files in this state folder's work folder, and must differ
/// between daemons, which a per-daemon state folder gives for free.
pub fn node_id(state_dir: &Path) -> Result<String, StoreError> {
    let path = state_dir.join(NODE_FILE);
    let io = |e: std::io::Error| StoreError::Unsupported(format!("{}: {e}", path.display()));
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_string());
    // RandomState is seeded from the OS for each process: random enough for a name.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let id = format!("{host}-{:016x}", hasher.finish());
    let tmp = state_dir.join(format!(".{NODE_FILE}.tmp"));
    std::fs::write(&tmp, format!("{id}\n")).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(id)
}

/// `table` after the config's check, again: it is spliced into SQL.
fn checked(table: &str) -> Result<&str, StoreError> {
    if is_table_name(table) {
        Ok(table)
    } else {
        Err(StoreError::Unsupported(format!(
            "output.table {table:?} is not a plain table name"
        )))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
