//! Dev tool: runs the default pipeline (metadata, boilerplate) over a folder of `.txt` page
//! dumps and prints `{"id", "body", "title", "published", ...}` JSON Lines, for scoring with
//! `../shared/eval/score_extraction.py`; with `--bench` it prints pages/s instead.
//!
//! ```text
//! cargo run --release -p newsdrop-rules --example extract -- DIR > pred.jsonl
//! cargo run --release -p newsdrop-rules --example extract -- DIR --bench
//! ```

#[path = "../tests/util/mod.rs"]
mod util;

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: extract DIR [--bench]");
        std::process::exit(2);
    };
    let flag = args.next();
    let bench = flag.as_deref() == Some("--bench");
    // `--debug ID_PREFIX`: every block of that page with its class and fate.
    let debug = if flag.as_deref() == Some("--debug") {
        args.next()
    } else {
        None
    };
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let stem = p.file_stem()?.to_string_lossy().into_owned();
            Some((stem, text))
        })
        .collect();
    // BP_OPTS="run_ratio = 0.3" tries other boilerplate options.
    let pipeline = match std::env::var("BP_OPTS") {
        Ok(opts) => util::pipeline_with(&opts.replace(';', "\n")),
        Err(_) => util::default_pipeline(),
    };
    if bench {
        let articles: Vec<_> = texts
            .iter()
            .map(|(id, t)| util::text_article(id, t))
            .collect();
        let rounds = 50;
        let started = Instant::now();
        for _ in 0..rounds {
            for a in &articles {
                let mut a = a.clone();
                let _ = pipeline.run(&mut a);
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let pages = (rounds * articles.len()) as f64;
        println!(
            "{:.0} pages/s ({} pages x {rounds} rounds, {secs:.2} s)",
            pages / secs,
            articles.len()
        );
        return;
    }
    if let Some(prefix) = debug {
        let Ok(bp) = newsdrop_rules::boilerplate::Boilerplate::with_defaults() else {
            return;
        };
        for (id, text) in texts.iter().filter(|(id, _)| id.starts_with(&prefix)) {
            let mut a = util::text_article(id, text);
            let an = bp.analyse(&a);
            let _ = pipeline.run(&mut a);
            println!(
                "run {:?} title {:?} published {:?} authors {:?}",
                an.run, a.meta.title, a.meta.published, a.meta.authors
            );
            for (i, b) in a.blocks.iter().enumerate() {
                let f = &an.features[i];
                let reason = b.mark.as_ref().map_or("", |m| m.reason.as_str());
                println!(
                    "{i:4} {} {:8} d={:.2} {:42.42} | {}",
                    if b.keep { "K" } else { "." },
                    format!("{:?}", an.classes[i]),
                    f.density(),
                    reason,
                    b.text.chars().take(110).collect::<String>()
                );
            }
        }
        return;
    }
    for (id, text) in &texts {
        let mut a = util::text_article(&format!("{id}.txt"), text);
        if let Err(e) = pipeline.run(&mut a) {
            eprintln!("{id}: {e:?}");
        }
        let m = &a.meta;
        let rec = serde_json::json!({
            "id": id,
            "title": m.title,
            "title_derived": m.title_derived,
            "published": m.published,
            "published_origin": m.published_origin,
            "authors": m.authors,
            "publisher": m.publisher,
            "dateline": m.dateline,
            "body": a.body(),
        });
        println!("{rec}");
    }
}
