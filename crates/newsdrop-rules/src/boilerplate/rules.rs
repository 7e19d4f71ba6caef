//! Rule files: a user's phrase lists, for every source or for some, in TOML.
//!
//! The built-in phrases name the chrome every site shares; a site's own ("Subscribe to the
//! Courier", "The Courier is an independent newspaper") belongs in a rule file. Its top-level
//! lists apply to every article, each `[[source]]` table's only to the articles of the
//! sources it matches:
//!
//! ```toml
//! end_markers = ["Continue the conversation"]  # the article is over at a line starting so
//! drop = ["promo code"]                         # a line containing this is chrome
//! keep = ["Editor's note"]                      # a line containing this is article
//!
//! [[source]]
//! match = ["host:courier.example", "folder:courier", "publisher:The Valley Courier"]
//! drop = ["Sign up for the Courier"]
//! ```
//!
//! A `host:` matches the page's URL host and its subdomains (`www.` ignored), a `folder:`
//! the inbox subfolder and those below it, a `publisher:` the publisher, case aside. An
//! article takes the lists of every source table it matches, so the phrase set is built
//! per combination and cached (sources rarely overlap, so there are few).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use newsdrop_core::config::{KeyLines, decode};
use newsdrop_core::{Article, ConfigError};
use serde::Deserialize;

use super::phrases::Phrases;

/// Phrase lists: the top level of a rule file, a `[[source]]` table, or a stage's options.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(default, deny_unknown_fields)]
pub struct Lists {
    pub end_markers: Vec<String>,
    pub drop: Vec<String>,
    pub keep: Vec<String>,
}

impl Lists {
    fn extend(&mut self, other: &Lists) {
        self.end_markers.extend(other.end_markers.iter().cloned());
        self.drop.extend(other.drop.iter().cloned());
        self.keep.extend(other.keep.iter().cloned());
    }

    fn check(&self, prefix: &str, lines: &KeyLines, errors: &mut Vec<ConfigError>) {
        for (key, list) in [
            ("end_markers", &self.end_markers),
            ("drop", &self.drop),
            ("keep", &self.keep),
        ] {
            if list.iter().any(|p| p.trim().is_empty()) {
                errors.push(lines.error(&join(prefix, key), "patterns must not be empty"));
            }
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawFile {
    end_markers: Vec<String>,
    drop: Vec<String>,
    keep: Vec<String>,
    source: Vec<RawSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSource {
    #[serde(rename = "match")]
    matches: Vec<String>,
    end_markers: Vec<String>,
    drop: Vec<String>,
    keep: Vec<String>,
}

/// What a `[[source]]` table applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    Host(String),
    Folder(String),
    Publisher(String),
}

impl Matcher {
    fn parse(s: &str) -> Option<Matcher> {
        let (kind, value) = s.split_once(':')?;
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        Some(match kind.trim() {
            "host" => Matcher::Host(value.trim_start_matches("www.").to_lowercase()),
            "folder" => Matcher::Folder(value.trim_matches('/').to_string()),
            "publisher" => Matcher::Publisher(value.to_lowercase()),
            _ => return None,
        })
    }

    fn matches(&self, facts: &Facts) -> bool {
        match self {
            Matcher::Host(h) => facts.host.as_deref().is_some_and(|host| {
                host == h
                    || host
                        .strip_suffix(h.as_str())
                        .is_some_and(|p| p.ends_with('.'))
            }),
            Matcher::Folder(f) => {
                let folder = facts.folder.as_str();
                folder == f
                    || folder
                        .strip_prefix(f.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
            Matcher::Publisher(p) => facts.publisher.as_deref() == Some(p.as_str()),
        }
    }
}

/// What the matchers look at.
struct Facts {
    host: Option<String>,
    folder: String,
    publisher: Option<String>,
}

impl Facts {
    fn of(article: &Article) -> Facts {
        Facts {
            host: article.meta.url.as_deref().and_then(super::learn::url_host),
            folder: article.source.folder.clone(),
            publisher: article
                .meta
                .publisher
                .as_deref()
                .map(|p| p.trim().to_lowercase()),
        }
    }
}

/// Every rule file of a stage, parsed.
#[derive(Debug, Default)]
pub struct RuleFiles {
    /// Lists for every article.
    pub global: Lists,
    sources: Vec<(Vec<Matcher>, Lists)>,
}

impl RuleFiles {
    /// Adds one file's source; `label` names it in errors.
    pub fn add(&mut self, label: &str, src: &str) -> Result<(), Vec<ConfigError>> {
        let lines = KeyLines::parse(src, label).map_err(|e| vec![e])?;
        let value: toml::Value =
            toml::from_str(src).map_err(|e| vec![lines.error("", e.message())])?;
        let raw: RawFile = decode(value, "", &lines)?;
        let mut errors = Vec::new();
        let global = Lists {
            end_markers: raw.end_markers,
            drop: raw.drop,
            keep: raw.keep,
        };
        global.check("", &lines, &mut errors);
        let mut sources = Vec::new();
        for (i, s) in raw.source.into_iter().enumerate() {
            let prefix = format!("source[{i}]");
            if s.matches.is_empty() {
                errors.push(lines.error(&join(&prefix, "match"), "name at least one source"));
            }
            let mut matchers = Vec::new();
            for (j, m) in s.matches.iter().enumerate() {
                match Matcher::parse(m) {
                    Some(matcher) => matchers.push(matcher),
                    None => errors.push(lines.error(
                        &format!("{prefix}.match[{j}]"),
                        format!(
                            "{m:?}: expected \"host:NAME\", \"folder:PATH\" or \"publisher:NAME\""
                        ),
                    )),
                }
            }
            let lists = Lists {
                end_markers: s.end_markers,
                drop: s.drop,
                keep: s.keep,
            };
            lists.check(&prefix, &lines, &mut errors);
            sources.push((matchers, lists));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.global.extend(&global);
        self.sources.extend(sources);
        Ok(())
    }
}

/// The phrase sets of a stage: one for articles no source table matches, and one per
/// combination of matching source tables, built on first use.
pub struct PhraseSets {
    builtin: bool,
    files: RuleFiles,
    global: Arc<Phrases>,
    by_sources: Mutex<HashMap<Vec<usize>, Arc<Phrases>>>,
}

impl PhraseSets {
    /// `inline` are the stage's own lists; they apply to every article, like a rule file's
    /// top level.
    pub fn new(builtin: bool, inline: &Lists, mut files: RuleFiles) -> Result<Self, String> {
        files.global.extend(inline);
        let global = Arc::new(build(builtin, &files.global)?);
        // Every source table's set is built here, so a bad pattern fails at start-up and
        // the per-article path cannot fail; each is kept for the articles of that source.
        let mut by_sources = HashMap::new();
        for (i, (_, lists)) in files.sources.iter().enumerate() {
            let mut all = files.global.clone();
            all.extend(lists);
            by_sources.insert(vec![i], Arc::new(build(builtin, &all)?));
        }
        Ok(PhraseSets {
            builtin,
            files,
            global,
            by_sources: Mutex::new(by_sources),
        })
    }

    /// The phrases for `article`: the global lists plus those of every source table it
    /// matches.
    pub fn for_article(&self, article: &Article) -> Arc<Phrases> {
        if self.files.sources.is_empty() {
            return self.global.clone();
        }
        let facts = Facts::of(article);
        let matched: Vec<usize> = (0..self.files.sources.len())
            .filter(|&i| self.files.sources[i].0.iter().any(|m| m.matches(&facts)))
            .collect();
        if matched.is_empty() {
            return self.global.clone();
        }
        let mut cache = self
            .by_sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = cache.get(&matched) {
            return p.clone();
        }
        let mut all = self.files.global.clone();
        for &i in &matched {
            all.extend(&self.files.sources[i].1);
        }
        // A combination of valid patterns is valid: each source's set built in `new`.
        let phrases = match build(self.builtin, &all) {
            Ok(p) => Arc::new(p),
            Err(_) => return self.global.clone(),
        };
        cache.insert(matched, phrases.clone());
        phrases
    }
}

fn build(builtin: bool, lists: &Lists) -> Result<Phrases, String> {
    Phrases::new(builtin, &lists.end_markers, &lists.drop, &lists.keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::phrases::Kind;

    const FILE: &str = r#"
drop = ["promo code"]

[[source]]
match = ["host:courier.example", "folder:courier"]
drop = ["sign up for the courier"]
end_markers = ["The Courier is independent"]
"#;

    fn sets() -> PhraseSets {
        let mut files = RuleFiles::default();
        files.add("rules.toml", FILE).expect("parses");
        PhraseSets::new(true, &Lists::default(), files).expect("builds")
    }

    fn article(url: Option<&str>, folder: &str) -> Article {
        let mut a = crate::text::test_article(newsdrop_core::Format::Text);
        a.meta.url = url.map(str::to_string);
        a.source.folder = folder.to_string();
        a
    }

    #[test]
    fn a_source_table_applies_to_its_sources_only() {
        let sets = sets();
        let line = "Sign up for the Courier's morning briefing";
        for a in [
            article(Some("https://www.courier.example/a"), ""),
            article(Some("https://news.courier.example/a"), ""),
            article(None, "courier"),
            article(None, "courier/sport"),
        ] {
            let p = sets.for_article(&a);
            assert_eq!(
                p.find(line),
                Some(Kind::Drop),
                "{:?} {}",
                a.meta.url,
                a.source.folder
            );
            assert_eq!(
                p.find("The Courier is independent since 1921"),
                Some(Kind::End)
            );
            assert_eq!(p.find("Use promo code X"), Some(Kind::Drop));
        }
        for a in [
            article(Some("https://notcourier.example/a"), ""),
            article(None, "courier-archive"),
            article(None, ""),
        ] {
            let p = sets.for_article(&a);
            assert_eq!(p.find(line), None, "{:?} {}", a.meta.url, a.source.folder);
            assert_eq!(p.find("Use promo code X"), Some(Kind::Drop));
        }
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let mut files = RuleFiles::default();
        let mut located = |src: &str| {
            let errors = files.add("rules.toml", src).expect_err("bad file");
            let got: Vec<String> = errors
                .iter()
                .map(|e| format!("{}:{}", e.line, e.key))
                .collect();
            (got, errors)
        };
        let src = "drop = [\"\"]\n\n[[source]]\nmatch = [\"site:x\"]\nkeep = [\"a\"]\nnope = 1\n";
        let (got, errors) = located(src);
        assert_eq!(got, ["6:source[0].nope"], "{errors:?}");
        let (got, errors) = located("drop = [\"\"]\n\n[[source]]\nmatch = [\"site:x\"]\n");
        assert_eq!(got, ["1:drop", "4:source[0].match[0]"], "{errors:?}");
        assert!(errors[1].message.contains("\"host:NAME\""), "{errors:?}");
    }
}
