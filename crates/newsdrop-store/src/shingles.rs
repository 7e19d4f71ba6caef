//! The shingle sets of the SQLite dedup index, in a file of their own beside the database.
//!
//! A candidate's shingle set is read only to verify it, at random, several per article.
//! Kept in the rows, each read walked the table's B-tree and overflow pages (15–60 µs on
//! the 2 GB database a million articles make); here it is one positioned read at an offset
//! the index holds in memory. The rows stay small too, so a restart, which reads every
//! row's keys, scans a fraction of the bytes.
//!
//! Records are appended: `count: u32, check: u32, count × u32`, little-endian, where
//! `check` is a hash of the values. An article's row holds its record's offset and count.
//! The file is not synced on its own: the daemon's commit syncs the file system before it
//! settles a batch, and the index rows may themselves lose their last transactions on power
//! loss. So a record that is missing or fails its check is reported and read as empty: that
//! article can no longer be found as a near copy, and nothing else is affected.
//!
//! Expired rows leave dead records behind. When they outweigh the live ones, opening the
//! index copies the live records into a new file, which the database then names in the same
//! transaction that moves the rows' offsets; a crash at any point leaves one consistent
//! file in use (the other is removed at the next open).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes of a record's header (count, check).
const HEADER: u64 = 8;

/// Where the records live: a file in the state folder, or memory for a store in memory.
enum Backing {
    File(File),
    Memory(Vec<u8>),
}

/// An append-only file of shingle sets.
pub(crate) struct ShingleFile {
    backing: Backing,
    /// Where the next record goes (the file's length when opened).
    len: u64,
}

/// Bytes a record of `count` shingles takes.
pub(crate) fn record_len(count: u32) -> u64 {
    HEADER + 4 * u64::from(count)
}

/// The check of a record: each value folded in by a multiply (odd, so any one value
/// changed changes the 64-bit state), folded to 32 bits (so a damaged record passes one
/// time in 2^32). A multiply per value, not per byte (as it
/// was, FNV-1a): a record is checked on every write and every read, and four multiplies
/// that each wait for the one before cost more than the read itself.
fn check(values: &[u32]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &v in values {
        h = (h ^ u64::from(v)).wrapping_mul(0x9fb2_1c65_1e98_df25);
    }
    (h ^ (h >> 32)) as u32
}

impl ShingleFile {
    /// Opens (creating if needed) the file at `path`; records are appended at its end.
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let len = file.metadata()?.len();
        Ok(ShingleFile {
            backing: Backing::File(file),
            len,
        })
    }

    /// Records held in memory, gone when dropped.
    pub(crate) fn in_memory() -> Self {
        ShingleFile {
            backing: Backing::Memory(Vec::new()),
            len: 0,
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends one record per set, in one write; returns each record's offset.
    pub(crate) fn append<'a>(
        &mut self,
        sets: impl IntoIterator<Item = &'a [u32]>,
    ) -> io::Result<Vec<u64>> {
        let mut buf = Vec::new();
        let mut offsets = Vec::new();
        for set in sets {
            let count = u32::try_from(set.len()).map_err(io::Error::other)?;
            offsets.push(self.len + buf.len() as u64);
            buf.extend_from_slice(&count.to_le_bytes());
            buf.extend_from_slice(&check(set).to_le_bytes());
            for v in set {
                buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        match &mut self.backing {
            Backing::File(f) => f.write_all_at(&buf, self.len)?,
            Backing::Memory(m) => m.extend_from_slice(&buf),
        }
        self.len += buf.len() as u64;
        Ok(offsets)
    }

    /// Makes the file at least `end` bytes long (zeros), so that records appended from now
    /// on never land where a row expects one that was lost: a file cut short by a crash
    /// leaves rows pointing past its end. Returns whether it was short.
    pub(crate) fn extend_to(&mut self, end: u64) -> io::Result<bool> {
        if end <= self.len {
            return Ok(false);
        }
        match &mut self.backing {
            Backing::File(f) => f.set_len(end)?,
            Backing::Memory(m) => m.resize(end as usize, 0),
        }
        self.len = end;
        Ok(true)
    }

    /// The set of `count` shingles recorded at `offset`, or why it cannot be read.
    pub(crate) fn read(&self, offset: u64, count: u32) -> Result<Vec<u32>, String> {
        let mut values = Vec::new();
        self.read_into(offset, count, &mut Vec::new(), &mut values)?;
        Ok(values)
    }

    /// [`Self::read`], appending the set to `values` (left as it was on an error) through
    /// `bytes`: a look-up reads several sets, into buffers it keeps from one to the next.
    pub(crate) fn read_into(
        &self,
        offset: u64,
        count: u32,
        bytes: &mut Vec<u8>,
        values: &mut Vec<u32>,
    ) -> Result<(), String> {
        let want = record_len(count);
        let end = offset.checked_add(want).filter(|&e| e <= self.len);
        if end.is_none() {
            return Err(format!(
                "record at {offset} ({count} shingles) runs past the end ({} bytes)",
                self.len
            ));
        }
        bytes.resize(want as usize, 0);
        match &self.backing {
            Backing::File(f) => f.read_exact_at(bytes, offset).map_err(|e| e.to_string())?,
            Backing::Memory(m) => bytes.copy_from_slice(&m[offset as usize..][..want as usize]),
        }
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let start = values.len();
        values.extend(bytes[HEADER as usize..].chunks_exact(4).map(word));
        if word(&bytes[0..]) != count || word(&bytes[4..]) != check(&values[start..]) {
            values.truncate(start);
            return Err(format!(
                "record at {offset} does not match its row (count or check)"
            ));
        }
        Ok(())
    }

    /// Makes what was written durable (after a compaction, before the database names it).
    pub(crate) fn sync(&self) -> io::Result<()> {
        match &self.backing {
            Backing::File(f) => f.sync_all(),
            Backing::Memory(_) => Ok(()),
        }
    }
}

/// The file of generation `generation` in `dir`.
pub(crate) fn path_of(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("dedup-shingles.{generation}.bin"))
}

/// Removes the shingle files in `dir` other than generation `keep` (left by a compaction
/// that a crash interrupted, or replaced by one that finished).
pub(crate) fn remove_others(dir: &Path, keep: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let keep = path_of(dir, keep);
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("dedup-shingles.")
            && name.ends_with(".bin")
            && path != keep
            && let Err(e) = std::fs::remove_file(&path)
        {
            tracing::warn!(file = %path.display(), error = %e, "cannot remove an old shingle file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = path_of(dir.path(), 0);
        let mut f = ShingleFile::open(&path).expect("open");
        let at = f
            .append([&[1u32, 5, 9][..], &[][..], &[7][..]])
            .expect("append");
        assert_eq!(at, vec![0, 20, 28]);
        assert_eq!(f.read(0, 3), Ok(vec![1, 5, 9]));
        assert_eq!(f.read(20, 0), Ok(vec![]));
        assert_eq!(f.read(28, 1), Ok(vec![7]));
        assert!(f.read(28, 2).is_err(), "a count that does not match");
        assert!(f.read(40, 1).is_err(), "past the end");

        // Reopened, appends continue at the end; a flipped byte fails the check.
        drop(f);
        let mut f = ShingleFile::open(&path).expect("reopen");
        assert_eq!(f.append([&[3u32][..]]).expect("append"), vec![40]);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[12] ^= 1;
        std::fs::write(&path, &bytes).expect("write");
        let mut f = ShingleFile::open(&path).expect("reopen");
        assert!(f.read(0, 3).is_err(), "damaged values");
        assert_eq!(f.read(40, 1), Ok(vec![3]));

        // Extended past records a crash lost: those read as errors, new ones go after.
        assert!(f.extend_to(100).expect("extend"));
        assert!(!f.extend_to(50).expect("no-op"));
        assert!(f.read(60, 2).is_err(), "zeros are no record");
        assert_eq!(f.append([&[6u32][..]]).expect("append"), vec![100]);
    }

    #[test]
    fn in_memory_records_behave_alike() {
        let mut f = ShingleFile::in_memory();
        let at = f.append([&[4u32, 2][..]]).expect("append");
        assert_eq!(f.read(at[0], 2), Ok(vec![4, 2]));
        assert_eq!(f.len(), record_len(2));
    }

    #[test]
    fn other_generations_are_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        for g in 0..3 {
            ShingleFile::open(&path_of(dir.path(), g)).expect("open");
        }
        std::fs::write(dir.path().join("newsdrop.db"), b"x").expect("db");
        remove_others(dir.path(), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["dedup-shingles.1.bin", "newsdrop.db"]);
    }
}
