//! The newsdrop daemon: intake (watch + scan + settle + claim), a worker pool running the
//! pipeline, a committer that emits and commits in crash-safe order, start-up recovery,
//! reload on SIGHUP and draining shutdown on SIGTERM; plus `process`, the same per-file
//! work run once over given files.
//!
//! Data flow: inbox → (claim: rename) → work/ → worker (ledger attempt, read, pipeline,
//! temp output) → committer (publish outputs, error records, ledger commit) → archive/ or
//! failed/. See ARCHITECTURE.md for the invariants.

pub mod article;
mod commit;
pub mod health;
mod http;
pub mod intake;
pub mod layout;
pub mod metrics;
pub mod names;
mod outage;
pub mod process;
pub mod progress;
mod recover;
pub mod run;
mod sink;
mod systemd;
mod worker;

pub use article::Settings;
pub use run::{DaemonError, build_settings, load, read_config, run};
