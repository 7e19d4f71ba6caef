//! Metadata from the text around the headline: what a reader sees above the first
//! paragraph (headline, byline, date, masthead) and at its start (dateline, agency credit,
//! "date 2023-06-21").
//!
//! Where the article starts is the boilerplate classifier's main run (with default
//! settings); the head is the dozen lines before it, read bottom-up, because the headline
//! and byline sit right above the text while menus and tickers sit higher. Lines read
//! here (headline, byline, date) are dropped from the body with the reason.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use newsdrop_core::{Article, Block, BlockKind};

use super::{RULE, byline, dates};
use crate::boilerplate::Analysis;
use crate::boilerplate::classify::Features;
use crate::boilerplate::phrases;

/// What the text says.
#[derive(Debug, Default)]
pub struct Found {
    pub title: Option<String>,
    pub title_derived: bool,
    /// RFC 3339 date or date-time, and where it came from.
    pub published: Option<(String, String)>,
    pub authors: Vec<String>,
    pub publisher: Option<String>,
    pub dateline: Option<String>,
}

/// Lines above the first paragraph that are read.
const HEAD_LINES: usize = 12;
/// Lines above the headline still read for a date or masthead.
const ABOVE_TITLE: usize = 3;

/// Reads the head and the first paragraph of `article`, dropping the lines it consumes;
/// `analysis` is the classifier's look at its blocks.
pub fn read(
    article: &mut Article,
    analysis: &Analysis,
    zone: Option<&TimeZone>,
    derive_title: bool,
) -> Found {
    let blocks = &article.blocks;
    // The head is read up from the first paragraph. A page where no article was found has
    // neither: read up from its end, its "headline" was a footer's link row ("Terms of use
    // | Privacy policy"), and its "first paragraph" the skip link at its top. Only its
    // masthead is read.
    let Some((body_start, _)) = analysis.run else {
        return Found {
            publisher: masthead(blocks, analysis, blocks.len()),
            ..Found::default()
        };
    };
    let mut found = Found::default();
    let mut date: Option<(dates::Found, &'static str)> = None;
    let mut drops: Vec<(usize, &'static str)> = Vec::new();
    let mut title_at = None;

    // Up from the first paragraph.
    let mut seen = 0;
    let mut budget = HEAD_LINES;
    let mut i = body_start;
    while i > 0 && seen < budget {
        i -= 1;
        let b = &blocks[i];
        let t = b.text.trim();
        if !b.keep || t.is_empty() {
            continue;
        }
        seen += 1;
        if dates::is_hijri(t) {
            continue;
        }
        if let Some(reason) = byline_or_date(t, &analysis.features[i], &mut found, &mut date) {
            drops.push((i, reason));
            continue;
        }
        if title_at.is_none() && is_headline(t, &analysis.features[i], b) {
            title_at = Some(i);
            found.title = Some(squeeze(t));
            drops.push((i, "title"));
            budget = seen + ABOVE_TITLE;
        }
    }

    found.publisher = masthead(blocks, analysis, title_at.unwrap_or(body_start));
    if let (Some(at), Some(title)) = (title_at, found.title.as_mut())
        && let Some((headline, site)) = site_suffix(title, &blocks[..at])
    {
        found.publisher.get_or_insert_with(|| site.to_string());
        title.truncate(headline);
    }

    // Bylines and date lines just under the first paragraph (after a standfirst).
    for (j, b) in blocks.iter().enumerate().skip(body_start + 1).take(3) {
        let t = b.text.trim();
        if !b.keep || t.is_empty() || t.chars().count() > 120 {
            continue;
        }
        if let Some(reason) = byline_or_date(t, &analysis.features[j], &mut found, &mut date) {
            drops.push((j, reason));
        }
    }

    for &(j, reason) in &drops {
        article.blocks[j].drop_by(RULE, reason);
    }

    // The first paragraph: a leading "date …", a dateline, an agency credit.
    let first = (body_start..article.blocks.len()).find(|&j| article.blocks[j].keep);
    let mut lead_text = None;
    if let Some(j) = first {
        let text = article.blocks[j].text.clone();
        let mut rest = text.as_str();
        if let Some((d, after)) = leading_date(rest) {
            if date.is_none() {
                found.published = Some((d.to_string(), "leading 'date' in the text".to_string()));
            }
            // Split the prefix off into its own dropped block.
            let cut = text.len() - after.len();
            let mut prefix = Block::new(&text[..cut], article.blocks[j].kind);
            prefix.gap_before = article.blocks[j].gap_before;
            prefix.drop_by(RULE, "date line");
            article.blocks[j].text = after.trim_start().to_string();
            article.blocks[j].gap_before = false;
            article.blocks.insert(j, prefix);
            rest = after;
        }
        let lead = byline::lead(rest);
        if date.is_none()
            && found.published.is_none()
            && let Some(f) = lead.paren.as_deref().and_then(dates::find)
        {
            date = Some((f, "dateline"));
        }
        if found.publisher.is_none() {
            found.publisher = lead.credit;
        }
        found.dateline = lead.dateline;
        lead_text = Some(rest.trim().to_string());
    }

    if let Some((f, origin)) = date {
        found.published = Some((format(&f, zone), origin.to_string()));
    }

    if found.title.is_none()
        && derive_title
        && let Some(text) = lead_text
    {
        let sentence = first_sentence(strip_dateline(&text, found.dateline.is_some()));
        if !sentence.is_empty() {
            found.title = Some(sentence.to_string());
            found.title_derived = true;
        }
    }
    found
}

/// A line that is mostly a date ("Friday, September 20, 2024", "Updated 1:39 am EST, …").
/// A byline or a date line: takes its authors (if none yet) and its date (if none yet), and
/// returns why the line leaves the body.
fn byline_or_date(
    t: &str,
    f: &Features,
    found: &mut Found,
    date: &mut Option<(dates::Found, &'static str)>,
) -> Option<&'static str> {
    if let Some(names) = byline::authors(t).or_else(|| byline::without_by(t)) {
        if found.authors.is_empty() {
            found.authors = names;
        }
        if date.is_none() {
            *date = dates::find(t).map(|d| (d, "byline"));
        }
        return Some("byline");
    }
    if is_date_line(t, f) {
        if date.is_none() {
            *date = dates::find(t).map(|d| (d, origin_of(t)));
        }
        return Some("date line");
    }
    None
}

fn is_date_line(t: &str, f: &Features) -> bool {
    t.chars().count() <= 100 && f.stops <= 3 && dates::find(t).is_some()
}

fn origin_of(t: &str) -> &'static str {
    let l = t.to_lowercase();
    if l.contains("published") || l.contains("posted") {
        "byline date ('published')"
    } else if l.contains("updated") {
        "update date (no other date on the page)"
    } else {
        "page header date"
    }
}

/// The first three lines of `blocks` with text that are still kept, with their indices:
/// where a page names itself.
fn top_lines(blocks: &[Block]) -> impl Iterator<Item = (usize, &Block)> {
    blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.keep && !b.text.trim().is_empty())
        .take(3)
}

/// A masthead among the first lines of the page, above line `top` (the headline).
fn masthead(blocks: &[Block], analysis: &Analysis, top: usize) -> Option<String> {
    top_lines(&blocks[..top])
        .find(|(j, b)| analysis.features[*j].hit.is_none() && byline::is_masthead(&b.text))
        .map(|(_, b)| squeeze(&b.text))
}

/// A headline that ends in the site's name after a bar or a dash ("Wales win in Rome |
/// TechBeat"), where one of the first lines of the page, `above` it, is that name: the
/// length of the headline without it, and the name.
fn site_suffix<'t>(title: &'t str, above: &[Block]) -> Option<(usize, &'t str)> {
    let (cut, site) = trailing_name(title)?;
    if !(1..=5).contains(&crate::text::words(site).count()) {
        return None;
    }
    top_lines(above)
        .any(|(_, b)| squeeze(&b.text).eq_ignore_ascii_case(site))
        .then_some((cut, site))
}

/// What follows a title's last bar or dash between spaces ("Wales win in Rome | TechBeat"),
/// which may be a site's name: where the headline before it ends, and the name. `None`
/// when the headline would be one word or less.
pub(super) fn trailing_name(title: &str) -> Option<(usize, &str)> {
    let (cut, sep) = [" | ", " - ", " – ", " — "]
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|i| (i, sep.len())))
        .max()?;
    crate::text::words(&title[..cut])
        .nth(1)
        .is_some()
        .then(|| (cut, &title[cut + sep..]))
}

/// Whether a line reads as a headline: three words or more, not a sentence, no chrome;
/// not a time stamp ("Today 12:01 AM", "Updated Nov 19, 6:55 AM"), a row of figures
/// ("Palm Bay 18 22 13 17 — 70") or of letters ("T R D NATIONAL"), a byline that names no
/// one ("By JERUSALEM POST STAFF") or a photo's caption or credit ("Alex Wong | Getty
/// Images", "Materials from the campaign. (onmeth.com)").
fn is_headline(t: &str, f: &Features, b: &Block) -> bool {
    if matches!(b.kind, BlockKind::Heading(1)) {
        return true;
    }
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    // A caption is a sentence, its credit after it in brackets.
    let before_credit = match t.strip_suffix(')').and_then(|r| r.rfind('(')) {
        Some(open) => t[..open].trim_end(),
        None => t,
    };
    let words: Vec<&str> = crate::text::words(t).collect();
    let first_word = words.first().copied().unwrap_or_default();
    let last_word = words.last().copied().unwrap_or_default();
    let single_letters = words.iter().filter(|w| w.chars().nth(1).is_none()).count();
    f.hit.is_none()
        && f.words >= 3
        && f.chars <= 250
        && !before_credit.ends_with('.')
        && !t.ends_with(':')
        && !f.copyright
        && !f.glued_title
        && !f.stamp
        && digits * 2 <= f.letters
        && single_letters * 2 <= words.len()
        && !["by", "updated", "posted", "published"]
            .iter()
            .any(|w| first_word.eq_ignore_ascii_case(w))
        // An author's box: "About Victor Davis Hanson".
        && !(first_word.eq_ignore_ascii_case("about") && words.len() <= 4)
        // "Bruce Y. Lee Senior Contributor", "Follow Victor Davis Hanson on Twitter".
        && ![
            "contributor",
            "correspondent",
            "reporter",
            "columnist",
            "twitter",
            "facebook",
            "instagram",
        ]
        .iter()
        .any(|w| last_word.eq_ignore_ascii_case(w))
        && !phrases::ends_with_credit(t)
        && !is_photo_credit(t)
}

/// Whether a line credits a picture agency, as a photo's credit does ("Alex Wong | Getty
/// Images", "… Kathrin Ziegler/Getty", "Jupiterimages, Getty Images/Creatas RF"); they
/// publish no headlines.
fn is_photo_credit(t: &str) -> bool {
    let lower = t.trim_end_matches([')', ']', '.', ' ']).to_lowercase();
    let ends_with = |name: &str| {
        lower
            .strip_suffix(name)
            .is_some_and(|before| before.ends_with([' ', '/', '|', ',', '(']))
    };
    [
        "getty images",
        "getty",
        "shutterstock",
        "istock",
        "istockphoto",
        "ap photo",
    ]
    .iter()
    .any(|name| ends_with(name))
        || lower.contains("getty images/")
        || lower.contains(", getty images")
}

/// A leading "date 2023-06-21" (or "Dated: …"): the date and the text after it.
fn leading_date(text: &str) -> Option<(Date, &str)> {
    let t = text.trim_start();
    let lower_head: String = t.chars().take(6).collect::<String>().to_lowercase();
    let skip = if lower_head.starts_with("dated:")
        || lower_head.starts_with("dated ")
        || lower_head.starts_with("date: ")
    {
        6
    } else if lower_head.starts_with("date ") {
        5
    } else {
        return None;
    };
    let after = t[skip..].trim_start();
    let end = after.find(char::is_whitespace).unwrap_or(after.len());
    let d: Date = after[..end].parse().ok()?;
    Some((d, &after[end..]))
}

/// The text after a dateline ("ISLAMABAD: The fifth round…" → "The fifth round…").
fn strip_dateline(text: &str, has_dateline: bool) -> &str {
    if !has_dateline {
        return text;
    }
    let mut end = text.len().min(120);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = &text[..end];
    let cut = [": ", ") ", " — ", " – ", " - "]
        .iter()
        .filter_map(|sep| window.find(sep).map(|i| i + sep.len()))
        .min();
    match cut {
        Some(i) => text[i..].trim_start(),
        None => text,
    }
}

/// The first sentence of `text`, at most about 250 characters (cut at a word).
fn first_sentence(text: &str) -> &str {
    let mut end = text.len();
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if matches!(c, b'.' | b'!' | b'?')
            && b.get(i + 1) == Some(&b' ')
            && b.get(i + 2).is_some_and(u8::is_ascii_uppercase)
            && !is_abbreviation(&text[..i])
        {
            end = i + 1;
            break;
        }
    }
    let s = &text[..end];
    if s.len() <= 250 {
        return s.trim();
    }
    let mut cut = 250;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    match s[..cut].rfind(' ') {
        Some(i) => s[..i].trim(),
        None => s[..cut].trim(),
    }
}

fn is_abbreviation(before: &str) -> bool {
    let last = before.rsplit(' ').next().unwrap_or("");
    matches!(
        last,
        "Mr" | "Mrs"
            | "Ms"
            | "Dr"
            | "Prof"
            | "St"
            | "Gen"
            | "Col"
            | "Lt"
            | "Sgt"
            | "Gov"
            | "Sen"
            | "Rep"
            | "U.S"
            | "No"
    ) || last.len() == 1
}

/// A date (and time) as RFC 3339: a date alone; a local date-time when the text gives no
/// zone and none is configured; with the offset otherwise.
pub fn format(f: &dates::Found, zone: Option<&TimeZone>) -> String {
    let Some(t) = f.time else {
        return f.date.to_string();
    };
    let dt = f.date.to_datetime(t);
    let tz = match (f.offset, zone) {
        (Some(secs), _) => Offset::from_seconds(secs).ok().map(TimeZone::fixed),
        (None, Some(z)) => Some(z.clone()),
        (None, None) => None,
    };
    match tz.and_then(|tz| dt.to_zoned(tz).ok()) {
        Some(z) => z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => dt.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// Inner whitespace squeezed, ends trimmed.
fn squeeze(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_and_without_zone() {
        let f = dates::find("April 06, 2025 | 06:10 PM").expect("date");
        assert_eq!(format(&f, None), "2025-04-06T18:10:00");
        let tz = TimeZone::get("Asia/Karachi").expect("tzdb");
        assert_eq!(format(&f, Some(&tz)), "2025-04-06T18:10:00+05:00");
        let f = dates::find("Nov. 19, 2019 8:03 am EST").expect("date");
        assert_eq!(format(&f, Some(&tz)), "2019-11-19T08:03:00-05:00");
        let f = dates::find("Friday, September 20, 2024").expect("date");
        assert_eq!(format(&f, Some(&tz)), "2024-09-20");
    }

    #[test]
    fn leading_dates_and_first_sentences() {
        let (d, rest) = leading_date(" date 2023-06-21 ISLAMABAD: The fifth").expect("date");
        assert_eq!(d.to_string(), "2023-06-21");
        assert_eq!(rest, " ISLAMABAD: The fifth");
        assert!(leading_date("dates are fun").is_none());
        assert_eq!(
            first_sentence(strip_dateline(
                "ISLAMABAD: The round was held by Dr. Khan on Tuesday. Both agreed.",
                true
            )),
            "The round was held by Dr. Khan on Tuesday."
        );
        // A character across byte 120, where the dateline window ends (found at 1M articles).
        let long = format!("BEIJING: {}\u{2019}s words.", "x".repeat(109));
        assert_eq!(long.find('\u{2019}'), Some(118));
        assert_eq!(
            strip_dateline(&long, true),
            &long["BEIJING: ".len()..],
            "no panic, and the dateline still cut"
        );
    }
}
