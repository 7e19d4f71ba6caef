//! Small text helpers the rules share.

use std::hash::{BuildHasherDefault, Hasher};

/// Words of `text`: runs of alphanumeric characters (apostrophes inside words kept).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

/// A fast hash (FxHash's mix, eight bytes at a time) for maps and sets whose keys come from
/// one page (element numbers, paths, words, line hashes): no key can make them slow beyond
/// the page's own size, so SipHash's protection is not needed and its cost shows.
#[derive(Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The builder of [`FastHasher`]s, for `HashMap<K, V, Fast>`.
pub type Fast = BuildHasherDefault<FastHasher>;

/// Day and month names, lowercase: a date that a byline runs into, or a capitalised word
/// that is not a name.
pub const CALENDAR_WORDS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// An empty article of `format` for unit tests; callers add the blocks they need.
#[cfg(test)]
pub(crate) fn test_article(format: newsdrop_core::Format) -> newsdrop_core::Article {
    let source = newsdrop_core::Source {
        name: "a.txt".into(),
        folder: String::new(),
        size: 0,
        sha256: String::new(),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: "UTF-8".into(),
    };
    newsdrop_core::Article::new(source, format)
}

/// A text article with one line block per entry, for unit tests.
#[cfg(test)]
pub(crate) fn line_article(lines: &[&str]) -> newsdrop_core::Article {
    let mut a = test_article(newsdrop_core::Format::Text);
    a.blocks = lines
        .iter()
        .map(|l| newsdrop_core::Block::new(*l, newsdrop_core::BlockKind::Line))
        .collect();
    a
}
