//! Test and bench helpers: a text file made into an [`Article`] the way the reader will
//! (one `Line` block per non-empty line, `gap_before` after a blank line), so the rules can
//! be tested and scored without the reader crate.

use std::path::Path;
use std::sync::Arc;

use newsdrop_core::{Article, Block, BlockKind, Format, LoadedConfig, Pipeline, Source, State};
use newsdrop_rules::Registry;

/// An article of format `Text` read from `text`, named `name`.
#[allow(dead_code)] // used by the seeds test, not by the extract example
pub fn text_article(name: &str, text: &str) -> Article {
    let source = Source {
        name: name.to_string(),
        folder: String::new(),
        size: text.len() as u64,
        sha256: newsdrop_core::id::sha256_hex(text.as_bytes()),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: "UTF-8".to_string(),
    };
    let mut article = Article::new(source, Format::Text);
    let mut gap = true;
    for line in text.lines() {
        if line.trim().is_empty() {
            gap = true;
            continue;
        }
        let mut block = Block::new(line, BlockKind::Line);
        block.gap_before = gap;
        gap = false;
        article.blocks.push(block);
    }
    article
}

/// The default pipeline (metadata, boilerplate, dedup), built from the embedded config over
/// a fresh in-memory store.
#[allow(dead_code)] // not used by every test binary
pub fn default_pipeline() -> Pipeline {
    let config = LoadedConfig::embedded(Path::new("."));
    build(&config)
}

/// Metadata, then boilerplate with `options` (TOML keys of its `[[stage]]` table).
#[allow(dead_code)] // not used by every test binary
pub fn pipeline_with(options: &str) -> Pipeline {
    let src =
        format!("[[stage]]\nrule = \"metadata\"\n\n[[stage]]\nrule = \"boilerplate\"\n{options}\n");
    match LoadedConfig::parse(&src, Path::new("bench.toml")) {
        Ok(config) => build(&config),
        Err(e) => panic!("config: {e:?}"),
    }
}

fn build(config: &LoadedConfig) -> Pipeline {
    let state: Arc<dyn State> = match newsdrop_store::Store::in_memory() {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("store: {e}"),
    };
    match Registry::builtin().build_with_state(config, Some(&state)) {
        Ok(p) => p,
        Err(e) => panic!("default pipeline: {e:?}"),
    }
}

/// Seconds this thread has run on a CPU, so that the benches' pages/s do not depend on what
/// else shares the machine. `clock_gettime` is exact; `/proc/thread-self/schedstat`, read
/// before, moves only at the scheduler's tick (4 ms here), as much as a text round takes.
#[allow(dead_code)] // used by the benches, not by the tests
pub fn cpu_secs() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}
