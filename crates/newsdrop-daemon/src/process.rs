//! `newsdrop process`: the daemon's pipeline once over files or folders, JSON Lines to
//! stdout, files in the order given (a folder's files in name order), one after another so
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

/// The files `paths` name: files as given, folders expanded to their regular, non-hidden
/// files in name order.
pub fn expand(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| crate::layout::with_path(e, path))?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| crate::layout::with_path(e, path))?
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| !is_ignored(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Processes `files` in order, writing one JSON line per emitted article to `out` and one
/// line per failure or drop to `errors`; `done` is told after each file (a progress bar).
pub fn process(
    files: &[PathBuf],
    settings: &Settings,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    done: &mut dyn FnMut(),
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    for file in files {
        process_one(file, settings, out, errors, &mut summary)?;
        done();
    }
    out.flush()?;
    Ok(summary)
}

fn process_one(
    file: &Path,
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
        folder: String::new(),
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
