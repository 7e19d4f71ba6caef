//! The built-in rules, registered by name, and the builder that turns `[[stage]]` tables
//! into a [`Pipeline`].
//!
//! Each rule lives in its own folder with its own config type. A rule's config is every key
//! of its `[[stage]]` table other than `rule` and `name`; it is decoded through
//! [`RuleContext::decode`], so a typo in a rule's key is reported with file, line and key
//! like any other config error. Rules named `plugin:PATH` are built by a loader the binary
//! registers (the plugin host), so this crate knows nothing of shared libraries.

pub mod boilerplate;
pub mod dedup;
pub mod metadata;
pub mod stopwords;
pub mod tagging;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use newsdrop_core::config::{KeyLines, decode};
use newsdrop_core::{
    ConfigError, ConfigErrors, LoadedConfig, Pipeline, PipelineStage, Stage, StageSpec, State,
};
use serde::de::DeserializeOwned;

/// What a rule factory gets besides its spec: where to report errors and resolve paths.
pub struct RuleContext<'a> {
    /// `stage[i]`, the prefix of this stage's keys in error messages.
    pub key_prefix: String,
    pub lines: &'a KeyLines,
    /// Folder that the rule's relative paths resolve against (the config file's).
    pub base_dir: &'a Path,
    /// The store's state (dedup index, line memory), for rules that remember across
    /// articles; the same for every pipeline built over one store, so a reload keeps it.
    pub state: Option<&'a Arc<dyn State>>,
}

impl RuleContext<'_> {
    /// Decodes the stage's options into the rule's config type, every error located.
    pub fn decode<T: DeserializeOwned>(&self, spec: &StageSpec) -> Result<T, Vec<ConfigError>> {
        decode(
            toml::Value::Table(spec.options.clone()),
            &self.key_prefix,
            self.lines,
        )
    }

    /// An error about one of this stage's keys.
    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        let full = if key.is_empty() {
            self.key_prefix.clone()
        } else {
            format!("{}.{key}", self.key_prefix)
        };
        self.lines.error(&full, message)
    }

    /// `path` resolved against the config file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// Builds a rule from its spec.
pub type Factory = fn(&StageSpec, &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>>;

/// Builds a `plugin:PATH` stage; PATH is already resolved against the config's folder.
pub type PluginLoader = Box<
    dyn Fn(&Path, &StageSpec, &RuleContext<'_>) -> Result<Box<dyn Stage>, Vec<ConfigError>>
        + Send
        + Sync,
>;

/// Rule names and the factories that build them.
pub struct Registry {
    builtins: BTreeMap<&'static str, Factory>,
    plugins: Option<PluginLoader>,
}

impl Registry {
    /// Every built-in rule.
    pub fn builtin() -> Self {
        let mut builtins: BTreeMap<&'static str, Factory> = BTreeMap::new();
        builtins.insert("metadata", metadata::create);
        builtins.insert("boilerplate", boilerplate::create);
        builtins.insert("tagging", tagging::create);
        builtins.insert("dedup", dedup::create);
        Registry {
            builtins,
            plugins: None,
        }
    }

    /// Lets `plugin:PATH` stages be built by `loader`.
    pub fn with_plugin_loader(mut self, loader: PluginLoader) -> Self {
        self.plugins = Some(loader);
        self
    }

    /// Names of the built-in rules.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.builtins.keys().copied()
    }

    /// Builds every stage of `config` without state: rules that need it (dedup) report a
    /// config error. See [`Registry::build_with_state`].
    pub fn build(&self, config: &LoadedConfig) -> Result<Pipeline, ConfigErrors> {
        self.build_with_state(config, None)
    }

    /// Builds every stage of `config`, reporting every error of every stage at once; rules
    /// that remember across articles use `state`.
    pub fn build_with_state(
        &self,
        config: &LoadedConfig,
        state: Option<&Arc<dyn State>>,
    ) -> Result<Pipeline, ConfigErrors> {
        let mut stages = Vec::new();
        let mut errors = Vec::new();
        for (i, spec) in config.config.stages.iter().enumerate() {
            let cx = RuleContext {
                key_prefix: format!("stage[{i}]"),
                lines: &config.lines,
                base_dir: &config.base_dir,
                state,
            };
            match self.build_stage(spec, &cx) {
                Ok(stage) => stages.push(PipelineStage {
                    name: spec.display_name().to_string(),
                    rule: spec.rule.clone(),
                    stage,
                }),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Pipeline::new(stages))
        } else {
            Err(ConfigErrors(errors))
        }
    }

    fn build_stage(
        &self,
        spec: &StageSpec,
        cx: &RuleContext<'_>,
    ) -> Result<Box<dyn Stage>, Vec<ConfigError>> {
        if let Some(path) = spec.rule.strip_prefix("plugin:") {
            return match &self.plugins {
                Some(load) => load(&cx.resolve(Path::new(path)), spec, cx),
                None => Err(vec![
                    cx.error("rule", "plugins are not supported by this build"),
                ]),
            };
        }
        match self.builtins.get(spec.rule.as_str()) {
            Some(factory) => factory(spec, cx),
            None => {
                let known: Vec<&str> = self.names().collect();
                Err(vec![cx.error(
                    "rule",
                    format!(
                        "unknown rule `{}`: expected one of {} or plugin:PATH",
                        spec.rule,
                        known.join(", ")
                    ),
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pipeline_builds_with_state_and_dedup_needs_it() {
        let config = LoadedConfig::embedded(Path::new("."));
        let state: Arc<dyn State> = Arc::new(newsdrop_store::Store::in_memory().expect("store"));
        let pipeline = Registry::builtin()
            .build_with_state(&config, Some(&state))
            .expect("default pipeline");
        assert_eq!(pipeline.stages().len(), config.config.stages.len());
        let errors = Registry::builtin()
            .build(&config)
            .err()
            .expect("dedup without state")
            .0;
        assert!(errors[0].message.contains("needs the store"), "{errors:?}");
    }

    #[test]
    fn an_index_of_another_fingerprint_scheme_is_refused_by_name() {
        let config = LoadedConfig::embedded(Path::new("."));
        let store = newsdrop_store::Store::in_memory().expect("store");
        let old = newsdrop_core::IndexParams {
            scheme: "nd-words-fnv1a-v1".to_string(),
            seed: 0,
            shingle: 4,
            sampling: 12,
        };
        store
            .dedup_index(&old, None)
            .expect("an index of the old scheme");
        let state: Arc<dyn State> = Arc::new(store);
        let errors = Registry::builtin()
            .build_with_state(&config, Some(&state))
            .err()
            .expect("refused")
            .0;
        let message = &errors[0].message;
        assert!(
            message.contains("fingerprint scheme nd-words-fnv1a-v1")
                && message.contains("another state folder"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_rule_and_a_bad_rule_key_are_both_reported_with_lines() {
        let src =
            "[[stage]]\nrule = \"boilerplat\"\n\n[[stage]]\nrule = \"metadata\"\nbogus_key = 1\n";
        let config = LoadedConfig::parse(src, Path::new("cfg.toml"))
            .map_err(|e| e.errors)
            .expect("parses");
        let errors = Registry::builtin()
            .build(&config)
            .err()
            .expect("must fail")
            .0;
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(got, vec![(2, "stage[0].rule"), (6, "stage[1].bogus_key")]);
        assert!(errors[0].message.contains("unknown rule `boilerplat`"));
    }
}
