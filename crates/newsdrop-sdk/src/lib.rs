//! The newsdrop plugin SDK: everything a rule author depends on to write a plugin in safe
//! Rust — the [`Plugin`] trait, [`Article`] handles to read and edit one article, an opaque
//! [`Error`], and [`export_plugin!`], which writes the C entry point and stops every panic at
//! the boundary. No tokio, no notify: a plugin's dependency tree stays small (a test checks).
//!
//! # A complete plugin
//! ```
//! use newsdrop_sdk::{Article, Error, Example, Plugin, Verdict, export_plugin};
//!
//! /// Drops articles whose title contains a configured word.
//! struct Veto {
//!     word: String,
//! }
//!
//! /// The keys of the plugin's `[[stage]]` table (besides `rule` and `name`).
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     word: String,
//! }
//!
//! impl Plugin for Veto {
//!     type Config = Config;
//!
//!     fn create(config: Config) -> Result<Self, Error> {
//!         if config.word.is_empty() {
//!             return Err(Error::at_key("word", "must not be empty"));
//!         }
//!         Ok(Veto { word: config.word.to_lowercase() })
//!     }
//!
//!     fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error> {
//!         let title = article.title().unwrap_or_default().to_lowercase();
//!         Ok(if title.contains(&self.word) {
//!             Verdict::drop(format!("title mentions {}", self.word))
//!         } else {
//!             Verdict::Continue
//!         })
//!     }
//!
//!     fn examples() -> Vec<Example> {
//!         vec![
//!             Example::new("a vetoed title drops the article")
//!                 .config(r#"word = "horoscope""#)
//!                 .title("Your horoscope for Tuesday")
//!                 .expect_article_dropped(),
//!             Example::new("an empty word is a config error")
//!                 .config(r#"word = """#)
//!                 .expect_config_error("must not be empty"),
//!         ]
//!     }
//! }
//!
//! export_plugin!(Veto);
//! # fn main() { newsdrop_sdk::testing::assert_examples::<Veto>(); }
//! ```
//! Built as a `cdylib`, it is named in the daemon's config like any rule:
//! ```toml
//! [[stage]]
//! rule = "plugin:plugins/libveto.so"
//! word = "horoscope"
//! ```
//! `export_plugin!` also adds a unit test that runs the declared [`Plugin::examples`] through
//! the same C boundary the daemon uses, so `cargo test` checks them without a daemon.

mod article;
mod config;
mod error;
#[doc(hidden)]
pub mod export;
pub mod testing;

pub use article::{Article, Block, BlockKind, MetaField, Tag};
pub use error::Error;
pub use newsdrop_abi as abi;
pub use testing::Example;

/// What a plugin decided for the whole article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on with the next stage.
    Continue,
    /// Do not emit the article; the input is archived and the reason recorded.
    Drop { reason: String },
}

impl Verdict {
    pub fn drop(reason: impl Into<String>) -> Verdict {
        Verdict::Drop {
            reason: reason.into(),
        }
    }
}

/// A rule, as a plugin implements it. One instance is made per `[[stage]]` from its config
/// and shared by every worker thread, hence `Send + Sync`: `apply` may run concurrently.
pub trait Plugin: Sized + Send + Sync + 'static {
    /// The stage's config: every key of its `[[stage]]` table other than `rule` and `name`.
    /// Unknown keys are reported as errors, like those of built-in rules.
    type Config: serde::de::DeserializeOwned;

    /// Checks the config and makes the rule; an error stops `newsdrop check` and start-up.
    fn create(config: Self::Config) -> Result<Self, Error>;

    /// Reads and edits one article. An error or a panic fails this article only.
    fn apply(&self, article: &mut Article<'_>) -> Result<Verdict, Error>;

    /// Examples of the plugin at work, run as unit tests by `export_plugin!`.
    fn examples() -> Vec<Example> {
        Vec::new()
    }
}

/// The config of a plugin that takes none: any key is an error.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoConfig {}

/// Exports `$plugin` (a type implementing [`Plugin`]) as a newsdrop plugin: writes the C
/// entry symbol and its table (name and version from `Cargo.toml`), every call wrapped so
/// that a panic becomes an error, and a unit test running the plugin's examples.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        static NEWSDROP_PLUGIN_TABLE: $crate::export::StaticTable =
            $crate::export::StaticTable::new::<$plugin>(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            );

        /// The plugin's entry symbol: its ABI table.
        #[unsafe(no_mangle)]
        pub extern "C" fn newsdrop_plugin_entry() -> *const $crate::abi::NdPlugin {
            NEWSDROP_PLUGIN_TABLE.as_ptr()
        }

        /// The declared examples, run through the C boundary as the daemon would.
        #[cfg(test)]
        #[test]
        fn newsdrop_declared_examples() {
            $crate::testing::assert_examples::<$plugin>();
        }
    };
}
