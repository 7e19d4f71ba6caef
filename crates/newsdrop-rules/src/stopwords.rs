//! Stopword lists and a fast membership test, shared by the boilerplate classifier (stopword
//! density is the best single signal of running prose) and the metadata rule.
//!
//! English comes first (a hand-kept list, below); other languages use the stopwords-iso
//! lists of the `stop-words` crate ([`Stops`]). For English, the list is the common function words (articles, pronouns,
//! prepositions, auxiliaries, conjunctions) that make up roughly 40–50 % of news prose and
//! almost none of menus, teaser titles or footers. Lookup must be cheap (a text page has a
//! few thousand words and the target is 10,000 pages/s), so words are packed into a `u128`
//! (lowercase ASCII, at most 16 bytes) and found in an open-addressing hash table built once;
//! the classifier packs words while it scans a line, so a lookup is one multiply and
//! usually one compare. Other lists keep their words of up to 16 bytes packed the same way
//! (UTF-8 bytes, first byte highest) in a hash set of numbers ([`List`]), so that the
//! classifier's packed word is looked up as it is, and any other word without hashing a
//! string byte by byte.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::text::Fast;

/// English function words.
const ENGLISH: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "along",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anyone",
    "anything",
    "are",
    "around",
    "as",
    "at",
    "back",
    "be",
    "became",
    "because",
    "become",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "few",
    "first",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "give",
    "given",
    "go",
    "going",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "last",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "never",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "put",
    "rather",
    "really",
    "said",
    "same",
    "say",
    "says",
    "see",
    "seen",
    "several",
    "she",
    "should",
    "since",
    "so",
    "some",
    "something",
    "still",
    "such",
    "take",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "took",
    "toward",
    "towards",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "very",
    "via",
    "was",
    "way",
    "we",
    "well",
    "went",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "wasn't",
    "aren't",
    "weren't",
    "won't",
    "can't",
    "couldn't",
    "wouldn't",
    "shouldn't",
    "he's",
    "she's",
    "i'm",
    "we're",
    "they're",
    "you're",
    "i've",
    "we've",
    "they've",
    "i'd",
    "he'd",
    "she'd",
    "we'd",
    "they'd",
    "i'll",
    "he'll",
    "she'll",
    "we'll",
    "they'll",
    "let",
    "let's",
    "because",
    "while",
    "where",
    "three",
    "among",
    "amid",
    "told",
    "year",
    "years",
    "time",
    "people",
    "according",
    "including",
    "just",
    "who's",
    "what's",
];

/// Packs a word (already split, apostrophes allowed) into a `u128`: lowercase ASCII, at most
/// 16 bytes, curly apostrophes folded to `'`. `None` for anything else, which is then no
/// stopword of any supported list.
pub fn pack(word: &str) -> Option<u128> {
    let mut out: u128 = 0;
    let mut n = 0;
    for c in word.chars() {
        let b = match c {
            'A'..='Z' => c.to_ascii_lowercase() as u8,
            'a'..='z' | '\'' => c as u8,
            '’' => b'\'',
            _ => return None,
        };
        if n == 16 {
            return None;
        }
        out = (out << 8) | u128::from(b);
        n += 1;
    }
    if n == 0 { None } else { Some(out) }
}

/// Slots of the English table: a power of two, about four per word, so that most words
/// land in their own slot.
const TABLE_BITS: u32 = 10;

/// Slots a lookup compares, from a word's own slot on: every word is placed within them.
const WINDOW: usize = 2;

/// The slot of a packed word, by a hash seeded with `seed`.
#[inline]
fn slot(p: u128, seed: u64) -> usize {
    let folded = (p as u64) ^ ((p >> 64) as u64).rotate_left(29) ^ seed;
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - TABLE_BITS)) as usize
}

/// The English words in an open-addressing table (linear probing, without wrapping: the
/// table has room past its last slot; 0 marks an empty slot, which no packed word is),
/// built once, with the first hash seed that places every word within [`WINDOW`] slots
/// of its own.
struct Table {
    slots: Vec<u128>,
    seed: u64,
}

fn english_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let words: Vec<u128> = ENGLISH.iter().filter_map(|w| pack(w)).collect();
        let place = |seed: u64| {
            let mut slots = vec![0u128; (1 << TABLE_BITS) + words.len()];
            for &p in &words {
                let start = slot(p, seed);
                let mut i = start;
                while slots[i] != 0 && slots[i] != p {
                    i += 1;
                }
                if i - start >= WINDOW {
                    return None;
                }
                slots[i] = p;
            }
            slots.truncate((1 << TABLE_BITS) + WINDOW);
            Some(Table { slots, seed })
        };
        // At a quarter full, about one seed in a few hundred places every word within two
        // slots (the 202nd for the list as it is): well under a millisecond, once.
        let mut n = 0u64;
        loop {
            if let Some(table) = place(n.wrapping_mul(0x2545_f491_4f6c_dd1d)) {
                return table;
            }
            n += 1;
        }
    })
}

/// Whether a packed word (see [`pack`]) is an English stopword.
///
/// The [`WINDOW`] slots a stopword can be in are all compared, without stopping at an
/// empty one or a match: about half the words of prose are stopwords, so a branch on the
/// answer would be mispredicted about half the time; two compares cost less.
#[inline]
pub fn is_english_packed(p: u128) -> bool {
    let t = english_table();
    let i = slot(p, t.seed);
    t.slots
        .get(i..i + WINDOW)
        .and_then(|s| <&[u128; WINDOW]>::try_from(s).ok())
        .is_some_and(|s| s.iter().fold(false, |found, &x| found | (x == p)))
}

/// Whether `word` is an English stopword (case-insensitive).
pub fn is_english(word: &str) -> bool {
    pack(word).is_some_and(is_english_packed)
}

/// Languages with a stopword list besides English (ISO 639-1), from the `stop-words`
/// crate's stopwords-iso lists (MIT). Japanese and Chinese are left out on purpose: their
/// text has no spaces to split words at, so the classifier goes by length there. So is
/// Korean: it glues its particles to the words, so its prose has few whole-word stopwords
/// (3 to 17 in a hundred words on the dev pages), no more than chrome has; with the list,
/// a Korean article under an English page's chrome was judged not prose and dropped.
const OTHERS: &[&str] = &[
    "ar", "bg", "ca", "cs", "da", "de", "el", "es", "et", "fa", "fi", "fr", "he", "hi", "hr", "hu",
    "id", "it", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "vi",
];

/// A stopword list other than English, lowercase: words of up to 16 bytes packed, the rest
/// as strings.
#[derive(Debug, Default)]
pub struct List {
    short: HashSet<u128, Fast>,
    long: HashSet<&'static str, Fast>,
}

impl List {
    fn new(words: &[&'static str]) -> Self {
        let mut list = List::default();
        for &w in words {
            match pack_bytes(w) {
                Some(p) => list.short.insert(p),
                None => list.long.insert(w),
            };
        }
        list
    }

    /// Whether `word`, lowercase, is on the list.
    fn has(&self, word: &str) -> bool {
        match pack_bytes(word) {
            Some(p) => self.short.contains(&p),
            None => self.long.contains(word),
        }
    }

    /// Whether the word packed as [`pack_bytes`] packs it (by the classifier: lowercase
    /// ASCII) is on the list.
    pub fn has_packed(&self, packed: u128) -> bool {
        self.short.contains(&packed)
    }
}

/// A word of 1 to 16 bytes as a `u128`, its UTF-8 bytes with the first highest (for ASCII
/// words, what [`pack`] gives); `None` for longer or empty words. Words have no NUL byte,
/// so no two share a number.
fn pack_bytes(word: &str) -> Option<u128> {
    (1..=16)
        .contains(&word.len())
        .then(|| word.bytes().fold(0, |p, b| (p << 8) | u128::from(b)))
}

/// The stopwords of one language, for density tests.
#[derive(Debug, Clone, Copy)]
pub enum Stops {
    English,
    /// A list from the `stop-words` crate, lowercase.
    Other(&'static List),
    /// No list (Japanese, Chinese, unknown): no word counts as a stopword.
    None,
}

impl Stops {
    /// The list for an ISO 639-1 code or a BCP 47 tag (`pt-BR` uses `pt`); English for an
    /// unknown language is the caller's choice, this gives [`Stops::None`].
    pub fn for_language(tag: &str) -> Stops {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if primary == "en" {
            return Stops::English;
        }
        let Some(i) = OTHERS.iter().position(|c| *c == primary) else {
            return Stops::None;
        };
        static SETS: OnceLock<Vec<OnceLock<List>>> = OnceLock::new();
        let sets = SETS.get_or_init(|| OTHERS.iter().map(|_| OnceLock::new()).collect());
        match sets.get(i) {
            Some(cell) => Stops::Other(
                cell.get_or_init(|| List::new(stop_words::lookup(OTHERS[i]).unwrap_or(&[]))),
            ),
            None => Stops::None,
        }
    }

    /// Whether `self` and `other` are the same list.
    pub fn same(&self, other: &Stops) -> bool {
        match (self, other) {
            (Stops::English, Stops::English) | (Stops::None, Stops::None) => true,
            (Stops::Other(a), Stops::Other(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }

    /// Whether `word` is a stopword of this language (case-insensitive).
    pub fn contains(&self, word: &str) -> bool {
        match self {
            Stops::English => is_english(word),
            Stops::Other(list) => {
                if word.is_ascii() {
                    if (1..=16).contains(&word.len()) {
                        let lower = word
                            .bytes()
                            .fold(0, |p, b| (p << 8) | u128::from(b.to_ascii_lowercase()));
                        return list.has_packed(lower);
                    }
                    let mut buf = [0u8; 32];
                    let Some(b) = buf.get_mut(..word.len()) else {
                        return false;
                    };
                    b.copy_from_slice(word.as_bytes());
                    b.make_ascii_lowercase();
                    std::str::from_utf8(b).is_ok_and(|w| list.has(w))
                } else if word.chars().any(char::is_uppercase) {
                    list.has(word.to_lowercase().as_str())
                } else {
                    list.has(word)
                }
            }
            Stops::None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_by_language_tag() {
        let de = Stops::for_language("de-AT");
        assert!(de.contains("und") && de.contains("Nicht") && !de.contains("Bundestag"));
        let pt = Stops::for_language("pt");
        assert!(pt.contains("não") && pt.contains("que"));
        assert!(Stops::for_language("en-GB").contains("The"));
        assert!(!Stops::for_language("ja").contains("の"));
        assert!(!Stops::for_language("xx").contains("the"));
    }

    #[test]
    fn other_lists_find_every_word_and_only_those() {
        for &code in OTHERS {
            let words = stop_words::lookup(code).unwrap_or(&[]);
            let Stops::Other(list) = Stops::for_language(code) else {
                panic!("{code}: no list");
            };
            let set: HashSet<&str> = words.iter().copied().collect();
            for &w in words {
                assert!(list.has(w), "{code}: {w}");
                assert!(Stops::Other(list).contains(w), "{code}: {w}");
                if w.is_ascii() {
                    // As the classifier looks it up: packed, or by any case.
                    let upper = w.to_ascii_uppercase();
                    assert!(Stops::Other(list).contains(&upper), "{code}: {upper}");
                    if let Some(p) = pack_bytes(w) {
                        assert!(list.has_packed(p), "{code}: {w}");
                    }
                }
                // A letter more or less is another word.
                for near in [format!("{w}x"), format!("x{w}"), format!("{w}{w}")] {
                    assert_eq!(
                        list.has(&near),
                        set.contains(near.as_str()),
                        "{code}: {near}"
                    );
                }
            }
        }
    }

    #[test]
    fn finds_stopwords_in_any_case_and_with_curly_apostrophes() {
        assert!(is_english("The"));
        assert!(is_english("it’s"));
        assert!(is_english("THEIR"));
        assert!(!is_english("Pakistan"));
        assert!(!is_english("parliamentary"));
        assert!(!is_english(""));
    }

    #[test]
    fn hash_table_agrees_with_the_list() {
        for w in ENGLISH {
            assert!(is_english(w), "{w}");
            assert!(is_english(&w.to_uppercase()), "{w}");
        }
        for w in [
            "thee",
            "them's",
            "aa",
            "b",
            "zz",
            "says'",
            "theirselves",
            "abouts",
            "x",
            "wasn",
            "parliament",
            "news",
            "government",
            "abcdefghijklmnopq",
        ] {
            assert!(!is_english(w), "{w}");
        }
        // Near misses of every word (a letter more, a letter less), which probe the same
        // stretches of the table as the words.
        let list: HashSet<&str> = ENGLISH.iter().copied().collect();
        for w in ENGLISH {
            for near in [
                format!("{w}s"),
                format!("{w}x"),
                w[..w.len() - 1].to_string(),
            ] {
                assert_eq!(is_english(&near), list.contains(near.as_str()), "{near}");
            }
        }
    }
}
