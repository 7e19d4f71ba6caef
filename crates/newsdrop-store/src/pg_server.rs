//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temp folder,
//! `postgres` on a free loopback port, removed when dropped.
//!
//! - The binaries are found in `$NEWSDROP_PG_BIN` when it is set, else on `PATH`, else in
//!   the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
//! - `initdb` and `postgres` refuse to run as root, and CI runs as root: then they run as the
//!   `postgres` user (or `nobody`) through `setpriv`, in a folder handed to that user.
//! - The server is started by `setpriv --pdeathsig`, from a thread that lives as long as the
//!   process, so it stops when the process that started it ends, even when a test binary
//!   exits without running destructors (statics are never dropped). Folders of servers whose
//!   process is gone are removed at the next start.
//! - [`shared`] gives one server per process, for test binaries; without binaries it panics
//!   when `CI=true` (a PostgreSQL test must not pass by skipping there) and returns `None`
//!   elsewhere, after saying why.

use std::fs;
use std::io::{self, Write};
use std::net::TcpListener;
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running throwaway server.
pub struct TempServer {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    /// The user the server runs as, when this process is root.
    user: Option<(u32, u32)>,
    durable: bool,
    child: Mutex<Option<Child>>,
}

/// Prefix of the temp folders, so that leftovers can be found.
const PREFIX: &str = "newsdrop-pg-";

impl TempServer {
    /// The folder holding `initdb`, `pg_ctl` and `postgres`, if any.
    pub fn find_bin() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("NEWSDROP_PG_BIN") {
            let dir = PathBuf::from(dir);
            return dir.join("initdb").is_file().then_some(dir);
        }
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
        });
        if on_path.is_some() {
            return on_path;
        }
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| {
                let v = e.file_name().to_string_lossy().parse().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").is_file().then_some((v, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    }

    /// Starts a server. `durable = false` turns fsync off (tests); benchmarks want it on.
    pub fn start(durable: bool) -> io::Result<TempServer> {
        let bin = Self::find_bin().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no PostgreSQL server binaries (initdb, postgres) on PATH or in /usr/lib/postgresql/*/bin",
            )
        })?;
        remove_leftovers();
        static N: AtomicU64 = AtomicU64::new(0);
        let root = std::env::temp_dir().join(format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root)?;
        let user = server_user()?;
        if let Some((uid, gid)) = user {
            chown(&root, Some(uid), Some(gid))?;
        }
        let server = TempServer {
            root,
            bin,
            port: free_port()?,
            user,
            durable,
            child: Mutex::new(None),
        };
        let out = server
            .command("initdb")
            .args(["-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"])
            .current_dir(&server.root)
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        server.run()?;
        Ok(server)
    }

    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a new, empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, postgres::Error> {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)?;
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
        Ok(self.url(name))
    }

    /// A new database with a name no other caller in this process gets.
    pub fn fresh_database(&self, prefix: &str) -> Result<String, postgres::Error> {
        static N: AtomicU64 = AtomicU64::new(0);
        self.create_database(&format!("{prefix}_{}", N.fetch_add(1, Ordering::Relaxed)))
    }

    /// Stops the server the way an operator does (`pg_ctl stop -m fast`); [`TempServer::resume`]
    /// starts it again on the same port and data.
    pub fn stop(&self) -> io::Result<()> {
        let out = self
            .command("pg_ctl")
            .args(["stop", "-D", "data", "-m", "fast", "-w"])
            .current_dir(&self.root)
            .output()?;
        if let Some(mut child) = lock(&self.child).take() {
            let _ = child.wait();
        }
        if out.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    /// Starts the server again after [`TempServer::stop`].
    pub fn resume(&self) -> io::Result<()> {
        self.run()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
    }

    /// A command run as the server's user.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match self.user {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    /// Starts `postgres` and waits until it accepts connections.
    fn run(&self) -> io::Result<()> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("server.log"))?;
        let mut command = Command::new("setpriv");
        command.args(["--pdeathsig", "INT"]);
        if let Some((uid, gid)) = self.user {
            command
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups");
        }
        command
            .arg(self.bin.join("postgres"))
            .args(["-D", "data", "-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.root.display()))
            .args(["-c", "max_connections=200"]);
        if !self.durable {
            command.args(["-c", "fsync=off", "-c", "synchronous_commit=off"]);
            command.args(["-c", "full_page_writes=off"]);
        }
        command
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // The parent-death signal follows the thread that spawned the child: spawn from a
        // thread that never ends, so the server lives exactly as long as this process.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("pg-server-keeper".into())
            .spawn(move || {
                let _ = tx.send(command.spawn());
                loop {
                    std::thread::park();
                }
            })?;
        let child = rx.recv().map_err(io::Error::other)??;
        *lock(&self.child) = Some(child);
        let started = Instant::now();
        loop {
            if postgres::Client::connect(&self.url("postgres"), postgres::NoTls).is_ok() {
                return Ok(());
            }
            if let Some(child) = lock(&self.child).as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(io::Error::other(format!(
                    "postgres exited ({status}): {}",
                    self.log()
                )));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(io::Error::other(format!(
                    "postgres did not accept connections within a minute: {}",
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TempServer {
    fn drop(&mut self) {
        if lock(&self.child).is_some() {
            let _ = self.stop();
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// One server for the whole process (a test binary), started on first use. `None` when
/// there are no server binaries and this is not CI; in CI (`CI=true`) that panics instead.
pub fn shared() -> Option<&'static TempServer> {
    static SERVER: OnceLock<Option<TempServer>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if TempServer::find_bin().is_none() {
                let why = "no PostgreSQL server binaries (initdb, postgres) on PATH or in /usr/lib/postgresql/*/bin";
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{why}: CI must run the PostgreSQL tests (.ci/run installs postgresql)");
                }
                // Written to the stream itself: the test harness captures `eprintln!`, and a
                // skip nobody sees would look like a pass.
                let _ = writeln!(std::io::stderr(), "skipping the PostgreSQL tests: {why}");
                return None;
            }
            match TempServer::start(false) {
                Ok(server) => Some(server),
                Err(e) => panic!("cannot start a throwaway PostgreSQL server: {e}"),
            }
        })
        .as_ref()
}

/// When root: the user to run the server as (`postgres`, else `nobody`).
fn server_user() -> io::Result<Option<(u32, u32)>> {
    use std::os::unix::fs::MetadataExt;
    if fs::metadata("/proc/self")?.uid() != 0 {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd")?;
    for name in ["postgres", "nobody"] {
        let entry = passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.first() == Some(&name) && f.len() > 3)
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        });
        if let Some(ids) = entry {
            return Ok(Some(ids));
        }
    }
    Err(io::Error::other(
        "running as root, and neither a `postgres` nor a `nobody` user exists to run the server as",
    ))
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Removes the folders of servers whose process is gone.
fn remove_leftovers() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
