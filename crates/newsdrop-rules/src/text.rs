//! Small text helpers the rules share.

/// Words of `text`: runs of alphanumeric characters (apostrophes inside words kept).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

/// Day and month names, lowercase: a date that a byline runs into, or a capitalised word
/// that is not a name.
pub const CALENDAR_WORDS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// An empty article of `format` for unit tests; callers add the blocks they need.
#[cfg(test)]
pub(crate) fn test_article(format: newsdrop_core::Format) -> newsdrop_core::Article {
    let source = newsdrop_core::Source {
        name: "a.txt".into(),
        folder: String::new(),
        size: 0,
        sha256: String::new(),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: "UTF-8".into(),
    };
    newsdrop_core::Article::new(source, format)
}

/// A text article with one line block per entry, for unit tests.
#[cfg(test)]
pub(crate) fn line_article(lines: &[&str]) -> newsdrop_core::Article {
    let mut a = test_article(newsdrop_core::Format::Text);
    a.blocks = lines
        .iter()
        .map(|l| newsdrop_core::Block::new(*l, newsdrop_core::BlockKind::Line))
        .collect();
    a
}
