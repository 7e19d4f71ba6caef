//! Benchmark (not a test) of the tagging rule's throughput: one thread, every document of a
//! JSON Lines corpus (`{"text": …}` per line, such as `silver.jsonl`) tagged line by line as
//! kept blocks would be, with the gazetteers given. Prints compile time, automaton memory,
//! docs/s and MB/s (best of `--repeat` runs). `--builtin` puts `builtin:countries` first.
//!
//! ```text
//! cargo run --release -p newsdrop-rules --example tagging_bench -- \
//!     ../shared/corpus/tagging/silver.jsonl ../shared/corpus/tagging/gazetteer.toml
//! cargo run --release -p newsdrop-rules --example tagging_bench -- \
//!     ../shared/corpus/tagging/silver.jsonl ../shared/corpus/tagging/gazetteer-50k.toml
//! ```

use std::time::Instant;

use newsdrop_rules::tagging::{BUILTINS, Tagging, Tally};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 5usize;
    let mut builtin = false;
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repeat" => repeat = it.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            "--builtin" => builtin = true,
            _ => paths.push(a.clone()),
        }
    }
    if paths.len() < 2 {
        eprintln!("usage: tagging_bench CORPUS.jsonl GAZETTEER.toml… [--builtin] [--repeat N]");
        std::process::exit(2);
    }
    let corpus = match std::fs::read_to_string(&paths[0]) {
        Ok(s) => s,
        Err(e) => fail(&format!("{}: {e}", paths[0])),
    };
    let docs: Vec<String> = corpus
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    let bytes: usize = docs.iter().map(String::len).sum();

    let mut sources: Vec<(String, String)> = Vec::new();
    if builtin {
        for (name, src) in BUILTINS.iter().filter(|(n, _)| *n == "countries") {
            sources.push((format!("builtin:{name}"), (*src).to_string()));
        }
    }
    for p in &paths[1..] {
        match std::fs::read_to_string(p) {
            Ok(s) => sources.push((p.clone(), s)),
            Err(e) => fail(&format!("{p}: {e}")),
        }
    }
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(l, s)| (l.as_str(), s.as_str()))
        .collect();
    let t0 = Instant::now();
    let stage = match Tagging::from_sources(&refs, None, 1) {
        Ok(s) => s,
        Err(e) => fail(&format!("{e:?}")),
    };
    let build = t0.elapsed();
    let stats = stage.tagger().stats();

    let mut best = f64::INFINITY;
    let mut tags = 0usize;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        tags = 0;
        for d in &docs {
            let mut tally = Tally::default();
            for line in d.lines().filter(|l| !l.trim().is_empty()) {
                stage.tagger().scan(line, &mut tally);
            }
            tags += stage.tagger().finish(tally).len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{}: {} entities, {} patterns, build {:.3} s (load + compile), automaton memory {:.1} MB",
        paths[1..].join(" + "),
        stats.entities,
        stats.patterns,
        build.as_secs_f64(),
        stats.memory as f64 / 1e6
    );
    println!(
        "{} docs, {:.0} KB, {} tags: {:.0} docs/s, {:.1} MB/s (single thread, best of {})",
        docs.len(),
        bytes as f64 / 1e3,
        tags,
        docs.len() as f64 / best,
        bytes as f64 / best / 1e6,
        repeat.max(1)
    );
}

fn fail(msg: &str) -> ! {
    eprintln!("tagging_bench: {msg}");
    std::process::exit(1);
}
