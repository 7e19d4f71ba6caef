//! Text normalisation for matching: the same fold applied to gazetteer strings and to
//! article text, so that one exact automaton can match both.
//!
//! What folds: curly and other typographic quotes to `'` / `"`, the hyphen and dash family
//! (‐ ‑ ‒ – — ― −) to `-`, every run of whitespace (newlines, tabs, no-break spaces) to one
//! space, Latin diacritics to their base letter (Erdoğan = Erdogan, Türkiye = Turkiye),
//! combining marks dropped (so decomposed input folds like composed input), soft hyphens
//! and zero-width characters dropped. What does not: letter case (smart case needs it) and
//! every other character, so word-boundary and case checks made on the folded text give the
//! answers they would on the original. Matches are never reported with offsets, so no map
//! back to the original is kept.

use std::borrow::Cow;

/// Base letters of U+00C0..=U+024F; `.` keeps the character as it is (Æ, ß, ×, ÷, …).
const LATIN_FOLD: &[u8; 400] = b"\
AAAAAA.CEEEEIIII.NOOOOO.OUUUUY..aaaaaa.ceeeeiiii.nooooo.ouuuuy.y\
AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi..JjKk.LlLlLlL\
lLlNnNnNn...OoOoOo..RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz.\
bB........D......FfG...IKkl..NnOOo..Pp......TtTUu.VYyZz.........\
.............AaIiOoUuUuUuUuUu.AaAa..GgGgKkOoOo..j...Gg..NnAa....\
AaAaEeEeIiIiOoOoRrRrUuUuSsTt..Hh......AaEeOoOoOoOoYy......ACc...\
...B..EeJj..RrYy\
";

/// What one character becomes.
enum Fold {
    Keep,
    Drop,
    Space,
    To(char),
}

fn fold_char(c: char) -> Fold {
    match c {
        '\u{00C0}'..='\u{024F}' => {
            let b = LATIN_FOLD[c as usize - 0xC0];
            if b == b'.' {
                Fold::Keep
            } else {
                Fold::To(char::from(b))
            }
        }
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{FF07}' => Fold::To('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Fold::To('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => Fold::To('-'),
        '\u{0300}'..='\u{036F}'
        | '\u{00AD}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'
        | '\u{FEFF}' => Fold::Drop,
        c if c.is_whitespace() => Fold::Space,
        _ => Fold::Keep,
    }
}

/// `text` folded for matching; borrowed when nothing changes (plain ASCII prose).
pub fn normalize(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut clean = true;
    let mut prev_space = false;
    for &b in bytes {
        if !(0x20..0x80).contains(&b) || (b == b' ' && prev_space) {
            clean = false;
            break;
        }
        prev_space = b == b' ';
    }
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut prev_space = false;
    let mut rest = text;
    while !rest.is_empty() {
        // Runs of plain ASCII (the bulk of English text) are copied whole.
        let mut run = 0;
        for &b in rest.as_bytes() {
            if !(0x20..0x80).contains(&b) || (b == b' ' && prev_space) {
                break;
            }
            prev_space = b == b' ';
            run += 1;
        }
        if run > 0 {
            out.push_str(&rest[..run]);
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        match fold_char(c) {
            Fold::Keep => {
                out.push(c);
                prev_space = false;
            }
            Fold::To(f) => {
                out.push(f);
                prev_space = false;
            }
            Fold::Drop => {}
            Fold::Space => {
                if !prev_space {
                    out.push(' ');
                    prev_space = true;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// `s` with the first letter of every space- or hyphen-separated word upper-cased.
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = c == ' ' || c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_is_borrowed() {
        assert!(matches!(normalize("Pakistan and Russia"), Cow::Borrowed(_)));
    }

    #[test]
    fn quotes_dashes_spaces_and_diacritics_fold() {
        assert_eq!(
            normalize("Pakistan’s  Erdoğan\u{a0}–\nTürkiye"),
            "Pakistan's Erdogan - Turkiye"
        );
        // Decomposed input folds like composed input.
        assert_eq!(normalize("Erdog\u{306}an"), "Erdogan");
        assert_eq!(normalize("Łódź Øresund"), "Lodz Oresund");
        // Letters outside the Latin table stay as they are.
        assert_eq!(normalize("Москва ß"), "Москва ß");
    }

    #[test]
    fn title_case_capitalises_each_word_and_hyphen_part() {
        assert_eq!(title_case("senate of pakistan"), "Senate Of Pakistan");
        assert_eq!(title_case("al-qaeda"), "Al-Qaeda");
    }
}
