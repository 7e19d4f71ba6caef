//! The plugin host: loads a rule plugin (a shared library), checks the ABI handshake before
//! calling anything else, and wraps the plugin's table as a [`Stage`](newsdrop_core::Stage).
//! The only host crate with `unsafe`; everything past it sees an ordinary stage.
//!
//! Architecture invariants:
//! - A library is never unloaded while a stage from it can run: each [`PluginStage`] owns an
//!   `Arc` of its library, dropped only after the plugin's `destroy`.
//! - A rebuilt plugin file is a new library: every load maps a private copy of the file
//!   (dlopen would hand back the already-loaded library for the same path), and an unchanged
//!   file (same inode, size, mtime) reuses the library still loaded from it.
//! - No Rust type crosses the boundary, and nothing the plugin allocates is freed here.

mod call;
mod load;
mod stage;

pub use load::{LoadError, Loaded, PluginInfo, load_library};
pub use stage::PluginStage;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use newsdrop_core::{ConfigError, Stage, StageSpec};
use newsdrop_rules::{PluginLoader, RuleContext};

/// The loader to hand to `Registry::with_plugin_loader`. It keeps the libraries it loaded
/// (weakly) so that a reload with an unchanged plugin file reuses the loaded library.
pub fn loader() -> PluginLoader {
    let host = Host::default();
    Box::new(move |path, spec, cx| host.build(path, spec, cx))
}

/// Libraries loaded so far, by path, with the file stamp they were loaded from.
#[derive(Default)]
pub struct Host {
    loaded: Mutex<HashMap<PathBuf, Weak<Loaded>>>,
}

impl Host {
    /// Loads `path` (or reuses the library loaded from the same unchanged file).
    pub fn library(&self, path: &Path) -> Result<Arc<Loaded>, LoadError> {
        let stamp = load::FileStamp::of(path)?;
        let mut loaded = match self.loaded.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(lib) = loaded.get(path).and_then(Weak::upgrade)
            && lib.stamp == stamp
        {
            return Ok(lib);
        }
        loaded.retain(|_, weak| weak.strong_count() > 0);
        let lib = Arc::new(load_library(path, stamp)?);
        loaded.insert(path.to_path_buf(), Arc::downgrade(&lib));
        Ok(lib)
    }

    /// Builds the `plugin:PATH` stage of `spec`: load, handshake, `create` with its config.
    pub fn build(
        &self,
        path: &Path,
        spec: &StageSpec,
        cx: &RuleContext<'_>,
    ) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
        let lib = self
            .library(path)
            .map_err(|e| vec![cx.error("rule", e.to_string())])?;
        let config = config_json(&spec.options);
        let mark_rule = spec.name.clone().unwrap_or_else(|| lib.info.name.clone());
        PluginStage::create(lib, &config, mark_rule)
            .map(|stage| Box::new(stage) as Box<dyn Stage>)
            .map_err(|(info, problems)| {
                problems
                    .into_iter()
                    .map(|(key, message)| {
                        let message = format!("plugin {} {}: {message}", info.name, info.version);
                        if key.is_empty() {
                            cx.error("", message)
                        } else {
                            cx.error(&key, message)
                        }
                    })
                    .collect()
            })
    }
}

/// Fuzzing only (`cargo fuzz` builds with `--cfg fuzzing`): `f` gets the host's function
/// table and `article` as a plugin's `apply` does, so `fuzz/` can drive the SDK's article
/// view over the real host without a shared library.
#[cfg(fuzzing)]
pub fn with_plugin_view<R>(
    article: &mut newsdrop_core::Article,
    rule: &str,
    f: impl FnOnce(&'static newsdrop_abi::NdHostApi, *mut newsdrop_abi::NdArticle) -> R,
) -> R {
    let mut call = call::Call { article, rule };
    f(&call::HOST_API, std::ptr::from_mut(&mut call).cast())
}

/// The stage's options as the JSON object the plugin receives.
pub fn config_json(options: &toml::Table) -> String {
    serde_json::Value::Object(
        options
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
    )
    .to_string()
}

fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_becomes_a_json_object_with_dates_as_strings() {
        let table: toml::Table = toml::from_str(
            "threshold = 0.8\nsince = 2024-09-20\n[keywords]\n\"topic:x\" = [\"a\"]\n",
        )
        .expect("toml");
        let json: serde_json::Value = serde_json::from_str(&config_json(&table)).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"threshold": 0.8, "since": "2024-09-20", "keywords": {"topic:x": ["a"]}})
        );
    }
}
