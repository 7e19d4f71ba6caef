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

/// Lowercased, NFKC-normalised words of `text`, entities decoded, quotes and dashes folded
/// (they are not letters, so they only split words).
pub fn words(text: &str) -> Vec<String> {
    words_of_decoded(&decode_entities(text))
}

/// [`words`] of a text whose entities are decoded.
fn words_of_decoded(decoded: &str) -> Vec<String> {
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
/// Borrows `text` when there is none (an ampersand alone, as in "AT&T", is not one).
pub fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', text.as_bytes()) else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut decoded_any = false;
    let mut next = Some(first);
    while let Some(i) = next {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
                decoded_any = true;
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
        next = memchr::memchr(b'&', rest.as_bytes());
    }
    if !decoded_any {
        return std::borrow::Cow::Borrowed(text);
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
    mix(bytes.iter().fold(FNV_OFFSET ^ seed, |h, &b| fnv(h, b)))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One byte of FNV-1a.
fn fnv(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
}

use newsdrop_core::id::mix64 as mix;

/// Hash of a sequence of words (a line or a whole text).
pub fn hash_words(seed: u64, words: &[String]) -> u64 {
    fold(seed, words.iter().map(|w| hash64(seed, w.as_bytes())))
}

/// Hash of a sequence of word hashes made with `seed`: `hash_words` without the words.
pub fn fold(seed: u64, hashes: impl IntoIterator<Item = u64>) -> u64 {
    let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
    for x in hashes {
        h = mix(h ^ x);
    }
    h
}

/// Seed of the exact path's word hashes, from the index seed.
pub fn exact_seed(seed: u64) -> u64 {
    seed ^ 0x5eed
}

/// A word's two hashes: `hash64` with the index seed (shingles, line hashes) and with
/// [`exact_seed`] (the exact path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordHash {
    pub shingle: u64,
    pub exact: u64,
}

impl WordHash {
    fn of(seed: u64, word: &[u8]) -> Self {
        WordHash {
            shingle: hash64(seed, word),
            exact: hash64(exact_seed(seed), word),
        }
    }
}

/// The hashes of the words of `text`, as [`words`] splits and normalises them, appended to
/// `out`. Both hashes are computed as the bytes go by, with no word buffer: ASCII bytes
/// through a table (letter or digit, lowercased), other characters through Unicode's
/// tables. Text not already in NFKC (once its entities are decoded) takes the [`words`] path.
pub fn word_hashes(seed: u64, text: &str, out: &mut Vec<WordHash>) {
    let decoded = decode_entities(text);
    let text = &*decoded;
    let simple = text.is_ascii()
        // Text already in NFKC (curly quotes and dashes are) needs no normalising pass.
        || unicode_normalization::is_nfkc_quick(text.chars())
            == unicode_normalization::IsNormalized::Yes;
    if !simple {
        out.extend(
            words_of_decoded(text)
                .iter()
                .map(|w| WordHash::of(seed, w.as_bytes())),
        );
        return;
    }
    let mut word = WordHasher::new(seed);
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b.is_ascii() {
            match ASCII_WORD[b as usize] {
                0 => word.end(out),
                lower => word.push(lower),
            }
            rest = tail;
            continue;
        }
        // A multi-byte character: decode it (the text is valid UTF-8, so `rest` starts one).
        let len = utf8_len(b);
        let c = std::str::from_utf8(&rest[..len])
            .ok()
            .and_then(|s| s.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                let mut buf = [0u8; 4];
                for &x in lower.encode_utf8(&mut buf).as_bytes() {
                    word.push(x);
                }
            }
        } else {
            word.end(out);
        }
        rest = &rest[len..];
    }
    word.end(out);
}

/// Each ASCII byte lowercased if it is a letter or digit, else 0.
const ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Length of the UTF-8 sequence a leading byte starts.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        _ => 2,
    }
}

/// [`WordHash::of`] fed a byte at a time.
struct WordHasher {
    seed: u64,
    shingle: u64,
    exact: u64,
    len: usize,
}

impl WordHasher {
    fn new(seed: u64) -> Self {
        let mut h = WordHasher {
            seed,
            shingle: 0,
            exact: 0,
            len: 0,
        };
        h.reset();
        h
    }

    fn reset(&mut self) {
        self.shingle = FNV_OFFSET ^ self.seed;
        self.exact = FNV_OFFSET ^ exact_seed(self.seed);
        self.len = 0;
    }

    fn push(&mut self, b: u8) {
        self.shingle = fnv(self.shingle, b);
        self.exact = fnv(self.exact, b);
        self.len += 1;
    }

    /// Ends the current word, if any, pushing its hashes.
    fn end(&mut self, out: &mut Vec<WordHash>) {
        if self.len > 0 {
            out.push(WordHash {
                shingle: mix(self.shingle),
                exact: mix(self.exact),
            });
            self.reset();
        }
    }
}

/// The shingle hashes of `words` (`k` words each), sorted, without repeats. A text shorter
/// than `k` words has none.
pub fn shingles(seed: u64, words: &[String], k: usize) -> Vec<u32> {
    let hashes: Vec<u64> = words.iter().map(|w| hash64(seed, w.as_bytes())).collect();
    shingles_of(seed, &hashes, k)
}

/// [`shingles`] from the words' hashes (made with `seed`).
pub fn shingles_of(seed: u64, hashes: &[u64], k: usize) -> Vec<u32> {
    if k == 0 || hashes.len() < k {
        return Vec::new();
    }
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

/// |a ∩ b| of two sorted sets. Branch-free: which side moves on is data, not a jump the
/// processor must guess (the two sets interleave at random, so half its guesses would miss).
pub fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
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
        assert!(
            matches!(decode_entities("AT&T"), std::borrow::Cow::Borrowed(_)),
            "nothing decoded, nothing copied"
        );
        let long = "War & Peace\u{201d} \u{2014} x;";
        assert_eq!(
            decode_entities(long),
            long,
            "no entity, and no char boundary panic"
        );
    }

    #[test]
    fn word_hashes_agree_with_words_on_every_path() {
        let texts = [
            "Plain ASCII text, with PUNCTUATION -- and 42 numbers.",
            "A word longer than sixty-four letters: Pneumonoultramicroscopicsilicovolcanoconiosisxxxxxxxxxxxxxxxxxxxxxxxxxx end",
            "Entities &amp; quotes &#8220;here&#8221;",
            "AT&T and Q&A, no entity; &bogus; &#64257;ne ligature",
            "\u{201c}Curly\u{201d} quotes and ﬁne Ｆｕｌｌ width",
            "\u{201c}Curly\u{201d} quotes \u{2014} already in NFKC: Ünïcödé İstanbul",
            "",
        ];
        for text in texts {
            let mut got = Vec::new();
            word_hashes(3, text, &mut got);
            let want: Vec<WordHash> = words(text)
                .iter()
                .map(|w| WordHash::of(3, w.as_bytes()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    /// Texts made at random of letters, digits, separators and multi-byte characters (cased,
    /// uncased, word and non-word), so that words of every length end on every kind of
    /// byte: the hashes must be those of [`words`].
    #[test]
    fn word_hashes_agree_with_words_on_random_texts() {
        let pieces = [
            "a", "Q", "z", "7", " ", "  ", ",", "'", "-", "\n", "é", "É", "ß", "İ", "中", "—",
            "\u{201c}", "\u{2019}", "&amp;", "&#233;", "Ωmega", "\u{a0}",
        ];
        // A hash already in `out`, which must stay as it was.
        let before = WordHash {
            shingle: 1,
            exact: 2,
        };
        let mut rng = 11u64;
        for round in 0..2_000 {
            let n = round % 40;
            let text: String = (0..n)
                .map(|_| {
                    rng = mix(rng);
                    pieces[(rng % pieces.len() as u64) as usize]
                })
                .collect();
            let mut got = vec![before];
            word_hashes(5, &text, &mut got);
            let want: Vec<WordHash> = std::iter::once(before)
                .chain(words(&text).iter().map(|w| WordHash::of(5, w.as_bytes())))
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn intersection_counts_the_common_values() {
        let mut rng = 7u64;
        let mut set = |n: usize, range: u64| {
            let mut v: Vec<u32> = (0..n)
                .map(|_| {
                    rng = mix(rng);
                    (rng % range) as u32
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for (n, m, range) in [(0, 5, 10), (50, 50, 60), (200, 30, 1000), (300, 300, 5000)] {
            let (a, b) = (set(n, range), set(m, range));
            let want = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            assert_eq!(intersection(&a, &b), want);
            assert_eq!(intersection(&b, &a), want);
        }
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
