//! End-to-end tests of `read_article`: bytes in, article or error out, for every format,
//! encoding and failure the reader promises to handle, plus the proptest that it never
//! panics on arbitrary bytes.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use newsdrop_core::{Article, BlockKind, Format, Source};
use newsdrop_read::{Limits, ReadError, format_of, read_article};
use proptest::prelude::*;

fn source(name: &str) -> Source {
    Source {
        name: name.to_string(),
        folder: String::new(),
        size: 0,
        sha256: "0".repeat(64),
        received_at: jiff::Timestamp::UNIX_EPOCH,
        encoding: String::new(),
    }
}

fn read(name: &str, bytes: &[u8]) -> Result<Article, ReadError> {
    read_article(bytes, source(name), &Limits::default())
}

/// Reads `bytes` as `name` and compares the block texts and the encoding used.
#[track_caller]
fn check(name: &str, bytes: &[u8], encoding: &str, texts: &[&str]) -> Article {
    let article = match read(name, bytes) {
        Ok(article) => article,
        Err(e) => panic!("{name}: {e}"),
    };
    let got: Vec<&str> = article.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(got, texts);
    assert_eq!(article.source.encoding, encoding);
    article
}

/// Reads `bytes` as `name` with `limit` and returns the error.
#[track_caller]
fn check_err(name: &str, bytes: &[u8], limit: u64) -> ReadError {
    match read_article(bytes, source(name), &Limits { max_bytes: limit }) {
        Ok(a) => panic!("{name}: expected an error, got {:?}", a.blocks),
        Err(e) => e,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn format_from_name() {
    assert_eq!(format_of("a.txt"), Ok((Format::Text, false)));
    assert_eq!(format_of("A.TXT.GZ"), Ok((Format::Text, true)));
    assert_eq!(format_of("x.Md"), Ok((Format::Markdown, false)));
    assert_eq!(format_of("x.markdown"), Ok((Format::Markdown, false)));
    assert_eq!(format_of("x.htm"), Ok((Format::Html, false)));
    assert_eq!(format_of("dir/x.html.gz"), Ok((Format::Html, true)));
    assert_eq!(format_of("x.json"), Ok((Format::Json, false)));
    assert_eq!(
        format_of("x.pdf"),
        Err(ReadError::Unsupported(".pdf".into()))
    );
    assert_eq!(
        format_of("x.tar.gz"),
        Err(ReadError::Unsupported(".tar".into()))
    );
    assert_eq!(
        format_of("README"),
        Err(ReadError::Unsupported("README".into()))
    );
    assert_eq!(
        format_of("x.gz"),
        Err(ReadError::Unsupported("x.gz".into()))
    );
    let err = read("report.docx", b"PK\x03\x04").unwrap_err();
    assert!(err.to_string().contains("\".docx\""), "{err}");
}

#[test]
fn seed_000_reads_as_line_blocks() {
    let bytes = include_bytes!("../../../tests/fixtures/seeds/000_c0ca6574e567268f.txt");
    let article = read("000_c0ca6574e567268f.txt", bytes).unwrap();
    assert_eq!(article.format, Format::Text);
    assert_eq!(article.source.encoding, "UTF-8");
    assert!(
        article
            .blocks
            .iter()
            .all(|b| b.kind == BlockKind::Line && b.keep)
    );
    let lines: Vec<(bool, String)> = article
        .blocks
        .iter()
        .map(|b| (b.gap_before, b.text.chars().take(20).collect()))
        .collect();
    let lines: Vec<(bool, &str)> = lines.iter().map(|(g, t)| (*g, t.as_str())).collect();
    assert_eq!(
        lines,
        [
            (true, "26.1 C"),
            (false, "Pakistan"),
            (false, "Friday, September 20"),
            (true, "The heads of the Sen"),
            (true, "Pak Sahafat – In an "),
            (true, "According to Pak Sah"),
            (true, "Sanjrani and Mrs. “V"),
            (true, "Read more:"),
            (true, "Pakistan, Russia mar"),
            (true, "By reviewing the lat"),
            (true, "Relations between Pa"),
            (true, "Image one"),
            (true, "Pakistan’s Foreign M"),
            (true, "Pakistan and Russia,"),
            (true, "Both countries suppo"),
            (true, "Related Articles"),
            (true, "LEAVE A REPLY"),
            (true, "Please enter your co"),
            (false, "Please enter your na"),
            (true, "Latest Articles"),
        ]
    );
}

#[test]
fn every_seed_reads() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/seeds");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let article = read(&name, &bytes).unwrap();
            assert!(article.blocks.len() > 3, "{name}");
            assert!(article.blocks[0].gap_before, "{name}");
            seen += 1;
        }
    }
    assert_eq!(seen, 5);
}

// --- encodings ---

#[test]
fn windows_1252_is_detected() {
    let text = "Le café “quoted” — dash, déjà vu à la française. Élève, garçon, naïve.\n";
    let input = text.repeat(3);
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&input);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let expected = text.trim_end();
    check(
        "a.txt",
        &bytes,
        "windows-1252",
        &[expected, expected, expected],
    );
}

#[test]
fn windows_1251_html_uses_its_meta_charset() {
    let body = "Президент России провёл встречу";
    let html = format!(
        "<html><head><meta charset=\"windows-1251\"></head><body><p>{body}</p></body></html>"
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&html);
    check("a.html", &bytes, "windows-1251", &[body]);
}

#[test]
fn utf16_with_bom_decodes() {
    let text = "Zürich — “news”\r\nline two\n";
    let mut le = vec![0xff, 0xfe];
    let mut be = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        le.extend(unit.to_le_bytes());
        be.extend(unit.to_be_bytes());
    }
    check("a.txt", &le, "UTF-16LE", &["Zürich — “news”", "line two"]);
    check("a.txt", &be, "UTF-16BE", &["Zürich — “news”", "line two"]);
}

#[test]
fn utf8_bom_is_stripped_and_line_ends_normalised() {
    let bytes = b"\xef\xbb\xbfFirst\r\nSecond\rThird\r\n\r\nFourth";
    let a = check(
        "a.txt",
        bytes,
        "UTF-8",
        &["First", "Second", "Third", "Fourth"],
    );
    let gaps: Vec<bool> = a.blocks.iter().map(|b| b.gap_before).collect();
    assert_eq!(gaps, [true, false, false, true]);
}

#[test]
fn control_characters_fail_as_encoding() {
    let bytes = b"text \x01\x02\x03\x04\x05\x06 with many controls";
    assert!(matches!(
        check_err("a.txt", bytes, 1 << 20),
        ReadError::Encoding(_)
    ));
}

// --- binary, empty, size ---

#[test]
fn binary_files_fail_with_what_they_look_like() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("a.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG"),
        ("a.html", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        ("a.md", b"\x7fELF\x02\x01\x01\0\0\0", "ELF"),
        ("a.json", b"{\"body\": \"a\0b\"}", "NUL"),
        ("a.txt", b"PK\x03\x04\x14\0\x06\0\x08\0", "ZIP"),
        ("a.txt", b"\x1f\x8b\x08\0\0\0\0\0", "gzip"),
    ];
    for (name, bytes, what) in cases {
        match check_err(name, bytes, 1 << 20) {
            ReadError::Binary(reason) => assert!(reason.contains(what), "{reason}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn empty_and_blank_files_fail() {
    assert_eq!(check_err("a.txt", b"", 100), ReadError::Empty);
    assert_eq!(check_err("a.html", b"", 100), ReadError::Empty);
    assert_eq!(check_err("a.txt", b" \n\r\n\t", 100), ReadError::Empty);
    assert_eq!(check_err("a.txt.gz", &gzip(b""), 100), ReadError::Empty);
    // An HTML page with no text is a page with no blocks, not an error.
    let a = read("a.html", b"<html><body> </body></html>").unwrap();
    assert!(a.blocks.is_empty());
}

#[test]
fn over_the_limit_fails() {
    let bytes = vec![b'a'; 101];
    assert_eq!(
        check_err("a.txt", &bytes, 100),
        ReadError::TooLarge {
            size: 101,
            limit: 100
        }
    );
    assert!(read_article(&bytes, source("a.txt"), &Limits { max_bytes: 101 }).is_ok());
}

// --- gzip ---

#[test]
fn gzip_text_reads() {
    let a = check("a.TXT.gz", &gzip(b"one\n\ntwo\n"), "UTF-8", &["one", "two"]);
    assert_eq!(a.format, Format::Text);
    let a = check("a.html.gz", &gzip(b"<p>hi</p>"), "UTF-8", &["hi"]);
    assert_eq!(a.format, Format::Html);
}

#[test]
fn gzip_bomb_fails_too_large() {
    // 50 MiB of zeros compress to about 50 KiB.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..50 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let e = check_err("bomb.txt.gz", &bomb, 1 << 20);
    assert_eq!(
        e,
        ReadError::UnpackedTooLarge {
            packed: bomb.len() as u64,
            limit: 1 << 20
        }
    );
    assert!(
        e.to_string().starts_with(&format!(
            "gzip file of {} bytes unpacks to more than",
            bomb.len()
        )),
        "{e}"
    );
}

#[test]
fn corrupt_gzip_fails() {
    let mut bytes = gzip(&b"some text that compresses ".repeat(50));
    let mid = bytes.len() / 2;
    bytes[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    assert!(matches!(
        check_err("a.txt.gz", &bytes, 1 << 20),
        ReadError::Gzip(_)
    ));
    let truncated = &gzip(&b"text ".repeat(100))[..20];
    assert!(matches!(
        check_err("a.txt.gz", truncated, 1 << 20),
        ReadError::Gzip(_)
    ));
    match check_err("a.txt.gz", b"plain text, not gzip", 1 << 20) {
        ReadError::Gzip(m) => assert!(m.contains("not gzip"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// --- formats through read_article ---

#[test]
fn html_article() {
    let html = r#"<html lang="en"><head><title>Talks in Moscow</title>
        <link rel="canonical" href="https://example.com/a">
        <meta property="article:published_time" content="2024-09-20T08:00:00Z">
        <script type="application/ld+json">{"@type":"NewsArticle"}</script>
        <script>track()</script><style>p{color:red}</style></head>
        <body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
        <article><h1>Talks in Moscow</h1>
        <p>MOSCOW &mdash; The speakers met on <time datetime="2024-09-20">Friday</time>.</p>
        <p>Read more: <a href="/x">Pakistan, Russia mark 75th anniversary</a></p>
        <p>Line one<br><br>Line two</p></article>
        <footer>&copy; 2024 Pak Sahafat</footer></body></html>"#;
    let a = check(
        "a.html",
        html.as_bytes(),
        "UTF-8",
        &[
            "Home | World",
            "Talks in Moscow",
            "MOSCOW — The speakers met on Friday.",
            "Read more: Pakistan, Russia mark 75th anniversary",
            "Line one",
            "Line two",
            "© 2024 Pak Sahafat",
        ],
    );
    let dom: Vec<_> = a.blocks.iter().map(|b| b.dom.clone().unwrap()).collect();
    assert_eq!(dom[0].path, "body>nav");
    assert_eq!(dom[0].link_chars, 9);
    assert_eq!(a.blocks[1].kind, BlockKind::Heading(1));
    assert!(dom[2].path.contains("article"));
    assert_eq!(dom[3].link_chars, 38);
    assert_eq!(dom[6].tag, "footer");
    assert_eq!(a.page.title.as_deref(), Some("Talks in Moscow"));
    assert_eq!(a.page.lang.as_deref(), Some("en"));
    assert_eq!(a.page.canonical.as_deref(), Some("https://example.com/a"));
    assert_eq!(a.page.meta.len(), 1);
    assert_eq!(a.page.json_ld.len(), 1);
    assert_eq!(a.page.times, ["2024-09-20"]);
}

#[test]
fn markdown_article() {
    let a = check(
        "a.md",
        b"# Title\n\nSome *text*\nwrapped.\n\n- item one\n- item two\n",
        "UTF-8",
        &["Title", "Some text wrapped.", "item one", "item two"],
    );
    let kinds: Vec<BlockKind> = a.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [
            BlockKind::Heading(1),
            BlockKind::Paragraph,
            BlockKind::ListItem,
            BlockKind::ListItem
        ]
    );
}

#[test]
fn json_article() {
    let a = check(
        "a.json",
        br#"{"title":"T","body":"P1\n\nP2","published":"2024-09-20","authors":["X"]}"#,
        "UTF-8",
        &["P1", "P2"],
    );
    assert_eq!(a.meta.title.as_deref(), Some("T"));
    assert_eq!(a.meta.published.as_deref(), Some("2024-09-20"));
    assert_eq!(a.meta.authors, ["X"]);
    assert!(a.meta.published_origin.is_some());
    match check_err("a.json", b"{\"body\": ", 1 << 20) {
        ReadError::Json(m) => assert!(m.contains("line 1"), "{m}"),
        other => panic!("{other:?}"),
    }
    match check_err("a.json", br#"{"title":"no body"}"#, 1 << 20) {
        ReadError::Json(m) => assert!(m.contains("no body field"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        check_err("a.json", b"\"just a string\"", 1 << 20),
        ReadError::Json(_)
    ));
}

// --- never panics ---

const NAMES: &[&str] = &["a.txt", "a.md", "a.html", "a.json", "a.txt.gz", "a.html.gz"];

fn read_any(bytes: &[u8]) {
    for name in NAMES {
        let _ = read_article(bytes, source(name), &Limits { max_bytes: 1 << 16 });
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_any(&bytes);
    }

    #[test]
    fn never_panics_on_bytes_without_nul(bytes in proptest::collection::vec(1u8..=255, 0..2048)) {
        read_any(&bytes);
    }

    #[test]
    fn never_panics_on_legacy_looking_bytes(
        bytes in proptest::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\n'), Just(b'<')], 0..2048)
    ) {
        read_any(&bytes);
    }

    #[test]
    fn never_panics_after_a_gzip_header(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];
        bytes.extend(tail);
        read_any(&bytes);
    }

    #[test]
    fn never_panics_on_gzipped_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        read_any(&gzip(&bytes));
    }

    #[test]
    fn never_panics_on_markup_like_text(text in r#"([<>/&;#"'=\-\*\[\]\(\)!`|:{},\n \tpabrlihdvtm0-9]|<p>|<br>|<li>|<pre>|&amp;|</div>|<a href=x>|```|\n\n|# |- |> |"body"|\\u00){0,200}"#) {
        read_any(text.as_bytes());
        read_any(&gzip(text.as_bytes()));
    }

    #[test]
    fn text_blocks_are_trimmed_and_non_empty(text in "[a-z \t\n\r]{0,300}") {
        if let Ok(a) = read("a.txt", text.as_bytes()) {
            for b in &a.blocks {
                prop_assert!(!b.text.is_empty());
                prop_assert_eq!(b.text.trim(), b.text.as_str());
            }
        }
    }
}

/// A file of more lines or paragraphs than an article has fails with a clear error, in
/// every format, rather than costing memory without bound; one at the limit is read.
#[test]
fn more_blocks_than_an_article_has_fail() {
    use newsdrop_read::MAX_BLOCKS;
    let over = MAX_BLOCKS + 1;
    let limit = 64 * 1024 * 1024;
    let at_limit = read("list.txt", "a\n".repeat(MAX_BLOCKS).as_bytes()).expect("at the limit");
    assert_eq!(at_limit.blocks.len(), MAX_BLOCKS);
    let json_lines = serde_json::json!({ "body": "a\n".repeat(over) }).to_string();
    let json_items = serde_json::json!({ "body": vec!["a"; over] }).to_string();
    for (name, bytes) in [
        ("list.txt", "a\n".repeat(over)),
        ("list.md", "a\n\n".repeat(over)),
        ("list.html", "<p>a".repeat(over)),
        ("list.json", json_lines),
        ("items.json", json_items),
    ] {
        let err = check_err(name, bytes.as_bytes(), limit);
        assert!(matches!(err, ReadError::TooManyBlocks), "{name}: {err}");
        assert!(err.to_string().contains("more than 200000 lines"), "{err}");
    }
}
