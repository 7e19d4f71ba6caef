//! The `metadata` rule: title, publication date, authors, publisher, dateline, URL and
//! language, from what the page states (HTML head, JSON-LD: see [`page`]) and from the text
//! around the headline (text dumps: see [`head`]).
//!
//! It runs before `boilerplate` and moves what it reads out of the body: the headline,
//! byline and date lines are dropped with reason (`removed` shows them), and a leading
//! "date 2023-06-21" is split off the first paragraph. A dateline that opens a sentence
//! stays in the body, as the gold bodies have it. Options:
//!
//! ```toml
//! [[stage]]
//! rule = "metadata"
//! time_zone = "Asia/Karachi"                 # for times the page gives without a zone
//! source_time_zones = { pk = "Asia/Karachi" } # per inbox subfolder, over time_zone
//! derive_title = true                        # no headline: title from the first sentence
//! ```

pub mod byline;
pub mod dates;
pub mod head;
pub mod language;
pub mod page;
mod trigram_profiles;
mod trigrams;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use newsdrop_core::{Article, ConfigError, Stage, StageError, StageSpec, Verdict};
use serde::Deserialize;

use crate::RuleContext;
use crate::boilerplate::{Boilerplate, shared};
use crate::stopwords::Stops;

/// The rule's name, recorded on every block it drops.
pub const RULE: &str = "metadata";

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Options {
    time_zone: Option<String>,
    source_time_zones: BTreeMap<String, String>,
    derive_title: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_zone: None,
            source_time_zones: BTreeMap::new(),
            derive_title: true,
        }
    }
}

pub fn create(spec: &StageSpec, cx: &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
    let o: Options = cx.decode(spec)?;
    let mut errors = Vec::new();
    let time_zone = match &o.time_zone {
        Some(name) => match TimeZone::get(name) {
            Ok(tz) => Some(tz),
            Err(e) => {
                errors.push(cx.error("time_zone", format!("unknown time zone `{name}`: {e}")));
                None
            }
        },
        None => None,
    };
    let mut source_zones = BTreeMap::new();
    for (folder, name) in &o.source_time_zones {
        match TimeZone::get(name) {
            Ok(tz) => {
                source_zones.insert(folder.clone(), tz);
            }
            Err(e) => errors.push(cx.error(
                &format!("source_time_zones.{folder}"),
                format!("unknown time zone `{name}`: {e}"),
            )),
        }
    }
    let classifier = Boilerplate::with_defaults().map_err(|e| {
        errors.push(cx.error("", format!("built-in phrase lists: {e}")));
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let Ok(classifier) = classifier else {
        return Err(errors);
    };
    Ok(Box::new(Metadata {
        time_zone,
        source_zones,
        derive_title: o.derive_title,
        classifier,
    }))
}

/// The configured rule.
pub struct Metadata {
    time_zone: Option<TimeZone>,
    source_zones: BTreeMap<String, TimeZone>,
    derive_title: bool,
    /// The boilerplate classifier with default settings, to see where the article starts.
    classifier: Boilerplate,
}

impl Metadata {
    fn zone_for(&self, article: &Article) -> Option<&TimeZone> {
        self.source_zones
            .get(&article.source.folder)
            .or(self.time_zone.as_ref())
    }
}

impl Stage for Metadata {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        let stated = page::facts(&article.page);
        // The features the language is told by are the classifier's too: counted with the
        // page's own stopwords (as `Boilerplate::features` picks them) without a second look
        // at the blocks.
        let features = if article.meta.language.is_none() {
            let (detected, english) = self.classifier.language(article);
            article.meta.language = language::choose(stated.language.as_deref(), detected);
            let stops = article
                .meta
                .language
                .as_deref()
                .map_or(Stops::English, Stops::for_language);
            shared::restop(article, english, stops)
        } else {
            self.classifier.features(article)
        };
        let analysis = self.classifier.analysis(article, features);
        let zone = self.zone_for(article).cloned();
        let found = head::read(article, &analysis, zone.as_ref(), self.derive_title);
        let json = article.format == newsdrop_core::Format::Json;
        let meta = &mut article.meta;
        // What the page states in its head wins over what the text suggests; fields a
        // reader already set (JSON input) are kept.
        fill(&mut meta.title, stated.title.or(found.title.clone()));
        if meta.title.is_some() && found.title_derived && found.title == meta.title {
            meta.title_derived = true;
        }
        if meta.published.is_none()
            && let Some((p, origin)) = stated.published.or(found.published)
        {
            meta.published = Some(p);
            meta.published_origin = Some(origin);
        }
        // A JSON input's authors are given, but as its producer wrote them ("By Jane Doe
        // and John Smith", "Jane Doe | Staff Writer"): read as a page's stated authors are,
        // and kept as given when that leaves no one.
        if json {
            let publisher = meta.publisher.clone();
            let mut people: Vec<String> = Vec::new();
            for given in std::mem::take(&mut meta.authors) {
                let read = byline::stated(&given, publisher.as_deref());
                let read = if read.is_empty() { vec![given] } else { read };
                for name in read {
                    if !people.contains(&name) {
                        people.push(name);
                    }
                }
            }
            meta.authors = people;
        }
        if meta.authors.is_empty() {
            meta.authors = if stated.authors.is_empty() {
                found.authors
            } else {
                stated.authors
            };
        }
        fill(&mut meta.publisher, stated.publisher.or(found.publisher));
        fill(&mut meta.dateline, found.dateline);
        fill(&mut meta.url, stated.url);
        Ok(Verdict::Continue)
    }

    fn describe(&self) -> String {
        match &self.time_zone {
            Some(tz) => format!(
                "title, date, byline, dateline (default zone {})",
                tz.iana_name().unwrap_or("custom")
            ),
            None => "title, date, byline, dateline".to_string(),
        }
    }
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}
