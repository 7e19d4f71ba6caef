//! The `boilerplate` rule: keeps the article, drops page chrome, recording why.
//!
//! First version (backbone): drops empty blocks only. The full rule is issue 3.

use newsdrop_core::{Article, ConfigError, Stage, StageError, StageSpec, Verdict};
use serde::Deserialize;

use crate::RuleContext;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Options {}

pub fn create(spec: &StageSpec, cx: &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
    let _: Options = cx.decode(spec)?;
    Ok(Box::new(Boilerplate))
}

const RULE: &str = "boilerplate";

struct Boilerplate;

impl Stage for Boilerplate {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        for block in &mut article.blocks {
            if block.text.trim().is_empty() {
                block.drop_by(RULE, "empty");
            }
        }
        Ok(Verdict::Continue)
    }
}
