//! What a plugin stage costs per article: the pipeline on a 5 KB article with no stage,
//! with a do-nothing built-in stage, and with a do-nothing plugin stage (`fixture-misbehave`
//! in mode `ok`, which crosses the C boundary and back). The difference is the plugin
//! overhead; the target is under 5 µs.
//!
//! `cargo bench -p newsdrop-plugin-host` (cargo builds the fixture's cdylib beside the bench).

use std::path::PathBuf;
use std::sync::Arc;

use newsdrop_core::{
    Article, Block, BlockKind, Format, Pipeline, PipelineStage, Source, Stage, StageError, Verdict,
};
use newsdrop_plugin_host::{Host, PluginStage};

fn main() {
    divan::main();
}

/// A 5 KB plain-text article: 50 lines of about 100 bytes.
fn article() -> Article {
    let mut a = Article::new(
        Source {
            name: "bench.txt".into(),
            folder: String::new(),
            size: 5000,
            sha256: "0".repeat(64),
            received_at: jiff::Timestamp::UNIX_EPOCH,
            encoding: "UTF-8".into(),
        },
        Format::Text,
    );
    for i in 0..50 {
        a.blocks.push(Block::new(
            format!("{i:02} The foreign ministers met on Tuesday for talks on the border agreement, both sides said."),
            BlockKind::Line,
        ));
    }
    a
}

struct Nothing;
impl Stage for Nothing {
    fn apply(&self, _: &mut Article) -> Result<Verdict, StageError> {
        Ok(Verdict::Continue)
    }
}

fn slot(stage: Box<dyn Stage>) -> Vec<PipelineStage> {
    vec![PipelineStage {
        name: "bench".into(),
        rule: "bench".into(),
        stage,
    }]
}

fn plugin_stage() -> PluginStage {
    let exe = std::env::current_exe().expect("bench path");
    let lib: PathBuf = exe.parent().expect("deps folder").join(format!(
        "libfixture_misbehave{}",
        std::env::consts::DLL_SUFFIX
    ));
    let lib = Host::default()
        .library(&lib)
        .unwrap_or_else(|e| panic!("{e} (cargo bench builds it)"));
    PluginStage::create(Arc::clone(&lib), r#"{"mode":"ok"}"#, "bench".into())
        .map_err(|(_, e)| e)
        .expect("create")
}

#[divan::bench]
fn no_stage(bencher: divan::Bencher<'_, '_>) {
    let pipeline = Pipeline::new(Vec::new());
    let mut a = article();
    bencher.bench_local(|| pipeline.run(divan::black_box(&mut a)));
}

#[divan::bench]
fn builtin_noop_stage(bencher: divan::Bencher<'_, '_>) {
    let pipeline = Pipeline::new(slot(Box::new(Nothing)));
    let mut a = article();
    bencher.bench_local(|| pipeline.run(divan::black_box(&mut a)));
}

#[divan::bench]
fn plugin_noop_stage(bencher: divan::Bencher<'_, '_>) {
    let pipeline = Pipeline::new(slot(Box::new(plugin_stage())));
    let mut a = article();
    bencher.bench_local(|| pipeline.run(divan::black_box(&mut a)));
}
