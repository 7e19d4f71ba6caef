//! Bytes to text: bounded gunzip, binary sniffing, and encoding detection.
//!
//! Everything a dropped file can get wrong before it is text lives here, so the format
//! parsers only ever see clean text: LF line ends, no BOM, no stray control characters
//! (borrowed from the bytes when they were clean UTF-8 already, the common case).
//! The order matters: gunzip first (bounded by the size limit, so a gzip bomb stops at
//! `limit + 1` bytes instead of filling memory), then sniff for binary formats, then decode
//! (BOM, else UTF-8, else an HTML `<meta charset>`, else a chardetng guess).

use std::borrow::Cow;
use std::io::Read;

use encoding_rs::Encoding;

use crate::ReadError;

/// How many leading bytes are searched for NUL bytes.
const NUL_WINDOW: usize = 8 * 1024;
/// How many leading bytes of HTML are searched for a `<meta charset>`.
const META_WINDOW: usize = 1024;
/// How many bytes chardetng sees; enough for a confident guess, bounded for speed.
const DETECT_WINDOW: usize = 1024 * 1024;

/// Decompresses gzip `bytes` (one or more members), stopping once more than `limit` bytes
/// have come out so that a gzip bomb fails without being inflated in full.
pub(crate) fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, ReadError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(ReadError::Gzip(
            "not gzip data (no 1f 8b header), though the name ends in .gz".into(),
        ));
    }
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| ReadError::Gzip(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(ReadError::UnpackedTooLarge {
            packed: bytes.len() as u64,
            limit,
        });
    }
    Ok(out)
}

/// Magic numbers of binary formats people are likely to drop by mistake, and what to call them
/// (with their article: "looks like an ELF executable", "looks like xz data").
const MAGIC: &[(usize, &[u8], &str)] = &[
    (0, b"%PDF-", "a PDF document"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (
        0,
        b"PK\x03\x04",
        "a ZIP archive (or .docx/.xlsx/.odt/.epub)",
    ),
    (0, b"PK\x05\x06", "a ZIP archive (empty)"),
    (0, b"PK\x07\x08", "a ZIP archive (spanned)"),
    (
        0,
        b"\x1f\x8b",
        "gzip data (name it .gz to have it decompressed)",
    ),
    (0, b"\x7fELF", "an ELF executable"),
    (
        0,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an OLE2 document (old .doc/.xls/.ppt)",
    ),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\xfd7zXZ\x00", "xz data"),
    (0, b"\x28\xb5\x2f\xfd", "zstd data"),
    (0, b"BZh", "bzip2 data"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"\x00asm", "a WebAssembly module"),
    (0, b"\xca\xfe\xba\xbe", "a Mach-O binary or Java class"),
    (0, b"\xcf\xfa\xed\xfe", "a Mach-O binary"),
    (0, b"\xce\xfa\xed\xfe", "a Mach-O binary"),
    (0, b"OggS", "Ogg media"),
    (0, b"fLaC", "FLAC audio"),
    (0, b"ID3", "MP3 audio"),
    (0, b"wOFF", "a WOFF font"),
    (0, b"wOF2", "a WOFF2 font"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"\x1a\x45\xdf\xa3", "Matroska/WebM video"),
    (4, b"ftyp", "MP4/QuickTime media (or HEIC/AVIF image)"),
];

/// Fails with [`ReadError::Binary`] if `bytes` look like a binary file: a known magic
/// number, a RIFF container, or a NUL byte in the first 8 KiB (unless a UTF-16 BOM says
/// NULs are expected).
pub(crate) fn sniff_binary(bytes: &[u8]) -> Result<(), ReadError> {
    for (offset, magic, what) in MAGIC {
        if bytes.get(*offset..).is_some_and(|b| b.starts_with(magic)) {
            // "BZh" and "ID3" are short enough to start a real text: require the rest of
            // the header too.
            let confirmed = match *magic {
                b"BZh" => {
                    bytes.get(3).is_some_and(|d| (b'1'..=b'9').contains(d))
                        && bytes.get(4..10) == Some(b"1AY&SY".as_slice())
                }
                b"ID3" => bytes.get(3).is_some_and(|v| *v < 10),
                _ => true,
            };
            if confirmed {
                return Err(ReadError::Binary(format!("looks like {what}")));
            }
        }
    }
    if bytes.starts_with(b"RIFF") && bytes.len() >= 12 {
        let kind = String::from_utf8_lossy(&bytes[8..12]).trim().to_string();
        return Err(ReadError::Binary(format!(
            "looks like a RIFF {kind} media file"
        )));
    }
    if bytes.starts_with(b"MZ") && bytes.iter().take(64).any(|b| *b == 0) {
        return Err(ReadError::Binary("looks like a Windows executable".into()));
    }
    let utf16_bom = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    if !utf16_bom {
        let window = &bytes[..bytes.len().min(NUL_WINDOW)];
        if let Some(at) = memchr::memchr(0, window) {
            return Err(ReadError::Binary(format!(
                "contains NUL bytes (first at offset {at}), not text"
            )));
        }
    }
    Ok(())
}

/// Text decoded from bytes, and the name of the encoding used (`UTF-8`, `windows-1252`, …).
/// The text borrows the bytes when they are clean UTF-8 (the common case: no copy).
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
}

/// Decodes `bytes` to text: a BOM wins, then valid UTF-8, then (for HTML) a `<meta charset>`
/// in the first 1024 bytes, then a chardetng guess. The result has no BOM, LF line ends and
/// no control characters other than tab, LF and form feed; more than 1% of bad characters
/// (controls, or replacement characters from undecodable bytes; see [`within_limit`]) fails
/// as [`ReadError::Encoding`].
pub(crate) fn decode(bytes: &[u8], html: bool) -> Result<Decoded<'_>, ReadError> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (encoding, &bytes[bom_len..]),
        None => {
            if let Ok(text) = std::str::from_utf8(bytes) {
                // The common case: no second validation, no per-char work or copy if clean.
                return Ok(Decoded {
                    text: clean(Cow::Borrowed(text), "UTF-8")?,
                    encoding: encoding_rs::UTF_8.name(),
                });
            }
            let declared = if html { meta_charset(bytes) } else { None };
            let guessed = || {
                if mostly_utf8(bytes) {
                    encoding_rs::UTF_8
                } else {
                    detect(bytes)
                }
            };
            (declared.unwrap_or_else(guessed), bytes)
        }
    };
    let (raw, _had_errors) = encoding.decode_without_bom_handling(body);
    let text = clean(raw, encoding.name())?;
    Ok(Decoded {
        text,
        encoding: encoding.name(),
    })
}

/// Whether bytes that are not valid UTF-8 are still UTF-8 with a few bad bytes (a copy cut
/// mid-character, a stray byte): they hold multi-byte UTF-8 characters, which text in a
/// single-byte encoding almost never does, and bad bytes are few ([`within_limit`]). Read as
/// UTF-8, each bad byte is one replacement character; a guess would read all of the text
/// in another encoding (`café` as `cafÃ©`), or fail it as not text.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut multibyte, mut bad) = (false, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte |= !chunk.valid().is_ascii();
        bad += chunk.invalid().len();
    }
    multibyte && within_limit(bad, bytes.len(), true)
}

/// Whether `bad` characters (or bytes) of `total` are few enough for text: at most 1%, or a
/// single undecodable byte in a text of [`ONE_STRAY_FROM`] characters or more, so that a
/// short note cut mid-character is read, not failed; controls get no such floor (a file
/// of four bytes, two of them controls, is no text).
fn within_limit(bad: usize, total: usize, undecodable: bool) -> bool {
    bad.saturating_mul(100) <= total || (undecodable && bad == 1 && total >= ONE_STRAY_FROM)
}

/// The shortest text in which one undecodable byte is let through whatever the 1% says.
const ONE_STRAY_FROM: usize = 20;

/// chardetng's guess for bytes that are not valid UTF-8.
fn detect(bytes: &[u8]) -> &'static Encoding {
    let window = &bytes[..bytes.len().min(DETECT_WINDOW)];
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(window, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// The encoding an HTML page declares in its first 1024 bytes (`<meta charset=…>` or
/// `<meta http-equiv=content-type content="…; charset=…">`), if it is one worth trusting
/// for bytes that are already known not to be UTF-8.
pub(crate) fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(META_WINDOW)].to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&head[from..], b"<meta") {
        let start = from + at;
        let end = head[start..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(head.len(), |e| start + e);
        let tag = &head[start..end];
        if let Some(label) = charset_in(tag)
            && let Some(encoding) = Encoding::for_label(label)
        {
            // A page declaring UTF-8 (or UTF-16, which a meta tag cannot honestly
            // declare) whose bytes are not UTF-8 is mislabelled: detect instead.
            let useless = encoding == encoding_rs::UTF_8
                || encoding == encoding_rs::UTF_16LE
                || encoding == encoding_rs::UTF_16BE
                || encoding == encoding_rs::REPLACEMENT
                || encoding == encoding_rs::X_USER_DEFINED;
            return (!useless).then_some(encoding);
        }
        from = end.max(start + 1);
        if from >= head.len() {
            break;
        }
    }
    None
}

/// The value after `charset` (with `=` and optional quotes) inside one lowercased meta tag.
fn charset_in(tag: &[u8]) -> Option<&[u8]> {
    let at = find(tag, b"charset")?;
    let mut rest = &tag[at + b"charset".len()..];
    rest = trim_start(rest);
    rest = rest.strip_prefix(b"=")?;
    rest = trim_start(rest);
    while let Some((first, tail)) = rest.split_first() {
        if *first == b'"' || *first == b'\'' {
            rest = tail;
        } else {
            break;
        }
    }
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
        .unwrap_or(rest.len());
    (len > 0).then_some(&rest[..len])
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let Some((first, tail)) = s.split_first() {
        if first.is_ascii_whitespace() {
            s = tail;
        } else {
            break;
        }
    }
    s
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `c` is a control character that has no business in text.
fn is_bad(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' | '\u{0c}' => false,
        '\u{fffd}' => true,
        c => c.is_control(),
    }
}

/// Whether UTF-8 `bytes` may hold a CR or a bad character (conservatively: any C0 control
/// but tab, LF and FF, DEL, a C1 control, or a U+FFxx char such as U+FFFD). Clean text is
/// the common case, so this is a scan without branches or a carried state, in chunks, that
/// the compiler turns into vector instructions: each byte is tested alone (controls, DEL)
/// and as a pair with the byte after it (the two-byte starts of C1 and U+FFxx).
fn suspicious(bytes: &[u8]) -> bool {
    const CHUNK: usize = 4096;
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes.len().min(start + CHUNK);
        let chunk = &bytes[start..end];
        // Each byte's successor, one past the chunk where there is one.
        let next = &bytes[start + 1..bytes.len().min(end + 1)];
        let mut hit = 0u8;
        for &b in chunk {
            let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0c);
            hit |= u8::from(control | (b == 0x7f));
        }
        for (&a, &b) in chunk.iter().zip(next) {
            let c1 = (a == 0xc2) & (b & 0xe0 == 0x80);
            let ff = (a == 0xef) & (b == 0xbf);
            hit |= u8::from(c1 | ff);
        }
        if hit != 0 {
            return true;
        }
        start = end;
    }
    false
}

/// Normalises CRLF and CR to LF and removes stray control characters, failing if they are
/// more than [`within_limit`] lets through. Clean text is returned as it came.
fn clean<'a>(raw: Cow<'a, str>, encoding: &str) -> Result<Cow<'a, str>, ReadError> {
    if !suspicious(raw.as_bytes()) {
        return Ok(raw);
    }
    let mut chars = 0usize;
    let mut bad = 0usize;
    let mut first_bad = None;
    for c in raw.chars() {
        chars += 1;
        if is_bad(c) {
            bad += 1;
            first_bad.get_or_insert(c);
        }
    }
    if !within_limit(bad, chars, first_bad == Some('\u{fffd}')) {
        let what = match first_bad {
            Some('\u{fffd}') => "bytes that do not decode".to_string(),
            Some(c) => format!("control characters such as U+{:04X}", u32::from(c)),
            None => "control characters".to_string(),
        };
        return Err(ReadError::Encoding(format!(
            "{bad} of {chars} characters are {what} when read as {encoding}: not a text file"
        )));
    }
    if bad == 0 && !raw.contains('\r') {
        return Ok(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            // Replacement characters stay: they show where bytes were lost.
            '\u{fffd}' => out.push(c),
            c if is_bad(c) => {}
            c => out.push(c),
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn meta_charset_is_found_in_both_forms() {
        let a = br#"<html><head><meta charset="windows-1251"><title>x</title>"#;
        assert_eq!(meta_charset(a), Some(encoding_rs::WINDOWS_1251));
        let b = br#"<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1">"#;
        assert_eq!(meta_charset(b), Some(encoding_rs::WINDOWS_1252));
        let c = br#"<meta charset=utf-8>"#;
        assert_eq!(
            meta_charset(c),
            None,
            "utf-8 label on non-utf-8 bytes is not trusted"
        );
        assert_eq!(meta_charset(b"<meta name=x content=y>"), None);
        assert_eq!(meta_charset(b"<meta charset"), None);
    }

    /// [`suspicious`] as it was written first, byte by byte with the previous byte carried.
    fn suspicious_bytewise(bytes: &[u8]) -> bool {
        let mut prev = 0u8;
        bytes.chunks(4096).any(|chunk| {
            let mut hit = false;
            for &b in chunk {
                let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0c);
                let c1 = (prev == 0xc2) & (b & 0xe0 == 0x80);
                let ff = (prev == 0xef) & (b == 0xbf);
                hit |= control | (b == 0x7f) | c1 | ff;
                prev = b;
            }
            hit
        })
    }

    proptest::proptest! {
        /// The chunked scan flags the same texts as a byte-by-byte one, wherever the
        /// suspicious bytes fall relative to the chunks.
        #[test]
        fn suspicious_is_the_bytewise_scan(
            text in "[a\\t\\n\\r\\x0c\\x01\\x7f\u{80}\u{9f}\u{a0}\u{ff}\u{fffd}\u{ff00}\u{e9}]{0,40}",
            pad in 0usize..4100,
        ) {
            let padded = "x".repeat(pad) + &text;
            for t in [text.as_str(), padded.as_str()] {
                let (fast, bytewise) = (suspicious(t.as_bytes()), suspicious_bytewise(t.as_bytes()));
                proptest::prop_assert_eq!(fast, bytewise, "{:?}", t);
            }
        }
    }

    #[test]
    fn utf8_with_a_stray_byte_stays_utf8_and_a_single_byte_encoding_does_not() {
        let text = "Caf\u{e9} \u{201c}co\u{2019}op\u{201d} talks in \u{41c}\u{43e}\u{441}\u{43a}\u{432}\u{430}, cooperation agreed. "
            .repeat(3);
        let at = text.find("cooperation").expect("the word") + "coop".len();
        let mut stray = text.into_bytes();
        stray.insert(at, 0xff);
        let got = decode(&stray, false).expect("decodes");
        assert_eq!(got.encoding, "UTF-8");
        assert!(
            got.text.contains("Caf\u{e9} \u{201c}co\u{2019}op"),
            "{}",
            got.text
        );
        assert!(got.text.contains("coop\u{fffd}eration"), "{}", got.text);
        // windows-1252 bytes (é is 0xE9) hold no UTF-8 character: still guessed.
        let latin = b"Caf\xe9 and cr\xe8me br\xfbl\xe9e were served at the caf\xe9 on the square.";
        let got = decode(latin, false).expect("decodes");
        assert_ne!(got.encoding, "UTF-8");
        assert!(
            got.text.contains("Caf\u{e9} and cr\u{e8}me"),
            "{}",
            got.text
        );
    }

    /// One stray byte is over 1% of a short note, and is read all the same; one control
    /// character is not.
    #[test]
    fn a_short_note_with_one_stray_byte_is_read() {
        let note = "Caf\u{e9} talks resume on Monday; the council will vote on it.";
        assert!(note.len() < 100);
        let mut bytes = note.as_bytes().to_vec();
        bytes.insert(20, 0xff);
        let got = decode(&bytes, false).expect("decodes");
        assert_eq!(got.encoding, "UTF-8");
        assert!(got.text.starts_with("Caf\u{e9} talks"), "{}", got.text);
        assert_eq!(got.text.matches('\u{fffd}').count(), 1);
        let err = decode(b"Cafe talks resume on\x01 Monday.", false).unwrap_err();
        assert!(matches!(err, ReadError::Encoding(m) if m.contains("U+0001")));
        // A few characters: one bad byte is too many to call it UTF-8; it is guessed.
        let got = decode(b"\xc3\xa9t\xc3\xa9 \xff", false).expect("guessed");
        assert_ne!(got.encoding, "UTF-8");
    }

    #[test]
    fn crlf_and_cr_become_lf_and_controls_go() {
        let text = "a\r\nb\rc\n".repeat(100) + "\u{1}";
        let out = clean(Cow::Borrowed(&text), "UTF-8").unwrap();
        assert_eq!(out, "a\nb\nc\n".repeat(100));
    }

    #[test]
    fn many_controls_fail() {
        let err = clean(Cow::Borrowed("ab\u{1}\u{2}"), "UTF-8").unwrap_err();
        assert!(matches!(err, ReadError::Encoding(m) if m.contains("U+0001")));
    }

    #[test]
    fn sniff_names_formats() {
        let cases: &[(&[u8], &str)] = &[
            (b"%PDF-1.7\n...", "looks like a PDF document"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG"),
            (b"\x7fELF\x02\x01\x01", "looks like an ELF executable"),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", "JPEG"),
            (b"GIF89a....", "GIF"),
            (b"PK\x03\x04\x14\0\x06\0", "ZIP"),
            (b"\x1f\x8b\x08\0", "gzip"),
            (b"RIFF\0\0\0\0WEBPVP8 ", "RIFF WEBP"),
            (b"\0\0\0\x18ftypmp42", "MP4"),
            (b"hello\0world", "NUL"),
        ];
        for (bytes, name) in cases {
            match sniff_binary(bytes) {
                Err(ReadError::Binary(reason)) => {
                    assert!(reason.contains(name), "{reason:?} should name {name}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(sniff_binary(b"BZh is not bzip2 here").is_ok());
        assert!(
            sniff_binary(b"\xff\xfeh\0i\0").is_ok(),
            "UTF-16 BOM allows NULs"
        );
        assert!(sniff_binary("plain text, caf\u{e9}".as_bytes()).is_ok());
    }
}
