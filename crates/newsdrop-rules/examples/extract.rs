//! Dev tool: reads every page of a folder with `newsdrop_read::read_article` (`.txt` dumps,
//! `.html`/`.html.gz` pages), runs the default pipeline (metadata, boilerplate) and prints
//! `{"id", "body", "title", "published", ...}` JSON Lines, for scoring with
//! `../shared/eval/score_extraction.py`; with `--bench` it prints pages/s instead, for the
//! metadata and boilerplate rules alone and for reading plus those rules (single thread),
//! by the wall clock and by the thread's CPU time (steadier on a shared machine).
//!
//! The corpus stores its pages gzipped (`.html.gz`), but the inbox gets plain `.html`: the
//! bench gunzips every page before starting the clock and times reading the plain pages;
//! it also prints the figure with reading the stored `.gz` files (gunzip included), for
//! comparison with older numbers. Reads are timed over a few rounds, as the rules are.
//!
//! ```text
//! cargo run --release -p newsdrop-rules --example extract -- DIR > pred.jsonl
//! cargo run --release -p newsdrop-rules --example extract -- DIR --bench
//! cargo run --release -p newsdrop-rules --example extract -- DIR --debug ID_PREFIX
//! cargo run --release -p newsdrop-rules --example extract -- DIR --blocks  # blocks as read
//! ```

#[path = "../tests/util/mod.rs"]
mod util;

use std::time::Instant;

use newsdrop_core::{Article, Source};

/// The page id: the file name up to its first dot.
fn id_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn read(name: &str, bytes: &[u8]) -> Option<Article> {
    let source = Source {
        name: name.to_string(),
        folder: String::new(),
        size: bytes.len() as u64,
        sha256: newsdrop_core::id::sha256_hex(bytes),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: String::new(),
    };
    match newsdrop_read::read_article(bytes, source, &newsdrop_read::Limits::default()) {
        Ok(a) => Some(a),
        Err(e) => {
            eprintln!("{name}: {e}");
            None
        }
    }
}

/// Rounds of reading every page in `--bench`.
const READ_ROUNDS: u32 = 3;

/// A stored `NAME.gz` page as the inbox would get it: `NAME`, decompressed.
fn gunzipped(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    use std::io::Read;
    let Some(plain_name) = name.strip_suffix(".gz") else {
        return (name.to_string(), bytes.to_vec());
    };
    let mut plain = Vec::new();
    if let Err(e) = flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain) {
        eprintln!("{name}: {e}");
        return (name.to_string(), bytes.to_vec());
    }
    (plain_name.to_string(), plain)
}

/// Reads every page once untimed, then [`READ_ROUNDS`] times: the articles of the last
/// round, and the wall clock and thread CPU seconds of one round.
fn time_reads(inputs: &[(String, Vec<u8>)]) -> (Vec<Article>, f64, f64) {
    // One round untimed first: the first reads pay for the heap's growth, which a
    // daemon running for months has long done.
    let mut articles: Vec<Article> = inputs.iter().filter_map(|(n, b)| read(n, b)).collect();
    let started = Instant::now();
    let cpu_started = util::cpu_secs();
    for _ in 0..READ_ROUNDS {
        articles = inputs.iter().filter_map(|(n, b)| read(n, b)).collect();
    }
    let rounds = f64::from(READ_ROUNDS);
    let secs = started.elapsed().as_secs_f64() / rounds;
    let cpu = (util::cpu_secs() - cpu_started) / rounds;
    (articles, secs, cpu)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: extract DIR [--bench | --debug ID_PREFIX]");
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
    files.retain(|p| newsdrop_read::format_of(&p.to_string_lossy()).is_ok());
    files.sort();
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, bytes))
        })
        .collect();
    // BP_OPTS="run_ratio = 0.3" tries other boilerplate options.
    // `--bench` times what the issue's speed target covers, metadata and boilerplate; the
    // other modes run the default pipeline.
    let pipeline = match std::env::var("BP_OPTS") {
        Ok(opts) => util::pipeline_with(&opts.replace(';', "\n")),
        Err(_) if bench => util::pipeline_with(""),
        Err(_) => util::default_pipeline(),
    };
    if bench {
        // Pages as the inbox gets them (plain `.html`), gunzipped outside the clock.
        let plain: Vec<(String, Vec<u8>)> = inputs.iter().map(|(n, b)| gunzipped(n, b)).collect();
        let (articles, read_secs, read_cpu) = time_reads(&plain);
        let (_, gz_read_secs, gz_read_cpu) = time_reads(&inputs);
        let rounds = if articles
            .first()
            .is_some_and(|a| a.blocks.first().is_some_and(|b| b.dom.is_some()))
        {
            5
        } else {
            50
        };
        // Each round works on fresh copies, made (and dropped) outside the timed part.
        let (mut secs, mut cpu) = (0.0, 0.0);
        for _ in 0..rounds {
            let mut copies = articles.clone();
            let started = Instant::now();
            let cpu_started = util::cpu_secs();
            for a in &mut copies {
                let _ = pipeline.run(a);
            }
            secs += started.elapsed().as_secs_f64() / f64::from(rounds);
            cpu += (util::cpu_secs() - cpu_started) / f64::from(rounds);
            drop(copies);
        }
        let n = articles.len() as f64;
        println!(
            "rules {:.0} pages/s, read + rules {:.0} pages/s, read .gz + rules {:.0} pages/s \
             ({} pages, read x {READ_ROUNDS} rounds, rules x {rounds} rounds, wall clock)",
            n / secs,
            n / (secs + read_secs),
            n / (secs + gz_read_secs),
            articles.len()
        );
        println!(
            "rules {:.0} pages/s, read + rules {:.0} pages/s, read .gz + rules {:.0} pages/s, \
             read alone {:.0} pages/s (CPU time of this thread)",
            n / cpu,
            n / (cpu + read_cpu),
            n / (cpu + gz_read_cpu),
            n / read_cpu
        );
        println!(
            "read: pages gunzipped before the clock; read .gz: gunzip of the stored pages included"
        );
        return;
    }
    if flag.as_deref() == Some("--blocks") {
        // Every block as read, before any rule: for offline analysis.
        for (name, bytes) in &inputs {
            let Some(a) = read(name, bytes) else { continue };
            for (i, b) in a.blocks.iter().enumerate() {
                let d = b.dom.clone().unwrap_or_default();
                let rec = serde_json::json!({
                    "id": id_of(name), "i": i, "kind": format!("{:?}", b.kind), "tag": d.tag,
                    "path": d.path, "anc": d.ancestors, "links": d.link_chars, "text": b.text,
                });
                println!("{rec}");
            }
        }
        return;
    }
    if let Some(prefix) = debug {
        let Ok(bp) = newsdrop_rules::boilerplate::Boilerplate::with_defaults() else {
            return;
        };
        for (name, bytes) in inputs.iter().filter(|(n, _)| n.starts_with(&prefix)) {
            let Some(mut a) = read(name, bytes) else {
                continue;
            };
            let an = bp.analyse(&mut a);
            let _ = pipeline.run(&mut a);
            println!(
                "run {:?} title {:?} published {:?} authors {:?} language {:?}",
                an.run, a.meta.title, a.meta.published, a.meta.authors, a.meta.language
            );
            for (i, b) in a.blocks.iter().enumerate() {
                let f = &an.features[i];
                let reason = b.mark.as_ref().map_or("", |m| m.reason.as_ref());
                let path = b.dom.as_ref().map_or(String::new(), |d| {
                    let tail: Vec<&str> = d.path.rsplit('>').take(3).collect();
                    format!(
                        " {:.2} {}",
                        f64::from(d.link_chars) / f.chars.max(1) as f64,
                        tail.join("<")
                    )
                });
                println!(
                    "{i:4} {} {:8} d={:.2} {:42.42}{path} | {}",
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
    for (name, bytes) in &inputs {
        let Some(mut a) = read(name, bytes) else {
            continue;
        };
        if let Err(e) = pipeline.run(&mut a) {
            eprintln!("{name}: {e:?}");
        }
        let m = &a.meta;
        let rec = serde_json::json!({
            "id": id_of(name),
            "title": m.title,
            "title_derived": m.title_derived,
            "published": m.published,
            "published_origin": m.published_origin,
            "authors": m.authors,
            "publisher": m.publisher,
            "dateline": m.dateline,
            "language": m.language,
            "url": m.url,
            "body": a.body(),
        });
        println!("{rec}");
    }
}
