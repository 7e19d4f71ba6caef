//! The plugin's view of an article: the SDK's `Article` handle over the real host function
//! table (newsdrop-plugin-host's `HOST_API`, as during a plugin's `apply`), driven by an
//! arbitrary sequence of reads and edits with arbitrary strings and indexes. Nothing may
//! panic (a panic inside the host callbacks cannot cross `extern "C"`), the block count
//! never changes, and the edited article still serialises.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use newsdrop_core::{Article, ArticleRecord, Block, BlockKind, Format, Source};
use newsdrop_sdk::MetaField;

#[derive(Arbitrary, Debug)]
struct Input {
    blocks: Vec<String>,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    ReadAll,
    Block(usize),
    Drop(usize, String),
    Keep(usize, String),
    SetMeta(u8, Option<String>),
    GetMeta(u8),
    AddAuthor(String),
    ClearAuthors,
    AddTag(String, String, u32, String),
    HasTag(String),
}

fn field(n: u8) -> MetaField {
    match n % 6 {
        0 => MetaField::Title,
        1 => MetaField::Published,
        2 => MetaField::Publisher,
        3 => MetaField::Dateline,
        4 => MetaField::Language,
        _ => MetaField::Url,
    }
}

fuzz_target!(|input: Input| {
    let mut article = Article::new(
        Source {
            name: "a.txt".into(),
            folder: String::new(),
            size: 0,
            sha256: String::new(),
            received_at: jiff::Timestamp::UNIX_EPOCH,
            encoding: "UTF-8".into(),
        },
        Format::Text,
    );
    for text in &input.blocks {
        article.blocks.push(Block::new(text, BlockKind::Line));
    }
    let blocks = article.blocks.len();
    newsdrop_plugin_host::with_plugin_view(&mut article, "fuzz", |host, raw| {
        // SAFETY: the pointers come from the host's hook for this article, alive for the
        // closure, and this is the only handle.
        let mut view = unsafe { newsdrop_sdk::Article::from_raw_for_fuzzing(host, raw) };
        for op in input.ops {
            match op {
                Op::ReadAll => {
                    let n = view.blocks().map(|b| b.text.len()).count();
                    assert_eq!(n, view.block_count());
                    let _ = (view.title(), view.authors(), view.tags());
                }
                Op::Block(i) => {
                    assert_eq!(view.block(i).is_some(), i < view.block_count());
                }
                Op::Drop(i, reason) => {
                    let ok = view.drop_block(i, &reason).is_ok();
                    assert_eq!(ok, i < view.block_count());
                    if ok {
                        assert!(!view.block(i).map_or(true, |b| b.keep));
                    }
                }
                Op::Keep(i, reason) => {
                    let _ = view.keep_block(i, &reason);
                }
                Op::SetMeta(f, value) => {
                    let _ = view.set_meta(field(f), value.as_deref());
                }
                Op::GetMeta(f) => {
                    let _ = view.meta(field(f));
                }
                Op::AddAuthor(a) => {
                    let _ = view.add_author(&a);
                }
                Op::ClearAuthors => view.clear_authors(),
                Op::AddTag(id, label, count, fired) => {
                    let _ = view.add_tag(&id, &label, count, &fired);
                }
                Op::HasTag(id) => {
                    let _ = view.has_tag(&id);
                }
            }
        }
    });
    assert_eq!(article.blocks.len(), blocks);
    let record = ArticleRecord::from_article(&article, true);
    serde_json::to_vec(&record).expect("serialises");
});
