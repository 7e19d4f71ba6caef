//! The `boilerplate` rule: keeps the article, drops page chrome, recording why.
//!
//! Text dumps (and every format but HTML) go through the line classifier in [`classify`]:
//! each block is classed by length, stopword density, shape and
//! phrase lists ([`phrases`]), the main run of article text is chosen by score, and every
//! block outside it, or inside it but recognised as a widget, teaser or label, is dropped
//! with a reason (`removed` in the output). HTML goes through the DOM extractor in [`dom`],
//! with the line classifier as the fallback when the DOM's choice misses the page's prose
//! (see `Boilerplate::choose`); an end-of-article marker behind most of what the DOM keeps
//! ends the article there, as in a text dump. A JSON input's body is already the article:
//! all of it is the run, and only what is marked inside it goes. The per-block features are
//! computed once per article and shared with the metadata rule ([`shared`]). Blocks an
//! earlier rule dropped (the metadata rule's title and byline) stay dropped. Phrase lists
//! and thresholds are options:
//!
//! ```toml
//! [[stage]]
//! rule = "boilerplate"
//! end_markers = ["Continue the conversation"]  # the article is over at a line starting so
//! drop = ["promo code"]                         # a line containing this is chrome
//! keep = ["Editor's note"]                      # a line containing this is article
//! rules = ["boilerplate-rules.toml"]            # more lists, global or per source (see `rules`)
//! length_low = 70                               # classifier thresholds, see `Params`
//! learn_after = 4                               # see below
//! ```
//!
//! With a store, the rule also learns each site's own chrome ([`learn`]): a short line that
//! `learn_after` earlier pages of the same source contained is dropped as "learnt chrome".

pub mod classify;
pub mod dom;
pub mod learn;
pub mod phrases;
pub mod rules;
pub mod shared;

use std::borrow::Cow;
use std::sync::LazyLock;

use newsdrop_core::{
    Article, Block, BlockKind, ConfigError, Format, Stage, StageError, StageSpec, StateError,
    Verdict,
};
use serde::Deserialize;

use self::classify::{Class, Features, Params, Repeat};
use self::learn::{Learn, Learner};
use self::phrases::Kind;
use self::rules::{Lists, PhraseSets, RuleFiles};
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
    /// Rule files (paths relative to the config file): more lists, global or per source.
    rules: Vec<String>,
    /// Learn each source's chrome in the store (see [`learn`]).
    learn: bool,
    learn_after: u32,
    learn_max_words: usize,
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
            rules: Vec::new(),
            learn: true,
            learn_after: 4,
            learn_max_words: 20,
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
    if o.learn && o.learn_after == 0 {
        errors.push(cx.error("learn_after", "must be at least 1"));
    }
    if o.learn && o.learn_max_words == 0 {
        errors.push(cx.error("learn_max_words", "must be at least 1"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Learning needs the store; a pipeline built without one (never the daemon's) does not learn.
    let learner = match cx.state.filter(|_| o.learn) {
        Some(state) => {
            let memory = state
                .line_memory()
                .map_err(|e| vec![cx.error("learn", e.to_string())])?;
            let settings = Learn {
                after: o.learn_after,
                max_words: o.learn_max_words,
            };
            Some(Learner::new(settings, memory))
        }
        None => None,
    };
    let mut files = RuleFiles::default();
    for (i, path) in o.rules.iter().enumerate() {
        let resolved = cx.resolve(std::path::Path::new(path));
        match std::fs::read_to_string(&resolved) {
            Ok(src) => {
                if let Err(e) = files.add(&resolved.display().to_string(), &src) {
                    errors.extend(e);
                }
            }
            Err(e) => errors.push(cx.error(
                &format!("rules[{i}]"),
                format!("cannot read {}: {e}", resolved.display()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let inline = Lists {
        end_markers: o.end_markers,
        drop: o.drop,
        keep: o.keep,
    };
    let phrases = PhraseSets::new(o.builtin_phrases, &inline, files)
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
    Ok(Box::new(Boilerplate {
        params,
        phrases,
        learner,
    }))
}

/// The configured rule.
pub struct Boilerplate {
    params: Params,
    phrases: PhraseSets,
    learner: Option<Learner>,
}

impl Boilerplate {
    /// The rule with its default settings (for the metadata rule's look at where the
    /// article starts). Fails only if the built-in phrase automaton cannot be built.
    pub fn with_defaults() -> Result<Self, String> {
        Ok(Boilerplate {
            params: Params::default(),
            phrases: PhraseSets::new(true, &Lists::default(), RuleFiles::default())?,
            learner: None,
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
        let (detected, english) = self.language(article);
        let stops = detected.map_or(Stops::English, Stops::for_language);
        shared::restop(article, english, stops)
    }

    /// The language of the article's text: English when its features say so beyond doubt
    /// (cheap, and the features are kept for the classifier), else what the trigram
    /// detector says, if it is sure enough. Also the features it looked at, computed with
    /// English stopwords, for the caller to go on with (see [`shared::restop`]).
    pub fn language(&self, article: &mut Article) -> (Option<&'static str>, Vec<Features>) {
        let english = self.features_with(article, Stops::English);
        let lang = if language::looks_english(&english) {
            Some("en")
        } else {
            language::detect(article)
        };
        (lang, english)
    }

    /// The features of `article`'s blocks with `stops`.
    pub fn features_with(&self, article: &mut Article, stops: Stops) -> Vec<Features> {
        let phrases = self.phrases.for_article(article);
        shared::features(article, &phrases, stops)
    }

    /// Features, classes and the main run of `article`'s blocks.
    pub fn analyse(&self, article: &mut Article) -> Analysis {
        let features = self.features(article);
        self.analysis(article, features)
    }

    /// Classes and the main run of `article`'s blocks, whose `features` the caller has.
    pub fn analysis(&self, article: &Article, features: Vec<Features>) -> Analysis {
        let prose = classify::is_prose(&features);
        let classes: Vec<Class> = features
            .iter()
            .map(|f| classify::classify(f, &self.params, prose))
            .collect();
        let usable: Vec<bool> = article.blocks.iter().map(|b| b.keep).collect();
        let mut run = classify::main_run(&classes, &features, &usable, &self.params);
        // A JSON input's body is all article (see `text_decisions`).
        if article.format == Format::Json && !article.blocks.is_empty() {
            run = Some((0, article.blocks.len() - 1));
        }
        if let Some((_, end)) = &mut run {
            while let Some(next) = article.blocks.get(*end + 1)
                && next.keep
                && classify::closes_article(&features[*end + 1], &next.text)
            {
                *end += 1;
            }
        }
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

/// What one extractor decided for a block still kept when the rule started.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    /// Left as it is (a block an earlier rule dropped stays dropped).
    Leave,
    /// Kept, by a keep pattern: the reason is recorded.
    KeepBy(&'static str),
    /// Dropped, and why: a constant reason but for learnt chrome and DOM chrome elements.
    Drop(Cow<'static, str>),
}

impl Boilerplate {
    /// HTML: what the DOM extractor decides, or `None` when it found no prose.
    fn dom_decisions(&self, article: &Article, features: &[Features]) -> Option<Vec<Decision>> {
        let fates = dom::extract(&article.blocks, features)?;
        // An end-of-article marker in what the DOM keeps ends the article there, as it ends
        // a section of a text dump. Only a marker shaped as chrome, a line of a few words
        // ("Leave a reply", "Comments", "Add a review"): a sentence the phrase rules also
        // take for one ("In a statement, the company said:", "Thoughts on the timetable
        // differed …", "More from the hearing" as a subheading) is article. And only behind
        // enough of the article (most of the kept text, or [`DOM_END_AFTER`] characters),
        // so that a comment count in its header ("12 Comments", by the byline) does not
        // take it along.
        let kept = |i: usize| article.blocks[i].keep && fates[i] == dom::Fate::Keep;
        let total: usize = (0..fates.len())
            .filter(|&i| kept(i))
            .map(|i| features[i].chars)
            .sum();
        // A marker of a word or two is a scrap the DOM extractor drops, but it is in the
        // container all the same.
        let scrap = |i: usize| matches!(&fates[i], dom::Fate::Drop(why) if why == dom::SCRAP);
        let mut before = 0;
        let end = (0..fates.len()).find(|&i| {
            let f = &features[i];
            let is_end = f.hit == Some(Kind::End)
                && f.words <= DOM_END_WORDS
                && (kept(i) || (article.blocks[i].keep && scrap(i)))
                && !article.blocks[i].text.trim_end().ends_with(':')
                && (before * 2 >= total || before >= DOM_END_AFTER);
            before += if kept(i) { f.chars } else { 0 };
            is_end
        });
        let decisions = article
            .blocks
            .iter()
            .zip(fates)
            .zip(features)
            .enumerate()
            .map(|(i, ((block, fate), f))| match fate {
                _ if !block.keep => Decision::Leave,
                dom::Fate::Drop(why) => Decision::Drop(why),
                dom::Fate::Keep if end.is_some_and(|e| i >= e) && f.hit != Some(Kind::Keep) => {
                    Decision::Drop(Kind::End.reason().into())
                }
                dom::Fate::Keep => match f.hit {
                    Some(k) if k != Kind::Keep => Decision::Drop(k.reason().into()),
                    None if is_caption(&block.text, f) => {
                        Decision::Drop(Kind::Media.reason().into())
                    }
                    _ => Decision::Leave,
                },
            })
            .collect();
        Some(decisions)
    }

    /// What the line classifier decides.
    fn text_decisions(&self, article: &Article, a: &Analysis) -> Vec<Decision> {
        // A JSON input's body is the article as its producer cut it out of the page: all
        // of it is the run, and only what a phrase or the classifier marks inside goes (a
        // "Read more:" line, a byline). Searched for a run like a page dump, a brief of two
        // short paragraphs lost its last one, or all of them as "no article text found".
        //
        // What the classifier takes for chrome there is a paragraph too short or in a
        // language it has no stopwords for ("За документ проголосовали 340 депутатов."), so
        // only phrases and captions go; and if they would take all of it, none does (a
        // one-line "BREAKING: …" body is the article).
        let given = article.format == Format::Json;
        let Some((start, end)) = a.run else {
            return article
                .blocks
                .iter()
                .map(|b| {
                    if b.keep {
                        Decision::Drop("no article text found".into())
                    } else {
                        Decision::Leave
                    }
                })
                .collect();
        };
        let mut drop_next_headline = false;
        let mut out = Vec::with_capacity(article.blocks.len());
        for (i, block) in article.blocks.iter().enumerate() {
            let f = &a.features[i];
            let d = if !block.keep {
                Decision::Leave
            } else if f.chars == 0 {
                Decision::Drop("empty".into())
            } else if f.hit == Some(Kind::Keep) {
                Decision::KeepBy(Kind::Keep.reason())
            } else if i < start {
                Decision::Drop(reason(Place::Before, f).into())
            } else if i > end {
                Decision::Drop(reason(Place::After, f).into())
            } else if std::mem::take(&mut drop_next_headline)
                && !f.end_punct
                && a.classes[i] != Class::Good
            {
                Decision::Drop(Kind::Teaser.reason().into())
            } else if let Some(k) = f.hit {
                if k == Kind::Teaser && f.words <= 3 {
                    drop_next_headline = true;
                }
                Decision::Drop(k.reason().into())
            } else if a.classes[i] == Class::Bad && !given {
                Decision::Drop(reason(Place::Inside, f).into())
            } else if let Some(why) = given.then(|| embedded_furniture(block)).flatten() {
                Decision::Drop(why.into())
            } else if is_caption(&block.text, f) {
                Decision::Drop("inside the article: image or video label".into())
            } else if repeated(f) && !given {
                Decision::Drop("inside the article: repeated on the page".into())
            } else {
                Decision::Leave
            };
            out.push(d);
        }
        let none_left = out
            .iter()
            .zip(&article.blocks)
            .all(|(d, b)| !b.keep || matches!(d, Decision::Drop(_)));
        if given && none_left {
            out.fill(Decision::Leave);
        }
        out
    }
}

/// Embeds' classes (`<blockquote class="twitter-tweet">` …): the post quoted, not the story.
const EMBED_CLASSES: [&str; 8] = [
    ".twitter-tweet",
    ".twitter-video",
    ".instagram-media",
    ".tiktok-embed",
    ".fb-post",
    ".fb-video",
    ".reddit-card",
    ".embedly-card",
];

/// What an HTML body given in a JSON field holds besides the story, by its markup (the
/// classifier is not trusted there, see [`Boilerplate::text_decisions`]): a `<figcaption>`,
/// an embedded post, a list item that is all link ("Related: …").
fn embedded_furniture(block: &Block) -> Option<&'static str> {
    let dom = block.dom.as_ref()?;
    if block.kind == BlockKind::Caption {
        return Some("inside the article: image or video label");
    }
    if EMBED_CLASSES.iter().any(|c| dom.path.contains(c)) {
        return Some("inside the article: embedded post");
    }
    let chars = block.text.chars().count();
    let all_link = u64::from(dom.link_chars) * 10 >= chars as u64 * 9;
    (block.kind == BlockKind::ListItem && all_link).then_some("inside the article: link list")
}

/// Whether a kept line is a caption ending in its image's credit ("… (Image: Getty)", see
/// [`phrases::ends_with_credit`]): it is dropped, but only where it is, so it weighs in the
/// run search as its shape says (a caption between two paragraphs does not end the
/// article), and only kept lines are looked at. A long line is prose that happens to end
/// so; a credit ends without a full stop.
fn is_caption(text: &str, f: &Features) -> bool {
    !f.end_punct && (3..=50).contains(&f.words) && phrases::ends_with_credit(text)
}

/// Whether a line inside the run is dropped for being on the page more than once (see
/// [`Repeat`]): every copy, but for the first copy of a sentence, which may be the
/// article's own, quoted again in a box.
fn repeated(f: &Features) -> bool {
    match f.repeat {
        Repeat::Once => false,
        Repeat::First => !f.end_punct,
        Repeat::Again => true,
    }
}

/// Words an end-of-article marker may have for the DOM extractor's article to end at it:
/// the markers are labels ("Leave a reply", "Comments"), not sentences.
const DOM_END_WORDS: usize = 3;
/// Characters of kept text before an end-of-article marker that are enough article for
/// the DOM extractor's article to end at it, even when what follows is longer (a short
/// story and a long thread of comments).
const DOM_END_AFTER: usize = 500;

/// Share of the page's running prose (`Good` blocks) below which the DOM extractor is
/// taken to have chosen the wrong container.
const DOM_MIN_PROSE: f32 = 0.05;

impl Boilerplate {
    /// HTML: the DOM extractor's decisions, unless it missed the article. The line
    /// classifier is the fallback when the DOM's choice holds almost none of the page's
    /// running prose (under [`DOM_MIN_PROSE`] of the `Good` blocks' characters) and agrees
    /// with the classifier on at most a fifth of what it keeps: an article of one
    /// paragraph under a long list of teasers, or paragraphs each in its own card.
    fn choose(&self, article: &Article, a: &Analysis, dom: Vec<Decision>) -> Vec<Decision> {
        let text = self.text_decisions(article, a);
        let kept =
            |d: &Decision, b: &newsdrop_core::Block| b.keep && !matches!(d, Decision::Drop(_));
        // Characters kept by the DOM, by both, of `Good` blocks, of `Good` blocks the DOM kept.
        let (mut dom_chars, mut both, mut good, mut good_dom) = (0usize, 0usize, 0usize, 0usize);
        for (i, b) in article.blocks.iter().enumerate() {
            let n = a.features[i].chars;
            let (kd, kt) = (kept(&dom[i], b), kept(&text[i], b));
            dom_chars += n * usize::from(kd);
            both += n * usize::from(kd && kt);
            if b.keep && a.classes[i] == Class::Good {
                good += n;
                good_dom += n * usize::from(kd);
            }
        }
        if (good_dom as f32) < DOM_MIN_PROSE * good as f32 && both * 5 <= dom_chars {
            text
        } else {
            dom
        }
    }
}

impl Stage for Boilerplate {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        let a = self.analyse(article);
        let decisions = match article.format {
            Format::Html => match self.dom_decisions(article, &a.features) {
                Some(dom) => self.choose(article, &a, dom),
                None => self.text_decisions(article, &a),
            },
            _ => self.text_decisions(article, &a),
        };
        let decisions = self
            .drop_learnt(article, decisions)
            .map_err(|e| StageError::new(e.to_string()))?;
        for (block, d) in article.blocks.iter_mut().zip(decisions) {
            match d {
                Decision::Leave => {}
                Decision::KeepBy(why) => block.keep_by(RULE, why),
                Decision::Drop(why) => block.drop_by(RULE, why),
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

impl Boilerplate {
    /// Counts the article's lines into the source's memory, and drops the kept lines learnt
    /// as the source's chrome (see [`Learner::chrome`]), unless they would take most of what
    /// is kept (a page of short lines seen before is a copy, not a page of chrome).
    fn drop_learnt(
        &self,
        article: &Article,
        mut decisions: Vec<Decision>,
    ) -> Result<Vec<Decision>, StateError> {
        let Some(learner) = &self.learner else {
            return Ok(decisions);
        };
        let Some((source, seen)) = learner.observe(article)? else {
            return Ok(decisions);
        };
        let chrome = learner.chrome(&seen);
        let (mut kept, mut learnt) = (0usize, 0usize);
        let mut hits = Vec::new();
        for (i, (block, d)) in article.blocks.iter().zip(&decisions).enumerate() {
            if !block.keep || *d != Decision::Leave {
                continue;
            }
            let n = block.text.chars().count();
            kept += n;
            if let Some(pages) = chrome[i] {
                learnt += n;
                hits.push((i, pages));
            }
        }
        if learnt * 2 > kept {
            return Ok(decisions);
        }
        for (i, pages) in hits {
            decisions[i] = Decision::Drop(
                format!("learnt chrome: on {pages} earlier pages of {source}").into(),
            );
        }
        Ok(decisions)
    }
}

/// Where a dropped block was, relative to the main run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Before,
    After,
    Inside,
}

impl Place {
    const ALL: [Place; 3] = [Place::Before, Place::After, Place::Inside];

    fn text(self) -> &'static str {
        match self {
            Place::Before => "before the article",
            Place::After => "after the article",
            Place::Inside => "inside the article",
        }
    }
}

/// What a dropped block looked like when no phrase named it.
const SHAPES: [&str; 3] = ["copyright notice", "short line", "not prose"];

/// The reason for dropping a block: the phrase it matched, else where it was and what it
/// looked like. Every "place: what" is built once, so the reasons of most lines of a page
/// cost no allocation.
fn reason(place: Place, f: &Features) -> &'static str {
    static TABLE: LazyLock<Vec<String>> = LazyLock::new(|| {
        let whats: Vec<&str> = Kind::ALL.iter().map(|k| k.reason()).chain(SHAPES).collect();
        Place::ALL
            .iter()
            .flat_map(|p| whats.iter().map(move |w| format!("{}: {w}", p.text())))
            .collect()
    });
    let what = if let Some(k) = f.hit {
        Kind::ALL.iter().position(|&x| x == k).unwrap_or(0)
    } else if f.copyright {
        Kind::ALL.len()
    } else if f.chars < 70 {
        Kind::ALL.len() + 1
    } else {
        Kind::ALL.len() + 2
    };
    let place = Place::ALL.iter().position(|&p| p == place).unwrap_or(0);
    &TABLE[place * (Kind::ALL.len() + SHAPES.len()) + what]
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsdrop_core::{Block, BlockKind, DomHints};

    fn html(blocks: &[(&str, &str, &[u32], u32)]) -> Article {
        let mut a = crate::text::test_article(Format::Html);
        for &(text, path, ancestors, link_chars) in blocks {
            let mut b = Block::new(text, BlockKind::Paragraph);
            let tag = path.rsplit('>').next().unwrap_or("p");
            b.dom = Some(DomHints {
                tag: tag.split(['#', '.']).next().unwrap_or(tag).to_string(),
                path: path.to_string(),
                ancestors: ancestors.to_vec(),
                link_chars,
            });
            a.blocks.push(b);
        }
        a
    }

    #[test]
    fn a_json_body_is_the_article_and_loses_only_what_a_phrase_marks() {
        let mut a = crate::text::test_article(Format::Json);
        for text in [
            "First paragraph of the story, long enough to be prose.",
            "A short second one.",
            "Read more: Another story entirely",
        ] {
            a.blocks.push(Block::new(text, BlockKind::Paragraph));
        }
        Boilerplate::with_defaults()
            .expect("defaults")
            .apply(&mut a)
            .expect("applies");
        let kept: Vec<bool> = a.blocks.iter().map(|b| b.keep).collect();
        assert_eq!(kept, [true, true, false], "{:?}", a.blocks);

        // What the classifier would take for chrome (short lines in a language without a
        // stopword list) stays; a body that is all one teaser-shaped line is kept whole.
        let kept = |texts: &[&str]| {
            let mut a = crate::text::test_article(Format::Json);
            a.blocks = texts
                .iter()
                .map(|t| Block::new(*t, BlockKind::Paragraph))
                .collect();
            Boilerplate::with_defaults()
                .expect("defaults")
                .apply(&mut a)
                .expect("applies");
            a.blocks.iter().map(|b| b.keep).collect::<Vec<_>>()
        };
        assert_eq!(
            kept(&[
                "Госдума приняла бюджет.",
                "За документ проголосовали 340 депутатов.",
                "Оппозиция раскритиковала сокращения."
            ]),
            [true, true, true]
        );
        assert_eq!(kept(&["Watch: the moment the rocket lifted off"]), [true]);
    }

    /// An HTML body in a JSON field loses, by its markup, what a page would hold besides
    /// the story: a figure's caption, an embedded tweet, a list of related links; a list
    /// of items with words besides their link stays.
    #[test]
    fn a_json_html_body_loses_captions_embeds_and_link_lists() {
        let json = r#"{"title":"Quay opens","content":{"rendered":"<p>The new quay opened on Monday after three years of work, the council said.</p><figure><img src=\"q.jpg\"><figcaption>The quay at dawn.</figcaption></figure><p>Ferries will start in April, with six crossings a day.</p><blockquote class=\"twitter-tweet\"><p>Great day for the harbour!</p>&mdash; Mayor (@mayor) <a href=\"https://twitter.com/x\">March 1, 2025</a></blockquote><ul><li><a href=\"/a\">Harbour plan approved</a></li><li>Fares: <a href=\"/f\">see the table</a> for this year's prices</li></ul><p>The quay cost 12 million pounds.</p>"}}"#;
        let mut source = crate::text::test_article(Format::Json).source;
        source.name = "a.json".into();
        let mut a =
            newsdrop_read::read_article(json.as_bytes(), source, &newsdrop_read::Limits::default())
                .expect("reads");
        Boilerplate::with_defaults()
            .expect("defaults")
            .apply(&mut a)
            .expect("applies");
        let kept: Vec<&str> = a
            .blocks
            .iter()
            .filter(|b| b.keep)
            .map(|b| b.text.as_str())
            .collect();
        assert_eq!(
            kept,
            [
                "The new quay opened on Monday after three years of work, the council said.",
                "Ferries will start in April, with six crossings a day.",
                "Fares: see the table for this year's prices",
                "The quay cost 12 million pounds.",
            ]
        );
        let why = |text: &str| {
            let b = a
                .blocks
                .iter()
                .find(|b| b.text.starts_with(text))
                .expect(text);
            b.mark
                .as_ref()
                .map(|m| m.reason.to_string())
                .unwrap_or_default()
        };
        assert!(why("The quay at dawn").contains("image or video label"));
        assert!(why("Great day").contains("embedded post"));
        assert!(why("Harbour plan").contains("link list"));
    }

    /// A brief's last paragraph of one short sentence is the article's; a call to the
    /// reader in its place, or a sentence after a gap of chrome, is not.
    #[test]
    fn a_short_last_sentence_closes_the_article_and_a_call_to_the_reader_does_not() {
        const PARA_1: &str = "The harbour board said on Tuesday that the new quay would \
            open in the spring, two years after work began and a year later than promised.";
        const PARA_2: &str = "Engineers had to rebuild part of the old sea wall, the board \
            said, and the storms of last winter held the work up for most of three months.";
        let kept = |last: &[&str]| {
            let mut lines = vec!["Harbour quay opens a year late", PARA_1, PARA_2];
            lines.extend(last);
            let mut a = crate::text::line_article(&lines);
            Boilerplate::with_defaults()
                .expect("defaults")
                .apply(&mut a)
                .expect("applies");
            a.blocks[3..].iter().map(|b| b.keep).collect::<Vec<_>>()
        };
        assert_eq!(kept(&["The first ferry is due on 3 April."]), [true]);
        assert_eq!(
            kept(&[
                "The first ferry is due on 3 April.",
                "“It was worth the wait for us,” the mayor said."
            ]),
            [true, true]
        );
        for call in [
            "Subscribe to our newsletter for the latest news.",
            "Have a story tip? Email us at tips@example.com.",
            "We want to hear from you on this and other stories.",
            "Follow the Courier on social media for more updates.",
        ] {
            assert_eq!(kept(&[call]), [false], "{call}");
        }
        assert_eq!(
            kept(&["Share", "Facebook", "The first ferry is due on 3 April."]),
            [false, false, false]
        );
    }

    /// A page of `folder` with its own article text and the site's closing line.
    fn courier_page(folder: &str, n: usize) -> Article {
        const PLACES: [&str; 6] = ["harbour", "library", "bridge", "school", "market", "depot"];
        const THINGS: [&str; 3] = ["budget", "timetable", "repairs"];
        let para = |k: usize| {
            format!(
                "The county council met about the {} and after a long debate it voted to \
                 approve the {} plan, with two members against it and one abstaining from \
                 the vote that the {} board had asked for.",
                PLACES[n % 6],
                THINGS[k % 3],
                PLACES[(n + k) % 6]
            )
        };
        let mut a = crate::text::line_article(&[
            &para(1),
            &para(2),
            "The Valley Courier is an independent newspaper serving the county since 1921.",
            &para(3),
        ]);
        a.source.folder = folder.to_string();
        a
    }

    fn learning_pipeline() -> newsdrop_core::Pipeline {
        let src = "[[stage]]\nrule = \"boilerplate\"\nlearn_after = 3\n";
        let config = newsdrop_core::LoadedConfig::parse(src, std::path::Path::new("t.toml"))
            .map_err(|e| e.errors)
            .expect("config");
        let state: std::sync::Arc<dyn newsdrop_core::State> =
            std::sync::Arc::new(newsdrop_store::Store::in_memory().expect("store"));
        crate::Registry::builtin()
            .build_with_state(&config, Some(&state))
            .expect("pipeline")
    }

    fn courier_line(a: &Article) -> &newsdrop_core::Block {
        a.blocks
            .iter()
            .find(|b| b.text.starts_with("The Valley Courier"))
            .expect("line")
    }

    #[test]
    fn a_line_that_recurs_on_a_sites_pages_is_learnt_as_chrome() {
        let pipeline = learning_pipeline();
        for n in 0..3 {
            let mut a = courier_page("courier", n);
            pipeline.run(&mut a).expect("runs");
            assert!(courier_line(&a).keep, "page {n}: not learnt yet");
        }
        // Another site's pages with the same line do not count towards the courier's.
        let mut other = courier_page("gazette", 9);
        pipeline.run(&mut other).expect("runs");
        assert!(courier_line(&other).keep);

        let mut a = courier_page("courier", 3);
        pipeline.run(&mut a).expect("runs");
        let line = courier_line(&a);
        assert!(!line.keep);
        let mark = line.mark.as_ref().expect("marked");
        assert_eq!(
            (mark.rule.as_ref(), mark.reason.as_ref()),
            (RULE, "learnt chrome: on 3 earlier pages of folder:courier")
        );
        // The article's own paragraphs stay.
        assert_eq!(a.blocks.iter().filter(|b| b.keep).count(), 3);
    }

    #[test]
    fn the_same_article_seen_again_is_not_mistaken_for_chrome() {
        let pipeline = learning_pipeline();
        for round in 0..6 {
            let mut a = courier_page("courier", 1);
            pipeline.run(&mut a).expect("runs");
            // Its paragraphs recur as often as the closing line: the page is a re-crawl.
            assert_eq!(
                a.blocks.iter().filter(|b| b.keep).count(),
                4,
                "round {round}"
            );
        }
        // Once the line is on three pages besides those copies, it is the site's chrome.
        for n in 2..5 {
            pipeline.run(&mut courier_page("courier", n)).expect("runs");
        }
        let mut a = courier_page("courier", 1);
        pipeline.run(&mut a).expect("runs");
        assert!(!courier_line(&a).keep);
        assert_eq!(a.blocks.iter().filter(|b| b.keep).count(), 3);
    }

    #[test]
    fn a_page_of_short_lines_all_seen_before_is_a_copy_not_chrome() {
        let pipeline = learning_pipeline();
        let lines = [
            "Storm closes the coast road.",
            "Crews worked through the night.",
            "The road reopens on Friday.",
        ];
        for round in 0..5 {
            let mut a = crate::text::line_article(&lines);
            a.source.folder = "courier".into();
            pipeline.run(&mut a).expect("runs");
            let marks: Vec<Option<&str>> = a
                .blocks
                .iter()
                .map(|b| b.mark.as_ref().map(|m| m.reason.as_ref()))
                .collect();
            assert!(
                marks.iter().flatten().all(|r| !r.starts_with("learnt")),
                "round {round}: {marks:?}"
            );
        }
    }

    #[test]
    fn the_source_is_the_url_host_then_the_folder_then_the_publisher() {
        let mut a = crate::text::test_article(Format::Text);
        assert_eq!(learn::source_key(&a), None);
        a.meta.publisher = Some("The Courier".into());
        assert_eq!(
            learn::source_key(&a).as_deref(),
            Some("publisher:the courier")
        );
        a.source.folder = "feeds/courier".into();
        assert_eq!(
            learn::source_key(&a).as_deref(),
            Some("folder:feeds/courier")
        );
        a.meta.url = Some("https://user@WWW.Courier.example:8443/news/1?x=y".into());
        assert_eq!(
            learn::source_key(&a).as_deref(),
            Some("host:courier.example")
        );
    }

    #[test]
    fn reasons_name_the_place_and_the_phrase_or_shape() {
        let f = |hit, copyright, chars| Features {
            hit,
            copyright,
            chars,
            ..Features::default()
        };
        for place in Place::ALL {
            for k in Kind::ALL {
                let want = format!("{}: {}", place.text(), k.reason());
                assert_eq!(reason(place, &f(Some(k), true, 10)), want);
            }
            let p = place.text();
            assert_eq!(
                reason(place, &f(None, true, 10)),
                format!("{p}: copyright notice")
            );
            assert_eq!(
                reason(place, &f(None, false, 69)),
                format!("{p}: short line")
            );
            assert_eq!(
                reason(place, &f(None, false, 70)),
                format!("{p}: not prose")
            );
        }
        assert_eq!(
            reason(Place::Before, &f(None, false, 3)),
            "before the article: short line"
        );
    }

    /// The body the rule keeps of a text page of `lines`.
    fn text_body<S: AsRef<str>>(lines: &[S]) -> String {
        let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
        let mut a = crate::text::line_article(&lines);
        let bp = Boilerplate::with_defaults().expect("phrases");
        bp.apply(&mut a).expect("applies");
        a.body()
    }

    const PARA_1: &str = "The county council met on Tuesday and after a long debate it voted \
        to approve the harbour plan, with two of its members against it and one abstaining \
        from the vote that the planning board had asked it to hold before the winter.";
    const PARA_2: &str = "Work on the new quay is to start in the spring, the council's \
        planning officer said, and it should take two years to finish if the weather and \
        the budget allow it, which many in the town doubt after the last delays.";

    const PARA_3: &str = "The harbour master welcomed the vote and said that the fishing \
        fleet had waited long enough for a quay that can take the larger boats, and that \
        he hoped the work would not close the harbour for the whole of the summer.";

    #[test]
    fn a_thread_of_stamped_comments_does_not_outweigh_the_article() {
        const COMMENT: &str = "I have lived by the harbour for thirty years and I can tell \
            you that the council has promised a new quay at every election since then, so \
            forgive me if I do not hold my breath for this one either.";
        let mut lines: Vec<String> = ["Council approves the harbour plan", PARA_1, PARA_2]
            .map(String::from)
            .into();
        for (user, when) in [
            ("harbourwatcher", "2 days ago at 07:52 am"),
            ("Nick A", "2 days ago at 08:10 am"),
            ("quayside", "1 day ago at 11:02 pm"),
            ("tjedora", "20 hours ago"),
        ] {
            lines.extend([
                user.to_string(),
                when.to_string(),
                format!("{COMMENT} Says {user}."),
                format!("And {user} says again: {COMMENT}"),
                "Rating: 12 Votes".to_string(),
            ]);
        }
        assert_eq!(text_body(&lines), format!("{PARA_1}\n\n{PARA_2}"));
    }

    #[test]
    fn a_listing_above_the_article_does_not_take_its_place() {
        // Longer than 0.4 of the article: the first item would win if it were preferred.
        const SUMMARY: &str = "The county's schools will open an hour later from next term, \
            the education board said on Monday after a year of complaints from parents, who \
            had asked for the change, and from teachers, who had said that the early start \
            was the reason for half of the absences they saw.";
        let mut lines = Vec::new();
        for (n, when) in ["Monday November 18, 2019", "Tuesday November 19, 2019"]
            .iter()
            .enumerate()
        {
            lines.extend([
                format!("Schools to open later, part {n}"),
                "Jane Doe".to_string(),
                when.to_string(),
                format!("{SUMMARY} ({n})"),
            ]);
        }
        lines.extend(["Latest", "Wednesday November 20, 2019", PARA_1, PARA_2].map(String::from));
        assert_eq!(text_body(&lines), format!("{PARA_1}\n\n{PARA_2}"));
    }

    #[test]
    fn one_stamp_under_a_standfirst_does_not_split_the_article() {
        let lines = [
            "Council approves the harbour plan",
            "November 18, 2019",
            PARA_1,
            "By Jane Doe",
            "Nov. 19, 2019 8:03 am ET",
            PARA_2,
            PARA_3,
        ];
        assert_eq!(
            text_body(&lines),
            format!("{PARA_1}\n\nBy Jane Doe\n\nNov. 19, 2019 8:03 am ET\n\n{PARA_2}\n\n{PARA_3}")
        );
    }

    #[test]
    fn a_korean_article_under_english_chrome_is_kept_whole() {
        // Korean glues its particles to the words, so its prose has as few whole-word
        // stopwords as chrome: length and punctuation decide, as for Japanese.
        const KO: [&str; 4] = [
            "서울시는 월요일 새로운 교통 계획을 발표했으며, 이 계획은 내년 봄부터 시행될 \
             예정이라고 밝혔다. 그래서 시는 이번 계획이 도심의 혼잡을 크게 줄일 수 있다고 본다.",
            "시 관계자는 버스 노선을 늘리고 지하철 운행 간격을 줄여 출퇴근 시간의 혼잡을 \
             덜겠다고 설명했다. 그리고 그는 올해 안에 새 차량을 들여올 것이라고 덧붙였다.",
            "하지만 시민 단체들은 이 계획의 취지에는 공감하면서도 예산 확보 방안이 \
             구체적이지 않다며 우려를 나타냈다. 그들은 시의회가 예산안을 따져 봐야 한다고 했다.",
            "그러나 시는 다음 달 공청회를 열어 시민들의 의견을 듣고 계획을 보완할 수 있다고 \
             밝혔다. 이 공청회는 시청 대회의실에서 열리며 누구나 참석할 수 있다.",
        ];
        let mut lines = vec![
            "Regional Herald",
            "e-Paper | Newsletters | Podcasts",
            "Search",
            "서울시, 새 교통 계획 발표",
        ];
        lines.extend(KO);
        lines.extend([
            "Get the Regional Herald newsletter",
            "Enter your email address",
            "Sign up",
            "© Regional Herald 2024",
        ]);
        assert_eq!(text_body(&lines), KO.join("\n\n"));
    }

    #[test]
    fn a_comment_prompt_in_portuguese_ends_the_article_as_in_english() {
        const PT: [&str; 2] = [
            "A câmara municipal aprovou na terça-feira o plano para o novo cais do porto, \
             depois de um longo debate em que dois vereadores votaram contra e um se absteve \
             na votação que a comissão tinha pedido antes do inverno.",
            "As obras devem começar na primavera, segundo o engenheiro da câmara, e vão durar \
             dois anos se o tempo e o orçamento o permitirem, o que muitos na cidade duvidam \
             depois dos últimos atrasos.",
        ];
        const COMMENT: &str = "Eu moro perto do porto há trinta anos e posso dizer que a \
            câmara promete um cais novo em todas as eleições desde então, por isso não \
            acredito que desta vez seja diferente das outras.";
        let mut lines = vec!["Jornal da Costa", PT[0], PT[1]];
        lines.extend(["Deixe um comentário", COMMENT]);
        assert_eq!(text_body(&lines), PT.join("\n\n"));
    }

    #[test]
    fn the_page_footer_ends_the_article() {
        const RULES: &str = "Users must follow the laws of their country and the rules of \
            the site when they post, and the moderators have the right to delete any comment \
            that breaks them, without giving a reason, and to block the account of its author.";
        let mut lines = vec![PARA_1, PARA_2];
        lines.extend([
            "World", "Business", "Sport", "Culture", "About us", "Contact",
        ]);
        lines.extend([
            "© 2019 The Courier. All rights reserved",
            "Community standards",
        ]);
        let rules: Vec<String> = (1..=3).map(|n| format!("{n}. {RULES}")).collect();
        let mut lines: Vec<String> = lines.into_iter().map(String::from).collect();
        lines.extend(rules);
        assert_eq!(text_body(&lines), format!("{PARA_1}\n\n{PARA_2}"));
    }

    #[test]
    fn lines_the_page_repeats_are_dropped_but_the_first_copy_of_a_sentence() {
        const CAPTION: &str = "The harbour at low tide, seen from the old quay (Photo: J. Doe)";
        const QUOTE: &str = "\u{201c}We have waited long enough for this quay,\u{201d} she said.";
        let lines = [
            PARA_1, CAPTION, PARA_2, QUOTE, PARA_3, QUOTE, CAPTION, PARA_1,
        ];
        assert_eq!(
            text_body(&lines),
            format!("{PARA_1}\n\n{PARA_2}\n\n{QUOTE}\n\n{PARA_3}")
        );
    }

    #[test]
    fn a_caption_ending_in_its_credit_is_dropped_and_the_article_goes_on() {
        const CAPTION: &str = "Members of the council at the harbour on the morning of the \
            vote, with the old quay behind them (Image: GETTY )";
        let lines = [PARA_1, CAPTION, PARA_2, PARA_3];
        assert_eq!(
            text_body(&lines),
            format!("{PARA_1}\n\n{PARA_2}\n\n{PARA_3}")
        );
    }

    #[test]
    fn html_falls_back_to_the_line_classifier_when_the_dom_misses_the_prose() {
        const TEASER: &str = "Ten things to do in the city this weekend";
        const ARTICLE: &str = "The council met on Tuesday evening and after a long and at \
            times heated debate it voted to approve the new budget for the coming year, with \
            two of its members voting against the plan and one abstaining.";
        let mut a = html(&[
            ("Home", "body>nav>a", &[0, 1, 2], 4),
            (ARTICLE, "body>div.row>div>div", &[0, 3, 4, 5], 0),
            ("Sports", "body>div.row>div>a", &[0, 3, 4, 6], 6),
            (TEASER, "body>div.list>p", &[0, 7, 8], 0),
            (TEASER, "body>div.list>p", &[0, 7, 9], 0),
            (TEASER, "body>div.list>p", &[0, 7, 10], 0),
            (TEASER, "body>div.list>p", &[0, 7, 11], 0),
            (TEASER, "body>div.list>p", &[0, 7, 12], 0),
        ]);
        let bp = Boilerplate::with_defaults().expect("phrases");
        // The DOM extractor alone picks the teaser box.
        let features = bp.features(&mut a);
        let dom = bp.dom_decisions(&a, &features).expect("prose");
        assert_eq!(dom[1], Decision::Drop("outside the main content".into()));
        assert_eq!(dom[3], Decision::Leave);
        bp.apply(&mut a).expect("applies");
        assert_eq!(a.body(), ARTICLE);
    }

    /// `texts` as the paragraphs of one container, with a comment count by the byline
    /// first.
    fn story(texts: &[&str]) -> Article {
        let mut blocks = vec![("12 Comments", "body>div.story>p", vec![0, 1, 2])];
        for (n, t) in texts.iter().enumerate() {
            blocks.push((t, "body>div.story>p", vec![0, 1, 3 + n as u32]));
        }
        let blocks: Vec<(&str, &str, &[u32], u32)> = blocks
            .iter()
            .map(|(t, p, a)| (*t, *p, a.as_slice(), 0))
            .collect();
        html(&blocks)
    }

    const COMMENT: &str = "I have lived by the harbour for thirty years and the council \
        has promised a new quay at every election since then, so forgive me if I do not hold \
        my breath for this one either, whatever the planning officer says.";

    fn dom_body(a: &mut Article, rules: &str) -> String {
        let src = format!("[[stage]]\nrule = \"boilerplate\"\n{rules}\n");
        let config = newsdrop_core::LoadedConfig::parse(&src, std::path::Path::new("t.toml"))
            .map_err(|e| e.errors)
            .expect("config");
        let pipeline = crate::Registry::builtin().build(&config).expect("pipeline");
        pipeline.run(a).expect("runs");
        a.body()
    }

    #[test]
    fn html_an_end_marker_behind_most_of_the_article_ends_it() {
        let mut a = story(&[PARA_1, PARA_2, PARA_3, "Leave a reply", COMMENT]);
        // The count by the byline (before most of the article) does not end it.
        assert_eq!(dom_body(&mut a, ""), [PARA_1, PARA_2, PARA_3].join("\n\n"));
        let mark = a.blocks[5].mark.as_ref().expect("marked");
        assert_eq!(mark.reason, "after end-of-article marker");
        // Behind 500 characters of article it ends it, however long the thread after it.
        let thread = [COMMENT; 6];
        let mut page = vec![PARA_1, PARA_2, PARA_3, "Comments"];
        page.extend(thread);
        let mut a = story(&page);
        assert_eq!(dom_body(&mut a, ""), [PARA_1, PARA_2, PARA_3].join("\n\n"));
        // A line a keep pattern names stays, after the marker too.
        let note = "Editor's note: the vote was on Tuesday, not Monday.";
        let mut a = story(&[PARA_1, PARA_2, PARA_3, "Leave a reply", note, COMMENT]);
        assert_eq!(
            dom_body(&mut a, "keep = [\"Editor's note\"]"),
            [PARA_1, PARA_2, PARA_3, note].join("\n\n")
        );
    }

    #[test]
    fn html_a_sentence_the_end_rules_match_does_not_end_the_article() {
        // Each would be an end-of-article marker by the phrase rules (a line ending in
        // "said:", a line opening with "Thoughts on", a heading "More from …").
        for line in [
            "In a statement, the company said:",
            "Thoughts on the timetable differed between the members of the board.",
            "More from the hearing",
        ] {
            let mut a = story(&[PARA_1, PARA_2, line, PARA_3]);
            let body = dom_body(&mut a, "");
            assert!(body.ends_with(PARA_3), "{line}: {body}");
        }
    }

    #[test]
    fn html_keeps_the_dom_choice_when_it_holds_the_prose() {
        const PARA: &str = "The council met on Tuesday, and after a long debate, it voted \
            to approve the new budget for the coming year, with two members against.";
        let mut a = html(&[
            ("Home", "body>nav>a", &[0, 1, 2], 4),
            (PARA, "body>div.story>p", &[0, 3, 4], 0),
            (
                "A short line of the story",
                "body>div.story>p",
                &[0, 3, 5],
                0,
            ),
            (PARA, "body>div.story>p", &[0, 3, 6], 0),
            ("Read more: other story", "body>div.story>p", &[0, 3, 7], 0),
        ]);
        let bp = Boilerplate::with_defaults().expect("phrases");
        bp.apply(&mut a).expect("applies");
        let kept: Vec<bool> = a.blocks.iter().map(|b| b.keep).collect();
        assert_eq!(kept, [false, true, true, true, false]);
    }
}
