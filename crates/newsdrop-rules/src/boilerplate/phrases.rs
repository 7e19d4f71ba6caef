//! Phrase lists that name page chrome, and the matcher that finds them at the start of a line.
//!
//! Text dumps keep the words of the page's widgets: "LEAVE A REPLY", "Related Articles",
//! "Read more:", "Image 1 of 23", "Exit mobile version". These are the same few dozen phrases
//! on every site, so a list is more reliable than any statistic for them. Each phrase has a
//! [`Kind`] saying what a line that starts with it means, and a scope: `Whole` phrases must be
//! the whole line (trailing digits and punctuation aside, as in "Comments (12)"), `Lead`
//! phrases may be followed by a few more words ("More Stories From Pakistan"). All built-in
//! and user phrases go into one ASCII-case-insensitive Aho-Corasick automaton, built once in
//! `create`; a line is matched anchored at its start, so the cost is the phrase length.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

/// What a line that starts with a phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The article is over: comments, tags, sharing ("LEAVE A REPLY", "More Stories From …").
    End,
    /// A box of other stories starts ("Related Articles", "Don't miss"): usually after the
    /// article, sometimes inside it.
    Box,
    /// A link to another story ("Read more:"): the line, and the headline after it, go.
    Teaser,
    /// A widget or label: the line goes, the article goes on ("Advertisement", "Share").
    Chrome,
    /// An image or video label or credit ("Image 1 of 23", "Photo: AP").
    Media,
    /// A user's drop pattern.
    Drop,
    /// A user's keep pattern: the line is article even if it looks like chrome.
    Keep,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::End,
        Kind::Box,
        Kind::Teaser,
        Kind::Chrome,
        Kind::Media,
        Kind::Drop,
        Kind::Keep,
    ];

    /// The reason recorded on a dropped block.
    pub fn reason(self) -> &'static str {
        match self {
            Kind::End => "after end-of-article marker",
            Kind::Box => "list of other stories",
            Kind::Teaser => "link to another story",
            Kind::Chrome => "page widget",
            Kind::Media => "image or video label",
            Kind::Drop => "drop pattern",
            Kind::Keep => "keep pattern",
        }
    }
}

/// Whether a phrase must be the whole line or may lead it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Nothing but digits, punctuation and spaces may follow.
    Whole,
    /// Up to this many more words may follow.
    Lead(u8),
}

use Kind::*;
use Scope::*;

/// The built-in phrases. Kept general: each is chrome on many sites, none names a site.
pub const DEFAULTS: &[(&str, Kind, Scope)] = &[
    // The article is over.
    ("leave a reply", End, Whole),
    ("leave a comment", End, Lead(2)),
    ("post a comment", End, Whole),
    ("add a comment", End, Whole),
    ("add comment", End, Whole),
    ("write a comment", End, Whole),
    ("comments", End, Whole),
    ("comment", End, Whole),
    ("show comments", End, Whole),
    ("top rated comments", End, Whole),
    ("most popular comments", End, Whole),
    ("view comments", End, Whole),
    ("join the discussion", End, Whole),
    ("join the conversation", End, Whole),
    ("view the discussion thread", End, Whole),
    ("you must log in to post a comment", End, Whole),
    ("related articles", Box, Lead(3)),
    ("related stories", Box, Lead(3)),
    ("related posts", Box, Lead(3)),
    ("related content", Box, Whole),
    ("related news", Box, Whole),
    ("related coverage", Box, Whole),
    ("related topics", Box, Whole),
    ("related tags", End, Whole),
    ("related", Box, Whole),
    ("more stories from", End, Lead(4)),
    ("more stories", Box, Whole),
    ("more from", End, Lead(4)),
    ("more on this story", Box, Whole),
    ("more in", Box, Lead(3)),
    ("you may also like", Box, Whole),
    ("you might also like", Box, Whole),
    ("you may be interested in", Box, Whole),
    ("recommended for you", Box, Whole),
    ("recommended stories", Box, Whole),
    ("recommended", Box, Whole),
    ("most popular", Box, Lead(2)),
    ("most read", Box, Lead(2)),
    ("most viewed", Box, Whole),
    ("trending now", Box, Whole),
    ("trending stories", Box, Whole),
    ("trending", Box, Whole),
    ("popular stories", Box, Whole),
    ("popular posts", Box, Whole),
    ("latest news", Box, Whole),
    ("latest articles", Box, Whole),
    ("latest stories", Box, Whole),
    ("latest posts", Box, Whole),
    ("top stories", Box, Whole),
    ("editor's picks", Box, Whole),
    ("editors' picks", Box, Whole),
    ("don't miss", Box, Whole),
    ("read next", Box, Whole),
    ("what to read next", Box, Whole),
    ("up next", Box, Whole),
    ("further reading", Box, Whole),
    ("about the author", End, Whole),
    ("copy link", Chrome, Lead(16)),
    ("link copied", Chrome, Whole),
    ("url copied", Chrome, Whole),
    ("print this article", Chrome, Whole),
    ("print this page", Chrome, Whole),
    ("share tweet", Chrome, Lead(24)),
    ("show more sharing options", Chrome, Whole),
    ("addthis sharing buttons", Chrome, Whole),
    ("share via", Chrome, Whole),
    ("share close", Chrome, Lead(32)),
    ("share permalink", Chrome, Whole),
    ("edit profile", Chrome, Lead(16)),
    ("x share via", Chrome, Whole),
    ("share to", Chrome, Lead(12)),
    ("follow the author", Chrome, Lead(24)),
    ("follow the topics within this article", Chrome, Whole),
    ("share this article", End, Whole),
    ("share this story", End, Whole),
    ("share this post", End, Whole),
    ("share this:", End, Whole),
    ("sharing is caring", End, Whole),
    ("tags", End, Lead(12)),
    ("filed under", End, Lead(12)),
    ("previous post", End, Whole),
    ("next post", End, Whole),
    ("previous article", End, Lead(12)),
    ("next article", End, Lead(12)),
    ("to read the full story", End, Whole),
    ("exit mobile version", End, Whole),
    // After a count: "34 responses to …", "12 thoughts on …".
    ("responses to", End, Lead(24)),
    ("responses", End, Whole),
    ("thoughts on", End, Lead(24)),
    ("replies to", End, Lead(24)),
    ("replies", End, Whole),
    ("dont miss", Box, Whole),
    // Links to other stories.
    ("read more", Teaser, Lead(12)),
    ("read also", Teaser, Lead(12)),
    ("also read", Teaser, Lead(12)),
    ("see also", Teaser, Lead(12)),
    ("related:", Teaser, Lead(16)),
    ("read:", Teaser, Lead(16)),
    ("watch:", Teaser, Lead(16)),
    ("click here", Teaser, Lead(12)),
    ("continue reading", Teaser, Lead(6)),
    // Widgets and labels.
    ("advertisement", Chrome, Whole),
    ("advertisements", Chrome, Whole),
    ("sponsored", Chrome, Whole),
    ("sponsored content", Chrome, Whole),
    ("story continues below", Chrome, Lead(2)),
    ("article continues below", Chrome, Lead(2)),
    ("continue reading below", Chrome, Whole),
    ("scroll to continue", Chrome, Lead(3)),
    ("skip ad", Chrome, Whole),
    ("share", Chrome, Whole),
    ("share on", Chrome, Lead(2)),
    ("tweet", Chrome, Whole),
    ("email", Chrome, Whole),
    ("print", Chrome, Whole),
    ("facebook", Chrome, Whole),
    ("twitter", Chrome, Whole),
    ("whatsapp", Chrome, Whole),
    ("linkedin", Chrome, Whole),
    ("pinterest", Chrome, Whole),
    ("reddit", Chrome, Whole),
    ("close", Chrome, Whole),
    ("back to gallery", Chrome, Whole),
    ("loading", Chrome, Whole),
    ("subscribe", Chrome, Whole),
    ("sign in", Chrome, Whole),
    ("log in", Chrome, Whole),
    ("menu", Chrome, Whole),
    ("search", Chrome, Whole),
    ("home", Chrome, Whole),
    ("published", Chrome, Whole),
    ("updated", Chrome, Whole),
    ("on", Chrome, Whole),
    ("by", Chrome, Whole),
    ("please enter your", Chrome, Lead(4)),
    ("highlights", Chrome, Whole),
    ("caption", Chrome, Whole),
    ("hide caption", Chrome, Whole),
    ("toggle caption", Chrome, Whole),
    ("enlarge this image", Chrome, Whole),
    ("disclaimer", Chrome, Whole),
    // Image and video labels.
    ("image", Media, Lead(4)),
    ("photo", Media, Lead(6)),
    ("photos", Media, Lead(4)),
    ("picture", Media, Lead(4)),
    ("video", Media, Lead(4)),
    ("gallery", Media, Lead(4)),
    ("photograph:", Media, Lead(8)),
    ("credit:", Media, Lead(8)),
    ("image credit", Media, Lead(8)),
    ("photo credit", Media, Lead(8)),
    ("file photo", Media, Lead(8)),
    ("getty images", Media, Lead(4)),
    ("watch video", Media, Lead(6)),
    ("play video", Media, Lead(6)),
    // The commonest of these markers in the other languages of the stopword lists, lower
    // case (a short line with letters that are not ASCII is also matched in lower case:
    // the automaton folds ASCII case only).
    // Portuguese.
    ("deixe um comentário", End, Whole),
    ("deixe uma resposta", End, Whole),
    ("deixe seu comentário", End, Whole),
    ("comentários", End, Whole),
    ("você pode gostar", Box, Whole),
    ("você também pode gostar", Box, Whole),
    ("veja também", Teaser, Lead(12)),
    ("leia também", Teaser, Lead(12)),
    ("leia mais", Teaser, Lead(12)),
    ("notícias relacionadas", Box, Whole),
    ("mais lidas", Box, Whole),
    ("últimas notícias", Box, Whole),
    ("compartilhe", Chrome, Whole),
    ("compartilhar", Chrome, Whole),
    // Spanish.
    ("deja un comentario", End, Whole),
    ("deja una respuesta", End, Whole),
    ("deja tu comentario", End, Whole),
    ("comentarios", End, Whole),
    ("te puede interesar", Box, Whole),
    ("también te puede interesar", Box, Whole),
    ("noticias relacionadas", Box, Whole),
    ("lo más leído", Box, Whole),
    ("más leídas", Box, Whole),
    ("últimas noticias", Box, Whole),
    ("lee también", Teaser, Lead(12)),
    ("leer más", Teaser, Lead(12)),
    ("compartir", Chrome, Whole),
    // French.
    ("laisser un commentaire", End, Whole),
    ("laissez un commentaire", End, Whole),
    ("commentaires", End, Whole),
    ("vous aimerez aussi", Box, Whole),
    ("vous aimerez peut-être aussi", Box, Whole),
    ("articles similaires", Box, Whole),
    ("sur le même sujet", Box, Whole),
    ("les plus lus", Box, Whole),
    ("à lire aussi", Teaser, Lead(12)),
    ("lire aussi", Teaser, Lead(12)),
    ("partager", Chrome, Whole),
    // German.
    ("kommentare", End, Whole),
    ("kommentar schreiben", End, Whole),
    ("schreibe einen kommentar", End, Whole),
    ("das könnte sie auch interessieren", Box, Whole),
    ("auch interessant", Box, Whole),
    ("mehr zum thema", Box, Whole),
    ("meistgelesen", Box, Whole),
    ("lesen sie auch", Teaser, Lead(12)),
    ("teilen", Chrome, Whole),
    // Italian.
    ("lascia un commento", End, Whole),
    ("lascia una risposta", End, Whole),
    ("commenti", End, Whole),
    ("potrebbe interessarti", Box, Whole),
    ("ti potrebbe interessare", Box, Whole),
    ("articoli correlati", Box, Whole),
    ("i più letti", Box, Whole),
    ("leggi anche", Teaser, Lead(12)),
    ("condividi", Chrome, Whole),
    // Russian.
    ("комментарии", End, Whole),
    ("оставить комментарий", End, Whole),
    ("добавить комментарий", End, Whole),
    ("добавить отзыв", End, Whole),
    ("самые популярные", Box, Lead(2)),
    ("похожие новости", Box, Whole),
    ("читайте также", Teaser, Lead(12)),
    ("поделиться", Chrome, Whole),
];

/// The first two bytes of the anchored phrases, ASCII case folded (as the automaton folds
/// them): a line that starts with none of them cannot match, and is spared the automaton
/// (most lines of a page; its per-call cost shows when every line of every page asks).
struct Heads {
    /// Bit `a << 7 | b` for each phrase starting with ASCII bytes `a`, `b`.
    pairs: Vec<u64>,
    /// Bit `a` for each phrase that is the one ASCII byte `a`.
    singles: u128,
}

impl Heads {
    fn new(pats: &[String]) -> Self {
        let mut heads = Heads {
            pairs: vec![0; 128 * 128 / 64],
            singles: 0,
        };
        for p in pats {
            match *p.as_bytes() {
                [a, b, ..] if a < 0x80 && b < 0x80 => {
                    let k = usize::from(a.to_ascii_lowercase()) << 7
                        | usize::from(b.to_ascii_lowercase());
                    heads.pairs[k / 64] |= 1 << (k % 64);
                }
                [a] if a < 0x80 => heads.singles |= 1 << a.to_ascii_lowercase(),
                // Not ASCII: such lines always go to the automaton. Empty: never matches.
                _ => {}
            }
        }
        heads
    }

    /// Whether a phrase may start `line`.
    fn may_start(&self, line: &str) -> bool {
        let (a, b) = match *line.as_bytes() {
            [] => return false,
            [a, ..] if a >= 0x80 => return true,
            [a] => (a.to_ascii_lowercase(), None),
            [a, b, ..] => (a.to_ascii_lowercase(), Some(b.to_ascii_lowercase())),
        };
        if self.singles & (1 << a) != 0 {
            return true;
        }
        match b {
            Some(b) if b >= 0x80 => true,
            Some(b) => {
                let k = usize::from(a) << 7 | usize::from(b);
                self.pairs[k / 64] & (1 << (k % 64)) != 0
            }
            None => false,
        }
    }
}

/// Lines up to this long (bytes) that hold letters other than ASCII are matched in lower
/// case too: a label in capitals ("DEIXE UM COMENTÁRIO") or in Cyrillic.
const FOLD_BYTES: usize = 160;

/// The compiled phrase set.
pub struct Phrases {
    /// A hash of everything the set was built from: two sets with the same key match alike.
    key: u64,
    ac: AhoCorasick,
    heads: Heads,
    entries: Vec<(Kind, Scope)>,
    /// User `drop`/`keep` patterns, matched anywhere in a line.
    anywhere: Option<(AhoCorasick, Vec<Kind>)>,
}

impl Phrases {
    /// Builds the matcher from the built-ins (unless `defaults` is false) and the user's lists.
    pub fn new(
        defaults: bool,
        end_markers: &[String],
        drop: &[String],
        keep: &[String],
    ) -> Result<Self, String> {
        let mut pats: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        if defaults {
            for (p, k, s) in DEFAULTS {
                pats.push((*p).to_string());
                entries.push((*k, *s));
            }
        }
        for p in end_markers {
            pats.push(normalise(p));
            entries.push((End, Lead(12)));
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&pats)
            .map_err(|e| e.to_string())?;
        let heads = Heads::new(&pats);
        let anywhere = if drop.is_empty() && keep.is_empty() {
            None
        } else {
            let mut pats = Vec::new();
            let mut kinds = Vec::new();
            for p in drop {
                pats.push(normalise(p));
                kinds.push(Drop);
            }
            for p in keep {
                pats.push(normalise(p));
                kinds.push(Keep);
            }
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&pats)
                .map_err(|e| e.to_string())?;
            Some((ac, kinds))
        };
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (defaults, end_markers, drop, keep).hash(&mut h);
            h.finish()
        };
        Ok(Phrases {
            key,
            ac,
            heads,
            entries,
            anywhere,
        })
    }

    /// Identifies the set: equal for sets built from the same lists.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The phrase that `line` (trimmed) is or starts with, if any. User keep and drop patterns
    /// come first; a keep pattern wins over everything.
    pub fn find(&self, line: &str) -> Option<Kind> {
        if let Some((ac, kinds)) = &self.anywhere {
            let mut found = None;
            for m in ac.find_iter(line) {
                let k = kinds[m.pattern().as_usize()];
                if k == Keep {
                    return Some(Keep);
                }
                found = Some(k);
            }
            if found.is_some() {
                return found;
            }
        }
        // "[ 167 comments ]": leading brackets and bullets do not count.
        let line = line.trim_start_matches(|c: char| !c.is_alphanumeric());
        if let Some(k) = self.find_at_start(line) {
            return Some(k);
        }
        // "DEIXE UM COMENTÁRIO", "Комментарии": capitals the automaton does not fold. Only
        // short lines: the phrases are labels.
        if line.len() <= FOLD_BYTES
            && !line.is_ascii()
            && line.chars().any(|c| !c.is_ascii() && c.is_uppercase())
            && let Some(k) = self.find_at_start(&line.to_lowercase())
        {
            return Some(k);
        }
        // "34 Comments", "12 responses to …": the phrase after a count.
        let after_count = line.trim_start_matches(|c: char| c.is_ascii_digit());
        if after_count.len() < line.len() && after_count.starts_with(' ') {
            return self.find_at_start(after_count.trim_start());
        }
        // "thelastchargersfan says:": a comment's header.
        if let Some(head) = line
            .strip_suffix("says:")
            .or_else(|| line.strip_suffix("said:"))
            .or_else(|| line.strip_suffix("wrote:"))
            && crate::text::words(head).count() <= 5
        {
            return Some(End);
        }
        None
    }

    fn find_at_start(&self, line: &str) -> Option<Kind> {
        if !self.heads.may_start(line) {
            return None;
        }
        let input = Input::new(line).anchored(Anchored::Yes);
        let m = self.ac.find(input)?;
        let (kind, scope) = self.entries[m.pattern().as_usize()];
        let rest = &line[m.end()..];
        // The phrase must end at a word boundary.
        if rest.chars().next().is_some_and(char::is_alphanumeric) {
            return None;
        }
        let ok = match scope {
            Whole => !rest.chars().any(char::is_alphabetic),
            Lead(n) => crate::text::words(rest).count() <= usize::from(n),
        };
        ok.then_some(kind)
    }
}

/// Whether `line` is a caption that ends in its image's credit: "… in size (Image: GETTY )",
/// "… instead. (Photo: Getty Images)", "… equivalent. Credit: ESA". Text dumps put a
/// caption on its own line, and the credit tells it from prose; a credit alone on a line
/// ("Photo: AP") is a [`Kind::Media`] phrase already.
pub fn ends_with_credit(line: &str) -> bool {
    const LABELS: [&[u8]; 8] = [
        b"image",
        b"photo",
        b"photos",
        b"picture",
        b"pic",
        b"photograph",
        b"credit",
        b"ap photo",
    ];
    // Bytes all the way: this looks at most lines of every page.
    let b = line.as_bytes().trim_ascii_end();
    // "(Image: GETTY )", "(Photo Credit : PTI)", "(AP Photo/Alan Diaz)".
    if let Some(rest) = b.strip_suffix(b")") {
        let Some(open) = rest.iter().rposition(|&c| c == b'(') else {
            return false;
        };
        let inside = rest[open + 1..].trim_ascii_start();
        return LABELS.iter().any(|l| {
            inside.len() > l.len()
                && inside[..l.len()].eq_ignore_ascii_case(l)
                && matches!(inside[l.len()], b':' | b' ' | b'/')
        });
    }
    // "… equivalent. Credit: ESA": a few words after the label's colon, the line's last.
    let tail = &b[b.len().saturating_sub(60)..];
    let Some(colon) = tail.iter().rposition(|&c| c == b':') else {
        return false;
    };
    let colon = b.len() - tail.len() + colon;
    b[..colon].ends_with(b" Credit")
        && (1..=6).contains(&crate::text::words(&line[colon + 1..]).count())
}

/// A user phrase as matched: trimmed, inner whitespace squeezed.
fn normalise(p: &str) -> String {
    p.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &Phrases, line: &str) -> Option<Kind> {
        p.find(line)
    }

    #[test]
    fn whole_and_lead_scopes() {
        let p = Phrases::new(true, &[], &[], &[]).expect("builds");
        assert_eq!(kind(&p, "LEAVE A REPLY"), Some(End));
        assert_eq!(kind(&p, "Comments (12)"), Some(End));
        assert_eq!(kind(&p, "34 Comments"), Some(End));
        assert_eq!(
            kind(
                &p,
                "34 responses to “ Anthony Lynn: “We needed to win this game” ”"
            ),
            Some(End)
        );
        assert_eq!(kind(&p, "joetoronto says:"), Some(End));
        assert_eq!(kind(&p, "3 busted after a raid"), None);
        assert_eq!(kind(&p, "Comments are closed for this story, sadly"), None);
        assert_eq!(kind(&p, "More Stories From Pakistan"), Some(End));
        assert_eq!(kind(&p, "Related articles"), Some(Box));
        assert_eq!(kind(&p, "[ 167 comments ]"), Some(End));
        assert_eq!(kind(&p, "Read more:"), Some(Teaser));
        assert_eq!(kind(&p, "Image one"), Some(Media));
        assert_eq!(kind(&p, "Imagine a world"), None);
        assert_eq!(kind(&p, "Sharing the load, the parties agreed"), None);
    }

    #[test]
    fn capitals_that_are_not_ascii_are_folded_in_short_lines() {
        let p = Phrases::new(true, &[], &[], &[]).expect("builds");
        assert_eq!(kind(&p, "DEIXE UM COMENTÁRIO"), Some(End));
        assert_eq!(kind(&p, "Комментарии (3)"), Some(End));
        assert_eq!(kind(&p, "ÚLTIMAS NOTÍCIAS"), Some(Box));
        assert_eq!(
            kind(&p, "Читайте также: Новый мост откроют весной"),
            Some(Teaser)
        );
        assert_eq!(
            kind(&p, "Комментарии экспертов разошлись во мнениях о мосте"),
            None
        );
    }

    #[test]
    fn captions_that_end_in_a_credit() {
        for line in [
            "Protesters have worn masks to protect their identities (Image: GETTY )",
            "Breathing it in. (Photo Credit : PTI File Photo )",
            "A truck outside a store in Hialeah, Fla. (AP Photo/Alan Diaz, File)",
            "WeWork chairman Marcelo Claure (Credit: Getty Images)",
            "A habitation module compared to its equivalent. Credit: ESA",
        ] {
            assert!(ends_with_credit(line), "{line}");
        }
        for line in [
            "The minister (pictured) said the plan would go ahead.",
            "The council met on Tuesday (photographers were kept out).",
            "Credit: AP",
            "He said the bank would extend the Credit: a line of 20 words that goes on \
             and on like a sentence does, well past what a credit holds",
            "Photos (Imagine that)",
        ] {
            assert!(!ends_with_credit(line), "{line}");
        }
    }

    #[test]
    fn the_heads_never_hide_a_match() {
        let user = ["Ü".to_string(), "x".into(), "Zeta Ω".into(), "ΩMega".into()];
        let p = Phrases::new(true, &user, &[], &[]).expect("builds");
        let mut lines: Vec<String> = Vec::new();
        for (phrase, _, _) in DEFAULTS.iter().chain(&[("zeta ω", End, Whole)]) {
            for l in [
                phrase.to_string(),
                phrase.to_uppercase(),
                format!("{phrase} and more words"),
                phrase.chars().take(1).collect(),
                phrase.chars().take(2).collect(),
            ] {
                lines.push(l);
            }
        }
        lines.extend(
            [
                "",
                "X",
                "x marks",
                "Ü",
                "Üx",
                "ΩMEGA",
                "ωmega",
                "The minister said",
                "é",
            ]
            .map(String::from),
        );
        for line in &lines {
            let input = Input::new(line.as_str()).anchored(Anchored::Yes);
            let matched = p.ac.find(input).is_some();
            assert!(!matched || p.heads.may_start(line), "{line:?}");
        }
        assert!(!p.heads.may_start("Minister Khan said"));
        assert!(p.heads.may_start("Read more:"));
    }

    #[test]
    fn user_keep_beats_everything_and_user_end_markers_work() {
        let p = Phrases::new(
            true,
            &["The End of the Story".into()],
            &["promo code".into()],
            &["share".into()],
        )
        .expect("builds");
        assert_eq!(kind(&p, "the end of the story"), Some(End));
        assert_eq!(kind(&p, "Use promo code NEWS today"), Some(Drop));
        assert_eq!(kind(&p, "Share"), Some(Keep));
    }
}
