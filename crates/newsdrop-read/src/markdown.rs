//! Markdown (`.md`): CommonMark blocks, via pulldown-cmark, as text without markup.
//!
//! A paragraph is one block (soft breaks become spaces), so prose written with hard-wrapped
//! lines is not cut into fragments; headings, list items, quotes, code and table rows keep
//! their kind for the rules. Link text stays and URLs go; images and inline HTML tags go,
//! and so does what raw HTML hides from a reader: comments, `<script>` and `<style>`.

use newsdrop_core::{Block, BlockKind};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Parses markdown text into blocks.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let mut out = Builder::default();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(text, options) {
        out.event(event);
        if crate::over_block_limit(&out.blocks) {
            break;
        }
    }
    out.flush();
    out.blocks
}

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    buf: String,
    /// Enclosing containers' kinds, innermost last.
    kinds: Vec<BlockKind>,
    /// Inside an image: its alt text is dropped.
    image_depth: usize,
    /// Inside a table row: cells are joined with ` | ` into one block.
    in_row: bool,
    in_cell_count: usize,
    /// Inside raw HTML that hides its text (a comment, `<script>`, `<style>`): the marker
    /// that ends it. It spans events: an HTML block comes a line at a time, and the text
    /// of an inline `<script>` comes as text between two inline HTML events.
    hidden_until: Option<&'static str>,
}

impl Builder {
    fn kind(&self) -> BlockKind {
        self.kinds.last().copied().unwrap_or(BlockKind::Paragraph)
    }

    fn flush(&mut self) {
        // Whatever hid text ends with its block: an unclosed `<script>` hides the rest of
        // its paragraph, not the rest of the article.
        self.hidden_until = None;
        let kind = self.kind();
        let text = if kind == BlockKind::Code {
            self.buf.trim_end().trim_start_matches('\n').to_string()
        } else {
            self.buf.trim().to_string()
        };
        self.buf.clear();
        if !text.is_empty() {
            self.blocks.push(Block::new(text, kind));
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.image_depth == 0 && self.hidden_until.is_none() {
            self.buf.push_str(text);
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(&tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.push_text(&t);
            }
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html),
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.push_text("\n"),
            Event::Rule => self.flush(),
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        let kind = match tag {
            Tag::Paragraph => {
                // A paragraph inside a list item or quote keeps the container's kind.
                let kind = match self.kind() {
                    k @ (BlockKind::ListItem | BlockKind::Quote) => k,
                    _ => BlockKind::Paragraph,
                };
                Some(kind)
            }
            Tag::Heading { level, .. } => Some(BlockKind::Heading(heading_level(*level))),
            Tag::BlockQuote(_) => Some(BlockKind::Quote),
            Tag::CodeBlock(_) => Some(BlockKind::Code),
            Tag::Item => Some(BlockKind::ListItem),
            Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => Some(BlockKind::Paragraph),
            Tag::Table(_) => Some(BlockKind::Table),
            Tag::TableHead | Tag::TableRow => {
                self.flush();
                self.in_row = true;
                self.in_cell_count = 0;
                None
            }
            Tag::TableCell => {
                if self.in_row && self.in_cell_count > 0 {
                    self.buf.push_str(" | ");
                }
                self.in_cell_count += 1;
                None
            }
            Tag::Image { .. } => {
                self.image_depth += 1;
                None
            }
            Tag::List(_)
            | Tag::DefinitionList
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::MetadataBlock(_) => None,
        };
        if let Some(kind) = kind {
            self.flush();
            self.kinds.push(kind);
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::Item
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Table => {
                self.flush();
                self.kinds.pop();
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                self.flush();
                self.in_row = false;
            }
            TagEnd::Image => self.image_depth = self.image_depth.saturating_sub(1),
            TagEnd::TableCell
            | TagEnd::List(_)
            | TagEnd::DefinitionList
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::MetadataBlock(_) => {}
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

impl Builder {
    /// Raw HTML: its tags go, the text between them stays, but for what comments,
    /// `<script>` and `<style>` hide.
    fn html(&mut self, html: &str) {
        let mut rest = html;
        loop {
            if let Some(close) = self.hidden_until {
                let Some(at) = rest.to_ascii_lowercase().find(close) else {
                    return;
                };
                rest = &rest[at + close.len()..];
                self.hidden_until = None;
                if close != COMMENT_END {
                    // The rest of the end tag: `</script >`.
                    rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
                }
            }
            let Some(at) = rest.find('<') else {
                self.push_text(rest);
                return;
            };
            self.push_text(&rest[..at]);
            rest = &rest[at..];
            if let Some(after) = rest.strip_prefix("<!--") {
                self.hidden_until = Some(COMMENT_END);
                rest = after;
                continue;
            }
            let end = rest.find('>').map_or(rest.len(), |end| end + 1);
            self.hidden_until = hiding_end_tag(&rest[..end]);
            rest = &rest[end..];
        }
    }
}

const COMMENT_END: &str = "-->";

/// For a start tag whose element's text is not for readers, the start of its end tag.
fn hiding_end_tag(tag: &str) -> Option<&'static str> {
    let name = tag
        .strip_prefix('<')?
        .split(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .next()?;
    if name.eq_ignore_ascii_case("script") {
        Some("</script")
    } else if name.eq_ignore_ascii_case("style") {
        Some("</style")
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[track_caller]
    fn check(md: &str, expected: &[(BlockKind, &str)]) {
        let got: Vec<(BlockKind, String)> =
            blocks(md).into_iter().map(|b| (b.kind, b.text)).collect();
        let expected: Vec<(BlockKind, String)> =
            expected.iter().map(|(k, t)| (*k, t.to_string())).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn headings_paragraphs_lists() {
        check(
            "# Big *news*\n\nFirst line\nsecond [link](http://x) line.\n\n## Sub\n\n- one\n- two **bold**\n\n1. first\n\n   still first\n",
            &[
                (BlockKind::Heading(1), "Big news"),
                (BlockKind::Paragraph, "First line second link line."),
                (BlockKind::Heading(2), "Sub"),
                (BlockKind::ListItem, "one"),
                (BlockKind::ListItem, "two bold"),
                (BlockKind::ListItem, "first"),
                (BlockKind::ListItem, "still first"),
            ],
        );
    }

    #[test]
    fn quotes_code_tables_images_html() {
        check(
            "> quoted\n> text\n\n```\nlet x = 1;\n  y\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt](img.png) after <b>bold</b> <!-- c -->end\n\n<div class=\"x\">\n<p>Block html</p>\n</div>\n",
            &[
                (BlockKind::Quote, "quoted text"),
                (BlockKind::Code, "let x = 1;\n  y"),
                (BlockKind::Table, "a | b"),
                (BlockKind::Table, "1 | 2"),
                (BlockKind::Paragraph, "after bold end"),
                (BlockKind::Paragraph, "Block html"),
            ],
        );
    }

    /// What raw HTML hides from a reader stays hidden: inline or as a block, over lines,
    /// in any case; an unclosed one hides the rest of its paragraph only.
    #[test]
    fn scripts_styles_and_comments_are_hidden() {
        check(
            "Before <script>track('x < y')</script>after <STYLE type=x>p{}</Style >styled.\n\n\
             <script>\nvar a = 1;\n\nvar b = 2;\n</script>\n\n\
             <!--\na comment\n\nover lines\n-->\n\n\
             Tags <b>stay</b> text<e\n\n\
             Open <script>never closed\n\nNext paragraph.\n",
            &[
                (BlockKind::Paragraph, "Before after styled."),
                // Not a tag to CommonMark, so text.
                (BlockKind::Paragraph, "Tags stay text<e"),
                (BlockKind::Paragraph, "Open"),
                (BlockKind::Paragraph, "Next paragraph."),
            ],
        );
    }
}
