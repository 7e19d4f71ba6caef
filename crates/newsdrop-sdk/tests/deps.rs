//! Architecture invariant: a plugin author's dependency tree stays small. The SDK must not
//! pull in tokio or notify (the daemon's runtime and watcher), directly or through anything.

use std::process::Command;

#[test]
fn the_sdk_depends_on_neither_tokio_nor_notify() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--package", "newsdrop-sdk"])
        .args([
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"newsdrop-sdk"), "{tree}");
    assert!(
        names.contains(&"serde"),
        "the tree looks incomplete: {tree}"
    );
    for banned in ["tokio", "notify", "mio"] {
        assert!(
            !names.contains(&banned),
            "newsdrop-sdk depends on {banned}:\n{tree}"
        );
    }
}
