//! Dedup through the binary: `process` verdicts point at the first article, `--state` keeps
//! the index between runs, and the daemon's `drop` policy archives a duplicate without JSON.

#![allow(clippy::unwrap_used)] // in tests a panic is the failure report
use std::time::Duration;

use crate::util::{Env, jsonl, seeds, succeeded, wait_until};

/// A seed's text republished: other chrome, an editor's note added.
fn republished(text: &[u8]) -> Vec<u8> {
    format!(
        "Other Outlet\n\nHome | World | Sport\n\n{}\n\nThis report was updated by our newsroom with material from agencies.\n\nShare this article\n",
        String::from_utf8_lossy(text)
    )
    .into_bytes()
}

#[test]
fn process_points_copies_at_the_first_article_and_state_persists() {
    let env = Env::new("");
    let seeds = seeds();
    let docs = env.path("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("1.txt"), &seeds[0].1).unwrap();
    std::fs::write(docs.join("2.txt"), &seeds[1].1).unwrap();
    std::fs::write(docs.join("3.txt"), republished(&seeds[0].1)).unwrap();
    std::fs::write(docs.join("4.txt"), &seeds[0].1).unwrap();
    let out = env.newsdrop(&["process", "docs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = jsonl(&out.stdout);
    let status: Vec<&str> = recs
        .iter()
        .map(|r| r["dedup"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["unique", "unique", "near", "exact"]);
    assert_eq!(recs[2]["dedup"]["of"], recs[0]["id"]);
    assert_eq!(recs[3]["dedup"]["of"], recs[0]["id"]);

    // With --state, a later run remembers the first.
    let first = env.newsdrop(&["process", "--state", "st", "docs/1.txt"]);
    assert!(first.status.success());
    let again = env.newsdrop(&["process", "--state", "st", "docs/3.txt", "docs/1.txt"]);
    let recs = jsonl(&again.stdout);
    assert_eq!(recs[0]["dedup"]["status"], "near");
    assert_eq!(
        recs[1]["dedup"]["status"], "unique",
        "the same article again is not a copy of itself"
    );
}

#[test]
fn drop_policy_archives_a_duplicate_without_output() {
    let env = Env::new(
        "[[stage]]\nrule = \"metadata\"\n[[stage]]\nrule = \"boilerplate\"\n[[stage]]\nrule = \"dedup\"\npolicy = \"drop\"\n",
    );
    let seeds = seeds();
    let daemon = env.start();
    env.drop_file("a.txt", &seeds[0].1);
    assert!(wait_until(Duration::from_secs(30), || env
        .list("outbox")
        .len()
        == 1));
    env.drop_file("b.txt", &seeds[0].1);
    assert!(
        wait_until(Duration::from_secs(30), || env.list("archive").len() == 2),
        "{}",
        daemon.log_text()
    );
    assert_eq!(env.list("outbox").len(), 1);
    assert!(daemon.log_text().contains("duplicate; not emitted"));
    assert!(daemon.terminate().success());
}

/// The index parameters a config leaves unset are those of the index the state holds, so
/// an index built before a default changed is still opened; a config that sets other ones
/// is refused, naming both; a new index takes the defaults.
#[test]
fn unset_index_parameters_follow_the_index_the_state_holds() {
    let env = Env::new("");
    let seeds = seeds();
    let docs = env.path("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("1.txt"), &seeds[0].1).unwrap();
    std::fs::write(docs.join("2.txt"), republished(&seeds[0].1)).unwrap();
    let config = |name: &str, dedup: &str| {
        let path = env.path(name);
        let stages = "[[stage]]\nrule = \"metadata\"\n[[stage]]\nrule = \"boilerplate\"\n";
        std::fs::write(
            &path,
            format!("{stages}[[stage]]\nrule = \"dedup\"\n{dedup}"),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let (eight, unset, twelve) = (
        config("eight.toml", "sampling = 8\n"),
        config("unset.toml", ""),
        config("twelve.toml", "sampling = 12\n"),
    );
    let process = |config: &str, state: &str, file: &str| {
        env.newsdrop(&["process", "--config", config, "--state", state, file])
    };
    succeeded(&process(&eight, "old", "docs/1.txt"));
    let recs = succeeded(&process(&unset, "old", "docs/2.txt"));
    assert_eq!(
        recs[0]["dedup"]["status"], "near",
        "the index was opened and used"
    );
    let refused = process(&twelve, "old", "docs/2.txt");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("sampling=8") && message.contains("sampling=12"),
        "{message}"
    );

    // A new index: the default (12), so a config asking for 8 is refused by it.
    succeeded(&process(&unset, "new", "docs/1.txt"));
    succeeded(&process(&twelve, "new", "docs/2.txt"));
    assert!(!process(&eight, "new", "docs/2.txt").status.success());
}
