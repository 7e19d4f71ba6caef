//! Dates as news pages write them, found in a line of text.
//!
//! "Friday, September 20, 2024", "April 06, 2025 | 06:10 PM", "6th Apr, 2025",
//! "date 2023-06-21", "Nov. 19, 2019 8:03 am ET", "11/19/19 06:56 AM EST",
//! "10:48, Tue, Nov 19, 2019". A hand-written tokenizer and a few shapes, no regex: this runs
//! on every short line at the top of every article. Hijri dates ("20 Jumada Al-Awwal 1446")
//! are recognised as such and never read as Gregorian: their month names are not Gregorian
//! months and their years are outside the accepted range, and [`is_hijri`] lets callers
//! skip such lines outright. Validity (30 February) is checked by jiff.

use jiff::civil::{Date, Time};

/// A date found in text, with the time and UTC offset when the text gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub date: Date,
    pub time: Option<Time>,
    /// Offset from UTC in seconds, from a zone abbreviation such as `GMT` or `EST`.
    pub offset: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    /// Digits, their count, and whether an ordinal suffix followed ("6th").
    Num(u32, usize),
    Sep(char),
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    tokenize(text, |t| out.push(t));
    out
}

/// The tokens of `text`, each handed to `push` in order; each takes at least one byte.
fn tokenize<'a>(text: &'a str, mut push: impl FnMut(Tok<'a>)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &text[s..i];
            let n = if digits.len() <= 9 {
                digits.parse().unwrap_or(u32::MAX)
            } else {
                u32::MAX
            };
            // An ordinal suffix belongs to the number.
            let rest = &b[i..];
            for suf in ["st", "nd", "rd", "th"] {
                if rest.len() >= 2
                    && rest[..2].eq_ignore_ascii_case(suf.as_bytes())
                    && !rest.get(2).is_some_and(u8::is_ascii_alphabetic)
                {
                    i += 2;
                    break;
                }
            }
            push(Tok::Num(n, digits.len()));
        } else if c.is_ascii_alphabetic() {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'\'') {
                i += 1;
            }
            push(Tok::Word(&text[s..i]));
        } else if c.is_ascii() {
            if !c.is_ascii_whitespace() {
                push(Tok::Sep(c as char));
            }
            i += 1;
        } else {
            // Skip the whole non-ASCII character; it separates.
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            push(Tok::Sep(' '));
            i += len;
        }
    }
}

const MONTHS: &[(&str, i8)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

const HIJRI_MONTHS: &[&str] = &[
    "muharram", "safar", "rabi", "rabia", "jumada", "jumadi", "jamadi", "rajab", "shaban",
    "sha'ban", "ramadan", "ramadhan", "ramzan", "shawwal", "dhul", "dhu", "zilhaj", "zulhijja",
];

/// Zone abbreviations news pages print, and their UTC offsets in seconds.
const ZONES: &[(&str, i32)] = &[
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("bst", 3600),
    ("cet", 3600),
    ("cest", 7200),
    ("est", -5 * 3600),
    ("edt", -4 * 3600),
    ("cst", -6 * 3600),
    ("cdt", -5 * 3600),
    ("mst", -7 * 3600),
    ("mdt", -6 * 3600),
    ("pst", -8 * 3600),
    ("pdt", -7 * 3600),
    ("pkt", 5 * 3600),
    ("ist", 5 * 3600 + 1800),
    ("jst", 9 * 3600),
    ("msk", 3 * 3600),
];

fn month(w: &str) -> Option<i8> {
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(w))
        .map(|&(_, m)| m)
}

/// Whether the line gives a Hijri (Islamic calendar) date: a Hijri month name next to a
/// number.
pub fn is_hijri(text: &str) -> bool {
    if !has_digit(text) {
        return false;
    }
    let toks = tokens(text);
    toks.iter().enumerate().any(|(i, t)| {
        matches!(t, Tok::Word(w) if HIJRI_MONTHS.iter().any(|h| h.eq_ignore_ascii_case(w)))
            && (i > 0 && matches!(toks[i - 1], Tok::Num(..))
                || toks[i + 1..]
                    .iter()
                    .take(3)
                    .any(|t| matches!(t, Tok::Num(..))))
    })
}

/// Whether `text` has an ASCII digit: every date shape, Gregorian or Hijri, has a number
/// (a day or a year), and only ASCII digits make number tokens, so a line without one is
/// told apart at the cost of a byte search (most head lines are headlines and menus).
fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

fn year_ok(n: u32, len: usize) -> Option<i16> {
    match len {
        4 if (1990..=2100).contains(&n) => i16::try_from(n).ok(),
        2 => i16::try_from(2000 + n).ok(),
        _ => None,
    }
}

fn make(y: i16, m: i8, d: u32) -> Option<Date> {
    let d = i8::try_from(d).ok()?;
    Date::new(y, m, d).ok()
}

/// The first Gregorian date in `text`, with a time and zone if the text gives them.
pub fn find(text: &str) -> Option<Found> {
    if !has_digit(text) {
        return None;
    }
    let toks = tokens(text);
    let date = find_date(&toks)?;
    let (time, offset) = find_time(&toks);
    Some(Found { date, time, offset })
}

/// Whether `text` is a time stamp and little else: a date ("Wednesday November 20, 2019",
/// "18 Nov 2019, 19:09") or a relative time ("2 days ago at 07:52 am", "Posted 4 hours
/// ago"), with at most two other words (a name, a zone). Comments and lists of
/// stories give each item such a line; an article has one, in its header. A line with an
/// `@` is not one: "— Name (@handle) November 19, 2019" closes a tweet quoted in the article.
pub fn is_stamp(text: &str) -> bool {
    if text.len() > 80 || !may_be_stamp(text.as_bytes()) {
        return false;
    }
    // The other words first: most lines with a year are headlines, and fail here cheaply.
    let mut other = 0;
    for w in text.split(|c: char| !c.is_ascii_alphabetic()) {
        if !w.is_empty() && !stamp_word(w) {
            other += 1;
            if other > 2 {
                return false;
            }
        }
    }
    // At most 80 tokens (one byte each at least), on the stack: no allocation per line.
    let mut buf = [Tok::Sep(' '); 80];
    let mut n = 0;
    tokenize(text, |t| {
        if let Some(slot) = buf.get_mut(n) {
            *slot = t;
            n += 1;
        }
    });
    let toks = &buf[..n];
    // "4 hours ago", "4 hrs ago": a count and a unit before "ago".
    let relative = toks.windows(3).any(|w| {
        matches!(w[0], Tok::Num(..))
            && unit(w[1])
            && matches!(w[2], Tok::Word(a) if a.eq_ignore_ascii_case("ago"))
    });
    relative || find_date(toks).is_some()
}

/// What every stamp has, found in one pass over the bytes (most short lines with a number
/// are not dates: "iPhone 11 Pro", "$139.00", "Rating: 36 Votes"): a digit and a four-digit
/// year, a `/` (11/20/19) or "ago"; and no `@`.
fn may_be_stamp(b: &[u8]) -> bool {
    let (mut run, mut digit, mut year, mut slash, mut ago) = (0, false, false, false, false);
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            run += 1;
            digit = true;
            continue;
        }
        year |= run == 4;
        run = 0;
        match c {
            b'@' => return false,
            b'/' => slash = true,
            b'o' | b'O' => ago |= i >= 2 && b[i - 2..i].eq_ignore_ascii_case(b"ag"),
            _ => {}
        }
    }
    digit && (year || run == 4 || slash || ago)
}

/// A word a stamp may have: a month ([`MONTHS`]), a weekday, a unit of time, "ago", "am",
/// "posted", … One `match` on the word lowercased before the month table (this runs on
/// every short line with a year).
fn stamp_word(w: &str) -> bool {
    let mut buf = [0u8; 9];
    let Some(lower) = buf.get_mut(..w.len()) else {
        return false;
    };
    lower.copy_from_slice(w.as_bytes());
    lower.make_ascii_lowercase();
    unit_word(lower)
        || matches!(
            &*lower,
            b"ago"
                | b"am"
                | b"pm"
                | b"at"
                | b"on"
                | b"by"
                | b"posted"
                | b"published"
                | b"updated"
                | b"monday"
                | b"tuesday"
                | b"wednesday"
                | b"thursday"
                | b"friday"
                | b"saturday"
                | b"sunday"
                | b"mon"
                | b"tue"
                | b"wed"
                | b"thu"
                | b"fri"
                | b"sat"
                | b"sun"
        )
        || month(w).is_some()
}

/// A unit of a relative time ("minutes", "hrs"), lowercase.
fn unit_word(w: &[u8]) -> bool {
    let w = w.strip_suffix(b"s").unwrap_or(w);
    matches!(
        w,
        b"sec"
            | b"second"
            | b"min"
            | b"minute"
            | b"hr"
            | b"hour"
            | b"day"
            | b"week"
            | b"month"
            | b"year"
    )
}

/// A unit of a relative time, as a token.
fn unit(t: Tok<'_>) -> bool {
    match t {
        Tok::Word(w) if w.len() <= 8 => {
            let mut buf = [0u8; 8];
            let lower = &mut buf[..w.len()];
            lower.copy_from_slice(w.as_bytes());
            lower.make_ascii_lowercase();
            unit_word(lower)
        }
        _ => false,
    }
}

fn num(t: Option<&Tok<'_>>) -> Option<(u32, usize)> {
    match t {
        Some(&Tok::Num(n, len)) => Some((n, len)),
        _ => None,
    }
}

/// The next token that is not a comma or a period, from `i`.
fn skip_commas(toks: &[Tok<'_>], mut i: usize) -> usize {
    while matches!(toks.get(i), Some(Tok::Sep(',' | '.'))) {
        i += 1;
    }
    i
}

fn find_date(toks: &[Tok<'_>]) -> Option<Date> {
    for (i, t) in toks.iter().enumerate() {
        match *t {
            Tok::Word(w) => {
                let Some(m) = month(w) else { continue };
                // "May" is also a word: only with a day and year around it.
                // Month Day, Year: "September 20, 2024", "Nov. 19, 2019".
                let j = skip_commas(toks, i + 1);
                if let Some((d, dl)) = num(toks.get(j))
                    && dl <= 2
                {
                    let k = skip_commas(toks, j + 1);
                    if let Some((y, yl)) = num(toks.get(k))
                        && let Some(y) = year_ok(y, yl).filter(|_| yl == 4)
                        && let Some(date) = make(y, m, d)
                    {
                        return Some(date);
                    }
                }
                // Day Month Year: "6th Apr, 2025", "20 November 2024".
                if i > 0
                    && let Some((d, dl)) = num(toks.get(i - 1))
                    && dl <= 2
                {
                    let k = skip_commas(toks, i + 1);
                    if let Some((y, yl)) = num(toks.get(k))
                        && let Some(y) = year_ok(y, yl).filter(|_| yl == 4)
                        && let Some(date) = make(y, m, d)
                    {
                        return Some(date);
                    }
                }
            }
            Tok::Num(y, 4) => {
                // ISO: 2023-06-21 (also with / or .).
                if let (Some(Tok::Sep(s1)), Some((m, ml)), Some(Tok::Sep(s2)), Some((d, dl))) = (
                    toks.get(i + 1),
                    num(toks.get(i + 2)),
                    toks.get(i + 3),
                    num(toks.get(i + 4)),
                ) && s1 == s2
                    && matches!(s1, '-' | '/' | '.')
                    && ml <= 2
                    && dl <= 2
                    && let Some(y) = year_ok(y, 4)
                    && let Some(date) = make(y, i8::try_from(m).ok()?, d)
                {
                    return Some(date);
                }
            }
            Tok::Num(a, al) if al <= 2 => {
                // Numeric a/b/year: month and day told apart only when one is above 12.
                if let (Some(Tok::Sep(s1)), Some((b, bl)), Some(Tok::Sep(s2)), Some((y, yl))) = (
                    toks.get(i + 1),
                    num(toks.get(i + 2)),
                    toks.get(i + 3),
                    num(toks.get(i + 4)),
                ) && s1 == s2
                    && matches!(s1, '/' | '.' | '-')
                    && bl <= 2
                    && (i == 0 || !matches!(toks[i - 1], Tok::Sep('/')))
                    && let Some(y) = year_ok(y, yl)
                {
                    let (m, d) = if a > 12 && b <= 12 {
                        (b, a)
                    } else if b > 12 && a <= 12 {
                        (a, b)
                    } else {
                        continue;
                    };
                    if let Some(date) = make(y, i8::try_from(m).ok()?, d) {
                        return Some(date);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The first `hh:mm` in the tokens, with am/pm and a zone abbreviation after it.
fn find_time(toks: &[Tok<'_>]) -> (Option<Time>, Option<i32>) {
    for i in 0..toks.len() {
        let (Some((h, hl)), Some(Tok::Sep(':')), Some((m, 2))) =
            (num(toks.get(i)), toks.get(i + 1), num(toks.get(i + 2)))
        else {
            continue;
        };
        if hl > 2 || h > 23 || m > 59 {
            continue;
        }
        let mut h = h;
        let mut j = i + 3;
        if let Some(Tok::Word(w)) = toks.get(j) {
            let w = w.to_ascii_lowercase();
            if (w == "pm" || w == "p") && h < 12 {
                h += 12;
                j += 1;
            } else if w == "am" || w == "a" {
                if h == 12 {
                    h = 0;
                }
                j += 1;
            }
        }
        while matches!(toks.get(j), Some(Tok::Sep('.'))) {
            j += 1;
        }
        let offset = match toks.get(j) {
            Some(Tok::Word(w)) => ZONES
                .iter()
                .find(|(z, _)| z.eq_ignore_ascii_case(w))
                .map(|&(_, o)| o),
            _ => None,
        };
        let time = Time::new(
            i8::try_from(h).unwrap_or(0),
            i8::try_from(m).unwrap_or(0),
            0,
            0,
        )
        .ok();
        return (time, offset);
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, want: Option<&str>) {
        let got = find(text).map(|f| match f.time {
            Some(t) => format!("{}T{}", f.date, t),
            None => f.date.to_string(),
        });
        assert_eq!(got.as_deref(), want, "{text}");
    }

    #[test]
    fn the_seed_forms() {
        check("Friday, September 20, 2024", Some("2024-09-20"));
        check(
            "Mohammad Ali (@ChaudhryMAli88) Published April 06, 2025 | 06:10 PM",
            Some("2025-04-06T18:10:00"),
        );
        check(
            "ISLAMABAD, (UrduPoint / Pakistan Point News - 6th Apr, 2025) Chairman",
            Some("2025-04-06"),
        );
        check(
            " date 2023-06-21 ISLAMABAD: The fifth round",
            Some("2023-06-21"),
        );
        check("Saturday, November 23, 2024 \u{a0}", Some("2024-11-23"));
    }

    #[test]
    fn stamps_are_dates_or_relative_times_and_little_else() {
        for t in [
            "2 days ago at 07:52 am",
            "Posted 4 hrs ago",
            "16 hours ago on iOS Blog",
            "Wednesday November 20, 2019",
            "18 Nov 2019, 19:09",
            "Nov. 19, 2019 8:03 am ET",
            "By Maren Estrada 2 days ago",
            "Associated Press November 19, 2019",
        ] {
            assert!(is_stamp(t), "{t}");
        }
        for t in [
            // A quoted tweet's attribution is part of the article.
            "— The Senate (@NGRSenate) November 19, 2019",
            "The council met on November 19, 2019 to approve the plan",
            "June 9 – West Palm Beach, FL @ Coral Sky Amphitheatre",
            "June 10 – Tampa, FL",
            "Two days ago",
            "4 days ago the minister resigned",
            "Rating: 36 Votes",
        ] {
            assert!(!is_stamp(t), "{t}");
        }
    }

    #[test]
    fn hijri_dates_are_recognised_and_not_read_as_gregorian() {
        assert!(is_hijri("20 Jumada Al-Awwal 1446 \u{a0}"));
        check("20 Jumada Al-Awwal 1446", None);
        assert!(!is_hijri("Saturday, November 23, 2024"));
    }

    #[test]
    fn other_news_forms() {
        check("Nov. 19, 2019 8:03 am ET", Some("2019-11-19T08:03:00"));
        check(
            "By Tess Bonn - 11/19/19 06:56 AM EST",
            Some("2019-11-19T06:56:00"),
        );
        check(
            "PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: 11:05",
            Some("2019-11-19T10:48:00"),
        );
        check(
            "Published November 20th, 2019 - 07:29 GMT",
            Some("2019-11-20T07:29:00"),
        );
        check("12:30 am, 1 January 2020", Some("2020-01-01T00:30:00"));
        let f = find("Nov. 19, 2019 8:03 am EST").expect("date");
        assert_eq!(f.offset, Some(-5 * 3600));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for t in [
            "6th",
            "6t",
            "12:",
            "2024-",
            "Nov",
            "Nov 1",
            "1/2/",
            "ñ1st",
            "1ñ",
            "20th\u{a0}Jumada",
            "99999999999 Nov 3",
        ] {
            let _ = find(t);
            let _ = is_hijri(t);
        }
    }

    #[test]
    fn not_dates() {
        check("May the best team win in 2024", None);
        check("February 30, 2024", None);
        check("03/04/2020", None); // ambiguous day and month
        check("Scores 1446 and 20", None);
        check("26.1 C", None);
    }
}
