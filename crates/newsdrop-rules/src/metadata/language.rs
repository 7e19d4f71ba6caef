//! The article's language: detected from its text with `whatlang` (trigrams and scripts),
//! weighed against what the page states (`<html lang>`, `og:locale`).
//!
//! The metadata rule sets `meta.language` with it, and the boilerplate rule picks its
//! stopword list from `meta.language`, so the page is looked at once. Detection reads a
//! sample, not the page: the longest lines (prose, not menus) up to [`SAMPLE_BYTES`], which
//! keeps it cheap on long dumps and keeps chrome out of the vote. Latin and Cyrillic text
//! goes through the `trigrams` module, `whatlang`'s detection with the same answer at a
//! third of the cost.

use newsdrop_core::Article;

use crate::boilerplate::classify::Features;

/// Most bytes of text the detector reads.
const SAMPLE_BYTES: usize = 1500;
/// Lines shorter than this (characters) are left out of the sample.
const MIN_LINE: usize = 40;

/// ISO 639-1 code of a `whatlang` language, or its ISO 639-3 code when it has no two-letter one.
fn code(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Pol => "pl",
        Kor => "ko",
        Nob => "no",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Vie => "vi",
        Ind => "id",
        Pes => "fa",
        Slk => "sk",
        Cat => "ca",
        Urd => "ur",
        Tha => "th",
        other => other.code(),
    }
}

/// Lines of at least this many words are read by [`looks_english`].
const ENGLISH_MIN_WORDS: usize = 8;
/// Words those lines must have in all, so that a few lines do not decide.
const ENGLISH_SAMPLE: usize = 40;
/// Share of English stopwords in those lines from which a page is English. English news
/// prose has 30–60 % (dev text dumps: English pages 0.27–0.60, the others 0.12 at most,
/// Portuguese and Italian included); other languages share few function words with
/// English ("a", "in", "no", "do") and stay far below. A page under the line is not taken
/// for anything: the trigram detector decides.
const ENGLISH_DENSITY: f32 = 0.30;

/// Whether the page's longer lines are English beyond doubt, from the features computed
/// with English stopwords: the cheap test that spares most pages the trigram detector.
pub fn looks_english(features: &[Features]) -> bool {
    let (mut words, mut stops) = (0usize, 0usize);
    for f in features
        .iter()
        .filter(|f| f.words >= ENGLISH_MIN_WORDS && f.cjk == 0)
    {
        words += f.words;
        stops += f.stops;
    }
    words >= ENGLISH_SAMPLE && stops as f32 >= words as f32 * ENGLISH_DENSITY
}

/// The last detection on an article: its sample and the answer, kept in the article's
/// scratch space. The metadata rule and the boilerplate rule (and, when the detector is not
/// sure, each reader of the features) ask about the same text; the trigram detector is the
/// dearest step of a non-English page, so an unchanged sample gets the answer it got.
struct Detected {
    sample: String,
    lang: Option<&'static str>,
}

/// The language of the article's text, if the detector is sure enough.
pub fn detect(article: &mut Article) -> Option<&'static str> {
    let sample = sample(article)?;
    if let Some(d) = article.scratch.get::<Detected>()
        && d.sample == sample
    {
        return d.lang;
    }
    let lang = super::trigrams::detect(&sample)
        .filter(|info| info.is_reliable() || info.confidence() >= 0.5)
        .map(|info| code(info.lang()));
    article.scratch.put(Detected { sample, lang });
    lang
}

/// What the detector reads: the longest lines, up to [`SAMPLE_BYTES`]; `None` when no line
/// is long enough.
fn sample(article: &Article) -> Option<String> {
    // The longest lines first, up to the sample size.
    let mut lines: Vec<&str> = article
        .blocks
        .iter()
        .map(|b| b.text.trim())
        .filter(|t| t.len() >= MIN_LINE)
        .collect();
    lines.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut sample = String::with_capacity(SAMPLE_BYTES + 200);
    for t in lines {
        if sample.len() >= SAMPLE_BYTES {
            break;
        }
        let mut end = SAMPLE_BYTES.saturating_sub(sample.len()).clamp(1, t.len());
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        sample.push_str(&t[..end]);
        sample.push('\n');
    }
    (!sample.is_empty()).then_some(sample)
}

/// The language to record: the stated tag when its primary subtag agrees with the text
/// (it may carry a region, `en-GB`), else the detected code, else the stated tag. A stated
/// tag is recorded in BCP 47's case (`EN_us` → `en-US`); a language's name in English or
/// in itself (`English`, `Deutsch`) stands for its code, and anything else (`{{ lang }}`)
/// counts as unstated.
pub fn choose(stated: Option<&str>, detected: Option<&'static str>) -> Option<String> {
    let stated = stated.and_then(|s| language_tag(s).or_else(|| named(s)));
    match (stated, detected) {
        (Some(s), Some(d)) => {
            let primary = s.split('-').next().unwrap_or(&s);
            if primary == d {
                Some(s)
            } else {
                Some(d.to_string())
            }
        }
        (Some(s), None) => Some(s),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    }
}

/// The code of the language named `name`, in English or in itself, any case.
fn named(name: &str) -> Option<String> {
    let name = name.trim();
    whatlang::Lang::all()
        .iter()
        .find(|l| {
            l.eng_name().eq_ignore_ascii_case(name)
                || l.name().to_lowercase() == name.to_lowercase()
        })
        .map(|&l| code(l).to_string())
}

/// `tag` as a BCP 47 language tag in its canonical case (RFC 5646 2.1.1): the language
/// lowercase (two or three letters), a script in title case (four letters), a region
/// uppercase (two letters or three digits), anything else lowercase, and everything after
/// a singleton (`-u-`, `-x-`) lowercase; `_` read as `-`. `None` when it is not shaped like
/// one.
fn language_tag(tag: &str) -> Option<String> {
    let mut out = String::with_capacity(tag.len());
    let mut after_singleton = false;
    for (i, sub) in tag.trim().split(['-', '_']).enumerate() {
        let letters = sub.bytes().all(|b| b.is_ascii_alphabetic());
        let shaped = match i {
            0 => letters && (2..=3).contains(&sub.len()),
            _ => sub.bytes().all(|b| b.is_ascii_alphanumeric()) && (1..=8).contains(&sub.len()),
        };
        if !shaped {
            return None;
        }
        if i > 0 {
            out.push('-');
        }
        let digits = sub.bytes().all(|b| b.is_ascii_digit());
        after_singleton |= i > 0 && sub.len() == 1;
        match sub.len() {
            _ if after_singleton => out.push_str(&sub.to_ascii_lowercase()),
            4 if i > 0 && letters => {
                out.push_str(&sub[..1].to_ascii_uppercase());
                out.push_str(&sub[1..].to_ascii_lowercase());
            }
            2 if i > 0 && letters => out.push_str(&sub.to_ascii_uppercase()),
            3 if i > 0 && digits => out.push_str(sub),
            _ => out.push_str(&sub.to_ascii_lowercase()),
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    fn article(lines: &[&str]) -> Article {
        crate::text::line_article(lines)
    }

    #[test]
    fn detects_the_prose_not_the_menu() {
        let a = article(&[
            "Home News Sport Weather",
            "Die Bundesregierung hat am Dienstag beschlossen, dass die neuen Regeln ab dem \
             kommenden Jahr für alle Unternehmen gelten sollen, die mehr als fünfzig \
             Mitarbeiter beschäftigen.",
        ]);
        let mut a = a;
        assert_eq!(detect(&mut a), Some("de"));
        assert_eq!(detect(&mut article(&["Home", "Login"])), None);
    }

    #[test]
    fn a_changed_text_is_detected_again() {
        let mut a = article(&[
            "Die Bundesregierung hat am Dienstag beschlossen, dass die neuen Regeln ab dem \
             kommenden Jahr für alle Unternehmen gelten sollen.",
        ]);
        assert_eq!(detect(&mut a), Some("de"));
        assert_eq!(detect(&mut a), Some("de"));
        a.blocks[0].text = "The federal government decided on Tuesday that the new rules \
            will apply to all companies from next year on, whatever their size."
            .into();
        assert_eq!(detect(&mut a), Some("en"));
    }

    #[test]
    fn stated_tags_win_when_they_agree() {
        assert_eq!(choose(Some("en_GB"), Some("en")).as_deref(), Some("en-GB"));
        assert_eq!(choose(Some("en-US"), Some("pt")).as_deref(), Some("pt"));
        assert_eq!(choose(Some("it"), None).as_deref(), Some("it"));
        assert_eq!(choose(None, None), None);
        // In BCP 47's case; what is no language tag is not recorded.
        assert_eq!(
            choose(Some(" EN_us "), Some("en")).as_deref(),
            Some("en-US")
        );
        assert_eq!(
            choose(Some("zh-hant-tw"), None).as_deref(),
            Some("zh-Hant-TW")
        );
        assert_eq!(choose(Some("es-419"), None).as_deref(), Some("es-419"));
        assert_eq!(choose(Some("{{ lang }}"), None), None);
        assert_eq!(choose(Some("english"), Some("en")).as_deref(), Some("en"));
        // A language's name stands for its code, as the name in English or in itself.
        assert_eq!(choose(Some(" English "), None).as_deref(), Some("en"));
        assert_eq!(choose(Some("Deutsch"), None).as_deref(), Some("de"));
        assert_eq!(choose(Some("русский"), None).as_deref(), Some("ru"));
        assert_eq!(choose(Some("Klingon"), None), None);
        assert_eq!(choose(Some("en--US"), None), None);
        assert_eq!(
            choose(Some("EN-us-u-CA-gregory"), None).as_deref(),
            Some("en-US-u-ca-gregory"),
            "after a singleton, all lowercase"
        );
    }
}
