//! The per-block [`Features`] of an article, computed once per pipeline run and shared by
//! the rules that read them: the metadata rule (to see where the article starts, and to
//! tell English from other languages cheaply) and the boilerplate rule (to classify).
//!
//! They live in the article's [`Scratch`](newsdrop_core::Scratch), with a fingerprint of
//! each block's text and the stopword list and phrase set they were computed with. A reader
//! takes what still fits: blocks are matched to the cached ones in order, allowing for a
//! block inserted or removed (the metadata rule splits a leading "date …" off the first
//! paragraph) or changed (a plugin in between); only those are recomputed. So a stage that
//! edits blocks can never make the next one read stale features, and the usual run
//! (metadata, then boilerplate) computes each block's features once. Features asked for
//! with another stopword list (a page found not to be English) keep all but their
//! stopword count, which is counted again; a rule that goes on with the features it has
//! just computed ([`restop`]: the metadata rule, once it knows the page's language) skips
//! the fingerprints, since no other stage can have edited the blocks meanwhile. So the
//! blocks are fingerprinted twice per run: once by the metadata rule, once by the
//! boilerplate rule to check what it reads.

use newsdrop_core::Article;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::classify::{Features, Repeat};
use super::phrases::Phrases;
use crate::stopwords::Stops;
use crate::text::Fast;

/// What the scratch space holds.
struct Cached {
    stops: Stops,
    phrases: u64,
    /// Fingerprint of each block's text, in block order.
    prints: Vec<u64>,
    /// Features of each block, in block order.
    features: Vec<Features>,
}

/// The features of every block of `article`, with `stops` and `phrases`; reuses the ones
/// already computed for unchanged blocks and leaves the result in the scratch space.
pub fn features(article: &mut Article, phrases: &Phrases, stops: Stops) -> Vec<Features> {
    let cached = article
        .scratch
        .take::<Cached>()
        .filter(|c| c.phrases == phrases.key());
    let prints: Vec<u64> = article
        .blocks
        .iter()
        .map(|b| fingerprint(&b.text))
        .collect();
    // The usual case: no block changed since the features were computed.
    let cached = match cached {
        Some(c) if c.prints == prints && c.stops.same(&stops) => {
            let out = c.features.clone();
            article.scratch.put(c);
            return out;
        }
        other => other,
    };
    // Features computed with another stopword list differ only in their stopword count
    // (the English pass that tells a page is not English, then the page's own list).
    let same_stops = cached.as_ref().is_some_and(|c| c.stops.same(&stops));
    let (old_prints, old) = cached.map(|c| (c.prints, c.features)).unwrap_or_default();
    let restop = |mut f: Features, i: usize| {
        if !same_stops {
            f.stops = Features::stops_of(&article.blocks[i].text, stops);
        }
        f
    };
    let mut out = Vec::with_capacity(prints.len());
    let mut k = 0;
    for (i, &fp) in prints.iter().enumerate() {
        let f = match (old_prints.get(k), old_prints.get(k + 1)) {
            (Some(&p), _) if p == fp => {
                k += 1;
                restop(old[k - 1], i)
            }
            // The cached block at `k` was removed.
            (_, Some(&p)) if p == fp => {
                k += 2;
                restop(old[k - 1], i)
            }
            (cached, _) => {
                // Inserted when the cached block at `k` is the next one; changed otherwise.
                let inserted = cached.is_some_and(|p| prints.get(i + 1) == Some(p));
                if !inserted && cached.is_some() {
                    k += 1;
                }
                Features::of(&article.blocks[i].text, phrases, stops)
            }
        };
        out.push(f);
    }
    mark_repeats(&mut out, &prints);
    article.scratch.put(Cached {
        stops,
        phrases: phrases.key(),
        prints,
        features: out.clone(),
    });
    out
}

/// Marks the lines of five words or more that the page has more than once (see
/// [`Repeat`]), by their fingerprints.
fn mark_repeats(features: &mut [Features], prints: &[u64]) {
    let mut first: HashMap<u64, usize, Fast> =
        HashMap::with_capacity_and_hasher(features.len(), Fast::default());
    for i in 0..features.len() {
        features[i].repeat = Repeat::Once;
        if features[i].words < 5 {
            continue;
        }
        match first.entry(prints[i]) {
            Entry::Vacant(e) => {
                e.insert(i);
            }
            Entry::Occupied(e) => {
                features[*e.get()].repeat = Repeat::First;
                features[i].repeat = Repeat::Again;
            }
        }
    }
}

/// `features`, which [`features`] has just given for `article`'s blocks as they still are,
/// with `stops` instead: only the stopword counts are counted again, and the scratch entry
/// follows. For a rule that goes on with the features it computed itself within one
/// `apply` (no other stage can have edited the blocks in between), so the blocks are not
/// fingerprinted again.
pub fn restop(article: &mut Article, mut features: Vec<Features>, stops: Stops) -> Vec<Features> {
    let mut cached = article.scratch.take::<Cached>();
    // Without the entry, which list the features were counted with is not known.
    if !cached.as_ref().is_some_and(|c| c.stops.same(&stops)) {
        for (f, b) in features.iter_mut().zip(&article.blocks) {
            f.stops = Features::stops_of(&b.text, stops);
        }
        // The entry stays if it is the one `features` left for these blocks.
        cached = cached
            .filter(|c| c.features.len() == features.len())
            .map(|mut c| {
                c.features.clone_from(&features);
                c.stops = stops;
                c
            });
    }
    if let Some(c) = cached {
        article.scratch.put(c);
    }
    features
}

/// A fast 64-bit hash of `text` (FxHash-style, eight bytes at a time) and its length: a
/// block whose fingerprint is unchanged has unchanged features. Every block is hashed by
/// each reader, so the bulk goes 32 bytes a step in four independent lanes (one chain of
/// multiplies would wait on itself), and the last piece of under eight bytes is read by
/// overlapping loads rather than copied into a buffer (a `memcpy` call per block, most of
/// which are short lines). Each step is a bijection of the lane's input and the loads see
/// every byte, so any changed byte changes the result. Never stored: it may change between
/// versions.
fn fingerprint(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let le64 = |w: &[u8]| <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes);
    let le32 = |w: &[u8]| <[u8; 4]>::try_from(w).map_or(0, |a| u64::from(u32::from_le_bytes(a)));
    let bytes = text.as_bytes();
    let mut lanes = [bytes.len() as u64, 1, 2, 3];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = step(*lane, le64(w));
        }
    }
    let mut h = lanes.into_iter().fold(0, step);
    let mut rest = blocks.remainder().chunks_exact(8);
    for w in &mut rest {
        h = step(h, le64(w));
    }
    // Under eight bytes: the first and the last four (overlapping), or the first, middle and
    // last byte; for a given length, either way sees each byte.
    let tail = rest.remainder();
    let last = match tail.len() {
        0 => 0,
        n @ 1..=3 => {
            u64::from(tail[0]) | u64::from(tail[n / 2]) << 8 | u64::from(tail[n - 1]) << 16
        }
        n => le32(&tail[..4]) | le32(&tail[n - 4..]) << 32,
    };
    step(h, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsdrop_core::{Block, BlockKind};

    fn article(lines: &[&str]) -> Article {
        crate::text::line_article(lines)
    }

    fn fresh(a: &Article, p: &Phrases, stops: Stops) -> Vec<Features> {
        a.blocks
            .iter()
            .map(|b| Features::of(&b.text, p, stops))
            .collect()
    }

    #[test]
    fn cached_features_follow_edits() {
        let p = Phrases::new(true, &[], &[], &[]).expect("phrases");
        let mut a = article(&[
            "Home News Sport",
            "date 2023-06-21 The minister said on Tuesday that the talks would go on.",
            "Read more:",
            "It was the fifth round of the talks, which began in the spring of this year.",
        ]);
        assert_eq!(
            features(&mut a, &p, Stops::English),
            fresh(&a, &p, Stops::English)
        );
        // Split a prefix off (insert), change one block, remove another.
        a.blocks[1].text = "The minister said on Tuesday that the talks would go on.".into();
        a.blocks
            .insert(1, Block::new("date 2023-06-21", BlockKind::Line));
        a.blocks.remove(3);
        a.blocks.push(Block::new("Comments", BlockKind::Line));
        assert_eq!(
            features(&mut a, &p, Stops::English),
            fresh(&a, &p, Stops::English)
        );
        // Another stopword list: the stopword counts are counted again; another phrase
        // set is another cache.
        let de = Stops::for_language("de");
        assert_eq!(features(&mut a, &p, de), fresh(&a, &p, de));
        let user = Phrases::new(true, &["The minister".into()], &[], &[]).expect("phrases");
        let got = features(&mut a, &user, de);
        assert_eq!(got, fresh(&a, &user, de));
        // And back: only the stopword counts change.
        let en = features(&mut a, &user, Stops::English);
        assert_eq!(en, fresh(&a, &user, Stops::English));
        assert_ne!(en.iter().map(|f| f.stops).sum::<usize>(), 0);
        assert_ne!(got[2].hit, None);
    }

    #[test]
    fn restopped_features_are_those_counted_with_the_other_list() {
        let p = Phrases::new(true, &[], &[], &[]).expect("phrases");
        let mut a = article(&[
            "Die Regierung hat am Dienstag beschlossen, dass die neuen Regeln gelten.",
            "Home",
            "The minister said on Tuesday that the talks would go on.",
        ]);
        let de = Stops::for_language("de");
        let en = features(&mut a, &p, Stops::English);
        let got = restop(&mut a, en.clone(), de);
        assert_eq!(got, fresh(&a, &p, de));
        assert_ne!(got, en);
        // The scratch entry follows, so the next reader finds the German counts cached.
        let cached = a.scratch.get::<Cached>().expect("entry");
        assert!(cached.stops.same(&de));
        assert_eq!(cached.features, got);
        assert_eq!(features(&mut a, &p, de), got);
        assert_eq!(restop(&mut a, got, Stops::English), en);
        // With no entry, the counts are counted again all the same.
        a.scratch = newsdrop_core::Scratch::default();
        assert_eq!(restop(&mut a, en, de), fresh(&a, &p, de));
        assert_eq!(Features::stops_of("die Regel", Stops::None), 0);
    }

    #[test]
    fn fingerprints_see_every_byte() {
        let a = "The quick brown fox jumps";
        assert_ne!(fingerprint(a), fingerprint("The quick brown fox jumpS"));
        assert_ne!(fingerprint(a), fingerprint("the quick brown fox jumps"));
        assert_ne!(fingerprint(""), fingerprint("\0"));
        let long = "A line long enough to fill several eight-byte chunks and two blocks of \
                    thirty-two bytes, with a tail after them.";
        // Every length, so that every shape of the tail (none, 1–3 bytes, 4–7 bytes) and
        // of the bulk is seen, and every byte of each.
        for n in 0..=long.len() {
            let text = &long[..n];
            for i in 0..n {
                let mut b = text.as_bytes().to_vec();
                b[i] ^= 1;
                let changed = String::from_utf8(b).expect("ascii");
                assert_ne!(
                    fingerprint(text),
                    fingerprint(&changed),
                    "length {n}, byte {i}"
                );
            }
            if let Some(longer) = long.get(..n + 1) {
                assert_ne!(fingerprint(text), fingerprint(longer), "length {n}");
            }
        }
        let copy = String::from(a);
        assert_eq!(fingerprint(a), fingerprint(copy.as_str()));
    }
}
