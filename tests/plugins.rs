//! Rule plugins through the real binary: each example plugin loaded from a config with its
//! effect in the JSON, the C plugin compiled here and loaded, and `fixture-misbehave` for the
//! failures (a panic fails one article only; a wrong ABI, a missing entry symbol and a file
//! that is not a library stop `check` and `run` with their own messages naming the file).
//!
//! The Rust plugins' cdylibs are built by `cargo test` itself (they are dev-dependencies of
//! the root package, so they sit beside this test binary in `target/*/deps/`); no nested
//! cargo. The C plugin is compiled with `cc` into the test's temp folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::util::{Env, wait_until};

const MINUTE: Duration = Duration::from_secs(60);

/// A Rust plugin's cdylib, as `cargo test` built it beside this test binary.
pub fn built_plugin(crate_name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().expect("deps folder");
    let file = format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        crate_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    let path = dir.join(&file);
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds it (a dev-dependency)",
        path.display()
    );
    path
}

/// Copies a plugin into the env's `plugins/` folder, as an operator would install it.
pub fn install(env: &Env, crate_name: &str) -> String {
    fs::create_dir_all(env.path("plugins")).expect("plugins dir");
    let name = format!("lib{}.so", crate_name.replace('-', "_"));
    fs::copy(built_plugin(crate_name), env.path("plugins").join(&name)).expect("copy plugin");
    format!("plugins/{name}")
}

/// Compiles C source into a shared library at `out`.
fn compile_c(source: &Path, out: &Path, defines: &[&str]) {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/newsdrop-abi/include");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let tmp = out.with_extension("tmp");
    let status = Command::new(&cc)
        .args([
            "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-I",
        ])
        .arg(&include)
        .args(defines)
        .arg("-o")
        .arg(&tmp)
        .arg(source)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(status.success(), "{cc} failed on {}", source.display());
    // Renamed in place, as a careful build would: a new file for the daemon to see.
    fs::rename(&tmp, out).expect("rename library");
}

fn example_c_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/example-c/example_c.c")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `newsdrop process` over one file, the JSON of its output.
fn process_one(env: &Env, name: &str, text: &str) -> serde_json::Value {
    fs::write(env.path("staging").join(name), text).expect("write");
    let out = env.newsdrop(&[
        "process",
        "--config",
        "newsdrop.toml",
        &format!("staging/{name}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).expect("one JSON line")
}

const ARTICLE: &str = "Ministers hold talks in Geneva\n\n\
    The foreign ministers met on Tuesday for talks on the border agreement.\n\n\
    Read more: Minister visits Paris\n\n\
    Both sides called the visit a step forward.\n";

#[test]
fn the_example_plugins_tag_and_drop_lines_through_a_real_config() {
    let env = Env::new("");
    let tagger = install(&env, "example-tagger");
    let linedrop = install(&env, "example-linedrop");
    let config = format!(
        "[output]\nremoved = true\n\n\
         [[stage]]\nrule = \"plugin:{linedrop}\"\npatterns = [\"Read more:*\"]\n\n\
         [[stage]]\nrule = \"plugin:{tagger}\"\nkeywords = {{ \"topic:diplomacy\" = [\"talks\", \"visit\"], \"topic:sport\" = [\"match\"] }}\n"
    );
    fs::write(env.config(), config).expect("config");

    let check = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let printed = stdout(&check);
    assert!(
        printed.contains("plugin example-linedrop 0.1.0 (ABI 1.0)"),
        "{printed}"
    );
    assert!(
        printed.contains("plugin example-tagger 0.1.0 (ABI 1.0)"),
        "{printed}"
    );

    let out = process_one(&env, "talks.txt", ARTICLE);
    let tags = out["tags"].as_array().expect("tags");
    assert_eq!(tags.len(), 1, "{out:#}");
    assert_eq!(tags[0]["id"], "topic:diplomacy");
    assert_eq!(tags[0]["kind"], "topic");
    // "talks" twice and "visit" once in the kept body; the dropped line's "visits" is not a
    // whole-word match anyway.
    assert_eq!(tags[0]["count"], 3, "{out:#}");
    assert_eq!(tags[0]["rule"], "example-tagger: talks, visit");
    let body = out["body"].as_str().expect("body");
    assert!(!body.contains("Read more"), "{body}");
    let removed = out["removed"].as_array().expect("removed");
    assert_eq!(removed.len(), 1, "{out:#}");
    assert_eq!(removed[0]["rule"], "example-linedrop");
    assert_eq!(removed[0]["reason"], "matches pattern `Read more:*`");
}

#[test]
fn a_plugin_config_error_names_the_key_and_line() {
    let env = Env::new("");
    let tagger = install(&env, "example-tagger");
    fs::write(
        env.config(),
        format!(
            "[[stage]]\nrule = \"plugin:{tagger}\"\nkeywords = {{ \"x\" = [\"a\"] }}\nkeyword = 1\n"
        ),
    )
    .expect("config");
    let out = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert_eq!(out.status.code(), Some(78));
    let err = stderr(&out);
    assert!(err.contains("newsdrop.toml:4:1: key `stage[0].keyword`: plugin example-tagger 0.1.0: unknown key `keyword`"), "{err}");
}

#[test]
fn the_c_plugin_is_compiled_and_loaded() {
    let env = Env::new("");
    fs::create_dir_all(env.path("plugins")).expect("dir");
    compile_c(
        &example_c_source(),
        &env.path("plugins/libexample_c.so"),
        &[],
    );
    fs::write(
        env.config(),
        "[[stage]]\nrule = \"plugin:plugins/libexample_c.so\"\nmin_words = 5\n",
    )
    .expect("config");
    let check = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("plugin example-c 0.1.0 (ABI 1.0)"),
        "{}",
        stdout(&check)
    );

    let out = process_one(&env, "talks.txt", ARTICLE);
    assert_eq!(out["tags"][0]["id"], "length:short", "{out:#}");
    assert_eq!(out["tags"][0]["count"], 30, "{out:#}");
    assert_eq!(out["tags"][0]["rule"], "example-c: word count");

    // Its own config check: min_words must be a number.
    fs::write(
        env.config(),
        "[[stage]]\nrule = \"plugin:plugins/libexample_c.so\"\nmin_words = \"many\"\n",
    )
    .expect("config");
    let bad = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert_eq!(bad.status.code(), Some(78));
    assert!(
        stderr(&bad)
            .contains("key `stage[0].min_words`: plugin example-c 0.1.0: must be a whole number"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_panicking_plugin_fails_only_that_article_and_is_named_in_the_error_record() {
    let env = Env::new("");
    let fixture = install(&env, "fixture-misbehave");
    fs::write(
        env.config(),
        format!("[intake]\nsettle_ms = 300\n\n[[stage]]\nname = \"misbehave\"\nrule = \"plugin:{fixture}\"\nmode = \"panic\"\ntrigger = \"BOOM\"\n"),
    )
    .expect("config");
    let daemon = env.start_with(&["--log-format", "json", "--log-level", "info"]);
    env.drop_file(
        "bad.txt",
        b"This article says BOOM and the plugin panics on it.\n",
    );
    assert!(
        wait_until(MINUTE, || env.path("failed/bad.txt.error.json").exists()),
        "{}",
        daemon.log_text()
    );
    env.drop_file("good.txt", b"This article is fine and must come out.\n");
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    assert_eq!(env.outputs()[0]["source"]["name"], "good.txt");
    let record = env.error_record("bad.txt");
    assert_eq!(record["stage"], "misbehave");
    assert_eq!(record["rule"], format!("plugin:{fixture}"));
    assert_eq!(record["panicked"], true);
    let message = record["message"].as_str().expect("message");
    assert!(
        message.contains("plugin fixture-misbehave 0.1.0: fixture-misbehave was asked to panic"),
        "{record:#}"
    );
    // Where it panicked is in the record, and the panic printed nothing of its own: the
    // JSON log stays JSON, line by line.
    assert!(
        message.contains("(at plugins/fixture-misbehave/src/lib.rs:"),
        "{record:#}"
    );
    let log = daemon.log_text();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}\n{log}"
        );
    }
    assert!(log.contains("asked to panic"), "{log}");
    assert!(daemon.terminate().success());
}

#[test]
fn a_plugin_error_fails_the_article_in_process_too() {
    let env = Env::new("");
    let fixture = install(&env, "fixture-misbehave");
    fs::write(
        env.config(),
        format!("[[stage]]\nrule = \"plugin:{fixture}\"\nmode = \"error\"\n"),
    )
    .expect("config");
    fs::write(env.path("staging/a.txt"), "Some text.\n").expect("write");
    let out = env.newsdrop(&["process", "--config", "newsdrop.toml", "staging/a.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("plugin fixture-misbehave 0.1.0: fixture-misbehave was asked to fail"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_wrong_abi_version_stops_check_and_startup_naming_the_file_and_both_versions() {
    let env = Env::new("");
    let fixture = install(&env, "fixture-misbehave");
    fs::write(
        env.config(),
        format!("[[stage]]\nrule = \"plugin:{fixture}\"\nmode = \"ok\"\n"),
    )
    .expect("config");
    for command in ["check", "run"] {
        let out = Command::new(crate::util::BIN)
            .args([command, "--config", "newsdrop.toml"])
            .current_dir(env.dir.path())
            .env("NEWSDROP_FIXTURE_ABI_MAJOR", "2")
            .output()
            .expect("run newsdrop");
        assert_eq!(out.status.code(), Some(78), "{command}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("plugins/libfixture_misbehave.so"),
            "{command}: {err}"
        );
        assert!(
            err.contains("plugin ABI version found 2.0, expected 1.x"),
            "{command}: {err}"
        );
    }
}

#[test]
fn a_library_without_the_entry_symbol_and_a_file_that_is_not_a_library_say_so() {
    let env = Env::new("");
    fs::create_dir_all(env.path("plugins")).expect("dir");
    let src = env.path("nothing.c");
    fs::write(&src, "int nothing(void) { return 0; }\n").expect("write");
    compile_c(&src, &env.path("plugins/libnothing.so"), &[]);
    fs::write(env.path("plugins/notes.so"), "just some text\n").expect("write");
    fs::write(
        env.config(),
        "[[stage]]\nrule = \"plugin:plugins/libnothing.so\"\n\n\
         [[stage]]\nrule = \"plugin:plugins/notes.so\"\n\n\
         [[stage]]\nrule = \"plugin:plugins/missing.so\"\n",
    )
    .expect("config");
    let out = env.newsdrop(&["check", "--config", "newsdrop.toml"]);
    assert_eq!(out.status.code(), Some(78));
    let err = stderr(&out);
    assert!(
        err.contains("newsdrop.toml:2:1: key `stage[0].rule`:")
            && err.contains("plugins/libnothing.so has no entry symbol `newsdrop_plugin_entry`"),
        "{err}"
    );
    assert!(
        err.contains("plugins/notes.so is not a shared library (no ELF header)"),
        "{err}"
    );
    assert!(
        err.contains("cannot read plugin ") && err.contains("plugins/missing.so: No such file"),
        "{err}"
    );
}

#[test]
fn a_rebuilt_plugin_file_is_picked_up_on_sighup() {
    let env = Env::new("");
    fs::create_dir_all(env.path("plugins")).expect("dir");
    let lib = env.path("plugins/libexample_c.so");
    compile_c(&example_c_source(), &lib, &[]);
    fs::write(
        env.config(),
        "[intake]\nsettle_ms = 300\n\n[[stage]]\nrule = \"plugin:plugins/libexample_c.so\"\n",
    )
    .expect("config");
    let daemon = env.start();
    let tag_ids = || -> Vec<String> {
        env.outputs()
            .iter()
            .flat_map(|o| o["tags"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t["id"].as_str().map(str::to_string))
            .collect()
    };
    env.drop_file("one.txt", b"Before the rebuild.\n");
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 1),
        "{}",
        daemon.log_text()
    );
    assert_eq!(tag_ids(), vec!["length:short"]);

    compile_c(&example_c_source(), &lib, &["-DEXAMPLE_C_KIND=\"size\""]);
    daemon.signal("HUP");
    assert!(
        wait_until(MINUTE, || daemon.log_text().contains("config reloaded")),
        "{}",
        daemon.log_text()
    );
    env.drop_file("two.txt", b"After the rebuild.\n");
    assert!(
        wait_until(MINUTE, || env.outputs().len() == 2),
        "{}",
        daemon.log_text()
    );
    let mut ids = tag_ids();
    ids.sort();
    assert_eq!(ids, vec!["length:short", "size:short"]);
    assert!(daemon.terminate().success());
}
