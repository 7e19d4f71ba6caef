//! A plugin instance as a pipeline [`Stage`]: `create` at config load, `apply` per article,
//! `destroy` when the pipeline is dropped (after a reload, or at exit), then the library's
//! `Arc` is released.
#![allow(unsafe_code)] // calls the plugin's C functions with the instance it made

use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use newsdrop_abi::{
    ND_CONTINUE, ND_DROP, ND_ERROR, ND_OK, ND_PANIC, NdApplyFn, NdArticle, NdMessageSink, NdStr,
};
use newsdrop_core::{Article, Stage, StageError, Verdict};

use crate::call::{Call, HOST_API, collect_messages};
use crate::{Loaded, PluginInfo};

/// One configured plugin stage.
pub struct PluginStage {
    instance: *mut c_void,
    apply: NdApplyFn,
    /// The rule name marks and tags record (the stage's `name`, or the plugin's).
    rule: String,
    /// Set when `apply` panicked: the instance may be broken (see [`Stage::poisoned`]).
    panicked: AtomicBool,
    /// Last: the library outlives the instance (see `Drop`).
    library: Arc<Loaded>,
}

// SAFETY: the ABI requires a plugin instance to be usable from any thread, and `apply` to be
// callable concurrently (Rust plugins: `Plugin: Send + Sync`).
unsafe impl Send for PluginStage {}
// SAFETY: as above.
unsafe impl Sync for PluginStage {}

impl PluginStage {
    /// Makes an instance from `config_json`; on failure, the plugin's info and every
    /// (key, message) it reported.
    pub fn create(
        library: Arc<Loaded>,
        config_json: &str,
        rule: String,
    ) -> Result<PluginStage, (PluginInfo, Vec<(String, String)>)> {
        let fail = |problems| Err((library.info.clone(), problems));
        let (Some(create), Some(apply)) = (library.table.create, library.table.apply) else {
            return fail(vec![(
                String::new(),
                "table without create or apply".into(),
            )]);
        };
        let mut messages = Vec::new();
        let sink = collect_messages(&mut messages);
        let mut instance = std::ptr::null_mut();
        // SAFETY: the handshake passed; the config and sink outlive the call, and `instance`
        // is a writable out-pointer.
        let status = unsafe { create(NdStr::new(config_json), &mut instance, &sink) };
        match status {
            ND_OK if !instance.is_null() => Ok(PluginStage {
                instance,
                apply,
                rule,
                panicked: AtomicBool::new(false),
                library,
            }),
            _ => {
                if messages.is_empty() {
                    messages.push((String::new(), format!("create failed with status {status}")));
                } else if status == ND_PANIC {
                    for (_, m) in &mut messages {
                        *m = format!("panicked: {m}");
                    }
                }
                fail(messages)
            }
        }
    }

    pub fn info(&self) -> &PluginInfo {
        &self.library.info
    }
}

impl Stage for PluginStage {
    fn apply(&self, article: &mut Article) -> Result<Verdict, StageError> {
        let mut messages = Vec::new();
        let sink: NdMessageSink = collect_messages(&mut messages);
        let mut call = Call {
            article,
            rule: &self.rule,
        };
        // SAFETY: `instance` is alive (destroyed only in Drop, which cannot run while
        // `&self` is borrowed); the host table is static; `call` is the article context the
        // host callbacks expect, alive and not otherwise touched until the call returns.
        let status = unsafe {
            (self.apply)(
                self.instance,
                &HOST_API,
                std::ptr::from_mut(&mut call).cast::<NdArticle>(),
                &sink,
            )
        };
        let info = &self.library.info;
        let text = messages
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join("; ");
        match status {
            ND_CONTINUE => Ok(Verdict::Continue),
            ND_DROP => Ok(Verdict::Drop { reason: text }),
            // The pipeline's panic boundary records it as a panic of this stage.
            ND_PANIC => {
                self.panicked.store(true, Ordering::Relaxed);
                std::panic::resume_unwind(Box::new(format!(
                    "plugin {} {}: {text}",
                    info.name, info.version
                )))
            }
            ND_ERROR => Err(StageError::new(format!(
                "plugin {} {}: {text}",
                info.name, info.version
            ))),
            other => Err(StageError::new(format!(
                "plugin {} {}: unknown status {other} {text}",
                info.name, info.version
            ))),
        }
    }

    fn describe(&self) -> String {
        let info = &self.library.info;
        format!(
            "plugin {} {} (ABI {}.{})",
            info.name, info.version, info.abi_major, info.abi_minor
        )
    }

    fn poisoned(&self) -> bool {
        self.panicked.load(Ordering::Relaxed)
    }
}

impl Drop for PluginStage {
    fn drop(&mut self) {
        if let Some(destroy) = self.library.table.destroy {
            // SAFETY: the instance came from this library's create, is destroyed once, here,
            // and no apply can run (we have `&mut self`); the library is still loaded since
            // `self.library` is dropped after this.
            unsafe { destroy(self.instance) };
        }
    }
}
