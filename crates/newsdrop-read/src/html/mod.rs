//! HTML (`.html`/`.htm`): an HTML5 tree walked once into text blocks. The tree ([`tree`],
//! an arena of our own) is built by html5ever's tree builder from html5gum's tokens
//! ([`parse`]: why, and what it leaves out of the tree because nothing here reads it).
//!
//! The classic approach of readability-style extractors: walk the tree, accumulate inline
//! text with whitespace collapsed as a browser would, and flush a block at every block-level
//! boundary (and at `<br><br>`); a table row whose cells hold inline text only is one block,
//! its cells joined by spaces, as the row reads. Each block records the element that
//! produced it, its ancestor path and how much of it is link text ([`DomHints`]), which is
//! what the boilerplate rule needs to tell navigation and comments from the story. The path runs
//! from `body` down to and including that element, as `tag#id.class` steps (at most three
//! classes a step, 32 steps a path: the first four and the last 28, with `…` between), and
//! `ancestors` numbers the same elements in document order, so that blocks can be grouped by
//! the element that holds them.
//! Invisible content (scripts, styles, `hidden`, form controls) is skipped. The same walk
//! collects what the page states about itself ([`Page`]: title, lang, canonical, meta tags, JSON-LD, `<time>`).
//!
//! The walk is iterative over the arena (sibling and first-child links), with O(1) work per
//! node and O(path cap) per block, so deep or huge malformed documents cost linear time and
//! no call stack.

mod parse;
mod tree;

use newsdrop_core::{Block, BlockKind, DomHints, Page};
use tree::{DOCUMENT, Element, Node, NodeData, NodeId};

/// Most steps kept in a block's `path`: the first [`PATH_HEAD`] and the last ones (the
/// nearest ancestors, which is where an extractor looks for the article's container).
const PATH_CAP: usize = 32;
const PATH_HEAD: usize = 4;
/// Classes kept per path step.
const CLASS_CAP: usize = 3;

/// Parses an HTML document into blocks and page facts. Never fails: html5ever recovers
/// from any malformed input.
pub(crate) fn read(text: &str) -> (Vec<Block>, Page) {
    walk(&parse::document(text))
}

/// The text of an HTML fragment on one line, as a browser shows it, its white space (line
/// breaks, no-break spaces) as single spaces: a JSON input's field given with entities or
/// tags (`Biden&#8217;s <em>plan</em>`).
pub(crate) fn fragment_text(html: &str) -> String {
    let (blocks, _) = read(html);
    let words: Vec<&str> = blocks
        .iter()
        .flat_map(|b| b.text.split_whitespace())
        .collect();
    words.join(" ")
}

/// Blocks and page facts of a parsed document.
fn walk(nodes: &[Node]) -> (Vec<Block>, Page) {
    let mut walker = Walker::new(nodes);
    walker.walk();
    (walker.blocks, walker.page)
}

/// Elements whose content is never visible text.
fn is_skipped(tag: &str) -> bool {
    matches!(
        tag,
        "head"
            | "title"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "frame"
            | "object"
            | "embed"
            | "canvas"
            | "video"
            | "audio"
            | "map"
            | "select"
            | "option"
            | "optgroup"
            | "datalist"
            | "button"
            | "input"
            | "textarea"
    )
}

/// Elements that start and end a block of text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "legend"
            | "li"
            | "listing"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "plaintext"
            | "pre"
            | "search"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "xmp"
    )
}

fn is_preformatted(tag: &str) -> bool {
    matches!(tag, "pre" | "listing" | "xmp" | "plaintext")
}

/// The kind a block element gives its own text, if it has one of its own.
fn own_kind(tag: &str) -> Option<BlockKind> {
    Some(match tag {
        "h1" => BlockKind::Heading(1),
        "h2" => BlockKind::Heading(2),
        "h3" => BlockKind::Heading(3),
        "h4" => BlockKind::Heading(4),
        "h5" => BlockKind::Heading(5),
        "h6" => BlockKind::Heading(6),
        "li" => BlockKind::ListItem,
        "blockquote" => BlockKind::Quote,
        "figcaption" => BlockKind::Caption,
        "td" | "th" | "tr" | "caption" => BlockKind::Table,
        t if is_preformatted(t) => BlockKind::Code,
        _ => return None,
    })
}

/// What a generic block inherits from its enclosing block: a `<p>` in an `<li>` is a list
/// item, in a `<blockquote>` a quote. Table cells do not pass on their kind, since layout
/// tables hold whole pages.
fn inherited(parent: BlockKind) -> BlockKind {
    match parent {
        BlockKind::Table | BlockKind::Line => BlockKind::Paragraph,
        kind => kind,
    }
}

/// HTML whitespace as a browser collapses it (plus the no-break space, which is layout,
/// not content, in the text we want).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0c}' | '\u{a0}')
}

/// Bytes of the [`is_space`] character at `text[i]`, 0 when there is none. Byte by byte,
/// as the walker reads every visible character: the spaces are ASCII but the no-break
/// space, whose UTF-8 form `c2 a0` is no part of any other character.
fn space_at(text: &[u8], i: usize) -> usize {
    match text.get(i) {
        Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0c) => 1,
        Some(0xc2) if text.get(i + 1) == Some(&0xa0) => 2,
        _ => 0,
    }
}

/// Bytes of the [`is_space`] characters that `text` starts with.
fn space_len(text: &[u8]) -> usize {
    let mut i = 0;
    loop {
        match space_at(text, i) {
            0 => return i,
            n => i += n,
        }
    }
}

/// Bytes of the characters that `text` starts with up to its first [`is_space`] one.
fn word_len(text: &[u8]) -> usize {
    let mut i = 0;
    while i < text.len() && space_at(text, i) == 0 {
        i += 1;
    }
    i
}

/// An open table row: its cells become one block (`Name 63 85%`, as the row reads) when
/// each cell held inline text only, one run of it.
struct Row {
    /// Index in `Walker::blocks` of the row's first block.
    first: usize,
    /// Length of `Walker::elems` including the `<tr>`.
    depth: usize,
    /// Every block so far was the whole text of a cell of this row.
    simple: bool,
    /// Document-order number of the cell of the last block.
    last_cell: Option<u32>,
}

/// An open block element.
struct Ctx<'t> {
    tag: &'t str,
    kind: BlockKind,
    /// Length of `Walker::elems` including this element: its path.
    depth: usize,
}

/// Text being captured for a page fact rather than for the body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    JsonLd,
}

/// What entering an element changed, to undo when leaving it.
#[derive(Default, Clone, Copy)]
struct Undo {
    elem: bool,
    block: bool,
    link: bool,
    pre: bool,
    row: bool,
    suppress: bool,
    capture: Option<Capture>,
}

/// An element whose children are being walked.
struct Frame {
    next: Option<NodeId>,
    undo: Undo,
}

struct Walker<'t> {
    nodes: &'t [Node],
    blocks: Vec<Block>,
    page: Page,
    /// The current inline text run.
    buf: String,
    /// Characters of `buf` that came from inside `<a>`.
    link_chars: u32,
    /// Whitespace seen since the last character, and whether it was inside a link.
    pending_space: Option<bool>,
    /// `<br>`s since the last character: one is a line break, two a block break.
    brs: u32,
    /// Elements from `<body>` down (visible ones only), for paths.
    elems: Vec<NodeId>,
    /// The path steps of a prefix of `elems`, each after a `>`: built as blocks need them
    /// and kept while their elements are open, since consecutive blocks share most of their
    /// path.
    steps: String,
    /// Where each step of `steps` ends.
    step_ends: Vec<usize>,
    /// Lowercased style attribute without whitespace, for [`hides`].
    style: String,
    /// Document-order numbers of `elems`.
    ords: Vec<u32>,
    /// Elements entered in the body so far.
    next_ord: u32,
    blocks_open: Vec<Ctx<'t>>,
    rows: Vec<Row>,
    in_body: bool,
    suppress: usize,
    link_depth: usize,
    pre_depth: usize,
    capture: Option<Capture>,
    captured: String,
}

impl<'t> Walker<'t> {
    fn new(nodes: &'t [Node]) -> Self {
        Walker {
            nodes,
            blocks: Vec::new(),
            page: Page::default(),
            buf: String::new(),
            link_chars: 0,
            pending_space: None,
            brs: 0,
            elems: Vec::new(),
            steps: String::new(),
            step_ends: Vec::new(),
            style: String::new(),
            ords: Vec::new(),
            next_ord: 0,
            blocks_open: Vec::new(),
            rows: Vec::new(),
            in_body: false,
            suppress: 0,
            link_depth: 0,
            pre_depth: 0,
            capture: None,
            captured: String::new(),
        }
    }

    /// Depth-first over the whole document, without recursion.
    fn walk(&mut self) {
        let nodes = self.nodes;
        let mut frames: Vec<Frame> = Vec::new();
        let mut next = nodes[DOCUMENT].first_child();
        loop {
            if crate::over_block_limit(&self.blocks) {
                return;
            }
            let Some(id) = next else {
                let Some(frame) = frames.pop() else { break };
                self.leave(frame.undo);
                next = frame.next;
                continue;
            };
            let node = &nodes[id];
            next = node.next_sibling();
            match &node.data {
                NodeData::Text(text) => self.text(text),
                NodeData::Element(el) => {
                    let undo = self.enter(id, el);
                    match node.first_child() {
                        Some(child) => {
                            frames.push(Frame { next, undo });
                            next = Some(child);
                        }
                        None => self.leave(undo),
                    }
                }
                NodeData::Other => {}
            }
        }
        self.flush();
    }

    fn enter(&mut self, id: NodeId, el: &'t Element) -> Undo {
        let mut undo = Undo::default();
        let tag: &'t str = &el.name.local;
        // Atoms compare as numbers.
        if el.name.ns != html5ever::ns!(html) {
            // SVG and MathML: `<svg><title>` is not the page title, and none of it is text.
            undo.suppress = true;
            self.suppress += 1;
            return undo;
        }
        let mut hidden = false;
        let (mut name, mut property, mut itemprop, mut content) = (None, None, None, None);
        let (mut rel, mut href, mut kind, mut datetime, mut lang) = (None, None, None, None, None);
        for attr in &el.attrs {
            let value: &str = &attr.value;
            match &*attr.name.local {
                "hidden" => hidden = true,
                "aria-hidden" => hidden |= value.trim().eq_ignore_ascii_case("true"),
                "style" => hidden |= hides(value, &mut self.style),
                "name" => name = Some(value),
                "property" => property = Some(value),
                "itemprop" => itemprop = Some(value),
                "content" => content = Some(value),
                "rel" => rel = Some(value),
                "href" => href = Some(value),
                "type" => kind = Some(value),
                "datetime" => datetime = Some(value),
                "lang" => lang = Some(value),
                _ => {}
            }
        }

        // Page facts, wherever they sit.
        match tag {
            "html" if self.page.lang.is_none() => self.page.lang = non_blank(lang),
            "title" if self.page.title.is_none() && self.capture.is_none() => {
                undo.capture = Some(Capture::Title);
            }
            "meta" => {
                // Under each name it has: `<meta property="article:published"
                // itemprop="datePublished dateCreated" content="…">` (the New York Times') is
                // all three, and `itemprop` is a list of names, as in microdata.
                let keys = [name, property]
                    .into_iter()
                    .flatten()
                    .chain(itemprop.into_iter().flat_map(str::split_ascii_whitespace))
                    .map(str::trim)
                    .filter(|k| !k.is_empty());
                if let Some(content) = content {
                    for key in keys {
                        self.page
                            .meta
                            .push((key.to_lowercase(), content.trim().to_string()));
                    }
                }
            }
            "link" if self.page.canonical.is_none() => {
                let canonical = rel.is_some_and(|r| {
                    r.split_ascii_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("canonical"))
                });
                if canonical {
                    self.page.canonical = non_blank(href);
                }
            }
            "script" if self.capture.is_none() && kind.is_some_and(is_json_ld) => {
                undo.capture = Some(Capture::JsonLd);
            }
            "time" => {
                if let Some(dt) = non_blank(datetime) {
                    self.page.times.push(dt);
                }
            }
            _ => {}
        }
        if let Some(capture) = undo.capture {
            self.capture = Some(capture);
            self.captured.clear();
        }

        // Body text.
        if self.suppress > 0 || hidden || is_skipped(tag) {
            undo.suppress = true;
            self.suppress += 1;
            return undo;
        }
        if tag == "body" {
            self.in_body = true;
        }
        if !self.in_body {
            return undo;
        }
        undo.elem = true;
        self.elems.push(id);
        self.ords.push(self.next_ord);
        self.next_ord = self.next_ord.saturating_add(1);
        match tag {
            "a" => {
                undo.link = true;
                self.link_depth += 1;
            }
            "br" => self.br(),
            _ => {}
        }
        if is_block(tag) {
            self.flush();
            let parent = self
                .blocks_open
                .last()
                .map_or(BlockKind::Paragraph, |c| c.kind);
            let kind = own_kind(tag).unwrap_or_else(|| inherited(parent));
            undo.block = true;
            self.blocks_open.push(Ctx {
                tag,
                kind,
                depth: self.elems.len(),
            });
            if is_preformatted(tag) {
                undo.pre = true;
                self.pre_depth += 1;
            }
            if tag == "tr" {
                undo.row = true;
                self.rows.push(Row {
                    first: self.blocks.len(),
                    depth: self.elems.len(),
                    simple: true,
                    last_cell: None,
                });
            }
        }
        undo
    }

    fn leave(&mut self, undo: Undo) {
        if undo.block {
            self.flush();
            self.blocks_open.pop();
        }
        if undo.row {
            self.end_row();
        }
        if undo.pre {
            self.pre_depth = self.pre_depth.saturating_sub(1);
        }
        if undo.link {
            self.link_depth = self.link_depth.saturating_sub(1);
        }
        if undo.elem {
            self.elems.pop();
            self.ords.pop();
            if self.step_ends.len() > self.elems.len() {
                self.step_ends.truncate(self.elems.len());
                self.steps
                    .truncate(self.step_ends.last().copied().unwrap_or(0));
            }
            if self.elems.is_empty() {
                self.in_body = false;
            }
        }
        if undo.suppress {
            self.suppress = self.suppress.saturating_sub(1);
        }
        if let Some(capture) = undo.capture {
            self.capture = None;
            let text = std::mem::take(&mut self.captured);
            match capture {
                Capture::Title => {
                    let title = collapse(&text);
                    if !title.is_empty() {
                        self.page.title = Some(title);
                    }
                }
                Capture::JsonLd => {
                    let raw = text.trim();
                    if !raw.is_empty() {
                        self.page.json_ld.push(raw.to_string());
                    }
                }
            }
        }
    }

    fn br(&mut self) {
        if self.pre_depth > 0 {
            self.push_char('\n');
        } else {
            self.brs += 1;
        }
    }

    fn text(&mut self, text: &str) {
        if self.capture.is_some() {
            self.captured.push_str(text);
            return;
        }
        if self.suppress > 0 || !self.in_body {
            return;
        }
        if self.pre_depth > 0 {
            self.push_str(text);
            return;
        }
        // Word by word: whitespace between words becomes one pending space.
        let mut rest = text;
        while !rest.is_empty() {
            let start = space_len(rest.as_bytes());
            if start > 0 && self.pending_space != Some(true) {
                self.pending_space = Some(self.link_depth > 0);
            }
            rest = &rest[start..];
            let end = word_len(rest.as_bytes());
            if end > 0 {
                self.word(&rest[..end]);
            }
            rest = &rest[end..];
        }
    }

    /// Appends a run of non-whitespace characters, after the line break, block break or
    /// space that comes before it.
    fn word(&mut self, word: &str) {
        if self.brs > 0 {
            if self.brs >= 2 {
                self.flush();
            } else if !self.buf.is_empty() {
                self.push_char('\n');
                self.pending_space = None;
            }
            self.brs = 0;
        }
        if let Some(in_link) = self.pending_space.take()
            && !self.buf.is_empty()
            && !self.buf.ends_with('\n')
        {
            self.buf.push(' ');
            if in_link {
                self.link_chars = self.link_chars.saturating_add(1);
            }
        }
        self.push_str(word);
    }

    fn push_char(&mut self, c: char) {
        self.buf.push(c);
        if self.link_depth > 0 {
            self.link_chars = self.link_chars.saturating_add(1);
        }
    }

    fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        if self.link_depth > 0 {
            let chars = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
            self.link_chars = self.link_chars.saturating_add(chars);
        }
    }

    /// Ends the current text run as a block of the innermost open block element.
    fn flush(&mut self) {
        self.brs = 0;
        self.pending_space = None;
        if self.buf.is_empty() {
            return;
        }
        let (kind, tag, depth) = match self.blocks_open.last() {
            Some(ctx) => (ctx.kind, ctx.tag.to_string(), ctx.depth),
            None => (BlockKind::Paragraph, "body".to_string(), self.elems.len()),
        };
        let text = if kind == BlockKind::Code {
            self.buf.trim_end().trim_start_matches('\n')
        } else {
            self.buf.trim_matches(is_space)
        };
        if !text.is_empty() {
            let text = text.to_string();
            let link_chars = if self.link_chars > 0 {
                let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
                self.link_chars.min(chars)
            } else {
                0
            };
            let mut block = Block::new(text, kind);
            block.dom = Some(DomHints {
                tag,
                path: self.path(depth),
                ancestors: self.ancestors(depth),
                link_chars,
            });
            self.blocks.push(block);
            self.note_row_block(depth);
        }
        self.buf.clear();
        self.link_chars = 0;
    }

    /// Keeps [`Row::simple`] of the open rows true only while each block is the whole text
    /// of a cell of the innermost row (the element at `depth` a `td`/`th` child of it).
    fn note_row_block(&mut self, depth: usize) {
        let Some((row, outer)) = self.rows.split_last_mut() else {
            return;
        };
        for r in outer {
            r.simple = false;
        }
        if !row.simple {
            return;
        }
        let cell = self.ords.get(depth.wrapping_sub(1)).copied();
        let is_cell = depth == row.depth + 1
            && self
                .blocks_open
                .last()
                .is_some_and(|c| matches!(c.tag, "td" | "th"));
        if !is_cell || cell.is_none() || cell == row.last_cell {
            row.simple = false;
        }
        row.last_cell = cell;
    }

    /// At the end of a `<tr>` (still open in `elems`): its cells' blocks become one block of
    /// the row, when it is [`Row::simple`] and has two or more.
    fn end_row(&mut self) {
        let Some(row) = self.rows.pop() else { return };
        if !row.simple || self.blocks.len() < row.first + 2 {
            return;
        }
        let mut text = String::new();
        let mut link_chars = 0u32;
        for b in self.blocks.drain(row.first..) {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&b.text);
            link_chars = link_chars.saturating_add(b.dom.map_or(0, |d| d.link_chars));
        }
        let mut block = Block::new(text, BlockKind::Table);
        block.dom = Some(DomHints {
            tag: "tr".to_string(),
            path: self.path(row.depth),
            ancestors: self.ancestors(row.depth),
            link_chars,
        });
        self.blocks.push(block);
    }

    /// Document-order numbers of the elements of [`Walker::path`], capped the same way.
    fn ancestors(&self, depth: usize) -> Vec<u32> {
        let ords = &self.ords[..depth.min(self.ords.len())];
        if ords.len() <= PATH_CAP {
            ords.to_vec()
        } else {
            let mut out = ords[..PATH_HEAD].to_vec();
            out.extend_from_slice(&ords[ords.len() - (PATH_CAP - PATH_HEAD)..]);
            out
        }
    }

    /// `tag#id.class` steps from `<body>` down to the `depth`th element, capped.
    fn path(&mut self, depth: usize) -> String {
        let depth = depth.min(self.elems.len());
        while self.step_ends.len() < depth {
            let id = self.elems[self.step_ends.len()];
            self.steps.push('>');
            if let NodeData::Element(el) = &self.nodes[id].data {
                step(el, &mut self.steps);
            }
            self.step_ends.push(self.steps.len());
        }
        let Some(&end) = depth
            .checked_sub(1)
            .and_then(|last| self.step_ends.get(last))
        else {
            return String::new();
        };
        // Without the `>` before the first step.
        if depth <= PATH_CAP {
            return self.steps[1..end].to_string();
        }
        let head_end = self.step_ends[PATH_HEAD - 1];
        let tail_start = self.step_ends[depth - (PATH_CAP - PATH_HEAD) - 1];
        let mut path = String::with_capacity(head_end + 4 + end - tail_start);
        path.push_str(&self.steps[1..head_end]);
        path.push_str(">…");
        path.push_str(&self.steps[tail_start..end]);
        path
    }
}

/// Appends one path step, `tag#id.class1.class2.class3`.
fn step(el: &Element, out: &mut String) {
    out.push_str(&el.name.local);
    for attr in &el.attrs {
        match &*attr.name.local {
            "id" => {
                let id = attr.value.trim();
                if !id.is_empty() {
                    out.push('#');
                    out.push_str(id);
                }
            }
            "class" => {
                for class in attr.value.split_ascii_whitespace().take(CLASS_CAP) {
                    out.push('.');
                    out.push_str(class);
                }
            }
            _ => {}
        }
    }
}

/// Whether a `<script type>` says JSON-LD (`application/ld+json`, perhaps with parameters).
fn is_json_ld(kind: &str) -> bool {
    kind.trim()
        .get(..19)
        .is_some_and(|k| k.eq_ignore_ascii_case("application/ld+json"))
}

/// Whether an inline style hides the element (`compact` is a buffer to reuse).
fn hides(style: &str, compact: &mut String) -> bool {
    compact.clear();
    compact.extend(
        style
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| c.to_ascii_lowercase()),
    );
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

fn non_blank(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Runs of whitespace to one space, trimmed.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    /// (kind, tag, text, link_chars) of each block.
    fn summary(html: &str) -> Vec<(BlockKind, String, String, u32)> {
        read(html)
            .0
            .into_iter()
            .map(|b| {
                let dom = b.dom.unwrap_or_default();
                assert!(b.gap_before);
                (b.kind, dom.tag, b.text, dom.link_chars)
            })
            .collect()
    }

    #[track_caller]
    fn check(html: &str, expected: &[(BlockKind, &str, &str, u32)]) {
        let expected: Vec<(BlockKind, String, String, u32)> = expected
            .iter()
            .map(|(k, tag, t, l)| (*k, tag.to_string(), t.to_string(), *l))
            .collect();
        assert_eq!(summary(html), expected);
    }

    use BlockKind::*;

    #[test]
    fn blocks_kinds_and_whitespace() {
        check(
            "<html><body><h1>  The   <em>big</em>\n story </h1>\
             <div>lead <p>First  para&nbsp;&amp; more.</p> tail</div>\
             <ul><li>one</li><li><p>two</p></li></ul>\
             <blockquote><p>quoted</p></blockquote>\
             <pre>  code\n    indented\n</pre>\
             <table><tr><th>h</th><td>cell</td></tr></table>\
             <figure><img src=x alt=pic><figcaption>Photo: AP</figcaption></figure>\
             </body></html>",
            &[
                (Heading(1), "h1", "The big story", 0),
                (Paragraph, "div", "lead", 0),
                (Paragraph, "p", "First para & more.", 0),
                (Paragraph, "div", "tail", 0),
                (ListItem, "li", "one", 0),
                (ListItem, "p", "two", 0),
                (Quote, "p", "quoted", 0),
                (Code, "pre", "  code\n    indented", 0),
                (Table, "tr", "h cell", 0),
                (Caption, "figcaption", "Photo: AP", 0),
            ],
        );
    }

    #[test]
    fn table_rows_of_inline_cells_are_one_block() {
        check(
            "<table><thead><tr><th>Pos</th><th>Player</th><th></th><th>%</th></tr></thead>\
             <tr><td>DL</td><td><a href=/p>Larry <b>O.</b></a></td><td>63</td><td>85%</td></tr>\
             <tr><td>one cell</td></tr>\
             <tr><td><p>layout</p><p>cell</p></td><td>side</td></tr>\
             <tr><td>a<br><br>b</td><td>c</td></tr>\
             <tr><td><table><tr><td>in</td><td>ner</td></tr></table></td><td>out</td></tr>\
             </table>",
            &[
                (Table, "tr", "Pos Player %", 0),
                (Table, "tr", "DL Larry O. 63 85%", 8),
                (Table, "td", "one cell", 0),
                (Paragraph, "p", "layout", 0),
                (Paragraph, "p", "cell", 0),
                (Table, "td", "side", 0),
                (Table, "td", "a", 0),
                (Table, "td", "b", 0),
                (Table, "td", "c", 0),
                (Table, "tr", "in ner", 0),
                (Table, "td", "out", 0),
            ],
        );
    }

    #[test]
    fn implied_end_tags_and_misnesting() {
        check(
            "<body><ul><li>one<li>two</ul><p>a<p>b<div>c</div>\
             <b><p>bold para</b> rest</p><table>stray<tr><td>x<td>y</table>\
             <a href=x>1<div>2</div>3</a><h1>h<h2>h2</h1>",
            &[
                (ListItem, "li", "one", 0),
                (ListItem, "li", "two", 0),
                (Paragraph, "p", "a", 0),
                (Paragraph, "p", "b", 0),
                (Paragraph, "div", "c", 0),
                (Paragraph, "p", "bold para rest", 0),
                (Paragraph, "body", "stray", 0),
                (Table, "tr", "x y", 0),
                (Paragraph, "body", "1", 1),
                (Paragraph, "div", "2", 1),
                (Paragraph, "body", "3", 1),
                (Heading(1), "h1", "h", 0),
                (Heading(2), "h2", "h2", 0),
            ],
        );
    }

    #[test]
    fn invisible_content_is_skipped() {
        check(
            "<body><p>a<script>var x = 1;</script>b</p><style>p{}</style>\
             <noscript>enable js</noscript><template><p>tpl</p></template>\
             <div hidden>h1</div><div aria-hidden=\"true\">h2</div>\
             <div style=\"color:red; DISPLAY: none\">h3</div>\
             <form><select><option>opt</option></select><button>Go</button>\
             <textarea>ta</textarea><label>Name</label></form>\
             <svg><title>icon</title><text>svg</text></svg><iframe>frame</iframe>\
             <p>visible</p></body>",
            &[
                (Paragraph, "p", "ab", 0),
                (Paragraph, "form", "Name", 0),
                (Paragraph, "p", "visible", 0),
            ],
        );
    }

    proptest::proptest! {
        /// The byte scans find the same runs as scanning characters with [`is_space`].
        #[test]
        fn space_and_word_runs_by_bytes(text in "[a \\t\\n\\r\\x0c\u{a0}\u{c2}\u{a0}\u{2000}\u{3000}\u{e9}\u{1f600}]{0,12}") {
            let by_chars = text.find(|c| !is_space(c)).unwrap_or(text.len());
            proptest::prop_assert_eq!(space_len(text.as_bytes()), by_chars);
            let by_chars = text.find(is_space).unwrap_or(text.len());
            proptest::prop_assert_eq!(word_len(text.as_bytes()), by_chars);
        }
    }

    #[test]
    fn line_breaks() {
        check(
            "<p>one<br>two<br>\n<br> three <br><br><br>four<br></p>",
            &[
                (Paragraph, "p", "one\ntwo", 0),
                (Paragraph, "p", "three", 0),
                (Paragraph, "p", "four", 0),
            ],
        );
    }

    #[test]
    fn links_are_counted_and_paths_recorded() {
        let html = "<body><nav class=\"menu main top extra\"><ul><li><a href=/>Home</a></li>\
            <li><a href=/w>World news</a></li></ul></nav>\
            <main><article id=story class=\"post\"><p>Read <a href=/x>the report</a> now.</p>\
            </article></main><footer>&copy; 2024 <a href=/about>About</a></footer></body>";
        let (blocks, _) = read(html);
        let dom: Vec<(String, String, u32)> = blocks
            .iter()
            .map(|b| {
                let d = b.dom.clone().unwrap_or_default();
                (b.text.clone(), d.path, d.link_chars)
            })
            .collect();
        assert_eq!(
            dom,
            [
                ("Home".into(), "body>nav.menu.main.top>ul>li".into(), 4),
                (
                    "World news".into(),
                    "body>nav.menu.main.top>ul>li".into(),
                    10
                ),
                (
                    "Read the report now.".into(),
                    "body>main>article#story.post>p".into(),
                    10
                ),
                ("© 2024 About".into(), "body>footer".into(), 5),
            ]
        );
    }

    #[test]
    fn ancestors_number_the_path_elements() {
        let html = "<body><div><p>one</p><p>two</p></div><div><p>three</p></div></body>";
        let (blocks, _) = read(html);
        let got: Vec<Vec<u32>> = blocks
            .iter()
            .map(|b| b.dom.clone().unwrap_or_default().ancestors)
            .collect();
        // body 0, div 1, p 2, p 3, div 4, p 5
        assert_eq!(got, [vec![0, 1, 2], vec![0, 1, 3], vec![0, 4, 5]]);
    }

    #[test]
    fn deep_paths_are_capped() {
        let html = format!(
            "<body>{}deep{}</body>",
            "<div>".repeat(40),
            "</div>".repeat(40)
        );
        let (blocks, _) = read(&html);
        assert_eq!(blocks.len(), 1);
        let path = blocks[0].dom.clone().unwrap_or_default().path;
        assert_eq!(path.split('>').count(), PATH_CAP + 1, "{path}");
        assert!(path.starts_with("body>div>div>div>…>div"), "{path}");
        let ancestors = blocks[0].dom.clone().unwrap_or_default().ancestors;
        assert_eq!(ancestors.len(), PATH_CAP);
        assert_eq!(ancestors[..PATH_HEAD], [0, 1, 2, 3]);
        assert_eq!(ancestors.last(), Some(&40));
    }

    #[test]
    fn very_deep_documents_do_not_overflow() {
        let html = format!("<body>{}deep", "<span><div>".repeat(3_000));
        let (blocks, _) = read(&html);
        assert_eq!(blocks.len(), 1);
    }

    #[test]
    fn page_facts_are_collected() {
        let html = r#"<!doctype html><html lang="en-GB"><head>
            <title>  Talks &amp; more
              | Site </title>
            <meta charset="utf-8">
            <meta name="Author" content="A. Writer">
            <meta property="og:title" content=" OG title ">
            <meta itemprop="datePublished" content="2024-09-20">
            <meta property="article:published" itemprop="datePublished  dateCreated" content="2019-11-19">
            <link rel="stylesheet" href="/s.css"><link rel="Canonical" href=" https://x/a ">
            <script type="application/ld+json"> {"@type":"NewsArticle"} </script>
            <script>var notld = 1;</script>
            </head><body><svg><title>not the title</title></svg>
            <p>Posted <time datetime="2024-09-20T10:00:00Z">Friday</time></p>
            <script type="application/ld+json; charset=utf-8">{"b":2}</script>
            <time>no datetime</time></body></html>"#;
        let (blocks, page) = read(html);
        assert_eq!(page.title.as_deref(), Some("Talks & more | Site"));
        assert_eq!(page.lang.as_deref(), Some("en-GB"));
        assert_eq!(page.canonical.as_deref(), Some("https://x/a"));
        assert_eq!(
            page.meta,
            [
                ("author".to_string(), "A. Writer".to_string()),
                ("og:title".into(), "OG title".into()),
                ("datepublished".into(), "2024-09-20".into()),
                // One element under each of its names.
                ("article:published".into(), "2019-11-19".into()),
                ("datepublished".into(), "2019-11-19".into()),
                ("datecreated".into(), "2019-11-19".into()),
            ]
        );
        assert_eq!(page.json_ld, [r#"{"@type":"NewsArticle"}"#, r#"{"b":2}"#]);
        assert_eq!(page.times, ["2024-09-20T10:00:00Z"]);
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Posted Friday", "no datetime"]);
    }

    #[test]
    fn malformed_and_empty_html() {
        check(
            "<p>unclosed <b>bold <i>both</p>after",
            &[
                (Paragraph, "p", "unclosed bold both", 0),
                (Paragraph, "body", "after", 0),
            ],
        );
        check("", &[]);
        check(
            "<html><head><title>t</title></head><body>  </body></html>",
            &[],
        );
        check("<<<>>>&&&;;", &[(Paragraph, "body", "<<<>>>&&&;;", 0)]);
    }
}
