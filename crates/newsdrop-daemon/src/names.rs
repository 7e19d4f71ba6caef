//! File names: which ones intake ignores, how a claimed file's name records where it came
//! from, how a name that is not UTF-8 is spelt and which are too long to claim, and how a
//! name that is already taken in `archive/` or `failed/` is made unique.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Hidden and temporary names a producer is still writing: `.*`, `*.tmp`, `*.part`, `*~`,
/// `*.crdownload`. Intake never touches them.
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || [".tmp", ".part", ".crdownload"]
            .iter()
            .any(|s| lower.ends_with(s))
}

/// The name a claimed file gets in the work folder: a claim number, then its path relative
/// to the inbox with `%` and `/` escaped, so the original name and subfolder survive a crash.
pub fn work_name(claim: u64, relative: &str) -> String {
    let escaped = relative.replace('%', "%25").replace('/', "%2F");
    format!("{claim:016x}-{escaped}")
}

/// The inbox-relative path a work name was claimed from; `None` for names we did not make.
pub fn parse_work_name(work: &str) -> Option<String> {
    let (claim, escaped) = work.split_once('-')?;
    if claim.len() != 16 || !claim.bytes().all(|b| b.is_ascii_hexdigit()) || escaped.is_empty() {
        return None;
    }
    Some(escaped.replace("%2F", "/").replace("%25", "%"))
}

/// Longest file name the work folder and `failed/` can hold, in bytes (`NAME_MAX` of
/// Linux's file systems).
pub const NAME_MAX: usize = 255;

/// A name as text: UTF-8 as it is, any other byte as `%XX`. A file whose name is not UTF-8
/// is processed under this name (`source.name`, and its name in `archive/`), rather than
/// left in the inbox: its content may be a fine article.
pub fn shown_name(name: &OsStr) -> String {
    let mut shown = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        shown.push_str(chunk.valid());
        for b in chunk.invalid() {
            shown.push_str(&format!("%{b:02X}"));
        }
    }
    shown
}

/// Why the file at inbox-relative `relative` cannot be claimed under the work name
/// `work`, if it cannot: a name too long once the claim number and the escaped subfolder
/// are added (or its non-UTF-8 bytes spelt `%XX`). Such a file would otherwise stay in the
/// inbox forever.
pub fn unclaimable(relative: &str, work: &str) -> Option<String> {
    (work.len() > NAME_MAX).then(|| {
        format!(
            "the file name is too long: {} bytes with its inbox subfolder, {} in the work \
             folder, over the file system's {NAME_MAX}; shorten it and drop it again",
            relative.len(),
            work.len()
        )
    })
}

/// Splits an inbox-relative path into (subfolder, file name).
pub fn split_relative(relative: &str) -> (String, String) {
    match relative.rsplit_once('/') {
        Some((folder, name)) => (folder.to_string(), name.to_string()),
        None => (String::new(), relative.to_string()),
    }
}

/// `name` in `dir`, or, if that is taken, `name` with `tag` before its first extension
/// (`a.txt` → `a.<tag>.txt`), then with a counter.
pub fn free_name(dir: &Path, name: &str, tag: &str) -> String {
    let taken = |n: &str| dir.join(n).exists() || dir.join(format!("{n}.error.json")).exists();
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = match name.find('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let tagged = format!("{stem}.{tag}{ext}");
    if !taken(&tagged) {
        return tagged;
    }
    (2..)
        .map(|n| format!("{stem}.{tag}-{n}{ext}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or(tagged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_hidden_names_are_ignored() {
        for name in [
            ".hidden.txt",
            "a.txt.tmp",
            "a.TMP",
            "b.part",
            "c.txt~",
            "d.crdownload",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["a.txt", "story.html", "x.tmp.txt", "n.json.gz"] {
            assert!(!is_ignored(name), "{name}");
        }
    }

    #[test]
    fn work_names_round_trip_folders_and_odd_characters() {
        for rel in ["a.txt", "site/sub/b-c.html", "100%/x%2F.txt", "-lead.txt"] {
            let w = work_name(0xabc, rel);
            assert!(!w.contains('/'));
            assert_eq!(parse_work_name(&w).as_deref(), Some(rel));
        }
        assert_eq!(parse_work_name("random.txt"), None);
        assert_eq!(
            split_relative("site/sub/b.html"),
            ("site/sub".into(), "b.html".into())
        );
        assert_eq!(split_relative("b.html"), (String::new(), "b.html".into()));
    }

    #[test]
    fn names_that_are_not_utf8_are_spelt_out_and_long_ones_cannot_be_claimed() {
        let name = OsStr::from_bytes(b"caf\xc3\xa9 \xff%.txt");
        assert_eq!(
            shown_name(name),
            "café %FF%.txt",
            "UTF-8 as it is, the rest %XX"
        );
        let fits = "a".repeat(NAME_MAX - 17);
        assert_eq!(unclaimable(&fits, &work_name(1, &fits)), None);
        let long = format!("{fits}b");
        let why = unclaimable(&long, &work_name(1, &long)).expect("too long");
        assert!(why.contains("256 in the work folder"), "{why}");
    }

    #[test]
    fn a_taken_name_gets_the_tag_then_a_counter() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(free_name(dir.path(), "a.txt", "1234"), "a.txt");
        std::fs::write(dir.path().join("a.txt"), "x").expect("write");
        assert_eq!(free_name(dir.path(), "a.txt", "1234"), "a.1234.txt");
        std::fs::write(dir.path().join("a.1234.txt"), "x").expect("write");
        assert_eq!(free_name(dir.path(), "a.txt", "1234"), "a.1234-2.txt");
    }
}
