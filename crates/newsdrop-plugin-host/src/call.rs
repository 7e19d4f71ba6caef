//! The host's side of the C ABI during `apply`: [`HOST_API`], the functions a plugin calls
//! to read and edit the article, over a [`Call`] (the article and the stage's rule name).
//! These functions must never panic (a panic cannot cross `extern "C"`): no indexing, no
//! unwrap, plugin strings decoded lossily.
#![allow(unsafe_code)] // the callbacks dereference the pointers the plugin passes back

use std::ffi::c_void;

use newsdrop_abi as abi;
use newsdrop_abi::{NdArticle, NdBlock, NdHostApi, NdMessageSink, NdStr, NdTag};
use newsdrop_core::{Article, BlockKind, Mark, Tag};

/// What `NdArticle*` points at during one `apply`.
pub struct Call<'a> {
    pub article: &'a mut Article,
    pub rule: &'a str,
}

/// The host function table every `apply` receives.
pub static HOST_API: NdHostApi = NdHostApi {
    abi_major: abi::ND_ABI_MAJOR,
    abi_minor: abi::ND_ABI_MINOR,
    // The table is a few dozen bytes.
    size: std::mem::size_of::<NdHostApi>() as u32,
    block_count,
    block_get,
    block_mark,
    meta_get,
    meta_set,
    tag_count,
    tag_get,
    tag_add,
};

/// A sink that appends each (key, message) to `messages`.
pub fn collect_messages(messages: &mut Vec<(String, String)>) -> NdMessageSink {
    NdMessageSink {
        ctx: std::ptr::from_mut(messages).cast(),
        emit: push_message,
    }
}

unsafe extern "C" fn push_message(ctx: *mut c_void, key: NdStr, message: NdStr) {
    // SAFETY: `ctx` is the Vec `collect_messages` borrowed, alive for the plugin call; the
    // strings are readable for the call per the ABI.
    unsafe {
        let messages = &mut *ctx.cast::<Vec<(String, String)>>();
        if messages.len() < 100 {
            messages.push((copy(key), copy(message)));
        }
    }
}

/// Copies a string the plugin passed in, lossily (a C plugin may send anything).
///
/// # Safety
/// `s` points at `s.len` readable bytes for the call.
unsafe fn copy(s: NdStr) -> String {
    if s.ptr.is_null() || s.len == 0 {
        return String::new();
    }
    // SAFETY: per the contract.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(s.ptr, s.len) }).into_owned()
}

/// # Safety
/// `a` is the `Call` of the running `apply`.
unsafe fn call<'a>(a: *const NdArticle) -> &'a Call<'a> {
    // SAFETY: per the contract.
    unsafe { &*a.cast::<Call<'a>>() }
}

/// # Safety
/// As [`call`], with no other reference to it alive (the plugin calls one function at a
/// time on its article).
unsafe fn call_mut<'a>(a: *mut NdArticle) -> &'a mut Call<'a> {
    // SAFETY: per the contract.
    unsafe { &mut *a.cast::<Call<'a>>() }
}

fn kind_code(kind: BlockKind) -> (u32, u32) {
    match kind {
        BlockKind::Line => (abi::ND_BLOCK_LINE, 0),
        BlockKind::Paragraph => (abi::ND_BLOCK_PARAGRAPH, 0),
        BlockKind::Heading(level) => (abi::ND_BLOCK_HEADING, u32::from(level)),
        BlockKind::ListItem => (abi::ND_BLOCK_LIST_ITEM, 0),
        BlockKind::Quote => (abi::ND_BLOCK_QUOTE, 0),
        BlockKind::Code => (abi::ND_BLOCK_CODE, 0),
        BlockKind::Table => (abi::ND_BLOCK_TABLE, 0),
        BlockKind::Caption => (abi::ND_BLOCK_CAPTION, 0),
    }
}

fn opt_str(s: Option<&str>) -> NdStr {
    s.map_or(NdStr::EMPTY, NdStr::new)
}

unsafe extern "C" fn block_count(a: *const NdArticle) -> usize {
    // SAFETY: the plugin passes back its apply's article.
    unsafe { call(a) }.article.blocks.len()
}

unsafe extern "C" fn block_get(a: *const NdArticle, index: usize, out: *mut NdBlock) -> bool {
    // SAFETY: as above; `out` is a writable NdBlock per the ABI.
    unsafe {
        let Some(b) = call(a).article.blocks.get(index) else {
            return false;
        };
        if out.is_null() {
            return false;
        }
        let (kind, level) = kind_code(b.kind);
        out.write(NdBlock {
            text: NdStr::new(&b.text),
            kind,
            level,
            keep: b.keep,
            mark_rule: opt_str(b.mark.as_ref().map(|m| &*m.rule)),
            mark_reason: opt_str(b.mark.as_ref().map(|m| &*m.reason)),
        });
    }
    true
}

unsafe extern "C" fn block_mark(
    a: *mut NdArticle,
    index: usize,
    keep: bool,
    reason: NdStr,
) -> bool {
    // SAFETY: as above; `reason` is readable for the call.
    unsafe {
        let reason = copy(reason);
        let c = call_mut(a);
        let rule = c.rule.to_string();
        match c.article.blocks.get_mut(index) {
            Some(b) => {
                b.keep = keep;
                b.mark = Some(Mark {
                    rule: rule.into(),
                    reason: reason.into(),
                });
                true
            }
            None => false,
        }
    }
}

unsafe extern "C" fn meta_get(
    a: *const NdArticle,
    field: u32,
    index: usize,
    out: *mut NdStr,
) -> bool {
    // SAFETY: as in `block_get`.
    unsafe {
        let meta = &call(a).article.meta;
        let value = match field {
            abi::ND_META_TITLE => meta.title.as_ref(),
            abi::ND_META_PUBLISHED => meta.published.as_ref(),
            abi::ND_META_PUBLISHER => meta.publisher.as_ref(),
            abi::ND_META_DATELINE => meta.dateline.as_ref(),
            abi::ND_META_LANGUAGE => meta.language.as_ref(),
            abi::ND_META_URL => meta.url.as_ref(),
            abi::ND_META_AUTHORS => meta.authors.get(index),
            _ => None,
        };
        match value {
            Some(v) if !out.is_null() => {
                out.write(NdStr::new(v));
                true
            }
            _ => false,
        }
    }
}

unsafe extern "C" fn meta_set(a: *mut NdArticle, field: u32, value: *const NdStr) -> bool {
    // SAFETY: as in `block_mark`; `value` is NULL or a readable NdStr.
    unsafe {
        let value = value.as_ref().map(|v| copy(*v));
        let c = call_mut(a);
        let meta = &mut c.article.meta;
        match field {
            abi::ND_META_TITLE => {
                meta.title = value;
                meta.title_derived = false;
            }
            abi::ND_META_PUBLISHED => {
                if value
                    .as_deref()
                    .is_some_and(|v| !newsdrop_core::Meta::is_valid_published(v))
                {
                    return false;
                }
                meta.published_origin = value.as_ref().map(|_| c.rule.to_string());
                meta.published = value;
            }
            abi::ND_META_PUBLISHER => meta.publisher = value,
            abi::ND_META_DATELINE => meta.dateline = value,
            abi::ND_META_LANGUAGE => meta.language = value,
            abi::ND_META_URL => meta.url = value,
            abi::ND_META_AUTHORS => match value {
                Some(author) => meta.authors.push(author),
                None => meta.authors.clear(),
            },
            _ => return false,
        }
    }
    true
}

unsafe extern "C" fn tag_count(a: *const NdArticle) -> usize {
    // SAFETY: as in `block_count`.
    unsafe { call(a) }.article.tags.len()
}

unsafe extern "C" fn tag_get(a: *const NdArticle, index: usize, out: *mut NdTag) -> bool {
    // SAFETY: as in `block_get`.
    unsafe {
        let Some(t) = call(a).article.tags.get(index) else {
            return false;
        };
        if out.is_null() {
            return false;
        }
        out.write(NdTag {
            id: NdStr::new(&t.id),
            kind: NdStr::new(&t.kind),
            label: NdStr::new(&t.label),
            count: t.count,
            rule: NdStr::new(&t.rule),
        });
    }
    true
}

unsafe extern "C" fn tag_add(a: *mut NdArticle, tag: *const NdTag) -> bool {
    // SAFETY: as in `block_mark`; `tag` is NULL or a readable NdTag with readable strings.
    unsafe {
        let Some(tag) = tag.as_ref() else {
            return false;
        };
        let id = copy(tag.id);
        let Some((kind, rest)) = id.split_once(':') else {
            return false;
        };
        if kind.is_empty() || rest.is_empty() {
            return false;
        }
        let (kind, rest) = (kind.to_string(), rest.to_string());
        let c = call_mut(a);
        if let Some(existing) = c.article.tags.iter_mut().find(|t| t.id == id) {
            existing.count = existing.count.saturating_add(tag.count);
            return true;
        }
        let label = copy(tag.label);
        let fired = copy(tag.rule);
        c.article.tags.push(Tag {
            id,
            kind,
            label: if label.is_empty() { rest } else { label },
            count: tag.count,
            rule: if fired.is_empty() {
                c.rule.to_string()
            } else {
                format!("{}: {fired}", c.rule)
            },
        });
    }
    true
}
