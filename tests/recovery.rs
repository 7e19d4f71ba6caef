//! Crashes and restarts: nothing lost, nothing emitted twice, nothing half-written visible.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::Duration;

use newsdrop_core::article_id;
use newsdrop_core::id::sha256_hex;
use newsdrop_store::{Settled, Status, Store};

use crate::util::{Env, wait_until};

const LIMIT: Duration = Duration::from_secs(240);

fn article(i: usize) -> String {
    format!(
        "Story {i} of the burst.\n\nThe council met on day {i} and agreed, after a long debate, to fund the \
         new bridge that residents have asked for since the floods of the previous year.\n"
    )
}

#[test]
fn kill_9_in_the_middle_of_a_2000_file_burst_then_restart_accounts_for_every_file_once() {
    let env = Env::new("[output]\njsonl = \"all.jsonl\"\n");
    let n = 2000;
    let mut inputs = BTreeMap::new();
    for i in 0..n {
        let name = format!("burst-{i:05}.txt");
        let body = article(i);
        fs::write(env.path("staging").join(&name), &body).expect("stage");
        inputs.insert(
            name.clone(),
            article_id(&sha256_hex(body.as_bytes()), &name),
        );
    }
    let daemon = env.start();
    for name in inputs.keys() {
        fs::rename(env.path("staging").join(name), env.path("inbox").join(name)).expect("drop");
    }
    assert!(
        wait_until(LIMIT, || env.list("archive").len() >= 200),
        "{}",
        daemon.log_text()
    );
    daemon.kill9();
    let done_before = env.list("archive").len();
    assert!(
        done_before < n,
        "the kill came too late to test anything ({done_before} done)"
    );

    let daemon = env.start();
    assert!(
        wait_until(LIMIT, || env.list("archive").len()
            + env.list("failed").len()
            >= n
            && env.list("inbox").is_empty()
            && env.list(".newsdrop/work").is_empty()),
        "not all files finished: {} archived\n{}",
        env.list("archive").len(),
        daemon.log_text()
    );
    assert!(daemon.terminate().success());

    assert!(env.list("failed").is_empty(), "{:?}", env.list("failed"));
    assert_eq!(
        env.list("archive").into_iter().collect::<BTreeSet<_>>(),
        inputs.keys().cloned().collect()
    );
    // One output per input, named by its id, every one complete JSON, no temp files.
    let outbox = env.list("outbox");
    let expected: BTreeSet<String> = inputs.values().map(|id| format!("{id}.json")).collect();
    assert_eq!(
        outbox.iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "stray or missing outputs"
    );
    for out in env.outputs() {
        let name = out["source"]["name"].as_str().expect("name");
        assert_eq!(out["id"].as_str(), inputs.get(name).map(String::as_str));
    }
    // The JSONL sink has each article exactly once, and no half line.
    let jsonl = fs::read_to_string(env.path("all.jsonl")).expect("jsonl");
    assert!(jsonl.ends_with('\n'));
    let mut seen = BTreeMap::new();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("complete json line");
        *seen
            .entry(v["id"].as_str().expect("id").to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(seen.len(), n);
    assert!(
        seen.values().all(|&c| c == 1),
        "an article appears twice in the jsonl sink"
    );
}

/// Puts `bytes` in the work folder as a claimed file would be, and returns its id.
fn leave_in_work(env: &Env, name: &str, bytes: &[u8]) -> String {
    fs::create_dir_all(env.path(".newsdrop/work")).expect("mkdir");
    fs::write(
        env.path(".newsdrop/work")
            .join(format!("{:016x}-{name}", 1)),
        bytes,
    )
    .expect("write");
    article_id(&sha256_hex(bytes), name)
}

/// [`leave_in_work`], with `times` attempts already begun in the ledger (each one a crash
/// or a kill while the file was processed); returns its id.
fn interrupted(env: &Env, name: &str, bytes: &[u8], times: usize) -> String {
    let id = leave_in_work(env, name, bytes);
    let store = Store::open(&env.path(".newsdrop")).expect("store");
    for _ in 0..times {
        store
            .begin_attempt(&id, &sha256_hex(bytes), name)
            .expect("attempt");
    }
    id
}

#[test]
fn a_file_that_was_interrupted_too_often_is_quarantined() {
    let env = Env::new("[store]\nmax_attempts = 3\n");
    interrupted(&env, "crashy.txt", article(1).as_bytes(), 3);
    let daemon = env.start();
    assert!(
        wait_until(LIMIT, || env.path("failed/crashy.txt.error.json").exists()),
        "{}",
        daemon.log_text()
    );
    let record = env.error_record("crashy.txt");
    assert!(
        record["message"]
            .as_str()
            .expect("message")
            .contains("quarantined"),
        "{record:#}"
    );
    assert_eq!(record["attempts"], 4);
    assert!(env.list("outbox").is_empty());
    assert!(daemon.terminate().success());
}

/// A kill between publishing an output and settling the ledger leaves the input in `work/`
/// with its output in the outbox. However often that happened, the file is finished: it
/// did not crash the daemon, and quarantining it would make the article both emitted and
/// failed.
#[test]
fn a_file_interrupted_too_often_after_its_output_was_published_is_finished() {
    let env = Env::new("[store]\nmax_attempts = 3\n");
    let id = interrupted(&env, "published.txt", article(4).as_bytes(), 3);
    fs::create_dir_all(env.path("outbox")).expect("mkdir");
    let output = env.path(format!("outbox/{id}.json").as_str());
    fs::write(&output, "{}").expect("output");
    let daemon = env.start();
    assert!(
        wait_until(LIMIT, || env.path("archive/published.txt").exists()),
        "{}",
        daemon.log_text()
    );
    assert!(env.list("failed").is_empty(), "{:?}", env.list("failed"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(&output).expect("output")).expect("json");
    assert_eq!(
        json["id"],
        id.as_str(),
        "the output was written again, whole"
    );
    assert!(daemon.terminate().success());
}

#[test]
fn an_input_already_committed_is_only_archived_and_temp_outputs_are_removed() {
    let env = Env::new("");
    let bytes = article(2);
    let id = leave_in_work(&env, "done.txt", bytes.as_bytes());
    {
        let store = Store::open(&env.path(".newsdrop")).expect("store");
        store
            .begin_attempt(&id, &sha256_hex(bytes.as_bytes()), "done.txt")
            .expect("attempt");
        store
            .settle(&[Settled {
                id: id.clone(),
                status: Status::Emitted,
                output: String::new(),
                message: String::new(),
            }])
            .expect("settle");
    }
    fs::create_dir_all(env.path("outbox")).expect("mkdir");
    fs::write(env.path("outbox/.deadbeef.json.tmp"), "{\"half").expect("temp");
    let daemon = env.start();
    assert!(
        wait_until(LIMIT, || env.path("archive/done.txt").exists()),
        "{}",
        daemon.log_text()
    );
    assert!(
        env.list("outbox").is_empty(),
        "re-emitted: {:?}",
        env.list("outbox")
    );
    assert!(env.list(".newsdrop/work").is_empty());
    assert!(daemon.terminate().success());
}

#[test]
fn a_leftover_that_was_in_flight_runs_again_to_the_same_id() {
    let env = Env::new("[http]\nlisten = \"127.0.0.1:0\"\n");
    let bytes = article(3);
    let id = leave_in_work(&env, "inflight.txt", bytes.as_bytes());
    let daemon = env.start();
    assert!(
        wait_until(LIMIT, || env
            .path(format!("outbox/{id}.json").as_str())
            .exists()),
        "{}",
        daemon.log_text()
    );
    // The committer publishes the output before it moves the input out of work/.
    assert!(
        wait_until(LIMIT, || env.path("archive/inflight.txt").exists()),
        "{}",
        daemon.log_text()
    );
    // Counted as taken up from work/, not as claimed from the inbox.
    assert_eq!(daemon.metric("newsdrop_files_resumed_total"), 1.0);
    assert_eq!(daemon.metric("newsdrop_files_seen_total"), 0.0);
    assert!(daemon.terminate().success());
}
