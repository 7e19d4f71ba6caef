//! Start-up recovery after a crash or a kill: temp outputs are removed (they were never
//! visible), and every file left in `work/` is queued again ahead of the inbox. The worker
//! asks the ledger about each: one already committed is only put away; one that was in
//! flight runs again and rewrites the same output; one interrupted too often is quarantined.

use std::fs;
use std::io;

use crate::intake::Claimed;
use crate::layout::{Layout, remove_temps, with_path};
use crate::names::parse_work_name;

/// Cleans temp files and returns the leftovers of an earlier run, in claim order.
pub fn recover(layout: &Layout) -> io::Result<Vec<Claimed>> {
    let mut removed = 0;
    for dir in [&layout.outbox, &layout.failed, &layout.archive] {
        removed += remove_temps(dir)?;
    }
    if removed > 0 {
        tracing::info!(
            count = removed,
            "removed temp files left by an interrupted run"
        );
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(&layout.work).map_err(|e| with_path(e, &layout.work))? {
        let entry = entry.map_err(|e| with_path(e, &layout.work))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    let now = jiff::Timestamp::now();
    let leftovers: Vec<Claimed> = names
        .into_iter()
        .map(|name| Claimed {
            work_path: layout.work.join(&name),
            relative: parse_work_name(&name).unwrap_or_else(|| name.clone()),
            claimed_at: now,
            claimed: std::time::Instant::now(),
        })
        .collect();
    if !leftovers.is_empty() {
        tracing::info!(
            count = leftovers.len(),
            "resuming files left in the work folder"
        );
    }
    Ok(leftovers)
}
