//! `cargo xtask soak`: builds the release binary, runs [`crate::soak`] in a temp folder and
//! prints its summary line; fails when a file was lost or doubled or memory grew (the
//! folder is then kept for a look).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Result, bail};

use crate::soak::{Options, load_articles};

fn flag(args: &[String], name: &str) -> Option<f64> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

pub fn run(args: &[String]) -> Result<()> {
    let seconds = match (flag(args, "--minutes"), flag(args, "--seconds")) {
        (Some(m), _) => m * 60.0,
        (None, Some(s)) => s,
        (None, None) => 600.0,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "newsdrop"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let shared = root.join("../shared");
    let articles = load_articles(&[
        shared.join("seeds"),
        shared.join("corpus/extraction/aeb-dev/text"),
        root.join("tests/fixtures/seeds"),
    ])?;
    let seed = flag(args, "--seed").map_or_else(
        || {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        },
        |s| s as u64,
    );
    let opts = Options {
        bin: root.join("target/release/newsdrop"),
        duration: Duration::from_secs_f64(seconds),
        rate: flag(args, "--rate").unwrap_or(20.0),
        kill_every: (Duration::from_secs(10), Duration::from_secs(40)),
        hup_every: (Duration::from_secs(3), Duration::from_secs(12)),
        seed,
        articles,
        threads: 0,
    };
    let dir = std::env::temp_dir().join(format!("newsdrop-soak-{seed}"));
    println!(
        "soak: {seconds:.0} s at {} files/s, seed {seed}, in {}",
        opts.rate,
        dir.display()
    );
    let report = crate::soak::run(&opts, &dir)?;
    println!("{report}");
    for example in &report.examples {
        println!("  {example}");
    }
    if report.lost > 0 || report.doubled > 0 || !report.rss_flat() {
        bail!("soak failed; the folder is kept: {}", dir.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
