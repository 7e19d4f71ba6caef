//! A short soak on the debug binary: files dropped steadily for 45 s while the daemon is
//! SIGKILLed and restarted and sent good and bad configs; not one file lost or doubled.
//! The driver is the one of `cargo xtask soak` (compiled in here from xtask/src/soak.rs);
//! memory is reported, not asserted, since 45 s is too short to call a trend.

use std::path::Path;
use std::time::Duration;

#[path = "../xtask/src/soak.rs"]
#[allow(dead_code)] // the xtask uses what this test does not
mod driver;

#[test]
fn a_45_second_soak_with_kills_and_reloads_loses_and_doubles_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let articles = driver::load_articles(&[
        root.join("tests/fixtures/seeds"),
        root.join("../shared/corpus/extraction/aeb-dev/text"),
    ])
    .expect("articles");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let opts = driver::Options {
        bin: crate::util::BIN.into(),
        duration: Duration::from_secs(45),
        rate: 6.0,
        kill_every: (Duration::from_secs(6), Duration::from_secs(15)),
        hup_every: (Duration::from_secs(2), Duration::from_secs(6)),
        seed,
        articles,
        threads: 2,
    };
    let dir = tempfile::tempdir().expect("tmp");
    let report = driver::run(&opts, dir.path()).expect("soak ran");
    println!("{report} (seed {seed})");
    assert!(report.files > 100, "{report}");
    assert!(report.kills >= 1, "{report}");
    assert!(report.reloads_ok + report.reloads_bad >= 1, "{report}");
    assert_eq!(report.lost, 0, "{report}: {:?}", report.examples);
    assert_eq!(report.doubled, 0, "{report}: {:?}", report.examples);
}
