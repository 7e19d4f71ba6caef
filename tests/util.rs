//! Test harness: a temp folder with a config, the daemon as a child process, and waiting
//! for files to appear. Every wait has a deadline; none asserts on timing.

#![allow(dead_code, clippy::unwrap_used)] // test helpers; each caller uses a subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_newsdrop");

/// A scratch folder with `newsdrop.toml` in it; the default folders live beside it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    /// A config with a short settle time plus `extra` TOML.
    pub fn new(extra: &str) -> Env {
        Env::with_intake("settle_ms = 300", extra)
    }

    /// A config whose `[intake]` section is `intake`, plus `extra` TOML.
    pub fn with_intake(intake: &str, extra: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = format!("[intake]\n{intake}\n{extra}\n");
        fs::write(dir.path().join("newsdrop.toml"), config).unwrap();
        fs::create_dir_all(dir.path().join("staging")).unwrap();
        fs::create_dir_all(dir.path().join("inbox")).unwrap();
        Env { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn config(&self) -> PathBuf {
        self.path("newsdrop.toml")
    }

    /// Starts `newsdrop run` and waits until it watches the inbox.
    pub fn start(&self) -> Daemon {
        self.start_with(&["--log-level", "info"])
    }

    /// Starts `newsdrop <global args> run` and waits until it watches the inbox.
    pub fn start_with(&self, global: &[&str]) -> Daemon {
        self.start_env(global, &[])
    }

    /// As [`Env::start_with`], with extra environment variables.
    pub fn start_env(&self, global: &[&str], vars: &[(&str, &str)]) -> Daemon {
        let log = self.path(&format!("daemon-{}.log", next_id()));
        let child = Command::new(BIN)
            .envs(vars.iter().copied())
            .args(global)
            .args(["run", "--config"])
            .arg(self.config())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let daemon = Daemon { child, log };
        assert!(
            wait_until(Duration::from_secs(30), || daemon
                .log_text()
                .contains("watching inbox")),
            "daemon did not start: {}",
            daemon.log_text()
        );
        daemon
    }

    /// Runs the binary to completion.
    pub fn newsdrop(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// Drops a file the way a careful producer does: written elsewhere, renamed in.
    pub fn drop_file(&self, name: &str, bytes: &[u8]) {
        let staged = self.path("staging").join(name);
        fs::write(&staged, bytes).unwrap();
        fs::rename(&staged, self.path("inbox").join(name)).unwrap();
    }

    /// Names of the files in a folder, sorted.
    pub fn list(&self, folder: &str) -> Vec<String> {
        let mut names: Vec<String> = match fs::read_dir(self.path(folder)) {
            Ok(rd) => rd
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }

    /// Parsed outputs in the outbox.
    pub fn outputs(&self) -> Vec<serde_json::Value> {
        self.list("outbox")
            .iter()
            .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
            .map(|n| {
                serde_json::from_slice(&fs::read(self.path("outbox").join(n)).unwrap()).unwrap()
            })
            .collect()
    }

    /// The error record for a failed input.
    pub fn error_record(&self, name: &str) -> serde_json::Value {
        let path = self.path("failed").join(format!("{name}.error.json"));
        serde_json::from_slice(
            &fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap()
    }
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A running daemon; killed if the test ends without stopping it.
pub struct Daemon {
    pub child: Child,
    pub log: PathBuf,
}

impl Daemon {
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{sig} failed");
    }

    /// SIGTERM, then the exit status (within a minute).
    pub fn terminate(mut self) -> ExitStatus {
        self.signal("TERM");
        self.wait(Duration::from_secs(60))
    }

    /// SIGKILL, no cleanup possible.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The address `[http] listen` bound, from the start-up log.
    pub fn http_addr(&self) -> String {
        let log = self.log_text();
        let line = log
            .lines()
            .find(|l| l.contains("serving /metrics"))
            .unwrap_or_else(|| panic!("no http endpoint in the log: {log}"));
        let addr = line
            .split("addr=")
            .nth(1)
            .unwrap_or_else(|| panic!("{line}"));
        addr.split_whitespace().next().unwrap().to_string()
    }

    /// `GET path` on the daemon's endpoint: status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.http_addr(), path)
    }

    /// The value of one sample (`name` with its labels, as printed) in `/metrics`; 0 when
    /// absent (a labelled counter appears only once counted).
    pub fn metric(&self, sample: &str) -> f64 {
        let (status, text) = self.get("/metrics");
        assert_eq!(status, 200, "{text}");
        metric(&text, sample)
    }

    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "daemon did not exit: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET over a fresh connection: status code and body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// The value of `sample` in a metrics text; 0 when absent.
pub fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Polls `done` until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The seed articles checked into the repo.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut seeds: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    seeds.sort();
    seeds
}

/// `[workers] drain_timeout_secs` in the default config.
pub fn default_drain_secs() -> u64 {
    let default = include_str!("../config/default.toml");
    default
        .lines()
        .find_map(|l| l.strip_prefix("drain_timeout_secs = "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The records of `process` output: one JSON value a line.
pub fn jsonl(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The records of a `process` run that must have succeeded (its stderr says why not).
pub fn succeeded(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    jsonl(&out.stdout)
}
