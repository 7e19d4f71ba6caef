//! The `metadata` rule: title, publication date, authors, publisher, dateline, language, URL.
//!
//! First version (backbone): the title from the page's `<title>` or, for text, the first
//! short line that does not end a sentence. The full rule is issue 3.

use newsdrop_core::{Article, ConfigError, Stage, StageError, StageSpec, Verdict};
use serde::Deserialize;

use crate::RuleContext;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Options {}

pub fn create(spec: &StageSpec, cx: &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
    let _: Options = cx.decode(spec)?;
    Ok(Box::new(Metadata))
}

struct Metadata;

impl Stage for Metadata {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        if article.meta.title.is_none() {
            article.meta.title = article.page.title.clone().or_else(|| {
                article
                    .kept()
                    .map(|b| b.text.trim())
                    .find(|t| !t.is_empty() && t.len() < 200 && !t.ends_with('.'))
                    .map(str::to_string)
            });
        }
        Ok(Verdict::Continue)
    }
}
