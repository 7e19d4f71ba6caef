//! A small blocking connection pool, and what counts as "the database is unreachable".
//!
//! The daemon's workers are plain threads that each need one connection at a time (an
//! attempt, a line-memory update, a dedup resolve), so the pool is a mutex-guarded stack of
//! idle clients, a cap, and a condvar to wait on when all are out. Each connection keeps its
//! prepared statements, so a query costs one round trip instead of two.
//!
//! Commits do not wait for the disk (`synchronous_commit = off`), except the ledger's batch
//! settle, which does: PostgreSQL flushes its log in order, so that flush makes every commit
//! before it durable too (the attempts, line counts and index rows of the batch). This is
//! the SQLite store's `NORMAL` for each file and `FULL` for each batch: a per-file commit
//! survives a crash of the daemon at once, and a power loss once the next batch settles.
//!
//! When a call finds the database unreachable, every idle connection is dropped with it
//! (after a server restart they are all dead, and handing them out one by one would turn
//! one outage into several), and the outage counter goes up: the daemon pauses on it.

use std::collections::HashMap;
use std::error::Error as _;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use newsdrop_core::StateError;
use postgres::config::Host;
use postgres::{Client, Config, NoTls, Statement};

use crate::StoreError;

/// One connection and its prepared statements.
pub(crate) struct PgConn {
    pub client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl PgConn {
    /// `sql` prepared on this connection (once).
    pub fn prepare(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

struct Slots {
    idle: Vec<PgConn>,
    /// Connections open: idle plus handed out.
    open: usize,
    /// Bumped at each outage; a connection handed out before it is not taken back.
    generation: u64,
}

pub(crate) struct Pool {
    config: Config,
    /// The database, for messages: `user@host:port/dbname`, never the password.
    pub label: String,
    size: usize,
    slots: Mutex<Slots>,
    returned: Condvar,
    outages: AtomicU64,
}

/// A connection on loan; goes back to the pool when dropped.
pub(crate) struct Conn<'a> {
    pool: &'a Pool,
    conn: Option<PgConn>,
    generation: u64,
}

impl Deref for Conn<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        self.conn
            .as_ref()
            .expect("a loaned connection is present until dropped")
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn
            .as_mut()
            .expect("a loaned connection is present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut slots = lock(&self.pool.slots);
        if conn.client.is_closed() || slots.generation != self.generation {
            slots.open -= 1;
        } else {
            slots.idle.push(conn);
        }
        self.pool.returned.notify_one();
    }
}

/// How long a connection attempt may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Pool {
    /// A pool of at most `size` connections to `url`; connects lazily.
    pub fn new(url: &str, size: usize) -> Result<Pool, StoreError> {
        let mut config = Config::from_str(url).map_err(|e| {
            StoreError::Unsupported(format!(
                "store.url is not a PostgreSQL connection string: {e}"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("newsdrop");
        }
        // A database that vanishes without closing the connection is noticed, not waited on.
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        Ok(Pool {
            label: label(&config),
            config,
            size: size.max(1),
            slots: Mutex::new(Slots {
                idle: Vec::new(),
                open: 0,
                generation: 0,
            }),
            returned: Condvar::new(),
            outages: AtomicU64::new(0),
        })
    }

    /// A connection: an idle one, a new one while under the cap, or the next one returned.
    pub fn get(&self) -> Result<Conn<'_>, postgres::Error> {
        let mut slots = lock(&self.slots);
        loop {
            if let Some(conn) = slots.idle.pop() {
                if conn.client.is_closed() {
                    slots.open -= 1;
                    continue;
                }
                return Ok(self.loan(conn, slots.generation));
            }
            if slots.open < self.size {
                slots.open += 1;
                let generation = slots.generation;
                drop(slots);
                return match self.connect() {
                    Ok(client) => Ok(self.loan(
                        PgConn {
                            client,
                            statements: HashMap::new(),
                        },
                        generation,
                    )),
                    Err(e) => {
                        lock(&self.slots).open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            slots = self
                .returned
                .wait(slots)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A new connection whose commits do not wait for the disk (see the module doc).
    fn connect(&self) -> Result<Client, postgres::Error> {
        let mut client = self.config.connect(NoTls)?;
        client.batch_execute("SET synchronous_commit = off")?;
        Ok(client)
    }

    fn loan(&self, conn: PgConn, generation: u64) -> Conn<'_> {
        Conn {
            pool: self,
            conn: Some(conn),
            generation,
        }
    }

    /// A new connection outside the pool (start-up work, `newsdrop check`).
    pub fn connect_one(&self) -> Result<Client, StoreError> {
        self.config.connect(NoTls).map_err(|e| self.error(e))
    }

    /// The store error for `e`; an unreachable database counts as an outage.
    pub fn error(&self, e: postgres::Error) -> StoreError {
        if self.note(&e) {
            StoreError::Unavailable {
                label: self.label.clone(),
                message: message(&e),
            }
        } else {
            StoreError::Postgres {
                label: self.label.clone(),
                source: e,
            }
        }
    }

    /// As [`Pool::error`], for the rules' state.
    pub fn state_error(&self, e: postgres::Error) -> StateError {
        let unreachable = self.note(&e);
        StateError::Backend(format!(
            "store {}{}: {}",
            self.label,
            if unreachable { " is unreachable" } else { "" },
            message(&e)
        ))
    }

    /// Counts an outage when `e` says the database is unreachable; returns whether it did.
    fn note(&self, e: &postgres::Error) -> bool {
        if !unreachable(e) {
            return false;
        }
        self.outages.fetch_add(1, Ordering::Relaxed);
        let mut slots = lock(&self.slots);
        slots.generation += 1;
        let dropped = slots.idle.len();
        slots.idle.clear();
        slots.open -= dropped;
        true
    }

    pub fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }
}

/// Whether `e` means the database cannot be reached now (as opposed to a query it refused):
/// the connection is closed or failed at the socket, or the server is shutting down,
/// starting up, or out of connection slots.
fn unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        return code.starts_with("08") || code.starts_with("57P") || code == "53300";
    }
    let mut source = e.source();
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The error with its causes (postgres's own `Display` says only "db error").
fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.to_string(),
        None => e.to_string(),
    }
}

/// `user@host:port/dbname` of a connection config.
fn label(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres {}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
