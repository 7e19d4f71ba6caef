//! The store conformance suite: one set of cases, run against every backend, so that the
//! daemon and the rules can rely on the same behaviour whichever store the config picks.
//!
//! Each case gets a [`Backend`]: fresh, empty storage that can be opened again (a restart).
//! `suite!` turns every case into a `#[test]` per backend. The PostgreSQL cases use one
//! throwaway server per test binary ([`crate::pg_server::shared`]) and a new database each;
//! without server binaries they skip locally and fail in CI. A few cases only make sense
//! with a shared database (two daemons); they are at the end.

#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::sync::{Arc, Barrier};

use newsdrop_core::{
    DedupStatus, DedupVerdict, Fingerprint, IndexParams, Lookup, State, StateError,
};

use crate::dedup::MAX_CANDIDATES;
use crate::{Attempt, Settled, Status, Store};

/// Storage for one case: each `open` is the same data opened anew.
trait Backend {
    fn open(&self) -> Store;
}

struct SqliteDir(tempfile::TempDir);

impl Backend for SqliteDir {
    fn open(&self) -> Store {
        Store::open(self.0.path()).unwrap()
    }
}

fn sqlite() -> Option<Box<dyn Backend>> {
    Some(Box::new(SqliteDir(tempfile::tempdir().unwrap())))
}

#[cfg(feature = "postgres")]
struct PgDatabase {
    url: String,
}

#[cfg(feature = "postgres")]
impl Backend for PgDatabase {
    fn open(&self) -> Store {
        Store::Postgres(crate::postgres::PgStore::connect(&self.url, 4, "node-a").unwrap())
    }
}

#[cfg(feature = "postgres")]
fn postgres() -> Option<Box<dyn Backend>> {
    let url = crate::pg_server::shared()?
        .fresh_database("conformance")
        .unwrap();
    Some(Box::new(PgDatabase { url }))
}

macro_rules! suite {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[test]
                fn $case() {
                    if let Some(backend) = super::$backend() {
                        super::$case(&*backend);
                    }
                }
            )*
        }
    };
}

macro_rules! cases {
    ($($backend:ident),*) => {
        $(suite!($backend:
            attempts_count_up_while_pending_and_stop_once_final,
            a_failed_article_dropped_again_starts_over,
            attempts_survive_a_restart_for_the_quarantine_count,
            a_batch_settles_at_once_and_counts_by_status,
            dedup_tells_unique_exact_and_near_and_chains_point_at_the_root,
            only_the_candidates_sharing_the_most_keys_are_verified,
            candidates_sharing_too_small_a_share_of_the_smaller_key_set_are_not_offered,
            expired_articles_are_not_candidates,
            an_index_built_with_other_params_is_refused,
            the_params_of_the_index_held_are_read_back,
            the_ledger_and_the_index_survive_a_restart,
            two_workers_with_the_same_story_at_once_do_not_both_call_it_unique,
            the_line_memory_counts_earlier_articles_and_keeps_repeats_across_a_restart,
        );)*
    };
}

cases!(sqlite);
#[cfg(feature = "postgres")]
cases!(postgres);

fn settled(id: &str, status: Status) -> Settled {
    Settled {
        id: id.into(),
        status,
        output: format!("outbox/{id}.json"),
        message: String::new(),
    }
}

fn attempt(attempts: u32, status: Status) -> Attempt {
    Attempt {
        attempts,
        status,
        elsewhere: None,
    }
}

fn attempts_count_up_while_pending_and_stop_once_final(b: &dyn Backend) {
    let store = b.open();
    let begin = || store.begin_attempt("a", "h", "a.txt").unwrap();
    assert_eq!(begin(), attempt(1, Status::Pending));
    assert_eq!(begin(), attempt(2, Status::Pending));
    store.settle(&[settled("a", Status::Emitted)]).unwrap();
    assert_eq!(begin(), attempt(2, Status::Emitted), "final: untouched");
    let row = store.get("a").unwrap().unwrap();
    assert_eq!(
        (
            row.status,
            row.attempts,
            row.output.as_str(),
            row.name.as_str()
        ),
        (Status::Emitted, 2, "outbox/a.json", "a.txt")
    );
    assert!(store.get("nobody").unwrap().is_none());
}

fn a_failed_article_dropped_again_starts_over(b: &dyn Backend) {
    let store = b.open();
    store.begin_attempt("f", "h", "f.txt").unwrap();
    store.begin_attempt("f", "h", "f.txt").unwrap();
    store.settle(&[settled("f", Status::Failed)]).unwrap();
    assert_eq!(
        store.begin_attempt("f", "h", "f.txt").unwrap(),
        attempt(1, Status::Pending)
    );
}

fn attempts_survive_a_restart_for_the_quarantine_count(b: &dyn Backend) {
    for expected in 1..=3 {
        let store = b.open();
        let a = store.begin_attempt("crashy", "h", "crashy.txt").unwrap();
        assert_eq!(a, attempt(expected, Status::Pending));
    }
}

fn a_batch_settles_at_once_and_counts_by_status(b: &dyn Backend) {
    let store = b.open();
    for id in ["e1", "e2", "d", "x", "f", "p"] {
        store.begin_attempt(id, "h", id).unwrap();
    }
    store.settle(&[]).unwrap();
    store
        .settle(&[
            settled("e1", Status::Emitted),
            settled("e2", Status::Emitted),
            settled("d", Status::Duplicate),
            settled("x", Status::Dropped),
            Settled {
                message: "binary file".into(),
                ..settled("f", Status::Failed)
            },
        ])
        .unwrap();
    assert_eq!(
        store.counts().unwrap(),
        vec![
            (Status::Dropped, 1),
            (Status::Duplicate, 1),
            (Status::Emitted, 2),
            (Status::Failed, 1),
            (Status::Pending, 1),
        ]
    );
    assert_eq!(store.get("f").unwrap().unwrap().message, "binary file");
}

fn params(shingle: u32) -> IndexParams {
    IndexParams {
        scheme: "test".into(),
        seed: 1,
        shingle,
        sampling: 1,
    }
}

fn doc(id: &str, keys: &[u32]) -> Fingerprint {
    Fingerprint {
        id: id.into(),
        exact: None,
        shingles: keys.to_vec(),
        keys: keys.to_vec(),
        at: 1_000,
        min_key_share: 0.0,
        superset_ratio: f64::INFINITY,
    }
}

/// A judge as the dedup rule's, simplified: the exact match, else a near copy of the first
/// candidate sharing two keys or more, else unique.
fn judge(found: &Lookup<'_>) -> DedupVerdict {
    let verdict = |status, of: &str| DedupVerdict {
        status,
        of: Some(of.to_string()),
        ..DedupVerdict::unique()
    };
    if let Some((_, root)) = found.exact {
        return verdict(DedupStatus::Exact, root);
    }
    match found.candidates.iter().find(|c| c.shared_keys >= 2) {
        Some(c) => verdict(DedupStatus::Near, c.root),
        None => DedupVerdict::unique(),
    }
}

fn status_of(v: &DedupVerdict) -> (DedupStatus, Option<&str>) {
    (v.status, v.of.as_deref())
}

fn dedup_tells_unique_exact_and_near_and_chains_point_at_the_root(b: &dyn Backend) {
    let store = b.open();
    let index = store.dedup_index(&params(4), None).unwrap();
    let resolve = |d: &Fingerprint| index.resolve(d, &mut judge).unwrap();
    let a = resolve(&Fingerprint {
        exact: Some(42),
        ..doc("a", &[1, 2, 3, 4])
    });
    assert_eq!(status_of(&a), (DedupStatus::Unique, None));
    let b_ = resolve(&doc("b", &[3, 4, 5, 6]));
    assert_eq!(status_of(&b_), (DedupStatus::Near, Some("a")));
    let c = resolve(&doc("c", &[5, 6, 7, 8]));
    assert_eq!(
        status_of(&c),
        (DedupStatus::Near, Some("a")),
        "c matched b, whose root is a"
    );
    let d = resolve(&Fingerprint {
        exact: Some(42),
        ..doc("d", &[100])
    });
    assert_eq!(status_of(&d), (DedupStatus::Exact, Some("a")));
    let e = resolve(&doc("e", &[200, 201, 202]));
    assert_eq!(status_of(&e), (DedupStatus::Unique, None), "shares nothing");
    let one_key = resolve(&doc("f", &[1, 300, 301]));
    assert_eq!(status_of(&one_key), (DedupStatus::Unique, None));
    // The same article again (a restart after a crash): its verdict, not a copy of itself.
    let again = index
        .resolve(&doc("b", &[3, 4, 5, 6]), &mut |_| panic!("must not judge"))
        .unwrap();
    assert_eq!(again, b_);
    assert_eq!(index.len(), 6);
}

fn only_the_candidates_sharing_the_most_keys_are_verified(b: &dyn Backend) {
    let store = b.open();
    let index = store.dedup_index(&params(4), None).unwrap();
    // Half of them share key 1, half key 2: fewer than a key's postings an index may keep.
    for i in 0..(MAX_CANDIDATES as u32 + 40) {
        index
            .resolve(
                &doc(&format!("common-{i}"), &[1 + i % 2, 1000 + i]),
                &mut |_| DedupVerdict::unique(),
            )
            .unwrap();
    }
    index
        .resolve(&doc("copy", &[1, 2, 3, 4, 5, 6]), &mut |_| {
            DedupVerdict::unique()
        })
        .unwrap();
    let mut seen = Vec::new();
    index
        .resolve(&doc("new", &[1, 2, 3, 4, 5, 7]), &mut |l| {
            seen = l
                .candidates
                .iter()
                .map(|c| (c.id.to_string(), c.shared_keys, c.shingles.len()))
                .collect();
            DedupVerdict::unique()
        })
        .unwrap();
    assert_eq!(seen.len(), MAX_CANDIDATES);
    assert_eq!(seen[0], ("copy".to_string(), 5, 6), "the real copy first");
    assert_eq!(seen[1].0, "common-0", "ties: the oldest first");
}

fn candidates_sharing_too_small_a_share_of_the_smaller_key_set_are_not_offered(b: &dyn Backend) {
    let store = b.open();
    let index = store.dedup_index(&params(4), None).unwrap();
    let unique = |_: &Lookup<'_>| DedupVerdict::unique();
    // A long article, and a short one (a teaser) whose four keys are all in the newcomers.
    let long: Vec<u32> = (100..140).collect();
    index
        .resolve(&doc("long", &long), &mut |l| unique(l))
        .unwrap();
    index
        .resolve(&doc("teaser", &[1, 2, 3, 4]), &mut |l| unique(l))
        .unwrap();
    // Each newcomer: 40 keys, 2 in common with `long` (5% of 40), all 4 of `teaser`'s.
    let mut keys: Vec<u32> = (1..=4).chain([100, 101]).chain(200..234).collect();
    keys.sort_unstable();
    let offered = |id: &str, share: f64, superset_ratio: f64| {
        let mut ids = Vec::new();
        let d = Fingerprint {
            min_key_share: share,
            superset_ratio,
            ..doc(id, &keys)
        };
        index
            .resolve(&d, &mut |l| {
                ids = l
                    .candidates
                    .iter()
                    .filter(|c| c.id == "long" || c.id == "teaser")
                    .map(|c| (c.id.to_string(), c.keys, c.shared_keys))
                    .collect();
                DedupVerdict::unique()
            })
            .unwrap();
        ids.sort();
        ids
    };
    assert_eq!(
        offered("new1", 0.0, f64::INFINITY),
        [("long".to_string(), 40, 2), ("teaser".to_string(), 4, 4)]
    );
    // 25%: `long` needs 10 shared keys of the smaller set (40), the teaser 1 of 4.
    assert_eq!(
        offered("new2", 0.25, f64::INFINITY),
        [("teaser".to_string(), 4, 4)]
    );
    // With 10 times the teaser's keys, a newcomer is judged on its own 40: 10 needed.
    assert_eq!(offered("new3", 0.25, 9.0), []);
    assert_eq!(
        offered("new4", 0.25, 10.0),
        [("teaser".to_string(), 4, 4)],
        "not more than 10 times"
    );
}

fn expired_articles_are_not_candidates(b: &dyn Backend) {
    let store = b.open();
    let index = store.dedup_index(&params(4), Some(100)).unwrap();
    let now = jiff::Timestamp::now().as_second();
    let at = |id: &str, at: i64| Fingerprint {
        at,
        exact: Some(7),
        ..doc(id, &[1, 2, 3])
    };
    index.resolve(&at("old", now), &mut judge).unwrap();
    let late = index.resolve(&at("late", now + 101), &mut judge).unwrap();
    assert_eq!(status_of(&late), (DedupStatus::Unique, None));
    let soon = Fingerprint {
        exact: Some(8),
        ..at("soon", now + 150)
    };
    let soon = index.resolve(&soon, &mut judge).unwrap();
    assert_eq!(status_of(&soon), (DedupStatus::Near, Some("late")));
}

fn an_index_built_with_other_params_is_refused(b: &dyn Backend) {
    {
        let store = b.open();
        let index = store.dedup_index(&params(4), None).unwrap();
        index.resolve(&doc("a", &[1, 2, 3]), &mut judge).unwrap();
    }
    let store = b.open();
    match store.dedup_index(&params(5), None) {
        Err(e @ StateError::ParamsMismatch { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("shingle=4") && msg.contains("shingle=5"),
                "{msg}"
            );
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("other parameters must be refused"),
    }
    assert!(
        store.dedup_index(&params(4), None).is_ok(),
        "the same ones are fine"
    );
}

fn the_params_of_the_index_held_are_read_back(b: &dyn Backend) {
    {
        let store = b.open();
        assert_eq!(store.dedup_params().unwrap(), None, "no index yet");
        store.dedup_index(&params(4), None).unwrap();
        assert_eq!(
            store.dedup_params().unwrap(),
            Some(params(4)),
            "the open one"
        );
    }
    let store = b.open();
    assert_eq!(
        store.dedup_params().unwrap(),
        Some(params(4)),
        "the stored one, before it is opened"
    );
}

fn the_ledger_and_the_index_survive_a_restart(b: &dyn Backend) {
    {
        let store = b.open();
        store.begin_attempt("x", "h", "x.txt").unwrap();
        let index = store.dedup_index(&params(4), None).unwrap();
        index.resolve(&doc("x", &[1, 2, 3]), &mut judge).unwrap();
        store.settle(&[settled("x", Status::Duplicate)]).unwrap();
    }
    let store = b.open();
    assert_eq!(
        store.get("x").unwrap().map(|e| e.status),
        Some(Status::Duplicate)
    );
    assert_eq!(store.counts().unwrap(), vec![(Status::Duplicate, 1)]);
    let index = store.dedup_index(&params(4), None).unwrap();
    let y = index.resolve(&doc("y", &[1, 2, 9]), &mut judge).unwrap();
    assert_eq!(status_of(&y), (DedupStatus::Near, Some("x")));
}

fn two_workers_with_the_same_story_at_once_do_not_both_call_it_unique(b: &dyn Backend) {
    let store = b.open();
    let index = store.dedup_index(&params(4), None).unwrap();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (index, barrier) = (index.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                index
                    .resolve(&doc(&format!("w{i}"), &[7, 8, 9]), &mut judge)
                    .unwrap()
            })
        })
        .collect();
    let verdicts: Vec<DedupVerdict> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_one_story(&verdicts, threads);
}

/// Exactly one verdict is unique, and every other points at that one's article.
fn assert_one_story(verdicts: &[DedupVerdict], n: usize) {
    assert_eq!(verdicts.len(), n);
    let unique = verdicts
        .iter()
        .filter(|v| v.status == DedupStatus::Unique)
        .count();
    assert_eq!(unique, 1, "{verdicts:?}");
    let roots: std::collections::HashSet<_> =
        verdicts.iter().filter_map(|v| v.of.clone()).collect();
    assert_eq!(
        roots.len(),
        1,
        "all copies point at one article: {verdicts:?}"
    );
}

fn the_line_memory_counts_earlier_articles_and_keeps_repeats_across_a_restart(b: &dyn Backend) {
    {
        let store = b.open();
        let lines = store.line_memory().unwrap();
        assert_eq!(lines.observe(&[1, 2]).unwrap(), vec![0, 0]);
        assert_eq!(lines.observe(&[1]).unwrap(), vec![1]);
        assert_eq!(lines.observe(&[]).unwrap(), Vec::<u32>::new());
        store.flush_state().unwrap();
    }
    let store = b.open();
    let lines = store.line_memory().unwrap();
    assert_eq!(
        lines.observe(&[2, 1, u64::MAX]).unwrap(),
        vec![0, 2, 0],
        "a line seen once is forgotten at a restart; one seen twice is kept"
    );
}

/// Cases only a shared database has: several daemons (stores with their own node ids and
/// pools) on one database.
#[cfg(feature = "postgres")]
mod shared {
    use super::*;
    use crate::postgres::{PgStore, migrate_to, schema_version};

    fn database() -> Option<String> {
        Some(
            crate::pg_server::shared()?
                .fresh_database("shared")
                .unwrap(),
        )
    }

    fn daemon(url: &str, node: &str) -> Store {
        Store::Postgres(PgStore::connect(url, 4, node).unwrap())
    }

    #[test]
    fn two_daemons_resolving_copies_of_one_story_at_once_agree() {
        let Some(url) = database() else { return };
        let daemons = [daemon(&url, "a"), daemon(&url, "b")];
        let indexes: Vec<_> = daemons
            .iter()
            .map(|d| d.dedup_index(&params(4), None).unwrap())
            .collect();
        for round in 0..5 {
            let per_daemon = 4;
            let barrier = Arc::new(Barrier::new(per_daemon * indexes.len()));
            let mut handles = Vec::new();
            for (d, index) in indexes.iter().enumerate() {
                for w in 0..per_daemon {
                    let (index, barrier) = (index.clone(), barrier.clone());
                    let keys = [round * 10, round * 10 + 1, round * 10 + 2, 1000 + w as u32];
                    handles.push(std::thread::spawn(move || {
                        barrier.wait();
                        let id = format!("r{round}-d{d}-w{w}");
                        index.resolve(&doc(&id, &keys), &mut judge).unwrap()
                    }));
                }
            }
            let verdicts: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_one_story(&verdicts, 8);
        }
    }

    #[test]
    fn the_same_file_begun_by_two_daemons_is_held_by_the_first() {
        let Some(url) = database() else { return };
        let (a, b) = (daemon(&url, "a"), daemon(&url, "b"));
        assert_eq!(
            a.begin_attempt("id", "h", "n").unwrap(),
            attempt(1, Status::Pending)
        );
        let other = b.begin_attempt("id", "h", "n").unwrap();
        assert_eq!(other.elsewhere.as_deref(), Some("a"));
        assert_eq!(other.attempts, 1, "another daemon's copy is not a crash");
        assert_eq!(
            a.begin_attempt("id", "h", "n").unwrap(),
            attempt(2, Status::Pending),
            "the owner's restart counts"
        );
        a.settle(&[settled("id", Status::Emitted)]).unwrap();
        assert_eq!(
            b.begin_attempt("id", "h", "n").unwrap(),
            attempt(2, Status::Emitted)
        );
        // A failure is for anyone to start over.
        a.begin_attempt("f", "h", "n").unwrap();
        a.settle(&[settled("f", Status::Failed)]).unwrap();
        assert_eq!(
            b.begin_attempt("f", "h", "n").unwrap(),
            attempt(1, Status::Pending)
        );
        assert_eq!(
            a.begin_attempt("f", "h", "n").unwrap().elsewhere.as_deref(),
            Some("b")
        );
    }

    #[test]
    fn the_schema_is_reported_missing_then_outdated_then_current_and_a_newer_one_refused() {
        let Some(url) = database() else { return };
        let report = schema_version(&url).unwrap();
        assert_eq!(report.found, 0);
        assert!(report.describe().unwrap().contains("schema missing"));
        migrate_to(&url, 1).unwrap();
        let report = schema_version(&url).unwrap();
        assert_eq!(report.found, 1);
        let line = report.describe().unwrap();
        assert!(
            line.contains("outdated") && line.contains("newsdrop run"),
            "{line}"
        );
        drop(daemon(&url, "a"));
        let report = schema_version(&url).unwrap();
        assert_eq!(report.found, report.current);
        let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        admin
            .execute(
                "INSERT INTO newsdrop_migrations (version, name) VALUES (99, 'future')",
                &[],
            )
            .unwrap();
        assert!(schema_version(&url).unwrap().describe().is_err());
        match PgStore::connect(&url, 1, "a") {
            Err(crate::StoreError::TooNew { found: 99, .. }) => {}
            Err(e) => panic!("wrong error {e}"),
            Ok(_) => panic!("a newer schema must be refused"),
        }
    }

    #[test]
    fn the_articles_table_takes_each_id_once() {
        let Some(url) = database() else { return };
        let store = daemon(&url, "a");
        store.prepare_table("articles").unwrap();
        store.prepare_table("articles").unwrap();
        let json = br#"{"schema_version":1,"id":"x1","title":"T","published":"2025-04-06","source":{"name":"a.txt"},"received_at":"2026-01-01T00:00:00Z","tags":[{"id":"country:PK"},{"id":"org:sco"}],"dedup":{"status":"near","of":"x0"}}
"#;
        store.insert_articles("articles", &[("x1", json)]).unwrap();
        store.insert_articles("articles", &[("x1", json)]).unwrap();
        let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        let rows = client
            .query(
                "SELECT id, title, published, source, dedup_status, dedup_of, tags, doc->>'id' FROM articles",
                &[],
            )
            .unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        let text = |i| r.get::<_, Option<String>>(i);
        assert_eq!(
            (0..6).map(text).collect::<Vec<_>>(),
            ["x1", "T", "2025-04-06", "a.txt", "near", "x0"].map(|s| Some(s.to_string()))
        );
        assert_eq!(r.get::<_, Vec<String>>(6), ["country:PK", "org:sco"]);
        assert_eq!(r.get::<_, String>(7), "x1");
    }

    #[test]
    fn an_unreachable_database_is_an_outage_not_a_failure() {
        // Nothing listens on a port just freed; no server needed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("postgresql://postgres@127.0.0.1:{port}/x");
        match PgStore::connect(&url, 1, "a") {
            Err(e) => assert!(e.is_unavailable(), "{e}"),
            Ok(_) => panic!("nothing listens there"),
        }
    }
}
