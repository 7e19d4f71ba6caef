//! The config parser: any text is a config or a list of located errors, never a panic;
//! every error names the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use newsdrop_core::LoadedConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(invalid) = LoadedConfig::parse(src, Path::new("/fuzz/newsdrop.toml")) {
        assert!(!invalid.errors.0.is_empty());
        for e in &invalid.errors.0 {
            assert!(e.to_string().starts_with("/fuzz/newsdrop.toml:"), "{e}");
        }
    }
});
