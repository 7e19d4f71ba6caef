//! Persistent state that rules may use: the dedup index and the line-frequency memory.
//!
//! Rules see state only through these traits, handed to their factories by the registry; the
//! store crate implements them (SQLite, PostgreSQL), so a rule never knows where
//! its memory lives. Two principles shape the interface:
//! - the *decision* stays in the rule (it knows what "similar" means), the *atomicity* in the
//!   store: [`DedupIndex::resolve`] looks up and inserts as one step, calling the rule's
//!   judge in between, so two workers that see the same story at once cannot both call it
//!   unique, whatever the backend does to guarantee that (a mutex, a database lock);
//! - everything that decides what the fingerprints mean ([`IndexParams`]) is stored with the
//!   index, and an index built with other parameters is refused rather than silently mixed.

use std::sync::Arc;

use crate::DedupVerdict;

/// What decides the meaning of the fingerprints in an index; stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexParams {
    /// The fingerprinting scheme (normalisation, tokeniser, hash function), with its version.
    pub scheme: String,
    /// Seed of the shingle hash.
    pub seed: u64,
    /// Words per shingle.
    pub shingle: u32,
    /// One shingle in `sampling` (by hash value) is an index key.
    pub sampling: u32,
}

impl IndexParams {
    /// The parameters as one line, as stored and as shown in a mismatch message.
    pub fn describe(&self) -> String {
        format!(
            "scheme={} seed={:#x} shingle={} sampling={}",
            self.scheme, self.seed, self.shingle, self.sampling
        )
    }

    /// The parameters [`Self::describe`] wrote, or `None` for a line it cannot have written.
    pub fn parse(line: &str) -> Option<Self> {
        let mut fields = line.split(' ').map(|f| f.split_once('='));
        let mut next = |name: &str| match fields.next()? {
            Some((key, value)) if key == name => Some(value),
            _ => None,
        };
        let params = IndexParams {
            scheme: next("scheme")?.to_string(),
            seed: u64::from_str_radix(next("seed")?.strip_prefix("0x")?, 16).ok()?,
            shingle: next("shingle")?.parse().ok()?,
            sampling: next("sampling")?.parse().ok()?,
        };
        (fields.next().is_none() && params.describe() == line).then_some(params)
    }
}

/// One article as the dedup index keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    /// The article id.
    pub id: String,
    /// Hash of the normalised text (the exact path); `None` when there is no text.
    pub exact: Option<u64>,
    /// Every shingle hash of the text, sorted, without repeats: what candidates are verified on.
    pub shingles: Vec<u32>,
    /// The sampled shingles (a subset of `shingles`): the keys candidates are found by.
    pub keys: Vec<u32>,
    /// When the article was received, in seconds since the Unix epoch (for expiry).
    pub at: i64,
    /// Candidates that share fewer index keys than this share of the smaller key set (this
    /// article's or theirs) are not offered to the judge: the keys are a sample of the
    /// shingles, so such a candidate cannot be similar enough, and reading its shingles
    /// would be wasted. 0 offers every candidate.
    pub min_key_share: f64,
    /// When this article has more than this many times a candidate's keys, the share is of
    /// this article's keys instead (the judge does not call a much larger article a copy of
    /// one it merely holds). Infinity turns it off.
    pub superset_ratio: f64,
}

impl Fingerprint {
    /// Whether a candidate with `theirs` index keys, sharing `shared` with this article, is
    /// worth verifying ([`Self::min_key_share`], [`Self::superset_ratio`]).
    pub fn worth_verifying(&self, shared: u32, theirs: u32) -> bool {
        let own = self.keys.len() as f64;
        let theirs = f64::from(theirs);
        let of = if own > self.superset_ratio * theirs {
            own
        } else {
            own.min(theirs)
        };
        f64::from(shared) >= self.min_key_share * of
    }
}

/// An earlier article that shares index keys with the one being judged.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: &'a str,
    /// The earliest article of its story (itself when it was unique).
    pub root: &'a str,
    /// Index keys it shares with the article being judged.
    pub shared_keys: u32,
    /// Its own index keys.
    pub keys: u32,
    /// Its full shingle set, sorted.
    pub shingles: &'a [u32],
}

/// What the index found for an article, for the rule to judge.
#[derive(Debug, Clone)]
pub struct Lookup<'a> {
    /// An earlier article with the same exact hash, as (id, root).
    pub exact: Option<(&'a str, &'a str)>,
    /// Earlier articles sharing at least one index key, most shared keys first.
    pub candidates: Vec<Candidate<'a>>,
}

/// Why the state could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The index on disk was built with other parameters.
    #[error(
        "the dedup index in {location} was built with {found}, but the config asks for {wanted}; use the same parameters or another state folder"
    )]
    ParamsMismatch {
        location: String,
        found: String,
        wanted: String,
    },
    #[error("{0}")]
    Backend(String),
}

/// The dedup index: earlier articles' fingerprints and the story each belongs to.
pub trait DedupIndex: Send + Sync {
    /// Decides and records `doc` as one atomic step. When `doc.id` is already in the index
    /// (the same file processed again after a crash) its recorded verdict is returned and
    /// nothing changes; otherwise `judge` sees what the index found (never `doc` itself, nor
    /// articles older than the expiry window), its verdict is recorded with `doc`, and `doc`
    /// joins the story of `verdict.of` (or starts its own when `of` is `None`).
    fn resolve(
        &self,
        doc: &Fingerprint,
        judge: &mut dyn FnMut(&Lookup<'_>) -> DedupVerdict,
    ) -> Result<DedupVerdict, StateError>;

    /// Articles in the index.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How many earlier articles contained each line: the memory that tells page chrome (the
/// same short lines on every page of a site) from article text. Shared by every rule that
/// learns chrome, so that they agree.
pub trait LineMemory: Send + Sync {
    /// For each line hash of one article (without repeats), how many earlier articles
    /// contained it; then counts this article in. Fails only when the store behind it
    /// cannot be reached.
    fn observe(&self, lines: &[u64]) -> Result<Vec<u32>, StateError>;
}

/// The state a store offers to rules.
pub trait State: Send + Sync {
    /// The dedup index with these parameters (created if the store has none yet); an index
    /// built with other parameters is refused. Entries older than `expire_after_secs` (before
    /// the article being judged) are not offered as candidates and are purged.
    fn dedup_index(
        &self,
        params: &IndexParams,
        expire_after_secs: Option<u64>,
    ) -> Result<Arc<dyn DedupIndex>, StateError>;

    /// The parameters of the dedup index the store already holds, or `None` when it holds
    /// none yet: a rule reads them first, so that the parameters its config leaves unset
    /// can be the index's own rather than defaults that may have changed since it was built.
    fn dedup_params(&self) -> Result<Option<IndexParams>, StateError>;

    /// The line-frequency memory.
    fn line_memory(&self) -> Result<Arc<dyn LineMemory>, StateError>;

    /// Where the state lives, for messages.
    fn location(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::IndexParams;

    #[test]
    fn params_read_back_what_describe_wrote_and_nothing_else() {
        let params = IndexParams {
            scheme: "nd-words-fnv1a-v1".to_string(),
            seed: 0xdead_beef,
            shingle: 4,
            sampling: 12,
        };
        assert_eq!(IndexParams::parse(&params.describe()), Some(params));
        for line in [
            "",
            "scheme=x seed=0x0 shingle=4",
            "scheme=x seed=0 shingle=4 sampling=8",
            "scheme=x seed=0x0 sampling=8 shingle=4",
            "scheme=x seed=0x0 shingle=4 sampling=8 extra=1",
            "scheme=x seed=0x0 shingle=four sampling=8",
        ] {
            assert_eq!(IndexParams::parse(line), None, "{line:?}");
        }
    }
}
