//! The compiled tagger: two Aho–Corasick automata built once per config load (names, and
//! topic keywords), the context rules applied to every candidate, and the per-article tally.
//!
//! Smart case is done by expansion, not by a caseless automaton: a name is added as written,
//! in Title Case and in UPPER CASE, an acronym or short form only as written, a topic keyword
//! in every case a writer would use. So "us" never even reaches the US check, and the
//! automaton stays exact and fast. Topics live in their own automaton because their
//! phrases overlap names ("peace in Afghanistan", "Afghan-led") and both must count.
//!
//! Leftmost-longest, with one refinement: when the longest match at a position fails its
//! context checks (a boundary, a veto), the longest *shorter* match at the same position is
//! tried (an anchored search), so "Afghan-American" can veto `country:US` and still leave
//! "Afghan". `exclude` phrases are in the same automaton as the names; a hit records a
//! veto span for its owner only.
//!
//! Context rules, each one a line of the gazetteer header's checklist or of the tagging
//! guidelines in `../shared/corpus/tagging/README.md`:
//! - word boundaries: no letter or digit may touch a match (a possessive `'s` may follow);
//! - combining forms only inside a hyphenated compound, never in a `combining_except` one;
//! - acronyms exactly as written, and not in an all-caps block when the acronym is also an
//!   English word ("WHO", "US" in a shouted headline);
//! - a one-word country or place name directly after a capitalised word that is neither a
//!   sentence opener nor a title ("Michael Jordan", "New Mexico", "Tehrik-i-Taliban
//!   Pakistan"), or a one-word name or demonym directly before one that does not qualify it
//!   as a country ("Jordan Peterson", "Mexico City", "American Airlines"; but "Pakistan
//!   Prime Minister", "Russian Foreign Ministry"), is part of another name and does not
//!   count — except in headline-cased text, where every word is capitalised;
//! - a `short` form counts only when its person is named in full somewhere in the article,
//!   and not after a different given name ("Hunter Biden").

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

use super::fuzzy::FuzzyIndex;
use super::gazetteer::{Form, Gazetteers, Kind};
use super::normalize::{normalize, title_case};
use crate::stopwords;

/// Total pattern bytes up to which a layer is compiled to a full DFA.
const DFA_MAX_PATTERN_BYTES: usize = 200_000;

/// Depth of the NFA states stored densely: near the root every byte is looked at, and a
/// dense state answers in one load (aho-corasick defaults to 3).
const DENSE_DEPTH: usize = 4;

/// One reading of a pattern: which entity, which of its strings.
#[derive(Debug, Clone, Copy)]
struct Sense {
    entity: u32,
    /// Index into the entity's `entries`.
    entry: u32,
    form: Form,
}

/// An automaton and the senses of each of its patterns.
struct Layer {
    ac: Option<AhoCorasick>,
    senses: Vec<Vec<Sense>>,
    patterns: usize,
}

impl Layer {
    fn build(patterns: HashMap<String, Vec<Sense>>) -> Result<Self, String> {
        let mut list: Vec<(String, Vec<Sense>)> = patterns.into_iter().collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        let count = list.len();
        if list.is_empty() {
            return Ok(Layer {
                ac: None,
                senses: Vec::new(),
                patterns: 0,
            });
        }
        // A full DFA is the fastest search by far and small for a few thousand patterns;
        // beyond that its memory grows too fast and the contiguous NFA is used.
        let bytes: usize = list.iter().map(|(p, _)| p.len()).sum();
        let kind = if bytes <= DFA_MAX_PATTERN_BYTES {
            AhoCorasickKind::DFA
        } else {
            AhoCorasickKind::ContiguousNFA
        };
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .kind(Some(kind))
            .dense_depth(DENSE_DEPTH)
            .build(list.iter().map(|(p, _)| p.as_str()))
            .map_err(|e| format!("cannot build the automaton: {e}"))?;
        Ok(Layer {
            ac: Some(ac),
            senses: list.into_iter().map(|(_, s)| s).collect(),
            patterns: count,
        })
    }

    fn memory(&self) -> usize {
        self.ac.as_ref().map_or(0, AhoCorasick::memory_usage)
            + self
                .senses
                .iter()
                .map(|s| s.capacity() * 16 + 24)
                .sum::<usize>()
    }
}

/// Entity facts the tagger needs at run time.
struct EntityInfo {
    id: String,
    kind: Kind,
    label: String,
    /// (text, form, file) of every string, for the `rule` of the tag.
    entries: Vec<(String, Form, usize)>,
    /// The name is one word (the person/place-name context rules apply).
    one_word: Vec<bool>,
}

/// Everything compiled from the gazetteers; shared read-only by all workers.
pub struct Tagger {
    entities: Vec<EntityInfo>,
    files: Vec<String>,
    names: Layer,
    topics: Layer,
    fuzzy: Option<FuzzyIndex>,
    topic_min_hits: u32,
}

/// Size figures for `describe` and the benchmark.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub entities: usize,
    pub patterns: usize,
    /// Heap bytes of both automata and their sense tables.
    pub memory: usize,
}

/// One accepted mention of an entity named in full (short forms wait in `shorts`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mention {
    pub entity: u32,
    pub entry: u32,
}

/// What one article has collected so far.
#[derive(Default)]
pub struct Tally {
    mentions: Vec<Mention>,
    /// Short forms seen: the candidate (entity, entry) pairs of each occurrence.
    shorts: Vec<Vec<(u32, u32)>>,
}

/// Per-block facts computed lazily.
struct Block<'t> {
    t: &'t str,
    style: Option<(bool, bool)>,
}

impl Block<'_> {
    /// (headline-cased, shouting)
    fn style(&mut self) -> (bool, bool) {
        if let Some(s) = self.style {
            return s;
        }
        let (mut upper, mut letters) = (0usize, 0usize);
        let (mut capital_words, mut lower_words) = (0usize, 0usize);
        for w in self.t.split(' ') {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            for c in w.chars() {
                if c.is_alphabetic() {
                    letters += 1;
                    upper += usize::from(c.is_uppercase());
                }
            }
            if w.chars().count() >= 4 && !stopwords::is_english(w) {
                if w.starts_with(char::is_uppercase) {
                    capital_words += 1;
                } else if w.starts_with(char::is_lowercase) {
                    lower_words += 1;
                }
            }
        }
        // Headline case: content words capitalised, hardly any in lower case.
        let headline = capital_words >= 2 && lower_words * 8 <= capital_words;
        let shouting = letters >= 8 && upper * 5 >= letters * 4;
        self.style = Some((headline, shouting));
        (headline, shouting)
    }
}

impl Tagger {
    /// Compiles merged gazetteers.
    pub fn compile(
        g: &Gazetteers,
        fuzzy: Option<&super::gazetteer::FuzzySettings>,
        topic_min_hits: u32,
    ) -> Result<Self, String> {
        let mut names: HashMap<String, Vec<Sense>> = HashMap::new();
        let mut topics: HashMap<String, Vec<Sense>> = HashMap::new();
        let mut entities = Vec::with_capacity(g.entities.len());
        for (ei, e) in g.entities.iter().enumerate() {
            let mut info = EntityInfo {
                id: e.id.clone(),
                kind: e.kind,
                label: e.label.clone(),
                entries: Vec::with_capacity(e.entries.len()),
                one_word: Vec::with_capacity(e.entries.len()),
            };
            for (xi, x) in e.entries.iter().enumerate() {
                let text = normalize(x.text.trim()).into_owned();
                info.entries.push((x.text.clone(), x.form, x.file));
                info.one_word
                    .push(!text.contains([' ', '-']) && text.chars().all(char::is_alphabetic));
                let sense = Sense {
                    entity: ei as u32,
                    entry: xi as u32,
                    form: x.form,
                };
                let layer = if e.kind == Kind::Topic {
                    &mut topics
                } else {
                    &mut names
                };
                for p in case_forms(&text, x.form, e.kind) {
                    let list = layer.entry(p).or_default();
                    if !list
                        .iter()
                        .any(|s| s.entity == sense.entity && s.form == sense.form)
                    {
                        list.push(sense);
                    }
                }
            }
            entities.push(info);
        }
        let fuzzy = match fuzzy {
            Some(f) if f.enabled => Some(FuzzyIndex::build(g, f)),
            _ => None,
        };
        Ok(Tagger {
            entities,
            files: g.files.clone(),
            names: Layer::build(names)?,
            topics: Layer::build(topics)?,
            fuzzy,
            topic_min_hits: topic_min_hits.max(1),
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            entities: self.entities.len(),
            patterns: self.names.patterns + self.topics.patterns,
            memory: self.names.memory()
                + self.topics.memory()
                + self.fuzzy.as_ref().map_or(0, FuzzyIndex::memory),
        }
    }

    pub fn fuzzy_enabled(&self) -> bool {
        self.fuzzy.is_some()
    }

    /// Scans one piece of text (the title or a kept block) into `tally`.
    pub fn scan(&self, text: &str, tally: &mut Tally) {
        let norm = normalize(text);
        let mut block = Block {
            t: &norm,
            style: None,
        };
        let mut spans: Vec<(usize, usize)> = Vec::new();
        self.scan_names(&mut block, tally, &mut spans);
        self.scan_topics(block.t, tally);
        if let Some(f) = &self.fuzzy {
            for (entity, entry) in f.scan(block.t, &spans) {
                tally.mentions.push(Mention { entity, entry });
            }
        }
    }

    fn scan_names(&self, b: &mut Block<'_>, tally: &mut Tally, spans: &mut Vec<(usize, usize)>) {
        let Some(ac) = &self.names.ac else { return };
        let t = b.t;
        let mut pos = 0;
        // (owner entity, start, end, combining only)
        let mut vetoes: Vec<(u32, usize, usize, bool)> = Vec::new();
        let first_mention = tally.mentions.len();
        let mut last_end = usize::MAX;
        while pos < t.len() {
            let Some(m) = ac.find(Input::new(t).span(pos..t.len())) else {
                break;
            };
            let start = m.start();
            let mut end = m.end();
            let mut pid = m.pattern().as_usize();
            let mut accepted = false;
            loop {
                let mut shorts: Vec<(u32, u32)> = Vec::new();
                for s in &self.names.senses[pid] {
                    match s.form {
                        Form::Exclude | Form::CombiningExcept => {
                            if !is_word_char_before(t, start) {
                                vetoes.push((
                                    s.entity,
                                    start,
                                    end,
                                    s.form == Form::CombiningExcept,
                                ));
                            }
                        }
                        _ => {
                            if self.valid(b, *s, start, end, last_end) {
                                if s.form == Form::Short {
                                    shorts.push((s.entity, s.entry));
                                } else {
                                    tally.mentions.push(Mention {
                                        entity: s.entity,
                                        entry: s.entry,
                                    });
                                    spans.push((start, end));
                                    accepted = true;
                                }
                            }
                        }
                    }
                }
                // A short form is also a surname inside a full name; it never shadows one.
                if !accepted && !shorts.is_empty() {
                    tally.shorts.push(shorts);
                    accepted = true;
                }
                if accepted || end - start <= 1 {
                    break;
                }
                match ac.find(Input::new(t).span(start..end - 1).anchored(Anchored::Yes)) {
                    Some(shorter) => {
                        end = shorter.end();
                        pid = shorter.pattern().as_usize();
                    }
                    None => break,
                }
            }
            if accepted {
                last_end = end;
                pos = end;
            } else {
                pos = start + t[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if vetoes.is_empty() {
            return;
        }
        // Vetoes apply to their owner's mentions they cover, found before or after them.
        let mut kept = Vec::with_capacity(tally.mentions.len());
        for (span_i, m) in tally.mentions.drain(first_mention..).enumerate() {
            let (s, e) = spans.get(span_i).copied().unwrap_or((0, 0));
            let form = self.entities[m.entity as usize].entries[m.entry as usize].1;
            let vetoed = vetoes.iter().any(|&(owner, vs, ve, combining_only)| {
                owner == m.entity
                    && vs <= s
                    && e <= ve
                    && (!combining_only || form == Form::Combining)
            });
            if !vetoed {
                kept.push(m);
            }
        }
        tally.mentions.extend(kept);
    }

    fn scan_topics(&self, t: &str, tally: &mut Tally) {
        let Some(ac) = &self.topics.ac else { return };
        let mut pos = 0;
        let mut vetoes: Vec<(u32, usize, usize)> = Vec::new();
        let mut found: Vec<(Mention, usize, usize)> = Vec::new();
        while pos < t.len() {
            let Some(m) = ac.find(Input::new(t).span(pos..t.len())) else {
                break;
            };
            let start = m.start();
            let mut end = m.end();
            let mut pid = m.pattern().as_usize();
            let mut accepted = false;
            loop {
                if !is_word_char_before(t, start) {
                    for s in &self.topics.senses[pid] {
                        if s.form == Form::Keyword {
                            if !is_word_char_at(t, end) {
                                found.push((
                                    Mention {
                                        entity: s.entity,
                                        entry: s.entry,
                                    },
                                    start,
                                    end,
                                ));
                                accepted = true;
                            }
                        } else {
                            vetoes.push((s.entity, start, end));
                        }
                    }
                }
                if accepted || end - start <= 1 {
                    break;
                }
                match ac.find(Input::new(t).span(start..end - 1).anchored(Anchored::Yes)) {
                    Some(shorter) => {
                        end = shorter.end();
                        pid = shorter.pattern().as_usize();
                    }
                    None => break,
                }
            }
            pos = if accepted {
                end
            } else {
                start + t[start..].chars().next().map_or(1, char::len_utf8)
            };
        }
        for (m, s, e) in found {
            let vetoed = vetoes
                .iter()
                .any(|&(owner, vs, ve)| owner == m.entity && vs <= s && e <= ve);
            if !vetoed {
                tally.mentions.push(m);
            }
        }
    }

    /// The context rules for one reading of a name-layer match.
    fn valid(
        &self,
        b: &mut Block<'_>,
        s: Sense,
        start: usize,
        end: usize,
        last_end: usize,
    ) -> bool {
        let t = b.t;
        if is_word_char_before(t, start) || is_word_char_at(t, end) {
            return false;
        }
        let entity = &self.entities[s.entity as usize];
        match s.form {
            Form::Combining => in_compound(t, start, end),
            Form::Acronym => {
                let (_, shouting) = b.style();
                !(shouting && stopwords::is_english(&t[start..end]))
            }
            Form::Short => !after_other_given_name(t, start, last_end),
            Form::Name | Form::Alias | Form::Variant
                if matches!(entity.kind, Kind::Country | Kind::Place)
                    && entity.one_word[s.entry as usize] =>
            {
                let (headline, _) = b.style();
                headline || !self.inside_other_name(t, start, end, last_end)
            }
            // "American Airlines", "Swiss Army knives": the start of another name.
            Form::Demonym if entity.one_word[s.entry as usize] => {
                let (headline, _) = b.style();
                headline || !self.before_other_name(t, end)
            }
            _ => true,
        }
    }

    /// A one-word country/place name that is part of a person's or another place's name.
    fn inside_other_name(&self, t: &str, start: usize, end: usize, last_end: usize) -> bool {
        if let Some((w, ws)) = word_before(t, start)
            && last_end != start.saturating_sub(1)
            && is_name_word(w)
            && !sentence_initial(t, ws)
            && !is_title(w)
            && !is_calendar(w)
        {
            return true;
        }
        self.before_other_name(t, end)
    }

    /// The match is directly followed by a capitalised word that does not qualify it as a
    /// country (a title, an office, another name) — the start of a longer proper name.
    fn before_other_name(&self, t: &str, end: usize) -> bool {
        word_after(t, end).is_some_and(|(w, ws)| {
            is_name_word(w) && !is_qualifier(w) && !is_calendar(w) && !self.starts_name(t, ws)
        })
    }

    /// Whether a name-layer pattern (not an exclude) matches at `at` with boundaries.
    fn starts_name(&self, t: &str, at: usize) -> bool {
        let Some(ac) = &self.names.ac else {
            return false;
        };
        let mut end = t.len();
        while let Some(m) = ac.find(Input::new(t).span(at..end).anchored(Anchored::Yes)) {
            let pid = m.pattern().as_usize();
            if !is_word_char_at(t, m.end())
                && self.names.senses[pid]
                    .iter()
                    .any(|s| !matches!(s.form, Form::Exclude | Form::CombiningExcept))
            {
                return true;
            }
            if m.end() <= at + 1 {
                break;
            }
            end = m.end() - 1;
        }
        false
    }

    /// Turns an article's tally into tags.
    pub fn finish(&self, tally: Tally) -> Vec<newsdrop_core::Tag> {
        // entity → (count, order of first mention, entry of first full mention)
        let mut seen: HashMap<u32, (u32, usize, u32)> = HashMap::new();
        for (order, m) in tally.mentions.iter().enumerate() {
            let slot = seen.entry(m.entity).or_insert((0, order, m.entry));
            slot.0 += 1;
        }
        for candidates in &tally.shorts {
            // The person already named in full; the earliest named when two share a surname.
            let named = candidates
                .iter()
                .filter_map(|&(e, _)| seen.get(&e).map(|s| (s.1, e)))
                .min();
            if let Some((_, e)) = named
                && let Some(slot) = seen.get_mut(&e)
            {
                slot.0 += 1;
            }
        }
        let mut tags: Vec<(Kind, usize, newsdrop_core::Tag)> = Vec::with_capacity(seen.len());
        for (e, (count, order, entry)) in seen {
            let info = &self.entities[e as usize];
            if info.kind == Kind::Topic && count < self.topic_min_hits {
                continue;
            }
            let (text, form, file) = &info.entries[entry as usize];
            tags.push((
                info.kind,
                order,
                newsdrop_core::Tag {
                    id: info.id.clone(),
                    kind: info.kind.as_str().to_string(),
                    label: info.label.clone(),
                    count,
                    rule: format!("{}: {} \"{}\"", self.files[*file], form.as_str(), text),
                },
            ));
        }
        tags.sort_by_key(|a| (a.0, a.1));
        tags.into_iter().map(|(_, _, t)| t).collect()
    }
}

/// The strings to put in the automaton for one gazetteer string.
fn case_forms(text: &str, form: Form, kind: Kind) -> Vec<String> {
    let mut out: Vec<String> = vec![text.to_string()];
    let mut add = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    match form {
        Form::Acronym | Form::Short => {}
        Form::Keyword | Form::Exclude | Form::CombiningExcept => {
            let lower = text.to_lowercase();
            add(title_case(&lower));
            add(capitalise_first(&lower));
            add(title_case(text));
            add(capitalise_first(text));
            add(text.to_uppercase());
            add(lower);
        }
        _ => {
            add(title_case(text));
            add(text.to_uppercase());
            let _ = kind;
        }
    }
    out
}

fn capitalise_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn is_word_char_before(t: &str, i: usize) -> bool {
    t[..i]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

fn is_word_char_at(t: &str, i: usize) -> bool {
    t[i..].chars().next().is_some_and(char::is_alphanumeric)
}

/// The match is one element of a hyphenated compound ("Pak-Russian", "Sino-Pakistani").
fn in_compound(t: &str, start: usize, end: usize) -> bool {
    let after = t[end..]
        .strip_prefix('-')
        .is_some_and(|r| r.starts_with(char::is_alphanumeric));
    let before = t[..start]
        .strip_suffix('-')
        .is_some_and(|r| r.ends_with(char::is_alphanumeric));
    after || before
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '\'' || c == '.'
}

/// The word directly before `start` (one space between), with its start offset.
fn word_before(t: &str, start: usize) -> Option<(&str, usize)> {
    let head = t[..start].strip_suffix(' ')?;
    let ws = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_name_char(c))
        .last()
        .map(|(i, _)| i)?;
    Some((&head[ws..], ws))
}

/// The word directly after `end` (one space between), with its start offset.
fn word_after(t: &str, end: usize) -> Option<(&str, usize)> {
    let tail = t[end..].strip_prefix(' ')?;
    let len = tail
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(tail.len(), |(i, _)| i);
    let w = tail[..len].trim_end_matches(['.', '\'', '-']);
    if w.is_empty() {
        None
    } else {
        Some((w, end + 1))
    }
}

/// A capitalised word that is not a function word, an acronym or a possessive.
fn is_name_word(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() {
        return false;
    }
    if w.ends_with("'s") || w.ends_with("s'") {
        return false;
    }
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    let all_caps = w
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    if all_caps && letters <= 5 {
        return false;
    }
    !stopwords::is_english(w.trim_end_matches('.'))
}

/// The word at `ws` opens a sentence (or the block).
fn sentence_initial(t: &str, ws: usize) -> bool {
    let head = t[..ws].trim_end();
    match head.chars().next_back() {
        None => true,
        Some(c) => matches!(
            c,
            '.' | '!' | '?' | ':' | ';' | '"' | '\'' | '(' | '[' | '|' | '*' | '•' | '-'
        ),
    }
}

/// A short form directly after a capitalised word that is not a title: someone else
/// of that surname ("Hunter Biden"), unless that word belongs to a name already matched.
fn after_other_given_name(t: &str, start: usize, last_end: usize) -> bool {
    match word_before(t, start) {
        // Even at a sentence start: a wrong veto costs a count, never a tag (the person is
        // named in full elsewhere), while "Hunter Biden" opening a sentence is common.
        Some((w, _)) => {
            last_end != start.saturating_sub(1)
                && is_name_word(w)
                && !is_title(w)
                && !is_calendar(w)
        }
        None => false,
    }
}

fn is_in(w: &str, list: &[&str]) -> bool {
    let w = w.trim_end_matches('.');
    list.iter().any(|x| x.eq_ignore_ascii_case(w))
}

/// Titles and offices written before a name.
fn is_title(w: &str) -> bool {
    is_in(
        w,
        &[
            "mr",
            "mrs",
            "ms",
            "miss",
            "dr",
            "prof",
            "professor",
            "sir",
            "dame",
            "lord",
            "lady",
            "president",
            "vice",
            "premier",
            "minister",
            "secretary",
            "senator",
            "sen",
            "rep",
            "governor",
            "gov",
            "chairman",
            "chairwoman",
            "chairperson",
            "chair",
            "speaker",
            "ambassador",
            "envoy",
            "general",
            "gen",
            "colonel",
            "col",
            "admiral",
            "adm",
            "captain",
            "capt",
            "lieutenant",
            "lt",
            "major",
            "maj",
            "sergeant",
            "sgt",
            "judge",
            "justice",
            "king",
            "queen",
            "prince",
            "princess",
            "sheikh",
            "shaikh",
            "sultan",
            "emir",
            "amir",
            "pope",
            "father",
            "rev",
            "imam",
            "mullah",
            "maulana",
            "sardar",
            "syed",
            "chancellor",
            "mayor",
            "commissioner",
            "director",
            "spokesman",
            "spokeswoman",
            "spokesperson",
            "deputy",
            "chief",
            "leader",
            "representative",
            "delegate",
            "mufti",
            "comrade",
            "counsellor",
            "counselor",
            "marshal",
            "field",
            "officer",
            "mp",
            "mna",
            "mpa",
            "senior",
            "former",
            "late",
            "acting",
        ],
    )
}

/// Words that follow a country name without making it part of another name.
fn is_qualifier(w: &str) -> bool {
    is_title(w)
        || is_in(
            w,
            &[
                "prime",
                "ministry",
                "ministers",
                "foreign",
                "defence",
                "defense",
                "finance",
                "interior",
                "embassy",
                "consulate",
                "consul",
                "high",
                "government",
                "govt",
                "senate",
                "parliament",
                "parliamentary",
                "national",
                "federal",
                "supreme",
                "central",
                "cabinet",
                "special",
                "head",
                "delegation",
                "officials",
                "authorities",
            ],
        )
}

fn is_calendar(w: &str) -> bool {
    is_in(w, crate::text::CALENDAR_WORDS)
}
