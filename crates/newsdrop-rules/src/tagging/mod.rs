//! The `tagging` rule: canonical tags (`country:PK`, `person:valentina-matviyenko`,
//! `org:sco`, `topic:counter-terrorism`) from gazetteers written in TOML.
//!
//! Tags come only from `meta.title` and the kept blocks, so bylines and mastheads that
//! `metadata` and `boilerplate` moved out of the body never tag. The gazetteers are read and
//! compiled once per config load into one [`Tagger`] (two Aho–Corasick automata) that every
//! worker shares; a SIGHUP reload builds a new one. Options:
//!
//! ```toml
//! [[stage]]
//! rule = "tagging"
//! # Later files extend or override earlier ones by id. `builtin:countries` is every
//! # ISO 3166-1 country (names, demonyms); `builtin:news` the starter people, organisations
//! # and topics (config/gazetteers/news.toml). Other paths are relative to the config file.
//! gazetteers = ["builtin:countries", "builtin:news", "gazetteers/people.toml"]
//! # A topic is tagged when its keywords are used at least this often.
//! topic_min_hits = 1
//! # Person names spelled in ways no gazetteer lists (off unless set here or in a file).
//! fuzzy = { enabled = true, min_score = 0.93, min_len = 6 }
//! ```
//!
//! Modules: [`gazetteer`] reads and merges the files, [`normalize`] folds text for matching,
//! [`matcher`] compiles and applies the rules, [`fuzzy`] is the optional person pass.

pub mod fuzzy;
pub mod gazetteer;
pub mod matcher;
pub mod normalize;

use std::path::Path;

use newsdrop_core::{Article, ConfigError, Stage, StageError, StageSpec, Verdict};
use serde::Deserialize;

pub use gazetteer::{FuzzySettings, Gazetteers};
pub use matcher::{Stats, Tagger, Tally};

use crate::RuleContext;

/// The built-in gazetteers, by the name that follows `builtin:`.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "countries",
        include_str!("../../../../config/gazetteers/countries.toml"),
    ),
    (
        "news",
        include_str!("../../../../config/gazetteers/news.toml"),
    ),
];

/// The gazetteers used when a `tagging` stage names none (and by the default pipeline).
pub const DEFAULT_GAZETTEERS: [&str; 2] = ["builtin:countries", "builtin:news"];

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Options {
    gazetteers: Vec<String>,
    topic_min_hits: u32,
    fuzzy: Option<FuzzySettings>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            gazetteers: DEFAULT_GAZETTEERS
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            topic_min_hits: 1,
            fuzzy: None,
        }
    }
}

/// The configured stage.
pub struct Tagging {
    tagger: Tagger,
    files: Vec<String>,
}

pub fn create(spec: &StageSpec, cx: &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
    let o: Options = cx.decode(spec)?;
    let mut errors = Vec::new();
    if o.topic_min_hits == 0 {
        errors.push(cx.error("topic_min_hits", "must be at least 1"));
    }
    if o.gazetteers.is_empty() {
        errors.push(cx.error("gazetteers", "name at least one gazetteer"));
    }
    if let Some(f) = &o.fuzzy {
        for (key, message) in gazetteer::check_fuzzy(f) {
            errors.push(cx.error(&format!("fuzzy.{key}"), message));
        }
    }
    let mut g = Gazetteers::default();
    for (i, name) in o.gazetteers.iter().enumerate() {
        let key = format!("gazetteers[{i}]");
        match source(name, cx) {
            Ok(src) => {
                if let Err(mut e) = g.add(name, &src) {
                    errors.append(&mut e);
                }
            }
            Err(message) => errors.push(cx.error(&key, message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fuzzy = o.fuzzy.or_else(|| g.fuzzy.clone());
    let tagger = Tagger::compile(&g, fuzzy.as_ref(), o.topic_min_hits)
        .map_err(|e| vec![cx.error("gazetteers", e)])?;
    Ok(Box::new(Tagging {
        tagger,
        files: o.gazetteers,
    }))
}

/// The text of a gazetteer named in the config.
fn source(name: &str, cx: &RuleContext<'_>) -> Result<String, String> {
    if let Some(builtin) = name.strip_prefix("builtin:") {
        return BUILTINS
            .iter()
            .find(|(n, _)| *n == builtin)
            .map(|(_, src)| (*src).to_string())
            .ok_or_else(|| {
                let known: Vec<String> = BUILTINS
                    .iter()
                    .map(|(n, _)| format!("builtin:{n}"))
                    .collect();
                format!(
                    "unknown built-in gazetteer `{name}`: expected one of {}",
                    known.join(", ")
                )
            });
    }
    let path = cx.resolve(Path::new(name));
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl Tagging {
    /// A stage from gazetteer sources given directly, as (label, TOML); for benches and tests.
    pub fn from_sources(
        sources: &[(&str, &str)],
        fuzzy: Option<&FuzzySettings>,
        topic_min_hits: u32,
    ) -> Result<Self, Vec<ConfigError>> {
        let mut g = Gazetteers::default();
        for (label, src) in sources {
            g.add(label, src)?;
        }
        let fuzzy = fuzzy.cloned().or_else(|| g.fuzzy.clone());
        let tagger = Tagger::compile(&g, fuzzy.as_ref(), topic_min_hits).map_err(|e| {
            vec![ConfigError {
                file: String::new(),
                line: 0,
                column: 0,
                key: String::new(),
                message: e,
            }]
        })?;
        Ok(Tagging {
            tagger,
            files: sources.iter().map(|(l, _)| (*l).to_string()).collect(),
        })
    }

    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The tags of one text, as if it were a whole article (benches, tests).
    pub fn tag_text(&self, text: &str) -> Vec<newsdrop_core::Tag> {
        let mut tally = Tally::default();
        self.tagger.scan(text, &mut tally);
        self.tagger.finish(tally)
    }
}

impl Stage for Tagging {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        let mut tally = Tally::default();
        if let Some(title) = &article.meta.title {
            self.tagger.scan(title, &mut tally);
        }
        for block in article.kept() {
            self.tagger.scan(&block.text, &mut tally);
        }
        for tag in self.tagger.finish(tally) {
            if !article.tags.iter().any(|t| t.id == tag.id) {
                article.tags.push(tag);
            }
        }
        Ok(Verdict::Continue)
    }

    fn describe(&self) -> String {
        let s = self.tagger.stats();
        format!(
            "{} entities, {} patterns, {:.1} MB compiled, fuzzy {} ({})",
            s.entities,
            s.patterns,
            s.memory as f64 / 1e6,
            if self.tagger.fuzzy_enabled() {
                "on"
            } else {
                "off"
            },
            self.files.join(", ")
        )
    }
}
