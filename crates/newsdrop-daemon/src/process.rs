//! `newsdrop process`: the daemon's pipeline once over files or folders, JSON Lines to
//! stdout, files in the order given (a folder's files in name order, then its subfolders'), one after another so
//! that order-dependent rules (dedup) decide exactly as the daemon would on the same files.
//! Nothing is moved; `received_at` is the file's mtime, so runs repeat.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::article::{Finished, Input, Settings, read_input, run_article};
use crate::names::is_ignored;

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
/// the daemon leaves them.
pub fn expand(paths: &[PathBuf], recursive: bool) -> io::Result<Vec<File>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| crate::layout::with_path(e, path))?;
        if meta.is_dir() {
            expand_folder(path, String::new(), recursive, &mut files)?;
        } else {
            files.push(File {
                path: path.clone(),
                folder: String::new(),
            });
        }
    }
    Ok(files)
}

fn expand_folder(
    dir: &Path,
    folder: String,
    recursive: bool,
    files: &mut Vec<File>,
) -> io::Result<()> {
    let mut entries: Vec<(String, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| crate::layout::with_path(e, dir))? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored(&name) {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_file() => entries.push((name, false)),
            Ok(t) if t.is_dir() && recursive => entries.push((name, true)),
            _ => {}
        }
    }
    // Files first, then subfolders, each in name order.
    entries.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    for (name, is_dir) in entries {
        if is_dir {
            let sub = if folder.is_empty() {
                name.clone()
            } else {
                format!("{folder}/{name}")
            };
            expand_folder(&dir.join(&name), sub, recursive, files)?;
        } else {
            files.push(File {
                path: dir.join(&name),
                folder: folder.clone(),
            });
        }
    }
    Ok(())
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
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
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
