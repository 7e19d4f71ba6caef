//! systemd's notify protocol (`Type=notify` in `dist/newsdrop.service`): `READY=1` once the
//! inbox is watched, `RELOADING=1`/`READY=1` around a SIGHUP reload, `STOPPING=1` when a
//! drain begins, and `WATCHDOG=1` at half the `WatchdogSec` period while the intake thread
//! lives. Without `$NOTIFY_SOCKET` (not under systemd) every call does nothing.
//!
//! The `sd-notify` crate speaks the datagram protocol (abstract sockets included) and
//! depends on libc only.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sd_notify::NotifyState;

use crate::health::Health;

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("draining")]);
}

/// Pings the watchdog at half its period while intake runs, or while a drain is under way
/// (a stuck runtime or a dead intake thread stops the pings, and systemd restarts the
/// service). Returns at once when no watchdog is asked for.
pub async fn watchdog(health: Arc<Health>) {
    let Some(period) = sd_notify::watchdog_enabled() else {
        return;
    };
    let mut ticks = tokio::time::interval((period / 2).max(Duration::from_millis(10)));
    loop {
        ticks.tick().await;
        if health.intake_running.load(Ordering::Relaxed) || health.draining.load(Ordering::Relaxed)
        {
            send(&[NotifyState::Watchdog]);
        }
    }
}
