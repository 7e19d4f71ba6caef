//! One file through read and pipeline: the part of the work that `newsdrop run` and
//! `newsdrop process` share, so both give the same article for the same bytes.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use jiff::Timestamp;
use newsdrop_core::id::sha256_hex;
use newsdrop_core::{ArticleRecord, DedupStatus, Pipeline, Source, Verdict};
use newsdrop_read::{Limits, ReadError, read_article};
use serde::Serialize;

/// What one config load decides about processing; swapped as a whole on reload.
pub struct Settings {
    pub pipeline: Pipeline,
    pub limits: Limits,
    /// Add dropped blocks to the output as `removed`.
    pub with_removed: bool,
    pub max_attempts: u32,
}

/// The file facts the article starts from.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    /// Inbox subfolder, `""` for the inbox itself.
    pub folder: String,
    pub received_at: Timestamp,
}

impl Input {
    /// The article id of this file with content hash `sha256`, as [`Article::new`] gives
    /// it (see [`newsdrop_core::id::inbox_path`]).
    ///
    /// [`Article::new`]: newsdrop_core::Article::new
    pub fn article_id(&self, sha256: &str) -> String {
        newsdrop_core::article_id(
            sha256,
            &newsdrop_core::id::inbox_path(&self.folder, &self.name),
        )
    }
}

/// A finished article.
#[derive(Debug)]
pub enum Finished {
    /// The JSON to write, one line with a trailing newline; `dedup` as the dedup rule
    /// judged it (none without a dedup stage).
    Emit {
        id: String,
        json: Vec<u8>,
        dedup: Option<DedupStatus>,
    },
    /// A rule dropped the article on purpose.
    Drop { id: String, reason: String },
    /// Dedup called it a duplicate and the policy keeps it from the outbox.
    Duplicate {
        id: String,
        reason: String,
        dedup: Option<DedupStatus>,
    },
}

/// Why a file failed, for `failed/<file>.error.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The article id, when the file got as far as being hashed.
    pub id: Option<String>,
    /// `intake`, `read`, `emit`, or the pipeline stage's name.
    pub stage: String,
    /// The rule of the stage, or the step's name outside the pipeline.
    pub rule: String,
    pub message: String,
    pub panicked: bool,
}

impl Failure {
    pub fn step(step: &str, id: Option<&str>, message: impl Into<String>) -> Self {
        Failure {
            id: id.map(str::to_string),
            stage: step.to_string(),
            rule: step.to_string(),
            message: message.into(),
            panicked: false,
        }
    }
}

/// Opens a file for reading without following a symlink and without blocking on a FIFO,
/// and insists that what was opened is a regular file: a symlink dropped in a shared folder
/// must not make the daemon read (and publish) a file it can see but the producer cannot.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, meta))
}

/// Reads a whole input after checking its size on disk against the limit, so a huge file
/// fails without being read.
pub fn read_input(path: &Path, limits: &Limits) -> Result<Vec<u8>, Failure> {
    let (file, meta) =
        open_regular(path).map_err(|e| Failure::step("intake", None, e.to_string()))?;
    if meta.len() > limits.max_bytes {
        let e = ReadError::TooLarge {
            size: meta.len(),
            limit: limits.max_bytes,
        };
        return Err(Failure::step("read", None, e.to_string()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limits.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::step("read", None, e.to_string()))?;
    Ok(bytes)
}

/// Reads `bytes` as an article and runs the pipeline on it.
pub fn run_article(bytes: &[u8], input: &Input, settings: &Settings) -> Result<Finished, Failure> {
    let sha256 = sha256_hex(bytes);
    run_hashed(bytes, sha256, input, settings, |_, _| {})
}

/// As [`run_article`], with the content hash already known; `observe` sees each stage's
/// name and time.
pub fn run_hashed(
    bytes: &[u8],
    sha256: String,
    input: &Input,
    settings: &Settings,
    observe: impl FnMut(&str, std::time::Duration),
) -> Result<Finished, Failure> {
    let source = Source {
        name: input.name.clone(),
        folder: input.folder.clone(),
        size: bytes.len() as u64,
        sha256,
        received_at: input.received_at,
        encoding: String::new(),
    };
    let id = input.article_id(&source.sha256);
    let mut article = read_article(bytes, source, &settings.limits)
        .map_err(|e| Failure::step("read", Some(&id), e.to_string()))?;
    let verdict = settings.pipeline.run_observed(&mut article, observe);
    let dedup = article.dedup.as_ref().map(|d| d.status);
    match verdict {
        Ok(Verdict::Continue) => {}
        Ok(Verdict::Drop { reason }) => return Ok(Finished::Drop { id, reason }),
        Ok(Verdict::Duplicate { reason }) => {
            return Ok(Finished::Duplicate { id, reason, dedup });
        }
        Err(f) => {
            return Err(Failure {
                id: Some(id),
                stage: f.stage,
                rule: f.rule,
                message: f.message,
                panicked: f.panicked,
            });
        }
    }
    let record = ArticleRecord::from_article(&article, settings.with_removed);
    let mut json =
        serde_json::to_vec(&record).map_err(|e| Failure::step("emit", Some(&id), e.to_string()))?;
    json.push(b'\n');
    Ok(Finished::Emit { id, json, dedup })
}
