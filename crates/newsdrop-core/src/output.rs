//! The output record: one JSON object per article, the only type newsdrop serialises for
//! consumers. `schema_version` comes first; the JSON Schema generated from this type is
//! checked into the repo (`schema/article.schema.json`) and a test keeps the two in step.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Article, DedupVerdict, Format, Tag};

/// Bump when a field changes meaning or disappears; adding an optional field does not.
pub const SCHEMA_VERSION: u32 = 1;

/// One emitted article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleRecord {
    pub schema_version: u32,
    /// Stable id derived from the content and the file name (32 hex chars).
    pub id: String,
    pub source: SourceRecord,
    /// When the daemon claimed the file (RFC 3339, UTC).
    pub received_at: String,
    pub title: Option<String>,
    /// The title was made from the first sentence, not found on the page.
    pub title_derived: bool,
    /// RFC 3339 date (`2024-09-20`) or date-time.
    pub published: Option<String>,
    /// Where `published` came from.
    pub published_origin: Option<String>,
    pub authors: Vec<String>,
    pub publisher: Option<String>,
    pub dateline: Option<String>,
    pub language: Option<String>,
    pub url: Option<String>,
    /// Clean text, paragraphs separated by a blank line.
    pub body: String,
    pub tags: Vec<Tag>,
    /// Null when the pipeline has no dedup stage.
    pub dedup: Option<DedupVerdict>,
    /// The dropped blocks and the rule that dropped each (only when `output.removed` is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<Removed>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// The dropped file's name.
    pub name: String,
    /// The inbox subfolder it was dropped in; empty for the inbox itself.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub folder: String,
    pub size: u64,
    pub sha256: String,
    pub format: Format,
    pub encoding: String,
}

/// A block the pipeline dropped, with the rule that dropped it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    pub text: String,
    pub rule: String,
    pub reason: String,
}

impl ArticleRecord {
    /// The record for `article`; `with_removed` adds the dropped blocks.
    pub fn from_article(article: &Article, with_removed: bool) -> Self {
        let meta = &article.meta;
        let removed = with_removed.then(|| {
            article
                .blocks
                .iter()
                .filter(|b| !b.keep)
                .map(|b| Removed {
                    text: b.text.clone(),
                    rule: b
                        .mark
                        .as_ref()
                        .map(|m| m.rule.to_string())
                        .unwrap_or_default(),
                    reason: b
                        .mark
                        .as_ref()
                        .map(|m| m.reason.to_string())
                        .unwrap_or_default(),
                })
                .collect()
        });
        ArticleRecord {
            schema_version: SCHEMA_VERSION,
            id: article.id.clone(),
            source: SourceRecord {
                name: article.source.name.clone(),
                folder: article.source.folder.clone(),
                size: article.source.size,
                sha256: article.source.sha256.clone(),
                format: article.format,
                encoding: article.source.encoding.clone(),
            },
            received_at: article.source.received_at.to_string(),
            title: meta.title.clone(),
            title_derived: meta.title_derived,
            published: meta.published.clone(),
            published_origin: meta.published_origin.clone(),
            authors: meta.authors.clone(),
            publisher: meta.publisher.clone(),
            dateline: meta.dateline.clone(),
            language: meta.language.clone(),
            url: meta.url.clone(),
            body: article.body(),
            tags: article.tags.clone(),
            dedup: article.dedup.clone(),
            removed,
        }
    }

    /// The JSON Schema of the record, as checked into `schema/article.schema.json`.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(ArticleRecord)).unwrap_or_default()
    }
}
