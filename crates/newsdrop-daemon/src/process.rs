//! `newsdrop process`: the daemon's pipeline once over files or folders, JSON Lines to
//! stdout, files in the order given (a folder's files in name order, then its subfolders'),
//! one after another so that order-dependent rules (dedup) decide exactly as the daemon
//! would on the same files in the same order. A file in a subfolder has it as its
//! `source.folder`, as in the inbox. Nothing is moved; `received_at` is the file's mtime, so
//! runs repeat.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::article::{Finished, Input, Settings, read_input, run_article};
use crate::names::{is_ignored, shown_name};

/// What one `process` run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub emitted: usize,
    pub dropped: usize,
    /// Duplicates the dedup policy kept from the output.
    pub duplicates: usize,
    pub failed: usize,
}

/// A file to process, and its folder below the folder named on the command line (`""` for
/// a file named itself or at the top of a folder): its `source.folder`, as the inbox
/// subfolder it came from is for the daemon, so its id and its source are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub folder: String,
}

/// The files `paths` name: files as given, folders expanded to their regular, non-hidden
/// files in name order, then (when `recursive`, as the daemon's inbox is by default) each
/// subfolder's, subfolders in name order. Hidden and ignored subfolders are left out, as
/// the daemon leaves them; so are symlinks in a folder, to files or folders (not followed,
/// so no loop; a symlink named on the command line is read). A path that
/// does not exist, or a folder that cannot be read, is reported in `skipped` (its path and
/// why) and the rest go on, as `cp` and `grep` go on.
pub fn expand(paths: &[PathBuf], recursive: bool, skipped: &mut Vec<io::Error>) -> Vec<File> {
    let mut files = Vec::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => {
                skipped.push(crate::layout::with_path(e, path));
                continue;
            }
        };
        if !meta.is_dir() {
            files.push(File {
                path: path.clone(),
                folder: String::new(),
            });
            continue;
        }
        expand_folder(path, "", recursive, &mut files, skipped);
    }
    files
}

/// Appends the files of the folder `dir`, then its subfolders', to `files` (or, if it
/// cannot be read, why to `skipped`); `folder` is its place below the folder named on the
/// command line, spelt as the daemon spells an inbox subfolder ([`shown_name`] of each
/// part).
fn expand_folder(
    dir: &Path,
    folder: &str,
    recursive: bool,
    files: &mut Vec<File>,
    skipped: &mut Vec<io::Error>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return skipped.push(crate::layout::with_path(e, dir)),
    };
    // (is a folder, name as shown, path): files first, then folders, each by name.
    let mut found: Vec<(bool, String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                skipped.push(crate::layout::with_path(e, dir));
                continue;
            }
        };
        let shown = shown_name(&entry.file_name());
        if is_ignored(&shown) {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_file() => found.push((false, shown, entry.path())),
            Ok(t) if t.is_dir() && recursive => found.push((true, shown, entry.path())),
            _ => {}
        }
    }
    found.sort();
    for (is_dir, shown, path) in found {
        if !is_dir {
            files.push(File {
                path,
                folder: folder.to_string(),
            });
            continue;
        }
        let sub = if folder.is_empty() {
            shown
        } else {
            format!("{folder}/{shown}")
        };
        expand_folder(&path, &sub, recursive, files, skipped);
    }
}

/// Processes `files` in order, writing one JSON line per emitted article to `out` and one
/// line per failure or drop to `errors`; `done` is told after each file (a progress bar).
pub fn process(
    files: &[File],
    settings: &Settings,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    done: &mut dyn FnMut(),
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    for file in files {
        process_one(
            &file.path,
            &file.folder,
            settings,
            out,
            errors,
            &mut summary,
        )?;
        done();
    }
    out.flush()?;
    Ok(summary)
}

fn process_one(
    file: &Path,
    folder: &str,
    settings: &Settings,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    summary: &mut Summary,
) -> io::Result<()> {
    // Spelt as the daemon spells it (`%XX` for bytes that are not UTF-8), so the id is the same.
    let name = file.file_name().map(shown_name).unwrap_or_default();
    let received_at = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let input = Input {
        name,
        folder: folder.to_string(),
        received_at,
    };
    let outcome = read_input(&resolve(file), &settings.limits)
        .and_then(|bytes| run_article(&bytes, &input, settings));
    match outcome {
        Ok(Finished::Emit { json, .. }) => {
            out.write_all(&json)?;
            summary.emitted += 1;
        }
        Ok(Finished::Drop { reason, .. }) => {
            writeln!(errors, "newsdrop: {}: dropped: {reason}", file.display())?;
            summary.dropped += 1;
        }
        Ok(Finished::Duplicate { reason, .. }) => {
            writeln!(
                errors,
                "newsdrop: {}: not emitted: {reason}",
                file.display()
            )?;
            summary.duplicates += 1;
        }
        Err(f) => {
            writeln!(
                errors,
                "newsdrop: {}: {} failed: {}",
                file.display(),
                f.stage,
                f.message
            )?;
            summary.failed += 1;
        }
    }
    Ok(())
}

/// A path named on the command line may be a symlink the user chose; resolve it, since
/// reading refuses to follow links.
fn resolve(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
