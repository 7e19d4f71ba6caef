//! Safe handles to the article during `apply`: reads borrow the handle, edits need it
//! mutably, so a string read from the host can never outlive the next edit (the ABI's rule
//! for when host strings stay valid).
#![allow(unsafe_code)] // calls the host's C functions with the pointers `apply` was given

use std::marker::PhantomData;

use newsdrop_abi as abi;
use newsdrop_abi::{NdArticle, NdBlock, NdHostApi, NdStr, NdTag};

use crate::Error;

/// The article being processed: blocks, meta and tags, read and edited through the host.
pub struct Article<'a> {
    host: &'a NdHostApi,
    raw: *mut NdArticle,
    _borrow: PhantomData<&'a mut NdArticle>,
}

/// What kind of block the reader saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Line,
    Paragraph,
    /// A heading with its level (1–6).
    Heading(u8),
    ListItem,
    Quote,
    Code,
    Table,
    Caption,
    /// A kind from a newer host.
    Other(u32),
}

/// One block of the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<'a> {
    pub index: usize,
    pub text: &'a str,
    pub kind: BlockKind,
    /// Whether the block is part of the body.
    pub keep: bool,
    /// The rule that last decided `keep`, empty when none has.
    pub mark_rule: &'a str,
    pub mark_reason: &'a str,
}

/// A tag already on the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub label: &'a str,
    pub count: u32,
    pub rule: &'a str,
}

/// The meta fields a plugin may read and set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaField {
    Title,
    /// RFC 3339 date or date-time; the host rejects anything else.
    Published,
    Publisher,
    Dateline,
    Language,
    Url,
}

impl MetaField {
    fn code(self) -> u32 {
        match self {
            MetaField::Title => abi::ND_META_TITLE,
            MetaField::Published => abi::ND_META_PUBLISHED,
            MetaField::Publisher => abi::ND_META_PUBLISHER,
            MetaField::Dateline => abi::ND_META_DATELINE,
            MetaField::Language => abi::ND_META_LANGUAGE,
            MetaField::Url => abi::ND_META_URL,
        }
    }
}

/// Borrows the host's string.
///
/// # Safety
/// `s` must point at `s.len` bytes of UTF-8 that stay valid for `'a` (the ABI guarantees this
/// for host strings until the next edit, which the borrows of [`Article`] enforce).
unsafe fn host_str<'a>(s: NdStr) -> &'a str {
    if s.ptr.is_null() || s.len == 0 {
        return "";
    }
    // SAFETY: per this function's contract, `ptr` is valid for `len` bytes of UTF-8 for 'a.
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(s.ptr, s.len)) }
}

fn kind_of(block: &NdBlock) -> BlockKind {
    match block.kind {
        abi::ND_BLOCK_LINE => BlockKind::Line,
        abi::ND_BLOCK_PARAGRAPH => BlockKind::Paragraph,
        abi::ND_BLOCK_HEADING => BlockKind::Heading(u8::try_from(block.level).unwrap_or(6)),
        abi::ND_BLOCK_LIST_ITEM => BlockKind::ListItem,
        abi::ND_BLOCK_QUOTE => BlockKind::Quote,
        abi::ND_BLOCK_CODE => BlockKind::Code,
        abi::ND_BLOCK_TABLE => BlockKind::Table,
        abi::ND_BLOCK_CAPTION => BlockKind::Caption,
        other => BlockKind::Other(other),
    }
}

const EMPTY_BLOCK: NdBlock = NdBlock {
    text: NdStr::EMPTY,
    kind: 0,
    level: 0,
    keep: false,
    mark_rule: NdStr::EMPTY,
    mark_reason: NdStr::EMPTY,
};

const EMPTY_TAG: NdTag = NdTag {
    id: NdStr::EMPTY,
    kind: NdStr::EMPTY,
    label: NdStr::EMPTY,
    count: 0,
    rule: NdStr::EMPTY,
};

impl<'a> Article<'a> {
    /// Wraps the pointers `apply` was given.
    ///
    /// # Safety
    /// `host` must be the host's function table and `raw` the article pointer of the same
    /// `apply` call, both valid for `'a`, with no other handle to the article alive.
    pub(crate) unsafe fn from_raw(host: &'a NdHostApi, raw: *mut NdArticle) -> Article<'a> {
        Article {
            host,
            raw,
            _borrow: PhantomData,
        }
    }

    /// Fuzzing only (`--cfg fuzzing`): [`Article::from_raw`] for `fuzz/`, which gets the
    /// pointers from the host crate's `with_plugin_view`.
    ///
    /// # Safety
    /// As `from_raw`.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub unsafe fn from_raw_for_fuzzing(host: &'a NdHostApi, raw: *mut NdArticle) -> Article<'a> {
        // SAFETY: the caller keeps `from_raw`'s contract.
        unsafe { Article::from_raw(host, raw) }
    }

    /// How many blocks the article has (kept and dropped).
    pub fn block_count(&self) -> usize {
        // SAFETY: `raw` is the live article of this apply call (see `from_raw`).
        unsafe { (self.host.block_count)(self.raw) }
    }

    /// Block `index`, or `None` past the end.
    pub fn block(&self, index: usize) -> Option<Block<'_>> {
        let mut out = EMPTY_BLOCK;
        // SAFETY: `raw` is live and `out` is a valid NdBlock to fill.
        if !unsafe { (self.host.block_get)(self.raw, index, &mut out) } {
            return None;
        }
        // SAFETY: host strings stay valid until the next edit, which needs `&mut self`
        // while the returned block borrows `&self`.
        let (text, mark_rule, mark_reason) = unsafe {
            (
                host_str(out.text),
                host_str(out.mark_rule),
                host_str(out.mark_reason),
            )
        };
        Some(Block {
            index,
            text,
            kind: kind_of(&out),
            keep: out.keep,
            mark_rule,
            mark_reason,
        })
    }

    /// Every block, in order.
    pub fn blocks(&self) -> impl Iterator<Item = Block<'_>> + '_ {
        (0..self.block_count()).filter_map(|i| self.block(i))
    }

    /// The kept blocks, in order.
    pub fn kept(&self) -> impl Iterator<Item = Block<'_>> + '_ {
        self.blocks().filter(|b| b.keep)
    }

    /// A meta field, `None` when unset.
    pub fn meta(&self, field: MetaField) -> Option<&str> {
        self.meta_raw(field.code(), 0)
    }

    pub fn title(&self) -> Option<&str> {
        self.meta(MetaField::Title)
    }

    /// The authors, in order.
    pub fn authors(&self) -> Vec<&str> {
        (0..)
            .map_while(|i| self.meta_raw(abi::ND_META_AUTHORS, i))
            .collect()
    }

    fn meta_raw(&self, field: u32, index: usize) -> Option<&str> {
        let mut out = NdStr::EMPTY;
        // SAFETY: `raw` is live and `out` is a valid NdStr to fill.
        if unsafe { (self.host.meta_get)(self.raw, field, index, &mut out) } {
            // SAFETY: as in `block`, the borrow of `&self` outlives no edit.
            Some(unsafe { host_str(out) })
        } else {
            None
        }
    }

    /// The tags so far, in order.
    pub fn tags(&self) -> Vec<Tag<'_>> {
        // SAFETY: `raw` is live.
        let n = unsafe { (self.host.tag_count)(self.raw) };
        (0..n)
            .filter_map(|i| {
                let mut out = EMPTY_TAG;
                // SAFETY: `raw` is live and `out` is a valid NdTag to fill; its strings are
                // borrowed as in `block`.
                unsafe {
                    (self.host.tag_get)(self.raw, i, &mut out).then(|| Tag {
                        id: host_str(out.id),
                        kind: host_str(out.kind),
                        label: host_str(out.label),
                        count: out.count,
                        rule: host_str(out.rule),
                    })
                }
            })
            .collect()
    }

    pub fn has_tag(&self, id: &str) -> bool {
        self.tags().iter().any(|t| t.id == id)
    }

    /// Marks block `index` dropped (not part of the body), recording why.
    pub fn drop_block(&mut self, index: usize, reason: &str) -> Result<(), Error> {
        self.mark(index, false, reason)
    }

    /// Marks block `index` kept (part of the body), recording why.
    pub fn keep_block(&mut self, index: usize, reason: &str) -> Result<(), Error> {
        self.mark(index, true, reason)
    }

    fn mark(&mut self, index: usize, keep: bool, reason: &str) -> Result<(), Error> {
        // SAFETY: `raw` is live; `reason` outlives the call and the host copies it.
        if unsafe { (self.host.block_mark)(self.raw, index, keep, NdStr::new(reason)) } {
            Ok(())
        } else {
            Err(Error::new(format!("no block {index}")))
        }
    }

    /// Sets a meta field, or clears it with `None`.
    pub fn set_meta(&mut self, field: MetaField, value: Option<&str>) -> Result<(), Error> {
        if self.meta_set(field.code(), value) {
            Ok(())
        } else {
            Err(Error::new(format!(
                "the host refused {field:?} = {:?}",
                value.unwrap_or_default()
            )))
        }
    }

    /// Appends an author.
    pub fn add_author(&mut self, author: &str) -> Result<(), Error> {
        if self.meta_set(abi::ND_META_AUTHORS, Some(author)) {
            Ok(())
        } else {
            Err(Error::new("the host refused the author"))
        }
    }

    /// Removes every author.
    pub fn clear_authors(&mut self) {
        self.meta_set(abi::ND_META_AUTHORS, None);
    }

    fn meta_set(&mut self, field: u32, value: Option<&str>) -> bool {
        let value = value.map(NdStr::new);
        let ptr = value.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
        // SAFETY: `raw` is live; `ptr` is NULL or points at an NdStr borrowing a live string.
        unsafe { (self.host.meta_set)(self.raw, field, ptr) }
    }

    /// Adds the tag `id` (such as `topic:diplomacy`; its kind is the part before `:`) with a
    /// label and a count of mentions; `fired` says what matched (a keyword, a pattern). A tag
    /// already there gets the count added.
    pub fn add_tag(&mut self, id: &str, label: &str, count: u32, fired: &str) -> Result<(), Error> {
        let tag = NdTag {
            id: NdStr::new(id),
            kind: NdStr::EMPTY,
            label: NdStr::new(label),
            count,
            rule: NdStr::new(fired),
        };
        // SAFETY: `raw` is live; `tag` borrows strings that outlive the call.
        if unsafe { (self.host.tag_add)(self.raw, &tag) } {
            Ok(())
        } else {
            Err(Error::new(format!("the host refused the tag {id:?}")))
        }
    }
}
