//! The PostgreSQL store through the binary: several real daemons on one database, an outage
//! of the server mid-run, and `check` on the schema.
//!
//! The server is a throwaway one (`newsdrop_store::pg_server`): one for the whole test
//! binary, with a database per test; the outage test stops and restarts its own. Without
//! server binaries these tests skip with a message locally, and fail in CI.

#![allow(clippy::unwrap_used)] // in tests a panic is the failure report
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use newsdrop_store::pg_server::{self, TempServer};

use crate::util::{Env, seeds, wait_until};

const LIMIT: Duration = Duration::from_secs(120);

/// A config for a daemon on the database at `url`, with both sinks.
fn config(url: &str) -> String {
    format!(
        "[workers]\nthreads = 2\n[store]\nkind = \"postgres\"\nurl = \"{url}\"\npool_size = 4\n\
         [output]\njsonl = \"out.jsonl\"\ntable = \"articles\"\n"
    )
}

/// A seed's text republished by another outlet: other chrome, an editor's note.
fn republished(text: &[u8], outlet: &str) -> Vec<u8> {
    format!(
        "{outlet}\n\nHome | World | Sport\n\n{}\n\nThis report was updated by our newsroom with material from agencies.\n\nShare this article\n",
        String::from_utf8_lossy(text)
    )
    .into_bytes()
}

fn table_rows(url: &str) -> Vec<(String, String)> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query("SELECT id, dedup_status FROM articles", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn jsonl_ids(env: &Env) -> Vec<String> {
    std::fs::read_to_string(env.path("out.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn two_daemons_on_one_database_emit_each_story_once_unique_with_its_copies_pointing_at_it() {
    let Some(server) = pg_server::shared() else {
        return;
    };
    let url = server.fresh_database("daemons").unwrap();
    let (a, b) = (Env::new(&config(&url)), Env::new(&config(&url)));
    let (da, db) = (a.start(), b.start());

    // Per story: the same file into both inboxes at once (one id), an exact copy under
    // another name, and two republished versions; spread over both daemons.
    let mut drops: Vec<(&Env, String, Vec<u8>)> = Vec::new();
    for (i, (_, text)) in seeds().into_iter().enumerate() {
        let same = format!("story{i}.txt");
        drops.push((&a, same.clone(), text.clone()));
        drops.push((&b, same, text.clone()));
        drops.push((&a, format!("story{i}-copy.txt"), text.clone()));
        drops.push((
            &b,
            format!("story{i}-rep.txt"),
            republished(&text, "Other Outlet"),
        ));
        drops.push((
            &a,
            format!("story{i}-rep2.txt"),
            republished(&text, "Third Outlet"),
        ));
    }
    for (env, name, bytes) in &drops {
        std::fs::write(env.path("staging").join(name), bytes).unwrap();
    }
    for (env, name, _) in &drops {
        std::fs::rename(env.path("staging").join(name), env.path("inbox").join(name)).unwrap();
    }
    let (in_a, in_b) = (15, 10);
    assert!(
        wait_until(LIMIT, || a.list("archive").len() == in_a
            && b.list("archive").len() == in_b),
        "a: {}\nb: {}",
        da.log_text(),
        db.log_text()
    );
    assert!(a.list("failed").is_empty() && b.list("failed").is_empty());

    // Each id emitted once across both outboxes: the twin file is put away by one daemon.
    let outputs: Vec<serde_json::Value> = a.outputs().into_iter().chain(b.outputs()).collect();
    let ids: HashSet<&str> = outputs.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(outputs.len(), 20, "5 stories × 4 distinct articles");
    assert_eq!(ids.len(), 20, "an id emitted twice");
    let held = da
        .log_text()
        .matches("another daemon is processing")
        .count()
        + db.log_text()
            .matches("another daemon is processing")
            .count();
    let redone = da.log_text().matches("already processed").count()
        + db.log_text().matches("already processed").count();
    assert_eq!(held + redone, 5, "each twin put away once");

    // Exactly one unique per story; every copy points at it.
    let unique: HashSet<&str> = outputs
        .iter()
        .filter(|o| o["dedup"]["status"] == "unique")
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(unique.len(), 5, "one unique per story");
    let mut stories: HashMap<&str, usize> = HashMap::new();
    for o in &outputs {
        let story = match o["dedup"]["of"].as_str() {
            Some(of) => {
                assert!(
                    unique.contains(of),
                    "{} points at a non-unique {of}",
                    o["id"]
                );
                of
            }
            None => o["id"].as_str().unwrap(),
        };
        *stories.entry(story).or_default() += 1;
    }
    assert!(stories.values().all(|&n| n == 4), "{stories:?}");

    // The articles table has each article once, as emitted.
    let rows = table_rows(&url);
    assert_eq!(rows.len(), 20);
    assert_eq!(
        rows.iter().filter(|(_, s)| s == "unique").count(),
        5,
        "{rows:?}"
    );
    assert!(da.terminate().success());
    assert!(db.terminate().success());
}

#[test]
fn a_database_outage_pauses_the_daemon_and_nothing_is_lost_or_doubled() {
    if pg_server::shared().is_none() {
        return;
    }
    // Its own server: this test stops it.
    let server = TempServer::start(false).unwrap();
    let url = server.create_database("outage").unwrap();
    let env = Env::new(&config(&url));
    let daemon = env.start();
    let seeds = seeds();
    let article = |i: usize| {
        let (_, text) = &seeds[i % seeds.len()];
        let mut bytes = text.clone();
        bytes.extend_from_slice(
            format!("\nCorrection {i}: a line that makes it a copy.\n").as_bytes(),
        );
        (format!("file{i}.txt"), bytes)
    };

    for i in 0..3 {
        let (name, bytes) = article(i);
        env.drop_file(&name, &bytes);
    }
    assert!(
        wait_until(LIMIT, || env.list("archive").len() == 3),
        "{}",
        daemon.log_text()
    );

    server.stop().unwrap();
    for i in 3..5 {
        let (name, bytes) = article(i);
        env.drop_file(&name, &bytes);
    }
    assert!(
        wait_until(LIMIT, || daemon.log_text().contains("store unreachable")),
        "{}",
        daemon.log_text()
    );
    // Intake is paused: files dropped now wait in the inbox.
    for i in 5..7 {
        let (name, bytes) = article(i);
        env.drop_file(&name, &bytes);
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        env.list("inbox").contains(&"file5.txt".to_string()),
        "claimed during the outage: {}",
        daemon.log_text()
    );
    assert!(env.list("failed").is_empty(), "{}", daemon.log_text());

    server.resume().unwrap();
    assert!(
        wait_until(LIMIT, || env.list("archive").len() == 7),
        "{}\nserver:\n{}",
        daemon.log_text(),
        server.log()
    );
    assert!(daemon.log_text().contains("store reachable again"));
    assert!(env.list("failed").is_empty(), "{}", daemon.log_text());
    assert!(env.list(".newsdrop/work").is_empty());
    let ids = jsonl_ids(&env);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(
        (ids.len(), distinct.len()),
        (7, 7),
        "each article once: {ids:?}"
    );
    assert_eq!(env.outputs().len(), 7);
    assert_eq!(table_rows(&url).len(), 7);
    assert!(daemon.terminate().success());
}

#[test]
fn check_reports_the_schema_missing_before_the_first_run_and_current_after() {
    let Some(server) = pg_server::shared() else {
        return;
    };
    let url = server
        .fresh_database("check")
        .unwrap()
        .replace("postgres@", "postgres:secret@");
    let env = Env::new(&config(&url));
    let check = || {
        let out = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = check();
    assert!(
        before.contains("schema missing") && before.contains("newsdrop run"),
        "{before}"
    );
    assert!(
        !before.contains("secret"),
        "no password in the output: {before}"
    );
    let daemon = env.start();
    let log = daemon.log.clone();
    let status = daemon.terminate();
    assert!(
        status.success(),
        "{status:?}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    let after = check();
    assert!(after.contains("schema version 2, current"), "{after}");

    let unreachable = Env::new(&config("postgresql://postgres@127.0.0.1:1/none"));
    let out = unreachable.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unreachable"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
