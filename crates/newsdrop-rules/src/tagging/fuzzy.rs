//! The optional fuzzy pass for person names: spellings no gazetteer lists.
//!
//! A person is found fuzzily when a capitalised word equal to one of their first names
//! (from `name`, `aliases`, `variants`; diacritics folded, any case) is followed, directly or
//! after one middle name or initial, by a capitalised word whose Jaro–Winkler similarity to
//! one of their surnames reaches `min_score`, and that word is at least `min_len` characters
//! long. So "Valentina Matvinko" finds `person:valentina-matviyenko` while "Valentina
//! Tereshkova" does not, and a lone "Matvinko" never does: the first name must agree. Text
//! already matched exactly is not looked at again.

use std::collections::HashMap;

use super::gazetteer::{Form, FuzzySettings, Gazetteers, Kind};
use super::normalize::normalize;

/// First name (lowercase, folded) → the people with it, and each one's surnames.
pub struct FuzzyIndex {
    first: HashMap<String, Vec<Candidate>>,
    min_score: f64,
    min_len: usize,
}

struct Candidate {
    entity: u32,
    /// The entry whose full form supplied the names (for the tag's `rule`).
    entry: u32,
    surname: String,
}

impl FuzzyIndex {
    pub fn build(g: &Gazetteers, settings: &FuzzySettings) -> Self {
        let mut first: HashMap<String, Vec<Candidate>> = HashMap::new();
        for (ei, e) in g.entities.iter().enumerate() {
            if e.kind != Kind::Person {
                continue;
            }
            for (xi, x) in e.entries.iter().enumerate() {
                if !matches!(x.form, Form::Name | Form::Alias | Form::Variant) {
                    continue;
                }
                let text = normalize(&x.text).to_lowercase();
                let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
                let (Some(f), Some(s)) = (words.first(), words.last()) else {
                    continue;
                };
                if words.len() < 2 {
                    continue;
                }
                let list = first.entry((*f).to_string()).or_default();
                if !list
                    .iter()
                    .any(|c| c.entity == ei as u32 && c.surname == *s)
                {
                    list.push(Candidate {
                        entity: ei as u32,
                        entry: xi as u32,
                        surname: (*s).to_string(),
                    });
                }
            }
        }
        FuzzyIndex {
            first,
            min_score: settings.min_score,
            min_len: settings.min_len,
        }
    }

    pub fn memory(&self) -> usize {
        self.first
            .iter()
            .map(|(k, v)| k.len() + v.iter().map(|c| c.surname.len() + 40).sum::<usize>() + 48)
            .sum()
    }

    /// People found fuzzily in normalised text `t`, as (entity, entry); `taken` are the
    /// byte spans already matched exactly.
    pub fn scan(&self, t: &str, taken: &[(usize, usize)]) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let words = words(t);
        let mut lower = String::new();
        for (i, &(ws, w)) in words.iter().enumerate() {
            if !w.starts_with(char::is_uppercase) || w.len() > 24 {
                continue;
            }
            lower.clear();
            lower.extend(w.chars().flat_map(char::to_lowercase));
            let Some(people) = self.first.get(&lower) else {
                continue;
            };
            // The surname: the next word, or the one after a middle name or initial.
            for &(ss, s) in words.iter().skip(i + 1).take(2) {
                if !s.starts_with(char::is_uppercase) {
                    break;
                }
                let s_end = ss + s.len();
                let overlaps = taken.iter().any(|&(a, b)| a < s_end && ws < b);
                if overlaps {
                    break;
                }
                let s_lower: String = s.chars().flat_map(char::to_lowercase).collect();
                if s_lower.chars().count() >= self.min_len {
                    let best = people
                        .iter()
                        .map(|c| (strsim::jaro_winkler(&s_lower, &c.surname), c))
                        .filter(|(score, _)| *score >= self.min_score)
                        .max_by(|a, b| a.0.total_cmp(&b.0));
                    if let Some((_, c)) = best {
                        out.push((c.entity, c.entry));
                        break;
                    }
                }
            }
        }
        out
    }
}

/// Words of `t` with their byte offsets: runs of letters, digits, `'`, `.` and `-`, with
/// a possessive `'s` and trailing punctuation cut off.
fn words(t: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in t.char_indices().chain(std::iter::once((t.len(), ' '))) {
        let inside = c.is_alphanumeric() || c == '\'' || c == '.' || c == '-';
        match (start, inside) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let w = &t[s..i];
                let w = w.strip_suffix("'s").unwrap_or(w);
                let w = w.trim_end_matches(['.', '\'', '-']);
                if !w.is_empty() {
                    out.push((s, w));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> FuzzyIndex {
        let mut g = Gazetteers::default();
        g.add(
            "p.toml",
            "[[person]]\nid = \"person:valentina-matviyenko\"\nname = \"Valentina Matviyenko\"\n",
        )
        .expect("loads");
        FuzzyIndex::build(&g, &FuzzySettings::default())
    }

    #[test]
    fn an_unlisted_spelling_is_found_when_the_first_name_agrees() {
        let ix = index();
        assert_eq!(ix.scan("said Valentina Matvienko on Monday", &[]).len(), 1);
        assert_eq!(ix.scan("Valentina I. Matviyenkova spoke", &[]).len(), 1);
        assert!(ix.scan("Valentina Tereshkova flew", &[]).is_empty());
        assert!(ix.scan("said Matvienko on Monday", &[]).is_empty());
        assert!(ix.scan("Olga Matvienko spoke", &[]).is_empty());
    }

    #[test]
    fn text_already_matched_is_left_alone() {
        let ix = index();
        let t = "Valentina Matviyenko spoke";
        assert!(ix.scan(t, &[(0, 20)]).is_empty());
    }
}
