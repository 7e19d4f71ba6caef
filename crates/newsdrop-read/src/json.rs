//! JSON (`.json`): an article already split into fields by a crawler or script.
//!
//! The body becomes paragraph blocks (split on blank lines, or on single newlines when
//! there are none); the fields a producer states (title, published, authors, …) go straight
//! into [`Meta`], since they are facts given, not guesses. Field names follow the common
//! crawler spellings and their synonyms; unknown fields are ignored.

use newsdrop_core::{Block, BlockKind, Meta};
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::ReadError;

/// Parses a JSON article into body blocks and the metadata it states.
pub(crate) fn read(text: &str) -> Result<(Vec<Block>, Meta), ReadError> {
    let object = fields(text)?;
    let blocks = body_blocks(&object)?;
    let mut meta = Meta {
        title: string(&object, &["title", "headline"]),
        publisher: string(&object, &["publisher", "source"]),
        url: string(&object, &["url", "link"]),
        language: string(&object, &["language", "lang"]),
        dateline: string(&object, &["dateline"]),
        authors: authors(&object),
        ..Meta::default()
    };
    // A stated date that is not RFC 3339 is left out (the output promises RFC 3339, and a
    // consumer sorts on it); the metadata rule may still find one in the text.
    for key in ["published", "date", "datePublished", "published_at"] {
        if let Some(date) = string(&object, &[key]).filter(|d| Meta::is_valid_published(d)) {
            meta.published = Some(date);
            meta.published_origin = Some(format!("json field {key}"));
            break;
        }
    }
    Ok((blocks, meta))
}

/// The top-level object's fields. A field whose value serde_json cannot hold is left out
/// rather than failing the article: a crawler's `"views": 1e999999` is no reason to lose
/// the story (its syntax is checked, its value never read). Of a key given twice, the
/// last counts.
fn fields(text: &str) -> Result<Map<String, Value>, ReadError> {
    let json = |e: serde_json::Error| ReadError::Json(e.to_string());
    let top: &RawValue = serde_json::from_str(text).map_err(json)?;
    if !top.get().starts_with('{') {
        let found = serde_json::from_str(top.get()).map_or("a number", |v| type_name(&v));
        return Err(ReadError::Json(format!(
            "expected an object with a \"body\" field, found {found}"
        )));
    }
    let raw: BTreeMap<String, &RawValue> = serde_json::from_str(top.get()).map_err(json)?;
    Ok(raw
        .into_iter()
        .filter_map(|(key, value)| Some((key, serde_json::from_str(value.get()).ok()?)))
        .collect())
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

/// The first of `keys` holding a non-blank string, trimmed.
fn string(object: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match object.get(*key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    })
}

/// `authors` (array of strings, or one string), else `author` (the same).
fn authors(object: &Map<String, Value>) -> Vec<String> {
    for key in ["authors", "author"] {
        let names: Vec<String> = match object.get(key) {
            Some(Value::String(s)) => vec![s.trim().to_string()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                .collect(),
            _ => continue,
        };
        let names: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
        if !names.is_empty() {
            return names;
        }
    }
    Vec::new()
}

/// The body (`body`, `text` or `content`: a string, or an array of paragraph strings) as
/// paragraph blocks.
fn body_blocks(object: &Map<String, Value>) -> Result<Vec<Block>, ReadError> {
    for key in ["body", "text", "content"] {
        match object.get(key) {
            Some(Value::String(body)) if body.trim().is_empty() => {
                return Err(ReadError::Json(format!(
                    "\"{key}\" is empty: no article to read"
                )));
            }
            Some(Value::String(body)) => return Ok(paragraphs(body)),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                return Ok(items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(paragraphs)
                    .take(crate::MAX_BLOCKS + 1)
                    .collect());
            }
            _ => {}
        }
    }
    Err(ReadError::Json(
        "no body field (expected \"body\", \"text\" or \"content\" as a string)".into(),
    ))
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

    #[track_caller]
    fn check(json: &str, body: &[&str]) -> Meta {
        let (blocks, meta) = read(json).unwrap();
        let got: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(got, body);
        assert!(
            blocks
                .iter()
                .all(|b| b.kind == BlockKind::Paragraph && b.gap_before)
        );
        meta
    }

    #[test]
    fn a_stated_date_that_is_not_rfc3339_is_left_out() {
        for (date, kept) in [
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
            let meta = check(
                &format!(r#"{{"body":"Text.","published":"{date}"}}"#),
                &["Text."],
            );
            assert_eq!(meta.published.is_some(), kept, "{date}");
        }
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
        assert_eq!(meta.language.as_deref(), Some("en"));
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
        let err = |json: &str| match read(json) {
            Err(ReadError::Json(m)) => m,
            other => panic!("{other:?}"),
        };
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
