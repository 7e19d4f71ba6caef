//! The tagging rule end to end: the five seeds, read by the real reader and run through the
//! default pipeline (metadata, boilerplate, tagging with `builtin:countries` and
//! `builtin:news`), must give exactly the gold tag sets of
//! `tests/fixtures/seeds/tagging.gold.jsonl` (a copy of
//! `../shared/corpus/tagging/seeds.gold.jsonl`): micro F1 1.000, every miss and every extra
//! reported at once. Then the traps the rules exist for, one `check` each, through a
//! pipeline of the tagging stage alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use newsdrop_core::{Article, Block, BlockKind, Format, LoadedConfig, Pipeline, Source};
use newsdrop_rules::Registry;
use newsdrop_rules::tagging::Tagging;
use serde_json::Value;

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeds")
}

fn source(name: &str, bytes: &[u8]) -> Source {
    Source {
        name: name.to_string(),
        folder: String::new(),
        size: bytes.len() as u64,
        sha256: newsdrop_core::id::sha256_hex(bytes),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: String::new(),
    }
}

/// The pipeline of `config`, with a fresh in-memory store for the stages that keep state
/// (the default pipeline ends with dedup).
fn build(config: &LoadedConfig) -> Pipeline {
    let store = newsdrop_store::Store::in_memory().expect("store");
    let state: std::sync::Arc<dyn newsdrop_core::state::State> = std::sync::Arc::new(store);
    match Registry::builtin().build_with_state(config, Some(&state)) {
        Ok(p) => p,
        Err(e) => panic!("pipeline: {e}"),
    }
}

#[test]
fn the_seeds_get_exactly_their_gold_tags_with_the_default_config() {
    let pipeline = build(&LoadedConfig::embedded(Path::new(".")));
    let gold = std::fs::read_to_string(seeds_dir().join("tagging.gold.jsonl")).expect("gold");
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut report = Vec::new();
    for line in gold.lines().filter(|l| !l.trim().is_empty()) {
        let g: Value = serde_json::from_str(line).expect("gold line");
        let name = g["source"].as_str().expect("source");
        let bytes = std::fs::read(seeds_dir().join(name)).expect("seed");
        let mut article =
            newsdrop_read::read_article(&bytes, source(name, &bytes), &Default::default())
                .expect("reads");
        pipeline.run(&mut article).expect("runs");
        let want: BTreeSet<String> = g["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        let got: BTreeSet<String> = article.tags.iter().map(|t| t.id.clone()).collect();
        for t in &article.tags {
            assert!(
                t.rule.starts_with("builtin:") && t.rule.contains('"') && t.count >= 1,
                "{name}: tag without a rule or count: {t:?}"
            );
        }
        tp += want.intersection(&got).count();
        for miss in want.difference(&got) {
            fn_ += 1;
            report.push(format!("{name}: missing {miss}"));
        }
        for extra in got.difference(&want) {
            fp += 1;
            let rule = article
                .tags
                .iter()
                .find(|t| &t.id == extra)
                .map(|t| t.rule.clone())
                .unwrap_or_default();
            report.push(format!("{name}: extra {extra} ({rule})"));
        }
    }
    assert_eq!(tp, 71, "71 gold tags in the five seeds");
    assert!(
        fp == 0 && fn_ == 0,
        "tp {tp} fp {fp} fn {fn_}:\n{}",
        report.join("\n")
    );
}

/// The tagging stage alone, with the default gazetteers and `extra` TOML keys.
fn tagger(extra: &str) -> Pipeline {
    let src = format!(
        "[[stage]]\nrule = \"tagging\"\ngazetteers = [\"builtin:countries\", \"builtin:news\"]\n{extra}\n"
    );
    build(&LoadedConfig::parse(&src, Path::new("t.toml")).expect("config"))
}

fn article(title: Option<&str>, body: &[&str]) -> Article {
    let mut a = Article::new(source("t.txt", b"t"), Format::Text);
    a.meta.title = title.map(str::to_string);
    a.blocks = body
        .iter()
        .map(|l| Block::new(*l, BlockKind::Paragraph))
        .collect();
    a
}

/// The tag ids of `body` (one block per item) through `pipeline`.
fn ids(pipeline: &Pipeline, title: Option<&str>, body: &[&str]) -> BTreeSet<String> {
    let mut a = article(title, body);
    pipeline.run(&mut a).expect("runs");
    a.tags.into_iter().map(|t| t.id).collect()
}

fn check(text: &str, expected: &[&str]) {
    let got = ids(&tagger(""), None, &[text]);
    let want: BTreeSet<String> = expected.iter().map(|s| (*s).to_string()).collect();
    assert_eq!(got, want, "for {text:?}");
}

#[test]
fn compounds_possessives_and_curly_quotes() {
    check(
        "Pak-Russian ties and Sino-Pakistani trade grew.",
        &["country:PK", "country:RU", "country:CN", "topic:trade"],
    );
    check(
        "The U.S.-Taliban deal was signed.",
        &["country:US", "org:taliban"],
    );
    check("Pakistan’s delegation left.", &["country:PK"]);
    check(
        "Pakistan’s National Assembly met.",
        &["org:national-assembly-of-pakistan"],
    );
    check("Franco ruled for decades.", &[]);
    check("Indo-European languages spread.", &[]);
    check("Indo-Pacific talks began.", &["country:IN"]);
}

#[test]
fn case_and_boundaries() {
    check("They told us about Moscow.", &[]);
    check(
        "The US and the SCO met in Moscow.",
        &["country:US", "org:sco"],
    );
    check("We ate turkey and china plates broke.", &[]);
    check("Turkey and China agreed.", &["country:TR", "country:CN"]);
    check("TURKEY AND CHINA AGREE", &["country:TR", "country:CN"]);
    check(
        "Erdoğan and Erdogan are one man, Recep Tayyip Erdoğan.",
        &["person:recep-tayyip-erdogan"],
    );
    check(
        "Papua New Guinea is not Guinea-Bissau.",
        &["country:PG", "country:GW"],
    );
    check("WHO said the virus spread.", &["org:who"]);
    check("WHO IS RESPONSIBLE FOR THE WAR", &[]);
}

#[test]
fn vetoes_and_names_that_hide_countries() {
    check("He ordered a Russian salad and French fries.", &[]);
    check(
        "Latin American leaders met Afghan-American voters.",
        &["country:AF"],
    );
    check("The South China Sea dispute continued.", &[]);
    check("Fans saw Michael Jordan and Chad Johnson play.", &[]);
    check(
        "Georgia O'Keeffe painted while Israel Adesanya fought.",
        &[],
    );
    check(
        "Officials in Jordan and Chad agreed.",
        &["country:JO", "country:TD"],
    );
    check("She lives in New Mexico, not Mexico City.", &[]);
    check("The Tehrik-i-Taliban Pakistan claimed it.", &["org:ttp"]);
    check(
        "Jordan King Abdullah met Pakistan Prime Minister Imran Khan.",
        &["country:JO", "country:PK", "person:imran-khan"],
    );
}

#[test]
fn short_forms_resolve_to_a_person_named_in_full() {
    let p = tagger("");
    assert_eq!(ids(&p, None, &["Lavrov said nothing."]), BTreeSet::new());
    let got = ids(&p, Some("Talks end: Lavrov"), &["Sergei Lavrov spoke."]);
    assert!(got.contains("person:sergey-lavrov"));
    let mut a = article(
        Some("Talks end: Lavrov"),
        &["Sergei Lavrov spoke. Lavrov left."],
    );
    p.run(&mut a).expect("runs");
    assert_eq!(a.tags[0].count, 3, "{:?}", a.tags);
    // Another given name before the surname is someone else.
    let got = ids(&p, None, &["Joe Biden spoke. Hunter Biden did not."]);
    let mut a = article(
        None,
        &["Joe Biden spoke. Hunter Biden did not. President Biden left."],
    );
    p.run(&mut a).expect("runs");
    assert_eq!(got.len(), 1);
    assert_eq!(a.tags[0].count, 2, "{:?}", a.tags);
}

#[test]
fn topics_need_their_sense_and_the_configured_hits() {
    check("In his defence, he made a trade-off.", &[]);
    check(
        "Defence and trade ties grew.",
        &["topic:defence", "topic:trade"],
    );
    let p = tagger("topic_min_hits = 2");
    assert_eq!(
        ids(&p, None, &["Trade grew.", "Energy and trade."]),
        ["topic:trade".to_string()].into_iter().collect()
    );
}

#[test]
fn only_the_title_and_kept_blocks_are_tagged() {
    let p = tagger("");
    let mut a = article(
        Some("Pakistan votes"),
        &["By Mohammad Ali", "Iran and Russia met."],
    );
    a.blocks[0].drop_by("metadata", "byline");
    p.run(&mut a).expect("runs");
    let got: Vec<&str> = a.tags.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(got, vec!["country:PK", "country:IR", "country:RU"]);
    assert_eq!(a.tags[0].rule, "builtin:countries: name \"Pakistan\"");
    assert_eq!(a.tags[0].label, "Pakistan");
    assert_eq!(a.tags[0].kind, "country");
}

#[test]
fn the_fuzzy_pass_finds_unlisted_spellings_only_when_on() {
    let text = ["Valentina Matvyenko met Sergey Lavrov."];
    let off = ids(&tagger(""), None, &text);
    assert!(!off.contains("person:valentina-matviyenko"));
    let on = ids(&tagger("fuzzy = { enabled = true }"), None, &text);
    assert!(on.contains("person:valentina-matviyenko"), "{on:?}");
    assert!(on.contains("person:sergey-lavrov"));
}

#[test]
fn the_shipped_example_config_builds_with_fuzzy_on() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/examples/tagging.toml");
    let src = std::fs::read_to_string(&path).expect("example config");
    let config = LoadedConfig::parse(&src, &path).expect("parses");
    let pipeline = build(&config);
    let tagging = pipeline
        .stages()
        .iter()
        .find(|s| s.rule == "tagging")
        .expect("a tagging stage");
    assert!(
        tagging.stage.describe().contains("fuzzy on"),
        "{}",
        tagging.stage.describe()
    );
}

#[test]
fn gazetteer_errors_name_file_line_and_key() {
    let dir = tempdir();
    std::fs::write(
        dir.join("people.toml"),
        "[[person]]\nid = \"person:x\"\nname = \"X Y\"\n\n[[person]]\nid = \"person:x\"\nname = \"\"\n",
    )
    .expect("write");
    let src = "[[stage]]\nrule = \"tagging\"\ngazetteers = [\"builtin:countries\", \"people.toml\", \"missing.toml\", \"builtin:nope\"]\n";
    let cfg = dir.join("c.toml");
    let config = LoadedConfig::parse(src, &cfg).expect("parses");
    let errors = Registry::builtin()
        .build(&config)
        .err()
        .expect("must fail")
        .0;
    let got: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}",
                Path::new(&e.file)
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or(""),
                e.line,
                e.key
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            "people.toml:6:person[1].id",
            "people.toml:7:person[1].name",
            "c.toml:3:stage[0].gazetteers[2]",
            "c.toml:3:stage[0].gazetteers[3]",
        ],
        "{errors:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("newsdrop-tagging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tempdir");
    dir
}

#[test]
fn a_stage_from_sources_tags_text() {
    let t = Tagging::from_sources(
        &[(
            "x.toml",
            "[[org]]\nid = \"org:acme\"\nname = \"Acme Corp\"\nacronyms = [\"ACME\"]\n",
        )],
        None,
        1,
    )
    .expect("builds");
    let tags = t.tag_text("ACME and Acme Corp and ACME CORP and acme corp");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].count, 3);
}
