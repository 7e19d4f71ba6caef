//! The document tree the walker reads, built by html5ever's tree builder through
//! [`TreeSink`].
//!
//! Why our own and not a DOM crate's: the walker needs only elements (name and the few
//! attributes [`super::parse`] lets through), text, and links to walk them in order. Nodes
//! live in one `Vec` with indices as handles; comments and doctypes never enter it (the
//! tree builder gets a handle that every insertion ignores), parse errors are not recorded,
//! and the finished tree is a plain slice, read without a borrow check per node. The
//! linking follows the spec's DOM operations as the tree builder calls them (adjacent text
//! merged, `append_before_sibling` moving a node out of its old parent), so the tree is the
//! one html5ever's own sinks build; the tests compare walks with a reference DOM.

use std::borrow::Cow;
use std::cell::{Ref, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, LocalName, Namespace, QualName, local_name, ns};

/// A node's index in [`Tree::nodes`].
pub(crate) type NodeId = usize;

/// The document node.
pub(crate) const DOCUMENT: NodeId = 0;
/// What the tree builder gets for a comment: inserting it does nothing.
const DROPPED: NodeId = 1;

/// A link to another node, or none: an index kept in 32 bits, so that the links of a node
/// take 20 bytes rather than 80 (a page has a few thousand nodes, and the vector of them is
/// written, grown and read in full). Memory runs out long before a tree has 2^32 nodes; an
/// index that does not fit would read as no link (a node left out), not as a panic.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link(u32);

impl Link {
    const NONE: Link = Link(u32::MAX);

    pub(crate) fn get(self) -> Option<NodeId> {
        (self != Link::NONE).then_some(self.0 as NodeId)
    }
}

impl From<Option<NodeId>> for Link {
    fn from(id: Option<NodeId>) -> Self {
        id.and_then(|id| u32::try_from(id).ok())
            .map_or(Link::NONE, Link)
    }
}

pub(crate) struct Node {
    parent: Link,
    first_child: Link,
    last_child: Link,
    prev_sibling: Link,
    next_sibling: Link,
    pub(crate) data: NodeData,
}

pub(crate) enum NodeData {
    Element(Element),
    Text(StrTendril),
    /// The document, a template's contents, and the [`DROPPED`] node.
    Other,
}

pub(crate) struct Element {
    pub(crate) name: QualName,
    pub(crate) attrs: Vec<Attribute>,
    /// The fragment holding a `<template>`'s children (the walker never enters it).
    template_contents: Link,
    mathml_annotation_xml_integration_point: bool,
}

impl Node {
    fn new(data: NodeData) -> Self {
        Node {
            parent: Link::NONE,
            first_child: Link::NONE,
            last_child: Link::NONE,
            prev_sibling: Link::NONE,
            next_sibling: Link::NONE,
            data,
        }
    }

    pub(crate) fn parent(&self) -> Option<NodeId> {
        self.parent.get()
    }

    pub(crate) fn first_child(&self) -> Option<NodeId> {
        self.first_child.get()
    }

    pub(crate) fn last_child(&self) -> Option<NodeId> {
        self.last_child.get()
    }

    pub(crate) fn prev_sibling(&self) -> Option<NodeId> {
        self.prev_sibling.get()
    }

    pub(crate) fn next_sibling(&self) -> Option<NodeId> {
        self.next_sibling.get()
    }

    fn element(&self) -> Option<&Element> {
        match &self.data {
            NodeData::Element(el) => Some(el),
            _ => None,
        }
    }
}

/// The tree as the tree builder grows it; [`TreeSink::finish`] hands over the nodes.
pub(crate) struct Tree {
    nodes: RefCell<Vec<Node>>,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::with_capacity(0)
    }
}

impl Tree {
    /// A tree with room for `nodes` nodes before it has to grow.
    pub(crate) fn with_capacity(nodes: usize) -> Self {
        let mut v = Vec::with_capacity(nodes.max(2));
        v.push(Node::new(NodeData::Other));
        v.push(Node::new(NodeData::Other));
        Tree {
            nodes: RefCell::new(v),
        }
    }

    /// How many nodes the tree has so far.
    pub(crate) fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    fn push(&self, data: NodeData) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::new(data));
        nodes.len() - 1
    }
}

/// Link operations on the node vector. Handles always come from this tree, so indexing
/// cannot go out of bounds.
fn detach(nodes: &mut [Node], id: NodeId) {
    let node = &mut nodes[id];
    let (parent, prev, next) = (node.parent(), node.prev_sibling, node.next_sibling);
    node.parent = Link::NONE;
    node.prev_sibling = Link::NONE;
    node.next_sibling = Link::NONE;
    let Some(parent) = parent else { return };
    match prev.get() {
        Some(prev) => nodes[prev].next_sibling = next,
        None => nodes[parent].first_child = next,
    }
    match next.get() {
        Some(next) => nodes[next].prev_sibling = prev,
        None => nodes[parent].last_child = prev,
    }
}

fn append_child(nodes: &mut [Node], parent: NodeId, child: NodeId) {
    let last = nodes[parent].last_child();
    link(nodes, parent, last, None, child);
}

fn insert_before(nodes: &mut [Node], sibling: NodeId, child: NodeId) {
    let Some(parent) = nodes[sibling].parent() else {
        return;
    };
    let prev = nodes[sibling].prev_sibling();
    link(nodes, parent, prev, Some(sibling), child);
}

/// Links the detached `child` under `parent` between the siblings `prev` and `next` (`None`
/// at either end of the children): the inverse of [`detach`].
fn link(
    nodes: &mut [Node],
    parent: NodeId,
    prev: Option<NodeId>,
    next: Option<NodeId>,
    child: NodeId,
) {
    let link = Link::from(Some(child));
    match prev {
        Some(prev) => nodes[prev].next_sibling = link,
        None => nodes[parent].first_child = link,
    }
    match next {
        Some(next) => nodes[next].prev_sibling = link,
        None => nodes[parent].last_child = link,
    }
    let node = &mut nodes[child];
    node.parent = Link::from(Some(parent));
    node.prev_sibling = Link::from(prev);
    node.next_sibling = Link::from(next);
}

/// Adds `text` to the node `prev` if it is a text node (adjacent text is one node), else
/// makes a text node for the caller to link.
fn text_node(nodes: &mut Vec<Node>, prev: Option<NodeId>, text: StrTendril) -> Option<NodeId> {
    if let Some(NodeData::Text(existing)) = prev.map(|id| &mut nodes[id].data) {
        existing.push_tendril(&text);
        return None;
    }
    nodes.push(Node::new(NodeData::Text(text)));
    Some(nodes.len() - 1)
}

/// An element's name for the tree builder; a node that is not an element (which the tree
/// builder promises never to ask about) reads as an empty name rather than a panic.
#[derive(Debug)]
pub(crate) struct Name<'a>(Option<Ref<'a, QualName>>);

static NO_NS: Namespace = ns!();
static NO_LOCAL: LocalName = local_name!("");

impl ElemName for Name<'_> {
    fn ns(&self) -> &Namespace {
        self.0.as_ref().map_or(&NO_NS, |n| &n.ns)
    }

    fn local_name(&self) -> &LocalName {
        self.0.as_ref().map_or(&NO_LOCAL, |n| &n.local)
    }
}

impl TreeSink for Tree {
    type Handle = NodeId;
    type Output = Vec<Node>;
    type ElemName<'a> = Name<'a>;

    fn finish(self) -> Vec<Node> {
        self.nodes.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        DOCUMENT
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Name<'a> {
        let nodes = self.nodes.borrow();
        Name(
            Ref::filter_map(nodes, |n| {
                n.get(*target).and_then(Node::element).map(|e| &e.name)
            })
            .ok(),
        )
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let template_contents = flags.template.then(|| self.push(NodeData::Other));
        self.push(NodeData::Element(Element {
            name,
            attrs,
            template_contents: Link::from(template_contents),
            mathml_annotation_xml_integration_point: flags.mathml_annotation_xml_integration_point,
        }))
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        DROPPED
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        DROPPED
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        let mut nodes = self.nodes.borrow_mut();
        match child {
            NodeOrText::AppendNode(DROPPED) => {}
            NodeOrText::AppendNode(child) => append_child(&mut nodes, *parent, child),
            NodeOrText::AppendText(text) => {
                let prev = nodes[*parent].last_child();
                if let Some(child) = text_node(&mut nodes, prev, text) {
                    append_child(&mut nodes, *parent, child);
                }
            }
        }
    }

    fn append_before_sibling(&self, sibling: &NodeId, child: NodeOrText<NodeId>) {
        let mut nodes = self.nodes.borrow_mut();
        match child {
            NodeOrText::AppendNode(DROPPED) => {}
            NodeOrText::AppendNode(child) => {
                detach(&mut nodes, child);
                insert_before(&mut nodes, *sibling, child);
            }
            NodeOrText::AppendText(text) => {
                let prev = nodes[*sibling].prev_sibling();
                if let Some(child) = text_node(&mut nodes, prev, text) {
                    insert_before(&mut nodes, *sibling, child);
                }
            }
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent = self.nodes.borrow()[*element].parent().is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public: StrTendril,
        _system: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        let nodes = self.nodes.borrow();
        nodes[*target]
            .element()
            .and_then(|e| e.template_contents.get())
            .unwrap_or(DROPPED)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        if let NodeData::Element(el) = &mut nodes[*target].data {
            let had = el.attrs.len();
            for attr in attrs {
                if !el.attrs[..had].iter().any(|a| a.name == attr.name) {
                    el.attrs.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let mut nodes = self.nodes.borrow_mut();
        while let Some(child) = nodes[*node].first_child() {
            detach(&mut nodes, child);
            append_child(&mut nodes, *new_parent, child);
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        self.nodes.borrow()[*handle]
            .element()
            .is_some_and(|e| e.mathml_annotation_xml_integration_point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use html5ever::tendril::TendrilSink;
    use proptest::prelude::*;

    fn opts() -> html5ever::ParseOpts {
        html5ever::ParseOpts {
            tree_builder: html5ever::tree_builder::TreeBuilderOpts {
                scripting_enabled: false,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// An element's start as the dumps write it: namespace, name, attributes in order.
    fn open(name: &QualName, attrs: &[Attribute], out: &mut String) {
        out.push_str(&format!("<{}|{}", name.ns, name.local));
        for a in attrs {
            out.push_str(&format!(" {}={:?}", a.name.local, &*a.value));
        }
        out.push('>');
    }

    /// Text as the dumps write it: adjacent text nodes read as one.
    fn text(text: &str, out: &mut String) {
        out.push_str(&text.replace('&', "&amp;").replace('<', "&lt;"));
    }

    fn dump(nodes: &[Node], id: NodeId, out: &mut String) {
        let mut child = nodes[id].first_child();
        while let Some(c) = child {
            match &nodes[c].data {
                NodeData::Element(el) => {
                    open(&el.name, &el.attrs, out);
                    dump(nodes, c, out);
                    out.push_str("</>");
                }
                NodeData::Text(t) => text(t, out),
                NodeData::Other => {}
            }
            child = nodes[c].next_sibling();
        }
    }

    fn dump_reference(node: &dom_query::NodeRef, out: &mut String) {
        for child in node.children_it(false) {
            let element = child.query(|n| match &n.data {
                dom_query::NodeData::Element(el) => {
                    open(&el.name, &el.attrs, out);
                    true
                }
                dom_query::NodeData::Text { contents } => {
                    text(contents, out);
                    false
                }
                _ => false,
            });
            if element == Some(true) {
                dump_reference(&child, out);
                out.push_str("</>");
            }
        }
    }

    /// Our tree and dom_query's, both built by html5ever from the same tokens, are the same
    /// (but for the comments and doctypes ours leaves out).
    #[track_caller]
    fn check(html: &str) {
        let nodes = html5ever::parse_document(Tree::default(), opts()).one(html);
        let mut ours = String::new();
        dump(&nodes, DOCUMENT, &mut ours);
        let mut reference = String::new();
        dump_reference(&dom_query::Document::from(html).root(), &mut reference);
        assert_eq!(ours, reference, "{html}");
    }

    #[test]
    fn links_keep_indices_and_none() {
        for id in [
            None,
            Some(0),
            Some(1),
            Some(12_345),
            Some(u32::MAX as usize - 1),
        ] {
            assert_eq!(Link::from(id).get(), id);
        }
        // Past 32 bits (never reached: memory runs out first) a link reads as none.
        assert_eq!(Link::from(Some(u32::MAX as usize)).get(), None);
        assert_eq!(Link::from(Some(usize::MAX)).get(), None);
        assert!(std::mem::size_of::<Node>() <= 80);
    }

    #[test]
    fn same_tree_as_a_reference_dom() {
        for html in [
            // Adoption agency: misnested formatting elements are cloned and reparented.
            "<p>1<b>2<i>3</b>4</i>5</p>",
            "<b>1<p>2</b>3</p>",
            "<a href=x>1<div>2<a href=y>3</a>4</div>5</a>",
            "<div><b><i><u><s><em><strong>deep<p>para</b>after",
            // Foster parenting of elements and text (merged with earlier fostered text).
            "<table>a<b>b</b>c<tr><td>d</td>e</tr>f</table>g",
            "<table><!--c-->x<!--d-->y<tr><td>z</table>",
            "<div><table><tr><td>1</td></tr>2<p>3</table></div>",
            // Implied end tags, second `<html>`/`<body>` attributes added if missing.
            "<ul><li>a<li>b<ol><li>c</ul><dl><dt>t<dd>d</dl><h1>x<h2>y",
            "<html lang=en><body class=a><p>x<html lang=fr dir=rtl><body class=b id=c>y",
            // Comments between text, templates, foreign content, frameset.
            "<p>a<!--x-->b<!--y--><!--z-->c</p><template><p>t</p></template>d",
            "<svg><g>1</g><foreignObject><p>2</p></foreignObject></svg><math><mi>3</mi></math>",
            "<frameset><frame></frameset>",
            "<select><option>1<option>2</select><table><select><option>3</table>",
            "",
        ] {
            check(html);
        }
    }

    proptest! {
        #[test]
        fn same_tree_as_a_reference_dom_on_tag_soup(html in super::super::parse::tests::markup()) {
            check(&html);
        }
    }
}
