//! The heart of newsdrop with no IO: the [`Article`] that flows through the pipeline, the
//! [`Stage`] trait every rule implements (built in or plugin), the synchronous [`Pipeline`]
//! that runs stages in order and turns a panic into a failure of that article only, the
//! output record with its JSON Schema, the config types with their validation, and the
//! traits through which rules use persistent state (the dedup index, the line memory).
//!
//! Everything that touches the filesystem, the network or a database lives in other crates;
//! this one is the shared vocabulary they speak.

pub mod article;
pub mod config;
pub mod id;
pub mod output;
pub mod pipeline;
pub mod stage;
pub mod state;

pub use article::{
    Article, Block, BlockKind, DedupStatus, DedupVerdict, DomHints, Format, Mark, Meta, Page,
    Scratch, Source, Tag,
};
pub use config::{Config, ConfigError, ConfigErrors, InvalidConfig, LoadedConfig, StageSpec};
pub use id::article_id;
pub use output::{ArticleRecord, SCHEMA_VERSION};
pub use pipeline::{Pipeline, PipelineStage, StageFailure};
pub use stage::{Stage, StageError, Verdict};
pub use state::{
    Candidate, DedupIndex, Fingerprint, IndexParams, LineMemory, Lookup, State, StateError,
};
