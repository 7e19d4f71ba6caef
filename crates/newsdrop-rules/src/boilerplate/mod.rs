//! The `boilerplate` rule: keeps the article, drops page chrome, recording why.
//!
//! Text dumps (and, until the HTML path is tuned, every format) go through the line
//! classifier in [`classify`]: each block is classed by length, stopword density, shape and
//! phrase lists ([`phrases`]), the main run of article text is chosen by score, and every
//! block outside it, or inside it but recognised as a widget, teaser or label, is dropped
//! with a reason (`removed` in the output). Blocks an earlier rule dropped (the metadata
//! rule's title and byline) stay dropped. Phrase lists and thresholds are options:
//!
//! ```toml
//! [[stage]]
//! rule = "boilerplate"
//! end_markers = ["Continue the conversation"]  # the article is over at a line starting so
//! drop = ["promo code"]                         # a line containing this is chrome
//! keep = ["Editor's note"]                      # a line containing this is article
//! length_low = 70                               # classifier thresholds, see `Params`
//! ```

pub mod classify;
pub mod dom;
pub mod phrases;
pub mod shared;

use newsdrop_core::{Article, ConfigError, Format, Stage, StageError, StageSpec, Verdict};
use serde::Deserialize;

use self::classify::{Class, Features, Params};
use self::phrases::{Kind, Phrases};
use crate::RuleContext;
use crate::metadata::language;
use crate::stopwords::Stops;

/// The rule's name, recorded on every block it drops.
pub const RULE: &str = "boilerplate";

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Options {
    length_low: usize,
    length_high: usize,
    stopwords_low: f32,
    stopwords_high: f32,
    run_ratio: f32,
    box_penalty: f32,
    short_weight: f32,
    /// Use the built-in phrase lists (end markers, widgets, image labels).
    builtin_phrases: bool,
    end_markers: Vec<String>,
    drop: Vec<String>,
    keep: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        let p = Params::default();
        Options {
            length_low: p.length_low,
            length_high: p.length_high,
            stopwords_low: p.stopwords_low,
            stopwords_high: p.stopwords_high,
            run_ratio: p.run_ratio,
            box_penalty: p.box_penalty,
            short_weight: p.short_weight,
            builtin_phrases: true,
            end_markers: Vec::new(),
            drop: Vec::new(),
            keep: Vec::new(),
        }
    }
}

pub fn create(spec: &StageSpec, cx: &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
    let o: Options = cx.decode(spec)?;
    let mut errors = Vec::new();
    if !(0.0..=1.0).contains(&o.stopwords_low) || !(0.0..=1.0).contains(&o.stopwords_high) {
        errors.push(cx.error(
            "stopwords_low",
            "stopword densities must be between 0 and 1",
        ));
    } else if o.stopwords_low > o.stopwords_high {
        errors.push(cx.error("stopwords_low", "must not be above stopwords_high"));
    }
    if !(0.0..=1.0).contains(&o.run_ratio) {
        errors.push(cx.error("run_ratio", "must be between 0 and 1"));
    }
    if o.length_low > o.length_high {
        errors.push(cx.error("length_low", "must not be above length_high"));
    }
    for (key, list) in [
        ("end_markers", &o.end_markers),
        ("drop", &o.drop),
        ("keep", &o.keep),
    ] {
        if list.iter().any(|p| p.trim().is_empty()) {
            errors.push(cx.error(key, "patterns must not be empty"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let phrases = Phrases::new(o.builtin_phrases, &o.end_markers, &o.drop, &o.keep)
        .map_err(|e| vec![cx.error("", format!("phrase lists: {e}"))])?;
    let params = Params {
        length_low: o.length_low,
        length_high: o.length_high,
        stopwords_low: o.stopwords_low,
        stopwords_high: o.stopwords_high,
        run_ratio: o.run_ratio,
        box_penalty: o.box_penalty,
        short_weight: o.short_weight,
    };
    Ok(Box::new(Boilerplate { params, phrases }))
}

/// The configured rule.
pub struct Boilerplate {
    params: Params,
    phrases: Phrases,
}

impl Boilerplate {
    /// The rule with its default settings (for the metadata rule's look at where the
    /// article starts). Fails only if the built-in phrase automaton cannot be built.
    pub fn with_defaults() -> Result<Self, String> {
        Ok(Boilerplate {
            params: Params::default(),
            phrases: Phrases::new(true, &[], &[], &[])?,
        })
    }

    /// The features of `article`'s blocks with the stopwords of its language, computed
    /// once per article and shared between rules (see [`shared`]).
    /// With no `meta.language` (no metadata rule ran), the language is told here, as
    /// [`Boilerplate::language`] does.
    pub fn features(&self, article: &mut Article) -> Vec<Features> {
        if let Some(tag) = &article.meta.language {
            let stops = Stops::for_language(tag);
            return self.features_with(article, stops);
        }
        let english = self.features_with(article, Stops::English);
        if language::looks_english(&english) {
            return english;
        }
        let stops = language::detect(article).map_or(Stops::English, Stops::for_language);
        self.features_with(article, stops)
    }

    /// The language of the article's text: English when its features say so beyond doubt
    /// (cheap, and the features are kept for the classifier), else what the trigram
    /// detector says, if it is sure enough.
    pub fn language(&self, article: &mut Article) -> Option<&'static str> {
        let english = self.features_with(article, Stops::English);
        if language::looks_english(&english) {
            Some("en")
        } else {
            language::detect(article)
        }
    }

    /// The features of `article`'s blocks with `stops`.
    pub fn features_with(&self, article: &mut Article, stops: Stops) -> Vec<Features> {
        shared::features(article, &self.phrases, stops)
    }

    /// Features, classes and the main run of `article`'s blocks.
    pub fn analyse(&self, article: &mut Article) -> Analysis {
        let features = self.features(article);
        let prose = classify::is_prose(&features);
        let classes: Vec<Class> = features
            .iter()
            .map(|f| classify::classify(f, &self.params, prose))
            .collect();
        let usable: Vec<bool> = article.blocks.iter().map(|b| b.keep).collect();
        let run = classify::main_run(&classes, &features, &usable, &self.params);
        Analysis {
            features,
            classes,
            run,
        }
    }
}

/// What the classifier saw in one article.
#[derive(Debug)]
pub struct Analysis {
    pub features: Vec<Features>,
    pub classes: Vec<Class>,
    /// First and last block of the article text (inclusive).
    pub run: Option<(usize, usize)>,
}

impl Boilerplate {
    /// HTML: the DOM extractor decides; `false` when it found no prose (then the line
    /// classifier has a go).
    fn apply_dom(&self, article: &mut Article) -> bool {
        let features = self.features(article);
        let Some(fates) = dom::extract(&article.blocks, &features) else {
            return false;
        };
        for ((block, fate), f) in article.blocks.iter_mut().zip(fates).zip(&features) {
            if !block.keep {
                continue;
            }
            match fate {
                dom::Fate::Drop(why) => block.drop_by(RULE, why),
                dom::Fate::Keep => match f.hit {
                    Some(k) if k != Kind::Keep => block.drop_by(RULE, k.reason()),
                    _ => {}
                },
            }
        }
        true
    }
}

impl Stage for Boilerplate {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        if article.format == Format::Html && self.apply_dom(article) {
            return Ok(Verdict::Continue);
        }
        let a = self.analyse(article);
        let Some((start, end)) = a.run else {
            for b in article.blocks.iter_mut().filter(|b| b.keep) {
                b.drop_by(RULE, "no article text found");
            }
            return Ok(Verdict::Continue);
        };
        let mut drop_next_headline = false;
        for (i, block) in article.blocks.iter_mut().enumerate() {
            if !block.keep {
                continue;
            }
            let f = &a.features[i];
            if f.chars == 0 {
                block.drop_by(RULE, "empty");
                continue;
            }
            if f.hit == Some(Kind::Keep) {
                block.keep_by(RULE, Kind::Keep.reason());
                continue;
            }
            if i < start {
                block.drop_by(RULE, reason("before the article", f));
                continue;
            }
            if i > end {
                block.drop_by(RULE, reason("after the article", f));
                continue;
            }
            if drop_next_headline {
                drop_next_headline = false;
                if !f.end_punct && a.classes[i] != Class::Good {
                    block.drop_by(RULE, Kind::Teaser.reason());
                    continue;
                }
            }
            if let Some(k) = f.hit {
                if k == Kind::Teaser && f.words <= 3 {
                    drop_next_headline = true;
                }
                block.drop_by(RULE, k.reason());
                continue;
            }
            match a.classes[i] {
                Class::Good | Class::NearGood | Class::Short => {}
                Class::Bad => block.drop_by(RULE, reason("inside the article", f)),
            }
        }
        Ok(Verdict::Continue)
    }

    fn describe(&self) -> String {
        format!(
            "line classifier (length {}–{}, stopwords {:.2}–{:.2})",
            self.params.length_low,
            self.params.length_high,
            self.params.stopwords_low,
            self.params.stopwords_high
        )
    }
}

/// The reason for dropping a block: the phrase it matched, else where it was and what it
/// looked like.
fn reason(place: &str, f: &Features) -> String {
    let what = if let Some(k) = f.hit {
        k.reason()
    } else if f.copyright {
        "copyright notice"
    } else if f.chars < 70 {
        "short line"
    } else {
        "not prose"
    };
    // One allocation of the right size (this runs for most lines of a page).
    [place, ": ", what].concat()
}
