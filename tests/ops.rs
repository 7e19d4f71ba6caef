//! Running it for months: the `/metrics`, `/health` and `/ready` endpoint, progress, the
//! systemd notifications, and writes that fail (disk full) without losing or doubling.

use std::fs;
use std::time::Duration;

use crate::util::{Env, seeds, wait_until};

const MINUTE: Duration = Duration::from_secs(60);

const HTTP: &str = "[http]\nlisten = \"127.0.0.1:0\"\n";

#[test]
fn metrics_count_what_the_folders_show() {
    let env = Env::new(HTTP);
    let daemon = env.start();
    assert_eq!(daemon.get("/health"), (200, "ok\n".to_string()));
    assert_eq!(daemon.get("/ready"), (200, "ready\n".to_string()));

    let seeds = seeds();
    for (name, bytes) in &seeds {
        env.drop_file(name, bytes);
    }
    // The same bytes under another name: an exact duplicate (emitted, marked).
    env.drop_file("copy-of-first.txt", &seeds[0].1);
    env.drop_file("binary.txt", b"\x00\x01\x02 not text \x00");
    let files = seeds.len() + 2;
    assert!(
        wait_until(MINUTE, || env.list("archive").len() == files - 1
            && env.list("failed").len() == 2),
        "{}",
        daemon.log_text()
    );
    // A failed input moves before the ledger commit that counts it: wait for the count.
    assert!(wait_until(MINUTE, || daemon
        .metric("newsdrop_article_seconds_count")
        == files as f64));
    let (status, text) = daemon.get("/metrics");
    assert_eq!(status, 200);
    let m = |sample: &str| crate::util::metric(&text, sample);
    assert_eq!(m("newsdrop_files_seen_total"), files as f64, "{text}");
    assert_eq!(m("newsdrop_articles_emitted_total"), (files - 1) as f64);
    assert_eq!(env.outputs().len(), files - 1);
    assert_eq!(m("newsdrop_duplicates_total{kind=\"exact\"}"), 1.0);
    assert_eq!(m("newsdrop_duplicates_total{kind=\"near\"}"), 0.0);
    assert_eq!(m("newsdrop_failures_total{stage=\"read\"}"), 1.0);
    assert_eq!(m("newsdrop_in_flight"), 0.0);
    assert_eq!(m("newsdrop_inbox_backlog"), 0.0);
    assert_eq!(m("newsdrop_output_blocked"), 0.0);
    assert_eq!(m("newsdrop_article_seconds_count"), files as f64);
    // The read failure never reached a stage.
    for stage in ["metadata", "boilerplate", "tagging", "dedup"] {
        let sample = format!("newsdrop_stage_seconds_count{{stage=\"{stage}\"}}");
        assert_eq!(m(&sample), (files - 1) as f64, "{sample}");
    }

    // Reloads, failed and ok.
    let good = fs::read_to_string(env.config()).expect("config");
    fs::write(env.config(), format!("{good}\n[workers]\nthreds = 1\n")).expect("write");
    daemon.signal("HUP");
    assert!(wait_until(MINUTE, || daemon
        .log_text()
        .contains("reload failed")));
    fs::write(env.config(), &good).expect("write");
    daemon.signal("HUP");
    assert!(wait_until(MINUTE, || daemon
        .log_text()
        .contains("config reloaded")));
    assert_eq!(
        daemon.metric("newsdrop_reloads_total{result=\"failed\"}"),
        1.0
    );
    assert_eq!(daemon.metric("newsdrop_reloads_total{result=\"ok\"}"), 1.0);

    assert_eq!(daemon.get("/nothing").0, 404);
    assert!(daemon.terminate().success());
}

/// Idle connections past the endpoint's limit (64, `http::MAX_CONNECTIONS`) wait in the
/// kernel's backlog instead of taking the daemon's file descriptors; the endpoint answers
/// again once they go, and articles go through all along.
#[test]
fn idle_connections_past_the_limit_take_no_file_descriptors() {
    let env = Env::new(HTTP);
    let daemon = env.start();
    let addr = daemon.http_addr();
    let fds = || {
        fs::read_dir(format!("/proc/{}/fd", daemon.child.id()))
            .expect("the daemon's descriptors")
            .count()
    };
    let before = fds();
    // 120: past the limit, and within the listener's backlog (128), so every connect returns.
    let idle: Vec<std::net::TcpStream> = (0..120)
        .map(|_| std::net::TcpStream::connect(&addr).expect("connect"))
        .collect();
    assert!(
        wait_until(MINUTE, || fds() >= before + 64),
        "the daemon took up to its limit"
    );
    // Time for it to take more if it would (it took all of them at once before the limit).
    std::thread::sleep(Duration::from_millis(500));
    let held = fds() - before;
    assert!(
        held <= 64 + 2,
        "{held} descriptors for 120 idle connections"
    );

    let (name, bytes) = &seeds()[0];
    env.drop_file(name, bytes);
    assert!(wait_until(MINUTE, || env.list("archive").len() == 1));
    drop(idle);
    assert_eq!(daemon.get("/health"), (200, "ok\n".to_string()));
    assert!(daemon.terminate().success());
}

#[test]
fn a_plugin_panic_is_counted_and_keeps_ready_false_until_a_reload() {
    let env = Env::new("");
    let plugin = crate::plugins::install(&env, "fixture-misbehave");
    let config = format!(
        "[intake]\nsettle_ms = 300\n{HTTP}\n[[stage]]\nrule = \"metadata\"\n\n[[stage]]\nname = \"misbehave\"\nrule = \"plugin:{plugin}\"\nmode = \"panic\"\ntrigger = \"PANIC-ME\"\n"
    );
    fs::write(env.config(), config).expect("config");
    let daemon = env.start();
    assert_eq!(daemon.get("/ready").0, 200);
    env.drop_file(
        "fine.txt",
        b"A quiet article about the weather that the plugin leaves alone.\n",
    );
    env.drop_file(
        "panics.txt",
        b"An article that says PANIC-ME, so that the plugin panics on it.\n",
    );
    assert!(
        wait_until(MINUTE, || env.list("archive").len() == 1
            && env.list("failed").len() == 2),
        "{}",
        daemon.log_text()
    );
    assert!(wait_until(MINUTE, || daemon
        .metric("newsdrop_article_seconds_count")
        == 2.0));
    assert_eq!(
        daemon.metric("newsdrop_plugin_panics_total{stage=\"misbehave\"}"),
        1.0
    );
    assert_eq!(
        daemon.metric("newsdrop_failures_total{stage=\"misbehave\"}"),
        1.0
    );
    let (status, body) = daemon.get("/ready");
    assert_eq!(status, 503);
    assert!(body.contains("\"misbehave\" panicked"), "{body}");
    // A reload builds a fresh instance.
    daemon.signal("HUP");
    assert!(wait_until(MINUTE, || daemon
        .log_text()
        .contains("config reloaded")));
    assert_eq!(daemon.get("/ready"), (200, "ready\n".to_string()));
    assert!(daemon.terminate().success());
}

/// A folder of the seeds plus one broken file, for `process`.
fn process_folder(env: &Env) -> std::path::PathBuf {
    let dir = env.path("batch");
    fs::create_dir_all(&dir).expect("mkdir");
    for (name, bytes) in seeds() {
        fs::write(dir.join(name), bytes).expect("write");
    }
    fs::write(dir.join("zz-binary.txt"), b"\x00\x01 binary \x00").expect("write");
    dir
}

#[test]
fn process_piped_prints_no_progress_only_its_error_lines() {
    let env = Env::new("");
    let dir = process_folder(&env);
    let out = env.newsdrop(&["process", dir.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].contains("zz-binary.txt: read failed"), "{stderr}");
    assert_eq!(lines[1], "newsdrop: 1 of 6 files failed");
}

#[test]
fn process_on_a_terminal_draws_a_progress_bar_on_stderr() {
    // `script` (util-linux) runs the command on a pseudo-terminal; stdout goes to a file.
    let env = Env::new("");
    let dir = process_folder(&env);
    let json = env.path("out.jsonl");
    // Only stderr is the terminal: stdout goes to a file.
    let command = format!(
        "{} process {} > {}",
        crate::util::BIN,
        dir.display(),
        json.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` from util-linux runs the command on a terminal");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("6/6 files"), "{screen:?}");
    // The error line is written whole, the bar lifted around it.
    assert!(
        screen.contains("\u{1b}[2Knewsdrop: ")
            && screen.contains("zz-binary.txt: read failed: binary file"),
        "{screen:?}"
    );
    let written = fs::read_to_string(&json).expect("stdout file");
    assert_eq!(written.lines().count(), 5, "JSON lines only on stdout");
    assert!(!written.contains("files"), "no bar on stdout");
}

/// An article that outlasts `drain_timeout_secs` does not hold the exit: the daemon stops
/// at the limit, and the file waits in the work folder for the next start.
#[test]
fn the_drain_limit_holds_against_a_slow_article() {
    let env = Env::new("");
    let plugin = crate::plugins::install(&env, "fixture-misbehave");
    let config = format!(
        "[intake]\nsettle_ms = 100\n[workers]\nthreads = 1\ndrain_timeout_secs = 1\n\n[[stage]]\nrule = \"plugin:{plugin}\"\nmode = \"slow\"\nsleep_ms = 600000\n"
    );
    fs::write(env.config(), config).expect("config");
    let daemon = env.start();
    env.drop_file(
        "slow.txt",
        b"An article that takes ten minutes to process.\n",
    );
    assert!(wait_until(MINUTE, || !env
        .list(".newsdrop/work")
        .is_empty()));
    let log = daemon.log.clone();
    // `terminate` gives it a minute; without the limit it would be ten.
    let status = daemon.terminate();
    assert!(status.success(), "{status:?}");
    let log = fs::read_to_string(log).expect("daemon log");
    assert!(log.contains("drain limit reached"), "{log}");
    assert_eq!(
        env.list(".newsdrop/work").len(),
        1,
        "the file waits in work/"
    );
    assert!(env.outputs().is_empty() && env.list("failed").is_empty());
}

#[test]
fn a_draining_backlog_logs_progress_then_that_it_is_gone() {
    let env = Env::new("");
    let plugin = crate::plugins::install(&env, "fixture-misbehave");
    // One worker and 250 ms per article: 20 files take at least five seconds to drain,
    // and progress is looked at every second.
    let config = format!(
        "[intake]\nsettle_ms = 300\n[workers]\nthreads = 1\nprogress_secs = 1\n\n[[stage]]\nrule = \"metadata\"\n\n[[stage]]\nrule = \"plugin:{plugin}\"\nmode = \"slow\"\nsleep_ms = 250\n"
    );
    fs::write(env.config(), config).expect("config");
    let daemon = env.start();
    for i in 0..20 {
        env.drop_file(
            &format!("slow-{i:02}.txt"),
            format!("Article number {i} about a slow afternoon in the newsroom.\n").as_bytes(),
        );
    }
    assert!(
        wait_until(MINUTE, || daemon.log_text().contains("backlog drained")),
        "{}",
        daemon.log_text()
    );
    let log = daemon.log_text();
    let draining: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("draining backlog"))
        .collect();
    assert!(!draining.is_empty(), "{log}");
    assert!(
        draining[0].contains("remaining=") && draining[0].contains("rate="),
        "{log}"
    );
    assert_eq!(env.list("archive").len(), 20);
}

#[test]
fn systemd_hears_ready_watchdog_reloading_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let env = Env::new("");
    let socket_path = env.path("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let daemon = env.start_env(
        &["--log-level", "info"],
        &[
            ("NOTIFY_SOCKET", socket_path.to_str().expect("utf-8")),
            ("WATCHDOG_USEC", "200000"),
        ],
    );
    let mut heard = String::new();
    let listen_for = |what: &str, heard: &mut String| {
        let mut buf = [0u8; 4096];
        while !heard.contains(what) {
            let n = socket
                .recv(&mut buf)
                .unwrap_or_else(|e| panic!("no {what} within 30 s ({e}); heard {heard:?}"));
            heard.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    listen_for("READY=1\n", &mut heard);
    listen_for("WATCHDOG=1\n", &mut heard);
    daemon.signal("HUP");
    listen_for("RELOADING=1\n", &mut heard);
    assert!(daemon.terminate().success());
    listen_for("STOPPING=1\n", &mut heard);
    assert!(heard.contains("MONOTONIC_USEC="), "{heard:?}");
}

#[test]
fn the_service_files_agree_with_the_daemon() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = fs::read_to_string(root.join("dist/newsdrop.service")).expect("unit");
    let value = |key: &str| {
        unit.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {key} in the unit"))
    };
    assert_eq!(value("Type"), "notify");
    assert_eq!(value("Restart"), "on-failure");
    assert_eq!(value("NoNewPrivileges"), "yes");
    assert_eq!(value("ProtectSystem"), "strict");
    let secs = |v: &str| v.trim_end_matches('s').parse::<u64>().expect("seconds");
    assert!(secs(value("WatchdogSec")) > 0);
    // systemd must let a drain finish before it kills.
    let drain = crate::util::default_drain_secs();
    assert!(
        secs(value("TimeoutStopSec")) > drain,
        "TimeoutStopSec must exceed the drain limit ({drain} s)"
    );
    // The container's config is valid.
    let env = Env::new("");
    let out = env.newsdrop(&[
        "check",
        "--config",
        root.join("dist/container.toml").to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Names of the files in a folder that are not hidden (temp files are hidden).
fn visible(env: &Env, folder: &str) -> Vec<String> {
    env.list(folder)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect()
}

#[test]
fn a_full_disk_pauses_intake_loses_nothing_and_resumes_by_itself() {
    let env = Env::new(&format!("{HTTP}\n[output]\njsonl = \"articles.jsonl\"\n"));
    // While this file exists, every output write fails halfway with ENOSPC.
    let fault = env.path("disk-is-full");
    fs::write(&fault, "").expect("fault file");
    let daemon = env.start_env(
        &["--log-level", "info"],
        &[(
            "NEWSDROP_FAULT_NOSPACE_WHILE",
            fault.to_str().expect("utf-8"),
        )],
    );
    let mut names: Vec<String> = Vec::new();
    for (name, bytes) in seeds() {
        env.drop_file(&name, &bytes);
        names.push(name);
    }
    assert!(
        wait_until(MINUTE, || daemon.get("/ready").0 == 503),
        "{}",
        daemon.log_text()
    );
    let (_, why) = daemon.get("/ready");
    assert!(why.contains("outputs cannot be written"), "{why}");
    assert!(why.contains("No space left on device"), "{why}");
    assert_eq!(daemon.metric("newsdrop_output_blocked"), 1.0);

    // More files while the disk is full: intake leaves them in the inbox.
    for (i, (_, bytes)) in seeds().into_iter().enumerate().take(2) {
        let name = format!("later-{i}.txt");
        let mut bytes = bytes;
        bytes.extend_from_slice(format!("\nA later copy, number {i}.\n").as_bytes());
        env.drop_file(&name, &bytes);
        names.push(name);
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(daemon.get("/ready").0, 503);
    assert!(
        visible(&env, "outbox").is_empty(),
        "nothing half-written is visible"
    );
    assert!(env.list("failed").is_empty(), "a full disk fails no file");
    assert!(
        !env.path("articles.jsonl").exists()
            || fs::read_to_string(env.path("articles.jsonl"))
                .expect("jsonl")
                .is_empty(),
        "no partial line in the sink"
    );
    let waiting = env.list("inbox").len() + env.list(".newsdrop/work").len();
    assert_eq!(
        waiting,
        names.len(),
        "every input is still in the inbox or work/"
    );
    assert!(env.list("inbox").iter().any(|n| n.starts_with("later-")));

    // Space returns: everything goes through by itself, once.
    fs::remove_file(&fault).expect("free the disk");
    assert!(
        wait_until(MINUTE, || env.list("archive").len() == names.len()),
        "{}",
        daemon.log_text()
    );
    assert_eq!(daemon.get("/ready"), (200, "ready\n".to_string()));
    assert_eq!(daemon.metric("newsdrop_output_blocked"), 0.0);
    assert!(env.list("failed").is_empty());
    let mut emitted: Vec<String> = env
        .outputs()
        .iter()
        .map(|o| o["source"]["name"].as_str().expect("name").to_string())
        .collect();
    emitted.sort();
    names.sort();
    assert_eq!(emitted, names, "each file emitted exactly once");
    assert_eq!(visible(&env, "outbox").len(), names.len());
    let jsonl = fs::read_to_string(env.path("articles.jsonl")).expect("jsonl");
    let mut lines: Vec<String> = jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("whole JSON lines");
            v["source"]["name"].as_str().expect("name").to_string()
        })
        .collect();
    lines.sort();
    assert_eq!(lines, names, "each article once in the sink");
    assert!(daemon.terminate().success());
}
