//! Learning a site's chrome: lines that recur on many pages of one source are not article.
//!
//! Phrase lists know the chrome every site shares ("Related Articles"); the classifier knows
//! what prose looks like. Neither knows that "The Valley Courier is an independent newspaper
//! since 1921." closes every page of one site. The store does: each article's lines are
//! counted into the line memory (the one the dedup rule uses, so both remember in one place),
//! keyed by the article's source, and a short line that enough earlier pages of the same
//! source contained is dropped. The more of a site newsdrop sees, the cleaner its output.
//!
//! The source is the page's URL host, else the inbox subfolder, else the publisher: chrome is
//! a property of a site, and lines never count across sources. Three guards keep article
//! text safe: only short lines are learnt (long paragraphs are article even when repeated);
//! the pages that were copies of this article (a re-crawl, an update), told by how often its
//! own long paragraphs were seen, do not count; and when the learnt lines would still take
//! most of what the classifier kept, nothing is dropped.

use std::collections::HashMap;
use std::sync::Arc;

use newsdrop_core::{Article, LineMemory, StateError};

use newsdrop_core::id::mix64;

use crate::dedup::fingerprint::hash64;
use crate::text::Fast;

/// Seed of the line hashes; distinct from the dedup rule's, so their counts never mix.
const SEED: u64 = 0x6368_726f_6d65; // "chrome"

/// Learning settings (see the rule's options).
#[derive(Debug, Clone, Copy)]
pub struct Learn {
    /// A line is chrome once this many earlier pages of the same source contained it.
    pub after: u32,
    /// Lines of more words than this are never learnt.
    pub max_words: usize,
}

/// The learner: the settings and the shared line memory.
pub struct Learner {
    pub settings: Learn,
    memory: Arc<dyn LineMemory>,
}

/// The source a page belongs to, for learning: its URL host (without `www.`), else its inbox
/// subfolder, else its publisher; `None` when nothing tells (then nothing is learnt).
pub fn source_key(article: &Article) -> Option<String> {
    if let Some(host) = article.meta.url.as_deref().and_then(url_host) {
        return Some(format!("host:{host}"));
    }
    if !article.source.folder.is_empty() {
        return Some(format!("folder:{}", article.source.folder));
    }
    let publisher = article.meta.publisher.as_deref()?.trim();
    (!publisher.is_empty()).then(|| format!("publisher:{}", publisher.to_lowercase()))
}

/// The host of an absolute http(s) URL, lowercased, without a leading `www.`.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

impl Learner {
    pub fn new(settings: Learn, memory: Arc<dyn LineMemory>) -> Self {
        Learner { settings, memory }
    }

    /// Counts the article's lines into the memory under its source, and returns its source
    /// and, for each block counted, how many earlier pages of that source contained it and
    /// how many words it has. Blocks an earlier rule dropped (title, byline) are not counted.
    /// Fails only when the store holding the memory cannot be reached.
    #[allow(clippy::type_complexity)] // one use; a named type would hide what it returns
    pub fn observe(
        &self,
        article: &Article,
    ) -> Result<Option<(String, Vec<Option<Seen>>)>, StateError> {
        let Some(key) = source_key(article) else {
            return Ok(None);
        };
        let salt = hash64(SEED, key.as_bytes());
        // Each distinct line once, in order of first appearance; `index` finds a line's
        // place (a page has hundreds of lines, too many to search the list each time).
        let mut hashes: Vec<u64> = Vec::new();
        let mut index: HashMap<u64, usize, Fast> = HashMap::default();
        let mut slot: Vec<Option<(usize, usize)>> = Vec::with_capacity(article.blocks.len());
        for block in &article.blocks {
            let (h, words) = line_hash(salt, &block.text);
            if !block.keep || words == 0 {
                slot.push(None);
                continue;
            }
            let i = *index.entry(h).or_insert_with(|| {
                hashes.push(h);
                hashes.len() - 1
            });
            slot.push(Some((i, words)));
        }
        let seen = self.memory.observe(&hashes)?;
        let per_block = slot
            .iter()
            .map(|s| {
                s.map(|(i, words)| Seen {
                    pages: seen[i],
                    words,
                })
            })
            .collect();
        Ok(Some((key, per_block)))
    }

    /// For each block, whether it is learnt chrome: a short line on at least `after` earlier
    /// pages of the source *besides* the earlier copies of this article. How many copies
    /// there were is told by the article's long paragraphs (the lower median of their
    /// counts): a site's chrome recurs on its other pages, an article's own lines only on its
    /// copies.
    pub fn chrome(&self, seen: &[Option<Seen>]) -> Vec<Option<u32>> {
        let mut long: Vec<u32> = seen
            .iter()
            .flatten()
            .filter(|s| s.words > self.settings.max_words)
            .map(|s| s.pages)
            .collect();
        long.sort_unstable();
        let copies = long
            .get(long.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0);
        seen.iter()
            .map(|s| {
                s.filter(|s| {
                    s.words <= self.settings.max_words
                        && s.pages >= self.settings.after.saturating_add(copies)
                })
                .map(|s| s.pages)
            })
            .collect()
    }
}

/// A hash of a line's words, case aside, every number the same ("© 2024" and "© 2025",
/// "5 hours ago" and "6 hours ago" are one line), and its word count. One pass over the
/// characters, no allocation: it runs for every line of every page. A site renders its
/// chrome the same way on every page, so unlike the dedup rule's words this needs no Unicode
/// normalisation.
fn line_hash(salt: u64, text: &str) -> (u64, usize) {
    const PRIME: u64 = 0x100_0000_01b3;
    let (mut h, mut words) = (salt, 0usize);
    let (mut in_word, mut in_number) = (false, false);
    for c in text.chars() {
        if !c.is_alphanumeric() {
            in_word = false;
            in_number = false;
            continue;
        }
        if !in_word {
            // Words are joined by one space, whatever separated them.
            if words > 0 {
                h = (h ^ u64::from(b' ')).wrapping_mul(PRIME);
            }
            words += 1;
            in_word = true;
        }
        if c.is_numeric() {
            if !in_number {
                h = (h ^ u64::from(b'#')).wrapping_mul(PRIME);
            }
            in_number = true;
        } else if c.is_ascii() {
            // What `to_lowercase` gives for ASCII, without its iterator (most letters).
            in_number = false;
            h = (h ^ u64::from(c.to_ascii_lowercase())).wrapping_mul(PRIME);
        } else {
            in_number = false;
            for l in c.to_lowercase() {
                h = (h ^ u64::from(l)).wrapping_mul(PRIME);
            }
        }
    }
    (mix64(h), words)
}

/// How often earlier pages of the source contained a block.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub pages: u32,
    pub words: usize,
}

#[cfg(test)]
mod tests {
    use super::{line_hash, mix64};

    #[test]
    fn lines_hash_alike_across_case_spacing_and_numbers_only() {
        let h = |t| line_hash(7, t);
        assert_eq!(
            h("© 2024 The Courier. All rights reserved."),
            h("© 2025  the courier - all RIGHTS reserved")
        );
        assert_eq!(h("Updated 5 hours ago").1, 4);
        assert_eq!(h("Updated 5 hours ago"), h("Updated 12 hours ago"));
        assert_ne!(h("Updated 5 hours ago"), h("Updated 5 minutes ago"));
        assert_ne!(h("the courier"), h("thecourier"));
        assert_ne!(line_hash(7, "the courier"), line_hash(8, "the courier"));
        assert_eq!(h("  — ").1, 0);
    }

    /// The hashes are kept in the store's line memory, so they must not change: the ASCII
    /// fast path gives what the plain `to_lowercase` loop gives.
    #[test]
    fn the_ascii_fast_path_keeps_the_hashes() {
        fn plain(salt: u64, text: &str) -> u64 {
            const PRIME: u64 = 0x100_0000_01b3;
            let mut h = salt;
            for (n, w) in crate::text::words(text)
                .flat_map(|w| w.split(['\'', '’']))
                .filter(|w| !w.is_empty())
                .enumerate()
            {
                if n > 0 {
                    h = (h ^ u64::from(b' ')).wrapping_mul(PRIME);
                }
                let mut in_number = false;
                for c in w.chars() {
                    if c.is_numeric() {
                        if !in_number {
                            h = (h ^ u64::from(b'#')).wrapping_mul(PRIME);
                        }
                        in_number = true;
                    } else {
                        in_number = false;
                        for l in c.to_lowercase() {
                            h = (h ^ u64::from(l)).wrapping_mul(PRIME);
                        }
                    }
                }
            }
            mix64(h)
        }
        for t in [
            "© 2024 The Courier. All rights reserved.",
            "Ünïcödé WÖRDS İstanbul ΣΊΣΥΦΟΣ straße 東京 x2y3 ABC-def",
            "Read MORE: it’s the 10th",
            "",
        ] {
            assert_eq!(line_hash(3, t).0, plain(3, t), "{t:?}");
        }
    }
}
