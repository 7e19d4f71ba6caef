//! The reader: any bytes, under any of the names intake accepts, become an article or a
//! read error, never a panic; a read article's body and JSON record can be made.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdrop_core::{ArticleRecord, Source};
use newsdrop_read::{Limits, read_article};

const NAMES: [&str; 8] = [
    "a.txt", "a.md", "a.html", "a.htm", "a.json", "a.txt.gz", "a.html.gz", "a.json.gz",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let source = Source {
        name: NAMES[pick as usize % NAMES.len()].to_string(),
        folder: String::new(),
        size: bytes.len() as u64,
        sha256: String::new(),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: String::new(),
    };
    let limits = Limits { max_bytes: 1 << 20 };
    if let Ok(article) = read_article(bytes, source, &limits) {
        let _ = article.body();
        let record = ArticleRecord::from_article(&article, true);
        serde_json::to_vec(&record).expect("a read article serialises");
    }
});
