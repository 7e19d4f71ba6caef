//! Integration tests: the real `newsdrop` binary, run against temp folders.

mod util;

mod cli;
mod daemon;
mod dedup;
mod ops;
mod plugins;
#[cfg(feature = "postgres")]
mod postgres;
mod recovery;
mod schema;
mod soak;
