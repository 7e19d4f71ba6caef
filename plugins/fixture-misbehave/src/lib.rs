//! `fixture-misbehave`: a plugin that goes wrong on purpose, for the failure tests (not an
//! example to follow). Its config picks how, per article whose title or body contains
//! `trigger` (every article when `trigger` is empty):
//! - `mode = "ok"` does nothing (the benchmark's do-nothing stage);
//! - `"panic"` panics, `"error"` returns an error, `"drop"` drops the article;
//! - `"slow"` sleeps `sleep_ms` first;
//! - `"fail-create"` fails in `create`.
//!
//! A wrong ABI version cannot be chosen by the stage config, since the host checks the
//! version before it calls anything (config goes to `create`); so the environment variable
//! `NEWSDROP_FIXTURE_ABI_MAJOR=2` makes its entry symbol report ABI 2.0.

use std::time::Duration;

use newsdrop_sdk::abi::NdPlugin;
use newsdrop_sdk::export::StaticTable;
use newsdrop_sdk::{Article, Error, Example, Plugin, Verdict};

#[derive(serde::Deserialize)]
pub struct Config {
    pub mode: String,
    #[serde(default)]
    pub trigger: String,
    #[serde(default)]
    pub sleep_ms: u64,
}

pub struct Misbehave {
    config: Config,
}

impl Plugin for Misbehave {
    type Config = Config;

    fn create(config: Config) -> Result<Self, Error> {
        match config.mode.as_str() {
            "ok" | "panic" | "error" | "drop" | "slow" => Ok(Misbehave { config }),
            "fail-create" => Err(Error::at_key("mode", "asked to fail in create")),
            other => Err(Error::at_key("mode", format!("unknown mode `{other}`"))),
        }
    }

    fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error> {
        let c = &self.config;
        if c.mode == "ok" {
            return Ok(Verdict::Continue);
        }
        let triggered = c.trigger.is_empty()
            || article.title().is_some_and(|t| t.contains(&c.trigger))
            || article.blocks().any(|b| b.text.contains(&c.trigger));
        if !triggered {
            return Ok(Verdict::Continue);
        }
        match c.mode.as_str() {
            "panic" => panic!("fixture-misbehave was asked to panic"),
            "error" => Err(Error::new("fixture-misbehave was asked to fail")),
            "drop" => Ok(Verdict::drop("fixture-misbehave was asked to drop")),
            _ => {
                std::thread::sleep(Duration::from_millis(c.sleep_ms));
                Ok(Verdict::Continue)
            }
        }
    }

    fn examples() -> Vec<Example> {
        vec![
            Example::new("ok does nothing")
                .config(r#"mode = "ok""#)
                .line("x")
                .expect_kept(0),
            Example::new("drop drops the article")
                .config(r#"mode = "drop""#)
                .line("x")
                .expect_article_dropped(),
            Example::new("an unknown mode is a config error")
                .config(r#"mode = "sulk""#)
                .expect_config_error("unknown mode"),
        ]
    }
}

static TABLE: StaticTable =
    StaticTable::new::<Misbehave>(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
static WRONG_ABI: StaticTable =
    StaticTable::new::<Misbehave>(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .with_abi_major(2);

/// The entry symbol, written by hand instead of by `export_plugin!` so that the reported ABI
/// version can be wrong on demand (`NEWSDROP_FIXTURE_ABI_MAJOR=2`).
#[allow(unsafe_code)] // `no_mangle` is all: the one exported symbol of the ABI
#[unsafe(no_mangle)]
pub extern "C" fn newsdrop_plugin_entry() -> *const NdPlugin {
    if std::env::var_os("NEWSDROP_FIXTURE_ABI_MAJOR").is_some_and(|v| v == "2") {
        WRONG_ABI.as_ptr()
    } else {
        TABLE.as_ptr()
    }
}

#[cfg(test)]
#[test]
fn declared_examples() {
    newsdrop_sdk::testing::assert_examples::<Misbehave>();
}
