//! The API's HTTP server: an accept loop of our own over hyper's HTTP/1 connections, because a
//! node must outlast clients that open connections and never finish them.
//!
//! # Invariants
//! - At most `connections_max` connections are served at once: each connection's task holds a
//!   semaphore permit. A connection over the cap is accepted, sent a `503 connections_full`
//!   answer and closed at once, so the cap never lets the process reach its file limit and
//!   clients learn why instead of hanging in the listen backlog.
//! - Every served connection ends: hyper closes one whose request head is not complete within
//!   `header_read_timeout` (the clock also runs while a keep-alive connection waits for its next
//!   request); this file closes one on which no request is being handled and no byte moved for
//!   `idle_timeout` (a silent client, or one that stopped reading its answer); the router's
//!   request timeout bounds the handling itself, request body included.
//! - An accept error never spins the loop: per-connection errors are skipped, anything else
//!   (running out of files, memory or buffers) pauses accepting for [`ACCEPT_PAUSE_MS`], and is
//!   logged at most once per [`LOG_EVERY_MS`] with the count of repeats.
//!
//! # Hazards
//! A head larger than [`ServeLimits::head_buffer_bytes_max`] or with more than
//! [`crate::api::HEADERS_PARSED_MAX`] lines cannot be parsed; hyper answers it with a bare 431 (no JSON) and
//! closes the connection. The API's own head limits sit below these, so ordinary oversize heads
//! get the JSON refusals of `crate::refusal`.

use crate::api::ApiConfig;
use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// How long accepting pauses after an accept error that is not about one connection (out of
/// files, memory or buffers), in ms: long enough not to spin, short enough to recover quickly
/// once connections close.
pub const ACCEPT_PAUSE_MS: u64 = 50;

/// Least time between two log lines about the same repeated condition, in ms.
pub const LOG_EVERY_MS: u64 = 10_000;

/// File descriptors kept for everything but API connections (store, write-ahead log, peers,
/// metrics, logs), at most; a process with a small file limit keeps half of it instead.
pub const NODE_RESERVED_FDS: u64 = 1_024;

/// The smallest read buffer hyper accepts, in bytes.
const HYPER_BUFFER_BYTES_MIN: usize = 8 * 1024;

/// The soft limit tried when the hard limit on open files is unlimited (Linux refuses more
/// than `fs.nr_open`, 1,048,576 by default).
const FILES_UNLIMITED_TARGET_FDS: u64 = 1_048_576;

/// How long a connection may finish its request once the node stops, in ms.
pub const SHUTDOWN_GRACE_MS: u64 = 5_000;

/// The server's limits, resolved from `[api]` and the process's file limit.
#[derive(Clone, Debug)]
pub struct ServeLimits {
    /// Most connections served at once.
    pub connections_max: usize,
    /// Longest wait for a complete request head.
    pub header_read_timeout: Duration,
    /// Longest time a connection may sit with no request handled and no byte moved.
    pub idle_timeout: Duration,
    /// hyper's read buffer per connection, in bytes: twice the API's URI and header limits
    /// together, so a head somewhat over them is still parsed and refused as JSON.
    pub head_buffer_bytes_max: usize,
    /// How long a connection may finish once the node stops.
    pub shutdown_grace: Duration,
}

impl ServeLimits {
    /// The limits of `config`, with `connections_max` as resolved by [`connections_cap`].
    pub fn new(config: &ApiConfig, connections_max: usize) -> ServeLimits {
        let head = config.uri_bytes_max.saturating_add(config.header_bytes_max).saturating_mul(2);
        ServeLimits {
            connections_max: connections_max.max(1),
            header_read_timeout: Duration::from_millis(config.header_read_timeout_ms),
            idle_timeout: Duration::from_millis(config.idle_timeout_ms),
            head_buffer_bytes_max: head.max(HYPER_BUFFER_BYTES_MIN),
            shutdown_grace: Duration::from_millis(SHUTDOWN_GRACE_MS),
        }
    }
}

/// The process's limit on open files, before and after [`raise_file_limit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimit {
    /// The soft limit found at start.
    pub soft_before_fds: u64,
    /// The soft limit now.
    pub soft_fds: u64,
    /// The hard limit; `None` when unlimited.
    pub hard_fds: Option<u64>,
}

/// Raises the soft limit on open files to the hard limit where the system allows, since a node
/// serving many clients needs more than the usual default of 1,024. Never fails: a refusal
/// leaves the limit as it was and is logged.
pub fn raise_file_limit() -> FileLimit {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let found = getrlimit(Resource::Nofile);
    let soft_before_fds = found.current.unwrap_or(u64::MAX);
    let target = found.maximum.unwrap_or(FILES_UNLIMITED_TARGET_FDS);
    let mut limit = FileLimit { soft_before_fds, soft_fds: soft_before_fds, hard_fds: found.maximum };
    if target > soft_before_fds {
        match setrlimit(Resource::Nofile, Rlimit { current: Some(target), maximum: found.maximum }) {
            Ok(()) => limit.soft_fds = target,
            Err(e) => tracing::warn!(
                soft = soft_before_fds,
                wanted = target,
                "cannot raise the open-file limit ({e}); API connections are capped below the current one"
            ),
        }
    }
    limit
}

/// The connection cap for a soft file limit of `soft_fds`: the configured `connections_max`,
/// lowered so that [`NODE_RESERVED_FDS`] (or half the limit, if that is smaller) stay free for
/// the rest of the node. At least 1.
pub fn connections_cap(connections_max: usize, soft_fds: u64) -> usize {
    let reserved = NODE_RESERVED_FDS.min(soft_fds / 2);
    let room = usize::try_from(soft_fds.saturating_sub(reserved)).unwrap_or(usize::MAX);
    connections_max.min(room).max(1)
}

/// Serves `router` on `listener` within `limits` until `stop` turns true, then lets open
/// connections finish (each within [`ServeLimits::shutdown_grace`]) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    mut stop: watch::Receiver<bool>,
) {
    let limits = Arc::new(limits);
    let permits = Arc::new(Semaphore::new(limits.connections_max));
    let full_answer: Arc<[u8]> = crate::refusal::connections_full_answer(limits.connections_max).into();
    let mut accept_errors = Throttle::default();
    let mut refusals = Throttle::default();
    // Metrics: `computefi_api_connections` (open now) and
    // `computefi_api_connections_refused_total` (refused at the cap).
    loop {
        let accepted = tokio::select! {
            () = stopped(&mut stop) => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The client gave up before we took the connection: nothing is wrong here.
            Err(e) if is_about_one_connection(&e) => continue,
            Err(e) => {
                if let Some(repeats) = accept_errors.due() {
                    tracing::warn!(repeats, "accept error: {e}; pausing accepts for {ACCEPT_PAUSE_MS} ms");
                }
                tokio::time::sleep(Duration::from_millis(ACCEPT_PAUSE_MS)).await;
                continue;
            }
        };
        match permits.clone().try_acquire_owned() {
            Ok(permit) => {
                metrics::gauge!("computefi_api_connections").increment(1.0);
                let task = connection(stream, router.clone(), limits.clone(), stop.clone(), permit);
                tokio::spawn(task);
            }
            Err(_) => {
                refuse(&stream, &full_answer);
                metrics::counter!("computefi_api_connections_refused_total").increment(1);
                if let Some(repeats) = refusals.due() {
                    tracing::warn!(
                        connections_max = limits.connections_max,
                        repeats,
                        "API connections at their cap: refusing new ones with 503 until some close"
                    );
                }
            }
        }
    }
    // Every connection task holds a permit until it ends; all of them back means all ended.
    let all = u32::try_from(limits.connections_max).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

fn is_about_one_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Sends the `503 connections_full` answer without waiting, then closes. What the client
/// already sent is read first, because closing a socket with unread data resets the connection
/// and the client would lose the answer.
fn refuse(stream: &TcpStream, answer: &[u8]) {
    let mut sink = [0u8; 2048];
    let _ = stream.try_read(&mut sink);
    let _ = stream.try_write(answer);
}

/// Serves one connection until it ends, idles out or the node stops; `_permit` is its place
/// under the cap.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Arc<ServeLimits>,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked { stream, activity: activity.clone() });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let handling = Handling::enter(activity.clone());
            let answer = router.clone().oneshot(request.map(Body::new));
            async move {
                let answer = answer.await;
                drop(handling);
                answer
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.head_buffer_bytes_max);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        ended = conn.as_mut() => {
            if let Err(e) = ended {
                tracing::debug!("API connection ended: {e}");
            }
        }
        () = quiet_for(&activity, limits.idle_timeout) => {
            // Dropping the connection closes the socket.
            tracing::debug!(idle_ms = limits.idle_timeout.as_millis() as u64, "closing an idle API connection");
        }
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.shutdown_grace, conn).await;
        }
    }
    metrics::gauge!("computefi_api_connections").decrement(1.0);
}

/// Resolves once the node stops (or the sender is gone, which means the same).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, not held across the caller's awaits.
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Resolves once `activity` has had no request in handling and no byte moved for `limit`.
async fn quiet_for(activity: &Activity, limit: Duration) {
    loop {
        let quiet = activity.quiet();
        if quiet >= limit {
            return;
        }
        tokio::time::sleep(limit.saturating_sub(quiet)).await;
    }
}

/// When a connection last moved a byte, and how many of its requests are being handled.
struct Activity {
    origin: Instant,
    last_ms: AtomicU64,
    handling: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity { origin: Instant::now(), last_ms: AtomicU64::new(0), handling: AtomicUsize::new(0) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// How long nothing happened; zero while a request is being handled, since handling may
    /// legitimately be silent (a commit-mode broadcast waits for its block).
    fn quiet(&self) -> Duration {
        if self.handling.load(Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(self.now_ms().saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// Marks a request as being handled while it lives.
struct Handling(Arc<Activity>);

impl Handling {
    fn enter(activity: Arc<Activity>) -> Handling {
        activity.handling.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        Handling(activity)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        // Touched on leaving too, so the answer gets a whole idle period to start moving.
        self.0.touch();
        self.0.handling.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that records on [`Activity`] every time bytes move.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Lets a repeated condition be logged at most once per [`LOG_EVERY_MS`].
#[derive(Default)]
struct Throttle {
    last: Option<Instant>,
    repeats: u64,
}

impl Throttle {
    /// `Some(repeats since the last line)` when a line is due now.
    fn due(&mut self) -> Option<u64> {
        let now = Instant::now();
        let due =
            self.last.is_none_or(|last| now.duration_since(last) >= Duration::from_millis(LOG_EVERY_MS));
        if due {
            self.last = Some(now);
            Some(std::mem::take(&mut self.repeats))
        } else {
            self.repeats = self.repeats.saturating_add(1);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use std::io::{Read, Write};

    fn limits(connections_max: usize, idle_ms: u64, header_ms: u64) -> ServeLimits {
        let config =
            ApiConfig { idle_timeout_ms: idle_ms, header_read_timeout_ms: header_ms, ..ApiConfig::default() };
        ServeLimits::new(&config, connections_max)
    }

    /// A server on a free loopback port with a `/health` route and a `/slow` one that answers
    /// after `slow_ms`; the sender stops it.
    async fn start(
        limits: ServeLimits,
        slow_ms: u64,
    ) -> (std::net::SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/health", get(|| async { "{\"ok\":true}" })).route(
            "/slow",
            get(move || async move {
                tokio::time::sleep(Duration::from_millis(slow_ms)).await;
                "done"
            }),
        );
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, router, limits, stop_rx));
        (addr, stop, task)
    }

    /// Blocking client: sends `request` and reads until the server closes or `wait` passes;
    /// what was read, and whether the server closed.
    fn exchange(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> (String, bool) {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(wait)).unwrap();
        let _ = s.write_all(request);
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) => return (String::from_utf8_lossy(&got).into(), true),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                // A reset after the answer still counts as closed by the server.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return (String::from_utf8_lossy(&got).into(), true)
                }
                Err(_) => return (String::from_utf8_lossy(&got).into(), false),
            }
        }
    }

    async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        tokio::task::spawn_blocking(f).await.unwrap()
    }

    #[tokio::test]
    async fn a_connection_over_the_cap_gets_a_json_503_and_one_under_it_is_served() {
        let (addr, stop, task) = start(limits(1, 2_000, 2_000), 0).await;
        let holder = std::net::TcpStream::connect(addr).unwrap();
        // Let the server take the holder before the next connection arrives.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (answer, closed) = blocking(move || {
            exchange(addr, b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(5))
        })
        .await;
        assert!(closed, "the refused connection is closed: {answer:?}");
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
        assert!(answer.contains("\"code\":32") && answer.contains("connections_full"), "{answer:?}");
        drop(holder);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (answer, _) = blocking(move || {
            exchange(
                addr,
                b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
                Duration::from_secs(5),
            )
        })
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "a freed place serves again: {answer:?}");
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_partial_head_is_closed_after_the_idle_timeout_and_a_trickled_one_after_the_header_timeout() {
        let (addr, stop, _task) = start(limits(8, 300, 1_500), 0).await;
        let started = Instant::now();
        let (answer, closed) =
            blocking(move || exchange(addr, b"GET /health HTTP/1.1\r\nhost:", Duration::from_secs(5))).await;
        let silent = started.elapsed();
        assert!(closed, "{answer:?}");
        assert!(
            silent < Duration::from_millis(1_400),
            "a silent half head is closed by the idle timeout: {silent:?}"
        );
        // One byte every 200 ms keeps the idle clock at zero; the header clock still runs out.
        let started = Instant::now();
        let trickled = blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            for b in b"GET /health HTTP/1.1\r\nx-slow: abcdefghijklmnopqrstuvwxyz".iter().cycle().take(100) {
                if s.write_all(&[*b]).is_err() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            false
        })
        .await;
        assert!(trickled, "the server closed the trickling connection");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(1_400) && elapsed < Duration::from_secs(5), "{elapsed:?}");
        stop.send(true).unwrap();
    }

    #[tokio::test]
    async fn a_silent_request_being_handled_is_not_idle_and_a_keep_alive_wait_is() {
        // The handler takes three idle periods; the answer still arrives.
        let (addr, stop, _task) = start(limits(8, 300, 5_000), 1_000).await;
        let (answer, closed) = blocking(move || {
            exchange(addr, b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(5))
        })
        .await;
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"), "{answer:?}");
        assert!(closed, "after the answer the idle keep-alive connection is closed");
        stop.send(true).unwrap();
    }

    #[test]
    fn the_cap_leaves_room_for_the_node_under_the_file_limit() {
        assert_eq!(connections_cap(4_096, 20_000), 4_096);
        assert_eq!(connections_cap(50_000, 20_000), 20_000 - NODE_RESERVED_FDS as usize);
        assert_eq!(connections_cap(4_096, 1_024), 512, "a small limit keeps half for the node");
        assert_eq!(connections_cap(4_096, 0), 1);
    }

    #[test]
    fn the_soft_file_limit_is_raised_to_the_hard_limit() {
        let limit = raise_file_limit();
        assert!(limit.soft_fds >= limit.soft_before_fds);
        if let Some(hard) = limit.hard_fds {
            assert_eq!(limit.soft_fds, hard, "{limit:?}");
        }
    }

    #[test]
    fn a_throttle_lets_one_line_through_and_counts_the_rest() {
        let mut t = Throttle::default();
        assert_eq!(t.due(), Some(0));
        assert_eq!(t.due(), None);
        assert_eq!(t.due(), None);
        t.last = t
            .last
            .map(|l| l.checked_sub(Duration::from_millis(LOG_EVERY_MS)).expect("the clock is past 10 s"));
        assert_eq!(t.due(), Some(2));
    }
}
