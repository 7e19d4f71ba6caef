//! The dedup rule in the default pipeline: the five seeds (same topic, same people, other
//! events) stay unique against each other; a republished copy of one (other chrome, last
//! paragraph trimmed, quotes and line ends changed) is a near duplicate of it, and the same
//! text under another name is an exact one.

mod util;

use std::path::PathBuf;

use newsdrop_core::{Article, DedupStatus, Pipeline};

fn seeds() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeds");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("seeds folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("seed text"))
        })
        .collect()
}

/// The text file `name` with `text`, through `pipeline`.
fn processed(pipeline: &Pipeline, name: &str, text: &str) -> Article {
    let mut article = util::text_article(name, text);
    pipeline.run(&mut article).expect("pipeline");
    article
}

#[test]
fn the_five_seeds_are_unique_and_their_copies_are_not() {
    let seeds = seeds();
    assert_eq!(seeds.len(), 5);
    let pipeline = util::default_pipeline();
    let mut ids = Vec::new();
    for (name, text) in &seeds {
        let a = processed(&pipeline, name, text);
        let v = a.dedup.expect("a verdict");
        assert_eq!(v.status, DedupStatus::Unique, "{name}: {v:?}");
        ids.push(a.id);
    }

    let (name, text) = &seeds[0];
    let exact = processed(&pipeline, &format!("copy-{name}"), text);
    let v = exact.dedup.expect("verdict");
    assert_eq!(
        (v.status, v.of.as_deref()),
        (DedupStatus::Exact, Some(ids[0].as_str()))
    );

    // Another outlet's copy: new chrome, last paragraph cut, straight quotes, CRLF.
    let paras: Vec<&str> = text.split("\n\n").collect();
    let body = paras[..paras.len() - 1]
        .join("\n\n")
        .replace(['\u{201c}', '\u{201d}'], "\"");
    let copy = format!("Other Outlet\n\nHome | World | Sport\n\n{body}\n\nShare this article\n")
        .replace('\n', "\r\n");
    let near = processed(&pipeline, "other-outlet.txt", &copy);
    let v = near.dedup.expect("verdict");
    assert_ne!(v.status, DedupStatus::Unique, "{v:?}");
    assert_eq!(v.of.as_deref(), Some(ids[0].as_str()), "{v:?}");
}

/// Runs `original` then `copy` (each a name and a text) through a fresh pipeline and
/// asserts that the copy is a near duplicate of the original.
#[track_caller]
fn assert_near_copy(original: (&str, &str), copy: (&str, &str)) {
    let pipeline = util::default_pipeline();
    let first = processed(&pipeline, original.0, original.1);
    let second = processed(&pipeline, copy.0, copy.1);
    let v = second.dedup.expect("verdict");
    assert_eq!(
        (v.status, v.of.as_deref()),
        (DedupStatus::Near, Some(first.id.as_str())),
        "{v:?}"
    );
}

/// A brief made of one paragraph of a seed, and the full story: the brief after the
/// story is a teaser copy of it (contained in it); the story after the brief is not a copy of
/// the brief for holding it (`superset_ratio`), it is the new, larger article.
#[test]
fn a_teaser_is_a_copy_of_its_story_but_not_the_story_of_its_teaser() {
    let (name, text) = &seeds()[0];
    let paragraph = text
        .split("\n\n")
        .find(|p| (20..40).contains(&p.split_whitespace().count()))
        .expect("a paragraph of 20 to 40 words");
    assert!(
        text.len() > 8 * paragraph.len(),
        "the story must be many times the brief"
    );
    let brief = format!("Briefs\n\n{paragraph}\n");

    assert_near_copy((name, text), ("brief.txt", &brief));

    let pipeline = util::default_pipeline();
    let teaser = processed(&pipeline, "brief.txt", &brief);
    assert_eq!(teaser.dedup.expect("verdict").status, DedupStatus::Unique);
    let story = processed(&pipeline, name, text);
    let v = story.dedup.expect("verdict");
    assert_eq!(v.status, DedupStatus::Unique, "{v:?}");
}

/// A story that quotes two paragraphs of an earlier, shorter article as background (here
/// about four times its size) holds that article whole, yet is a story of its own; a copy
/// with one paragraph added, a third larger, is still a copy (`superset_ratio`).
#[test]
fn a_story_quoting_a_short_article_as_background_is_not_its_copy() {
    let seeds = seeds();
    let paragraphs = |text: &str, words: std::ops::Range<usize>| -> Vec<String> {
        text.split("\n\n")
            .filter(|p| words.contains(&p.split_whitespace().count()))
            .map(str::to_string)
            .collect()
    };
    let background = paragraphs(&seeds[0].1, 40..60)[..2].join("\n\n");
    let short = format!("Briefs\n\n{background}\n");
    let (name, story) = &seeds[1];
    let mut quoting: Vec<String> = story.split("\n\n").map(str::to_string).collect();
    quoting.insert(quoting.len() / 2, background.clone());
    let quoting = quoting.join("\n\n");
    let words = |t: &str| t.split_whitespace().count();
    assert!(
        (3..5).contains(&(words(&quoting) / words(&background))),
        "the story must be three to five times the short article"
    );

    let pipeline = util::default_pipeline();
    processed(&pipeline, "brief.txt", &short);
    let second = processed(&pipeline, name, &quoting);
    let v = second.dedup.expect("verdict");
    assert_eq!(v.status, DedupStatus::Unique, "{v:?}");

    let (name, text) = &seeds[0];
    let added = paragraphs(&seeds[1].1, 40..60).remove(0);
    let longer = format!("{text}\n\n{added}\n");
    assert_near_copy((name, text), ("longer.txt", &longer));
}
