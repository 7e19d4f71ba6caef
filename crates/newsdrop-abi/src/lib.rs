//! The C ABI between newsdrop (the host) and a rule plugin (a shared library): `#[repr(C)]`
//! types and version constants, and nothing else — no logic, no dependencies.
//!
//! The generated C header `include/newsdrop_plugin.h` is this file seen from C; a test keeps
//! it current. Plugin authors in Rust use `newsdrop-sdk` instead of this crate directly.
//!
//! # The contract
//! - A plugin exports one symbol, [`ND_ENTRY_SYMBOL`], of type [`NdEntryFn`]. It returns a
//!   pointer to a static [`NdPlugin`] table that stays valid while the library is loaded.
//! - The host reads the [`NdPluginHeader`] at the start of the table first, and calls nothing
//!   else unless the magic is [`ND_ABI_MAGIC`], the major version is [`ND_ABI_MAJOR`], the
//!   minor version is at most [`ND_ABI_MINOR`] and `size` covers the fields it will read.
//! - Strings cross as [`NdStr`] (pointer and length, UTF-8, not NUL-terminated) and are only
//!   ever borrowed: the receiver copies what it keeps. The only allocation that crosses is the
//!   plugin's instance, made by `create` and freed by the same plugin's `destroy`.
//! - Strings the host hands out (block text, meta, tags) are valid UTF-8, and stay valid until
//!   the plugin's next edit call on the same article or the end of `apply`, whichever is first.
//! - `apply` may run on several threads at once with the same instance; the host never calls
//!   `destroy` while an `apply` on that instance runs, and never unloads the library while an
//!   instance from it is alive.
//! - Nothing unwinds across the boundary: a plugin returns [`ND_PANIC`] instead.
//!
//! # Versions
//! The major version changes when anything here changes meaning or layout. A minor version
//! only appends: new fields at the end of [`NdPlugin`] and [`NdHostApi`] (their `size` tells
//! which are present), new constants. Structs passed by pointer ([`NdBlock`], [`NdTag`]) are
//! frozen within a major version.

use std::ffi::c_void;

/// `"NDPLUGIN"` in ASCII: the first eight bytes of every plugin table.
pub const ND_ABI_MAGIC: u64 = 0x4E44_504C_5547_494E;
/// Changes when the ABI changes incompatibly; the host loads only its own major version.
pub const ND_ABI_MAJOR: u32 = 1;
/// Grows when the ABI grows compatibly; the host loads plugins of this minor version or older.
pub const ND_ABI_MINOR: u32 = 0;
/// The name of the exported entry function.
pub const ND_ENTRY_SYMBOL: &str = "newsdrop_plugin_entry";

/// `create` succeeded.
pub const ND_OK: i32 = 0;
/// `apply`: go on with the next stage.
pub const ND_CONTINUE: i32 = 0;
/// `apply`: do not emit this article; the message is the reason.
pub const ND_DROP: i32 = 1;
/// The call failed; the message says why. The article fails (or the config, for `create`).
pub const ND_ERROR: i32 = 2;
/// The plugin panicked (or threw) and caught it; the message is the panic's.
pub const ND_PANIC: i32 = 3;

/// [`NdBlock::kind`]: a line of a plain-text dump.
pub const ND_BLOCK_LINE: u32 = 0;
pub const ND_BLOCK_PARAGRAPH: u32 = 1;
/// A heading; [`NdBlock::level`] is 1–6.
pub const ND_BLOCK_HEADING: u32 = 2;
pub const ND_BLOCK_LIST_ITEM: u32 = 3;
pub const ND_BLOCK_QUOTE: u32 = 4;
pub const ND_BLOCK_CODE: u32 = 5;
pub const ND_BLOCK_TABLE: u32 = 6;
pub const ND_BLOCK_CAPTION: u32 = 7;

/// Meta fields for `meta_get` / `meta_set`.
pub const ND_META_TITLE: u32 = 0;
/// RFC 3339 date (`2024-09-20`) or date-time; `meta_set` rejects anything else.
pub const ND_META_PUBLISHED: u32 = 1;
pub const ND_META_PUBLISHER: u32 = 2;
pub const ND_META_DATELINE: u32 = 3;
/// BCP 47 / ISO 639-1 code.
pub const ND_META_LANGUAGE: u32 = 4;
pub const ND_META_URL: u32 = 5;
/// A list: `meta_get` takes an index; `meta_set` appends one author, or clears the list when
/// the value is NULL.
pub const ND_META_AUTHORS: u32 = 6;

/// A borrowed UTF-8 string: `len` bytes at `ptr` (which may be NULL when `len` is 0).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdStr {
    pub ptr: *const u8,
    pub len: usize,
}

impl NdStr {
    /// The empty string.
    pub const EMPTY: NdStr = NdStr {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// Borrows `s`; the `NdStr` is valid as long as `s` is.
    pub const fn new(s: &str) -> NdStr {
        NdStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }
}

/// The article, opaque to the plugin: it is read and edited only through [`NdHostApi`].
pub struct NdArticle {
    _opaque: [u8; 0],
}

/// One block of the article, as `block_get` reports it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdBlock {
    pub text: NdStr,
    /// One of the `ND_BLOCK_*` constants.
    pub kind: u32,
    /// The heading level for [`ND_BLOCK_HEADING`], else 0.
    pub level: u32,
    /// Whether the block is part of the body.
    pub keep: bool,
    /// The rule that last decided `keep` (empty when none has).
    pub mark_rule: NdStr,
    pub mark_reason: NdStr,
}

/// A tag: `tag_get` reports one, `tag_add` adds one.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdTag {
    /// Canonical id such as `topic:diplomacy`; `kind` is the part before the first `:`.
    pub id: NdStr,
    /// Ignored by `tag_add` (derived from the id).
    pub kind: NdStr,
    pub label: NdStr,
    /// Mentions; `tag_add` adds it to an existing tag with the same id.
    pub count: u32,
    /// `tag_get`: the rule that added it. `tag_add`: what fired (a keyword, a pattern), which
    /// the host prefixes with the plugin's rule name.
    pub rule: NdStr,
}

/// Where a plugin sends messages: `create`'s config errors (with the config key they are
/// about, or an empty key), `apply`'s drop reason or error.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdMessageSink {
    pub ctx: *mut c_void,
    pub emit: unsafe extern "C" fn(ctx: *mut c_void, key: NdStr, message: NdStr),
}

/// The host's functions for reading and editing the article during `apply`.
/// Every function takes the `article` pointer `apply` was given.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdHostApi {
    pub abi_major: u32,
    pub abi_minor: u32,
    /// `sizeof(NdHostApi)` as the host knows it.
    pub size: u32,
    pub block_count: unsafe extern "C" fn(article: *const NdArticle) -> usize,
    /// Fills `out` with block `index`; false when out of range.
    pub block_get:
        unsafe extern "C" fn(article: *const NdArticle, index: usize, out: *mut NdBlock) -> bool,
    /// Marks block `index` kept or dropped with a reason; false when out of range.
    pub block_mark: unsafe extern "C" fn(
        article: *mut NdArticle,
        index: usize,
        keep: bool,
        reason: NdStr,
    ) -> bool,
    /// Fills `out` with a meta field (`index` selects an author); false when unset.
    pub meta_get: unsafe extern "C" fn(
        article: *const NdArticle,
        field: u32,
        index: usize,
        out: *mut NdStr,
    ) -> bool,
    /// Sets a meta field, or clears it when `value` is NULL; false when the field is unknown
    /// or the value invalid for it.
    pub meta_set:
        unsafe extern "C" fn(article: *mut NdArticle, field: u32, value: *const NdStr) -> bool,
    pub tag_count: unsafe extern "C" fn(article: *const NdArticle) -> usize,
    pub tag_get:
        unsafe extern "C" fn(article: *const NdArticle, index: usize, out: *mut NdTag) -> bool,
    /// Adds a tag (or adds its count to the tag with the same id); false when the id is empty.
    pub tag_add: unsafe extern "C" fn(article: *mut NdArticle, tag: *const NdTag) -> bool,
}

/// The first fields of every plugin table, in every ABI version: checked before anything
/// else is read or called.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdPluginHeader {
    /// [`ND_ABI_MAGIC`].
    pub magic: u64,
    pub abi_major: u32,
    pub abi_minor: u32,
    /// `sizeof(NdPlugin)` as the plugin knows it.
    pub size: u32,
    pub reserved: u32,
}

/// Makes an instance from the stage's config (its `[[stage]]` keys other than `rule` and
/// `name`, as a JSON object). On [`ND_OK`] `*instance` is set; otherwise the plugin has sent
/// each problem to `errors`.
pub type NdCreateFn = unsafe extern "C" fn(
    config_json: NdStr,
    instance: *mut *mut c_void,
    errors: *const NdMessageSink,
) -> i32;

/// Runs on one article: returns [`ND_CONTINUE`], [`ND_DROP`] (reason sent to `message`),
/// [`ND_ERROR`] or [`ND_PANIC`] (error sent to `message`).
pub type NdApplyFn = unsafe extern "C" fn(
    instance: *mut c_void,
    host: *const NdHostApi,
    article: *mut NdArticle,
    message: *const NdMessageSink,
) -> i32;

/// Frees an instance made by `create`.
pub type NdDestroyFn = unsafe extern "C" fn(instance: *mut c_void);

/// The table a plugin's entry function returns.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NdPlugin {
    pub header: NdPluginHeader,
    /// The plugin's name, such as `example-tagger`.
    pub name: NdStr,
    /// The plugin's own version, such as `0.1.0`.
    pub version: NdStr,
    /// See [`NdCreateFn`] (spelt out here so that C sees a nullable function pointer).
    pub create: Option<
        unsafe extern "C" fn(
            config_json: NdStr,
            instance: *mut *mut c_void,
            errors: *const NdMessageSink,
        ) -> i32,
    >,
    /// See [`NdApplyFn`].
    pub apply: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            host: *const NdHostApi,
            article: *mut NdArticle,
            message: *const NdMessageSink,
        ) -> i32,
    >,
    /// See [`NdDestroyFn`].
    pub destroy: Option<unsafe extern "C" fn(instance: *mut c_void)>,
}

/// The type of the entry function [`ND_ENTRY_SYMBOL`].
pub type NdEntryFn = unsafe extern "C" fn() -> *const NdPlugin;

/// The header a plugin built against this crate puts in its table.
pub const fn current_header() -> NdPluginHeader {
    NdPluginHeader {
        magic: ND_ABI_MAGIC,
        abi_major: ND_ABI_MAJOR,
        abi_minor: ND_ABI_MINOR,
        // The table is a few dozen bytes; the cast cannot truncate.
        size: std::mem::size_of::<NdPlugin>() as u32,
        reserved: 0,
    }
}
