//! Plain text (`.txt`): one [`BlockKind::Line`] block per non-empty line, with hard-wrapped
//! paragraphs joined back into one.
//!
//! Text dumps of news pages mix page chrome and paragraphs line by line, so the line is the
//! unit the boilerplate rule judges; blank lines are kept as `gap_before`, the only structure
//! a text dump has. Mail, wire copy and text run through `fmt` break each paragraph at a
//! fixed width (72 or 80 columns) instead; judged line by line, every piece of such a
//! paragraph is a short line, and the article is lost. Such a page is recognised by its
//! width ([`wrap_width`]), and a line is joined to the next where the next one's first word
//! would not have fitted on it: what a greedy wrapper leaves. Unwrapped pages (a paragraph a
//! line, as browsers save them) are read line by line as before.

use newsdrop_core::{Block, BlockKind};

/// Widths a hard-wrapped page may have: `fmt`'s 75, mail's 72, the terminal's 80, and
/// what editors are set to, up to 100. Chrome lines shorter than the lower bound are never
/// taken for pieces of a paragraph.
const WRAP_WIDTHS: std::ops::RangeInclusive<usize> = 40..=100;
/// How far short of the width a greedy wrapper's lines end: the next word did not fit.
const WRAP_SLACK: usize = 20;
/// Lines that must end near the width, each followed by a line whose first word would
/// not have fitted, before a page counts as hard-wrapped: two, so that a teaser page with
/// one paragraph of three lines is read whole (on the dedup instances' 12,705 pages, none
/// of the unwrapped ones was taken for wrapped).
const MIN_WRAPPED_LINES: usize = 2;

/// Splits decoded text (LF line ends) into line blocks. Each line is trimmed at both ends
/// and tabs, form feeds and no-break spaces become plain spaces; the inner text is kept as is.
/// On a hard-wrapped page, the lines of a paragraph become one block, joined by spaces.
pub(crate) fn blocks(text: &str) -> Result<Vec<Block>, crate::ReadError> {
    let lines = lines(text).ok_or(crate::ReadError::TooManyBlocks)?;
    let width = wrap_width(&lines);
    let mut blocks: Vec<Block> = Vec::with_capacity(lines.len());
    let mut joins_next = false;
    for (i, line) in lines.iter().enumerate() {
        let text = if has_odd_space(line.text) {
            line.text.replace(['\t', '\u{a0}', '\u{0c}'], " ")
        } else {
            line.text.to_string()
        };
        match blocks.last_mut() {
            Some(last) if joins_next => {
                last.text.push(' ');
                last.text.push_str(&text);
            }
            _ => {
                let mut block = Block::new(text, BlockKind::Line);
                block.gap_before = line.gap_before;
                blocks.push(block);
            }
        }
        joins_next = width.is_some_and(|w| wraps_into(line, lines.get(i + 1), w));
    }
    Ok(blocks)
}

/// Whether `line` may hold a tab, a form feed or a no-break space, which [`blocks`] turns
/// into plain spaces. Bytes, not chars: this looks at every line of every page, and a
/// char-by-char search of three chars decodes each one. `0xA0` is the no-break space's
/// second byte, and a continuation byte of other chars too (Cyrillic "Р"): such a line is
/// searched again by char, which finds what is really there.
fn has_odd_space(line: &str) -> bool {
    memchr::memchr3(b'\t', 0x0c, 0xa0, line.as_bytes()).is_some()
}

/// A non-empty line of the page, trimmed.
struct Line<'a> {
    text: &'a str,
    /// Its length in characters.
    chars: usize,
    /// A blank line (or the start of the page) comes before it.
    gap_before: bool,
}

/// The page's lines; `None` when there are more than [`crate::MAX_BLOCKS`] (wrapped
/// lines may join into fewer blocks, but a page that long is no article either).
fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    let mut lines = Vec::new();
    let mut gap = true;
    // `memchr`'s vector search: `str::split` finds line ends a word at a time.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        // A line end is ASCII, so both ends are char boundaries.
        let line = text.get(start..end).unwrap_or_default().trim();
        start = end + 1;
        if line.is_empty() {
            gap = true;
            continue;
        }
        // Past the limit the article fails: no need to go on.
        if lines.len() > crate::MAX_BLOCKS {
            return None;
        }
        lines.push(Line {
            text: line,
            chars: line.chars().count(),
            gap_before: gap,
        });
        gap = false;
    }
    Some(lines)
}

/// Whether `line` is a piece of a paragraph wrapped at `width` that goes on in `next`: it
/// ends within [`WRAP_SLACK`] of the width, and `next` follows without a blank line and
/// opens with a word too long to have fitted on it.
fn wraps_into(line: &Line<'_>, next: Option<&Line<'_>>, width: usize) -> bool {
    let Some(next) = next.filter(|n| !n.gap_before) else {
        return false;
    };
    let first_word = next.text.split(' ').next().map_or(0, |w| w.chars().count());
    line.chars <= width && line.chars + WRAP_SLACK >= width && line.chars + 1 + first_word > width
}

/// The width a hard-wrapped page was wrapped at, or `None` for a page that is not.
///
/// The width is where the line ends of the page bunch: of the widths in [`WRAP_WIDTHS`],
/// the one with the most lines followed by another line ending within ten characters
/// short of it (then the longest such line: the exact width). The page is wrapped when at
/// least [`MIN_WRAPPED_LINES`] lines would join at that width, not all of them exactly as
/// long as it (a wrapped paragraph has a ragged right edge; a line repeated is not
/// wrapped), and lines longer than it are fewer than a quarter of those: a page saved from
/// a browser has its paragraphs on lines of several hundred characters.
fn wrap_width(lines: &[Line<'_>]) -> Option<usize> {
    let followed = |i: usize| lines.get(i + 1).is_some_and(|n| !n.gap_before);
    let mut ends = [0usize; *WRAP_WIDTHS.end() + 1];
    for (i, line) in lines.iter().enumerate() {
        if followed(i) && line.chars <= *WRAP_WIDTHS.end() {
            ends[line.chars] += 1;
        }
    }
    let bunch = |w: usize| ends[w - 9..=w].iter().sum::<usize>();
    let top = WRAP_WIDTHS.max_by_key(|&w| (bunch(w), std::cmp::Reverse(w)))?;
    let width = (top - 9..=top).rev().find(|&w| ends[w] > 0)?;
    let (mut wrapped, mut ragged) = (0, false);
    for (i, line) in lines.iter().enumerate() {
        if wraps_into(line, lines.get(i + 1), width) {
            wrapped += 1;
            ragged |= line.chars != width;
        }
    }
    let longer = lines.iter().filter(|l| l.chars > width).count();
    (wrapped >= MIN_WRAPPED_LINES && ragged && longer * 4 <= wrapped).then_some(width)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: &[(&str, bool)]) {
        let got: Vec<(String, bool)> = blocks(text)
            .unwrap()
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
        // "Р" is D0 A0: the no-break space's second byte, and not a space.
        check(
            "Работа\u{a0}РИА\nРР",
            &[("Работа РИА", true), ("РР", false)],
        );
        check("no end of line", &[("no end of line", true)]);
    }

    #[test]
    fn a_hard_wrapped_paragraph_is_one_block_and_the_chrome_around_it_stays_lines() {
        let page = "Regional Herald\n\
                    e-Paper | Newsletters | Podcasts\n\
                    \n\
                    Black Sabbath have topped a list of the best British rock albums of all\n\
                    time.\n\
                    \n\
                    The band once fronted by Ozzy Osbourne led a poll of Kerrang! magazine\n\
                    readers with their 1970 self-titled debut. The band have three more\n\
                    efforts on the list, including fifth-placed Paranoid.\n\
                    Osbourne appears more than any other act, with two solo records.\n\
                    \n\
                    Read more:\n\
                    Car giant hit by Mercedes slump\n";
        check(
            page,
            &[
                ("Regional Herald", true),
                ("e-Paper | Newsletters | Podcasts", false),
                (
                    "Black Sabbath have topped a list of the best British rock albums of all time.",
                    true,
                ),
                (
                    "The band once fronted by Ozzy Osbourne led a poll of Kerrang! magazine \
                     readers with their 1970 self-titled debut. The band have three more \
                     efforts on the list, including fifth-placed Paranoid.",
                    true,
                ),
                // A paragraph after a single line break: the line before it ends far
                // short of the width, so the two are not joined.
                (
                    "Osbourne appears more than any other act, with two solo records.",
                    false,
                ),
                ("Read more:", true),
                ("Car giant hit by Mercedes slump", false),
            ],
        );
    }

    #[test]
    fn lines_of_a_page_saved_from_a_browser_are_not_joined() {
        // Headlines of 60 to 80 characters one after another, as link lists are, with the
        // page's paragraphs on long lines: nothing is wrapped.
        let para = "The committee said on Monday that it would publish its report after the \
                    summer, once every witness had been heard and the evidence weighed.";
        let page = format!(
            "{para}\n\n\
             Markets slide as investors weigh the latest figures from the central bank\n\
             Storm leaves thousands without power across the northern coast overnight\n\
             Minister defends the budget plan against its critics in a heated debate\n\
             Local team celebrates promotion after a dramatic final day of the season\n\
             Museum reopens its doors to visitors after a long and costly renovation\n\n\
             {para}\n\n{para}\n\n{para}\n"
        );
        assert_eq!(blocks(&page).unwrap().len(), 9);
        // A line repeated has no ragged edge: each is as long as the widest.
        let line = "A line of seventy-odd characters that the page repeats, word for word.\n";
        assert_eq!(blocks(&line.repeat(3)).unwrap().len(), 3);
    }

    #[test]
    fn one_break_is_too_few_to_call_a_page_wrapped_two_are_enough() {
        let page = "Katerina Thanou is confident she and fellow sprinter Kostas Kenteris\n\
                    will not be punished for missing drugs tests before the Olympics.\n";
        assert_eq!(blocks(page).unwrap().len(), 2);
        let teaser = "No half measures with Half-Life 2\n\n\
                      Could Half-Life 2 possibly live up to the hype? After almost two years of\n\
                      tantalising previews and infuriating delays it's safe to say that this is the\n\
                      most highly-anticipated computer game of all time.\n";
        let got: Vec<String> = blocks(teaser)
            .unwrap()
            .into_iter()
            .map(|b| b.text)
            .collect();
        assert_eq!(
            got,
            [
                "No half measures with Half-Life 2",
                "Could Half-Life 2 possibly live up to the hype? After almost two years of \
                 tantalising previews and infuriating delays it's safe to say that this is the \
                 most highly-anticipated computer game of all time."
            ]
        );
    }
}
