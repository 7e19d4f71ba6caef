//! Bylines, datelines, agency credits and mastheads: the small lines and prefixes around a
//! headline that say who wrote a story, where, and for whom.
//!
//! All shapes are checked by hand on short strings (no regex): "By Tess Bonn - 11/19/19",
//! "Mohammad Ali (@ChaudhryMAli88) Published …", "Posted by Vortex", "ISLAMABAD:",
//! "ISLAMABAD, (UrduPoint / Pakistan Point News - 6th Apr, 2025) …", "ST. JOSEPH, Mich.
//! (AP) —", "Pak Sahafat – In an official meeting …".

use crate::stopwords;

/// Words that make a short line at the top of a page a masthead ("Aaj English TV").
const MEDIA_WORDS: &[&str] = &[
    "tv",
    "news",
    "times",
    "post",
    "daily",
    "tribune",
    "herald",
    "journal",
    "gazette",
    "express",
    "telegraph",
    "guardian",
    "chronicle",
    "observer",
    "radio",
    "network",
    "media",
    "press",
    "agency",
    "today",
    "magazine",
    "weekly",
    "online",
    "dispatch",
    "courier",
    "monitor",
    "review",
    "sentinel",
    "standard",
    "examiner",
    "inquirer",
    "bulletin",
];

/// All-caps words that open a paragraph without being a place.
const NOT_PLACES: &[&str] = &[
    "UPDATE",
    "UPDATED",
    "BREAKING",
    "EXCLUSIVE",
    "WATCH",
    "VIDEO",
    "PHOTOS",
    "NOTE",
    "EDITOR'S",
    "OPINION",
    "ANALYSIS",
    "LIVE",
    "READ",
    "FILE",
    "PHOTO",
    "AP",
    "AFP",
    "I",
];

/// Name particles allowed in lowercase inside a person's name.
const PARTICLES: &[&str] = &[
    "de", "da", "van", "von", "der", "bin", "al", "el", "la", "le", "du", "di",
];

/// Whether `s` looks like a person's name: 1–5 words, each capitalised (particles aside),
/// no stopwords, no digits.
pub fn is_name(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || s.chars().count() > 50 {
        return false;
    }
    let mut caps = 0;
    for w in &words {
        let w = w.trim_matches(|c: char| c == ',' || c == '.');
        if w.is_empty() {
            continue;
        }
        if w.chars()
            .any(|c| c.is_ascii_digit() || c == '@' || c == '/' || c == ':')
        {
            return false;
        }
        if PARTICLES.contains(&w) {
            continue;
        }
        if stopwords::is_english(w) && w.len() > 1 {
            return false;
        }
        if !w.chars().next().is_some_and(char::is_uppercase) {
            return false;
        }
        caps += 1;
    }
    caps >= 1 && (caps >= 2 || words.len() == 1)
}

/// Words that make a part of a byline a role or an affiliation, not a person ("AP Auto
/// Writer", "Associated Press", "Staff Reporter").
const ROLE_WORDS: &[&str] = &[
    "writer",
    "correspondent",
    "reporter",
    "editor",
    "staff",
    "press",
    "contributor",
    "columnist",
    "producer",
    "bureau",
    "agency",
    "wire",
];

use crate::text::CALENDAR_WORDS as CALENDAR;

/// Whether a part of a byline (between commas or "and") names no person: a role, an
/// agency, a web address ("Cleveland.com"), the publisher, a date word, or — after the
/// first part — a credential ("MS", "RDN").
fn is_not_person(part: &str, first: bool, publisher: Option<&str>) -> bool {
    let lower = part.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    words.iter().any(|w| {
        ROLE_WORDS
            .iter()
            .any(|r| w.trim_matches('.') == *r || w.ends_with(r))
    }) || words
        .iter()
        .any(|w| CALENDAR.contains(&w.trim_matches([',', '.'])))
        || part.split_whitespace().any(|w| {
            let inner = w.trim_matches('.');
            inner.contains('.')
                && inner.rsplit('.').next().is_some_and(|tld| tld.len() >= 2)
                && inner.chars().filter(|c| c.is_alphabetic()).count() > 3
        })
        || publisher.is_some_and(|p| {
            let p = p.to_lowercase();
            !lower.is_empty() && (p.contains(&lower) || lower.contains(&p))
        })
        || (!first
            && words.len() == 1
            && part.len() <= 4
            && part.chars().all(|c| c.is_ascii_uppercase() || c == '.'))
}

/// The part of a byline before a day or month name that follows a name ("Joseph
/// Tsidulko November" → "Joseph Tsidulko").
fn before_calendar_word(part: &str) -> &str {
    let mut at = 0;
    for (n, w) in part.split_whitespace().enumerate() {
        let lower = w.trim_matches([',', '.']).to_lowercase();
        if n > 0 && CALENDAR.contains(&lower.as_str()) {
            return &part[..at];
        }
        at = part[at..].find(w).map_or(at, |i| at + i + w.len());
    }
    part
}

/// "TOM KRISHER" → "Tom Krisher": a name in capitals, as wire bylines print it, in the
/// case a reader expects; other names unchanged.
fn name_case(name: &str) -> String {
    if name.chars().any(char::is_lowercase) || name.split_whitespace().count() < 2 {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

/// Splits "A, B and C" into names, leaving out roles and affiliations ("By TOM KRISHER, AP
/// Auto Writer" → "Tom Krisher"); `None` unless every other part is a name.
fn names(s: &str) -> Option<Vec<String>> {
    names_with(s, None, true)
}

fn names_with(s: &str, publisher: Option<&str>, strict: bool) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in s.split([',', '&', ';']).flat_map(|p| p.split(" and ")) {
        let p = before_calendar_word(part).trim().trim_end_matches('.');
        if p.is_empty() || is_not_person(p, out.is_empty(), publisher) {
            continue;
        }
        if !is_name(p) {
            if strict {
                return None;
            }
            continue;
        }
        out.push(name_case(p));
    }
    (!out.is_empty()).then_some(out)
}

/// The people in an author field a page states (`<meta name=author>`, JSON-LD `author`):
/// a leading "By" and everything after the first line or a date go, and so do roles,
/// affiliations and the publisher's own name; what is left must look like names.
pub fn stated(raw: &str, publisher: Option<&str>) -> Vec<String> {
    let line = raw.lines().next().unwrap_or("").trim();
    let line = line
        .strip_prefix("By ")
        .or_else(|| line.strip_prefix("by "))
        .or_else(|| line.strip_prefix("BY "))
        .unwrap_or(line);
    if line.starts_with("http") {
        return Vec::new();
    }
    names_with(cut_name(line), publisher, false).unwrap_or_default()
}

/// Where a name list ends in a byline: a separator, a date, a handle.
fn cut_name(s: &str) -> &str {
    let mut end = s.len();
    for stop in [
        " - ",
        " – ",
        " — ",
        " | ",
        "|",
        " (",
        "(",
        " on ",
        " Published",
        " Updated",
        " published",
        " updated",
        " Posted",
        "\u{a0}",
        "\n",
    ] {
        if let Some(i) = s.find(stop) {
            end = end.min(i);
        }
    }
    if let Some(i) = s.find(|c: char| c.is_ascii_digit()) {
        end = end.min(i);
    }
    s[..end].trim().trim_end_matches([',', ';', ':']).trim()
}

/// The authors a byline line names, if it is one.
pub fn authors(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    if t.chars().count() > 120 {
        return None;
    }
    // Both shapes need an ASCII "by" (lowercasing makes no `b` or `y` of another
    // character) or " (@": most lines have neither and are spared the lowercase copy.
    let b = t.as_bytes();
    if !b.windows(2).any(|w| w.eq_ignore_ascii_case(b"by")) && !t.contains(" (@") {
        return None;
    }
    let lower = t.to_lowercase();
    // "By X", "Posted by X", "… | by X", "Written by X".
    let after_by = if lower.starts_with("by ") {
        Some(&t[3..])
    } else {
        lower.find(" by ").and_then(|i| {
            let before = &lower[..i];
            let shape_ok = before.ends_with("posted")
                || before.ends_with("written")
                || before.ends_with('|')
                || before.ends_with("story")
                || before.trim_end().ends_with('|')
                || crate::metadata::dates::find(before).is_some();
            shape_ok.then(|| &t[i + 4..])
        })
    };
    if let Some(rest) = after_by {
        return names(cut_name(rest.trim_start_matches(':').trim()));
    }
    // "Name (@handle) …".
    if let Some(i) = t.find(" (@") {
        return names(&t[..i]);
    }
    None
}

/// A byline without "By": names, a comma, and the agency or publication they write for
/// ("Greg Beacham, AP Sports Writer", "Meg Kinnard and Errin Haines, Associated Press",
/// "Tanza Loudenback, Business Insider"). The people named, or none when the line is the
/// credit of a photo ("Patrick Semansky, ASSOCIATED PRESS": an agency in capitals); `None`
/// when it is no such line: what comes before the comma must be names, and what comes after
/// it a capitalised name of a few words.
pub fn without_by(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    if t.chars().count() > 120 {
        return None;
    }
    let (who, outlet) = t.rsplit_once(", ")?;
    let outlet = outlet.trim();
    let words: Vec<&str> = outlet.split_whitespace().collect();
    let capitalised = (1..=4).contains(&words.len())
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    if !capitalised {
        return None;
    }
    // Whole names: "Reuters, Washington" is a credit and a place.
    let people = names(who).filter(|p| p.iter().all(|n| n.contains(' ')))?;
    let lower = outlet.to_lowercase();
    let writer = ["writer", "correspondent", "reporter"]
        .iter()
        .any(|w| lower.ends_with(w));
    let shouted = outlet.chars().all(|c| !c.is_lowercase());
    Some(if shouted && !writer {
        Vec::new()
    } else {
        people
    })
}

/// A dateline at the start of a first paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// The place, as written ("ISLAMABAD", "ST. JOSEPH").
    pub dateline: Option<String>,
    /// An agency or publisher credited in the lead ("Pak Sahafat", "UrduPoint / Pakistan Point News").
    pub credit: Option<String>,
    /// The text of a parenthetical after the dateline, for its date.
    pub paren: Option<String>,
}

fn is_caps_word(w: &str) -> bool {
    let core = w.trim_end_matches([',', ':', ';']);
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2
        && core
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, '.' | '\'' | '’' | '-'))
}

/// Reads the opening of a first paragraph: "ISLAMABAD: …", "ISLAMABAD, (Agency - date) …",
/// "ST. JOSEPH, Mich. (AP) — …", "Pak Sahafat – …".
pub fn lead(text: &str) -> Lead {
    let t = text.trim_start();
    let mut out = Lead {
        dateline: None,
        credit: None,
        paren: None,
    };
    // Words with their byte offsets.
    let spans: Vec<(usize, &str)> = t
        .split(' ')
        .scan(0usize, |pos, w| {
            let start = *pos;
            *pos += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
        .take(12)
        .collect();
    let words: Vec<&str> = spans.iter().map(|&(_, w)| w).collect();
    // Dateline: all-caps words, ended by `:`/`,` or followed by a dash or a parenthesis.
    let mut n = 0;
    while n < words.len() && n < 5 && is_caps_word(words[n]) {
        let w = words[n];
        n += 1;
        if w.ends_with(':') || w.ends_with(',') {
            break;
        }
    }
    if n > 0 {
        let last = words[n - 1];
        let next = words.get(n).copied().unwrap_or("");
        let ended = last.ends_with(':')
            || last.ends_with(',')
            || matches!(next, "—" | "–" | "-" | "--")
            || next.starts_with('(');
        let place = words[..n].join(" ");
        let place = place.trim_end_matches([',', ':', ';']).to_string();
        let letters = place.chars().filter(|c| c.is_alphabetic()).count();
        if ended && letters >= 3 && !NOT_PLACES.contains(&place.as_str()) {
            out.dateline = Some(place);
            // A parenthetical credit after it, possibly after a region ("Mich.").
            let (s, w) = spans[n - 1];
            let mut rest = t.get(s + w.len()..).unwrap_or("").trim_start();
            if !rest.starts_with('(')
                && let Some(i) = rest.find('(').filter(|&i| i <= 25)
            {
                let region = rest[..i].trim();
                let mut rw = region.split_whitespace();
                if region.split_whitespace().count() <= 2
                    && rw.all(|w| w.chars().next().is_some_and(char::is_uppercase))
                {
                    rest = &rest[i..];
                }
            }
            if let Some(inner) = rest
                .strip_prefix('(')
                .and_then(|r| r.split_once(')'))
                .map(|(a, _)| a)
                && inner.chars().count() <= 80
            {
                out.paren = Some(inner.to_string());
                let credit = match inner.rfind(" - ").or_else(|| inner.rfind(" – ")) {
                    Some(i) => &inner[..i],
                    None => inner,
                };
                let credit = credit.trim();
                if !credit.is_empty() && credit.chars().next().is_some_and(char::is_uppercase) {
                    out.credit = Some(credit.to_string());
                }
            }
            return out;
        }
    }
    // Agency credit: up to four capitalised words, then a dash.
    for (i, w) in words.iter().enumerate().take(5) {
        if matches!(*w, "–" | "—" | "-") {
            if i > 0 {
                let name = words[..i].join(" ");
                if is_name(&name)
                    || words[..i]
                        .iter()
                        .all(|w| w.chars().next().is_some_and(char::is_uppercase))
                {
                    out.credit = Some(name);
                }
            }
            break;
        }
        if !w.chars().next().is_some_and(char::is_uppercase) {
            break;
        }
    }
    out
}

/// Whether a short line at the top of a page names the publication ("Aaj English TV"). A
/// row of links with a media word among them ("Reviews  News  Deals  How To", "Home | News")
/// is the menu: its items are set apart by a bar, a dot or a run of spaces.
pub fn is_masthead(line: &str) -> bool {
    let t = line.trim();
    let words: Vec<&str> = crate::text::words(t).collect();
    !words.is_empty()
        && !t.contains(['|', '•', '·'])
        && !t.contains("  ")
        && words.len() <= 5
        && t.chars().count() <= 40
        && words.iter().all(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        })
        && words
            .iter()
            .any(|w| MEDIA_WORDS.iter().any(|m| m.eq_ignore_ascii_case(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn bylines() {
        assert_eq!(
            authors("Mohammad Ali (@ChaudhryMAli88) Published April 06, 2025 | 06:10 PM"),
            s(&["Mohammad Ali"])
        );
        assert_eq!(
            authors("By Tess Bonn - 11/19/19 06:56 AM EST"),
            s(&["Tess Bonn"])
        );
        assert_eq!(authors("By Laura Mowat"), s(&["Laura Mowat"]));
        assert_eq!(authors("Posted by Vortex"), s(&["Vortex"]));
        assert_eq!(
            authors("October 9, 2018 | by Olivia Larsen"),
            s(&["Olivia Larsen"])
        );
        assert_eq!(
            authors("By Jane Doe and John Roe"),
            s(&["Jane Doe", "John Roe"])
        );
        assert_eq!(
            authors(
                "By reviewing the latest developments related to the region, the parties emphasized"
            ),
            None
        );
        assert_eq!(authors("Published"), None);
        assert_eq!(
            authors("By MEG KINNARD and ERRIN HAINES, Associated Press"),
            s(&["Meg Kinnard", "Errin Haines"])
        );
        assert_eq!(
            authors("By TOM KRISHER, AP Auto Writer"),
            s(&["Tom Krisher"])
        );
    }

    #[test]
    fn bylines_without_by_name_the_outlet_after_a_comma() {
        let v = |x: &[&str]| Some(x.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            without_by("Greg Beacham, Ap Sports Writer"),
            v(&["Greg Beacham"])
        );
        assert_eq!(
            without_by("Meg Kinnard and Errin Haines, Associated Press"),
            v(&["Meg Kinnard", "Errin Haines"])
        );
        assert_eq!(
            without_by("Tanza Loudenback, Business Insider"),
            v(&["Tanza Loudenback"])
        );
        // A photo's credit is a byline's shape that names no author.
        assert_eq!(without_by("Patrick Semansky, ASSOCIATED PRESS"), v(&[]));
        // Not bylines: a headline with a comma, a credit and a place, a lower-case tail.
        for line in [
            "Unpredictable Sondland faces questions about Trump, Ukraine",
            "Reuters, Washington,",
            "Reuters, Washington",
            "Lakers hold off OKC, win again",
            "Jane Smith, who led the inquiry",
        ] {
            assert_eq!(without_by(line), None, "{line}");
        }
    }

    #[test]
    fn stated_authors_lose_roles_affiliations_and_dates() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            stated("By TOM KRISHER, AP Auto Writer", None),
            v(&["Tom Krisher"])
        );
        assert_eq!(
            stated("Troy L. Smith, Cleveland.com", None),
            v(&["Troy L. Smith"])
        );
        assert_eq!(
            stated(
                "Tanza Loudenback, Business Insider",
                Some("Business Insider Deutschland")
            ),
            v(&["Tanza Loudenback"])
        );
        assert_eq!(
            stated("Ilana Muhlstein, MS, RDN", None),
            v(&["Ilana Muhlstein"])
        );
        assert_eq!(
            stated("Jeff Foust\nMonday, November 18, 2019", None),
            v(&["Jeff Foust"])
        );
        assert_eq!(stated("LISA MASCARO", None), v(&["Lisa Mascaro"]));
        assert_eq!(stated("PMJS", None), v(&["PMJS"]));
        assert_eq!(
            stated("Joseph Tsidulko November 18", None),
            v(&["Joseph Tsidulko"])
        );
        assert_eq!(stated("Reuters", None), v(&["Reuters"]));
        assert_eq!(
            stated("https://www.facebook.com/someone", None),
            Vec::<String>::new()
        );
        assert_eq!(stated("JANE O'NEIL-SMITH", None), v(&["Jane O'Neil-Smith"]));
    }

    #[test]
    fn leads() {
        let l =
            lead("ISLAMABAD, (UrduPoint / Pakistan Point News - 6th Apr, 2025) Chairman Senate");
        assert_eq!(l.dateline.as_deref(), Some("ISLAMABAD"));
        assert_eq!(l.credit.as_deref(), Some("UrduPoint / Pakistan Point News"));
        assert_eq!(
            l.paren.as_deref(),
            Some("UrduPoint / Pakistan Point News - 6th Apr, 2025")
        );
        let l =
            lead("ISLAMABAD: The fifth round of Pakistan-Russia Bilateral Political Consultations");
        assert_eq!(l.dateline.as_deref(), Some("ISLAMABAD"));
        assert_eq!(l.credit, None);
        let l = lead("Pak Sahafat – In an official meeting in Moscow, the Speaker");
        assert_eq!(l.dateline, None);
        assert_eq!(l.credit.as_deref(), Some("Pak Sahafat"));
        let l = lead("ST. JOSEPH, Mich. (AP) — Michigan health authorities");
        assert_eq!(l.dateline.as_deref(), Some("ST. JOSEPH"));
        assert_eq!(l.credit.as_deref(), Some("AP"));
        let l = lead("CHINA has sent troops to Hong Kong");
        assert_eq!(l.dateline, None);
        assert_eq!(
            lead("In an official meeting – the Speaker said").credit,
            None
        );
    }

    #[test]
    fn mastheads() {
        assert!(is_masthead("Aaj English TV"));
        assert!(!is_masthead("Reviews  News  Deals  How To"));
        assert!(!is_masthead("Home | News | Sport"));
        assert!(!is_masthead("Pakistan"));
        assert!(!is_masthead("Friday, September 20, 2024"));
        assert!(!is_masthead(
            "Pakistan, Russia agree to take forward important bilateral agenda"
        ));
    }
}
