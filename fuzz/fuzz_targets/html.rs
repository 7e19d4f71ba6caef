//! HTML to blocks and on through the rules that read the DOM: any bytes read as an HTML page,
//! then the metadata and boilerplate rules (the DOM extractor), never panic; kept and dropped
//! blocks are all the blocks, and the record serialises.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use newsdrop_core::{ArticleRecord, LoadedConfig, Pipeline, Source};
use newsdrop_read::{Limits, read_article};
use newsdrop_rules::Registry;

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let config = LoadedConfig::parse(
            "[[stage]]\nrule = \"metadata\"\n\n[[stage]]\nrule = \"boilerplate\"\n",
            Path::new("fuzz.toml"),
        )
        .expect("config");
        Registry::builtin().build(&config).expect("pipeline")
    })
}

fuzz_target!(|data: &[u8]| {
    let source = Source {
        name: "page.html".to_string(),
        folder: String::new(),
        size: data.len() as u64,
        sha256: String::new(),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: String::new(),
    };
    let Ok(mut article) = read_article(data, source, &Limits { max_bytes: 1 << 20 }) else {
        return;
    };
    let blocks = article.blocks.len();
    // A stage's panic would be caught by the pipeline and reported as a failure: that is
    // a bug here, so it fails the fuzz target.
    if let Err(f) = pipeline().run(&mut article) {
        assert!(!f.panicked, "{f}");
    }
    assert_eq!(article.blocks.len(), blocks, "rules mark blocks, they never remove them");
    let record = ArticleRecord::from_article(&article, true);
    serde_json::to_vec(&record).expect("serialises");
});
