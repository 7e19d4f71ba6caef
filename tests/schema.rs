//! The committed JSON Schema of the output must match the Rust types.
//! `NEWSDROP_UPDATE_SCHEMA=1 cargo test schema` rewrites it after a deliberate change.

use std::path::Path;

#[test]
fn the_committed_schema_matches_the_output_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/article.schema.json");
    let generated = serde_json::to_string_pretty(&newsdrop_core::ArticleRecord::json_schema())
        .expect("schema")
        + "\n";
    if std::env::var_os("NEWSDROP_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/article.schema.json is out of date: run NEWSDROP_UPDATE_SCHEMA=1 cargo test schema"
    );
}
