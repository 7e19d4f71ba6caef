//! Plain text (`.txt`): one [`BlockKind::Line`] block per non-empty line.
//!
//! Text dumps of news pages mix page chrome and paragraphs line by line, so the line is the
//! unit the boilerplate rule judges; blank lines are kept as `gap_before`, the only structure
//! a text dump has.

use newsdrop_core::{Block, BlockKind};

/// Splits decoded text (LF line ends) into line blocks. Each line is trimmed at both ends
/// and tabs, form feeds and no-break spaces become plain spaces; the inner text is kept as is.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut gap = true;
    for line in text.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            gap = true;
            continue;
        }
        let line = if line.contains(['\t', '\u{a0}', '\u{0c}']) {
            line.replace(['\t', '\u{a0}', '\u{0c}'], " ")
        } else {
            line.to_string()
        };
        let mut block = Block::new(line, BlockKind::Line);
        block.gap_before = gap;
        gap = false;
        blocks.push(block);
    }
    blocks
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: &[(&str, bool)]) {
        let got: Vec<(String, bool)> = blocks(text)
            .into_iter()
            .map(|b| {
                assert_eq!(b.kind, BlockKind::Line);
                (b.text, b.gap_before)
            })
            .collect();
        let expected: Vec<(String, bool)> =
            expected.iter().map(|(t, g)| (t.to_string(), *g)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn lines_and_gaps() {
        check(
            "Title\nsub  line  \n\n \t \nPara\tone\u{a0}x\n",
            &[("Title", true), ("sub  line", false), ("Para one x", true)],
        );
        check("", &[]);
        check("\n\n", &[]);
        check("  indented", &[("indented", true)]);
    }
}
