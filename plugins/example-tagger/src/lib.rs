//! `example-tagger`: adds a tag to any article whose title or kept body contains one of the
//! tag's keywords, case-insensitively, as whole words. The starting point that
//! `cargo xtask new-plugin NAME` copies.
//!
//! ```toml
//! [[stage]]
//! rule = "plugin:target/release/libexample_tagger.so"
//! keywords = { "topic:diplomacy" = ["talks", "visit"] }
//! ```

use std::collections::BTreeMap;

use newsdrop_sdk::{Article, Error, Example, Plugin, Verdict, export_plugin};

/// The stage's config.
#[derive(serde::Deserialize)]
pub struct Config {
    /// Tag id (`kind:name`) → the words that earn it.
    pub keywords: BTreeMap<String, Vec<String>>,
}

/// The configured tags, keywords lowercased.
pub struct ExampleTagger {
    tags: Vec<(String, Vec<String>)>,
}

impl Plugin for ExampleTagger {
    type Config = Config;

    fn create(config: Config) -> Result<Self, Error> {
        let mut tags = Vec::new();
        for (id, words) in config.keywords {
            let key = format!("keywords.{id}");
            if !id
                .split_once(':')
                .is_some_and(|(k, n)| !k.is_empty() && !n.is_empty())
            {
                return Err(Error::at_key(
                    key,
                    "a tag id is `kind:name`, such as `topic:diplomacy`",
                ));
            }
            let words: Vec<String> = words.iter().map(|w| w.trim().to_lowercase()).collect();
            if words.is_empty() || words.iter().any(String::is_empty) {
                return Err(Error::at_key(key, "needs at least one non-empty keyword"));
            }
            tags.push((id, words));
        }
        Ok(ExampleTagger { tags })
    }

    fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error> {
        let mut text = article.title().unwrap_or_default().to_lowercase();
        for block in article.kept() {
            text.push('\n');
            text.push_str(&block.text.to_lowercase());
        }
        for (id, words) in &self.tags {
            let mut count = 0;
            let mut fired = Vec::new();
            for word in words {
                let n = count_words(&text, word);
                if n > 0 {
                    count += n;
                    fired.push(word.as_str());
                }
            }
            if count > 0 {
                let label = id.split_once(':').map_or(id.as_str(), |(_, name)| name);
                article.add_tag(id, label, count, &fired.join(", "))?;
            }
        }
        Ok(Verdict::Continue)
    }

    fn examples() -> Vec<Example> {
        let config = r#"keywords = { "topic:diplomacy" = ["talks", "visit"] }"#;
        vec![
            Example::new("a keyword in the title tags the article")
                .config(config)
                .title("Talks resume in Geneva")
                .line("Nothing else here.")
                .expect_tag("topic:diplomacy"),
            Example::new("keywords match whole words only, in any case")
                .config(config)
                .title("A quiet day")
                .line("The talkshow host visited; no VISIT was planned.")
                .expect_tag("topic:diplomacy"),
            Example::new("part of a word does not count")
                .config(config)
                .title("A quiet day")
                .line("The talkshow host visited.")
                .expect_no_tag("topic:diplomacy"),
            Example::new("a tag id needs a kind")
                .config(r#"keywords = { "diplomacy" = ["talks"] }"#)
                .expect_config_error("kind:name"),
        ]
    }
}

/// How often `word` occurs in `text` with no letter or digit on either side.
fn count_words(text: &str, word: &str) -> u32 {
    let mut count = 0;
    for (at, _) in text.match_indices(word) {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            count += 1;
        }
    }
    count
}

export_plugin!(ExampleTagger);

#[cfg(test)]
mod tests {
    use super::count_words;

    #[test]
    fn whole_words_only() {
        assert_eq!(count_words("talks, talks.talks", "talks"), 3);
        assert_eq!(count_words("talkshow stalks", "talks"), 0);
        assert_eq!(count_words("peace talks", "peace talks"), 1);
    }
}
