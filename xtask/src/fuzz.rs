//! `cargo xtask fuzz TARGET [-- ARGS]`: runs `cargo fuzz run TARGET` in `fuzz/` (a crate
//! outside the workspace). cargo-fuzz needs a nightly compiler for its sanitizer flags: the
//! nightly toolchain when rustup has one, else the stable one with `RUSTC_BOOTSTRAP=1`.

use std::process::Command;

use anyhow::{Result, bail};

pub fn run(args: &[String]) -> Result<()> {
    let Some(target) = args.first() else {
        bail!("usage: cargo xtask fuzz TARGET [-- ARGS]; targets: `cargo fuzz list` in fuzz/");
    };
    let rest: Vec<&String> = args[1..].iter().skip_while(|a| *a == "--").collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut cmd = Command::new("cargo");
    if nightly {
        cmd.arg("+nightly");
    } else {
        cmd.env("RUSTC_BOOTSTRAP", "1");
    }
    cmd.args(["fuzz", "run", target.as_str()])
        .current_dir(&root)
        // The workspace's cargo sets these; the fuzz crate builds on its own.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN");
    if !rest.is_empty() {
        cmd.arg("--").args(rest);
    }
    let status = cmd.status()?;
    if !status.success() {
        bail!("cargo fuzz run {target} failed ({status}); see fuzz/artifacts/{target}/");
    }
    Ok(())
}
