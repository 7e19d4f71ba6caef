//! The `Article`: one dropped file on its way through the pipeline.
//!
//! Stages annotate, they never silently delete: a block that boilerplate removes stays in
//! `blocks` with `keep = false` and a [`Mark`] naming the rule and the reason, so the output
//! can say why (`removed`). The reader fills `source`, `format`, `blocks` and `page`; the
//! rules fill `meta`, `tags` and `dedup`.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One article in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub source: Source,
    pub format: Format,
    pub blocks: Vec<Block>,
    /// Facts the page itself states (HTML head, JSON fields), for the metadata rule to weigh.
    pub page: Page,
    pub meta: Meta,
    pub tags: Vec<Tag>,
    pub dedup: Option<DedupVerdict>,
    /// Derived data rules share within one pipeline run (see [`Scratch`]); not output.
    pub scratch: Scratch,
}

impl Article {
    /// A fresh article with no blocks yet; the reader fills the rest.
    pub fn new(source: Source, format: Format) -> Self {
        Article {
            id: crate::article_id(
                &source.sha256,
                &crate::id::inbox_path(&source.folder, &source.name),
            ),
            source,
            format,
            blocks: Vec::new(),
            page: Page::default(),
            meta: Meta::default(),
            tags: Vec::new(),
            dedup: None,
            scratch: Scratch::default(),
        }
    }

    /// The blocks still kept, in order.
    pub fn kept(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.keep)
    }

    /// The clean body: kept blocks, paragraphs separated by a blank line.
    pub fn body(&self) -> String {
        let mut body = String::new();
        for block in self.kept() {
            let text = block.text.trim();
            if text.is_empty() {
                continue;
            }
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(text);
        }
        body
    }
}

/// A per-article cache of derived data, keyed by type, so that rules can share work they
/// would otherwise each redo (the boilerplate classifier's per-block features are read by
/// the metadata rule to find where the article starts, then by the boilerplate rule).
///
/// It is a cache, not state: it is not output, a clone starts empty, it takes no part in
/// equality, and whoever reads a value must check that it still fits the article (stages
/// in between may have changed the blocks). Types are private to the rule that defines
/// them, so rules cannot see each other's entries by accident.
#[derive(Default)]
pub struct Scratch {
    entries: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl Scratch {
    /// The entry of type `T`, if one was put.
    pub fn get<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.entries.iter().find_map(|e| e.downcast_ref::<T>())
    }

    /// Takes the entry of type `T` out.
    pub fn take<T: std::any::Any + Send + Sync>(&mut self) -> Option<T> {
        let i = self.entries.iter().position(|e| e.is::<T>())?;
        self.entries.swap_remove(i).downcast::<T>().ok().map(|b| *b)
    }

    /// Puts `value`, replacing any entry of the same type.
    pub fn put<T: std::any::Any + Send + Sync>(&mut self, value: T) {
        self.entries.retain(|e| !e.is::<T>());
        self.entries.push(Box::new(value));
    }
}

impl Clone for Scratch {
    /// Empty: a copy of an article recomputes what it needs.
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

impl PartialEq for Scratch {
    /// Always equal: a cache says nothing about the article.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scratch({} entries)", self.entries.len())
    }
}

/// Where the article came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The dropped file's name, without folders.
    pub name: String,
    /// The inbox subfolder it was dropped in (`""` for the inbox itself), a hint for per-source rules.
    pub folder: String,
    /// Size of the file as dropped (compressed size for `.gz`).
    pub size: u64,
    /// SHA-256 of the dropped bytes, lowercase hex.
    pub sha256: String,
    pub received_at: Timestamp,
    /// The text encoding the reader decoded (`UTF-8`, `windows-1252`, …).
    pub encoding: String,
}

/// The input format, from the file extension (after stripping `.gz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Markdown,
    Html,
    Json,
}

/// A unit of text: a line of a text dump, an HTML block element, a JSON body paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub text: String,
    pub kind: BlockKind,
    /// Whether the block belongs to the article body.
    pub keep: bool,
    /// The rule that last decided `keep`, and why.
    pub mark: Option<Mark>,
    /// A paragraph boundary precedes this block (a blank line in text, a new block element in HTML).
    pub gap_before: bool,
    /// DOM context, for blocks read from HTML.
    pub dom: Option<DomHints>,
}

impl Block {
    pub fn new(text: impl Into<String>, kind: BlockKind) -> Self {
        Block {
            text: text.into(),
            kind,
            keep: true,
            mark: None,
            gap_before: true,
            dom: None,
        }
    }

    /// Marks the block dropped by `rule`, recording why.
    pub fn drop_by(
        &mut self,
        rule: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) {
        self.keep = false;
        self.mark = Some(Mark {
            rule: rule.into(),
            reason: reason.into(),
        });
    }

    /// Marks the block kept by `rule`, recording why.
    pub fn keep_by(
        &mut self,
        rule: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) {
        self.keep = true;
        self.mark = Some(Mark {
            rule: rule.into(),
            reason: reason.into(),
        });
    }
}

/// What kind of block the reader saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A line of a plain-text dump.
    Line,
    Paragraph,
    /// A heading with its level (1–6).
    Heading(u8),
    ListItem,
    Quote,
    Code,
    /// A table cell or row.
    Table,
    /// An image caption (`<figcaption>`).
    Caption,
}

/// Who decided a block's fate, and why. Built-in rules name themselves and most of their
/// reasons with constant strings, so a page's hundreds of dropped lines cost no allocation
/// (`Cow::Borrowed`); a plugin's or a formatted reason is owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub rule: Cow<'static, str>,
    pub reason: Cow<'static, str>,
}

/// Where an HTML block sat in the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomHints {
    /// The element's tag name (`p`, `h2`, `li`, `div`, …).
    pub tag: String,
    /// Ancestors from `body` down, as `tag#id.class` steps joined by `>` (long paths keep
    /// the first and the last steps, with a `…` step between).
    pub path: String,
    /// Document-order numbers of the elements of `path`'s steps (the `…` has none), so
    /// that two blocks share an ancestor exactly when they share a number: the tree, for
    /// extractors that score containers.
    pub ancestors: Vec<u32>,
    /// Characters of the block's text that sit inside links.
    pub link_chars: u32,
}

/// What the page states about itself, before any rule weighs it: an HTML page's head, or
/// the fields of a JSON input that the reader leaves for the rules to weigh.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// `<title>` of an HTML page.
    pub title: Option<String>,
    /// `<html lang>`, or a JSON input's `language` field as given (`en-US`, `English`).
    pub lang: Option<String>,
    /// `<link rel=canonical>`.
    pub canonical: Option<String>,
    /// `<meta>` tags as (name or property, content), in document order.
    pub meta: Vec<(String, String)>,
    /// Raw JSON-LD scripts.
    pub json_ld: Vec<String>,
    /// `<time datetime>` values, in document order.
    pub times: Vec<String>,
    /// A JSON input's date fields that are not RFC 3339 (`"20 Sep 2024 10:15"`), as (field
    /// name, value): the metadata rule reads them as it reads a page's dates.
    pub stated_dates: Vec<(String, String)>,
}

/// The node of a JSON-LD `graph` that `value` refers to, when `value` is a bare reference
/// to one: an object with an `@id` and no name (`"author": {"@id": "…#/schema/person/…"}`,
/// how WordPress's Yoast gives every author and publisher), naming a node that states more
/// than its id. Used where a page's JSON-LD (the metadata rule) or a JSON input's `@graph`
/// (the reader) names its author or publisher.
pub fn json_ld_referenced<'a>(
    value: &serde_json::Value,
    graph: &'a [serde_json::Value],
) -> Option<&'a serde_json::Value> {
    let o = value.as_object()?;
    if o.contains_key("name") {
        return None;
    }
    let id = o.get("@id")?.as_str()?;
    graph.iter().find(|n| {
        n.get("@id").and_then(serde_json::Value::as_str) == Some(id)
            && n.as_object().is_some_and(|n| n.len() > 1)
    })
}

/// Metadata of the article, set by rules (or by the reader for fields a JSON input gives).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    pub title: Option<String>,
    /// The title was made from the first sentence, not found on the page.
    pub title_derived: bool,
    /// RFC 3339 date or date-time.
    pub published: Option<String>,
    /// Where `published` came from.
    pub published_origin: Option<String>,
    pub authors: Vec<String>,
    pub publisher: Option<String>,
    pub dateline: Option<String>,
    /// BCP 47 / ISO 639-1 code.
    pub language: Option<String>,
    pub url: Option<String>,
}

impl Meta {
    /// Whether `value` is what `published` promises: an RFC 3339 date-time (with its
    /// offset) or a full date. Checked where a value comes from outside the rules' own date
    /// reading (a JSON input's field, a plugin's `meta_set`).
    ///
    /// Exactly RFC 3339's shape (`2024-09-20`, `2024-09-20T10:15:00Z`,
    /// `2024-09-20T10:15:00.5+02:00`): the date parser would also take a space for the `T`,
    /// an offset without its colon or a zone in brackets, which a consumer's RFC 3339
    /// parser refuses.
    pub fn is_valid_published(value: &str) -> bool {
        rfc3339_shaped(value)
            && (value.parse::<jiff::Timestamp>().is_ok()
                || (value.len() == 10 && value.parse::<jiff::civil::Date>().is_ok()))
            && !Meta::is_placeholder_date(value)
    }

    /// Whether a date (`YYYY-MM-DD…`) is what sites print for "no date": a year before
    /// 1800 or after 2200 (`0001-01-01` is .NET's and JSON-LD templates' empty date), or the
    /// first day of 1970 or of 1900 (a zero Unix timestamp; a zero SQL or spreadsheet date).
    /// No news page was published on those.
    pub fn is_placeholder_date(value: &str) -> bool {
        let Some(year) = value.get(..4).and_then(|y| y.parse::<u32>().ok()) else {
            return false;
        };
        let day = value.get(..10).unwrap_or(value);
        !(1800..=2200).contains(&year) || day == "1970-01-01" || day == "1900-01-01"
    }
}

/// Whether `v` is shaped as an RFC 3339 full date or date-time with an offset (digits where
/// digits go, `T`, `Z` or `±HH:MM`); whether its values are a real date is the parser's.
fn rfc3339_shaped(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date = digits(0, 4) && at(4, b'-') && digits(5, 7) && at(7, b'-') && digits(8, 10);
    if b.len() == 10 || !date {
        return date;
    }
    let time = at(10, b'T')
        && digits(11, 13)
        && at(13, b':')
        && digits(14, 16)
        && at(16, b':')
        && digits(17, 19);
    if !time {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// A canonical tag such as `country:PK` or `person:valentina-matviyenko`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tag {
    pub id: String,
    /// `country`, `person`, `org`, `topic`, `place`, or a plugin's own kind.
    pub kind: String,
    pub label: String,
    /// How many times the article mentions it.
    pub count: u32,
    /// Which rule (file and string) fired.
    pub rule: String,
}

/// The dedup verdict for one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DedupVerdict {
    pub status: DedupStatus,
    /// The id of the earliest article of the story, for `exact` and `near`.
    pub of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containment: Option<f64>,
    /// Fingerprints shared with `of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<u32>,
    /// Which check decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl DedupVerdict {
    /// The verdict for an article that is no copy of an earlier one.
    pub fn unique() -> Self {
        DedupVerdict {
            status: DedupStatus::Unique,
            of: None,
            similarity: None,
            containment: None,
            shared: None,
            rule: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DedupStatus {
    Unique,
    Exact,
    Near,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_must_be_shaped_as_rfc3339() {
        for ok in [
            "2024-09-20",
            "2024-09-20T10:15:00Z",
            "2024-09-20T10:15:00+05:30",
            "2024-09-20T10:15:00.250-04:00",
        ] {
            assert!(Meta::is_valid_published(ok), "{ok}");
        }
        for bad in [
            "2024-09-20 10:15:00+02:00",
            "2024-09-20T10:15:00+0530",
            "2024-09-20T10:15:00+02:00[Europe/Berlin]",
            "2024-09-20t10:15:00z",
            "2024-09-20T10:15:00",
            "2024-09-20T10:15Z",
            "2024-9-20",
            "2024-02-30",
            "2024-09-20T25:15:00Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(!Meta::is_valid_published(bad), "{bad}");
        }
    }

    #[test]
    fn scratch_holds_one_value_per_type_and_is_not_copied() {
        let mut s = Scratch::default();
        s.put(1u32);
        s.put(String::from("a"));
        s.put(2u32);
        assert_eq!(s.get::<u32>(), Some(&2));
        assert_eq!(s.take::<String>().as_deref(), Some("a"));
        assert_eq!(s.take::<String>(), None);
        let copy = s.clone();
        assert_eq!(copy.get::<u32>(), None);
        assert_eq!(copy, s);
    }
}
