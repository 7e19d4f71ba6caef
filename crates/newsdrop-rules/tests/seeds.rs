//! The five seed articles come out as `tests/fixtures/seeds/expected/*.json` (hand-written,
//! copies of `../shared/seeds/expected/`) says, field by field, with the logic of
//! `../shared/eval/check_seeds.py`: title (or null / derived-and-marked), published prefix,
//! authors, dateline (uppercase), publisher, body start, body end, and no chrome in the body.
//! Every failed expectation of every seed is reported at once.

mod util;

use std::path::PathBuf;

use serde_json::Value;

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeds")
}

/// Checks one seed; returns the failed expectations.
fn check(name: &str, text: &str, expected: &Value) -> Vec<String> {
    let pipeline = util::default_pipeline();
    let mut article = util::text_article(name, text);
    if let Err(e) = pipeline.run(&mut article) {
        return vec![format!("{name}: pipeline failed: {e:?}")];
    }
    let meta = &article.meta;
    let body = norm(&article.body());
    let mut fails = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            fails.push(format!("{name}: {what}"));
        }
    };
    match expected["title"].as_str() {
        None => expect(
            meta.title.is_none() || meta.title_derived,
            format!(
                "title should be null or marked derived, got {:?}",
                meta.title
            ),
        ),
        Some(t) => expect(
            meta.title.as_deref().map(norm) == Some(norm(t)) && !meta.title_derived,
            format!(
                "title {:?} (derived: {}), want {t:?}",
                meta.title, meta.title_derived
            ),
        ),
    }
    match expected["published"].as_str() {
        None => expect(
            meta.published.is_none(),
            format!("published should be null, got {:?}", meta.published),
        ),
        Some(p) => {
            expect(
                meta.published
                    .as_deref()
                    .is_some_and(|got| got.starts_with(p)),
                format!("published {:?}, want {p}", meta.published),
            );
            expect(
                meta.published_origin.is_some(),
                "published_origin missing".to_string(),
            );
        }
    }
    let want_authors: Vec<String> = expected["authors"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(norm).collect())
        .unwrap_or_default();
    let got_authors: Vec<String> = meta.authors.iter().map(|a| norm(a)).collect();
    expect(
        got_authors == want_authors,
        format!("authors {got_authors:?}, want {want_authors:?}"),
    );
    match expected["dateline"].as_str() {
        Some(d) => expect(
            meta.dateline.as_deref().map(|x| norm(x).to_uppercase()) == Some(d.to_string()),
            format!("dateline {:?}, want {d}", meta.dateline),
        ),
        None => expect(
            meta.dateline.is_none(),
            format!("dateline should be null, got {:?}", meta.dateline),
        ),
    }
    if let Some(p) = expected["publisher"].as_str() {
        expect(
            meta.publisher.as_deref().map(norm) == Some(norm(p)),
            format!("publisher {:?}, want {p:?}", meta.publisher),
        );
    }
    let starts: Vec<String> = expected["body_starts_with_one_of"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(norm).collect())
        .unwrap_or_default();
    expect(
        starts.iter().any(|s| body.starts_with(s.as_str())),
        format!(
            "body starts {:?}",
            body.chars().take(80).collect::<String>()
        ),
    );
    let end = norm(expected["body_ends"].as_str().unwrap_or_default());
    expect(
        body.ends_with(&end),
        format!(
            "body ends {:?}",
            body.chars()
                .rev()
                .take(80)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>()
        ),
    );
    for bad in expected["body_must_not_contain"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let bad = norm(bad.as_str().unwrap_or_default());
        expect(
            !body.contains(&bad),
            format!("body contains chrome {bad:?}"),
        );
    }
    // Nothing is lost: every block is kept, or dropped with a rule and a reason.
    for b in &article.blocks {
        expect(
            b.keep || b.mark.is_some(),
            format!("block dropped without a reason: {:?}", b.text),
        );
    }
    fails
}

#[test]
fn the_five_seeds_come_out_as_expected() {
    let dir = seeds_dir();
    let mut fails = Vec::new();
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("expected"))
        .expect("expected dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let name = expected["source"].as_str().expect("source").to_string();
        let text = std::fs::read_to_string(dir.join(&name)).expect("seed text");
        fails.extend(check(&name, &text, &expected));
        n += 1;
    }
    assert_eq!(n, 5, "five seeds expected");
    assert!(
        fails.is_empty(),
        "{} failed expectations:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn a_configured_zone_gives_the_byline_time_an_offset() {
    let text = std::fs::read_to_string(seeds_dir().join("002_53f492d464e747b1.txt")).expect("seed");
    let config = newsdrop_core::LoadedConfig::parse(
        "[[stage]]\nrule = \"metadata\"\ntime_zone = \"Asia/Karachi\"\n\n[[stage]]\nrule = \"boilerplate\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    let pipeline = newsdrop_rules::Registry::builtin()
        .build(&config)
        .expect("pipeline");
    let mut a = util::text_article("002.txt", &text);
    pipeline.run(&mut a).expect("runs");
    assert_eq!(
        a.meta.published.as_deref(),
        Some("2025-04-06T18:10:00+05:00")
    );
}

#[test]
fn dropped_blocks_say_which_rule_and_why() {
    let text = std::fs::read_to_string(seeds_dir().join("000_c0ca6574e567268f.txt")).expect("seed");
    let pipeline = util::default_pipeline();
    let mut a = util::text_article("000.txt", &text);
    pipeline.run(&mut a).expect("runs");
    let mark = |line: &str| {
        a.blocks
            .iter()
            .find(|b| b.text.trim() == line)
            .and_then(|b| b.mark.clone())
            .map(|m| (m.rule.into_owned(), m.reason.into_owned()))
    };
    assert_eq!(
        mark("LEAVE A REPLY").map(|m| m.0),
        Some("boilerplate".to_string())
    );
    assert_eq!(
        mark("Read more:"),
        Some(("boilerplate".into(), "link to another story".into()))
    );
    assert_eq!(
        mark(
            "The heads of the Senate of Pakistan and Russia emphasized on joint cooperation for the peace of Afghanistan"
        ),
        Some(("metadata".into(), "title".into()))
    );
}
