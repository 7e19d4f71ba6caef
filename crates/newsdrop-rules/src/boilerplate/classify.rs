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
    /// A capitalised headline glued to the text after it ("… Student-AthleteA 24-year-old
    /// woman …"): a teaser card of title and summary, flattened.
    pub glued_title: bool,
    pub hit: Option<Kind>,
}

impl Features {
    /// The features of `text`, with `stops` the stopwords of the page's language.
    ///
    /// One pass over the line's bytes (ASCII fast path; other characters decoded one at a
    /// time): counts, words packed for the stopword table as they are read, and the first
    /// place a headline may be glued to the text after it.
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
        f.glued_title = found.glue.is_some_and(|i| title_head(&t[..i]));
        f.copyright = t.contains('©')
            || (found.reserved && contains_ci(t, "all rights reserved"))
            || starts_ci(t, "copyright");
        f
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
/// stories", which can be longer). `usable[i]` false (a block another rule has already
/// dropped, such as the title) counts as chrome.
pub fn main_run(
    classes: &[Class],
    features: &[Features],
    usable: &[bool],
    p: &Params,
) -> Option<(usize, usize)> {
    let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
    let mut best: Option<(f32, usize, usize)> = None;
    let mut cur = 0.0f32;
    let mut start = 0usize;
    for i in 0..classes.len() {
        if usable[i] && features[i].hit == Some(Kind::End) {
            candidates.extend(best.take());
            cur = 0.0;
            continue;
        }
        let s = if usable[i] {
            score(classes[i], &features[i], p)
        } else {
            -(features[i].words as f32).max(2.0)
        };
        if cur <= 0.0 {
            cur = 0.0;
            start = i;
        }
        cur += s;
        if cur > 0.0 && best.is_none_or(|(b, _, _)| cur > b) {
            best = Some((cur, start, i));
        }
    }
    candidates.extend(best);
    let top = candidates.iter().map(|c| c.0).fold(0.0f32, f32::max);
    let &(_, mut s, e) = candidates.iter().find(|c| c.0 >= top * p.run_ratio)?;
    // The run starts at its first positive block (leading short lines cost nothing to keep
    // out and are rarely article).
    while s < e && !(usable[s] && matches!(classes[s], Class::Good | Class::NearGood)) {
        s += 1;
    }
    Some((s, e))
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

/// A word being read by [`scan`].
#[derive(Default)]
struct Word {
    start: usize,
    /// Lowercase ASCII bytes so far (see [`stopwords::pack`]), valid while `packable`.
    packed: u128,
    len: u8,
    packable: bool,
    cjk: usize,
    upper: bool,
}

/// What [`scan`] found besides the counts.
#[derive(Default)]
struct Scan {
    /// Where a capitalised headline may be glued to the text after it.
    glue: Option<usize>,
    /// The line has the word "reserved".
    reserved: bool,
}

impl Word {
    #[inline]
    fn finish(&self, t: &str, end: usize, stops: Stops, f: &mut Features, found: &mut Scan) {
        // A run of CJK characters has no spaces between its words: count one word per two
        // characters, as a rough segmentation.
        f.words += (self.cjk / 2).max(1);
        f.cjk += self.cjk;
        let packed = self.packable && self.len > 0;
        let stop = match stops {
            Stops::English => packed && stopwords::is_english_packed(self.packed),
            Stops::Other(_) => stops.contains(&t[self.start..end]),
            Stops::None => false,
        };
        found.reserved |= packed && self.packed == RESERVED;
        f.stops += usize::from(stop);
        f.caps += usize::from(self.upper);
    }
}

/// Counts characters, letters, words (runs of alphanumerics and apostrophes), stopwords and
/// capitalised words of `t` into `f`, and finds where a capitalised headline may be glued
/// to the text after it: an uppercase letter (at byte 12 or later) right after a lowercase
/// one ("SteakhouseA party", but not "McDonald"), or after `)`, `?`, `!` or a digit and
/// followed by a lowercase one ("(This Morning)Some", "250,000The"). Only the first such
/// place counts; [`title_head`] judges the text before it.
fn scan(t: &str, stops: Stops, f: &mut Features) -> Scan {
    let bytes = t.as_bytes();
    let mut found = Scan::default();
    let mut i = 0;
    let mut word: Option<Word> = None;
    let mut prev = 0u8;
    let mut pending: Option<usize> = None;
    let (mut chars, mut letters) = (0usize, 0usize);
    while let Some(&b) = bytes.get(i) {
        let (class, c, n) = if b < 0x80 {
            (ASCII_CLASS[usize::from(b)], char::from(b), 1)
        } else {
            match t.get(i..).and_then(|r| r.chars().next()) {
                Some(c) => (class_of(c), c, c.len_utf8()),
                None => break,
            }
        };
        chars += 1;
        letters += usize::from(class & ALPHA != 0);

        if let Some(p) = pending.take()
            && class & LOWER != 0
        {
            found.glue = Some(p);
        }
        if class & UPPER != 0 && i >= 12 && found.glue.is_none() {
            if prev & LOWER != 0 {
                let head = &t[..i];
                if !head.ends_with("Mc") && !head.ends_with("Mac") {
                    found.glue = Some(i);
                }
            } else if prev & CLOSING != 0 {
                pending = Some(i);
            }
        }
        prev = class;

        if class & (ALPHA | DIGIT | APOS) != 0 {
            let w = word.get_or_insert_with(|| Word {
                start: i,
                packable: true,
                upper: class & UPPER != 0,
                ..Word::default()
            });
            if w.packable {
                let p = if b < 0x80 && class & (ALPHA | APOS) != 0 {
                    b.to_ascii_lowercase()
                } else if c == '’' {
                    b'\''
                } else {
                    0
                };
                if p == 0 || w.len == 16 {
                    w.packable = false;
                } else {
                    w.packed = (w.packed << 8) | u128::from(p);
                    w.len += 1;
                }
            }
            if b >= 0x80 && is_cjk(c) {
                w.cjk += 1;
            }
        } else if let Some(w) = word.take() {
            w.finish(t, i, stops, f, &mut found);
        }
        i += n;
    }
    if let Some(w) = word.take() {
        w.finish(t, t.len(), stops, f, &mut found);
    }
    f.chars = chars;
    f.letters = letters;
    found
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
    fn reference(t: &str, stops: Stops) -> (usize, usize, usize, usize, usize, usize, bool) {
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
        (chars, letters, words, stop, caps, cjk, glued)
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
            ]
            .map(String::from),
        );
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
                );
                assert_eq!(got, reference(t, stops), "{t:?}");
            }
        }
        let f = Features::of("© 2019 All Rights Reserved", &p, Stops::English);
        assert!(f.copyright && !f.end_punct);
        assert!(Features::of("Rights reserved by all.", &p, Stops::English).end_punct);
    }
}
