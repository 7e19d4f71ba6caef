//! `whatlang::detect`, with the same answer and confidence, for text in the Latin and
//! Cyrillic scripts (other scripts go to `whatlang` itself).
//!
//! `whatlang` tells languages of one script apart by their trigrams: it ranks the text's
//! 600 most frequent trigrams and, for each of the script's languages (37 Latin ones),
//! looks each of the language's 300 profile trigrams up in the text's ranking, so every
//! detection of a Latin text costs over 11,000 hash look-ups, and its counting a hash map
//! with a general hash. That was a fifth of the text rules' time (the pages the stopword
//! test cannot call English). Here the profiles ([`super::trigram_profiles`]) are inverted
//! once, so each of the text's trigrams is looked up once and credits every language
//! whose profile holds it; trigrams are packed into numbers and counted in an
//! open-addressing table. Scores, sorting and confidence are `whatlang`'s own steps on the
//! same numbers (the alphabet half of its score is `whatlang`'s, through its `dev` API),
//! so the result is the same `Info`; the tests compare every language's distance with
//! `whatlang`'s on texts of many languages.

use std::sync::LazyLock;

use whatlang::dev::{
    FilterList, LowercaseText, alphabet_cyrillic_calculate_scores, alphabet_latin_calculate_scores,
};
use whatlang::{Info, Lang, Script};

use super::trigram_profiles::{CYRILLIC, LATIN};

/// Distance of a profile trigram the text's ranking does not hold (`whatlang`'s).
const MAX_TRIGRAM_DISTANCE: u32 = 300;
/// Largest distance of a language (`whatlang`'s).
const MAX_TOTAL_DISTANCE: u32 = MAX_TRIGRAM_DISTANCE * MAX_TRIGRAM_DISTANCE;
/// Trigrams of the text that are ranked (`whatlang`'s).
const TEXT_TRIGRAMS_SIZE: usize = 600;

/// What `whatlang::detect(text)` answers.
pub fn detect(text: &str) -> Option<Info> {
    let script = whatlang::detect_script(text)?;
    let (profiles, alphabet) = match script {
        Script::Latin => (&*LATIN_INDEX, alphabet_latin_calculate_scores as Alphabet),
        Script::Cyrillic => (
            &*CYRILLIC_INDEX,
            alphabet_cyrillic_calculate_scores as Alphabet,
        ),
        _ => return whatlang::detect(text),
    };
    let lower = LowercaseText::new(text);
    let alphabet = alphabet(&lower, &FilterList::default());
    let (trigram_scores, trigrams_count) = trigram_scores(&lower, profiles);
    // `whatlang`'s combined method: the alphabet's score and the trigrams', weighed by the
    // text's length, over the languages of both lists in this order.
    let mut langs: Vec<Lang> = alphabet.scores.iter().map(|x| x.0).collect();
    for (lang, _) in &trigram_scores {
        if !langs.contains(lang) {
            langs.push(*lang);
        }
    }
    let alphabet_weight = alphabet_weight(alphabet.count);
    let trigram_weight = 1.0 - alphabet_weight;
    let score_in = |scores: &[(Lang, f64)], lang: Lang| {
        scores.iter().find(|(l, _)| *l == lang).map_or(0.0, |x| x.1)
    };
    let mut scores: Vec<(Lang, f64)> = langs
        .into_iter()
        .map(|lang| {
            let a = score_in(&alphabet.scores, lang);
            let t = score_in(&trigram_scores, lang);
            (lang, a * alphabet_weight + t * trigram_weight)
        })
        .collect();
    scores.sort_unstable_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Less));
    let mut scores = scores.into_iter();
    let (lang, first) = scores.next()?;
    let confidence = match scores.next() {
        Some((_, second)) => confidence(first, second, trigrams_count),
        None => 1.0,
    };
    Some(Info::new(script, lang, confidence))
}

/// `whatlang`'s alphabet scores of a script.
type Alphabet = fn(&LowercaseText, &FilterList) -> whatlang::dev::RawAlphabetsInfo;

/// `whatlang`'s weight of the alphabet score for a text of `count` letters.
fn alphabet_weight(count: usize) -> f64 {
    let weight = -(count as f64 / 300.0) + 2.0 / 3.0;
    weight.clamp(1.0 / 3.0, 2.0 / 3.0)
}

/// `whatlang`'s confidence from the best two scores.
fn confidence(highest: f64, second: f64, count: usize) -> f64 {
    if highest == 0.0 {
        return 0.0;
    }
    if second == 0.0 {
        return highest;
    }
    let confident_rate = (3.0 / count as f64) + 0.015;
    let rate = (highest - second) / second;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

/// Every language's trigram score, best first, and the number of distinct trigrams ranked
/// in the text.
fn trigram_scores(text: &str, profiles: &Index) -> (Vec<(Lang, f64)>, usize) {
    let (distances, count) = distances(text, profiles);
    let max_distance = count as u32 * MAX_TRIGRAM_DISTANCE;
    let scores = distances
        .iter()
        .map(|&(lang, d)| (lang, f64::from(max_distance - d) / f64::from(max_distance)))
        .collect();
    (scores, count)
}

/// Every language's distance from the text, nearest first (as `whatlang` sorts them), and
/// the number of distinct trigrams ranked in the text. A language's distance is the sum,
/// over its profile's trigrams, of the difference between the trigram's rank in the
/// profile and in the text, or [`MAX_TRIGRAM_DISTANCE`] when the text does not rank it,
/// less that much for each of the 300 the text has too few trigrams to rank.
fn distances(text: &str, profiles: &Index) -> (Vec<(Lang, u32)>, usize) {
    let ranked = ranked_trigrams(text);
    let count = ranked.len();
    let mut sums = vec![0u32; profiles.langs.len()];
    let mut matched = vec![0u32; profiles.langs.len()];
    for (n, &key) in ranked.iter().enumerate() {
        let Some(at) = profiles.table.get(key) else {
            continue;
        };
        let (start, len) = profiles.spans[at as usize];
        for &(lang, rank) in &profiles.postings[start as usize..(start + len) as usize] {
            sums[usize::from(lang)] += (n as u32).abs_diff(u32::from(rank));
            matched[usize::from(lang)] += 1;
        }
    }
    let mut distances: Vec<(Lang, u32)> = profiles
        .langs
        .iter()
        .enumerate()
        .map(|(i, &lang)| {
            let mut total = sums[i] + (MAX_TRIGRAM_DISTANCE - matched[i]) * MAX_TRIGRAM_DISTANCE;
            if MAX_TRIGRAM_DISTANCE > count as u32 {
                total -= (MAX_TRIGRAM_DISTANCE - count as u32) * MAX_TRIGRAM_DISTANCE;
            }
            (lang, total.clamp(0, MAX_TOTAL_DISTANCE))
        })
        .collect();
    distances.sort_unstable_by_key(|(_, dist)| *dist);
    (distances, count)
}

/// The text's distinct trigrams, most frequent first (ties: the greater trigram first), at
/// most [`TEXT_TRIGRAMS_SIZE`], packed by [`pack`]. As `whatlang` counts them: every
/// character that is not a letter (ASCII punctuation, digits, controls) is a space, the
/// text is followed by a space, and a trigram whose middle is a space is counted only
/// between two letters.
fn ranked_trigrams(text: &str) -> Vec<u64> {
    let char_of = |c: char| if is_stop_char(c) { ' ' } else { c };
    let mut counts = Table::with_capacity(text.len() + 1);
    // The slots of the distinct trigrams, in the order first met (slots never move).
    let mut distinct: Vec<usize> = Vec::new();
    let mut chars = text.chars().map(char_of).chain(Some(' '));
    let (mut c1, mut c2) = (' ', chars.next().unwrap_or(' '));
    for c3 in chars {
        if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
            let key = pack(c1, c2, c3);
            let (slot, found) = counts.slot(key);
            if !found {
                counts.keys[slot] = key;
                distinct.push(slot);
            }
            counts.values[slot] += 1;
        }
        c1 = c2;
        c2 = c3;
    }
    let mut by_count: Vec<(u32, u64)> = distinct
        .into_iter()
        .map(|slot| (counts.values[slot], counts.keys[slot]))
        .collect();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    by_count.truncate(TEXT_TRIGRAMS_SIZE);
    by_count.into_iter().map(|(_, key)| key).collect()
}

/// `whatlang`'s test for a character that only separates words.
fn is_stop_char(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// Three characters in one number, ordered as the characters are (the first highest); never
/// 0, since a trigram holds a letter and a letter is not U+0000.
fn pack(c1: char, c2: char, c3: char) -> u64 {
    (u64::from(c1) << 42) | (u64::from(c2) << 21) | u64::from(c3)
}

/// An open-addressing table of packed trigrams (0 marks a free slot) and a number for each.
struct Table {
    keys: Vec<u64>,
    values: Vec<u32>,
    shift: u32,
}

impl Table {
    /// Room for `n` keys at most half full.
    fn with_capacity(n: usize) -> Table {
        let size = (2 * n).next_power_of_two().max(16);
        Table {
            keys: vec![0; size],
            values: vec![0; size],
            shift: 64 - size.trailing_zeros(),
        }
    }

    /// The slot of `key`, and whether it holds it (else the free slot it would go to).
    fn slot(&self, key: u64) -> (usize, bool) {
        let mask = self.keys.len() - 1;
        let mut i = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
        loop {
            match self.keys[i] {
                k if k == key => return (i, true),
                0 => return (i, false),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// The number stored with `key`.
    fn get(&self, key: u64) -> Option<u32> {
        match self.slot(key) {
            (i, true) => Some(self.values[i]),
            _ => None,
        }
    }
}

/// A script's profiles inverted: for each trigram of any profile, the languages whose
/// profile holds it and at which rank.
struct Index {
    langs: Vec<Lang>,
    /// Trigram → its number in `spans`.
    table: Table,
    /// Start and length in `postings` of each trigram's (language, rank) pairs.
    spans: Vec<(u32, u32)>,
    postings: Vec<(u8, u16)>,
}

impl Index {
    fn new(profiles: &[(Lang, &str)]) -> Index {
        let mut by_trigram: Vec<(u64, u8, u16)> = Vec::new();
        for (lang, profile) in profiles.iter().enumerate() {
            let chars: Vec<char> = profile.1.chars().collect();
            for (rank, t) in chars.chunks_exact(3).enumerate() {
                by_trigram.push((pack(t[0], t[1], t[2]), lang as u8, rank as u16));
            }
        }
        by_trigram.sort_unstable();
        let mut table = Table::with_capacity(by_trigram.len());
        let mut spans: Vec<(u32, u32)> = Vec::new();
        let mut postings = Vec::with_capacity(by_trigram.len());
        for (i, &(key, lang, rank)) in by_trigram.iter().enumerate() {
            if i == 0 || by_trigram[i - 1].0 != key {
                let (slot, _) = table.slot(key);
                table.keys[slot] = key;
                table.values[slot] = spans.len() as u32;
                spans.push((postings.len() as u32, 0));
            }
            postings.push((lang, rank));
            if let Some(last) = spans.last_mut() {
                last.1 += 1;
            }
        }
        Index {
            langs: profiles.iter().map(|p| p.0).collect(),
            table,
            spans,
            postings,
        }
    }
}

static LATIN_INDEX: LazyLock<Index> = LazyLock::new(|| Index::new(LATIN));
static CYRILLIC_INDEX: LazyLock<Index> = LazyLock::new(|| Index::new(CYRILLIC));

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use whatlang::dev::{RawLangInfo, raw_detect};

    use super::*;

    /// Prose in many languages and scripts.
    const TEXTS: &[&str] = &[
        "The federal government decided on Tuesday that the new rules will apply to all \
         companies from next year on, whatever their size.",
        "Die Bundesregierung hat am Dienstag beschlossen, dass die neuen Regeln ab dem \
         kommenden Jahr für alle Unternehmen gelten sollen.",
        "Le gouvernement fédéral a décidé mardi que les nouvelles règles s'appliqueront à \
         toutes les entreprises à partir de l'année prochaine.",
        "El gobierno federal decidió el martes que las nuevas normas se aplicarán a todas \
         las empresas a partir del próximo año, sea cual sea su tamaño.",
        "O governo federal decidiu na terça-feira que as novas regras serão aplicadas a \
         todas as empresas a partir do próximo ano, seja qual for o seu tamanho.",
        "Il governo federale ha deciso martedì che le nuove regole si applicheranno a tutte \
         le aziende a partire dal prossimo anno, qualunque sia la loro dimensione.",
        "De federale regering heeft dinsdag besloten dat de nieuwe regels vanaf volgend jaar \
         gelden voor alle bedrijven, ongeacht hun grootte.",
        "Rząd federalny zdecydował we wtorek, że nowe przepisy będą obowiązywać wszystkie \
         firmy od przyszłego roku, bez względu na ich wielkość.",
        "Vláda ve úterý rozhodla, že nová pravidla budou od příštího roku platit pro všechny \
         podniky bez ohledu na jejich velikost.",
        "Hükümet salı günü yeni kuralların gelecek yıldan itibaren büyüklüğü ne olursa olsun \
         tüm şirketlere uygulanacağına karar verdi.",
        "Regeringen beslutade på tisdagen att de nya reglerna ska gälla för alla företag från \
         och med nästa år, oavsett storlek.",
        "Hallitus päätti tiistaina, että uudet säännöt koskevat kaikkia yrityksiä ensi \
         vuodesta alkaen niiden koosta riippumatta.",
        "Pemerintah federal memutuskan pada hari Selasa bahwa aturan baru akan berlaku untuk \
         semua perusahaan mulai tahun depan.",
        "Chính phủ liên bang quyết định hôm thứ Ba rằng các quy định mới sẽ áp dụng cho tất \
         cả các công ty từ năm tới.",
        "Федеральное правительство во вторник решило, что новые правила будут применяться ко \
         всем компаниям со следующего года, независимо от их размера.",
        "Федеральний уряд у вівторок вирішив, що нові правила застосовуватимуться до всіх \
         компаній з наступного року, незалежно від їхнього розміру.",
        "Федералната власт реши във вторник, че новите правила ще се прилагат за всички \
         компании от следващата година, независимо от техния размер.",
        "Савезна влада је у уторак одлучила да ће се нова правила примењивати на сва \
         предузећа од следеће године.",
        "قررت الحكومة الفيدرالية يوم الثلاثاء أن القواعد الجديدة ستطبق على جميع الشركات",
        "संघीय सरकार ने मंगलवार को फैसला किया कि नए नियम अगले साल से सभी कंपनियों पर लागू होंगे",
        "연방 정부는 화요일 새로운 규칙이 내년부터 모든 기업에 적용된다고 결정했다.",
        "連邦政府は火曜日、新しい規則を来年からすべての企業に適用することを決めた。",
        "Ο ομοσπονδιακή κυβέρνηση αποφάσισε την Τρίτη ότι οι νέοι κανόνες θα ισχύουν.",
        "Home | News | Sport | Weather | 12:30 © 2024",
        "a",
        "",
        "1234 -- !!",
    ];

    /// The texts above, whole, cut at many lengths, and joined two by two: short texts
    /// (few trigrams, under 300) and mixed ones (close scores, confidence below 1).
    fn inputs() -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in TEXTS.iter().enumerate() {
            out.push((*a).to_string());
            for cut in [3, 7, 12, 20, 35, 60, 90] {
                out.push(a.chars().take(cut).collect());
            }
            for b in &TEXTS[i + 1..] {
                out.push(format!("{a} {b}"));
                out.push(format!("{b}\n{a} {a}"));
            }
        }
        out
    }

    #[test]
    fn detects_as_whatlang_does() {
        for text in inputs() {
            assert_eq!(detect(&text), whatlang::detect(&text), "{text:?}");
        }
    }

    #[test]
    fn every_distance_is_whatlangs() {
        let mut checked = 0;
        for text in inputs() {
            let Some(RawLangInfo::MultiScript(raw)) = raw_detect(&text).lang_info else {
                continue;
            };
            let index = match whatlang::detect_script(&text) {
                Some(Script::Latin) => &*LATIN_INDEX,
                Some(Script::Cyrillic) => &*CYRILLIC_INDEX,
                _ => continue,
            };
            let lower = LowercaseText::new(&text);
            let (ours, count) = distances(&lower, index);
            assert_eq!(ours, raw.trigram_raw_outcome.raw_distances, "{text:?}");
            assert_eq!(count, raw.trigram_raw_outcome.trigrams_count, "{text:?}");
            checked += 1;
        }
        assert!(checked > 500, "{checked}");
    }

    /// Text made of every language's profile trigrams, so that every trigram of every
    /// profile is looked up at many ranks: a profile that differs from `whatlang`'s in any
    /// trigram shows in some distance.
    #[test]
    fn every_profile_trigram_is_whatlangs() {
        for profiles in [LATIN, CYRILLIC] {
            for (i, (_, profile)) in profiles.iter().enumerate() {
                let words: Vec<String> = profile
                    .chars()
                    .collect::<Vec<char>>()
                    .chunks_exact(3)
                    .map(|t| t.iter().collect::<String>().trim().to_string())
                    .collect();
                // The profile's trigrams as words, more often the higher they rank, and
                // the next language's profile after it.
                let mut text = String::new();
                for (rank, w) in words.iter().enumerate() {
                    for _ in 0..(1 + (300 - rank) / 60) {
                        text.push_str(w);
                        text.push(' ');
                    }
                }
                let next = profiles[(i + 1) % profiles.len()].1;
                text.push_str(next);
                let RawLangInfo::MultiScript(raw) = raw_detect(&text).lang_info.unwrap() else {
                    panic!("{text:?}");
                };
                let index = Index::new(profiles);
                let (ours, _) = distances(&LowercaseText::new(&text), &index);
                assert_eq!(ours, raw.trigram_raw_outcome.raw_distances);
                assert_eq!(detect(&text), whatlang::detect(&text));
            }
        }
    }

    #[test]
    fn a_changed_profile_changes_a_distance() {
        // The check above can fail: one trigram of one profile changed is seen.
        let text = TEXTS[4];
        let mut profiles: Vec<(Lang, String)> = LATIN
            .iter()
            .map(|&(lang, p)| (lang, p.to_string()))
            .collect();
        let por = profiles.iter().position(|p| p.0 == Lang::Por).unwrap();
        assert_eq!(&profiles[por].1[6..9], " de"); // the text has it ("decidiu")
        profiles[por].1.replace_range(6..9, "xyz");
        let changed: Vec<(Lang, &str)> = profiles.iter().map(|(l, p)| (*l, p.as_str())).collect();
        let lower = LowercaseText::new(text);
        assert_ne!(
            distances(&lower, &Index::new(&changed)).0,
            distances(&lower, &LATIN_INDEX).0
        );
    }

    #[test]
    fn trigrams_are_ranked_by_count_then_trigram() {
        let ranked = ranked_trigrams("xaaaaabbbb    d");
        assert_eq!(ranked[0], pack('a', 'a', 'a'));
        assert_eq!(ranked[1], pack('b', 'b', 'b'));
        assert_eq!(ranked_trigrams("-a-"), vec![pack(' ', 'a', ' ')]);
        assert!(ranked_trigrams(", .").is_empty());
    }
}
