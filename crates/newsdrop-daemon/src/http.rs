//! The operator's endpoint: `GET /metrics`, `/health`, `/ready`, on `[http] listen`.
//!
//! A hand-written HTTP/1.1 responder (one request per connection, then close) over a tokio
//! `TcpListener`, on the runtime that already waits for signals. Three fixed GET routes
//! scraped every few seconds by Prometheus or a load balancer need no router, keep-alive or
//! chunking; hyper + hyper-util would add a dozen crates to a build that runs on 2 cores for
//! what is 80 lines here. Requests are bounded (8 KiB head sent within 2 s, 10 s
//! per connection, [`MAX_CONNECTIONS`] at once), and anything but GET or HEAD gets 405.
//!
//! - `/health`: 200 while the process answers at all (liveness).
//! - `/ready`: 200 `ready`, or 503 with one line per problem (see [`crate::health`]).
//! - `/metrics`: the OpenMetrics text of [`crate::metrics::Metrics`].

use std::path::PathBuf;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use newsdrop_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::article::Settings;
use crate::health::Health;
use crate::intake::count_inbox;
use crate::metrics::Metrics;

/// What the endpoint reports on.
pub struct Endpoint {
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    /// Weak, like `store`: the pipeline holds the store's state.
    pub settings: Weak<RwLock<Arc<Settings>>>,
    /// Weak: the runtime must never hold the last reference (dropping the PostgreSQL store
    /// blocks, which tokio refuses on its threads); gone once the daemon is stopping.
    pub store: Weak<Store>,
    pub inbox: PathBuf,
    pub recursive: bool,
}

const MAX_HEAD: usize = 8 * 1024;

/// Connections answered at once. Past it, new ones wait in the kernel's backlog until one
/// ends (each within 10 s): a scraper or a load balancer opens a few, and a flood of idle
/// ones must not take the file descriptors that articles need (1,000 of them under
/// `ulimit -n 1024` left claimed files unable to move).
pub const MAX_CONNECTIONS: usize = 64;

/// Time a connection has to send its request head: a scraper sends it at once, and
/// connections that send nothing must not hold the slots (and keep a liveness probe
/// waiting) for the whole 10 s.
const HEAD_WITHIN: Duration = Duration::from_secs(2);

/// Serves until the runtime stops.
pub async fn serve(listener: TcpListener, endpoint: Arc<Endpoint>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return; // never closed
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin.
                tracing::warn!(error = %e, "http: cannot accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let endpoint = endpoint.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), answer(stream, &endpoint)).await;
            drop(slot);
        });
    }
}

async fn answer(mut stream: TcpStream, endpoint: &Endpoint) -> std::io::Result<()> {
    let read_head = async {
        let mut head = Vec::with_capacity(512);
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, std::io::Error>(head)
    };
    let Ok(head) = tokio::time::timeout(HEAD_WITHIN, read_head).await else {
        return Ok(()); // too slow to ask: its slot goes to the next connection
    };
    let head = head?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (
            "200 OK",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics(endpoint).await,
        ),
        ("GET" | "HEAD", "/health") => ("200 OK", "text/plain; charset=utf-8", "ok\n".into()),
        ("GET" | "HEAD", "/ready") => {
            let problems = ready(endpoint).await;
            if problems.is_empty() {
                ("200 OK", "text/plain; charset=utf-8", "ready\n".into())
            } else {
                let body = problems.iter().map(|p| format!("{p}\n")).collect();
                ("503 Service Unavailable", "text/plain; charset=utf-8", body)
            }
        }
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: try /metrics, /health or /ready\n".into(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "GET or HEAD only\n".into(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&response).await?;
    stream.shutdown().await
}

/// The metrics text, with the backlog gauge counted now (off the runtime: it reads the
/// inbox folder).
async fn metrics(endpoint: &Endpoint) -> String {
    let (inbox, recursive) = (endpoint.inbox.clone(), endpoint.recursive);
    if let Ok(n) = tokio::task::spawn_blocking(move || count_inbox(&inbox, recursive)).await {
        endpoint.metrics.backlog.set(n as i64);
    }
    endpoint.metrics.encode()
}

/// What stands in the way of being ready. The store and the pipeline are looked at on a
/// thread of its own: the store's lock may be held by a commit's fsync, and the PostgreSQL
/// client blocks (also when a connection or a replaced pipeline is dropped) on a runtime of
/// its own, which tokio refuses on this runtime's threads.
async fn ready(endpoint: &Endpoint) -> Vec<String> {
    let (store, settings) = (endpoint.store.clone(), endpoint.settings.clone());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let asked = std::thread::Builder::new()
        .name("ready-check".into())
        .spawn(move || {
            let reachable = store.upgrade().is_some_and(|s| s.ping().is_ok());
            let poisoned: Vec<String> = match settings.upgrade() {
                Some(settings) => {
                    let current = settings
                        .read()
                        .map_or_else(|p| p.into_inner().clone(), |s| s.clone());
                    let stages = current.pipeline.stages().iter();
                    stages
                        .filter(|s| s.stage.poisoned())
                        .map(|s| s.name.clone())
                        .collect()
                }
                None => Vec::new(),
            };
            tx.send((reachable, poisoned))
        });
    let (reachable, poisoned) = match asked {
        Ok(_) => rx.await.unwrap_or((false, Vec::new())),
        Err(_) => (false, Vec::new()),
    };
    endpoint.health.problems(reachable, &poisoned)
}
