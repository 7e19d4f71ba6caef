//! The committed C header must match the ABI types.
//! `NEWSDROP_UPDATE_HEADER=1 cargo test -p newsdrop-abi` rewrites it after a deliberate change.

use std::path::Path;

#[test]
fn the_committed_header_matches_the_abi_types() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("header generates")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("utf-8");
    let path = crate_dir.join("include/newsdrop_plugin.h");
    if std::env::var_os("NEWSDROP_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/newsdrop-abi/include/newsdrop_plugin.h is out of date: run NEWSDROP_UPDATE_HEADER=1 cargo test -p newsdrop-abi"
    );
}
