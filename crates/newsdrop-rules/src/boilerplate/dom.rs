//! Main-content extraction for HTML pages, on the blocks the reader made from the DOM.
//!
//! Why not `dom_smoothie` or `rs-trafilatura`: measured here on the 111 dev pages, they
//! scored F1 0.943 (186 pages/s) and 0.952 (35 pages/s), both parse the HTML a second time,
//! and neither says which of our blocks it kept. This works on the reader's blocks and their
//! [`DomHints`](newsdrop_core::DomHints) (tag, `tag#id.class` path, ancestor numbers, link
//! characters), so every dropped block carries its reason, in linear time.
//!
//! The method is readability's, on blocks:
//! 1. a block is *prose* when it is a paragraph-like element (`p`, `div`, `td`, `li` ending
//!    like a sentence, …) of 25 characters or more with at most 30% link text;
//! 2. each prose block scores `1 + commas + min(chars / 100, 3)`, added to its parent in
//!    full, its grandparent by half and further ancestors by `1 / (3 × level)`; prose in
//!    two or more `<article>`s nested in another `<article>` (comments or related stories,
//!    as the HTML spec reads nested articles) does not score;
//! 3. an ancestor's score is scaled by its share of non-link text and moved by ±25 for an
//!    article-like or chrome-like `id`/`class` ([`hint`]); the best one is the article's
//!    container;
//! 4. containers with the same signature and enough prose (an article split into chunks)
//!    join it: the last three steps of the path, each as tag and first class, so that a
//!    chunk nested under other wrappers or carrying an extra class
//!    (`div.article-body-text.component.version-2`) still matches;
//! 5. inside, a block is dropped when an element between it and the container is
//!    chrome-like, when it is mostly link text, when it is an `h1` (the title) or in a
//!    `figure` (a caption or credit), or when it is a scrap of under 10 characters that
//!    does not end like a sentence.
//!
//! Tuned on the dev pages: the prose threshold (25 chars, 30% links), the class weight (25),
//! the link-density cut (50%, 80% for long sentences), the signature (3 steps; 2 and 4
//! score the same) and the hint word lists, which are generic web vocabulary (`nav`,
//! `comment`, `related`, `share`, …; `embed` is not chrome), not any site's names.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};

use newsdrop_core::Block;

use super::classify::Features;
use crate::text::Fast;

/// What the extractor decided for one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Keep,
    /// Dropped, and why.
    Drop(Cow<'static, str>),
}

/// Why a short scrap of text inside the container is dropped ("Share", "Comments").
pub const SCRAP: &str = "scrap of text";

/// Tags whose own text can be an article paragraph.
fn is_prose_tag(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div" | "td" | "section" | "blockquote" | "pre" | "li" | "dd"
    )
}

/// Per-ancestor totals.
#[derive(Default, Clone)]
struct Node {
    score: f32,
    chars: f32,
    link_chars: f32,
    prose_chars: f32,
    /// The element's `tag#id.class` step.
    step: String,
    /// [`hint`] of `step`, computed when first asked for (most nodes never are).
    hints: std::cell::Cell<Option<(bool, bool)>>,
}

impl Node {
    fn hint(&self) -> (bool, bool) {
        if let Some(h) = self.hints.get() {
            return h;
        }
        let h = hint(&self.step);
        self.hints.set(Some(h));
        h
    }
}

/// Words of `id`/`class` values that mark an element as chrome. Not `card`: a card is a
/// box for any content (the story itself, a recipe in it) as much as for a teaser.
const NEG: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "sidebar",
    "side-bar",
    "comment",
    "related",
    "share",
    "sharing",
    "social",
    "widget",
    "promo",
    "advert",
    "banner",
    "breadcrumb",
    "cookie",
    "newsletter",
    "subscri",
    "signup",
    "sign-up",
    "popular",
    "trending",
    "recommend",
    "more-",
    "outbrain",
    "taboola",
    "tag-list",
    "keywords",
    "author-bio",
    "byline",
    "caption",
    "toolbar",
    "pagination",
    "pager",
    "disqus",
    "masthead",
    "header",
    "topbar",
    "login",
    "modal",
    "popup",
    "rating",
    "print",
    "email",
    "hidden",
    "skip",
    "teaser",
    "most-read",
    "also-",
    "read-more",
    "next",
    "prev",
    "copyright",
    "legal",
    "footnote",
    "tool",
    "utility",
    "follow",
    "donate",
];

/// Words of `id`/`class` values that mark an element as the article.
const POS: &[&str] = &[
    "article", "content", "story", "post", "entry", "body", "text", "main", "prose", "blog",
];

/// [`POS`] and [`NEG`] as automata, so that one pass over a name tells whether it holds
/// any of their words (a `contains` for each word took most of [`hint`]'s time).
static WORDS: LazyLock<(Option<AhoCorasick>, Option<AhoCorasick>)> =
    LazyLock::new(|| (automaton(POS), automaton(NEG)));

/// A DFA without a prefilter: class names are short, and the word lists small.
fn automaton(words: &[&str]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::DFA))
        .prefilter(false)
        .build(words)
        .ok()
}

/// Whether `name` contains one of `words`, by their automaton `ac` (or, were it missing,
/// one `contains` after another).
fn contains_any(ac: &Option<AhoCorasick>, words: &[&str], name: &str) -> bool {
    match ac {
        Some(ac) => ac.is_match(name),
        None => words.iter().any(|w| name.contains(w)),
    }
}

/// Whether a path step (`tag#id.class1.class2`) looks like the article (`.0`) or like
/// chrome (`.1`), from its tag and its id and class names.
pub fn hint(step: &str) -> (bool, bool) {
    let mut parts = step.split(['#', '.']);
    let tag = parts.next().unwrap_or("");
    let mut pos = matches!(tag, "article" | "main");
    let mut neg = matches!(tag, "nav" | "footer" | "aside" | "form" | "header");
    for name in parts.filter(|p| !p.is_empty()) {
        let name: std::borrow::Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            name.to_ascii_lowercase().into()
        } else {
            name.into()
        };
        pos |= contains_any(&WORDS.0, POS, &name);
        // An embedded post or video ("social-media-embed") is part of the story, not a
        // share widget.
        if name.contains("embed") && !name.contains("share") {
            continue;
        }
        neg |= contains_any(&WORDS.1, NEG, &name)
            || name == "ad"
            || name == "ads"
            || name.starts_with("ad-")
            || name.ends_with("-ad")
            || name.ends_with("tag")
            || name.ends_with("tags");
    }
    (pos, neg)
}

/// What two containers of one article in chunks share in a path step: the tag and the
/// first class (`div.article-body-text.component.version-2` and
/// `div.article-body-text.component` are the same kind of chunk); ids are left out, they
/// are often numbered (`post-1234`).
fn step_key(step: &str) -> &str {
    let Some(dot) = step.find('.') else {
        return step.split('#').next().unwrap_or(step);
    };
    let tag_end = step.find('#').map_or(dot, |h| h.min(dot));
    let class_end = step[dot + 1..]
        .find(['.', '#'])
        .map_or(step.len(), |e| dot + 1 + e);
    if tag_end == dot {
        &step[..class_end]
    } else {
        // `tag#id.class`: keep the tag alone rather than splice a new string.
        &step[..tag_end]
    }
}

/// The tag of a path step (`div` of `div#main.story`).
fn step_tag(step: &str) -> &str {
    step.split(['#', '.']).next().unwrap_or(step)
}

/// The steps of a path, without the `…` of a capped one: parallel to `ancestors`.
fn steps(path: &str) -> impl Iterator<Item = &str> {
    path.split('>').filter(|s| *s != "…")
}

/// Decides every block of an HTML page. `features[i]` are block `i`'s text features; blocks
/// with no DOM hints are kept. Returns `None` when no block looks like prose.
pub fn extract(blocks: &[Block], features: &[Features]) -> Option<Vec<Fate>> {
    let mut nodes: HashMap<u32, Node, Fast> = HashMap::default();
    let mut order: Vec<u32> = Vec::new();
    let mut prose = vec![false; blocks.len()];
    // (parent, child) pairs where the child is an `<article>`: to find lists of stories.
    let mut article_children: HashSet<(u32, u32), Fast> = HashSet::default();
    for (i, (b, f)) in blocks.iter().zip(features).enumerate() {
        let Some(d) = &b.dom else { continue };
        let chars = f.chars as f32;
        let link = (d.link_chars as f32).min(chars);
        let ld = if f.chars == 0 { 0.0 } else { link / chars };
        prose[i] =
            f.chars >= 25 && ld <= 0.3 && is_prose_tag(&d.tag) && (d.tag != "li" || f.end_punct);
        let mut parent = None;
        for (&a, step) in d.ancestors.iter().zip(steps(&d.path)) {
            if let Some(p) = parent
                && step_tag(step) == "article"
            {
                article_children.insert((p, a));
            }
            parent = Some(a);
            let node = nodes.entry(a).or_insert_with(|| {
                order.push(a);
                Node {
                    step: step.to_string(),
                    ..Node::default()
                }
            });
            node.chars += chars;
            node.link_chars += link;
            if prose[i] {
                node.prose_chars += chars;
            }
        }
    }
    // Two or more `<article>`s nested in another `<article>` are comments or related
    // stories (the HTML spec's reading of nested articles), not the story: their prose
    // does not score. One nested article is often the story itself in a page wrapper.
    let mut articles_in: HashMap<u32, u32, Fast> = HashMap::default();
    for &(p, _) in &article_children {
        *articles_in.entry(p).or_default() += 1;
    }
    let listed = |d: &newsdrop_core::DomHints| -> bool {
        let mut outer = false;
        for (j, (&a, step)) in d.ancestors.iter().zip(steps(&d.path)).enumerate() {
            if step_tag(step) != "article" {
                continue;
            }
            if outer
                && j > 0
                && articles_in
                    .get(&d.ancestors[j - 1])
                    .is_some_and(|&n| n >= 2)
                && article_children.contains(&(d.ancestors[j - 1], a))
            {
                return true;
            }
            outer = true;
        }
        false
    };
    for (i, b) in blocks.iter().enumerate() {
        let Some(d) = b.dom.as_ref().filter(|_| prose[i]) else {
            continue;
        };
        if !article_children.is_empty() && listed(d) {
            continue;
        }
        let chars = features[i].chars as f32;
        let commas = b.text.matches([',', '，', '、']).count() as f32;
        let value = 1.0 + commas + (chars / 100.0).min(3.0);
        let parents = d.ancestors.len().saturating_sub(1);
        for (level, a) in d.ancestors[..parents].iter().rev().enumerate().take(7) {
            let div = match level {
                0 => 1.0,
                1 => 2.0,
                l => 3.0 * l as f32,
            };
            if let Some(node) = nodes.get_mut(a) {
                node.score += value / div;
            }
        }
    }
    let mut best: Option<(f32, u32)> = None;
    for a in &order {
        let Some(n) = nodes.get(a) else { continue };
        if n.score <= 0.0 {
            continue;
        }
        let (pos, neg) = n.hint();
        let weighted = n.score * (1.0 - n.link_chars / n.chars.max(1.0))
            + if pos { CLASS_WEIGHT } else { 0.0 }
            - if neg { CLASS_WEIGHT } else { 0.0 };
        if best.is_none_or(|(s, _)| weighted > s) {
            best = Some((weighted, *a));
        }
    }
    let (_, top) = best?;

    // Containers with the same signature as the top one (an article in chunks).
    let mut tops = vec![top];
    let signature: Option<Vec<&str>> = blocks.iter().find_map(|b| {
        let d = b.dom.as_ref()?;
        let j = d.ancestors.iter().position(|&a| a == top)?;
        Some(steps(&d.path).take(j + 1).map(step_key).collect())
    });
    if let Some(sig) = signature
        && sig.last().is_some_and(|s| s.contains(['.', '#']))
    {
        // The container's own step and the steps just above it must match; what is
        // higher up may differ (a chunk nested a few wrappers deeper than the first).
        let tail = &sig[sig.len().saturating_sub(SIGNATURE_STEPS)..];
        // Whether the tail ends at an element depends on the element and its parents
        // alone, so it is worked out once per element, from the steps the nodes keep
        // (splitting every block's path took a fifth of the rule's time on HTML). A
        // capped path's steps skip elements in the middle, so around the gap they are
        // not parent and child: such a path (a page nested over 32 deep) is split.
        let mut ends_tail: HashMap<u32, bool, Fast> = HashMap::default();
        for b in blocks {
            let Some(d) = &b.dom else { continue };
            let found = if d.path.contains("…") {
                let st: Vec<&str> = steps(&d.path).map(step_key).collect();
                (st.len() == d.ancestors.len())
                    .then(|| {
                        (tail.len()..=st.len())
                            .find(|&end| st[end - tail.len()..end] == *tail)
                            .map(|end| end - 1)
                    })
                    .flatten()
            } else {
                (tail.len().saturating_sub(1)..d.ancestors.len()).find(|&k| {
                    *ends_tail.entry(d.ancestors[k]).or_insert_with(|| {
                        let window = &d.ancestors[k + 1 - tail.len()..=k];
                        window
                            .iter()
                            .zip(tail)
                            .all(|(a, t)| nodes.get(a).is_some_and(|n| step_key(&n.step) == *t))
                    })
                })
            };
            let Some(k) = found else {
                continue;
            };
            let a = d.ancestors[k];
            let share = nodes
                .get(&a)
                .map_or(0.0, |n| n.prose_chars / n.chars.max(1.0));
            if share >= CLONE_SHARE && !tops.contains(&a) {
                tops.push(a);
            }
        }
    }

    let fates = blocks
        .iter()
        .zip(features)
        .map(|(b, f)| {
            let Some(d) = &b.dom else {
                return Fate::Keep;
            };
            let Some(j) = d.ancestors.iter().position(|a| tops.contains(a)) else {
                return Fate::Drop("outside the main content".into());
            };
            if let Some(n) = d.ancestors[j + 1..]
                .iter()
                .filter_map(|a| nodes.get(a))
                .find(|n| n.hint().1)
            {
                return Fate::Drop(format!("in a chrome element ({})", n.step).into());
            }
            let chars = f.chars as f32;
            let ld = if f.chars == 0 {
                0.0
            } else {
                d.link_chars as f32 / chars
            };
            let sentence = f.end_punct && f.chars >= 100 && ld < 0.8;
            if ld > 0.5 && !sentence {
                return Fate::Drop("mostly link text".into());
            }
            if d.tag == "h1" {
                return Fate::Drop("page heading (the title)".into());
            }
            // A figure's text is its caption or credit (a `<p>` in a `<figcaption>`, a
            // credit line beside it), wherever in the figure it sits.
            let in_figure = d.ancestors[j + 1..].iter().any(|a| {
                nodes
                    .get(a)
                    .is_some_and(|n| matches!(step_tag(&n.step), "figure" | "figcaption"))
            });
            if in_figure {
                return Fate::Drop("caption".into());
            }
            if f.chars < 10
                && !f.end_punct
                && !matches!(b.kind, newsdrop_core::BlockKind::Heading(_))
            {
                return Fate::Drop(SCRAP.into());
            }
            Fate::Keep
        })
        .collect();
    Some(fates)
}

/// What an article-like or chrome-like class name is worth in the container choice.
const CLASS_WEIGHT: f32 = 25.0;
/// Steps of the container's path (its own and its ancestors') that a chunk of the same
/// article must share.
const SIGNATURE_STEPS: usize = 3;
/// Share of prose a same-signature container needs to join the article.
const CLONE_SHARE: f32 = 0.3;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::boilerplate::phrases::Phrases;
    use newsdrop_core::{BlockKind, DomHints};

    fn block(text: &str, path: &str, ancestors: &[u32], link_chars: u32) -> Block {
        let mut b = Block::new(text, BlockKind::Paragraph);
        b.dom = Some(DomHints {
            tag: path
                .rsplit('>')
                .next()
                .unwrap()
                .split(['#', '.'])
                .next()
                .unwrap()
                .to_string(),
            path: path.to_string(),
            ancestors: ancestors.to_vec(),
            link_chars,
        });
        b
    }

    fn run(blocks: &[Block]) -> Vec<Fate> {
        let phrases = Phrases::new(true, &[], &[], &[]).unwrap();
        let f: Vec<Features> = blocks
            .iter()
            .map(|b| Features::of(&b.text, &phrases, crate::stopwords::Stops::English))
            .collect();
        extract(blocks, &f).unwrap()
    }

    const PARA: &str = "The council met on Tuesday, and after a long debate, it voted to \
        approve the new budget for the coming year, with two members against.";

    #[test]
    fn the_article_container_is_kept_and_chrome_dropped() {
        let blocks = [
            block("Home News Sport", "body>nav>ul>li", &[0, 1, 2, 3], 15),
            block("Council approves budget", "body>div#main>h1", &[0, 4, 5], 0),
            block(PARA, "body>div#main>div.story>p", &[0, 4, 6, 7], 0),
            block(PARA, "body>div#main>div.story>p", &[0, 4, 6, 8], 0),
            block(
                "Share this",
                "body>div#main>div.story>div.share-tools>p",
                &[0, 4, 6, 9, 10],
                0,
            ),
            block(PARA, "body>div#main>div.story>p", &[0, 4, 6, 11], 0),
            block(
                "More: other story headline",
                "body>aside.related>ul>li",
                &[0, 12, 13, 14],
                26,
            ),
        ];
        let got = run(&blocks);
        let kept: Vec<bool> = got.iter().map(|f| *f == Fate::Keep).collect();
        assert_eq!(kept, [false, false, true, true, false, true, false]);
        assert_eq!(got[1], Fate::Drop("outside the main content".into()));
        assert!(matches!(&got[4], Fate::Drop(r) if r.contains("share-tools")));
    }

    #[test]
    fn an_article_in_chunks_is_kept_whole() {
        let blocks = [
            block(PARA, "body>div.chunk>p", &[0, 1, 2], 0),
            block(PARA, "body>div.chunk>p", &[0, 1, 3], 0),
            block("Advertisement", "body>div.ad>p", &[0, 4, 5], 0),
            block(PARA, "body>div.chunk>p", &[0, 6, 7], 0),
        ];
        let kept: Vec<bool> = run(&blocks).iter().map(|f| *f == Fate::Keep).collect();
        assert_eq!(kept, [true, true, false, true]);
    }

    #[test]
    fn chunks_nested_at_other_depths_with_extra_classes_join() {
        let blocks = [
            block(
                PARA,
                "body>div.wrap>main>section.s>div.body-text.v2>p",
                &[0, 1, 2, 3, 4, 5],
                0,
            ),
            block(
                PARA,
                "body>div.wrap>main>section.s>div.body-text.v2>p",
                &[0, 1, 2, 3, 4, 6],
                0,
            ),
            block("Advertisement", "body>div.ad>p", &[0, 7, 8], 0),
            block(
                PARA,
                "body>main>section.s>div.body-text>p",
                &[0, 9, 10, 11, 12],
                0,
            ),
            block(
                PARA,
                "body>div.c>section.s>div.body-text>p",
                &[0, 13, 14, 15, 16],
                0,
            ),
        ];
        let kept: Vec<bool> = run(&blocks).iter().map(|f| *f == Fate::Keep).collect();
        assert_eq!(kept, [true, true, false, true, false]);
        assert_eq!(step_key("div.body-text.component.v2"), "div.body-text");
        assert_eq!(step_key("div#post-12.entry"), "div");
        assert_eq!(step_key("p#x"), "p");
        assert_eq!(step_key("article"), "article");
    }

    #[test]
    fn a_chunk_whose_path_is_capped_joins_too() {
        let blocks = [
            block(PARA, "body>div.w>section>div.chunk>p", &[0, 1, 2, 3, 4], 0),
            block(PARA, "body>div.w>section>div.chunk>p", &[0, 1, 2, 3, 5], 0),
            block("Advertisement", "body>div.ad>p", &[0, 6, 7], 0),
            // Nested deeper than a path holds: its steps skip elements after the fourth.
            block(
                PARA,
                "body>div.x>div.y>div.z>…>div.w>section>div.chunk>p",
                &[0, 8, 9, 10, 11, 12, 13, 14],
                0,
            ),
        ];
        let kept: Vec<bool> = run(&blocks).iter().map(|f| *f == Fate::Keep).collect();
        assert_eq!(kept, [true, true, false, true]);
    }

    #[test]
    fn articles_listed_in_an_article_do_not_score() {
        // The story has one paragraph; a block of related posts after it, an `<article>`
        // holding three `<article>`s, has more prose.
        let blocks = [
            block(PARA, "body>div>article.story>p", &[0, 1, 2, 3], 0),
            block(
                "You may also like",
                "body>div>article.more>h3",
                &[0, 1, 4, 5],
                0,
            ),
            block(
                PARA,
                "body>div>article.more>article.post>p",
                &[0, 1, 4, 6, 7],
                0,
            ),
            block(
                PARA,
                "body>div>article.more>article.post>p",
                &[0, 1, 4, 8, 9],
                0,
            ),
            block(
                PARA,
                "body>div>article.more>article.post>p",
                &[0, 1, 4, 10, 11],
                0,
            ),
        ];
        let kept: Vec<bool> = run(&blocks).iter().map(|f| *f == Fate::Keep).collect();
        assert_eq!(kept, [true, false, false, false, false]);
        // One article in another is the story in a page wrapper; a list of articles not
        // itself in an article (a section of teasers) is left to the scores.
        let blocks = [
            block(PARA, "body>article.page>article.story>p", &[0, 1, 2, 3], 0),
            block(PARA, "body>article.page>article.story>p", &[0, 1, 2, 4], 0),
        ];
        assert!(run(&blocks).iter().all(|f| *f == Fate::Keep));
        let blocks = [
            block(PARA, "body>div.feed>article>p", &[0, 1, 2, 3], 0),
            block(PARA, "body>div.feed>article>p", &[0, 1, 4, 5], 0),
        ];
        assert_eq!(run(&blocks)[0], Fate::Keep);
    }

    #[test]
    fn text_in_a_figure_is_a_caption() {
        let blocks = [
            block(PARA, "body>div.story>p", &[0, 1, 2], 0),
            block(
                "Protesters in the street.",
                "body>div.story>figure>figcaption>div.expand>p",
                &[0, 1, 3, 4, 5, 6],
                0,
            ),
            block(
                "(Walt Disney Co.)",
                "body>div.story>figure>div.credit-line",
                &[0, 1, 3, 7],
                0,
            ),
            block(PARA, "body>div.story>p", &[0, 1, 8], 0),
        ];
        let got = run(&blocks);
        assert_eq!(got[0], Fate::Keep);
        assert_eq!(got[1], Fate::Drop("caption".into()));
        assert_eq!(got[2], Fate::Drop("caption".into()));
        assert_eq!(got[3], Fate::Keep);
    }

    #[test]
    fn embeds_are_not_chrome_but_share_widgets_are() {
        assert_eq!(hint("div.social-media-embed"), (false, false));
        assert_eq!(hint("div.share-embed"), (false, true));
    }

    #[test]
    fn hints_read_ids_and_classes() {
        assert_eq!(hint("div#comments.list"), (false, true));
        assert_eq!(hint("div.entry-content"), (true, false));
        assert_eq!(hint("nav"), (false, true));
        assert_eq!(hint("div.ad"), (false, true));
        assert_eq!(hint("div.shadow"), (false, false));
        assert_eq!(hint("div.card.collection-item"), (false, false));
    }

    /// The automata find a word where `contains` does: each word alone, inside other
    /// text, cut short, and names with none.
    #[test]
    fn word_automata_match_as_contains_does() {
        assert!(WORDS.0.is_some() && WORDS.1.is_some());
        for (ac, words) in [(&WORDS.0, POS), (&WORDS.1, NEG)] {
            let mut names = vec![String::new(), "x".into(), "shadow".into(), "card".into()];
            for w in POS.iter().chain(NEG) {
                names.push((*w).to_string());
                names.push(format!("js-{w}-2"));
                names.push(w[..w.len() - 1].to_string());
                names.push(w[1..].to_string());
            }
            for name in &names {
                let expected = words.iter().any(|w| name.contains(w));
                assert_eq!(contains_any(ac, words, name), expected, "{name}");
                assert_eq!(contains_any(&None, words, name), expected, "{name}");
            }
        }
    }

    #[test]
    fn no_prose_gives_none() {
        let blocks = [block("Home", "body>nav>a", &[0, 1, 2], 4)];
        let phrases = Phrases::new(true, &[], &[], &[]).unwrap();
        let f: Vec<Features> = blocks
            .iter()
            .map(|b| Features::of(&b.text, &phrases, crate::stopwords::Stops::English))
            .collect();
        assert!(extract(&blocks, &f).is_none());
    }
}
