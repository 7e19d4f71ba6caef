//! Progress while a backlog drains: every `workers.progress_secs` the daemon looks at what
//! is left (inbox + in flight) and what finished, and logs one line with done, remaining,
//! the rate and an estimate of the time left. Quiet when there is no backlog, so a daemon
//! that keeps up with a trickle logs only its per-file lines; one last line says when a
//! backlog is gone.

use std::time::{Duration, Instant};

/// A backlog is at least this many files waiting; below it nothing is logged unless a
/// backlog is already being reported.
pub const BACKLOG_MIN: u64 = 10;

/// What one tick has to say.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Draining {
        /// Files finished since the backlog began.
        done: u64,
        remaining: u64,
        /// Files per second over the last interval.
        rate: f64,
        /// Time left at that rate, when there is a rate.
        eta: Option<Duration>,
    },
    Drained {
        done: u64,
        took: Duration,
    },
}

/// The state between ticks.
#[derive(Debug)]
pub struct Progress {
    last_finished: u64,
    last_at: Instant,
    /// When the backlog being reported began, and the finished count then.
    backlog: Option<(Instant, u64)>,
}

impl Progress {
    pub fn new(now: Instant, finished: u64) -> Self {
        Progress {
            last_finished: finished,
            last_at: now,
            backlog: None,
        }
    }

    /// One tick: `finished` is the daemon's running total of committed files,
    /// `remaining` what waits in the inbox or is in flight.
    pub fn tick(&mut self, now: Instant, finished: u64, remaining: u64) -> Option<Report> {
        let interval = now.saturating_duration_since(self.last_at).as_secs_f64();
        let recent = finished.saturating_sub(self.last_finished);
        self.last_finished = finished;
        self.last_at = now;
        let rate = if interval > 0.0 {
            recent as f64 / interval
        } else {
            0.0
        };
        match self.backlog {
            None if remaining < BACKLOG_MIN => None,
            Some((started, base)) if remaining == 0 => {
                self.backlog = None;
                Some(Report::Drained {
                    done: finished.saturating_sub(base),
                    took: now.saturating_duration_since(started),
                })
            }
            _ => {
                let (_, base) = *self
                    .backlog
                    .get_or_insert((now, finished.saturating_sub(recent)));
                let eta = (rate > 0.0).then(|| Duration::from_secs_f64(remaining as f64 / rate));
                Some(Report::Draining {
                    done: finished.saturating_sub(base),
                    remaining,
                    rate,
                    eta,
                })
            }
        }
    }
}

/// Logs a report.
pub fn log(report: &Report) {
    match report {
        Report::Draining {
            done,
            remaining,
            rate,
            eta,
        } => {
            let eta = eta.map_or_else(|| "unknown".to_string(), |d| format!("{}s", d.as_secs()));
            tracing::info!(
                done,
                remaining,
                rate = format!("{rate:.1}/s"),
                eta,
                "draining backlog"
            );
        }
        Report::Drained { done, took } => {
            tracing::info!(done, secs = took.as_secs(), "backlog drained");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_without_a_backlog_then_reports_until_drained() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut p = Progress::new(t0, 100);
        assert_eq!(p.tick(at(5), 103, 2), None, "a trickle is no backlog");
        assert_eq!(
            p.tick(at(10), 153, 500),
            Some(Report::Draining {
                done: 50,
                remaining: 500,
                rate: 10.0,
                eta: Some(Duration::from_secs(50)),
            })
        );
        // Below the threshold but still draining: still reported.
        match p.tick(at(15), 653, 3) {
            Some(Report::Draining {
                done, remaining, ..
            }) => assert_eq!((done, remaining), (550, 3)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            p.tick(at(20), 656, 0),
            Some(Report::Drained {
                done: 553,
                took: Duration::from_secs(10)
            })
        );
        assert_eq!(p.tick(at(25), 657, 1), None);
    }

    #[test]
    fn a_stalled_backlog_has_no_estimate() {
        let t0 = Instant::now();
        let mut p = Progress::new(t0, 0);
        match p.tick(t0 + Duration::from_secs(5), 0, 40) {
            Some(Report::Draining { rate, eta, .. }) => {
                assert_eq!(rate, 0.0);
                assert_eq!(eta, None);
            }
            other => panic!("{other:?}"),
        }
    }
}
