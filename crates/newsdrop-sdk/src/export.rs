//! What `export_plugin!` expands to: the plugin's ABI table and the `extern "C"` functions
//! in it, generic over the [`Plugin`] type. Each one catches every panic (a panic crossing
//! `extern "C"` aborts the process) and turns it into [`ND_PANIC`] with the panic's message
//! and where it happened. Such a panic prints nothing: the host reports it with the article
//! (a plugin's own copy of the standard library would print it to stderr, in no format the
//! host's logs know, between the lines of its JSON log). Not a public API: only the macro
//! uses it.
#![allow(unsafe_code)] // the C side of the boundary: raw pointers from the host

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use newsdrop_abi::{
    ND_CONTINUE, ND_DROP, ND_ERROR, ND_OK, ND_PANIC, NdArticle, NdHostApi, NdMessageSink, NdPlugin,
    NdStr, current_header,
};

use crate::{Article, Error, Plugin, Verdict};

/// The plugin's table in a `static`: raw pointers are not `Sync`, but these point at
/// string literals and functions, which are immutable and live as long as the library.
pub struct StaticTable(NdPlugin);

// SAFETY: the table is never mutated and only holds pointers to 'static string literals and
// to functions, which any thread may read or call.
unsafe impl Sync for StaticTable {}

impl StaticTable {
    pub const fn new<P: Plugin>(name: &'static str, version: &'static str) -> StaticTable {
        StaticTable(NdPlugin {
            header: current_header(),
            name: NdStr::new(name),
            version: NdStr::new(version),
            create: Some(create::<P>),
            apply: Some(apply::<P>),
            destroy: Some(destroy::<P>),
        })
    }

    /// The same table reporting another ABI major version: only for testing the host's
    /// version check (a plugin never needs it).
    pub const fn with_abi_major(mut self, major: u32) -> StaticTable {
        self.0.header.abi_major = major;
        self
    }

    pub const fn as_ptr(&'static self) -> *const NdPlugin {
        &self.0
    }

    pub fn table(&self) -> &NdPlugin {
        &self.0
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

thread_local! {
    /// Whether this thread is inside a call from the host ([`caught`]).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic inside a call happened (`file:line:column`).
    static PANICKED_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Puts a hook before the panic hook there was, once: a panic inside a call from the host
/// is only noted ([`PANICKED_AT`]); any other (a thread the plugin started, a failing unit
/// test of the plugin) goes to the hook that was there, which prints it.
fn quiet_inside_calls() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if INSIDE.get() {
                let at = info.location().map(ToString::to_string);
                PANICKED_AT.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, a call from the host, catching its panic: `Err` holds the panic's message and
/// where it happened (`… (at src/lib.rs:12:9)`).
fn caught<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    quiet_inside_calls();
    let outer = INSIDE.replace(true);
    let outcome = catch_unwind(AssertUnwindSafe(f));
    INSIDE.set(outer);
    outcome.map_err(|payload| {
        let message = panic_message(payload.as_ref());
        match PANICKED_AT.with(|p| p.borrow_mut().take()) {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
}

/// Sends one message to the host's sink (which copies it).
///
/// # Safety
/// `sink` is NULL or points at a valid sink for the duration of the call.
unsafe fn send(sink: *const NdMessageSink, key: &str, message: &str) {
    // SAFETY: per the contract, `sink` is NULL or valid.
    if let Some(sink) = unsafe { sink.as_ref() } {
        // SAFETY: the sink's `emit` takes its own `ctx` and borrowed strings.
        unsafe { (sink.emit)(sink.ctx, NdStr::new(key), NdStr::new(message)) };
    }
}

/// Borrows a string the host passed in (the config JSON).
///
/// # Safety
/// `s` points at `s.len` readable bytes for the duration of the call.
unsafe fn borrowed_bytes<'a>(s: NdStr) -> &'a [u8] {
    if s.ptr.is_null() || s.len == 0 {
        return &[];
    }
    // SAFETY: per the contract.
    unsafe { std::slice::from_raw_parts(s.ptr, s.len) }
}

/// `NdPlugin::create`: decodes the config, makes the plugin, boxes it.
///
/// # Safety
/// Called by the host per the ABI: `config_json` readable, `instance` writable, `errors`
/// NULL or a valid sink.
pub unsafe extern "C" fn create<P: Plugin>(
    config_json: NdStr,
    instance: *mut *mut c_void,
    errors: *const NdMessageSink,
) -> i32 {
    // SAFETY: the host passes readable bytes for the call.
    let bytes = unsafe { borrowed_bytes(config_json) };
    let outcome = caught(|| {
        let json = std::str::from_utf8(bytes)
            .map_err(|e| vec![Error::new(format!("config is not UTF-8: {e}"))])?;
        let config = crate::config::decode::<P::Config>(json)?;
        P::create(config).map_err(|e| vec![e])
    });
    match outcome {
        Ok(Ok(plugin)) => {
            if instance.is_null() {
                return ND_ERROR;
            }
            let boxed = Box::into_raw(Box::new(plugin)).cast::<c_void>();
            // SAFETY: `instance` is non-null and writable per the ABI.
            unsafe { instance.write(boxed) };
            ND_OK
        }
        Ok(Err(problems)) => {
            for e in problems {
                // SAFETY: `errors` is NULL or valid per the ABI.
                unsafe { send(errors, e.key().unwrap_or_default(), e.message()) };
            }
            ND_ERROR
        }
        Err(panic) => {
            // SAFETY: as above.
            unsafe { send(errors, "", &panic) };
            ND_PANIC
        }
    }
}

/// `NdPlugin::apply`: runs the plugin on one article.
///
/// # Safety
/// Called by the host per the ABI: `instance` from this plugin's `create` and not destroyed,
/// `host` and `article` valid for the call, `message` NULL or a valid sink.
pub unsafe extern "C" fn apply<P: Plugin>(
    instance: *mut c_void,
    host: *const NdHostApi,
    article: *mut NdArticle,
    message: *const NdMessageSink,
) -> i32 {
    if instance.is_null() || article.is_null() {
        return ND_ERROR;
    }
    // SAFETY: `host` is NULL or the host's table, valid for the call.
    let Some(host) = (unsafe { host.as_ref() }) else {
        return ND_ERROR;
    };
    let outcome = caught(|| {
        // SAFETY: `instance` came from `create::<P>` (a boxed P) and is alive; apply only
        // takes `&P`, which `P: Sync` makes fine from several threads at once.
        let plugin = unsafe { &*instance.cast::<P>() };
        // SAFETY: `host` and `article` belong to this call and nothing else wraps them.
        let mut article = unsafe { Article::from_raw(host, article) };
        plugin.apply(&mut article)
    });
    let (status, key, text) = match outcome {
        Ok(Ok(Verdict::Continue)) => return ND_CONTINUE,
        Ok(Ok(Verdict::Drop { reason })) => (ND_DROP, String::new(), reason),
        Ok(Err(e)) => (
            ND_ERROR,
            e.key().unwrap_or_default().to_string(),
            e.message().to_string(),
        ),
        Err(panic) => (ND_PANIC, String::new(), panic),
    };
    // SAFETY: `message` is NULL or valid per the ABI.
    unsafe { send(message, &key, &text) };
    status
}

/// `NdPlugin::destroy`: drops the boxed plugin.
///
/// # Safety
/// `instance` came from `create::<P>` and no `apply` on it runs or will run.
pub unsafe extern "C" fn destroy<P: Plugin>(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // A panicking Drop must not unwind into the host; there is no one to tell, so it is
    // swallowed (the hook that was there prints it: the plugin's last word).
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the contract, this is the Box made by `create::<P>`, freed once.
        drop(unsafe { Box::from_raw(instance.cast::<P>()) });
    }));
}
