//! `new-plugin NAME`: a working plugin crate under `plugins/`, copied from `example-tagger`
//! with the names changed, then built and its examples run. `build-plugins`: every crate
//! under `plugins/` built in one cargo call, the shared libraries' paths printed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail, ensure};

/// The template that `new-plugin` copies.
const TEMPLATE: &str = "example-tagger";

fn root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

pub fn new_plugin(args: &[String]) -> anyhow::Result<()> {
    let [name] = args else {
        bail!("usage: cargo xtask new-plugin NAME (lowercase letters, digits and dashes)");
    };
    ensure!(
        name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "`{name}`: a plugin name is lowercase letters, digits and dashes, starting with a letter"
    );
    let root = root();
    let dest = root.join("plugins").join(name);
    ensure!(!dest.exists(), "{} exists already", dest.display());
    let snake = name.replace('-', "_");
    let rename = |text: &str| {
        text.replace(TEMPLATE, name)
            .replace(&TEMPLATE.replace('-', "_"), &snake)
            .replace(&camel(TEMPLATE), &camel(name))
    };
    let template = root.join("plugins").join(TEMPLATE);
    for file in ["Cargo.toml", "src/lib.rs"] {
        let text = fs::read_to_string(template.join(file)).with_context(|| {
            format!("cannot read the template {}", template.join(file).display())
        })?;
        let target = dest.join(file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, rename(&text))
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    println!("created {}", dest.display());

    let status = cargo()
        .args(["test", "--quiet", "--package", name])
        .status()?;
    ensure!(status.success(), "the new plugin's examples failed");
    let libs = build(std::slice::from_ref(name), false)?;
    for lib in &libs {
        println!("built {}", lib.display());
    }
    if let Some(lib) = libs.first() {
        let rel = lib.strip_prefix(&root).unwrap_or(lib);
        println!(
            "\nuse it from a config in {}:\n\n[[stage]]\nrule = \"plugin:{}\"\nkeywords = {{ \"topic:diplomacy\" = [\"talks\", \"visit\"] }}\n\nthen `newsdrop check --config ...` loads it; edit plugins/{name}/src/lib.rs to make it yours",
            root.display(),
            rel.display()
        );
    }
    Ok(())
}

pub fn build_plugins(args: &[String]) -> anyhow::Result<()> {
    let release = match args {
        [] => false,
        [flag] if flag == "--release" => true,
        _ => bail!("usage: cargo xtask build-plugins [--release]"),
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(root().join("plugins"))? {
        let dir = entry?.path();
        if dir.join("Cargo.toml").exists()
            && let Some(name) = dir.file_name().and_then(|n| n.to_str())
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    for lib in build(&names, release)? {
        println!("{}", lib.display());
    }
    Ok(())
}

/// Builds `packages` in one cargo call; the shared libraries it produced.
fn build(packages: &[String], release: bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut cmd = cargo();
    cmd.args(["build", "--message-format=json-render-diagnostics"]);
    if release {
        cmd.arg("--release");
    }
    for p in packages {
        cmd.args(["--package", p]);
    }
    let out = cmd.stderr(Stdio::inherit()).output()?;
    ensure!(out.status.success(), "cargo build failed");
    let mut libs = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_cdylib = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"));
        if message["reason"] != "compiler-artifact" || !is_cdylib {
            continue;
        }
        for file in message["filenames"].as_array().into_iter().flatten() {
            if let Some(file) = file.as_str()
                && file.ends_with(std::env::consts::DLL_SUFFIX)
            {
                libs.push(PathBuf::from(file));
            }
        }
    }
    Ok(libs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel_case() {
        assert_eq!(super::camel("example-tagger"), "ExampleTagger");
        assert_eq!(super::camel("my-rule2"), "MyRule2");
    }
}
