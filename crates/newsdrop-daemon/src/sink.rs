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

/// How far back from the end recovery looks for ids: far more than the lines a batch of
/// in-flight articles can have written.
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
            repair_tail(&mut file).map_err(|e| with_path(e, path))?
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

/// Truncates a partial last line and returns the ids of the lines in the tail.
fn repair_tail(file: &mut File) -> io::Result<HashSet<String>> {
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut tail)?;
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
}
