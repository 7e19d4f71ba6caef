//! HTML text to a [`Tree`]: html5gum's tokenizer feeding html5ever's tree builder.
//!
//! Why not html5ever's own tokenizer: on saved news pages (~144 KB,
//! half of it scripts and styles, most of the rest tags and attributes) that tokenizer moves
//! every character of a tag or attribute name through a tendril one at a time, and was
//! most of the time newsdrop spent on an HTML page. html5gum implements the same WHATWG
//! tokenizer (it passes html5lib's tokenizer tests) over byte slices. Tree construction
//! stays html5ever's, so the tree is the one a browser would build, and the tree builder,
//! as the spec requires, tells the tokenizer when to switch to RCDATA, RAWTEXT, script data
//! or PLAINTEXT and whether `<![CDATA[` opens a CDATA section. On the extraction dev pages,
//! parsing and walking went from ~1.8 to ~1.1 ms a page, with the same blocks and page
//! facts on every page (the tests compare the two on tricky markup and generated tag soup).
//!
//! [`TreeEmitter`] is the glue: it collects each token html5gum reports in pieces (a tag's
//! name, each attribute's name and value, runs of text) and hands whole html5ever tokens to
//! the tree builder. What html5ever's tokenizer would do beyond the spec's tokenizer, it
//! does too: text runs go as one token with NUL characters split out, a repeated attribute
//! is dropped (the first one wins), parse errors are not reported (the tree does not depend
//! on them). What nothing reads never enters the tree: the text of `<script>` (but JSON-LD)
//! and `<style>` while they are raw text, the text of comments, and attributes that neither
//! the walker nor the tree builder looks at ([`wanted`]). Text and attribute values that are one slice of the
//! input (nearly all) are not copied: their tokens share one copy of the input ([`Collected`]).

use std::borrow::Cow;
use std::convert::Infallible;

use html5ever::interface::Tracer;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Doctype, Tag, TagKind, Token, TokenSink, TokenSinkResult};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, TreeSink};
use html5ever::{Attribute, LocalName, QualName, ns};
use html5gum::{Emitter, Error, State, Tokenizer};

use super::tree::{Node, NodeId, Tree};

/// The tree builder's options: scripting disabled, so `<noscript>` content is markup.
fn options() -> TreeBuilderOpts {
    TreeBuilderOpts {
        scripting_enabled: false,
        ..TreeBuilderOpts::default()
    }
}

/// Parses a whole document with html5gum's tokenizer; the nodes of its tree.
pub(crate) fn document(text: &str) -> Vec<Node> {
    // Saved news pages have a node for every 30 to 300 bytes (comments left out), about
    // 100 on average: room for one every 40, so that the node vector seldom has to grow
    // and move (with 64, a third of the dev pages grew it, copying it whole).
    let builder = TreeBuilder::new(Tree::with_capacity(text.len() / 40), options());
    let mut emitter = TreeEmitter::new(builder, text);
    // Reading a `&str` cannot fail.
    match Tokenizer::new_with_emitter(text, &mut emitter).finish() {
        Ok(()) => {}
        Err(never) => match never {},
    }
    emitter.builder.sink.finish()
}

/// The tag being read (its buffers reused from tag to tag).
struct PendingTag {
    /// Whether a tag is being read at all.
    open: bool,
    kind: TagKind,
    name: Vec<u8>,
    self_closing: bool,
    /// Collected here and handed over in a vector of their exact number (most tags have
    /// none, one or two): no growing from a fresh vector for every tag.
    attrs: Vec<Attribute>,
    had_duplicate_attributes: bool,
}

/// The attribute being read (its buffers reused from attribute to attribute).
#[derive(Default)]
struct PendingAttr {
    /// Whether an attribute is being read at all.
    open: bool,
    name: Vec<u8>,
    value: Collected,
    /// Whether anyone reads it, decided when its value starts ([`wanted`]).
    wanted: Option<bool>,
}

/// The doctype being read.
#[derive(Default)]
struct PendingDoctype {
    name: Vec<u8>,
    public_id: Option<Vec<u8>>,
    system_id: Option<Vec<u8>>,
    force_quirks: bool,
}

/// The text being parsed, copied once into a tendril whose buffer the text and attribute
/// value tokens share.
struct Input {
    tendril: StrTendril,
    /// The address of the text html5gum reads, to tell its slices from other bytes.
    at: usize,
}

impl Input {
    fn new(text: &str) -> Self {
        Input {
            tendril: StrTendril::from_slice(text),
            at: text.as_ptr() as usize,
        }
    }

    /// Where `bytes` start in the input, if they are a slice of it.
    fn offset_of(&self, bytes: &[u8]) -> Option<usize> {
        let start = (bytes.as_ptr() as usize).checked_sub(self.at)?;
        (start.checked_add(bytes.len())? <= self.tendril.len()).then_some(start)
    }
}

/// Bytes collected from the pieces html5gum reports (a run of text, an attribute value).
/// While they are one slice of the input (nearly always), only its bounds are kept, and
/// the token shares the input's buffer: no copy, no second UTF-8 check (but up to 8 bytes,
/// which a tendril holds inline). Otherwise (character references, replaced NULs, …) they
/// are copied.
#[derive(Default)]
struct Collected {
    span: Option<(usize, usize)>,
    copy: Vec<u8>,
}

impl Collected {
    fn is_empty(&self) -> bool {
        self.span.is_none() && self.copy.is_empty()
    }

    fn clear(&mut self) {
        self.span = None;
        self.copy.clear();
    }

    fn push(&mut self, input: &Input, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.copy.is_empty()
            && let Some(start) = input.offset_of(bytes)
        {
            match self.span {
                None => {
                    self.span = Some((start, start + bytes.len()));
                    return;
                }
                Some((from, end)) if end == start => {
                    self.span = Some((from, end + bytes.len()));
                    return;
                }
                Some(_) => {}
            }
        }
        if let Some((from, end)) = self.span.take() {
            self.copy
                .extend_from_slice(&input.tendril.as_bytes()[from..end]);
        }
        self.copy.extend_from_slice(bytes);
    }

    fn bytes<'a>(&'a self, input: &'a Input) -> &'a [u8] {
        match self.span {
            Some((from, end)) => &input.tendril.as_bytes()[from..end],
            None => &self.copy,
        }
    }

    fn tendril(&self, input: &Input) -> StrTendril {
        // Up to 8 bytes a tendril holds its text itself, so a sub-tendril of the input would
        // be a copy anyway: copy from a `str` slice, whose bounds are checked more cheaply
        // than `try_subtendril` checks them (the whitespace between tags is mostly this).
        if let Some((from, end)) = self.span
            && end - from <= INLINE_TENDRIL
            && let Some(text) = input.tendril.get(from..end)
        {
            return StrTendril::from_slice(text);
        }
        let shared = self.span.and_then(|(from, end)| {
            let offset = u32::try_from(from).ok()?;
            let len = u32::try_from(end - from).ok()?;
            input.tendril.try_subtendril(offset, len).ok()
        });
        shared.unwrap_or_else(|| tendril(self.bytes(input)))
    }
}

/// The longest text a tendril holds inline (tendril's `MAX_INLINE_LEN`).
const INLINE_TENDRIL: usize = 8;

/// An html5gum [`Emitter`] that builds html5ever tokens and feeds them to the tree builder.
struct TreeEmitter {
    builder: TreeBuilder<NodeId, Tree>,
    input: Input,
    /// Text since the last token.
    text: Collected,
    tag: PendingTag,
    attr: PendingAttr,
    /// Inside a `<script>` (other than JSON-LD) or `<style>`: its text is not sent, since
    /// nothing reads it.
    skip_text: bool,
    doctype: PendingDoctype,
    /// Name of the last start tag, for "appropriate end tag" in raw text states.
    last_start_tag: Vec<u8>,
    depth: DepthGuard,
}

/// The most elements the tree builder's stack of open elements may hold, as in browsers
/// (Blink's parser caps the depth of the tree at 512).
const MAX_DEPTH: usize = 512;

/// Keeps the tree builder's stack of open elements at most [`MAX_DEPTH`] deep.
///
/// Why: for many start tags (`<div>`, `<p>`, …) html5ever looks down its stack for an
/// element in scope, so a document nested n deep costs n² (100,000 nested `<div>`s, 1 MB,
/// took 30 s). Past the cap, a start tag that would open an element is not sent, and the
/// next end tag of its name is not sent either: what follows goes into the deepest element
/// open, flattened, and nothing of the text is lost.
///
/// The stack is the tree builder's own and not public; its depth is measured by tracing
/// its handles ([`TreeBuilder::trace_handles`]: the document, the stack, the list of active
/// formatting elements, `<head>` and `<form>`), which counts a little more than the stack,
/// never less. Measuring costs the stack's depth, so it is done only when it could be
/// needed: an element pushed is an element created, so the depth cannot have grown by more
/// than the nodes created since the last measure. A page measures about once in 500 nodes.
#[derive(Default)]
struct DepthGuard {
    /// The tree's node count and the depth, when last measured.
    nodes_then: usize,
    depth_then: usize,
    /// Start tags not sent, by name, each waiting for its end tag (not sent either).
    held: Vec<(LocalName, usize)>,
}

impl DepthGuard {
    /// Whether the start tag `name` may be sent: false when the stack is full and the tag
    /// would open an element on it.
    fn admits(&mut self, builder: &TreeBuilder<NodeId, Tree>, name: &LocalName) -> bool {
        let nodes = builder.sink.len();
        let most = self.depth_then + (nodes - self.nodes_then);
        if most < MAX_DEPTH || !opens_element(name) {
            return true;
        }
        let counter = HandleCounter::default();
        builder.trace_handles(&counter);
        self.nodes_then = nodes;
        // Less the document's handle.
        self.depth_then = counter.0.get().saturating_sub(1);
        if self.depth_then < MAX_DEPTH {
            return true;
        }
        match self.held.iter_mut().find(|(held, _)| held == name) {
            Some((_, count)) => *count += 1,
            None => self.held.push((name.clone(), 1)),
        }
        false
    }

    /// Whether the end tag `name` may be sent: false when it closes a start tag not sent.
    fn admits_end(&mut self, name: &LocalName) -> bool {
        if self.held.is_empty() {
            return true;
        }
        let Some(at) = self.held.iter().position(|(held, _)| held == name) else {
            return true;
        };
        self.held[at].1 -= 1;
        if self.held[at].1 == 0 {
            self.held.swap_remove(at);
        }
        false
    }
}

/// Whether a start tag named `name` leaves an element on the stack of open elements. Void
/// elements never do; raw text elements leave it only until their end tag, and holding
/// them back would turn their text into markup; `<html>`, `<head>` and `<body>` past
/// the first only add attributes.
fn opens_element(name: &LocalName) -> bool {
    !matches!(
        &**name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "image"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "plaintext"
            | "html"
            | "head"
            | "body"
    )
}

/// Counts the handles the tree builder traces.
#[derive(Default)]
struct HandleCounter(std::cell::Cell<usize>);

impl Tracer for HandleCounter {
    type Handle = NodeId;

    fn trace_handle(&self, _node: &NodeId) {
        self.0.set(self.0.get() + 1);
    }
}

impl TreeEmitter {
    fn new(builder: TreeBuilder<NodeId, Tree>, input: &str) -> Self {
        TreeEmitter {
            builder,
            input: Input::new(input),
            text: Collected::default(),
            tag: PendingTag {
                open: false,
                kind: TagKind::StartTag,
                name: Vec::new(),
                self_closing: false,
                attrs: Vec::new(),
                had_duplicate_attributes: false,
            },
            attr: PendingAttr::default(),
            skip_text: false,
            doctype: PendingDoctype::default(),
            last_start_tag: Vec::new(),
            depth: DepthGuard::default(),
        }
    }

    /// Hands a token to the tree builder; returns the tokenizer state it asks for.
    fn send(&self, token: Token) -> Option<State> {
        match self.builder.process_token(token, 1) {
            // The text is decoded already: a `<meta charset>` changes nothing.
            TokenSinkResult::Continue
            | TokenSinkResult::Script(_)
            | TokenSinkResult::EncodingIndicator(_) => None,
            TokenSinkResult::Plaintext => Some(State::PlainText),
            TokenSinkResult::RawData(RawKind::Rcdata) => Some(State::RcData),
            TokenSinkResult::RawData(RawKind::Rawtext) => Some(State::RawText),
            // Script data escaped states are only ever asked for by fragment parsing.
            TokenSinkResult::RawData(RawKind::ScriptData | RawKind::ScriptDataEscaped(_)) => {
                Some(State::ScriptData)
            }
        }
    }

    /// Starts a start or end tag (the two differ only in kind).
    fn init_tag(&mut self, kind: TagKind) {
        self.flush_text();
        let tag = &mut self.tag;
        tag.open = true;
        tag.kind = kind;
        tag.name.clear();
        tag.self_closing = false;
        tag.attrs.clear();
        tag.had_duplicate_attributes = false;
        self.attr.open = false;
    }

    /// Sends the text read since the last token, NUL characters as their own tokens (as
    /// html5ever's tokenizer does: the tree builder treats them apart).
    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        if self.skip_text {
            self.text.clear();
            return;
        }
        if !self.text.bytes(&self.input).contains(&0) {
            let text = self.text.tendril(&self.input);
            self.text.clear();
            self.send(Token::CharacterTokens(text));
            return;
        }
        let text = self.text.bytes(&self.input).to_vec();
        self.text.clear();
        let mut parts = text.split(|b| *b == 0).peekable();
        while let Some(part) = parts.next() {
            if !part.is_empty() {
                self.send(Token::CharacterTokens(tendril(part)));
            }
            if parts.peek().is_some() {
                self.send(Token::NullCharacterToken);
            }
        }
    }

    /// Puts the attribute being read on the tag, unless the tag already has one of that name.
    fn finish_attribute(&mut self) {
        let (attr, tag) = (&mut self.attr, &mut self.tag);
        if !attr.open || !tag.open {
            return;
        }
        attr.open = false;
        let wanted = attr.wanted.unwrap_or_else(|| wanted(&tag.name, &attr.name));
        if attr.name.is_empty() || tag.kind == TagKind::EndTag || !wanted {
            return;
        }
        let name = local_name(&attr.name);
        if tag.attrs.iter().any(|a| a.name.local == name) {
            tag.had_duplicate_attributes = true;
            return;
        }
        tag.attrs.push(Attribute {
            name: QualName::new(None, ns!(), name),
            value: attr.value.tendril(&self.input),
        });
    }
}

/// Whether the attribute `attr` of the element `tag` is read by anyone: the walker (see
/// [`super::Walker::enter`] and [`super::step`]) or the tree builder (`<input type>`,
/// `<font color face size>`, `form`, MathML's `encoding`). Formatting elements keep all of
/// theirs, since the tree builder compares them (the "Noah's Ark" clause), and so does
/// `<template>` (declarative shadow roots). But `<a>`: the list of active formatting
/// elements never holds two of them (a new `<a>` first closes the one in the list), so its
/// attributes are never compared, and links carry many (tracking `data-*`, `target`,
/// `title`, …). The rest (`src`, `srcset`, `data-*`, event handlers, …) are most of a
/// page's attribute bytes, and are dropped before they are copied, interned and stored.
fn wanted(tag: &[u8], attr: &[u8]) -> bool {
    matches!(
        tag,
        b"b" | b"big"
            | b"code"
            | b"em"
            | b"font"
            | b"i"
            | b"nobr"
            | b"s"
            | b"small"
            | b"strike"
            | b"strong"
            | b"tt"
            | b"u"
            | b"template"
    ) || matches!(
        attr,
        b"id"
            | b"class"
            | b"hidden"
            | b"aria-hidden"
            | b"style"
            | b"name"
            | b"property"
            | b"itemprop"
            | b"content"
            | b"rel"
            | b"href"
            | b"type"
            | b"datetime"
            | b"lang"
            | b"color"
            | b"face"
            | b"size"
            | b"form"
            | b"encoding"
    )
}

/// The atom for a tag or attribute name: `LocalName::from` its text, without the detour
/// through a `Cow<str>`, a UTF-8 check and a copy for the common case. string_cache stores
/// names of up to seven bytes in the atom itself ("inline" atoms: most tag and attribute
/// names); for those in ASCII, the atom is packed here directly, as `atom!` macros do.
/// The tests check that every name gets the atom `LocalName::from` gives.
fn local_name(name: &[u8]) -> LocalName {
    const INLINE: usize = 7;
    if cfg!(target_endian = "little") && name.len() <= INLINE && name.is_ascii() {
        // Little-endian inline atoms: tag and length in the low byte, the text above it.
        let mut packed = [0u8; 8];
        packed[1..=name.len()].copy_from_slice(name);
        // `name.len() <= 7`: the cast cannot truncate.
        return LocalName::pack_inline(u64::from_le_bytes(packed), name.len() as u8);
    }
    LocalName::from(str_of(name))
}

/// Text as html5ever wants it. html5gum's output is slices of valid UTF-8 input cut at
/// ASCII bytes, or characters it decoded, so the lossy path is never taken in practice.
fn str_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn tendril(bytes: &[u8]) -> StrTendril {
    StrTendril::from_slice(&str_of(bytes))
}

impl Emitter for &mut TreeEmitter {
    type Token = Infallible;

    fn set_last_start_tag(&mut self, last_start_tag: Option<&[u8]>) {
        self.last_start_tag.clear();
        self.last_start_tag
            .extend_from_slice(last_start_tag.unwrap_or_default());
    }

    fn emit_eof(&mut self) {
        self.flush_text();
        self.send(Token::EOFToken);
        self.builder.end();
    }

    fn emit_error(&mut self, _error: Error) {}

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn pop_token(&mut self) -> Option<Infallible> {
        None
    }

    fn emit_string(&mut self, c: &[u8]) {
        if !self.skip_text {
            self.text.push(&self.input, c);
        }
    }

    fn init_start_tag(&mut self) {
        self.init_tag(TagKind::StartTag);
    }

    fn init_end_tag(&mut self) {
        self.init_tag(TagKind::EndTag);
    }

    fn init_comment(&mut self) {
        self.flush_text();
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.finish_attribute();
        let tag = &mut self.tag;
        if !tag.open {
            return None;
        }
        tag.open = false;
        let start = tag.kind == TagKind::StartTag;
        if start {
            self.last_start_tag.clear();
            self.last_start_tag.extend_from_slice(&tag.name);
        }
        let skip = start
            && match tag.name.as_slice() {
                b"style" => true,
                b"script" => !tag
                    .attrs
                    .iter()
                    .any(|a| &*a.name.local == "type" && super::is_json_ld(&a.value)),
                _ => false,
            };
        let name = local_name(&tag.name);
        let admitted = if start {
            self.depth.admits(&self.builder, &name)
        } else {
            self.depth.admits_end(&name)
        };
        if !admitted {
            return None;
        }
        let tag = &mut self.tag;
        let token = Token::TagToken(Tag {
            kind: tag.kind,
            name,
            self_closing: tag.self_closing,
            attrs: if tag.attrs.is_empty() {
                Vec::new()
            } else {
                let mut attrs = Vec::with_capacity(tag.attrs.len());
                attrs.append(&mut tag.attrs);
                attrs
            },
            had_duplicate_attributes: tag.had_duplicate_attributes,
        });
        let state = self.send(token);
        // Only while the tree builder made it raw text: in SVG, `<style>` holds markup.
        self.skip_text = skip && matches!(state, Some(State::RawText | State::ScriptData));
        state
    }

    /// Comments are sent without their text: the tree builder only hands it to
    /// [`TreeSink::create_comment`], and our tree keeps no comments.
    fn emit_current_comment(&mut self) {
        self.send(Token::CommentToken(StrTendril::new()));
    }

    fn emit_current_doctype(&mut self) {
        self.flush_text();
        let d = std::mem::take(&mut self.doctype);
        self.send(Token::DoctypeToken(Doctype {
            name: (!d.name.is_empty()).then(|| tendril(&d.name)),
            public_id: d.public_id.as_deref().map(tendril),
            system_id: d.system_id.as_deref().map(tendril),
            force_quirks: d.force_quirks,
        }));
    }

    fn set_self_closing(&mut self) {
        if self.tag.open && self.tag.kind == TagKind::StartTag {
            self.tag.self_closing = true;
        }
    }

    fn set_force_quirks(&mut self) {
        self.doctype.force_quirks = true;
    }

    fn push_tag_name(&mut self, s: &[u8]) {
        if self.tag.open {
            self.tag.name.extend_from_slice(s);
        }
    }

    fn push_comment(&mut self, _s: &[u8]) {}

    fn push_doctype_name(&mut self, s: &[u8]) {
        self.doctype.name.extend_from_slice(s);
    }

    fn init_doctype(&mut self) {
        self.flush_text();
        self.doctype = PendingDoctype::default();
    }

    fn init_attribute(&mut self) {
        self.finish_attribute();
        let attr = &mut self.attr;
        attr.open = true;
        attr.name.clear();
        attr.value.clear();
        attr.wanted = None;
    }

    fn push_attribute_name(&mut self, s: &[u8]) {
        if self.attr.open {
            self.attr.name.extend_from_slice(s);
        }
    }

    fn push_attribute_value(&mut self, s: &[u8]) {
        let (attr, tag) = (&mut self.attr, &self.tag);
        if !attr.open || !tag.open {
            return;
        }
        if *attr
            .wanted
            .get_or_insert_with(|| wanted(&tag.name, &attr.name))
        {
            attr.value.push(&self.input, s);
        }
    }

    fn set_doctype_public_identifier(&mut self, value: &[u8]) {
        self.doctype.public_id = Some(value.to_vec());
    }

    fn set_doctype_system_identifier(&mut self, value: &[u8]) {
        self.doctype.system_id = Some(value.to_vec());
    }

    fn push_doctype_public_identifier(&mut self, s: &[u8]) {
        if let Some(id) = self.doctype.public_id.as_mut() {
            id.extend_from_slice(s);
        }
    }

    fn push_doctype_system_identifier(&mut self, s: &[u8]) {
        if let Some(id) = self.doctype.system_id.as_mut() {
            id.extend_from_slice(s);
        }
    }

    fn current_is_appropriate_end_tag_token(&mut self) -> bool {
        let tag = &self.tag;
        tag.open
            && tag.kind == TagKind::EndTag
            && !self.last_start_tag.is_empty()
            && tag.name == self.last_start_tag
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&mut self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

#[cfg(test)]
pub(in crate::html) mod tests {
    use super::super::tree::NodeData;
    use super::super::walk;
    use super::*;
    use html5ever::tendril::TendrilSink;
    use proptest::prelude::*;

    /// The document as html5ever's own tokenizer and tree builder make it, into our tree.
    fn reference(html: &str) -> Vec<Node> {
        let opts = html5ever::ParseOpts {
            tree_builder: options(),
            ..html5ever::ParseOpts::default()
        };
        html5ever::parse_document(Tree::default(), opts).one(html)
    }

    /// The walker sees the same blocks and page facts as with html5ever's own tokenizer.
    #[track_caller]
    fn check(html: &str) {
        let ours = walk(&document(html));
        let reference = walk(&reference(html));
        assert_eq!(format!("{ours:?}"), format!("{reference:?}"), "{html}");
    }

    #[test]
    fn same_tree_as_html5ever_tokenizer() {
        for html in [
            // Script data escapes: the script ends at the second `</script>`.
            "<body><script><!--<script>x</script>--></script><p>after</p>",
            "<body><script>if (a<b) document.write('</scr'+'ipt><p>no</p>')</script><p>yes</p>",
            "<body><script>unclosed <p>never",
            // JSON-LD is kept, whatever the case and parameters of its type.
            r#"<head><script TYPE=" Application/LD+JSON; x=y ">{"a":"</p>"}</script></head><p>x"#,
            r#"<script type=text/javascript type=application/ld+json>{"dup":1}</script><p>x"#,
            // RCDATA and RAWTEXT.
            "<title>A <b>bold</b> &amp; title</title><p>x</p>",
            "<body><textarea><p>not a tag</p></textarea><xmp><b>shown</b></xmp>",
            "<style>p::after { content: '</p><p>' }</style><p>styled</p>",
            "<body><iframe><p>no</p></iframe><noembed><p>no</p></noembed><p>yes",
            // Foreign content: markup inside SVG `<style>`, CDATA, breakout, `<font color>`.
            "<body><svg><style><p>breaks out</p></style></svg><p>after",
            "<body><svg><![CDATA[ x > <p> ]]><g><p>out</p></g></svg>",
            "<body><p><![CDATA[ bogus ]]>text</p>",
            "<body><svg><font color=red>out</font><title>t</title></svg>",
            "<body><math><mi><b>in mi</b></mi><annotation-xml encoding=text/html><p>h</p>",
            // Tables: foster parenting, hidden inputs.
            "<table><tr><td>a</td></tr>stray<input type=hidden><b>b</b></table>",
            "<table><input type=HIDDEN><tr><td>cell</td></tr></table>",
            // Formatting elements reopened, with and without matching attributes.
            "<p><b class=x><b class=x><b class=x><b class=x>deep</p><p>reopened</p>",
            "<p><a href=1 data-x=1>one<p>two</a>three",
            // Links' unread attributes are dropped: a new `<a>` closes the open one, so
            // no two are ever compared, however misnested.
            "<a data-x=1 class=k>1<a data-x=1 class=k>2<a data-x=2 class=k>3<p>4</a>5",
            "<b><a title=t data-i=1>1<p>2<a title=t data-i=2>3</b>4</p>5</a>6",
            "<a id=1 target=_blank><div><a id=1 target=_self><i>x</a>y</div>z",
            "<table><a data-a=1>1<tr><td><a data-a=1>2</td></tr>3</table>4",
            // Quirks mode: a `<table>` does not close the `<p>`.
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\"><p>q<table><tr><td>t",
            "<!DOCTYPE html><p>s<table><tr><td>t",
            // Character references in text and attributes.
            "<p title='&amp;x &notit; &#x41;'>&amp &notin; &notit; &#128; &#x110000; &#0; &AMP;</p>",
            "<a href='?a=1&copy=2'>link</a><p lang='&quot;x'>q</p>",
            // Values the walker reads, shared with the input or (references) copied.
            "<html lang='e&#110;'><link rel=canonical href='/a?b=1&amp;c=2&copy=3'>\
             <div id='i&amp;d' class=\"a&lt;b c&#x41; plain\"><p class=x>t&amp;t</p></div>",
            // Comments, doctype oddities, PLAINTEXT, NUL characters.
            "<p>a<!-- <p>no</p> -->b<!--->c<!-->d<!-- x --!>e</p>",
            "<!doctype><p>x</p><!unterminated",
            "<body><p>before<plaintext><p>all text</p></body>",
            "<p>nul\0here</p><p \0x=1>a</p>",
            // Upper case, duplicates, unquoted and odd attribute syntax.
            "<DIV ID=Main Class='A B' class=c><P Style=\"display:none\">h</P><p>v</div>",
            "<div id=a/ hidden/><p>x</p></div><div a=b'c=d>t</div>",
            // Hidden, head content, a second body.
            "<html lang=de><head><meta property=og:title content=T><link rel=canonical href=/c>\
             </head><body><div hidden>h</div><p>x</p><body lang=fr class=late><p>y",
            "",
            "   ",
            "<",
            "</",
            "<!--",
        ] {
            check(html);
        }
    }

    /// Elements' depth below the document, the deepest first found.
    fn deepest(nodes: &[Node]) -> (usize, NodeId) {
        let depth = |mut id: NodeId| {
            let mut n = 0;
            while let Some(parent) = nodes[id].parent() {
                (n, id) = (n + 1, parent);
            }
            n
        };
        (0..nodes.len())
            .filter(|&id| matches!(nodes[id].data, NodeData::Element(_)))
            .map(|id| (depth(id), id))
            .max_by_key(|&(depth, id)| (depth, std::cmp::Reverse(id)))
            .unwrap_or_default()
    }

    fn text_of(nodes: &[Node]) -> String {
        nodes
            .iter()
            .filter_map(|n| match &n.data {
                NodeData::Text(t) => Some(&**t),
                _ => None,
            })
            .collect()
    }

    /// A document nested past the cap is flattened there (it would cost the square of its
    /// depth), keeps all of its text, and is closed by its end tags as if it were not: what
    /// follows them is outside again. Below the cap the tree is untouched.
    #[test]
    fn nesting_past_the_cap_is_flattened_without_losing_text() {
        let n = 3 * MAX_DEPTH;
        let html = format!(
            "<body>{}{}<p>after</p>",
            "<div><b>x</b>".repeat(n),
            "</div>".repeat(n)
        );
        let nodes = document(&html);
        let (depth, _) = deepest(&nodes);
        // html, body, then the divs: at most MAX_DEPTH elements open, the `<b>` inside.
        assert!(depth <= MAX_DEPTH + 1, "{depth}");
        assert!(depth >= MAX_DEPTH - 2, "{depth}");
        assert_eq!(text_of(&nodes), format!("{}after", "x".repeat(n)));
        let grandparent = nodes
            .iter()
            .position(|node| matches!(&node.data, NodeData::Text(t) if &**t == "after"))
            .and_then(|after| nodes[after].parent())
            .and_then(|p| nodes[p].parent());
        assert!(
            grandparent.is_some_and(|body| matches!(
                &nodes[body].data,
                NodeData::Element(e) if &*e.name.local == "body"
            )),
            "<p>after</p> is not back in <body>"
        );

        // Below the cap: the reference tree, whose deepest element is as deep as written.
        let shallow = format!("<body>{}deep", "<div>".repeat(MAX_DEPTH - 20));
        check(&shallow);
        assert_eq!(deepest(&document(&shallow)).0, MAX_DEPTH - 20 + 2);
    }

    /// Void and raw text elements pass the cap: a `<script>` past it is still raw text
    /// (its `<p>` is not markup, and its text is skipped as ever), and so is a `<textarea>`.
    #[test]
    fn raw_text_and_void_elements_pass_the_cap() {
        let html = format!(
            "<body>{}<script><p>code</p></script><img><em>kept</em><textarea><i>t</i></textarea>",
            "<div>".repeat(2 * MAX_DEPTH)
        );
        let nodes = document(&html);
        let names: Vec<&str> = nodes
            .iter()
            .filter_map(|n| match &n.data {
                NodeData::Element(e) => Some(&*e.name.local),
                _ => None,
            })
            .filter(|name| *name != "div")
            .collect();
        // `<em>` opens an element, so past the cap it is held back; its text is kept.
        assert_eq!(names, ["html", "head", "body", "script", "img", "textarea"]);
        assert_eq!(text_of(&nodes), "kept<i>t</i>");
    }

    /// `local_name` gives the atom `LocalName::from` gives: for every ASCII name of up to two
    /// bytes, every tag and attribute name the tests and the walker know, names of seven
    /// and eight bytes (either side of the inline limit), and non-ASCII names.
    #[test]
    fn local_name_is_the_interned_atom() {
        let mut names: Vec<Vec<u8>> = vec![Vec::new()];
        for a in 0..128u8 {
            names.push(vec![a]);
            for b in 0..128u8 {
                names.push(vec![a, b]);
            }
        }
        for name in [
            "a",
            "b",
            "p",
            "div",
            "span",
            "nav",
            "li",
            "ul",
            "td",
            "tr",
            "svg",
            "math",
            "html",
            "body",
            "head",
            "meta",
            "link",
            "title",
            "script",
            "style",
            "article",
            "section",
            "header",
            "footer",
            "noscript",
            "template",
            "textarea",
            "blockquote",
            "figcaption",
            "plaintext",
            "annotation-xml",
            "foreignobject",
            "id",
            "class",
            "href",
            "rel",
            "lang",
            "content",
            "property",
            "itemprop",
            "datetime",
            "hidden",
            "aria-hidden",
            "data-x",
            "abcdefg",
            "abcdefgh",
            "zzzzzzz",
            "\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}",
            "\u{e9}",
            "\u{e9}t\u{e9}",
            "x\u{fffd}",
            "\u{1f600}",
        ] {
            names.push(name.as_bytes().to_vec());
        }
        for name in &names {
            let text = std::str::from_utf8(name).unwrap_or_default();
            let expected = LocalName::from(text);
            let got = local_name(name);
            assert_eq!(got, expected, "{text:?}");
            assert_eq!(&*got, text);
        }
    }

    proptest! {
        #[test]
        fn local_name_of_any_text(text in "\\PC{0,10}") {
            prop_assert_eq!(local_name(text.as_bytes()), LocalName::from(text.as_str()));
        }
    }

    /// Markup-shaped text from a small alphabet of tags and troublesome pieces.
    pub(in crate::html) fn markup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<p>"),
            Just("</p>"),
            Just("<div class=a>"),
            Just("</div>"),
            Just("<b>"),
            Just("</b>"),
            Just("<a href=x>"),
            Just("<a data-t=1 class=l>"),
            Just("<a data-t=2 class=l>"),
            Just("</a>"),
            Just("<table>"),
            Just("<tr>"),
            Just("<td>"),
            Just("</table>"),
            Just("<script>"),
            Just("</script>"),
            Just("<script type=application/ld+json>"),
            Just("<style>"),
            Just("</style>"),
            Just("<title>"),
            Just("</title>"),
            Just("<textarea>"),
            Just("</textarea>"),
            Just("<svg>"),
            Just("</svg>"),
            Just("<math>"),
            Just("<mi>"),
            Just("</math>"),
            Just("<![CDATA["),
            Just("]]>"),
            Just("<!--"),
            Just("-->"),
            Just("<!"),
            Just("<li>"),
            Just("<ul>"),
            Just("</ul>"),
            Just("<br>"),
            Just("<select>"),
            Just("<option>"),
            Just("<noscript>"),
            Just("<template>"),
            Just("</template>"),
            Just("<body>"),
            Just("<head>"),
            Just("<html>"),
            Just("<frameset>"),
            Just("<h1>"),
            Just("&amp;"),
            Just("&am"),
            Just("&#65;"),
            Just("text"),
            Just(" "),
            Just("\n"),
            Just("<"),
            Just(">"),
            Just("/"),
            Just("="),
            Just("'"),
            Just("\""),
            Just("x"),
            Just("<plaintext>"),
            Just("<xmp>"),
            Just("<pre>"),
            Just("<font color=1>"),
            Just("<input type=hidden>"),
            Just("<!DOCTYPE html>"),
            Just("<p hidden>"),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn same_walk_as_html5ever_tokenizer(html in markup()) {
            let ours = walk(&document(&html));
            let reference = walk(&reference(&html));
            prop_assert_eq!(format!("{ours:?}"), format!("{reference:?}"));
        }
    }
}
