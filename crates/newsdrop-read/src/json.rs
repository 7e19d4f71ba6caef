//! JSON (`.json`): an article already split into fields by a crawler or script.
//!
//! The body becomes paragraph blocks (split on blank lines, or on single newlines when
//! there are none), or, when it is HTML (a CMS's rendered content, `<p>…</p>`), the blocks
//! the HTML reader makes of it. The fields a producer states (title, published, authors, …)
//! go straight into [`Meta`], since they are facts given, not guesses, with their entities
//! and tags read as HTML would read them (`Biden&#8217;s`). Two are left for the metadata
//! rule to weigh, in [`Page`], as an HTML page's head would state them: the language (a tag
//! or a name, `en-GB` or `English`) and a date that is not RFC 3339. Field names follow the
//! common shapes an article is exported in (a crawler's own, schema.org's `NewsArticle`,
//! a JSON Feed item, a news API's article, WordPress's REST API), so a `{"rendered": "…"}`
//! or `{"name": "…"}` object counts as its string; unknown fields are ignored.

use newsdrop_core::article::json_ld_referenced;
use newsdrop_core::{Block, BlockKind, Meta, Page};
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ReadError;

/// Fields the body is read from, in this order.
const BODY_FIELDS: [&str; 7] = [
    "body",
    "text",
    "content",
    "articleBody",
    "content_html",
    "content_text",
    // An Editor.js document as its editor saves it: `{"time": …, "blocks": […]}`.
    "blocks",
];

/// Fields a publication date is read from, in this order.
const DATE_FIELDS: [&str; 8] = [
    "published",
    "date_gmt",
    "date",
    "datePublished",
    "published_at",
    "publishedAt",
    "date_published",
    "pubDate",
];

/// Parses a JSON article into body blocks, the metadata it states and the statements left
/// for the rules.
pub(crate) fn read(text: &str) -> Result<(Vec<Block>, Meta, Page), ReadError> {
    let object = fields(text)?;
    let blocks = body_blocks(&object)?;
    let mut meta = Meta {
        title: string(&object, &["title", "headline"]),
        publisher: string(&object, &["publisher", "source", "site_name"]),
        url: string(&object, &["url", "link"]),
        dateline: string(&object, &["dateline"]),
        authors: authors(&object),
        ..Meta::default()
    };
    let mut page = Page {
        lang: string(&object, &["language", "lang", "inLanguage"]),
        ..Page::default()
    };
    // The output promises RFC 3339 (a consumer sorts on it): a date in another form is left
    // for the metadata rule, which reads it as it reads a page's dates or leaves it out.
    for key in DATE_FIELDS {
        let Some(value) = object.get(key) else {
            continue;
        };
        let Some(mut date) = epoch_date(value).or_else(|| string(&object, &[key])) else {
            continue;
        };
        // WordPress's `date` is the site's local time; `date_gmt` is the same in UTC.
        if key == "date_gmt" && Meta::is_valid_published(&format!("{date}Z")) {
            date.push('Z');
        }
        if Meta::is_valid_published(&date) {
            meta.published = Some(date);
            meta.published_origin = Some(format!("json field {key}"));
            break;
        }
        page.stated_dates.push((key.to_string(), date));
    }
    Ok((blocks, meta, page))
}

/// A Unix time (a number, or a string of digits) as an RFC 3339 UTC time: seconds, or
/// milliseconds (JavaScript's `Date.now()`), from 1990 to 2100. Other numbers are no
/// dates a news article has.
fn epoch_date(value: &Value) -> Option<String> {
    let n: i64 = match value {
        Value::Number(n) => n.as_i64()?,
        // A field's text (a string, a `{"rendered": …}` object) of digits alone.
        other => {
            let s = text_of(other)?.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()?
        }
    };
    // 1990-01-01 and 2100-01-01, in seconds.
    const SPAN: std::ops::RangeInclusive<i64> = 631_152_000..=4_102_444_800;
    let ts = if SPAN.contains(&n) {
        jiff::Timestamp::from_second(n).ok()?
    } else if SPAN.contains(&(n / 1000)) {
        jiff::Timestamp::from_millisecond(n).ok()?
    } else {
        return None;
    };
    Some(ts.to_string())
}

/// The top-level object's fields. A field whose value serde_json cannot hold is left out
/// rather than failing the article: a crawler's `"views": 1e999999` is no reason to lose
/// the story (its syntax is checked, its value never read). Of a key given twice, the
/// last counts.
///
/// A body field that cannot be read (a lone surrogate, `"\ud83d"`, is no Unicode) fails the
/// article with its name: taking the next body field (a teaser) would lose the story
/// without a word.
fn fields(text: &str) -> Result<Map<String, Value>, ReadError> {
    let json = |e: serde_json::Error| {
        // Several objects, one per line: JSON Lines, not one article.
        let lines = e.to_string().starts_with("trailing characters")
            && text.trim_start().starts_with('{')
            && text.contains("}\n{");
        ReadError::Json(if lines {
            format!("{e} (one article per file: this looks like JSON Lines, one object per line)")
        } else {
            e.to_string()
        })
    };
    let mut top: &RawValue = serde_json::from_str(text).map_err(json)?;
    // `[{…}]`: an array of one article is that article; of several, not one article.
    if let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(top.get()) {
        match items.as_slice() {
            [one] if one.get().starts_with('{') => top = one,
            [_, _, ..] => {
                return Err(ReadError::Json(format!(
                    "found an array of {} items: one article per file, as an object",
                    items.len()
                )));
            }
            _ => {}
        }
    }
    if !top.get().starts_with('{') {
        let found = serde_json::from_str(top.get()).map_or("a number", |v| type_name(&v));
        return Err(ReadError::Json(format!(
            "expected an object with a \"body\" field, found {found}"
        )));
    }
    let raw: BTreeMap<String, &RawValue> = serde_json::from_str(top.get()).map_err(json)?;
    let mut object = Map::new();
    for (key, value) in raw {
        match serde_json::from_str(value.get()) {
            Ok(value) => {
                object.insert(key, value);
            }
            Err(e) if BODY_FIELDS.contains(&key.as_str()) => {
                return Err(ReadError::Json(format!("\"{key}\" cannot be read: {e}")));
            }
            Err(_) => {}
        }
    }
    // JSON-LD's `{"@context": …, "@graph": [{"@type": "WebPage", …}, {"@type":
    // "NewsArticle", "articleBody": …}]}`: the article is the node with a body.
    let has_body = |o: &Map<String, Value>| BODY_FIELDS.iter().any(|k| o.contains_key(*k));
    if !has_body(&object)
        && let Some(Value::Array(graph)) = object.get("@graph")
        && let Some(article) = graph
            .iter()
            .filter_map(Value::as_object)
            .find(|o| has_body(o))
    {
        let mut article = article.clone();
        for key in ["author", "publisher"] {
            if let Some(value) = article.get_mut(key) {
                follow_references(value, graph);
            }
        }
        return Ok(article);
    }
    Ok(object)
}

/// Replaces a bare reference to another node of the graph ([`json_ld_referenced`]) by that
/// node, in `value` or in the array it is.
fn follow_references(value: &mut Value, graph: &[Value]) {
    if let Value::Array(items) = value {
        items
            .iter_mut()
            .for_each(|item| follow_references(item, graph));
    } else if let Some(node) = json_ld_referenced(value, graph) {
        *value = node.clone();
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field's text: a string, or the string of an object that names or renders something:
/// `{"rendered": "…"}` (WordPress's titles and content), `{"name": "…"}` (schema.org's and
/// JSON Feed's authors and publishers, a news API's source).
fn text_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => ["rendered", "name"]
            .iter()
            .find_map(|key| o.get(*key).and_then(Value::as_str)),
        _ => None,
    }
}

/// The first of `keys` holding non-blank text, trimmed, its entities and tags read as HTML
/// when it has any.
fn string(object: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|key| object.get(*key).and_then(text_of))
        .map(field_text)
        .find(|s| !s.is_empty())
}

/// A field's text on one line: read as HTML when it holds a tag or an entity, trimmed,
/// without NULs (which JSON may escape, but no text holds, and PostgreSQL refuses).
fn field_text(s: &str) -> String {
    let mut text = if tags_in(s) > 0 || has_reference(s) {
        crate::html::fragment_text(s)
    } else {
        s.trim().to_string()
    };
    text.retain(|c| c != '\0');
    text
}

/// `authors`, else `author`: a name, or an array of them (strings, or `{"name": "…"}`).
fn authors(object: &Map<String, Value>) -> Vec<String> {
    for key in ["authors", "author"] {
        let names: Vec<String> = match object.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| text_of(v).map(field_text))
                .collect(),
            Some(v) => text_of(v).map(field_text).into_iter().collect(),
            None => continue,
        };
        let names: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
        if !names.is_empty() {
            return names;
        }
    }
    Vec::new()
}

/// The body (`body`, `text`, `content`, `articleBody`, `content_html`, `content_text` or
/// `blocks`: a string, or an array of paragraphs: strings or block objects, see
/// [`item_text`]) as blocks.
fn body_blocks(object: &Map<String, Value>) -> Result<Vec<Block>, ReadError> {
    for key in BODY_FIELDS {
        match object.get(key) {
            Some(Value::Array(items)) if items.iter().any(|i| item_text(i).is_some()) => {
                return Ok(items
                    .iter()
                    .filter_map(item_text)
                    .flat_map(|t| body_text(&t))
                    .take(crate::MAX_BLOCKS + 1)
                    .collect());
            }
            Some(value) => match text_of(value) {
                Some(body) if body.trim().is_empty() => {
                    return Err(ReadError::Json(format!(
                        "\"{key}\" is empty: no article to read"
                    )));
                }
                Some(body) => return Ok(body_text(body)),
                None => {}
            },
            None => {}
        }
    }
    Err(ReadError::Json(format!(
        "no body field (expected one of {} as a string)",
        BODY_FIELDS.map(|k| format!("\"{k}\"")).join(", ")
    )))
}

/// A paragraph of a body given as an array: a string, or a block of a CMS's or an editor's
/// export: `{"type": "paragraph", "text": "…"}` (or `content`, `html`, `value`), Editor.js's
/// `{"data": {"text": "…"}}`, Portable Text's `{"children": [{"text": "…"}, …]}` (its
/// spans, joined), Editor.js's lists and checklists (`{"data": {"items": […]}}`: an item a
/// paragraph, nested lists' items after their parent's). Blocks without text (images,
/// embeds) have none.
fn item_text(item: &Value) -> Option<String> {
    let Value::Object(o) = item else {
        return item.as_str().map(str::to_string);
    };
    let own = ["text", "content", "html", "value", "body"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .or_else(|| o.get("data")?.get("text")?.as_str());
    if let Some(text) = own {
        return Some(text.to_string());
    }
    if let Some(Value::Array(items)) = o.get("data").and_then(|d| d.get("items")) {
        let mut lines = Vec::new();
        list_items(items, &mut lines);
        return (!lines.is_empty()).then(|| lines.join("\n\n"));
    }
    let spans = o.get("children")?.as_array()?;
    let text: String = spans
        .iter()
        .filter_map(|s| s.get("text")?.as_str())
        .collect();
    (!text.is_empty()).then_some(text)
}

/// The texts of an Editor.js list's items, in order: strings, or `{"content": …, "items":
/// […]}` (nested lists) and `{"text": …}` (checklists).
fn list_items(items: &[Value], out: &mut Vec<String>) {
    for item in items {
        let text = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => ["content", "text"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str)),
            _ => None,
        };
        out.extend(
            text.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        );
        if let Some(Value::Array(nested)) = item.get("items") {
            list_items(nested, out);
        }
    }
}

/// A body string's blocks: the HTML reader's when it is HTML, else its paragraphs, each
/// read as HTML when it holds markup (`the <em>new</em> rules`, `AT&amp;T`, a `<script>`).
/// A news API's mark of a body it cut (`… [+2345 chars]`) goes, and so do NULs.
///
/// It is HTML when it holds a tag that makes paragraphs or lines (`<p>`, `<br>`, `<li>`
/// …). Inline tags alone leave it text, whose blank lines are its paragraphs; and one
/// tag (a story about web pages naming `<b>`) leaves a paragraph as it is.
fn body_text(body: &str) -> Vec<Block> {
    let mut blocks = if has_block_tag(body) {
        crate::html::read(body).0
    } else {
        let mut blocks = paragraphs(body);
        for block in &mut blocks {
            if tags_in(&block.text) >= 2 || has_reference(&block.text) || has_script(&block.text) {
                block.text = crate::html::fragment_text(&block.text);
            }
        }
        blocks
    };
    if let Some(last) = blocks.last_mut() {
        cut_truncation_mark(&mut last.text);
    }
    for block in &mut blocks {
        block.text.retain(|c| c != '\0');
    }
    blocks.retain(|b| !b.text.trim().is_empty());
    blocks
}

/// Cuts a news API's mark of a body it truncated: `… [+2345 chars]`.
fn cut_truncation_mark(text: &mut String) {
    let end = text.trim_end().len();
    let Some(open) = text[..end]
        .strip_suffix(" chars]")
        .and_then(|t| t.rfind("[+"))
    else {
        return;
    };
    let count = &text[open + 2..end - " chars]".len()];
    if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) {
        text.truncate(open);
        let kept = text.trim_end().len();
        text.truncate(kept);
    }
}

/// Tags that make paragraphs or lines: a string with one is HTML.
const BLOCK_TAGS: [&str; 21] = [
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "table",
    "tr",
    "section",
    "article",
    "pre",
    "hr",
];

fn has_block_tag(s: &str) -> bool {
    tags_of(s, &BLOCK_TAGS).next().is_some()
}

/// Elements whose content is never text: a paragraph with one is read as HTML, which
/// leaves it out.
const HIDDEN_TAGS: [&str; 4] = ["script", "style", "iframe", "noscript"];

fn has_script(s: &str) -> bool {
    tags_of(s, &HIDDEN_TAGS).next().is_some()
}

/// The tags in `s` (start or end) of the elements `names`, any case.
fn tags_of<'a>(s: &'a str, names: &'a [&str]) -> impl Iterator<Item = &'a [u8]> {
    tag_names(s).filter(|name| is_one_of(name, names))
}

/// Whether the tag name `name` is one of `names`, any case.
fn is_one_of(name: &[u8], names: &[&str]) -> bool {
    names
        .iter()
        .any(|t| t.as_bytes().eq_ignore_ascii_case(name))
}

/// The names of the tags (start or end) in `s`: `<` and a name followed by `>`, `/` or
/// white space.
fn tag_names(s: &str) -> impl Iterator<Item = &[u8]> {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b'<', bytes).filter_map(move |i| {
        let rest = &bytes[i + 1..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        matches!(
            rest.get(name),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
        )
        .then(|| &rest[..name])
    })
}

/// Inline elements (and `img`, `td`): with [`BLOCK_TAGS`], the elements an article's HTML
/// is made of.
const INLINE_TAGS: [&str; 9] = ["span", "a", "em", "strong", "b", "i", "u", "img", "td"];

/// How many tags of an article's elements ([`BLOCK_TAGS`], [`INLINE_TAGS`]) `s` holds,
/// counting to two.
fn tags_in(s: &str) -> usize {
    tag_names(s)
        .filter(|name| is_one_of(name, &BLOCK_TAGS) || is_one_of(name, &INLINE_TAGS))
        .take(2)
        .count()
}

/// Whether `s` holds a character reference (`&amp;`, `&#8217;`, `&#x2019;`).
fn has_reference(s: &str) -> bool {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b'&', bytes).any(|i| {
        let rest = &bytes[i + 1..];
        let rest = rest.strip_prefix(b"#").unwrap_or(rest);
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        name > 0 && rest.get(name) == Some(&b';')
    })
}

/// Splits a body into paragraphs: on blank lines if it has any (the lines of one paragraph
/// joined with spaces), else one paragraph per line. Stops past [`crate::MAX_BLOCKS`]
/// (the article fails).
fn paragraphs(body: &str) -> Vec<Block> {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.trim().split('\n').map(str::trim).collect();
    let has_blank_lines = lines.iter().any(|l| l.is_empty());
    let mut blocks = Vec::new();
    if has_blank_lines {
        let mut current = String::new();
        for line in lines.iter().chain(std::iter::once(&"")) {
            if line.is_empty() {
                if !current.is_empty() {
                    blocks.push(Block::new(
                        std::mem::take(&mut current),
                        BlockKind::Paragraph,
                    ));
                }
                if crate::over_block_limit(&blocks) {
                    break;
                }
            } else {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(line);
            }
        }
    } else {
        blocks.extend(
            lines
                .iter()
                .filter(|l| !l.is_empty())
                .take(crate::MAX_BLOCKS + 1)
                .map(|l| Block::new(*l, BlockKind::Paragraph)),
        );
    }
    blocks
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    /// The message of the JSON error `json` fails with.
    #[track_caller]
    fn json_error(json: &str) -> String {
        match read(json) {
            Err(ReadError::Json(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[track_caller]
    fn check(json: &str, body: &[&str]) -> Meta {
        let (blocks, meta, _) = read(json).unwrap();
        let got: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(got, body);
        assert!(
            blocks
                .iter()
                .all(|b| b.kind == BlockKind::Paragraph && b.gap_before)
        );
        meta
    }

    /// A date in RFC 3339 is taken as given; any other is left to the metadata rule, which
    /// reads it as a page's date (its tests: `metadata::page`).
    #[test]
    fn a_stated_date_that_is_not_rfc3339_is_left_for_the_rules() {
        for (date, taken) in [
            ("2024-09-20", true),
            ("2024-09-20T10:15:00+05:00", true),
            ("2024-09-20T10:15:00Z", true),
            ("yesterday afternoon", false),
            ("20/09/2024", false),
            ("2024-13-45", false),
            ("Fri, 20 Sep 2024 10:15:00 +0000", false),
            // Placeholders, not dates.
            ("0001-01-01T00:00:00Z", false),
            ("2999-01-01", false),
        ] {
            let (_, meta, page) =
                read(&format!(r#"{{"body":"Text.","published":"{date}"}}"#)).unwrap();
            assert_eq!(meta.published.is_some(), taken, "{date}");
            let left = [("published".to_string(), date.to_string())];
            assert_eq!(page.stated_dates, left[..usize::from(!taken)], "{date}");
        }
        // The first date in RFC 3339 is taken; the ones before it stay stated.
        let (_, meta, page) =
            read(r#"{"body":"x","published":"20 Sep 2024","date":"2024-09-20"}"#).unwrap();
        assert_eq!(meta.published.as_deref(), Some("2024-09-20"));
        assert_eq!(meta.published_origin.as_deref(), Some("json field date"));
        assert_eq!(page.stated_dates.len(), 1);
    }

    /// A CMS's rendered content is HTML: its paragraphs are the HTML reader's blocks, and
    /// entities and tags in fields are read as a browser shows them.
    #[test]
    fn an_html_body_and_fields_with_markup_are_read_as_html() {
        let (blocks, meta, _) = read(
            r#"{"title":{"rendered":"Biden&#8217;s <em>plan</em> &amp; more"},
                "author":"A.&nbsp;Writer",
                "content":{"rendered":"<p>First &ldquo;para&rdquo;\nstill first.</p>\n<h2>Sub</h2><p>Second<br>line</p>"}}"#,
        )
        .unwrap();
        let got: Vec<(&str, BlockKind)> =
            blocks.iter().map(|b| (b.text.as_str(), b.kind)).collect();
        assert_eq!(
            got,
            [
                (
                    "First \u{201c}para\u{201d} still first.",
                    BlockKind::Paragraph
                ),
                ("Sub", BlockKind::Heading(2)),
                ("Second\nline", BlockKind::Paragraph),
            ]
        );
        assert_eq!(meta.title.as_deref(), Some("Biden\u{2019}s plan & more"));
        assert_eq!(meta.authors, ["A. Writer"]);
    }

    /// The shapes articles are exported in: schema.org's `NewsArticle`, a JSON Feed item,
    /// a news API's article.
    #[test]
    fn schema_org_json_feed_and_news_api_shapes() {
        let (blocks, meta, page) = read(
            r#"{"@type":"NewsArticle","headline":"Quay opens","articleBody":"One.\n\nTwo.",
                "author":[{"@type":"Person","name":"A. Writer"},{"name":"B. Writer"}],
                "publisher":{"@type":"Organization","name":"The Courier"},
                "datePublished":"2024-09-20T10:15:00Z","inLanguage":"en-GB"}"#,
        )
        .unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(meta.title.as_deref(), Some("Quay opens"));
        assert_eq!(meta.authors, ["A. Writer", "B. Writer"]);
        assert_eq!(meta.publisher.as_deref(), Some("The Courier"));
        assert_eq!(meta.published.as_deref(), Some("2024-09-20T10:15:00Z"));
        assert_eq!(page.lang.as_deref(), Some("en-GB"));
        let (blocks, meta, _) = read(
            r#"{"id":"1","content_html":"<p>One.</p><p>Two.</p>","date_published":"2024-09-20T10:15:00+02:00",
                "authors":[{"name":"A. Writer","url":"https://x"}]}"#,
        )
        .unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(meta.authors, ["A. Writer"]);
        assert_eq!(
            meta.published_origin.as_deref(),
            Some("json field date_published")
        );
        let meta = check(
            r#"{"source":{"id":null,"name":"The Courier"},"author":"A. Writer",
                "publishedAt":"2024-09-20T10:15:00Z","content":"One."}"#,
            &["One."],
        );
        assert_eq!(meta.publisher.as_deref(), Some("The Courier"));
        assert_eq!(meta.published.as_deref(), Some("2024-09-20T10:15:00Z"));
    }

    #[test]
    fn markup_in_a_text_body_and_what_a_producer_leaves_in_it() {
        // Inline tags leave a body text: its blank lines are its paragraphs.
        check(
            "{\"body\":\"The <em>new</em> rules.\\n\\nA vote \\u0000follows.\\n\\n<script>ads.push(1)</script>\\n\\nIt ends here … [+2345 chars]\"}",
            &["The new rules.", "A vote follows.", "It ends here \u{2026}"],
        );
        // A line break is a tag that makes lines: the body is HTML.
        check(
            r#"{"body":"One line.<br/>Another line."}"#,
            &["One line.\nAnother line."],
        );
        // WordPress's UTC date is taken in UTC.
        let (_, meta, _) =
            read(r#"{"body":"x","date":"2024-09-20T10:15:00","date_gmt":"2024-09-20T08:15:00"}"#)
                .unwrap();
        assert_eq!(meta.published.as_deref(), Some("2024-09-20T08:15:00Z"));
    }

    /// A body that cannot be read fails the article by its name, rather than giving way to
    /// a teaser in another field; JSON Lines are named as such.
    #[test]
    fn a_body_that_cannot_be_read_and_json_lines_are_errors_that_say_so() {
        let m = json_error(r#"{"body":"Fans \ud83d reacted.","text":"A teaser."}"#);
        assert!(m.contains("\"body\" cannot be read"), "{m}");
        let m = json_error("{\"body\":\"one\"}\n{\"body\":\"two\"}\n");
        assert!(m.contains("JSON Lines"), "{m}");
    }

    /// Text that names a tag once, or carries entities, stays text: its paragraphs are kept
    /// apart, and its entities decoded.
    #[test]
    fn a_text_body_naming_a_tag_stays_text() {
        check(
            r#"{"body":"Use the <b> tag sparingly.\n\nAT&amp;T said &quot;no&quot;.\n\n1 < 2 & 3 > 2."}"#,
            &[
                "Use the <b> tag sparingly.",
                "AT&T said \"no\".",
                "1 < 2 & 3 > 2.",
            ],
        );
    }

    #[test]
    fn an_empty_body_is_an_error_as_an_empty_file_is() {
        for body in [r#""""#, r#"" \n ""#] {
            let err = read(&format!(r#"{{"title":"x","body":{body}}}"#)).expect_err(body);
            assert!(err.to_string().contains("empty"), "{err}");
        }
    }

    #[test]
    fn fields_become_meta() {
        let meta = check(
            r#"{"title":" Talks ","body":"One\nstill one\n\n\nTwo","published":"2024-09-20",
                "authors":["A. Writer"," ",7],"publisher":"Pak Sahafat","url":"https://x/1",
                "language":"en","dateline":"MOSCOW","extra":{"ignored":true}}"#,
            &["One still one", "Two"],
        );
        assert_eq!(meta.title.as_deref(), Some("Talks"));
        assert_eq!(meta.published.as_deref(), Some("2024-09-20"));
        assert_eq!(
            meta.published_origin.as_deref(),
            Some("json field published")
        );
        assert_eq!(meta.authors, ["A. Writer"]);
        assert_eq!(meta.publisher.as_deref(), Some("Pak Sahafat"));
        assert_eq!(meta.url.as_deref(), Some("https://x/1"));
        // Left for the metadata rule to weigh against the text, as `<html lang>` is.
        assert_eq!(meta.language, None);
        assert_eq!(meta.dateline.as_deref(), Some("MOSCOW"));
    }

    #[test]
    fn synonyms_and_single_lines() {
        let meta = check(
            r#"{"text":"a\nb\n","author":"Someone","datePublished":"2024-01-02T03:04:05Z"}"#,
            &["a", "b"],
        );
        assert_eq!(meta.authors, ["Someone"]);
        assert_eq!(
            meta.published_origin.as_deref(),
            Some("json field datePublished")
        );
        check(r#"{"content":["p1","p2\n\np3"]}"#, &["p1", "p2", "p3"]);
    }

    /// Articles wrapped or split the ways exports do it: a JSON-LD `@graph`, an array of
    /// one article, a body of block objects, a Unix time for the date.
    #[test]
    fn wrapped_and_block_structured_articles_and_epoch_dates() {
        let meta = check(
            r#"{"@context":"https://schema.org","@graph":[{"@type":"WebPage","name":"Home"},
                {"@type":"NewsArticle","headline":"Quay opens","articleBody":"One."}]}"#,
            &["One."],
        );
        assert_eq!(meta.title.as_deref(), Some("Quay opens"));
        // Yoast's graph: the author and the publisher are references to other nodes.
        let meta = check(
            r#"{"@graph":[{"@type":"Article","articleBody":"One.",
                "author":[{"@id":"https://x/#/person/1"},{"@id":"https://x/#/person/404"}],
                "publisher":{"@id":"https://x/#org"}},
                {"@type":"Person","@id":"https://x/#/person/1","name":"Jane Roe"},
                {"@type":"Organization","@id":"https://x/#org","name":"The Courier"}]}"#,
            &["One."],
        );
        assert_eq!(
            meta.authors,
            ["Jane Roe"],
            "a reference to no node is no name"
        );
        assert_eq!(meta.publisher.as_deref(), Some("The Courier"));
        let meta = check(r#" [{"title":"Only","body":"One."}] "#, &["One."]);
        assert_eq!(meta.title.as_deref(), Some("Only"));
        let m = json_error(r#"[{"body":"One."},{"body":"Two."}]"#);
        assert!(
            m.contains("array of 2 items") && m.contains("one article per file"),
            "{m}"
        );
        check(
            r#"{"body":[{"type":"paragraph","text":"One."},{"type":"image","url":"x.jpg"},
                {"type":"paragraph","data":{"text":"Two <b>bold</b> &amp; more."}},
                {"_type":"block","children":[{"_type":"span","text":"Three "},{"text":"spans."}]},
                "Four."]}"#,
            &["One.", "Two bold & more.", "Three spans.", "Four."],
        );
        // Editor.js lists (nested, as its list tool of 2024 writes them) and checklists.
        check(
            r#"{"blocks":[{"type":"paragraph","data":{"text":"Steps:"}},
                {"type":"list","data":{"style":"ordered","items":[
                    {"content":"Apply","items":[{"content":"online","items":[]}]},
                    {"content":"Wait","items":[]}]}},
                {"type":"list","data":{"items":["Flat <i>one</i>"," "]}},
                {"type":"checklist","data":{"items":[{"text":"Done","checked":true}]}}]}"#,
            &["Steps:", "Apply", "online", "Wait", "Flat one", "Done"],
        );
        // No block with text: the next body field is read.
        check(r#"{"body":[{"type":"image"}],"text":"Text."}"#, &["Text."]);
        for (date, published) in [
            ("1726827300", Some("2024-09-20T10:15:00Z")),
            ("1726827300123", Some("2024-09-20T10:15:00.123Z")),
            (r#""1726827300""#, Some("2024-09-20T10:15:00Z")),
            // Not a time a news article has: left out.
            ("42", None),
            ("-1", None),
        ] {
            let (_, meta, page) = read(&format!(r#"{{"body":"x","published":{date}}}"#)).unwrap();
            assert_eq!(meta.published.as_deref(), published, "{date}");
            assert_eq!(
                page.stated_dates.len(),
                usize::from(date.starts_with('"') && published.is_none())
            );
        }
    }

    /// A field serde_json cannot hold (a number past f64) is left out, not the article;
    /// the fields around it are read, and the last of a key given twice counts.
    #[test]
    fn a_field_out_of_range_is_left_out() {
        let meta = check(
            r#"{"views":1e999999,"title":"First","body":"Kept.","title":"Last","n":-1e400}"#,
            &["Kept."],
        );
        assert_eq!(meta.title.as_deref(), Some("Last"));
    }

    #[test]
    fn errors() {
        let err = json_error;
        assert!(err(r#"{"title":"x"}"#).contains("no body field"));
        assert!(err(r#"{"body":7}"#).contains("no body field"));
        assert!(err(" \n [1,2]").contains("found an array"));
        assert!(err("1e999999").contains("found a number"));
        // Syntax is checked in the fields left out, too.
        assert!(err(r#"{"body":"x","views":1e9e9}"#).contains("line 1"));
        let m = err("{\n\"body\": \"x\",\n}");
        assert!(m.contains("line 3"), "{m}");
    }
}
