//! Running a plugin without the daemon: an in-memory [`TestArticle`] behind a small host
//! that speaks the same C ABI as newsdrop, and the [`Example`]s a plugin declares, which
//! `export_plugin!` turns into a unit test. Calls go through the plugin's exported
//! `extern "C"` functions, so the examples also exercise the boundary (panics included).
#![allow(unsafe_code)] // the host side of the C ABI, for tests

use std::ffi::c_void;

use newsdrop_abi as abi;
use newsdrop_abi::{NdArticle, NdBlock, NdHostApi, NdMessageSink, NdStr, NdTag};

use crate::export::StaticTable;
use crate::{MetaField, Plugin, Verdict};

/// An article in memory, as a test builds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestArticle {
    pub blocks: Vec<TestBlock>,
    /// Meta fields by `ND_META_*` code.
    pub meta: std::collections::BTreeMap<u32, String>,
    pub authors: Vec<String>,
    pub tags: Vec<TestTag>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBlock {
    pub text: String,
    pub kind: u32,
    pub keep: bool,
    /// (rule, reason) of the last mark.
    pub mark: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestTag {
    pub id: String,
    pub label: String,
    pub count: u32,
    pub rule: String,
}

impl TestArticle {
    pub fn new() -> Self {
        TestArticle::default()
    }

    pub fn title(mut self, title: &str) -> Self {
        self.meta.insert(abi::ND_META_TITLE, title.to_string());
        self
    }

    /// Appends a kept block (a line of a text dump).
    pub fn line(mut self, text: &str) -> Self {
        self.blocks.push(TestBlock {
            text: text.to_string(),
            kind: abi::ND_BLOCK_LINE,
            keep: true,
            mark: None,
        });
        self
    }

    pub fn meta(&self, field: MetaField) -> Option<&str> {
        let code = match field {
            MetaField::Title => abi::ND_META_TITLE,
            MetaField::Published => abi::ND_META_PUBLISHED,
            MetaField::Publisher => abi::ND_META_PUBLISHER,
            MetaField::Dateline => abi::ND_META_DATELINE,
            MetaField::Language => abi::ND_META_LANGUAGE,
            MetaField::Url => abi::ND_META_URL,
        };
        self.meta.get(&code).map(String::as_str)
    }
}

/// What an apply call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Drop(String),
    Error(String),
    Panic(String),
}

/// A plugin instance made through its C `create`, destroyed through its C `destroy`.
pub struct Instance<P: Plugin> {
    table: StaticTable,
    raw: *mut c_void,
    _plugin: std::marker::PhantomData<P>,
}

fn collect_messages(messages: &mut Vec<(String, String)>) -> NdMessageSink {
    NdMessageSink {
        ctx: std::ptr::from_mut(messages).cast(),
        emit: push_message,
    }
}

unsafe extern "C" fn push_message(ctx: *mut c_void, key: NdStr, message: NdStr) {
    // SAFETY: `ctx` is the `Vec` that `collect_messages` borrowed for this call, and the
    // strings are valid for the call per the ABI.
    unsafe {
        let messages = &mut *ctx.cast::<Vec<(String, String)>>();
        messages.push((lossy(key), lossy(message)));
    }
}

/// Copies a string the plugin sent.
///
/// # Safety
/// `s` points at `s.len` readable bytes for the call.
unsafe fn lossy(s: NdStr) -> String {
    if s.ptr.is_null() || s.len == 0 {
        return String::new();
    }
    // SAFETY: per the contract.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(s.ptr, s.len) }).into_owned()
}

/// Makes an instance of `P` from TOML config (the keys of its `[[stage]]` table), through the
/// plugin's C `create`; on failure, every message as `key: message` (or just the message).
pub fn create<P: Plugin>(config_toml: &str) -> Result<Instance<P>, Vec<String>> {
    let value: toml::Table = toml::from_str(config_toml).map_err(|e| vec![e.to_string()])?;
    let json = serde_json::to_string(&value).map_err(|e| vec![e.to_string()])?;
    let table = StaticTable::new::<P>("test", "0");
    let Some(create) = table.table().create else {
        return Err(vec!["no create".into()]);
    };
    let mut messages = Vec::new();
    let sink = collect_messages(&mut messages);
    let mut raw = std::ptr::null_mut();
    // SAFETY: the arguments are valid for the call as the ABI requires.
    let status = unsafe { create(NdStr::new(&json), &mut raw, &sink) };
    if status == abi::ND_OK && !raw.is_null() {
        Ok(Instance {
            table,
            raw,
            _plugin: std::marker::PhantomData,
        })
    } else {
        Err(messages
            .into_iter()
            .map(|(k, m)| if k.is_empty() { m } else { format!("{k}: {m}") })
            .collect())
    }
}

impl<P: Plugin> Instance<P> {
    /// Runs the plugin's C `apply` on `article`.
    pub fn apply(&self, article: &mut TestArticle) -> Outcome {
        let Some(apply) = self.table.table().apply else {
            return Outcome::Error("no apply".into());
        };
        let mut messages = Vec::new();
        let sink = collect_messages(&mut messages);
        // SAFETY: `raw` is a live instance, the host table and article are valid for the
        // call, and nothing else touches the article meanwhile.
        let status = unsafe {
            apply(
                self.raw,
                &TEST_HOST,
                std::ptr::from_mut(article).cast::<NdArticle>(),
                &sink,
            )
        };
        let text = messages
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join("; ");
        match status {
            abi::ND_CONTINUE => Outcome::Continue,
            abi::ND_DROP => Outcome::Drop(text),
            abi::ND_PANIC => Outcome::Panic(text),
            _ => Outcome::Error(text),
        }
    }
}

impl<P: Plugin> Drop for Instance<P> {
    fn drop(&mut self) {
        if let Some(destroy) = self.table.table().destroy {
            // SAFETY: `raw` came from this plugin's create and is destroyed once, here.
            unsafe { destroy(self.raw) };
        }
    }
}

/// An example of the plugin at work: a config, an article, and what should come of it.
#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    pub config: String,
    pub article: TestArticle,
    expect: Vec<Expect>,
}

#[derive(Debug, Clone)]
enum Expect {
    Tag(String),
    NoTag(String),
    Dropped(usize),
    Kept(usize),
    Meta(MetaField, String),
    ArticleDropped,
    ConfigError(String),
}

impl Example {
    pub fn new(name: &str) -> Self {
        Example {
            name: name.to_string(),
            config: String::new(),
            article: TestArticle::new(),
            expect: Vec::new(),
        }
    }

    /// The stage's config, as TOML (the keys of its `[[stage]]` table).
    pub fn config(mut self, toml: &str) -> Self {
        self.config = toml.to_string();
        self
    }

    pub fn title(mut self, title: &str) -> Self {
        self.article = self.article.title(title);
        self
    }

    /// Appends a line of body text.
    pub fn line(mut self, text: &str) -> Self {
        self.article = self.article.line(text);
        self
    }

    pub fn expect_tag(mut self, id: &str) -> Self {
        self.expect.push(Expect::Tag(id.into()));
        self
    }

    pub fn expect_no_tag(mut self, id: &str) -> Self {
        self.expect.push(Expect::NoTag(id.into()));
        self
    }

    /// Block `index` (0-based, in the order the lines were added) ends up dropped.
    pub fn expect_dropped(mut self, index: usize) -> Self {
        self.expect.push(Expect::Dropped(index));
        self
    }

    pub fn expect_kept(mut self, index: usize) -> Self {
        self.expect.push(Expect::Kept(index));
        self
    }

    pub fn expect_meta(mut self, field: MetaField, value: &str) -> Self {
        self.expect.push(Expect::Meta(field, value.into()));
        self
    }

    /// The verdict is `Drop`.
    pub fn expect_article_dropped(mut self) -> Self {
        self.expect.push(Expect::ArticleDropped);
        self
    }

    /// `create` fails with a message containing `text`.
    pub fn expect_config_error(mut self, text: &str) -> Self {
        self.expect.push(Expect::ConfigError(text.into()));
        self
    }

    /// Runs the example; `Err` says what differed.
    pub fn check<P: Plugin>(&self) -> Result<(), String> {
        let config_error = self.expect.iter().find_map(|e| match e {
            Expect::ConfigError(t) => Some(t),
            _ => None,
        });
        let instance = match (create::<P>(&self.config), config_error) {
            (Ok(_), Some(t)) => return Err(format!("expected a config error with {t:?}")),
            (Err(errors), Some(t)) if errors.iter().any(|e| e.contains(t.as_str())) => {
                return Ok(());
            }
            (Err(errors), _) => return Err(format!("config errors: {errors:?}")),
            (Ok(instance), None) => instance,
        };
        let mut article = self.article.clone();
        let outcome = instance.apply(&mut article);
        let dropped_wanted = self
            .expect
            .iter()
            .any(|e| matches!(e, Expect::ArticleDropped));
        match (&outcome, dropped_wanted) {
            (Outcome::Continue, false) | (Outcome::Drop(_), true) => {}
            _ => return Err(format!("apply returned {outcome:?}")),
        }
        for expect in &self.expect {
            let ok = match expect {
                Expect::Tag(id) => article.tags.iter().any(|t| &t.id == id),
                Expect::NoTag(id) => !article.tags.iter().any(|t| &t.id == id),
                Expect::Dropped(i) => article.blocks.get(*i).is_some_and(|b| !b.keep),
                Expect::Kept(i) => article.blocks.get(*i).is_some_and(|b| b.keep),
                Expect::Meta(field, value) => article.meta(*field) == Some(value.as_str()),
                Expect::ArticleDropped | Expect::ConfigError(_) => true,
            };
            if !ok {
                return Err(format!("expected {expect:?}, got {article:?}"));
            }
        }
        Ok(())
    }
}

/// Runs every declared example of `P`; panics listing each one that failed.
pub fn assert_examples<P: Plugin>() {
    let failures: Vec<String> = P::examples()
        .iter()
        .filter_map(|ex| ex.check::<P>().err().map(|e| format!("{}: {e}", ex.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The `Verdict` an [`Outcome`] stands for, when it is one.
pub fn verdict(outcome: &Outcome) -> Option<Verdict> {
    match outcome {
        Outcome::Continue => Some(Verdict::Continue),
        Outcome::Drop(reason) => Some(Verdict::drop(reason.clone())),
        Outcome::Error(_) | Outcome::Panic(_) => None,
    }
}

// ---- the test host: NdHostApi over a TestArticle ----

static TEST_HOST: NdHostApi = NdHostApi {
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

/// # Safety
/// `a` is the `TestArticle` passed to `apply`, alive for the call.
unsafe fn article<'a>(a: *const NdArticle) -> &'a TestArticle {
    // SAFETY: per the contract.
    unsafe { &*a.cast::<TestArticle>() }
}

/// # Safety
/// As [`article`], with no other reference to it alive.
unsafe fn article_mut<'a>(a: *mut NdArticle) -> &'a mut TestArticle {
    // SAFETY: per the contract.
    unsafe { &mut *a.cast::<TestArticle>() }
}

fn mark_str(mark: Option<&(String, String)>, reason: bool) -> NdStr {
    mark.map_or(NdStr::EMPTY, |(rule, why)| {
        NdStr::new(if reason { why } else { rule })
    })
}

unsafe extern "C" fn block_count(a: *const NdArticle) -> usize {
    // SAFETY: the plugin passes back the article of this apply call.
    unsafe { article(a) }.blocks.len()
}

unsafe extern "C" fn block_get(a: *const NdArticle, index: usize, out: *mut NdBlock) -> bool {
    // SAFETY: as in `block_count`; `out` is writable per the ABI.
    unsafe {
        let Some(b) = article(a).blocks.get(index) else {
            return false;
        };
        out.write(NdBlock {
            text: NdStr::new(&b.text),
            kind: b.kind,
            level: 0,
            keep: b.keep,
            mark_rule: mark_str(b.mark.as_ref(), false),
            mark_reason: mark_str(b.mark.as_ref(), true),
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
    // SAFETY: as in `block_count`, and `reason` is readable for the call.
    unsafe {
        let reason = lossy(reason);
        match article_mut(a).blocks.get_mut(index) {
            Some(b) => {
                b.keep = keep;
                b.mark = Some(("test".into(), reason));
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
        let a = article(a);
        let value = if field == abi::ND_META_AUTHORS {
            a.authors.get(index)
        } else {
            a.meta.get(&field)
        };
        match value {
            Some(v) => {
                out.write(NdStr::new(v));
                true
            }
            None => false,
        }
    }
}

unsafe extern "C" fn meta_set(a: *mut NdArticle, field: u32, value: *const NdStr) -> bool {
    // SAFETY: as in `block_mark`; `value` is NULL or a readable NdStr.
    unsafe {
        let a = article_mut(a);
        let value = value.as_ref().map(|v| lossy(*v));
        match (field, value) {
            (abi::ND_META_AUTHORS, Some(v)) => a.authors.push(v),
            (abi::ND_META_AUTHORS, None) => a.authors.clear(),
            (f, _) if f > abi::ND_META_URL => return false,
            (f, Some(v)) => {
                a.meta.insert(f, v);
            }
            (f, None) => {
                a.meta.remove(&f);
            }
        }
    }
    true
}

unsafe extern "C" fn tag_count(a: *const NdArticle) -> usize {
    // SAFETY: as in `block_count`.
    unsafe { article(a) }.tags.len()
}

unsafe extern "C" fn tag_get(a: *const NdArticle, index: usize, out: *mut NdTag) -> bool {
    // SAFETY: as in `block_get`.
    unsafe {
        let Some(t) = article(a).tags.get(index) else {
            return false;
        };
        let kind = t.id.split_once(':').map_or("", |(k, _)| k);
        out.write(NdTag {
            id: NdStr::new(&t.id),
            kind: NdStr::new(kind),
            label: NdStr::new(&t.label),
            count: t.count,
            rule: NdStr::new(&t.rule),
        });
    }
    true
}

unsafe extern "C" fn tag_add(a: *mut NdArticle, tag: *const NdTag) -> bool {
    // SAFETY: as in `block_mark`; `tag` is a readable NdTag with readable strings.
    unsafe {
        let Some(tag) = tag.as_ref() else {
            return false;
        };
        let id = lossy(tag.id);
        if id.is_empty() {
            return false;
        }
        let a = article_mut(a);
        match a.tags.iter_mut().find(|t| t.id == id) {
            Some(t) => t.count = t.count.saturating_add(tag.count),
            None => a.tags.push(TestTag {
                id,
                label: lossy(tag.label),
                count: tag.count,
                rule: lossy(tag.rule),
            }),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, Error};

    struct Boom;
    impl Plugin for Boom {
        type Config = crate::NoConfig;
        fn create(_: crate::NoConfig) -> Result<Self, Error> {
            Ok(Boom)
        }
        fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error> {
            if article.title() == Some("panic") {
                panic!("boom at the boundary");
            }
            article.drop_block(0, "first line")?;
            article.add_tag("topic:x", "x", 2, "always")?;
            article.set_meta(MetaField::Language, Some("en"))?;
            Ok(Verdict::Continue)
        }
    }

    #[test]
    fn a_panic_is_caught_at_the_boundary_and_reported() {
        let instance = create::<Boom>("").expect("create");
        let mut a = TestArticle::new().title("panic").line("x");
        // The message says where; the panic printed nothing (the hook only noted it).
        let Outcome::Panic(message) = instance.apply(&mut a) else {
            panic!("not reported as a panic");
        };
        assert!(
            message.starts_with("boom at the boundary (at ") && message.contains("testing.rs:"),
            "{message}"
        );
    }

    #[test]
    fn edits_reach_the_article() {
        let instance = create::<Boom>("").expect("create");
        let mut a = TestArticle::new().line("one").line("two");
        assert_eq!(instance.apply(&mut a), Outcome::Continue);
        assert!(!a.blocks[0].keep && a.blocks[1].keep);
        assert_eq!(a.tags[0].id, "topic:x");
        assert_eq!(a.meta(MetaField::Language), Some("en"));
    }

    #[test]
    fn an_unknown_key_of_no_config_is_an_error() {
        let errors = create::<Boom>("nope = 1").err().expect("must fail");
        assert_eq!(errors, vec!["nope: unknown key `nope`".to_string()]);
    }
}
