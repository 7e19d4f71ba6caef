//! The optional JSON Lines sink: every emitted article appended to one file.
//!
//! Exactly once across a crash: an article whose line was appended just before a kill is
//! run again at the next start (its input is still in `work/`). So when the daemon starts
//! with leftovers, it first cuts off a half-written last line and collects the ids of the
//! file's last lines; an article re-run with one of those ids is not appended again.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::layout::{with_path, write_checked};

/// How far back from the end recovery first looks for ids; it looks further back until it
/// has the last [`crate::commit::MAX_BATCH`] lines. The committer appends a batch and then
/// settles it in the ledger, so the lines of articles re-run after a crash are among the
/// last batch's. A fixed window was not enough: eight articles of 4 MB were appended twice.
const TAIL_BYTES: u64 = 16 * 1024 * 1024;

pub struct JsonlSink {
    path: PathBuf,
    file: File,
    /// Ids already in the file's tail from before a crash.
    written: HashSet<String>,
}

impl JsonlSink {
    /// Opens the sink for appending; with `recovering`, repairs the tail and remembers its ids.
    pub fn open(path: &Path, recovering: bool) -> io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| with_path(e, parent))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| with_path(e, path))?;
        let written = if recovering {
            repair_tail(&mut file, crate::commit::MAX_BATCH, TAIL_BYTES)
                .map_err(|e| with_path(e, path))?
        } else {
            HashSet::new()
        };
        Ok(JsonlSink {
            path: path.to_path_buf(),
            file,
            written,
        })
    }

    /// Appends one line per article and syncs; skips articles already in the file. A
    /// failed append (disk full) is cut off again, so no partial line stays; the caller
    /// retries the same lines.
    pub fn append(&mut self, lines: &[(&str, &[u8])]) -> io::Result<()> {
        let mut buf = Vec::new();
        for (id, line) in lines {
            if !self.written.is_empty() && self.written.contains(*id) {
                continue;
            }
            buf.extend_from_slice(line);
        }
        if buf.is_empty() {
            return Ok(());
        }
        let len = self
            .file
            .metadata()
            .map_err(|e| with_path(e, &self.path))?
            .len();
        let appended = write_checked(&mut self.file, &buf).and_then(|()| self.file.sync_data());
        if let Err(e) = appended {
            let _ = self.file.set_len(len);
            return Err(with_path(e, &self.path));
        }
        for (id, _) in lines {
            self.written.remove(*id);
        }
        Ok(())
    }
}

/// Truncates a partial last line and returns the ids of the last `lines` lines (at least),
/// reading back from the end `window` bytes, then twice as many, until it has them.
fn repair_tail(file: &mut File, lines: usize, window: u64) -> io::Result<HashSet<String>> {
    let len = file.metadata()?.len();
    let mut window = window.max(1);
    let (start, tail) = loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        file.by_ref().take(window).read_to_end(&mut tail)?;
        // One line more than asked: the first of a tail that starts mid-file may be cut.
        if start == 0 || tail.iter().filter(|&&b| b == b'\n').count() > lines {
            break (start, tail);
        }
        window = window.saturating_mul(2);
    };
    let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if complete < tail.len() {
        file.set_len(start + complete as u64)?;
        file.sync_data()?;
    }
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let mut ids = HashSet::new();
    // The first line of a tail that starts mid-file may be cut: it simply fails to parse.
    for line in tail[..complete].split(|&b| b == b'\n') {
        if let Ok(r) = serde_json::from_slice::<IdOnly>(line) {
            ids.insert(r.id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_cuts_a_partial_line_and_skips_articles_already_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"bo").expect("write");
        let mut sink = JsonlSink::open(&path, true).expect("open");
        sink.append(&[("b", b"{\"id\":\"b\"}\n"), ("c", b"{\"id\":\"c\"}\n")])
            .expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n");
    }

    /// Lines longer than the first window are still found: the window grows until it
    /// holds the lines asked for.
    #[test]
    fn recovery_reads_back_as_far_as_the_last_lines_reach() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.jsonl");
        let line = |id: &str| format!("{{\"id\":\"{id}\",\"body\":\"{}\"}}\n", "x".repeat(100));
        let text: String = ["a", "b", "c", "d"].iter().map(|id| line(id)).collect();
        std::fs::write(&path, &text).expect("write");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .expect("open");
        let ids = repair_tail(&mut file, 3, 16).expect("repair");
        for id in ["b", "c", "d"] {
            assert!(ids.contains(id), "{id} not found in {ids:?}");
        }
        // A window that holds them from the start is not grown: the first line is not read.
        let ids = repair_tail(&mut file, 1, 300).expect("repair");
        assert!(!ids.contains("a") && ids.contains("d"), "{ids:?}");
    }
}
