//! `cargo xtask soak`: the daemon under a steady stream of real articles for N minutes,
//! SIGKILLed and restarted at random moments, sent SIGHUP with good and bad configs; at the
//! end every dropped file is looked for and must be in exactly one place, and memory must
//! not have crept up. One summary line.
//!
//! Each file is a real article (the seeds and the extraction corpus) with a unique last
//! line, so ids differ while the stories repeat (dedup marks them: it is exercised across
//! kills too). A file is accounted for when it is an output in `outbox/` (and then once in
//! the JSONL sink), a failure in `failed/` (an error record naming it), or archived with a
//! ledger-only verdict (dropped, or a duplicate the policy keeps out). `lost` counts files in
//! none of these places, and emitted articles missing from the sink; `doubled` counts files
//! in more than one, or twice in the sink.
//!
//! This file is also compiled into the integration tests (`tests/soak.rs` runs a short soak
//! on the debug binary), so it uses only std, anyhow and serde_json.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How to soak.
#[derive(Debug, Clone)]
pub struct Options {
    pub bin: PathBuf,
    pub duration: Duration,
    /// Files dropped per second.
    pub rate: f64,
    /// A kill comes after a random time in this range (from the last start).
    pub kill_every: (Duration, Duration),
    /// A SIGHUP comes after a random time in this range.
    pub hup_every: (Duration, Duration),
    pub seed: u64,
    pub articles: Vec<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// What a soak found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: usize,
    pub kills: usize,
    pub reloads_ok: usize,
    pub reloads_bad: usize,
    pub emitted: usize,
    pub failed: usize,
    /// Archived with a ledger-only verdict (dropped, or a duplicate kept out by policy).
    pub ledger_only: usize,
    pub lost: usize,
    pub doubled: usize,
    /// Resident memory (KiB) once warm, at the end, and the most seen.
    pub rss_start_kib: u64,
    pub rss_end_kib: u64,
    pub rss_max_kib: u64,
    pub seconds: f64,
    /// Names of a few lost or doubled files, to start looking.
    pub examples: Vec<String>,
}

impl Report {
    /// Memory stayed flat: the end is within half the start plus 32 MiB (the dedup index
    /// grows a little with every article; a leak grows with every file).
    pub fn rss_flat(&self) -> bool {
        self.rss_end_kib <= self.rss_start_kib + self.rss_start_kib / 2 + 32 * 1024
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "soak: {:.0} s, files {} (emitted {}, failed {}, ledger-only {}), kills {}, reloads ok {} bad {}, lost {}, doubled {}, RSS start {:.1} MB end {:.1} MB max {:.1} MB ({})",
            self.seconds,
            self.files,
            self.emitted,
            self.failed,
            self.ledger_only,
            self.kills,
            self.reloads_ok,
            self.reloads_bad,
            self.lost,
            self.doubled,
            self.rss_start_kib as f64 / 1024.0,
            self.rss_end_kib as f64 / 1024.0,
            self.rss_max_kib as f64 / 1024.0,
            if self.rss_flat() { "flat" } else { "GREW" }
        )
    }
}

/// Real articles to drop: the seeds and the extraction corpus's text dumps under `dirs`.
pub fn load_articles(dirs: &[PathBuf]) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        paths.sort();
        for path in paths {
            texts.push(fs::read_to_string(&path).with_context(|| path.display().to_string())?);
        }
    }
    if texts.is_empty() {
        bail!("no articles in {dirs:?}");
    }
    Ok(texts)
}

const GOOD: &str = "[intake]\nsettle_ms = 200\n\n[output]\njsonl = \"articles.jsonl\"\n";

fn good_config(variant: bool) -> String {
    // Two good configs that differ, so a reload really swaps something.
    format!("{GOOD}removed = {variant}\n")
}

fn bad_config() -> String {
    format!("{GOOD}\n[workers]\nthreds = 2\n")
}

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, (lo, hi): (Duration, Duration)) -> Duration {
        let span = hi.saturating_sub(lo).as_millis() as u64;
        lo + Duration::from_millis(self.next() % span.max(1))
    }
}

/// The daemon of one life (from a start to a kill).
struct Life {
    child: Child,
    log: PathBuf,
}

impl Life {
    fn start(bin: &Path, dir: &Path, n: usize) -> Result<Life> {
        let log = dir.join(format!("daemon-{n:03}.log"));
        let child = Command::new(bin)
            .args(["--log-level", "info", "run", "--config", "newsdrop.toml"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let life = Life { child, log };
        let started = Instant::now();
        while !life.log_text().contains("watching inbox") {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("daemon did not start:\n{}", life.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(life)
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, sig: &str) -> Result<()> {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()?
            .success();
        if !ok {
            bail!("kill -{sig} failed");
        }
        Ok(())
    }

    fn rss_kib(&self) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn kill9(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    fn terminate(mut self) -> Result<()> {
        self.signal("TERM")?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("daemon exited with {status}:\n{}", self.log_text());
                }
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("daemon did not stop");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Life {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a soak in `dir` (which it fills: config, folders, logs).
pub fn run(opts: &Options, dir: &Path) -> Result<Report> {
    let mut rng = Rng(opts.seed | 1);
    fs::create_dir_all(dir.join("staging"))?;
    fs::create_dir_all(dir.join("inbox"))?;
    let config = dir.join("newsdrop.toml");
    let threads = format!("\n[workers]\nthreads = {}\n", opts.threads);
    let with_threads = |c: String| {
        if c.contains("[workers]") {
            c.replace(
                "[workers]\n",
                &format!("[workers]\nthreads = {}\n", opts.threads),
            )
        } else {
            c + &threads
        }
    };
    let mut variant = false;
    fs::write(&config, with_threads(good_config(variant)))?;

    let started = Instant::now();
    let mut lives = 0;
    let mut life = Life::start(&opts.bin, dir, lives)?;
    let mut report = Report::default();
    let mut next_kill = Instant::now() + rng.between(opts.kill_every);
    let mut next_hup = Instant::now() + rng.between(opts.hup_every);
    let mut next_rss = Instant::now() + Duration::from_secs(1);
    let warm = started + opts.duration.mul_f64(0.2).min(Duration::from_secs(30));
    let deadline = started + opts.duration;
    let mut names = Vec::new();

    while Instant::now() < deadline {
        // Drop what the rate says is due by now.
        let due = (started.elapsed().as_secs_f64() * opts.rate) as usize;
        while names.len() < due {
            let i = names.len();
            let name = format!("soak-{i:06}.txt");
            let text = format!(
                "{}\n\nSoak marker {} {i}.\n",
                opts.articles[i % opts.articles.len()],
                opts.seed
            );
            if i % 10 == 9 {
                // Written in place, as a careless producer does: taken once it settles.
                fs::write(dir.join("inbox").join(&name), text)?;
            } else {
                let staged = dir.join("staging").join(&name);
                fs::write(&staged, text)?;
                fs::rename(&staged, dir.join("inbox").join(&name))?;
            }
            names.push(name);
        }
        let now = Instant::now();
        if now >= next_rss {
            if let Some(rss) = life.rss_kib() {
                if now >= warm && report.rss_start_kib == 0 {
                    report.rss_start_kib = rss;
                }
                report.rss_max_kib = report.rss_max_kib.max(rss);
            }
            next_rss = now + Duration::from_secs(1);
        }
        if now >= next_kill {
            life.kill9()?;
            report.kills += 1;
            std::thread::sleep(Duration::from_millis(rng.next() % 500));
            lives += 1;
            life = Life::start(&opts.bin, dir, lives)?;
            next_kill = Instant::now() + rng.between(opts.kill_every);
        } else if now >= next_hup {
            let bad = rng.next().is_multiple_of(2);
            let (before_ok, before_bad) = reload_lines(&life);
            if bad {
                fs::write(&config, with_threads(bad_config()))?;
            } else {
                variant = !variant;
                fs::write(&config, with_threads(good_config(variant)))?;
            }
            life.signal("HUP")?;
            let waited = Instant::now();
            loop {
                let (ok, failed) = reload_lines(&life);
                if ok > before_ok {
                    report.reloads_ok += 1;
                    break;
                }
                if failed > before_bad {
                    report.reloads_bad += 1;
                    break;
                }
                if waited.elapsed() > Duration::from_secs(60) {
                    bail!("no reload line after SIGHUP:\n{}", life.log_text());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // A restart must find a good config.
            fs::write(&config, with_threads(good_config(variant)))?;
            next_hup = Instant::now() + rng.between(opts.hup_every);
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    // Let everything settle, then stop.
    let settle_started = Instant::now();
    while count(&dir.join("inbox")) + count(&dir.join(".newsdrop/work")) > 0 {
        if settle_started.elapsed() > Duration::from_secs(300) {
            bail!("files still waiting 5 minutes after the last drop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    report.rss_end_kib = life.rss_kib().unwrap_or(0);
    report.rss_max_kib = report.rss_max_kib.max(report.rss_end_kib);
    if report.rss_start_kib == 0 {
        report.rss_start_kib = report.rss_end_kib;
    }
    life.terminate()?;
    report.seconds = started.elapsed().as_secs_f64();
    report.files = names.len();
    account(dir, &names, &mut report)?;
    Ok(report)
}

/// (reloaded, failed) lines in a life's log so far.
fn reload_lines(life: &Life) -> (usize, usize) {
    let log = life.log_text();
    (
        log.matches("config reloaded").count(),
        log.matches("reload failed").count(),
    )
}

fn count(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |rd| {
        rd.filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

fn json_files(dir: &Path, suffix: &str) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(suffix) && !name.starts_with('.') {
            let bytes = fs::read(&path)?;
            out.push(
                serde_json::from_slice(&bytes)
                    .with_context(|| format!("{} is not whole JSON", path.display()))?,
            );
        }
    }
    Ok(out)
}

/// Looks for every dropped file in the outbox, the sink, `failed/` and the archive.
fn account(dir: &Path, names: &[String], report: &mut Report) -> Result<()> {
    let mut outbox: HashMap<String, usize> = HashMap::new();
    for out in json_files(&dir.join("outbox"), ".json")? {
        let name = out["source"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        *outbox.entry(name).or_default() += 1;
    }
    let mut failed: HashMap<String, usize> = HashMap::new();
    for record in json_files(&dir.join("failed"), ".error.json")? {
        let name = record["file"].as_str().unwrap_or_default().to_string();
        *failed.entry(name).or_default() += 1;
    }
    let mut sink: HashMap<String, usize> = HashMap::new();
    let jsonl = fs::read_to_string(dir.join("articles.jsonl")).unwrap_or_default();
    for (n, line) in jsonl.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("articles.jsonl line {} is not whole JSON", n + 1))?;
        let name = v["source"]["name"].as_str().unwrap_or_default().to_string();
        *sink.entry(name).or_default() += 1;
    }
    let mut archived: HashMap<String, usize> = HashMap::new();
    for entry in fs::read_dir(dir.join("archive"))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        // An archived name may carry a tag before its extension on a collision.
        let base = name.split('.').next().unwrap_or_default().to_string();
        *archived.entry(format!("{base}.txt")).or_default() += 1;
    }
    for name in names {
        let emitted = outbox.get(name).copied().unwrap_or(0);
        let failures = failed.get(name).copied().unwrap_or(0);
        let in_sink = sink.get(name).copied().unwrap_or(0);
        let archives = archived.get(name).copied().unwrap_or(0);
        let ledger_only = usize::from(emitted == 0 && failures == 0 && archives > 0);
        let places = emitted + failures + ledger_only;
        report.emitted += emitted.min(1);
        report.failed += failures.min(1);
        report.ledger_only += ledger_only;
        let lost = places == 0 || (emitted > 0 && in_sink == 0);
        let doubled = places > 1 || in_sink > 1 || archives > 1;
        if lost {
            report.lost += 1;
        }
        if doubled {
            report.doubled += 1;
        }
        if (lost || doubled) && report.examples.len() < 10 {
            report.examples.push(format!(
                "{name}: outbox {emitted}, failed {failures}, sink {in_sink}, archive {archives}"
            ));
        }
    }
    Ok(())
}
