//! The daemon end to end: intake, reading, failures, signals, reload.

use std::fs;
use std::io::Write;
use std::time::Duration;

use crate::util::{Env, seeds, wait_until};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn the_five_seeds_become_five_outputs_that_match_the_schema() {
    let env = Env::new("");
    let daemon = env.start();
    for (name, bytes) in seeds() {
        env.drop_file(&name, &bytes);
    }
    assert!(
        wait_until(MINUTE, || env.list("archive").len() == 5),
        "{}",
        daemon.log_text()
    );
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/article.schema.json"))
            .expect("committed schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let outputs = env.outputs();
    assert_eq!(outputs.len(), 5);
    let mut names: Vec<&str> = Vec::new();
    for out in &outputs {
        if let Err(e) = validator.validate(out) {
            panic!("output does not match the schema: {e}\n{out:#}");
        }
        assert_eq!(out["schema_version"], 1);
        assert_eq!(out["id"].as_str().map(str::len), Some(32));
        assert!(
            out["body"].as_str().is_some_and(|b| b.len() > 500),
            "{out:#}"
        );
        names.push(out["source"]["name"].as_str().expect("name"));
    }
    names.sort_unstable();
    let expected: Vec<String> = seeds().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, expected);
    assert!(env.list("inbox").is_empty());
    assert!(env.list(".newsdrop/work").is_empty());
    assert!(daemon.terminate().success());
}

#[test]
fn a_file_written_in_four_pieces_over_three_seconds_is_read_once_complete() {
    let env = Env::with_intake("settle_ms = 1500", "");
    let daemon = env.start();
    let pieces = [
        "The first paragraph of the article, written slowly by a producer that keeps the file open.\n\n",
        "A second paragraph arrives a second later, and the daemon must not have taken the file yet.\n\n",
        "A third paragraph follows after another pause, long enough that a naive watcher would fire.\n\n",
        "The fourth and last paragraph completes the article, and only now may it be read.\n",
    ];
    let path = env.path("inbox/slow.txt");
    let mut file = fs::File::create(&path).expect("create");
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        file.write_all(piece.as_bytes()).expect("write");
        file.flush().expect("flush");
        assert!(
            env.list("outbox").is_empty(),
            "taken after piece {i}: {}",
            daemon.log_text()
        );
        assert!(
            path.exists(),
            "claimed after piece {i} while still being written"
        );
    }
    drop(file);
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    let body = env.outputs()[0]["body"].as_str().expect("body").to_string();
    for piece in pieces {
        assert!(body.contains(piece.trim()), "missing {piece:?} in {body:?}");
    }
}

fn paragraph(text: &str) -> String {
    format!(
        "{text} The officials met on Tuesday to discuss the agreement, which both sides described as a \
         significant step towards closer cooperation in the region.\n"
    )
}

#[test]
fn windows_1252_and_utf16_with_bom_are_decoded() {
    let env = Env::new("");
    let daemon = env.start();
    let text = paragraph("The café owner said “it’s a fine day” — and the minister agreed.");
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    env.drop_file("cp1252.txt", &cp1252);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    env.drop_file("utf16.txt", &utf16);
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 2),
        "{}",
        daemon.log_text()
    );
    for out in env.outputs() {
        let body = out["body"].as_str().expect("body");
        assert!(
            body.contains("café owner said “it’s a fine day” — and"),
            "{out:#}"
        );
        let expected = if out["source"]["name"] == "cp1252.txt" {
            "windows-1252"
        } else {
            "UTF-16LE"
        };
        assert_eq!(out["source"]["encoding"], expected);
    }
}

#[test]
fn binary_empty_oversized_and_unknown_files_fail_with_a_reason_and_the_daemon_goes_on() {
    let env = Env::with_intake("max_file_bytes = 4096", "");
    let daemon = env.start();
    env.drop_file("image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR and more bytes");
    env.drop_file("empty.txt", b"");
    env.drop_file("huge.txt", paragraph("Too long.").repeat(40).as_bytes());
    env.drop_file("sheet.xlsx", b"PK\x03\x04 a spreadsheet");
    env.drop_file(
        "good.txt",
        paragraph("A good article after the bad ones.").as_bytes(),
    );
    assert!(
        wait_until(MINUTE, || env.list("failed").len() == 8
            && env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    let reason = |name: &str| {
        env.error_record(name)["message"]
            .as_str()
            .expect("message")
            .to_string()
    };
    assert!(
        reason("image.txt").contains("binary"),
        "{}",
        reason("image.txt")
    );
    assert!(
        reason("empty.txt").contains("empty"),
        "{}",
        reason("empty.txt")
    );
    assert!(
        reason("huge.txt").contains("over the limit of 4096"),
        "{}",
        reason("huge.txt")
    );
    assert!(
        reason("sheet.xlsx").contains("unsupported file type"),
        "{}",
        reason("sheet.xlsx")
    );
    let record = env.error_record("image.txt");
    assert_eq!(record["stage"], "read");
    assert_eq!(record["file"], "image.txt");
    for name in ["image.txt", "empty.txt", "huge.txt", "sheet.xlsx"] {
        assert!(
            env.path("failed").join(name).exists(),
            "{name} not beside its error record"
        );
    }
    assert!(daemon.terminate().success());
}

/// An operator fixes a failed file and drops it again: once it goes through, its error
/// record leaves `failed/`, which then lists only what still needs a look. A record whose
/// input is still beside it stays, even when a good file of that name goes through.
#[test]
fn a_failed_file_that_goes_through_on_a_retry_takes_its_record_out_of_failed() {
    let env = Env::new("");
    let daemon = env.start();
    env.drop_file("story.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR one");
    env.drop_file("other.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR two");
    assert!(
        wait_until(MINUTE, || env.list("failed").len() == 4),
        "{}",
        daemon.log_text()
    );
    fs::remove_file(env.path("failed/story.txt")).expect("the operator takes the bad file");
    env.drop_file("story.txt", paragraph("The story, fixed.").as_bytes());
    env.drop_file(
        "other.txt",
        paragraph("Another story of that name.").as_bytes(),
    );
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 2),
        "{}",
        daemon.log_text()
    );
    assert!(daemon.terminate().success());
    assert_eq!(env.list("failed"), ["other.txt", "other.txt.error.json"]);
}

#[test]
fn symlinks_fifos_hidden_and_temporary_names_are_left_alone() {
    let env = Env::new("");
    let secret = env.path("secret.txt");
    fs::write(
        &secret,
        paragraph("TOP SECRET content that must never be published."),
    )
    .expect("secret");
    std::os::unix::fs::symlink(&secret, env.path("inbox").join("link.txt")).expect("symlink");
    let mkfifo = std::process::Command::new("mkfifo")
        .arg(env.path("inbox/pipe.txt"))
        .status()
        .expect("mkfifo");
    assert!(mkfifo.success());
    for name in [
        ".hidden.txt",
        "upload.txt.part",
        "draft.tmp",
        "notes.txt~",
        "page.html.crdownload",
    ] {
        fs::write(env.path("inbox").join(name), paragraph("Not ready.")).expect("write");
    }
    let daemon = env.start();
    env.drop_file("good.txt", paragraph("An ordinary article.").as_bytes());
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    // Give a later scan the chance to (wrongly) pick the others up.
    std::thread::sleep(Duration::from_millis(500));
    let left = env.list("inbox");
    for name in [
        "link.txt",
        "pipe.txt",
        ".hidden.txt",
        "upload.txt.part",
        "draft.tmp",
        "notes.txt~",
        "page.html.crdownload",
    ] {
        assert!(
            left.contains(&name.to_string()),
            "{name} was taken: {left:?}"
        );
    }
    assert_eq!(env.outputs().len(), 1);
    assert!(env.list("failed").is_empty());
    assert!(daemon.log_text().contains("not a regular file"));
    assert!(daemon.terminate().success());
}

#[test]
fn sigterm_drains_in_flight_files_and_exits_zero() {
    let env = Env::new("");
    let daemon = env.start();
    for i in 0..300 {
        env.drop_file(
            &format!("a{i:04}.txt"),
            paragraph(&format!("Article number {i}.")).as_bytes(),
        );
    }
    assert!(wait_until(MINUTE, || !env.list("archive").is_empty()));
    let status = daemon.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        env.list(".newsdrop/work").is_empty(),
        "files left in work/ after a drain"
    );
    let (archived, waiting) = (env.list("archive").len(), env.list("inbox").len());
    assert_eq!(
        archived + waiting,
        300,
        "archived {archived} + waiting {waiting}"
    );
    assert_eq!(env.outputs().len(), archived);
}

#[test]
fn sighup_swaps_a_valid_config_and_keeps_the_old_one_on_error() {
    let env = Env::new("");
    let daemon = env.start();
    env.drop_file("one.txt", paragraph("Before any reload.").as_bytes());
    assert!(wait_until(MINUTE, || env.outputs().len() == 1));

    fs::write(
        env.config(),
        "[intake]\nsettle_ms = 300\n[output]\nremoved = true\nbogus = 1\n",
    )
    .expect("write");
    daemon.signal("HUP");
    assert!(
        wait_until(MINUTE, || daemon.log_text().contains("reload failed")),
        "{}",
        daemon.log_text()
    );
    assert!(daemon.log_text().contains("output.bogus"));
    env.drop_file("two.txt", paragraph("After a failed reload.").as_bytes());
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 2),
        "{}",
        daemon.log_text()
    );
    assert!(env.outputs().iter().all(|o| o.get("removed").is_none()));

    fs::write(
        env.config(),
        "[intake]\nsettle_ms = 300\n[output]\nremoved = true\n",
    )
    .expect("write");
    daemon.signal("HUP");
    assert!(
        wait_until(MINUTE, || daemon.log_text().contains("config reloaded")),
        "{}",
        daemon.log_text()
    );
    env.drop_file("three.txt", paragraph("After a good reload.").as_bytes());
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 3),
        "{}",
        daemon.log_text()
    );
    let three = env
        .outputs()
        .into_iter()
        .find(|o| o["source"]["name"] == "three.txt")
        .expect("three");
    assert!(three.get("removed").is_some(), "{three:#}");
    assert!(daemon.terminate().success());
}

#[test]
fn files_in_subfolders_keep_their_folder() {
    let env = Env::new("");
    let daemon = env.start();
    fs::create_dir_all(env.path("inbox/site-a")).expect("mkdir");
    std::thread::sleep(Duration::from_millis(200));
    let staged = env.path("staging/story.txt");
    fs::write(&staged, paragraph("From a subfolder.")).expect("write");
    fs::rename(&staged, env.path("inbox/site-a/story.txt")).expect("rename");
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    let out = &env.outputs()[0];
    assert_eq!(out["source"]["folder"], "site-a");
    assert_eq!(out["source"]["name"], "story.txt");
    // The output is published before the ledger commit and before the input is put away.
    assert!(wait_until(MINUTE, || env
        .path("archive/site-a/story.txt")
        .exists()));
}

/// Two sources (subfolders) sending the same bytes under the same name: two articles, the
/// second an exact copy of the first, each archived in its folder. They once had one id,
/// and the second stayed in `work/` after a failed publish.
#[test]
fn the_same_file_from_two_subfolders_is_two_articles() {
    let env = Env::new("[[stage]]\nrule = \"metadata\"\n[[stage]]\nrule = \"dedup\"\n");
    let daemon = env.start();
    let text = paragraph("Sent by two sites.");
    for site in ["site-a", "site-b"] {
        fs::create_dir_all(env.path(&format!("inbox/{site}"))).expect("mkdir");
    }
    std::thread::sleep(Duration::from_millis(200));
    for site in ["site-a", "site-b"] {
        let staged = env.path(&format!("staging/{site}.txt"));
        fs::write(&staged, &text).expect("write");
        fs::rename(&staged, env.path(&format!("inbox/{site}/same.txt"))).expect("rename");
    }
    assert!(
        wait_until(MINUTE, || env.path("archive/site-a/same.txt").exists()
            && env.path("archive/site-b/same.txt").exists()),
        "{}",
        daemon.log_text()
    );
    let mut outputs = env.outputs();
    assert_eq!(outputs.len(), 2, "{}", daemon.log_text());
    outputs.sort_by_key(|o| o["dedup"]["status"] != "unique");
    let (first, copy) = (&outputs[0], &outputs[1]);
    assert_ne!(first["id"], copy["id"]);
    assert_ne!(first["source"]["folder"], copy["source"]["folder"]);
    assert_eq!(copy["dedup"]["status"], "exact");
    assert_eq!(copy["dedup"]["of"], first["id"]);
    assert!(env.list(".newsdrop/work").is_empty());
    assert!(daemon.terminate().success());
}

/// A name too long to claim under (once the work folder's claim number is added) used to
/// leave the file in the inbox forever, with a warning at every scan: it goes to `failed/`
/// with a record that says why. A name that is not UTF-8 was skipped in silence: the file
/// is processed, its name spelt with `%XX` for the bytes that are not UTF-8.
#[test]
fn names_too_long_to_claim_fail_and_names_not_utf8_are_spelt_out() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new("");
    let daemon = env.start();
    let long = format!("{}.txt", "L".repeat(240));
    let not_utf8 = std::ffi::OsStr::from_bytes(b"bad\xff\xfename.txt");
    for name in [std::ffi::OsStr::new(&long), not_utf8] {
        let staged = env.path("staging").join(name);
        fs::write(&staged, paragraph("A fine article under an odd name.")).expect("write");
        fs::rename(&staged, env.path("inbox").join(name)).expect("rename");
    }
    assert!(
        wait_until(MINUTE, || env.list("failed").len() == 2
            && env.path("archive/bad%FF%FEname.txt").exists()),
        "{:?}\n{}",
        env.list("failed"),
        daemon.log_text()
    );
    assert!(env.list("inbox").is_empty());
    let outputs = env.outputs();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0]["source"]["name"], "bad%FF%FEname.txt");
    let kept = env
        .list("failed")
        .into_iter()
        .find(|n| !n.ends_with(".error.json"))
        .expect("the long-named file");
    assert!(
        kept.starts_with("LLL") && kept.len() < long.len(),
        "shortened to fit: {kept}"
    );
    let record = env.error_record(&kept);
    assert_eq!(record["stage"], "intake");
    assert_eq!(
        record["file"],
        long.as_str(),
        "the record has the whole name"
    );
    assert!(
        record["message"]
            .as_str()
            .expect("message")
            .contains("too long"),
        "{record:#}"
    );
    assert!(daemon.terminate().success());
}

#[test]
fn on_success_delete_removes_the_input_once_emitted() {
    let env = Env::new("[output]\non_success = \"delete\"\n");
    let daemon = env.start();
    env.drop_file("gone.txt", paragraph("Deleted once emitted.").as_bytes());
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    assert!(wait_until(MINUTE, || env.list(".newsdrop/work").is_empty()));
    assert!(env.list("archive").is_empty());
    assert!(env.list("inbox").is_empty());
}

#[test]
fn json_logs_name_the_file_and_the_id_of_each_article() {
    let env = Env::new("");
    let daemon = env.start_with(&["--log-format", "json", "--log-level", "info"]);
    env.drop_file("logged.txt", paragraph("An article to log.").as_bytes());
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    let id = env.outputs()[0]["id"].as_str().expect("id").to_string();
    assert!(wait_until(MINUTE, || daemon.log_text().contains("emitted")));
    let emitted: serde_json::Value = daemon
        .log_text()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("every log line is JSON"))
        .find(|v| v["message"] == "emitted")
        .expect("an emitted line");
    assert_eq!(emitted["file"], "logged.txt");
    assert_eq!(emitted["id"], id.as_str());
    assert_eq!(emitted["level"], "INFO");
}

/// A writer that creates its file and fills it later (a crawler fetching the page) leaves
/// it empty past the settle time: it is not taken empty, and is read once written.
#[test]
fn an_empty_file_still_open_waits_for_its_writer() {
    let env = Env::with_intake("settle_ms = 100", "");
    let daemon = env.start();
    let mut writer = fs::File::create(env.path("inbox").join("slow.txt")).expect("create");
    // Fifteen settle times later, with another file gone through meanwhile, it still waits.
    std::thread::sleep(Duration::from_millis(1500));
    env.drop_file("other.txt", paragraph("Another story.").as_bytes());
    assert!(wait_until(MINUTE, || env.list("archive").len() == 1));
    assert_eq!(env.list("inbox"), ["slow.txt"]);
    assert!(env.list("failed").is_empty(), "{:?}", env.list("failed"));

    writer
        .write_all(paragraph("The page came at last.").as_bytes())
        .expect("write");
    drop(writer);
    assert!(wait_until(MINUTE, || env.list("archive").len() == 2));
    let names: Vec<String> = env
        .outputs()
        .iter()
        .map(|o| o["source"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&"slow.txt".to_string()), "{names:?}");
    assert!(daemon.terminate().success());
}

/// Runs `newsdrop run` on the env's config, expecting it to refuse to start (exit 1); its
/// stderr.
fn refused_start(env: &Env) -> String {
    let config = env.config();
    let out = env.newsdrop(&["run", "--config", config.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A second daemon on a state folder another one runs on refuses to start, naming it, and
/// so does `process --state` on it (its writes to the index broke every later commit of
/// the daemon); the first goes on.
#[test]
fn a_second_daemon_or_a_process_run_on_one_state_folder_is_refused() {
    let env = Env::new("");
    let daemon = env.start();
    let stderr = refused_start(&env);
    assert!(
        stderr.contains("another newsdrop is running on the state folder"),
        "{stderr}"
    );
    fs::write(
        env.path("staging/copy.txt"),
        paragraph("A copy for process."),
    )
    .expect("write");
    let state = env.path(".newsdrop");
    let out = env.newsdrop(&[
        "process",
        "--state",
        state.to_str().expect("utf-8"),
        "staging",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("another newsdrop is running on the state folder"),
        "{stderr}"
    );
    env.drop_file(
        "after.txt",
        paragraph("The first daemon goes on.").as_bytes(),
    );
    assert!(wait_until(MINUTE, || env.list("archive").len() == 1));
    assert!(daemon.terminate().success());
}

/// Folders on two filesystems cannot exchange files by rename: start-up says so, instead
/// of every claim failing. Runs where `/dev/shm` is another filesystem than the temp dir.
#[test]
fn folders_on_two_filesystems_are_refused_at_start_up() {
    use std::os::unix::fs::MetadataExt;
    let shm = std::path::Path::new("/dev/shm");
    let env = Env::new("");
    let dev = |p: &std::path::Path| fs::metadata(p).map(|m| m.dev()).ok();
    if dev(shm).is_none() || dev(shm) == dev(&env.path("")) {
        eprintln!("skipped: /dev/shm is missing or on the temp dir's filesystem");
        return;
    }
    let archive = tempfile::tempdir_in(shm).expect("tempdir in /dev/shm");
    let config = format!(
        "[intake]\nsettle_ms = 300\n[paths]\narchive = \"{}\"\n",
        archive.path().display()
    );
    fs::write(env.config(), config).expect("config");
    let stderr = refused_start(&env);
    assert!(
        stderr.contains("`paths.archive`") && stderr.contains("another filesystem"),
        "{stderr}"
    );
}

/// SQLite writes on to a database file deleted under it: the ledger of everything done
/// since would be lost at the next start, with nothing said. The daemon notices at the next
/// commit, stops with an error, and the next start (on a new database) takes up what was
/// left.
#[test]
fn a_deleted_database_stops_the_daemon_with_an_error_and_loses_no_input() {
    let env = Env::new("");
    let mut daemon = env.start();
    env.drop_file(
        "before.txt",
        paragraph("Settled in the first database.").as_bytes(),
    );
    assert!(wait_until(MINUTE, || env.list("archive").len() == 1));
    for name in ["newsdrop.db", "newsdrop.db-wal", "newsdrop.db-shm"] {
        let _ = fs::remove_file(env.path(".newsdrop").join(name));
    }
    env.drop_file(
        "after.txt",
        paragraph("Dropped once the database was gone.").as_bytes(),
    );
    let status = daemon.wait(MINUTE);
    let log = daemon.log_text();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("was deleted or replaced while newsdrop ran"),
        "{log}"
    );
    assert_eq!(env.list("archive"), ["before.txt"], "nothing settled since");

    let daemon = env.start();
    assert!(
        wait_until(MINUTE, || env.list("archive").len() == 2),
        "{}",
        daemon.log_text()
    );
    assert!(env.list("work").is_empty() && env.list("failed").is_empty());
    assert!(daemon.terminate().success());
}

/// The state folder deleted under a running daemon: it stops with an error saying so (the
/// service manager restarts it on a new state), instead of claiming nothing, silently.
#[test]
fn a_deleted_state_folder_stops_the_daemon_with_an_error() {
    let env = Env::new("");
    let mut daemon = env.start();
    fs::remove_dir_all(env.path(".newsdrop")).expect("rm state");
    env.drop_file("orphan.txt", paragraph("Nowhere to go.").as_bytes());
    let status = daemon.wait(MINUTE);
    assert_eq!(status.code(), Some(1), "{}", daemon.log_text());
    assert!(daemon.log_text().contains("the work folder is gone"));
    assert_eq!(
        env.list("inbox"),
        ["orphan.txt"],
        "the file waits for the next start"
    );
}
