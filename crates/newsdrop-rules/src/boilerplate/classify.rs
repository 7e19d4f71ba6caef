//! The line classifier for text dumps, in the spirit of jusText, and the choice of the main
//! run of article text.
//!
//! Each block gets cheap features (length, stopword density, capitalisation, end punctuation,
//! a phrase hit) and a class: `Good` (long running prose), `NearGood` (prose-like but short),
//! `Short` (too short to tell: headings, datelines, widget labels) or `Bad` (menus, teaser
//! titles, credits, copyright). Then context decides: the article is the contiguous run of
//! blocks with the largest score (prose counts for, chrome against, as in Finn's "body text
//! extraction"), so that a short line between two article paragraphs is article and a list of
//! related headlines after the last paragraph is not. Everything is linear in the number of
//! blocks.

use super::phrases::{Kind, Phrases};
use crate::metadata::dates;
use crate::stopwords::{self, Stops};

/// Thresholds of the classifier (the `boilerplate` rule's options).
#[derive(Debug, Clone)]
pub struct Params {
    /// Blocks shorter than this (characters) are `Short`.
    pub length_low: usize,
    /// Blocks at least this long with enough stopwords are `Good`.
    pub length_high: usize,
    /// Stopword density below which a block is `Bad`.
    pub stopwords_low: f32,
    /// Stopword density from which a long block is `Good`.
    pub stopwords_high: f32,
    /// The article is the first section whose best run scores at least this share of the
    /// best section's.
    pub run_ratio: f32,
    /// What a "related stories" box costs the run search, in words of prose.
    pub box_penalty: f32,
    /// What each word of a short line costs the run search.
    pub short_weight: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            length_low: 70,
            length_high: 200,
            stopwords_low: 0.25,
            stopwords_high: 0.30,
            run_ratio: 0.4,
            box_penalty: 30.0,
            short_weight: 0.5,
        }
    }
}

/// What a block looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    pub chars: usize,
    pub words: usize,
    pub stops: usize,
    /// Words starting with an uppercase letter.
    pub caps: usize,
    pub letters: usize,
    /// Han, kana and hangul characters: each carries about as much as a short word.
    pub cjk: usize,
    /// Ends like a sentence (`.`, `!`, `?`, a closing quote or bracket after one, `:`).
    pub end_punct: bool,
    pub copyright: bool,
    /// A copyright notice that reserves all rights: the page's footer, not an image credit
    /// ("© Reuters"), which may sit inside the article.
    pub footer: bool,
    /// A capitalised headline glued to the text after it ("… Student-AthleteA 24-year-old
    /// woman …"): a teaser card of title and summary, flattened.
    pub glued_title: bool,
    /// A date or time and little else ("2 days ago at 07:52 am"): see [`dates::is_stamp`].
    pub stamp: bool,
    pub hit: Option<Kind>,
    /// Whether the page has this line more than once: unlike the others, a feature of the
    /// page, set by [`shared::features`](super::shared::features).
    pub repeat: Repeat,
}

/// Whether a line of five words or more is on its page more than once. An article writes
/// each paragraph once; what a page repeats is a caption shown under its image and again
/// in the gallery, or a headline in two lists of stories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Repeat {
    #[default]
    Once,
    /// The first of its copies.
    First,
    /// A later copy.
    Again,
}

impl Features {
    /// The features of `text`, with `stops` the stopwords of the page's language.
    ///
    /// One pass over the line's bytes (see [`scan`]: ASCII and typographic punctuation 64
    /// bytes at a time, other characters decoded one at a time): counts, words packed for
    /// the stopword table, and the first place a headline may be glued to the text after it.
    pub fn of(text: &str, phrases: &Phrases, stops: Stops) -> Self {
        let t = text.trim();
        let mut f = Features {
            hit: phrases.find(t),
            ..Features::default()
        };
        let found = scan(t, stops, &mut f);
        let last = t
            .trim_end_matches(['"', '”', '’', '\'', ')', ']', '»'])
            .chars()
            .next_back();
        f.end_punct = matches!(
            last,
            Some('.' | '!' | '?' | ':' | '…' | ';' | '。' | '！' | '？' | '」' | '』')
        );
        // The text glued on is a summary, so words follow; a brand at the end of a
        // headline ("Jones files Conte lawsuit | TechBeat") is not glued to anything.
        f.glued_title = found
            .glue
            .is_some_and(|i| title_head(&t[..i]) && crate::text::words(&t[i..]).nth(2).is_some());
        // Every stamp has three words or more ("13 hours ago", "2019-11-20").
        f.stamp = found.digit && (3..=10).contains(&f.words) && f.chars <= 80 && dates::is_stamp(t);
        f.footer = found.reserved && contains_ci(t, "all rights reserved");
        f.copyright = f.footer || (!found.ascii && t.contains('©')) || starts_ci(t, "copyright");
        f
    }

    /// The stopword count [`Features::of`] gives `text` with `stops`: the only feature
    /// that depends on the list.
    pub fn stops_of(text: &str, stops: Stops) -> usize {
        match stops {
            Stops::None => 0,
            // A page found not to be English has all its lines recounted: only the words
            // matter then, not the rest of the scan.
            Stops::Other(_) => words_of(text.trim()).filter(|w| stops.contains(w)).count(),
            Stops::English => {
                let mut f = Features::default();
                scan(text.trim(), stops, &mut f);
                f.stops
            }
        }
    }

    /// Length for the length thresholds: characters, with a CJK character worth three
    /// (a line of 25 Japanese characters says as much as one of 75 English ones).
    pub fn weighted_len(&self) -> usize {
        self.chars + 2 * self.cjk
    }

    pub fn density(&self) -> f32 {
        if self.words == 0 {
            0.0
        } else {
            self.stops as f32 / self.words as f32
        }
    }
}

/// The class of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Good,
    NearGood,
    Short,
    Bad,
}

/// Classifies one block. `prose` is false for pages in a language without a stopword list,
/// where length and punctuation must do.
pub fn classify(f: &Features, p: &Params, prose: bool) -> Class {
    if f.copyright || f.letters == 0 {
        return Class::Bad;
    }
    if let Some(k) = f.hit {
        return if k == Kind::Keep {
            Class::Good
        } else {
            Class::Bad
        };
    }
    if f.glued_title {
        return Class::Bad;
    }
    if f.weighted_len() < p.length_low {
        return Class::Short;
    }
    // A headline-shaped line: capitalised words, no closing punctuation (teasers, nav).
    let title_case = f.words >= 3 && f.caps * 10 >= f.words * 6;
    if !f.end_punct && title_case && f.weighted_len() < 160 {
        return Class::Bad;
    }
    // Prose-like but short and unpunctuated: a headline in sentence case, a list item.
    if !f.end_punct && f.weighted_len() < 120 {
        return Class::Short;
    }
    let density = if prose {
        f.density()
    } else if f.end_punct {
        1.0
    } else {
        0.0
    };
    if density >= p.stopwords_high {
        if f.weighted_len() >= p.length_high || f.end_punct {
            Class::Good
        } else {
            Class::NearGood
        }
    } else if density >= p.stopwords_low {
        Class::NearGood
    } else if prose
        && f.end_punct
        && f.weighted_len() >= p.length_high / 2
        && density >= p.stopwords_low * 0.6
    {
        // A sentence dense with names ("ISLAMABAD, (UrduPoint …) Chairman Senate Syed …").
        Class::NearGood
    } else {
        Class::Bad
    }
}

/// Whether a page reads as English prose (enough stopwords in its longer lines); if not,
/// density cannot be used.
pub fn is_prose(features: &[Features]) -> bool {
    let (mut words, mut stops) = (0usize, 0usize);
    for f in features.iter().filter(|f| f.words >= 8) {
        words += f.words;
        stops += f.stops;
    }
    words == 0 || stops * 100 >= words * 8
}

/// Score of a block in the run search: prose for, chrome against.
fn score(c: Class, f: &Features, p: &Params) -> f32 {
    if f.hit == Some(Kind::Box) {
        return -p.box_penalty;
    }
    let w = f.words as f32;
    match c {
        Class::Good => w,
        Class::NearGood => w * 0.5,
        Class::Short => -(w * p.short_weight).max(1.0),
        Class::Bad => -w.max(2.0),
    }
}

/// The main run: a contiguous range of blocks (inclusive), or `None` when no block scores
/// above zero. End-of-article markers split the page into sections; in each, the range with
/// the largest total score is a candidate, and the first candidate scoring at least
/// `run_ratio` of the best one wins (the article comes before its comments and "more
/// stories", which can be longer). The page's footer ("© 2019 … All rights reserved") ends
/// a section as a marker does: what comes after it (sign-in forms, site rules, policies)
/// is never the article, and can be long enough prose to pull the run across the menus
/// between. `usable[i]` false (a block another rule has already dropped, such as the
/// title) counts as chrome.
///
/// Listings split sections too. An article has one time stamp, in its header (or under a
/// standfirst); comment threads and lists of stories give every item its own ("2 days ago
/// at 07:52 am", "Wednesday November 20, 2019"). So each stamp of a listing (see
/// [`listing_stamps`]) that follows prose starts a new section: a thread becomes many small
/// candidates that the article before it outweighs, where as one section it would win for
/// its length, and a list of teasers no longer extends the run. A section with a stamp of
/// a listing is an item of it, and is not preferred for coming first: it wins only as the
/// best candidate, so a listing above the article cannot take its place.
pub fn main_run(
    classes: &[Class],
    features: &[Features],
    usable: &[bool],
    p: &Params,
) -> Option<(usize, usize)> {
    let listing = listing_stamps(features, usable);
    // (score, first block, last block, an item of a listing)
    let mut candidates: Vec<(f32, usize, usize, bool)> = Vec::new();
    let mut best: Option<(f32, usize, usize, bool)> = None;
    let mut cur = 0.0f32;
    let mut start = 0usize;
    // Whether the section has prose yet, and whether it is an item of a listing.
    let (mut prose, mut item) = (false, false);
    for i in 0..classes.len() {
        let f = &features[i];
        if usable[i] && (f.hit == Some(Kind::End) || f.footer) {
            candidates.extend(best.take());
            cur = 0.0;
            (prose, item) = (false, false);
            continue;
        }
        if !listing.is_empty() && listing[i] {
            if prose {
                candidates.extend(best.take());
                cur = 0.0;
                prose = false;
            }
            item = true;
        }
        let s = if usable[i] {
            score(classes[i], f, p)
        } else {
            -(f.words as f32).max(2.0)
        };
        // Prose is what scores for the article.
        prose |= s > 0.0;
        if cur <= 0.0 {
            cur = 0.0;
            start = i;
        }
        cur += s;
        if cur > 0.0 && best.is_none_or(|(b, ..)| cur > b) {
            best = Some((cur, start, i, item));
        }
    }
    candidates.extend(best);
    let top = candidates.iter().map(|c| c.0).fold(0.0f32, f32::max);
    let &(_, mut s, e, _) = candidates
        .iter()
        .find(|c| c.0 >= top * if c.3 { 1.0 } else { p.run_ratio })?;
    // The run starts at its first positive block (leading short lines cost nothing to keep
    // out and are rarely article).
    while s < e && !(usable[s] && matches!(classes[s], Class::Good | Class::NearGood)) {
        s += 1;
    }
    Some((s, e))
}

/// Whether a short block right after the article's run is its last sentence, which the run
/// ends before since short lines cost it: a brief's last paragraph is often one short
/// sentence ("The first ferry is due on 3 April."). It is one when it reads as a sentence
/// of the story: a few words or more, with function words, not a title, that no phrase
/// marks; and not a call to the reader ("Subscribe to our newsletter …", "Have a story
/// tip? Email us …", "Follow us on …"), which closes so many pages.
pub fn closes_article(f: &Features, text: &str) -> bool {
    let sentence = f.hit.is_none()
        && !f.footer
        && !f.copyright
        && !f.stamp
        && !f.glued_title
        && f.end_punct
        && f.words >= CLOSING_MIN_WORDS
        && f.stops >= 2
        && f.caps * 2 <= f.words;
    if !sentence || text.contains(['?', '@']) || text.contains("http") || text.contains("www.") {
        return false;
    }
    let mut words = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase);
    let first = words.next().unwrap_or_default();
    let quoted = text.contains(['"', '“', '”']);
    !CALLS_TO_ACTION.contains(&first.as_str())
        && (quoted || !words.any(|w| matches!(w.as_str(), "you" | "your" | "our" | "us")))
}

/// Fewest words of a sentence that [`closes_article`].
const CLOSING_MIN_WORDS: usize = 5;

/// First words of a call to the reader.
const CALLS_TO_ACTION: [&str; 30] = [
    "subscribe",
    "follow",
    "sign",
    "click",
    "download",
    "share",
    "like",
    "liked",
    "join",
    "get",
    "read",
    "watch",
    "listen",
    "contact",
    "email",
    "leave",
    "tap",
    "register",
    "support",
    "donate",
    "check",
    "visit",
    "find",
    "send",
    "tell",
    "see",
    "comment",
    "enjoy",
    "enjoyed",
    "don't",
];

/// At most this many blocks hold three stamps of a listing.
const LISTING_SPAN: usize = 30;

/// Which blocks are the time stamps of a listing (comments, stories): three stamps in a
/// row within [`LISTING_SPAN`] blocks are all a listing's. Empty when the page has fewer
/// than three stamps (most pages).
fn listing_stamps(features: &[Features], usable: &[bool]) -> Vec<bool> {
    let mut listing = Vec::new();
    // The two stamps before, oldest first.
    let (mut a, mut b) = (None, None);
    for (i, (f, &u)) in features.iter().zip(usable).enumerate() {
        if !(u && f.stamp) {
            continue;
        }
        if let (Some(a), Some(b)) = (a, b)
            && i - a <= LISTING_SPAN
        {
            listing.resize(features.len(), false);
            for k in [a, b, i] {
                listing[k] = true;
            }
        }
        (a, b) = (b, Some(i));
    }
    listing
}

/// Classes of ASCII bytes, for [`scan`]'s fast path.
const ALPHA: u8 = 1;
const DIGIT: u8 = 2;
const UPPER: u8 = 4;
const LOWER: u8 = 8;
/// Part of a word besides alphanumerics (the apostrophe).
const APOS: u8 = 16;
/// May precede a glued headline (`)`, `?`, `!`, digits).
const CLOSING: u8 = 32;

const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            ALPHA | UPPER
        } else if c.is_ascii_lowercase() {
            ALPHA | LOWER
        } else if c.is_ascii_digit() {
            DIGIT | CLOSING
        } else if c == b'\'' {
            APOS
        } else if c == b')' || c == b'?' || c == b'!' {
            CLOSING
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The class of a non-ASCII character, with common scripts decided without Unicode tables.
fn class_of(c: char) -> u8 {
    if c == '’' {
        return APOS;
    }
    let (alpha, numeric) = match c {
        // Hiragana, katakana letters, CJK ideographs, hangul syllables, Cyrillic.
        '\u{3041}'..='\u{3096}'
        | '\u{30a1}'..='\u{30fa}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7a3}' => return ALPHA,
        '\u{0410}'..='\u{042f}' => return ALPHA | UPPER,
        '\u{0430}'..='\u{044f}' => return ALPHA | LOWER,
        // Latin-1 letters (accented Latin of most European languages), × and ÷ aside.
        '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{de}' => return ALPHA | UPPER,
        '\u{df}'..='\u{f6}' | '\u{f8}'..='\u{ff}' => return ALPHA | LOWER,
        // General punctuation, currency, letterlike symbols, arrows, … (none alphanumeric).
        '\u{2000}'..='\u{206f}' => return 0,
        _ => (c.is_alphabetic(), c.is_numeric()),
    };
    if alpha {
        ALPHA | if c.is_uppercase() { UPPER } else { 0 } | if c.is_lowercase() { LOWER } else { 0 }
    } else if numeric {
        DIGIT
    } else {
        0
    }
}

/// "reserved", packed as [`stopwords::pack`] does: a line with this word may be a
/// copyright notice.
const RESERVED: u128 = u128::from_be_bytes(*b"\0\0\0\0\0\0\0\0reserved");

/// Any byte class that belongs to a word.
const WORD: u8 = ALPHA | DIGIT | APOS;

/// What [`scan`] found besides the counts.
#[derive(Default)]
struct Scan {
    /// Where a capitalised headline may be glued to the text after it.
    glue: Option<usize>,
    /// The line has the word "reserved".
    reserved: bool,
    /// The line is all ASCII (so it has no `©`).
    ascii: bool,
    /// The line has an ASCII digit (so it may be a time stamp).
    digit: bool,
}

/// The class and length of the character at byte `i` of `t` (`i` on a character boundary,
/// before the end).
#[inline]
fn char_at(t: &str, i: usize) -> (u8, char, usize) {
    match t.as_bytes().get(i) {
        Some(&b) if b < 0x80 => (ASCII_CLASS[usize::from(b)], char::from(b), 1),
        _ => match t.get(i..).and_then(|r| r.chars().next()) {
            Some(c) => (class_of(c), c, c.len_utf8()),
            None => (0, '\0', 1),
        },
    }
}

/// `bytes[start..end]`, a word of ASCII letters and apostrophes, packed as
/// [`stopwords::pack`] packs it (lowercase, first byte highest); `None` past 16 bytes.
///
/// The word is read with one 16-byte load ending at its end (or, near the start of a long
/// enough line, the line's first 16 bytes shifted) rather than copied into a buffer: a
/// byte-wise copy read back as one value stalls the load.
#[inline]
fn pack_ascii(bytes: &[u8], start: usize, end: usize) -> Option<u128> {
    let len = end - start;
    if len == 0 || len > 16 {
        return None;
    }
    let load = |a: usize| {
        bytes
            .get(a..a + 16)
            .and_then(|w| <[u8; 16]>::try_from(w).ok())
            .map(u128::from_be_bytes)
    };
    let tail = match end.checked_sub(16) {
        Some(a) => load(a),
        None => load(0).map(|w| w >> (8 * (16 - end))),
    };
    let tail = tail.unwrap_or_else(|| {
        bytes[start..end]
            .iter()
            .fold(0, |p, &b| (p << 8) | u128::from(b))
    });
    // The word is the low `len` bytes. Setting bit 5 lowercases an ASCII letter and leaves
    // `'` (0x27) as it is.
    let word = u128::MAX >> (8 * (16 - len));
    Some((tail | u128::from_be_bytes([0x20; 16])) & word)
}

/// Whether the uppercase letter at byte `i` (of byte length `n`) is where a capitalised
/// headline is glued to the text after it: see [`scan`].
fn glued_at(t: &str, i: usize, n: usize) -> bool {
    let head = &t[..i];
    let prev = match head.as_bytes().last() {
        Some(&b) if b < 0x80 => ASCII_CLASS[usize::from(b)],
        _ => head.chars().next_back().map_or(0, class_of),
    };
    if prev & LOWER != 0 {
        !head.ends_with("Mc") && !head.ends_with("Mac")
    } else if prev & CLOSING != 0 {
        i + n < t.len() && char_at(t, i + n).0 & LOWER != 0
    } else {
        false
    }
}

/// Counts characters, letters, words (runs of alphanumerics and apostrophes), stopwords and
/// capitalised words of `t` into `f`, and finds where a capitalised headline may be glued
/// to the text after it: an uppercase letter (at byte 12 or later) right after a lowercase
/// one ("SteakhouseA party", but not "McDonald"), or after `)`, `?`, `!` or a digit and
/// followed by a lowercase one ("(This Morning)Some", "250,000The"). Only the first such
/// place counts; [`title_head`] judges the text before it.
///
/// This is the hottest loop of the text path. Lines of ASCII, or of ASCII letters and
/// digits with typographic punctuation (see [`fold_punctuation`]), go to [`scan_ascii`].
/// Other lines go a word at a time: between words
/// it only skips bytes; inside a word, it runs over ASCII bytes with one table look-up each
/// (non-ASCII characters are decoded one at a time). An ASCII word is packed for the
/// stopword table in one load once its end is known (see [`pack_ascii`]); the glue test
/// runs only at uppercase letters, looking back and ahead one character; characters are
/// counted at the end from the UTF-8 lead bytes.
fn scan(t: &str, stops: Stops, f: &mut Features) -> Scan {
    if t.is_ascii() {
        let found = scan_ascii(t, t.as_bytes(), stops, f);
        return Scan {
            ascii: true,
            ..found
        };
    }
    // Other lists may hold words with `'`, which `’` must not match.
    if !matches!(stops, Stops::Other(_))
        && let Some(folded) = fold_punctuation(t)
    {
        return scan_ascii(t, &folded, stops, f);
    }
    let bytes = t.as_bytes();
    let n = bytes.len();
    let mut found = Scan::default();
    let mut letters = 0usize;
    let mut i = 0;
    while i < n {
        // Between words.
        let (class, _, len) = char_at(t, i);
        if class & WORD == 0 {
            i += len;
            continue;
        }
        // A word starts at `i`: read it to its end.
        let start = i;
        let upper = class & UPPER != 0;
        let mut ascii = true;
        let mut digits = false;
        let mut cjk = 0usize;
        loop {
            // A run of ASCII word bytes.
            let run = i;
            let mut seen = 0u8;
            while let Some(&b) = bytes.get(i) {
                let class = ASCII_CLASS[usize::from(b & 0x7f)];
                if b >= 0x80 || class & WORD == 0 {
                    break;
                }
                seen |= class;
                letters += usize::from(class & ALPHA);
                i += 1;
            }
            digits |= seen & DIGIT != 0;
            found.digit |= digits;
            if seen & UPPER != 0 && found.glue.is_none() && i > 12 {
                found.glue =
                    (run.max(12)..i).find(|&k| bytes[k].is_ascii_uppercase() && glued_at(t, k, 1));
            }
            // A non-ASCII character may go on with the word.
            if bytes.get(i).is_none_or(|&b| b < 0x80) {
                break;
            }
            let (class, c, len) = char_at(t, i);
            if class & WORD == 0 {
                break;
            }
            ascii = false;
            letters += usize::from(class & ALPHA);
            cjk += usize::from(is_cjk(c));
            if class & UPPER != 0 && i >= 12 && found.glue.is_none() && glued_at(t, i, len) {
                found.glue = Some(i);
            }
            i += len;
        }
        let word = &t[start..i];
        // A run of CJK characters has no spaces between its words: count one word per two
        // characters, as a rough segmentation.
        f.words += (cjk / 2).max(1);
        f.cjk += cjk;
        let packed = match (ascii, digits) {
            (true, false) => pack_ascii(bytes, start, i),
            (true, true) => None,
            (false, _) => stopwords::pack(word),
        };
        let stop = match stops {
            Stops::English => packed.is_some_and(stopwords::is_english_packed),
            Stops::Other(list) => match packed {
                // An ASCII word packed by `pack_ascii`: lowercase, as the list keeps it.
                Some(p) if ascii => list.has_packed(p),
                _ => stops.contains(word),
            },
            Stops::None => false,
        };
        found.reserved |= packed == Some(RESERVED);
        f.stops += usize::from(stop);
        f.caps += usize::from(upper);
    }
    // Characters are the bytes that are not UTF-8 continuation bytes.
    f.chars = bytes.iter().filter(|&&b| (b as i8) >= -0x40).count();
    f.letters = letters;
    found
}

/// `t` with one ASCII byte per character, if its only non-ASCII characters are
/// punctuation, symbols and spaces (curly quotes, dashes, `©`, no-break spaces), each made
/// a space, and `’`, made `'`: what [`scan_ascii`] counts in it is what [`scan`] counts in
/// `t`, since those characters are not part of words, and `’` and `'` both are and pack
/// alike. English prose with typographic punctuation (two fifths of the bytes of the dev
/// text dumps) so takes the ASCII path. `None` when a letter or digit is not ASCII.
fn fold_punctuation(t: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(t.len());
    let mut rest = t;
    loop {
        let ascii = rest.bytes().position(|b| b >= 0x80).unwrap_or(rest.len());
        out.extend_from_slice(&rest.as_bytes()[..ascii]);
        rest = &rest[ascii..];
        let Some(c) = rest.chars().next() else {
            return Some(out);
        };
        out.push(match class_of(c) {
            0 => b' ',
            APOS => b'\'',
            _ => return None,
        });
        rest = &rest[c.len_utf8()..];
    }
}

/// Eight copies of a byte.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of each byte of `x` (all ASCII) that is at least `c`: `b + 0x80 - c`
/// reaches 0x80 exactly then, and never carries into the next byte.
#[inline]
fn at_least(x: u64, c: u8) -> u64 {
    x.wrapping_add(splat(0x80 - c)) & splat(0x80)
}

/// The high bit of each byte of `x` (all ASCII) in `lo..=hi`.
#[inline]
fn within(x: u64, lo: u8, hi: u8) -> u64 {
    at_least(x, lo) & !at_least(x, hi + 1)
}

/// Bit `i` set for each byte `i` of `x` whose high bit is set.
#[inline]
fn gather(high: u64) -> u64 {
    let mut m = high >> 7;
    m |= m >> 7;
    m |= m >> 14;
    m |= m >> 28;
    m & 0xff
}

/// What [`word_bits`] finds in up to 64 ASCII bytes: bit `i` for byte `i`.
struct Bits {
    /// Bytes that belong to a word (letters, digits, `'`, as [`ASCII_CLASS`] has them).
    word: u64,
    upper: u64,
    letters: u64,
    /// Not zero when a byte is an ASCII digit.
    digit: u64,
}

/// The word bytes, uppercase letters and number of letters of up to 64 ASCII bytes, eight
/// bytes at a time by arithmetic on the bytes of a `u64` (bytes past the end are zero: not
/// word bytes).
fn word_bits(block: &[u8]) -> Bits {
    let mut bits = Bits {
        word: 0,
        upper: 0,
        letters: 0,
        digit: 0,
    };
    for (j, c) in block.chunks(8).enumerate() {
        // A whole chunk is one load; the line's last, shorter one is gathered byte by byte
        // (copying it into a buffer would call `memcpy` for every line).
        let x = <[u8; 8]>::try_from(c).map_or_else(
            |_| {
                c.iter()
                    .enumerate()
                    .fold(0, |x, (k, &b)| x | u64::from(b) << (8 * k))
            },
            u64::from_le_bytes,
        );
        let upper = within(x, b'A', b'Z');
        let alpha = upper | within(x, b'a', b'z');
        let digit = within(x, b'0', b'9');
        let word = alpha | digit | within(x, b'\'', b'\'');
        bits.digit |= digit;
        // The sum of the eight bytes (each 0 or 1) lands in the top byte.
        bits.letters += (alpha >> 7).wrapping_mul(splat(1)) >> 56;
        bits.word |= gather(word) << (8 * j);
        bits.upper |= gather(upper) << (8 * j);
    }
    bits
}

/// [`scan`] for a line of ASCII only (`bytes`: `t` itself, or `t` folded by
/// [`fold_punctuation`]). The line goes 64 bytes at a time: a bit mask of its word bytes
/// (see [`word_bits`]) gives the word starts and ends without a branch per byte, then each
/// word is counted and packed for the stopword table. A word with digits is packed too: no
/// stopword has digits, so it never matches. The glue point is looked for in `t`, where its
/// byte offset counts.
fn scan_ascii(t: &str, bytes: &[u8], stops: Stops, f: &mut Features) -> Scan {
    let mut found = Scan::default();
    let mut letters = 0usize;
    let mut word = |start: usize, end: usize| {
        f.words += 1;
        f.caps += usize::from(bytes[start].is_ascii_uppercase());
        let packed = pack_ascii(bytes, start, end);
        f.stops += usize::from(match stops {
            Stops::English => packed.is_some_and(stopwords::is_english_packed),
            // `packed` is the word in lowercase, as the list keeps its short words.
            Stops::Other(list) => match packed {
                Some(p) => list.has_packed(p),
                None => std::str::from_utf8(&bytes[start..end]).is_ok_and(|w| stops.contains(w)),
            },
            Stops::None => false,
        });
        found.reserved |= packed == Some(RESERVED);
    };
    // The glue point is where `t` has an uppercase letter (at byte 12 or later): when
    // `bytes` is `t`, the blocks' uppercase bits say where.
    let same = bytes.len() == t.len();
    let mut glue = None;
    // Where the word still open at the end of the previous block started.
    let mut open: Option<usize> = None;
    // A block past the whole ones, empty when the line is a multiple of 64 bytes long, so
    // that the last word ends inside the loop too: `word` has one call, which is inlined.
    for n in 0..=bytes.len() / 64 {
        let base = 64 * n;
        let block = &bytes[base..bytes.len().min(base + 64)];
        let bits = word_bits(block);
        letters += bits.letters as usize;
        found.digit |= bits.digit != 0;
        if same && glue.is_none() {
            let mut upper = if base == 0 {
                bits.upper & !0xfff
            } else {
                bits.upper
            };
            while upper != 0 && glue.is_none() {
                let i = base + upper.trailing_zeros() as usize;
                glue = glued_at(t, i, 1).then_some(i);
                upper &= upper - 1;
            }
        }
        let mask = bits.word;
        let before = (mask << 1) | u64::from(open.is_some());
        let (mut starts, mut ends) = (mask & !before, !mask & before);
        loop {
            if let Some(s) = open {
                if ends == 0 {
                    break;
                }
                word(s, base + ends.trailing_zeros() as usize);
                ends &= ends - 1;
                open = None;
            }
            if starts == 0 {
                break;
            }
            open = Some(base + starts.trailing_zeros() as usize);
            starts &= starts - 1;
        }
    }
    let tb = t.as_bytes();
    found.glue = if same {
        glue
    } else {
        (12..tb.len()).find(|&i| tb[i].is_ascii_uppercase() && glued_at(t, i, 1))
    };
    f.chars = bytes.len();
    f.letters = letters;
    found
}

/// The words of `t` as [`scan`] splits them (runs of letters, digits and apostrophes), by
/// the same character classes.
fn words_of(t: &str) -> impl Iterator<Item = &str> {
    let mut rest = t;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| word_char(c))?;
        let word = &rest[start..];
        let end = word.find(|c: char| !word_char(c)).unwrap_or(word.len());
        rest = &word[end..];
        Some(&word[..end])
    })
}

/// Whether `c` belongs to a word, as [`scan`] classes it.
fn word_char(c: char) -> bool {
    let class = if c.is_ascii() {
        ASCII_CLASS[usize::from(c as u8)]
    } else {
        class_of(c)
    };
    class & WORD != 0
}

/// Whether `head`, the text before a glue point, reads as a title: three words or more,
/// mostly capitalised, few stopwords.
fn title_head(head: &str) -> bool {
    let (mut words, mut caps, mut stops) = (0usize, 0usize, 0usize);
    for w in crate::text::words(head) {
        words += 1;
        if w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        {
            caps += 1;
        }
        if stopwords::is_english(w) {
            stops += 1;
        }
    }
    words >= 3 && caps * 10 >= words * 6 && stops * 2 < words
}

/// Han ideographs, kana and hangul.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn starts_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward version of [`scan`] (a pass per feature, `char` methods): the
    /// fast one must agree with it.
    #[allow(clippy::type_complexity)] // a tuple compares field by field in one assert
    fn reference(t: &str, stops: Stops) -> (usize, usize, usize, usize, usize, usize, bool, bool) {
        let (mut words, mut stop, mut caps, mut cjk) = (0, 0, 0, 0);
        for w in crate::text::words(t) {
            let c = w.chars().filter(|&c| is_cjk(c)).count();
            words += (c / 2).max(1);
            cjk += c;
            stop += usize::from(stops.contains(w));
            caps += usize::from(w.chars().next().is_some_and(char::is_uppercase));
        }
        let chars = t.chars().count();
        let letters = t.chars().filter(|c| c.is_alphabetic()).count();
        let mut glued = false;
        let mut prev = ' ';
        let mut it = t.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c.is_uppercase() && i >= 12 {
                let next_lower = it.peek().is_some_and(|&(_, n)| n.is_lowercase());
                let glue = match prev {
                    p if p.is_lowercase() => !t[..i].ends_with("Mc") && !t[..i].ends_with("Mac"),
                    ')' | '?' | '!' => next_lower,
                    p if p.is_ascii_digit() => next_lower,
                    _ => false,
                };
                if glue {
                    glued = title_head(&t[..i]);
                    break;
                }
            }
            prev = c;
        }
        let stamp = t.bytes().any(|b| b.is_ascii_digit())
            && (3..=10).contains(&words)
            && chars <= 80
            && dates::is_stamp(t);
        (chars, letters, words, stop, caps, cjk, glued, stamp)
    }

    #[test]
    fn character_classes_agree_with_unicode() {
        for c in (0x80..=0x10ffff).filter_map(char::from_u32) {
            let want = if c == '’' {
                APOS
            } else if c.is_alphabetic() {
                ALPHA
                    | if c.is_uppercase() { UPPER } else { 0 }
                    | if c.is_lowercase() { LOWER } else { 0 }
            } else if c.is_numeric() {
                DIGIT
            } else {
                0
            };
            assert_eq!(class_of(c), want, "{c:?} U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn word_bits_agree_with_the_byte_classes() {
        for b in 0u8..0x80 {
            for at in 0..8 {
                let mut block = [b' '; 9];
                block[at] = b;
                let bits = word_bits(&block[..=at]);
                let class = ASCII_CLASS[usize::from(b)];
                assert_eq!(
                    bits.word,
                    u64::from(class & WORD != 0) << at,
                    "{b:#x} at {at}"
                );
                assert_eq!(
                    bits.upper,
                    u64::from(class & UPPER != 0) << at,
                    "{b:#x} at {at}"
                );
                assert_eq!(
                    bits.letters,
                    u64::from(class & ALPHA != 0),
                    "{b:#x} at {at}"
                );
                assert_eq!(bits.digit != 0, b.is_ascii_digit(), "{b:#x} at {at}");
            }
        }
    }

    #[test]
    fn ascii_packing_agrees_with_stopwords_pack() {
        // Words of every length at the start, middle and end of short and long lines.
        for len in 1..=18 {
            let word: String = "AbCdEfGhIj'KlMnOpQrSt".chars().take(len).collect();
            for (before, after) in [
                ("", ""),
                ("x ", ""),
                ("", " y"),
                ("a long enough prefix ", " z"),
            ] {
                let line = format!("{before}{word}{after}");
                let (start, end) = (before.len(), before.len() + word.len());
                assert_eq!(
                    pack_ascii(line.as_bytes(), start, end),
                    stopwords::pack(&word),
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn the_one_pass_scan_agrees_with_the_plain_one() {
        let p = Phrases::new(true, &[], &[], &[]).expect("phrases");
        let seeds =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeds");
        let mut lines: Vec<String> = std::fs::read_dir(&seeds)
            .expect("seeds folder")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
            .flat_map(|e| {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                text.lines().map(str::to_string).collect::<Vec<_>>()
            })
            .collect();
        assert!(lines.len() > 100, "seed lines: {}", lines.len());
        lines.extend(
            [
                "Dining Out at the SteakhouseA party of four ordered the steak",
                "Top Story of The Week (This Morning)Some said it was late",
                "Numbers Up Front Again 250,000The crowd was large",
                "The McDonald family and the MacArthur fund it’s THEIR own",
                "東京都は月曜日、新しい規則を発表した。Это ПРАВИЛО для всех. Ünïcödé Wörds",
                "'tis the season ’til ’’ don't STOP — © 2019 All Rights Reserved",
                "averyveryverylongwordthatdoesnotpack andthe",
                "Some Words Here Again)ABcdef and 12Ab Tail Words Here)Abc",
                "Some Words Here Again 2024ABcdef and more",
                // Non-ASCII around the glue point and inside words.
                "Le Grand Café De ParisÉtait plein hier soir",
                "Une Très Belle Soirée?Était-ce la fin",
                "Some Words Here 2024Éa and 2024Aé Again",
                "Ending With A Pending Here 99A",
                "abc東京def 東京abc ﬁne ＡＢＣ Ωmega straße’s sixteenletterss’ sixteenlettersss",
                "Title Words Up Front «Here»Some text follows",
                // Typographic punctuation only (the folded ASCII path), glue points beside it.
                "“Quoted Title Words Here”Some text follows",
                "Some Long Title Words—Another One here – and — more",
                "Some Title Words Here’Tis the season, it’s ‘quoted’ … ©2024 Reserved",
                "’’ ’Til the end’ of days’s ’",
                "Words\u{a0}with\u{a0}no-break spaces and A Title Case Line\u{a0}Here",
                "Breaking News Today 🔥Fire in the city 🔥 Again",
                "———— abcDef and more text, ———— ABCdef",
                "sixteenletterss’ sixteenlettersss’s fifteenletters’s they’ve THEY’RE",
                "Top Story Of The Day (Updated)—Some said it was late",
                "Score 2–1Then the crowd went home",
                // Glue points around byte 12 and past the first 64-byte block.
                "abcdefghijkLmn Opq",
                "abcdefghijklMn Opq",
                "A Long Title Line That Fills Up The First Block Of Sixty Four Bytes And \
                 More SteakhouseA party of four",
                "a lowercase line that fills up the first block of sixty-four bytes Top \
                 Stories Here Today (Updated)Some said",
                // Time stamps, ASCII and not.
                "2 days ago at 07:52 am",
                "Wednesday November 20, 2019",
                "Mercredi 20 novembre 2019 — 20 Nov 2019",
                "Posted 4 hours ago · 2019",
                "",
                "   ",
                "’",
            ]
            .map(String::from),
        );
        // Long lines (ASCII, typographic, other letters): words straddle the 64-byte blocks
        // of `scan_ascii` at every offset.
        for words in [
            "The it's 2024 a sixteenletterss seventeenletterss THEIR reserved x",
            "The it’s 2024 — a “sixteenletterss” seventeenletterss’ THEIR reserved x",
            "The it's 2024 a sixteenletterss seventeenletterss THEIR reserved Über x",
        ] {
            for shift in 0..words.len() {
                let mut long = "y".repeat(shift);
                while long.len() < 3 * 64 {
                    long.push(' ');
                    long.push_str(words);
                }
                lines.push(long.clone());
                // Ending on a word that reaches the end of a block.
                let end = long.len() - long.len() % 64;
                if long.is_char_boundary(end) {
                    lines.push(long[..end].to_string());
                }
            }
        }
        for stops in [Stops::English, Stops::for_language("de"), Stops::None] {
            for line in &lines {
                let t = line.trim();
                let f = Features::of(line, &p, stops);
                let got = (
                    f.chars,
                    f.letters,
                    f.words,
                    f.stops,
                    f.caps,
                    f.cjk,
                    f.glued_title,
                    f.stamp,
                );
                assert_eq!(got, reference(t, stops), "{t:?}");
                assert_eq!(Features::stops_of(line, stops), f.stops, "{t:?}");
            }
        }
        let f = Features::of("© 2019 All Rights Reserved", &p, Stops::English);
        assert!(f.copyright);
        let f = Features::of("2019 All Rights Reserved", &p, Stops::English);
        assert!(f.copyright && f.footer && !f.end_punct);
        let f = Features::of("© John Brecher Needle poking skin", &p, Stops::English);
        assert!(f.copyright && !f.footer);
        assert!(Features::of("Rights reserved by all.", &p, Stops::English).end_punct);
    }
}
