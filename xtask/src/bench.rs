//! `cargo xtask bench`: the daemon measured as an operator would see it, on the release
//! binary with fsync on.
//!
//! - `latency`: single files dropped by rename, one at a time; time from the rename to the
//!   output file appearing in the outbox; p50 and p99.
//! - `burst`: N files (default 10,000) renamed into the inbox of a running daemon at once;
//!   files/s from the first rename to the last input archived, and the daemon's peak RSS.
//! - `process`: `newsdrop process` over the dev text dumps, files/s.
//!
//! Options: `--postgres` runs the daemon on the PostgreSQL store, on a throwaway server
//! (initdb into a temp folder, fsync on) started for the run; `--daemons N` (with
//! `--postgres`) runs N daemons on that one database, the burst split between their inboxes,
//! files/s counted over all of them. `NEWSDROP_BENCH_TOML` (TOML text, or the path of a
//! TOML file) is added to every daemon's config (to compare pipelines or options),
//! `NEWSDROP_BENCH_THREADS` sets `workers.threads`; `NEWSDROP_BENCH_SCRAPE=ADDR` makes
//! `burst` GET `http://ADDR/metrics` every second while it runs (with `[http] listen =
//! "ADDR"` in that TOML: the cost of metrics as Prometheus would see it).
//! `NEWSDROP_BENCH_WRAP` runs each daemon under a command that passes SIGTERM on to it, as
//! `perf record -g -o /tmp/perf.data` does (the per-thread CPU and RSS printed are then the
//! wrapper's).
//!
//! Articles are made from the real pages of `../shared/corpus/extraction/aeb-dev/text/` (or
//! the seeds when that is missing): each file is a headline and eight paragraphs drawn, by a
//! fixed-seed generator, from all the pages' paragraphs, so files are distinct articles of
//! real prose. `--copies` instead cycles the pages themselves with a unique last line: the
//! same story over and over, the dedup stage's worst case.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub fn run(args: &[String]) -> Result<()> {
    let what = args.first().map_or("all", String::as_str);
    let files = flag(args, "--files").unwrap_or(10_000);
    let daemons = flag(args, "--daemons").unwrap_or(1).max(1);
    let postgres = args.iter().any(|a| a == "--postgres");
    if daemons > 1 && !postgres {
        bail!("--daemons needs --postgres: SQLite state is one daemon's");
    }
    let root = workspace_root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "newsdrop"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let bin = root.join("target/release/newsdrop");
    let pages = load_articles(&root)?;
    let articles = if args.iter().any(|a| a == "--copies") {
        pages
    } else {
        recombine(&pages, 2000)
    };
    // Kept until the end: the daemons' database.
    let server = if postgres {
        Some(
            newsdrop_store::pg_server::TempServer::start(true)
                .context("cannot start a throwaway PostgreSQL server")?,
        )
    } else {
        None
    };
    let store = Store {
        server: server.as_ref(),
        next: std::cell::Cell::new(0),
    };
    match what {
        "latency" => latency(&bin, &store, &articles, files.min(500)),
        "burst" => burst(&bin, &store, &articles, files, daemons),
        "process" => process(&bin, &root),
        "all" => {
            latency(&bin, &store, &articles, 300)?;
            burst(&bin, &store, &articles, files, daemons)?;
            process(&bin, &root)
        }
        other => bail!("unknown benchmark {other:?}: latency, burst, process or all"),
    }
}

/// `n` distinct articles: a headline and eight paragraphs drawn from all the pages.
fn recombine(pages: &[String], n: usize) -> Vec<String> {
    let paragraphs: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.lines())
        .map(str::trim)
        .filter(|l| l.split_whitespace().count() >= 12)
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |bound: usize| {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % bound.max(1)
    };
    (0..n)
        .map(|i| {
            let mut text = format!("Benchmark story {i}\n\n");
            for _ in 0..8 {
                text.push_str(paragraphs[next(paragraphs.len())]);
                text.push_str("\n\n");
            }
            text
        })
        .collect()
}

fn flag(args: &[String], name: &str) -> Option<usize> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn shared(root: &Path) -> PathBuf {
    root.join("../shared")
}

fn load_articles(root: &Path) -> Result<Vec<String>> {
    let corpus = shared(root).join("corpus/extraction/aeb-dev/text");
    let dir = if corpus.is_dir() {
        corpus
    } else {
        root.join("tests/fixtures/seeds")
    };
    let mut texts = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            texts.push(fs::read_to_string(&path)?);
        }
    }
    if texts.is_empty() {
        bail!("no articles in {}", dir.display());
    }
    Ok(texts)
}

/// Where the daemons keep their state: SQLite in each state folder, or one PostgreSQL
/// server, a new database per benchmark (its daemons share it).
struct Store<'a> {
    server: Option<&'a newsdrop_store::pg_server::TempServer>,
    next: std::cell::Cell<usize>,
}

impl Store<'_> {
    /// The `[store]` section for the daemons of one benchmark.
    fn section(&self) -> Result<String> {
        let Some(server) = self.server else {
            return Ok(String::new());
        };
        let n = self.next.get();
        self.next.set(n + 1);
        let url = server.create_database(&format!("bench_{n}"))?;
        Ok(format!("[store]\nkind = \"postgres\"\nurl = \"{url}\"\n"))
    }

    fn describe(&self, daemons: usize) -> String {
        match self.server {
            None => "sqlite store".to_string(),
            Some(_) if daemons == 1 => "postgres store".to_string(),
            Some(_) => format!("postgres store shared by {daemons} daemons"),
        }
    }
}

/// A scratch folder with a config, and the daemon running on it.
struct Daemon {
    dir: tempfile_dir::Dir,
    child: Child,
}

impl Daemon {
    /// Starts a daemon with `store` (a `[store]` section, or nothing for SQLite) and waits
    /// until it watches its inbox.
    fn start(bin: &Path, store: &str) -> Result<Daemon> {
        let dir = tempfile_dir::Dir::new("newsdrop-bench")?;
        fs::create_dir_all(dir.path().join("staging"))?;
        let mut config = format!("[intake]\nqueue_capacity = 256\n{store}\n");
        if let Ok(threads) = std::env::var("NEWSDROP_BENCH_THREADS") {
            config.push_str(&format!("[workers]\nthreads = {threads}\n"));
        }
        match std::env::var("NEWSDROP_BENCH_TOML") {
            Ok(v) if Path::new(&v).is_file() => config.push_str(&fs::read_to_string(&v)?),
            Ok(v) => config.push_str(&v),
            Err(_) => {}
        }
        config.push('\n');
        fs::write(dir.path().join("newsdrop.toml"), config)?;
        let log = fs::File::create(dir.path().join("daemon.log"))?;
        let mut command = match std::env::var("NEWSDROP_BENCH_WRAP") {
            Ok(wrap) if !wrap.trim().is_empty() => {
                let mut words = wrap.split_whitespace();
                let mut c = Command::new(words.next().unwrap_or_default());
                c.args(words).arg(bin);
                c
            }
            _ => Command::new(bin),
        };
        let child = command
            .args(["--log-level", "warn,newsdrop_daemon::run=info"])
            .args(["run", "--config", "newsdrop.toml"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let mut d = Daemon { dir, child };
        let started = Instant::now();
        while !fs::read_to_string(d.path("daemon.log"))?.contains("watching inbox") {
            if started.elapsed() > Duration::from_secs(60) || d.child.try_wait()?.is_some() {
                bail!(
                    "daemon did not start: {}",
                    fs::read_to_string(d.path("daemon.log"))?
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(d)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn count(&self, folder: &str) -> usize {
        fs::read_dir(self.path(folder)).map_or(0, |rd| {
            rd.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
    }

    /// When the last input reached `archive/` or `failed/`: the newest status change there
    /// (a rename sets it).
    fn last_put_away(&self) -> Option<std::time::SystemTime> {
        use std::os::unix::fs::MetadataExt;
        let mut newest = None;
        for folder in ["archive", "failed"] {
            for entry in fs::read_dir(self.path(folder)).ok()?.filter_map(Result::ok) {
                let Ok(meta) = entry.metadata() else { continue };
                let at = std::time::UNIX_EPOCH
                    + Duration::new(meta.ctime().max(0) as u64, meta.ctime_nsec().max(0) as u32);
                newest = newest.max(Some(at));
            }
        }
        newest
    }

    /// CPU seconds (user + system) each of the daemon's threads used so far, by thread
    /// name (threads of one name summed: the tokio runtime's, for one).
    fn thread_cpu(&self) -> Vec<(String, f64)> {
        let tick = 100.0; // USER_HZ on Linux
        let mut by_name: Vec<(String, f64)> = Vec::new();
        let tasks = format!("/proc/{}/task", self.child.id());
        for task in fs::read_dir(tasks)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let Ok(stat) = fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // The name is in parentheses and may hold spaces; the fields follow it.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = stat[open + 1..close].to_string();
            let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
            let secs = (ticks(11) + ticks(12)) / tick;
            match by_name.iter_mut().find(|(n, _)| *n == name) {
                Some((_, s)) => *s += secs,
                None => by_name.push((name, secs)),
            }
        }
        by_name.sort_by(|a, b| a.0.cmp(&b.0));
        by_name
    }

    /// Peak resident memory of the daemon, in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn stop(mut self) -> Result<()> {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()?;
        self.child.wait()?;
        Ok(())
    }
}

fn stage(d: &Daemon, articles: &[String], n: usize, tag: &str) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{tag}-{i:06}.txt");
        let text = format!(
            "{}\n\nBenchmark marker {tag} {i}.\n",
            articles[i % articles.len()]
        );
        fs::write(d.path("staging").join(&name), text)?;
        names.push(name);
    }
    Ok(names)
}

fn latency(bin: &Path, store: &Store<'_>, articles: &[String], n: usize) -> Result<()> {
    let d = Daemon::start(bin, &store.section()?)?;
    let names = stage(&d, articles, n, "lat")?;
    let mut samples = Vec::with_capacity(n);
    for (i, name) in names.iter().enumerate() {
        let started = Instant::now();
        fs::rename(d.path("staging").join(name), d.path("inbox").join(name))?;
        while d.count("outbox") <= i {
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "no output for {name} after 30 s; see {}",
                    d.path("daemon.log").display()
                );
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        samples.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "latency ({}): {n} single files by rename, drop to JSON: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        store.describe(1),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    d.stop()
}

fn burst(
    bin: &Path,
    store: &Store<'_>,
    articles: &[String],
    n: usize,
    daemons: usize,
) -> Result<()> {
    let section = store.section()?;
    let ds: Vec<Daemon> = (0..daemons)
        .map(|_| Daemon::start(bin, &section))
        .collect::<Result<_>>()?;
    // Distinct files, dealt out to the daemons in turn.
    let names = stage(&ds[0], articles, n, "burst")?;
    let mut moves = Vec::with_capacity(n);
    for (i, name) in names.iter().enumerate() {
        let d = &ds[i % daemons];
        let staged = ds[0].path("staging").join(name);
        if i % daemons != 0 {
            fs::rename(&staged, d.path("staging").join(name))?;
        }
        moves.push((d.path("staging").join(name), d.path("inbox").join(name)));
    }
    let cpu_before: Vec<_> = ds.iter().map(Daemon::thread_cpu).collect();
    let (started, started_wall) = (Instant::now(), std::time::SystemTime::now());
    for (from, to) in &moves {
        fs::rename(from, to)?;
    }
    let dropped = started.elapsed();
    let finished = |d: &Daemon| d.count("archive") + d.count("failed");
    let scrape = std::env::var("NEWSDROP_BENCH_SCRAPE").ok();
    let mut scrapes = 0;
    let mut next_scrape = Instant::now();
    while ds.iter().map(finished).sum::<usize>() < n {
        if started.elapsed() > Duration::from_secs(600) {
            bail!("burst not finished after 10 minutes");
        }
        if let Some(addr) = &scrape
            && Instant::now() >= next_scrape
        {
            scrape_metrics(addr)?;
            scrapes += 1;
            next_scrape += Duration::from_secs(1);
        }
        // Listing 10,000 names costs a few milliseconds: poll gently, the end time comes
        // from the folders themselves.
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = ds
        .iter()
        .filter_map(Daemon::last_put_away)
        .max()
        .and_then(|end| end.duration_since(started_wall).ok())
        .unwrap_or_else(|| started.elapsed());
    if scrape.is_some() {
        println!("burst: /metrics scraped {scrapes} times");
    }
    let rss: Vec<String> = ds
        .iter()
        .map(|d| {
            d.peak_rss_kib()
                .map_or_else(|| "?".into(), |k| format!("{:.1} MB", k as f64 / 1024.0))
        })
        .collect();
    let failed: usize = ds.iter().map(|d| d.count("failed") / 2).sum();
    println!(
        "burst ({}): {n} files (renamed in within {:.2} s) done in {:.2} s: {:.0} files/s sustained, peak RSS {}, {failed} failed",
        store.describe(daemons),
        dropped.as_secs_f64(),
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        rss.join(" + "),
    );
    for (d, before) in ds.iter().zip(&cpu_before) {
        let after = d.thread_cpu();
        let busy: Vec<String> = after
            .iter()
            .map(|(name, secs)| {
                let was = before
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(0.0, |(_, s)| *s);
                format!("{name} {:.0}%", 100.0 * (secs - was) / took.as_secs_f64())
            })
            .collect();
        println!("burst: CPU per thread over the burst: {}", busy.join(", "));
    }
    for d in ds {
        d.stop()?;
    }
    Ok(())
}

/// One GET of `/metrics`, read to the end.
fn scrape_metrics(addr: &str) -> Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if !response.starts_with("HTTP/1.1 200") {
        bail!("/metrics answered {:?}", response.lines().next());
    }
    Ok(())
}

fn process(bin: &Path, root: &Path) -> Result<()> {
    let corpus = shared(root).join("corpus/extraction/aeb-dev/text");
    if !corpus.is_dir() {
        bail!("{} not found", corpus.display());
    }
    let n = fs::read_dir(&corpus)?.count();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let out = Command::new(bin)
            .arg("process")
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if !out.success() {
            bail!("newsdrop process failed");
        }
        best = best.min(started.elapsed());
    }
    println!(
        "process: {n} text dumps of aeb-dev in {:.3} s (best of 3, whole process): {:.0} files/s",
        best.as_secs_f64(),
        n as f64 / best.as_secs_f64()
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A temp folder removed on drop (xtask keeps its dependencies few).
mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(prefix: &str) -> std::io::Result<Dir> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let path =
                std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&path)?;
            Ok(Dir(path))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
