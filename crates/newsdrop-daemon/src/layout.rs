//! The folders newsdrop works in, and the durable-write primitives it uses on them.
//!
//! `work/` sits inside the state folder: a claimed file is renamed there, so the inbox only
//! ever holds files nobody has taken, and a restart finds every interrupted file in one place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use newsdrop_core::LoadedConfig;

/// Resolved folders of one config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub inbox: PathBuf,
    pub outbox: PathBuf,
    pub archive: PathBuf,
    pub failed: PathBuf,
    pub state: PathBuf,
    /// Claimed files being processed: `<state>/work`.
    pub work: PathBuf,
}

impl Layout {
    /// The folders of `config`, made absolute (watch events and logs use absolute paths).
    pub fn of(config: &LoadedConfig) -> Self {
        let p = &config.config.paths;
        let abs = |path: &Path| {
            let resolved = config.resolve(path);
            std::path::absolute(&resolved).unwrap_or(resolved)
        };
        let state = abs(&p.state);
        Layout {
            inbox: abs(&p.inbox),
            outbox: abs(&p.outbox),
            archive: abs(&p.archive),
            failed: abs(&p.failed),
            work: state.join("work"),
            state,
        }
    }

    /// Creates every folder that is missing.
    pub fn create(&self) -> io::Result<()> {
        for dir in [
            &self.inbox,
            &self.outbox,
            &self.archive,
            &self.failed,
            &self.state,
            &self.work,
        ] {
            fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
        }
        Ok(())
    }

    /// Takes the state folder for this process ([`lock_state_folder`]).
    pub fn lock_state(&self) -> io::Result<File> {
        lock_state_folder(&self.state)
    }

    /// Checks that files can move between the folders by rename: the inbox, `work/`,
    /// `archive/` and `failed/` on one filesystem. Across two, every claim failed with
    /// "Invalid cross-device link" and nothing was processed, or inputs stayed in `work/`.
    /// The archive counts only when inputs are `archived` (not deleted).
    #[cfg(unix)]
    pub fn check_one_filesystem(&self, archived: bool) -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let device = |dir: &Path| {
            fs::metadata(dir)
                .map(|m| m.dev())
                .map_err(|e| with_path(e, dir))
        };
        let work = device(&self.work)?;
        let mut folders = vec![("paths.inbox", &self.inbox), ("paths.failed", &self.failed)];
        if archived {
            folders.push(("paths.archive", &self.archive));
        }
        for (name, dir) in folders {
            if device(dir)? != work {
                return Err(io::Error::other(format!(
                    "`{name}` ({}) is on another filesystem than the state folder's work \
                     folder ({}): files move between them by rename, which cannot cross \
                     filesystems; put the inbox, archive, failed and state folders on one",
                    dir.display(),
                    self.work.display()
                )));
            }
        }
        Ok(())
    }

    /// The inbox with symlinks resolved: the watcher reports paths under the real folder.
    pub fn canonical_inbox(&self) -> io::Result<PathBuf> {
        fs::canonicalize(&self.inbox).map_err(|e| with_path(e, &self.inbox))
    }
}

/// Adds the path to an IO error's message.
pub fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Flushes a folder's entries (renames into it) to disk.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| with_path(e, dir))
}

/// Flushes everything written to the filesystem that holds `dir` (syncfs(2)): one flush
/// makes a whole batch of temp outputs durable, where an fsync per file would flush the
/// disk's cache once per file.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| rustix::fs::syncfs(&d).map_err(io::Error::from))
        .map_err(|e| with_path(e, dir))
}

/// Renames `from` to `to` unless `to` exists (`RENAME_NOREPLACE`, atomic): `Ok(false)` when
/// it exists, or when the filesystem cannot tell (the caller then picks a free name itself).
pub fn rename_new(from: &Path, to: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::EXIST | rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            Ok(false)
        }
        Err(e) => Err(with_path(io::Error::from(e), to)),
    }
}

/// Writes `bytes` to `dir/.<name>.tmp` and fsyncs it; returns the temp path. The caller
/// renames it into place, so a reader never sees a half-written file under `name`. On
/// failure the temp file is removed.
pub fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    write_temp_with(dir, name, bytes, true)
}

/// [`write_temp`] without the fsync: the caller makes the file durable later, with
/// [`sync_filesystem`], before it renames it into place.
pub fn write_temp_unsynced(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    write_temp_with(dir, name, bytes, false)
}

fn write_temp_with(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> io::Result<PathBuf> {
    let tmp = dir.join(temp_name(name));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .and_then(|mut f| {
            write_checked(&mut f, bytes)?;
            if sync { f.sync_all() } else { Ok(()) }
        });
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(with_path(e, &tmp))
        }
    }
}

/// `write_all`, or the injected fault: half the bytes, then "no space left on device".
pub fn write_checked(f: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    if let Some(e) = injected_fault() {
        f.write_all(&bytes[..bytes.len() / 2])?;
        return Err(e);
    }
    f.write_all(bytes)
}

/// Test hook, so that a disk-full test needs no small filesystem (and works as root, whom
/// permissions do not stop): while the file named by `NEWSDROP_FAULT_NOSPACE_WHILE` exists,
/// every output write fails with ENOSPC halfway, through the same code as a real full disk.
fn injected_fault() -> Option<io::Error> {
    static FAULT_FILE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let path = FAULT_FILE
        .get_or_init(|| std::env::var_os("NEWSDROP_FAULT_NOSPACE_WHILE").map(PathBuf::from));
    path.as_ref()
        .filter(|p| p.exists())
        .map(|_| io::Error::from_raw_os_error(libc::ENOSPC))
}

/// The hidden temp name for `name`.
pub fn temp_name(name: &str) -> String {
    format!(".{name}.tmp")
}

/// Writes `bytes` as `dir/name` atomically: temp file, fsync, rename, fsync of the folder.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = write_temp(dir, name, bytes)?;
    let dest = dir.join(name);
    fs::rename(&tmp, &dest).map_err(|e| with_path(e, &dest))?;
    fsync_dir(dir)
}

/// Removes temp files (`.*.tmp`) a crash left in `dir`; returns how many.
pub fn remove_temps(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(with_path(e, dir)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| with_path(e, dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            fs::remove_file(entry.path()).map_err(|e| with_path(e, &entry.path()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Takes a state folder for this process: a lock on `<state>/newsdrop.lock`, held while the
/// returned file is open. The daemon takes it, and so does `newsdrop process --state`: two
/// processes on one state folder wrote one SQLite index and one shingle file over each other
/// (constraint failures, inputs left in `work/`, shingle records that no longer match their
/// rows), and a daemon whose index a `process` run had written under it failed every commit
/// until it was restarted.
pub fn lock_state_folder(state: &Path) -> io::Result<File> {
    let path = state.join("newsdrop.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| with_path(e, &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(io::Error::other(format!(
            "another newsdrop is running on the state folder {} (it holds {}): one state \
             folder serves one daemon or one `process --state` run; give each its own \
             `paths.state`, and share a PostgreSQL store instead",
            state.display(),
            path.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(with_path(e, &path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_new_moves_to_a_free_name_and_never_replaces() {
        let dir = tempfile::tempdir().expect("tmp");
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, "a").expect("a");
        fs::write(&b, "b").expect("b");
        assert!(!rename_new(&a, &b).expect("taken"), "b exists");
        assert_eq!(fs::read_to_string(&a).expect("a stays"), "a");
        assert_eq!(fs::read_to_string(&b).expect("b kept"), "b");
        assert!(rename_new(&a, &c).expect("free"));
        assert!(!a.exists());
        assert_eq!(fs::read_to_string(&c).expect("moved"), "a");
    }
}
