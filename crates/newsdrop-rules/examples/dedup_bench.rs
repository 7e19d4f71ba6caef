//! Benchmark (not a test) of the dedup stage alone, for issue 5's speed and memory targets:
//! one thread, every document of a scale set (`make_dedup_scale.py`: `{"id", "text",
//! "cluster", …}` per line) made into a text article the way the reader does, its headline
//! and byline taken by the metadata rule (untimed, as dedup skips what metadata took), then
//! judged by the `dedup` rule with its defaults over a SQLite store in a fresh folder.
//!
//! Each article is prepared outside the clock right before the dedup stage runs on it, as
//! in the pipeline, where dedup follows the other stages with the article's text still in
//! the cache. Only the dedup stage is timed (wall clock and this thread's CPU time,
//! steadier on a shared machine; the two clock reads cost about 0.4 µs an article, counted
//! in), overall and per 10% slice, to show whether throughput stays flat as the index
//! grows. (Prepared a thousand at a time, as this bench once did, each text had left the
//! cache by the time dedup read it, the more so as the index grew: the stage measured 16%
//! slower over the 1M set, waiting on memory the pipeline has in cache.) Then: index
//! memory (`memory_bytes()` per article, and the process's peak RSS), the store's size on
//! disk, and the restart time: the store dropped, then `Store::open` and the dedup stage
//! built again, which loads the index, as the daemon does at start-up. `--decisions FILE`
//! writes `{"id", "duplicate_of"}` per document for `../shared/eval/score_dedup.py` (its
//! id map costs memory, so leave it out when measuring RSS).
//!
//! ```text
//! python3 ../shared/eval/make_dedup_scale.py --pool ../shared/corpus/dedup/originals_dev.jsonl.gz \
//!     --n 100000 --out /tmp/scale100k.jsonl --seed 1
//! cargo run --release -p newsdrop-rules --example dedup_bench -- /tmp/scale100k.jsonl
//! cargo run --release -p newsdrop-rules --example dedup_bench -- /tmp/scale100k.jsonl \
//!     --decisions /tmp/decisions.jsonl --state /tmp/dedup-state
//! python3 ../shared/eval/score_dedup.py /tmp/decisions.jsonl /tmp/scale100k.jsonl
//! cargo run --release -p newsdrop-rules --example dedup_bench -- --restart /tmp/dedup-state
//! ```

#[path = "../tests/util/mod.rs"]
#[allow(dead_code)] // the pipelines it builds are not used here
mod util;

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use newsdrop_core::{
    DedupIndex, DedupStatus, DedupVerdict, Fingerprint, IndexParams, LineMemory, LoadedConfig,
    Lookup, Pipeline, State, StateError,
};
use newsdrop_rules::Registry;
use newsdrop_store::Store;

/// The store's dedup index, counting the candidates it offers the rule (each one verified
/// on its full shingle set, read back from the shingle file unless still pending).
struct Counting {
    inner: Arc<dyn DedupIndex>,
    candidates: AtomicU64,
    most: AtomicU64,
}

impl DedupIndex for Counting {
    fn resolve(
        &self,
        doc: &Fingerprint,
        judge: &mut dyn FnMut(&Lookup<'_>) -> DedupVerdict,
    ) -> Result<DedupVerdict, StateError> {
        self.inner.resolve(doc, &mut |found| {
            let n = found.candidates.len() as u64;
            self.candidates.fetch_add(n, Ordering::Relaxed);
            self.most.fetch_max(n, Ordering::Relaxed);
            judge(found)
        })
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

/// The store as the rules see it, with the index wrapped in [`Counting`].
struct CountingState {
    store: Arc<Store>,
    index: Mutex<Option<Arc<Counting>>>,
}

impl CountingState {
    fn counts(&self) -> (u64, u64) {
        let index = self.index.lock().ok().and_then(|i| i.clone());
        index.map_or((0, 0), |i| {
            (
                i.candidates.load(Ordering::Relaxed),
                i.most.swap(0, Ordering::Relaxed),
            )
        })
    }
}

impl State for CountingState {
    fn dedup_index(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Arc<dyn DedupIndex>, StateError> {
        let index = Arc::new(Counting {
            inner: self.store.dedup_index(params, expire_after_secs)?,
            candidates: AtomicU64::new(0),
            most: AtomicU64::new(0),
        });
        if let Ok(mut slot) = self.index.lock() {
            *slot = Some(index.clone());
        }
        Ok(index)
    }

    fn dedup_params(&self) -> Result<Option<IndexParams>, StateError> {
        self.store.dedup_params()
    }

    fn line_memory(&self) -> Result<Arc<dyn LineMemory>, StateError> {
        self.store.line_memory()
    }

    fn location(&self) -> String {
        self.store.location()
    }
}

/// One document of the scale set, as the benchmark needs it.
struct Doc {
    id: String,
    text: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut input = None;
    let mut decisions = None;
    let mut state_dir = None;
    let mut limit = usize::MAX;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--decisions" => decisions = it.next().map(PathBuf::from),
            "--state" => state_dir = it.next().map(PathBuf::from),
            "--limit" => limit = it.next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX),
            "--restart" => {
                // Only the restart, of a state folder an earlier run left (`--state DIR`).
                let dir = it.next().map(PathBuf::from).unwrap_or_default();
                restart(&dir);
                return;
            }
            _ => input = Some(PathBuf::from(a)),
        }
    }
    let Some(input) = input else {
        eprintln!(
            "usage: dedup_bench SCALE.jsonl [--decisions OUT.jsonl] [--state DIR] [--limit N]\n\
             \x20      dedup_bench --restart DIR"
        );
        std::process::exit(2);
    };
    // The store's folder: `--state DIR` (must not hold a store yet) or a temporary one.
    let tmp;
    let dir: PathBuf = match state_dir {
        Some(d) => {
            if let Err(e) = std::fs::create_dir_all(&d) {
                fail(&format!("{}: {e}", d.display()));
            }
            if newsdrop_store::db_path(&d).exists() {
                fail(&format!("{} already holds a store", d.display()));
            }
            d
        }
        None => {
            tmp = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => fail(&format!("temporary folder: {e}")),
            };
            tmp.path().to_path_buf()
        }
    };

    let total = count_lines(&input).min(limit);
    if total == 0 {
        fail("no documents");
    }
    let metadata = pipeline("[[stage]]\nrule = \"metadata\"\n", None);
    let store = open(&dir);
    let counting = Arc::new(CountingState {
        store: store.clone(),
        index: Mutex::new(None),
    });
    let state: Arc<dyn State> = counting.clone();
    let dedup = pipeline("[[stage]]\nrule = \"dedup\"\n", Some(&state));
    let rss_before = proc_status_kb("VmRSS");

    let mut out = decisions.as_ref().map(|p| match std::fs::File::create(p) {
        Ok(f) => BufWriter::new(f),
        Err(e) => fail(&format!("{}: {e}", p.display())),
    });
    // Article id → document id, for the decisions file only.
    let mut doc_of: HashMap<String, String> = HashMap::new();

    let slices = 10usize;
    let mut slice_wall = vec![0f64; slices];
    let mut slice_cpu = vec![0f64; slices];
    let mut slice_docs = vec![0usize; slices];
    // Candidates offered (sum, most for one article) per slice.
    let mut slice_candidates = vec![(0u64, 0u64); slices];
    let mut statuses = [0usize; 3];
    let mut bytes = 0usize;
    let mut done = 0usize;
    let all_started = Instant::now();

    let file = match std::fs::File::open(&input) {
        Ok(f) => f,
        Err(e) => fail(&format!("{}: {e}", input.display())),
    };
    let mut lines = std::io::BufReader::with_capacity(1 << 20, file).lines();
    while done < total {
        // Prepare the article (untimed): parse, make the article, run metadata.
        let Some(line) = lines.next() else { break };
        let line = match line {
            Ok(l) => l,
            Err(e) => fail(&format!("{}: {e}", input.display())),
        };
        if line.trim().is_empty() {
            continue;
        }
        let Some(doc) = parse(&line) else {
            fail(&format!("not a scale record: {:.80}", line))
        };
        bytes += doc.text.len();
        let mut article = util::text_article(&format!("{}.txt", doc.id), &doc.text);
        if let Err(e) = metadata.run(&mut article) {
            fail(&format!("{}: metadata: {e:?}", doc.id));
        }
        // The dedup stage alone, timed.
        let slice = done * slices / total;
        let started = Instant::now();
        let cpu_started = util::cpu_secs();
        if let Err(e) = dedup.run(&mut article) {
            fail(&format!("{}: dedup: {e:?}", article.source.name));
        }
        slice_cpu[slice] += util::cpu_secs() - cpu_started;
        slice_wall[slice] += started.elapsed().as_secs_f64();
        slice_docs[slice] += 1;
        let (sum, most) = counting.counts();
        let (_, slice_most) = slice_candidates[slice];
        slice_candidates[slice] = (sum, slice_most.max(most));
        done += 1;
        let Some(v) = &article.dedup else {
            fail(&format!("{}: no dedup verdict", doc.id));
        };
        statuses[match v.status {
            DedupStatus::Unique => 0,
            DedupStatus::Exact => 1,
            DedupStatus::Near => 2,
        }] += 1;
        if let Some(out) = out.as_mut() {
            if v.status == DedupStatus::Unique {
                doc_of.insert(article.id.clone(), doc.id.clone());
            }
            let of = v.of.as_ref().and_then(|of| doc_of.get(of));
            let rec = serde_json::json!({"id": doc.id, "duplicate_of": of, "similarity": v.similarity, "containment": v.containment, "shared": v.shared});
            if let Err(e) = writeln!(out, "{rec}") {
                fail(&format!("decisions: {e}"));
            }
        }
    }
    let all_secs = all_started.elapsed().as_secs_f64();
    if let Some(mut out) = out.take()
        && let Err(e) = out.flush()
    {
        fail(&format!("decisions: {e}"));
    }
    let (indexed, memory) = store.dedup_index_stats().unwrap_or((0, 0));
    let peak_kb = proc_status_kb("VmHWM");
    let rss_kb = proc_status_kb("VmRSS");
    let n = done as f64;
    let wall: f64 = slice_wall.iter().sum();
    let cpu: f64 = slice_cpu.iter().sum();

    println!(
        "{done} docs ({:.0} MB of text) from {}; unique {}, exact {}, near {}",
        bytes as f64 / 1e6,
        input.display(),
        statuses[0],
        statuses[1],
        statuses[2]
    );
    println!(
        "dedup stage alone: {:.0} docs/s wall clock ({wall:.1} s), {:.0} docs/s CPU time of \
         this thread ({cpu:.1} s)",
        n / wall,
        n / cpu
    );
    println!(
        "whole run (parse + article + metadata + dedup): {:.0} docs/s ({all_secs:.1} s)",
        n / all_secs
    );
    println!(
        "per 10% slice (docs indexed before: docs/s wall, docs/s CPU, candidates verified per doc, most):"
    );
    let mut before = 0usize;
    let mut candidates_before = 0u64;
    for i in 0..slices {
        if slice_docs[i] == 0 {
            continue;
        }
        let d = slice_docs[i] as f64;
        let cpu = d / slice_cpu[i];
        let (sum, most) = slice_candidates[i];
        println!(
            "  {:>3}%  from {before:>8}: {:>7.0} docs/s wall, {cpu:>7.0} docs/s CPU, {:>7.1} candidates/doc (most {most})",
            (i + 1) * 10,
            d / slice_wall[i],
            (sum - candidates_before) as f64 / d
        );
        before += slice_docs[i];
        candidates_before = sum;
    }
    println!(
        "index memory: {indexed} articles, {:.1} MB, {:.0} bytes/article (memory_bytes)",
        memory as f64 / 1e6,
        memory as f64 / indexed.max(1) as f64
    );
    if let (Some(peak), Some(base), Some(rss)) = (peak_kb, rss_before, rss_kb) {
        println!(
            "process RSS: peak {:.1} MB (VmHWM), now {:.1} MB, before the run {:.1} MB; \
             growth {:.0} bytes/article",
            peak as f64 / 1e3,
            rss as f64 / 1e3,
            base as f64 / 1e3,
            (rss.saturating_sub(base) * 1000) as f64 / indexed.max(1) as f64
        );
    }
    if let Err(e) = store.flush_state() {
        fail(&format!("flush: {e}"));
    }
    println!("on disk, open: {}", disk(&dir));

    // Restart: drop everything that holds the store, then open it again as the daemon does.
    drop(dedup);
    drop(state);
    drop(counting);
    drop(store);
    println!("on disk, closed: {}", disk(&dir));
    restart(&dir);
}

/// Opens the store in `dir` and builds the dedup stage, which loads the index, as the
/// daemon does at start-up; prints how long that took.
fn restart(dir: &Path) {
    let started = Instant::now();
    let store = open(dir);
    let state: Arc<dyn State> = store.clone();
    let dedup = pipeline("[[stage]]\nrule = \"dedup\"\n", Some(&state));
    let restart = started.elapsed().as_secs_f64();
    let (indexed, memory) = store.dedup_index_stats().unwrap_or((0, 0));
    println!(
        "restart (Store::open + dedup stage built, index loaded): {restart:.2} s for {indexed} \
         articles; memory_bytes {:.1} MB; peak RSS now {:.1} MB",
        memory as f64 / 1e6,
        proc_status_kb("VmHWM").unwrap_or(0) as f64 / 1e3
    );
    drop(dedup);
}

fn parse(line: &str) -> Option<Doc> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(Doc {
        id: v["id"].as_str()?.to_string(),
        text: v["text"].as_str()?.to_string(),
    })
}

fn count_lines(path: &Path) -> usize {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => fail(&format!("{}: {e}", path.display())),
    };
    std::io::BufReader::with_capacity(1 << 20, file)
        .split(b'\n')
        .filter_map(Result::ok)
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count()
}

fn open(dir: &Path) -> Arc<Store> {
    match Store::open(dir) {
        Ok(s) => Arc::new(s),
        Err(e) => fail(&format!("store: {e}")),
    }
}

fn pipeline(src: &str, state: Option<&Arc<dyn State>>) -> Pipeline {
    let config = match LoadedConfig::parse(src, Path::new("bench.toml")) {
        Ok(c) => c,
        Err(e) => fail(&format!("config: {e:?}")),
    };
    match Registry::builtin().build_with_state(&config, state) {
        Ok(p) => p,
        Err(e) => fail(&format!("pipeline: {e:?}")),
    }
}

/// Sizes of the store's files (database, WAL, shared memory) in `dir`.
fn disk(dir: &Path) -> String {
    let db = newsdrop_store::db_path(dir);
    let size = |suffix: &str| {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        std::fs::metadata(&p).map_or(0, |m| m.len())
    };
    let (main, wal, shm) = (size(""), size("-wal"), size("-shm"));
    // The dedup index's shingle sets, in a file of their own (`dedup-shingles.N.bin`).
    let sets: u64 = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("dedup-shingles.")
        })
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum();
    format!(
        "{:.1} MB (database {:.1} MB + WAL {:.1} MB + shm {:.1} MB + shingle file {:.1} MB)",
        (main + wal + shm + sets) as f64 / 1e6,
        main as f64 / 1e6,
        wal as f64 / 1e6,
        shm as f64 / 1e6,
        sets as f64 / 1e6
    )
}

/// A `kB` field of `/proc/self/status` (`VmHWM`: peak RSS; `VmRSS`: RSS now); Linux only.
fn proc_status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn fail(msg: &str) -> ! {
    eprintln!("dedup_bench: {msg}");
    std::process::exit(1);
}
