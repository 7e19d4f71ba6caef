//! From an article's blocks to the text dedup compares and its fingerprints.
//!
//! Which text: the prose of the page, never the blocks the metadata rule took (headline,
//! byline, dateline). A block is prose when it has at least `min_line_words` words, or when
//! it continues such a line (no blank line between: a paragraph wrapped at 72 columns); so
//! menus, link lists and labels do not count even where boilerplate missed them, and a
//! wrapped paragraph counts whole even where boilerplate dropped it. Page chrome that is
//! long enough to look like prose is caught by the line memory: a line of at most
//! `chrome_line_words` words already seen in `chrome_after` earlier articles is skipped.
//!
//! Normalisation (for both paths): HTML entities decoded, Unicode NFKC, quotes and dashes
//! folded, case folded; words are runs of letters and digits, so punctuation and whitespace
//! differences vanish. Hashes are FNV-1a with a fixed seed, mixed: stable across restarts,
//! machines and versions of Rust.

use unicode_normalization::UnicodeNormalization;

/// The fingerprinting scheme; part of the index parameters, bumped when any of this changes.
pub const SCHEME: &str = "nd-words-fnv1a-v1";

/// The text to compare, as normalised words, before and after the line-memory filter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Prose {
    /// Lines of prose: each line's words.
    pub lines: Vec<Vec<String>>,
}

/// Lowercased, NFKC-normalised words of `text`, entities decoded, quotes and dashes folded
/// (they are not letters, so they only split words).
pub fn words(text: &str) -> Vec<String> {
    let decoded = decode_entities(text);
    let mut out = Vec::new();
    let mut word = String::new();
    for c in decoded.nfkc() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Decodes the HTML entities a text dump of a web page carries (`&amp;`, `&#39;`, `&rsquo;` …).
pub fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "rsquo" | "lsquo" => '\'',
        "ldquo" | "rdquo" => '"',
        "nbsp" => ' ',
        "ndash" | "mdash" => '-',
        "hellip" => '…',
        "pound" => '£',
        "euro" => '€',
        _ => return None,
    })
}

/// 64-bit FNV-1a of `bytes` from `seed`, then mixed (splitmix64 finaliser).
pub fn hash64(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

use newsdrop_core::id::mix64 as mix;

/// Hash of a sequence of words (a line or a whole text).
pub fn hash_words(seed: u64, words: &[String]) -> u64 {
    let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
    for w in words {
        h = mix(h ^ hash64(seed, w.as_bytes()));
    }
    h
}

/// The shingle hashes of `words` (`k` words each), sorted, without repeats. A text shorter
/// than `k` words has none.
pub fn shingles(seed: u64, words: &[String], k: usize) -> Vec<u32> {
    if k == 0 || words.len() < k {
        return Vec::new();
    }
    let hashes: Vec<u64> = words.iter().map(|w| hash64(seed, w.as_bytes())).collect();
    let mut out: Vec<u32> = hashes
        .windows(k)
        .map(|win| {
            let mut h = seed;
            for (i, x) in win.iter().enumerate() {
                h = mix(h ^ x.rotate_left(i as u32 * 7));
            }
            (h >> 32) as u32
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a shingle is an index key: one in `sampling` by hash value, so a copy's keys are
/// the same whatever else it holds (what makes containment findable).
pub fn is_key(shingle: u32, sampling: u32) -> bool {
    sampling <= 1 || mix(u64::from(shingle)).is_multiple_of(u64::from(sampling))
}

/// |a ∩ b| of two sorted sets.
pub fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_entities_quotes_dashes_case_and_width() {
        let a = words("\u{201c}It\u{2019}s — FINE,\u{201d} she said&nbsp;&#8211; ok&amp;go");
        let b = words("\"It's - fine,\" she said - ok&go");
        assert_eq!(a, b);
        assert_eq!(
            words("ﬁne Ｆｕｌｌ"),
            vec!["fine".to_string(), "full".to_string()]
        );
        assert_eq!(decode_entities("a &bogus; b & c"), "a &bogus; b & c");
        let long = "War & Peace\u{201d} \u{2014} x;";
        assert_eq!(
            decode_entities(long),
            long,
            "no entity, and no char boundary panic"
        );
    }

    #[test]
    fn shingles_are_stable_and_order_sensitive() {
        let w = words("one two three four five");
        let s = shingles(7, &w, 4);
        assert_eq!(s.len(), 2);
        assert_eq!(s, shingles(7, &w, 4), "same input, same hashes");
        assert_ne!(s, shingles(8, &w, 4), "the seed matters");
        let r = words("zero two three four five");
        assert_eq!(intersection(&s, &shingles(7, &r, 4)), 1);
        assert!(shingles(7, &words("too short"), 4).is_empty());
        assert_eq!(
            hash64(0, b""),
            mix(0xcbf2_9ce4_8422_2325),
            "FNV-1a offset basis"
        );
    }
}
