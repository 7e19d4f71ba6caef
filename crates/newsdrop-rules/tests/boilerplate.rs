//! The `boilerplate` rule with a rule file: the shipped example's lists apply globally and
//! per source.

mod util;

use std::path::PathBuf;

const ARTICLE: &str = "\
Council approves the harbour plan

The county council met on Tuesday and after a long debate it voted to approve the harbour plan, with two members against it.

Work on the new quay is to start in the spring, the council's planning officer said, and should take two years to finish.

The Valley Courier is an independent newspaper serving the county since 1921.

Sign up for the Courier's morning briefing to get the county's news first thing.
";

fn example_rules() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config/examples/boilerplate-rules.toml");
    format!("rules = [{:?}]", path.display().to_string())
}

fn body(folder: &str) -> String {
    let pipeline = util::pipeline_with(&example_rules());
    let mut article = util::text_article("a.txt", ARTICLE);
    article.source.folder = folder.to_string();
    pipeline.run(&mut article).expect("runs");
    article.body()
}

#[test]
fn the_example_rule_files_source_lists_apply_to_that_source_only() {
    let courier = body("courier");
    assert!(
        courier.ends_with("should take two years to finish."),
        "{courier}"
    );
    let other = body("gazette");
    assert!(
        other.contains("The Valley Courier is an independent newspaper"),
        "{other}"
    );
    assert!(other.contains("Sign up for the Courier"), "{other}");
}
