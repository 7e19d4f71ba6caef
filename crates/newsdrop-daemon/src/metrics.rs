//! What the daemon counts, for `/metrics` and the progress log.
//!
//! One [`Metrics`] per daemon, shared by intake, workers and committer. Outcomes are
//! counted by the committer once the ledger has them (so the counters agree with the
//! folders, not with work that a crash would redo); latency is observed where it happens.
//! We use `prometheus-client` (the official Rust client): plain atomics, a text encoder,
//! no global registry and no runtime of its own.
//!
//! Recording is always on: a counter is one atomic add per article, next to milliseconds
//! of parsing, so `[http]` only decides whether anyone can read them.

use std::sync::atomic::{AtomicI64, AtomicU64};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabel {
    pub stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

type Histograms = Family<StageLabel, Histogram, fn() -> Histogram>;

/// Per-stage times: 50 µs to ~1.6 s.
fn stage_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The daemon's counters, gauges and histograms.
pub struct Metrics {
    registry: Registry,
    /// Files claimed from the inbox.
    pub files_seen: Counter,
    /// Files taken up from the work folder, left there by an earlier run.
    pub files_resumed: Counter,
    pub emitted: Counter,
    /// Articles a rule dropped on purpose.
    pub dropped: Counter,
    /// By dedup verdict: `exact` or `near` (emitted with the mark, or kept out by policy).
    pub duplicates: Family<KindLabel, Counter>,
    /// By the stage (or step: `read`, `intake`) that failed.
    pub failures: Family<StageLabel, Counter>,
    pub plugin_panics: Family<StageLabel, Counter>,
    /// By `ok` or `failed`.
    pub reloads: Family<ResultLabel, Counter>,
    /// Files in the inbox not yet claimed (counted when scraped).
    pub backlog: Gauge,
    /// Claimed, not yet committed.
    pub in_flight: Gauge,
    /// 1 while outputs cannot be written (disk full, read-only) and intake is paused.
    pub output_blocked: Gauge,
    pub stage_seconds: Histograms,
    /// From claim to commit.
    pub article_seconds: Histogram,
    /// Files committed in any way, for the progress log (not exported: the outcome
    /// counters add up to it).
    pub finished: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("newsdrop");
        let m = Metrics {
            files_seen: Counter::default(),
            files_resumed: Counter::default(),
            emitted: Counter::default(),
            dropped: Counter::default(),
            duplicates: Family::default(),
            failures: Family::default(),
            plugin_panics: Family::default(),
            reloads: Family::default(),
            backlog: Gauge::<i64, AtomicI64>::default(),
            in_flight: Gauge::default(),
            output_blocked: Gauge::default(),
            stage_seconds: Family::new_with_constructor(stage_histogram),
            article_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            finished: AtomicU64::new(0),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "files_seen",
            "Files claimed from the inbox",
            m.files_seen.clone(),
        );
        r.register(
            "files_resumed",
            "Files taken up from the work folder at start-up, left there by an earlier run (a crash, a kill, a drain cut short)",
            m.files_resumed.clone(),
        );
        r.register(
            "articles_emitted",
            "Articles written to the outbox",
            m.emitted.clone(),
        );
        r.register(
            "articles_dropped",
            "Articles a rule dropped on purpose",
            m.dropped.clone(),
        );
        r.register(
            "duplicates",
            "Duplicate articles by kind (exact, near)",
            m.duplicates.clone(),
        );
        r.register(
            "failures",
            "Files that failed, by stage",
            m.failures.clone(),
        );
        r.register(
            "plugin_panics",
            "Plugin panics, by stage",
            m.plugin_panics.clone(),
        );
        r.register(
            "reloads",
            "Config reloads by result (ok, failed)",
            m.reloads.clone(),
        );
        r.register(
            "inbox_backlog",
            "Files in the inbox not yet claimed",
            m.backlog.clone(),
        );
        r.register(
            "in_flight",
            "Files claimed and not yet committed",
            m.in_flight.clone(),
        );
        r.register(
            "output_blocked",
            "1 while outputs cannot be written and intake is paused",
            m.output_blocked.clone(),
        );
        r.register(
            "stage_seconds",
            "Time per pipeline stage per article",
            m.stage_seconds.clone(),
        );
        r.register(
            "article_seconds",
            "Time from claim to commit per file",
            m.article_seconds.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The OpenMetrics text that Prometheus scrapes.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn stage_time(&self, stage: &str, seconds: f64) {
        self.stage_seconds
            .get_or_create(&StageLabel {
                stage: stage.to_string(),
            })
            .observe(seconds);
    }

    pub fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads.get_or_create(&ResultLabel { result }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_come_out_in_prometheus_text_with_their_labels() {
        let m = Metrics::new();
        m.files_seen.inc_by(3);
        m.failures
            .get_or_create(&StageLabel {
                stage: "read".into(),
            })
            .inc();
        m.reload(false);
        m.stage_time("metadata", 0.002);
        let text = m.encode();
        assert!(text.contains("newsdrop_files_seen_total 3\n"), "{text}");
        assert!(
            text.contains("newsdrop_failures_total{stage=\"read\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("newsdrop_reloads_total{result=\"failed\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("newsdrop_stage_seconds_count{stage=\"metadata\"} 1\n"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
