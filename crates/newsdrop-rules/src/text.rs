//! Small text helpers the rules share.

/// Words of `text`: runs of alphanumeric characters (apostrophes inside words kept).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}
