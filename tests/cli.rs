//! The one-shot commands: `check`, `init`, `process`.

use std::fs;

use crate::util::{Env, seeds, succeeded};

#[test]
fn check_reports_a_misspelt_key_with_file_line_and_key_and_exits_78() {
    let env = Env::new("");
    fs::write(env.config(), "[intake]\nsettle_ms = 300\n\n[output]\nremovd = true\n\n[[stage]]\nrule = \"metadata\"\nnope = 1\n")
        .expect("write");
    let out = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("newsdrop.toml:5:1: key `output.removd`: unknown key `removd`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("newsdrop.toml:9:1: key `stage[0].nope`"),
        "{stderr}"
    );
    // `run` refuses the same config with the same code.
    let run = env.newsdrop(&["run", "--config", "newsdrop.toml"]);
    assert_eq!(run.status.code(), Some(78));
}

#[test]
fn check_prints_the_default_pipeline() {
    let env = Env::new("");
    let out = env.newsdrop(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("<embedded default> is valid"), "{stdout}");
    assert!(stdout.contains("1. metadata (rule metadata)"), "{stdout}");
    assert!(
        stdout.contains("2. boilerplate (rule boilerplate)"),
        "{stdout}"
    );
}

#[test]
fn init_writes_the_commented_default_and_the_folders_and_refuses_to_overwrite() {
    let env = Env::new("");
    let out = env.newsdrop(&["init", "site"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = fs::read_to_string(env.path("site/newsdrop.toml")).expect("config");
    assert_eq!(written, newsdrop_core::config::DEFAULT_TOML);
    for dir in ["inbox", "outbox", "archive", "failed", ".newsdrop"] {
        assert!(env.path("site").join(dir).is_dir(), "{dir}");
    }
    let again = env.newsdrop(&["init", "site"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let check = env.newsdrop(&["check", "--config", "site/newsdrop.toml"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn process_prints_one_line_per_file_in_name_order_and_repeats() {
    let env = Env::new("");
    for (name, bytes) in seeds().into_iter().rev() {
        fs::write(env.path("staging").join(name), bytes).expect("write");
    }
    let first = env.newsdrop(&["process", "staging"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&first.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["source"]["name"]
                .as_str()
                .expect("name")
                .to_string()
        })
        .collect();
    let expected: Vec<String> = seeds().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, expected);
    let second = env.newsdrop(&["process", "staging"]);
    assert_eq!(first.stdout, second.stdout, "process must repeat exactly");
    assert!(
        env.list("staging").len() == 5,
        "process must not move files"
    );
}

/// A folder laid out as a daemon's inbox, with a subfolder per source: `process` takes the
/// subfolders' files too (they were once left out, unsaid), each with its folder as its
/// `source.folder`, so two sources' files of the same name are two articles, as they are
/// for the daemon. Hidden folders are left out; `recursive = false` leaves out them all.
#[test]
fn process_takes_a_folders_subfolders_as_the_daemon_takes_the_inboxs() {
    let env = Env::new("");
    let story = |what: &str| {
        format!(
            "The county council met on Tuesday about the {what} and voted to approve the \
             plan after a long debate, with two members against it and one abstaining.\n"
        )
    };
    for (path, what) in [
        ("staging/b.txt", "harbour"),
        ("staging/a.txt", "library"),
        ("staging/site-b/same.txt", "bridge"),
        ("staging/site-a/same.txt", "bridge"),
        ("staging/site-a/deeper/x.txt", "depot"),
        ("staging/.cache/hidden.txt", "school"),
    ] {
        fs::create_dir_all(env.path(path).parent().expect("parent")).expect("mkdir");
        fs::write(env.path(path), story(what)).expect("write");
    }
    let sources = |out: &std::process::Output| -> Vec<(String, String, String)> {
        succeeded(out)
            .iter()
            .map(|v| {
                let s = &v["source"];
                (
                    s["folder"].as_str().unwrap_or_default().to_string(),
                    s["name"].as_str().expect("name").to_string(),
                    v["id"].as_str().expect("id").to_string(),
                )
            })
            .collect()
    };
    let got = sources(&env.newsdrop(&["process", "staging"]));
    let places: Vec<(&str, &str)> = got
        .iter()
        .map(|(f, n, _)| (f.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("", "a.txt"),
            ("", "b.txt"),
            ("site-a", "same.txt"),
            ("site-a/deeper", "x.txt"),
            ("site-b", "same.txt"),
        ]
    );
    assert_ne!(
        got[2].2, got[4].2,
        "the same file from two sources is two articles"
    );

    fs::write(env.config(), "[intake]\nrecursive = false\n").expect("config");
    let flat = sources(&env.newsdrop(&["process", "--config", "newsdrop.toml", "staging"]));
    let names: Vec<&str> = flat.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(names, ["a.txt", "b.txt"]);
}

/// Names that are not UTF-8, in a subfolder whose name is not either: read under the name
/// the daemon gives them (`%XX` for each other byte), not lost to a lossy spelling.
#[test]
fn process_reads_files_and_subfolders_whose_names_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new("");
    let sub = env
        .path("staging")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir_all(&sub).expect("mkdir");
    let text = "The county council met on Tuesday and voted to approve the harbour plan \
                after a long debate, with two members against it and one abstaining.\n";
    fs::write(
        sub.join(std::ffi::OsStr::from_bytes(b"r\xe9sum\xe9.txt")),
        text,
    )
    .expect("write");
    let records = succeeded(&env.newsdrop(&["process", "staging"]));
    assert_eq!(records.len(), 1);
    let v = &records[0];
    assert_eq!(v["source"]["folder"], "caf%E9");
    assert_eq!(v["source"]["name"], "r%E9sum%E9.txt");
}

/// A subfolder that cannot be read is named on stderr and the run goes on with the rest;
/// the exit code says that something was left out. As root (which reads any folder) the
/// binary runs as `nobody`.
#[test]
fn process_reports_an_unreadable_subfolder_and_goes_on() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let env = Env::new("");
    let staging = env.path("staging");
    fs::create_dir_all(staging.join("locked")).expect("mkdir");
    let text = "The county council met on Tuesday and voted to approve the harbour plan \
                after a long debate, with two members against it and one abstaining.\n";
    fs::write(staging.join("a.txt"), text).expect("write");
    fs::write(
        staging.join("locked/b.txt"),
        text.replace("harbour", "library"),
    )
    .expect("write");
    for (path, mode) in [
        (env.dir.path().to_path_buf(), 0o755),
        (staging.clone(), 0o755),
        (staging.join("a.txt"), 0o644),
        (staging.join("locked"), 0o700),
    ] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_newsdrop"));
    command
        .args(["process", "staging"])
        .current_dir(env.dir.path());
    if fs::metadata("/proc/self").expect("proc").uid() == 0 {
        command.uid(65534).gid(65534);
    }
    let out = command.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("staging/locked") && stderr.contains("ermission denied"),
        "{stderr}"
    );
    assert!(stderr.contains("1 path could not be read"), "{stderr}");
}

#[test]
fn process_reports_a_failing_file_and_goes_on() {
    let env = Env::new("");
    fs::write(env.path("staging/a.txt"), b"").expect("write");
    fs::write(
        env.path("staging/b.txt"),
        "A fine article with enough words to be kept as the body.\n",
    )
    .expect("write");
    let out = env.newsdrop(&[
        "process",
        "staging/a.txt",
        "staging/gone.txt",
        "staging/b.txt",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("staging/a.txt: read failed: empty file"),
        "{stderr}"
    );
    // A path that is not there is named, and the others are still processed.
    assert!(
        stderr.contains("skipped: staging/gone.txt: No such file or directory"),
        "{stderr}"
    );
}

#[test]
fn process_learns_a_sites_chrome_in_the_state_folder_across_runs() {
    let env = Env::new("");
    fs::write(env.config(), "[output]\nremoved = true\n").expect("config");
    let page = |n: usize, topic: &str| {
        let para = |what: &str| {
            format!(
                "The county council met about the {topic} and after a long debate it voted \
                 to approve the {what} plan, with two members against it and one abstaining."
            )
        };
        serde_json::json!({
            "title": format!("Council and the {topic}"),
            "url": format!("https://www.courier.example/news/{n}"),
            "body": format!(
                "{}\n\n{}\n\nThe Valley Courier is an independent newspaper serving the \
                 county since 1921.\n\n{}",
                para("budget"),
                para("timetable"),
                para("repairs")
            ),
        })
        .to_string()
    };
    // The default `learn_after` is 4: four pages in a first run, the fifth in a second.
    let topics = ["harbour", "library", "bridge", "depot", "school"];
    for (n, topic) in topics.iter().enumerate() {
        let dir = if n < 4 { "first" } else { "second" };
        fs::create_dir_all(env.path(dir)).expect("mkdir");
        fs::write(env.path(dir).join(format!("{n}.json")), page(n, topic)).expect("write");
    }
    let run = |dir: &str| {
        succeeded(&env.newsdrop(&[
            "process",
            "--config",
            "newsdrop.toml",
            "--state",
            "state",
            dir,
        ]))
    };
    const LINE: &str = "The Valley Courier is an independent newspaper";
    for article in run("first") {
        assert!(article["body"].as_str().expect("body").contains(LINE));
    }
    // A second run over the same state folder remembers the four pages.
    let learnt = run("second");
    let body = learnt[0]["body"].as_str().expect("body");
    assert!(!body.contains(LINE), "{body}");
    assert!(body.contains("the school"), "{body}");
    let removed = learnt[0]["removed"].as_array().expect("removed");
    assert!(
        removed
            .iter()
            .any(|r| r["text"].as_str().is_some_and(|t| t.starts_with(LINE))
                && r["reason"] == "learnt chrome: on 4 earlier pages of host:courier.example"),
        "{removed:?}"
    );
}

#[test]
fn check_reports_a_mistake_in_a_boilerplate_rule_file_with_its_line() {
    let env = Env::new("");
    fs::write(
        env.config(),
        "[[stage]]\nrule = \"boilerplate\"\nrules = [\"sites.toml\"]\n",
    )
    .expect("config");
    fs::write(
        env.path("sites.toml"),
        "drop = [\"promo code\"]\n\n[[source]]\nmatch = [\"site:courier.example\"]\n",
    )
    .expect("rules");
    let out = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sites.toml:4:") && stderr.contains("key `source[0].match[0]`"),
        "{stderr}"
    );
}

/// `text` with every line longer than `width` broken greedily at spaces, as `fmt`, mail
/// clients and wire services break prose.
fn hard_wrapped(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

#[test]
fn process_gives_a_hard_wrapped_page_the_body_of_the_page_unwrapped() {
    let env = Env::new("");
    let mut wrapped_lines = 0;
    for (name, bytes) in seeds() {
        let text = String::from_utf8(bytes).expect("seeds are UTF-8");
        let wrapped = hard_wrapped(&text, 72);
        wrapped_lines += wrapped.lines().count() - text.lines().count();
        fs::write(env.path("staging").join(&name), &text).expect("write");
        fs::write(env.path("staging").join(format!("wrapped-{name}")), wrapped).expect("write");
    }
    assert!(
        wrapped_lines > 100,
        "the seeds have long paragraphs to wrap"
    );
    let records: std::collections::HashMap<String, serde_json::Value> =
        succeeded(&env.newsdrop(&["process", "staging"]))
            .into_iter()
            .map(|v| (v["source"]["name"].as_str().expect("name").to_string(), v))
            .collect();
    for (name, _) in seeds() {
        let (plain, wrapped) = (&records[&name], &records[&format!("wrapped-{name}")]);
        for field in [
            "body",
            "title",
            "published",
            "authors",
            "dateline",
            "publisher",
        ] {
            assert_eq!(wrapped[field], plain[field], "{name}: {field}");
        }
        assert_eq!(
            wrapped["dedup"]["status"], "exact",
            "{name}: same words, so an exact copy"
        );
    }
}
