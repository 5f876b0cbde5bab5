//! Mempool forwarding: a node sends the transactions it admitted from its clients to its peers'
//! APIs, so that whichever validator proposes next holds them. Mempools do not gossip otherwise,
//! so without forwarding a transaction sent to a non-proposer waits for that node's turn.
//!
//! Admitted transactions queue here; a flusher waits [`FORWARD_INTERVAL_MS`] after the first one
//! so that more join it, then sends them to every peer in `POST /txs/bin/batch` bodies of at most
//! [`FORWARD_BATCH_TXS_MAX`] transactions, with the header [`FORWARDED_HEADER`]. A node never
//! forwards a transaction that came with that header, so nothing travels further than one hop.
//! Each peer has its own task, keep-alive connection and queue of bodies, so a slow or stopped
//! peer holds back only itself. The peers admit forwarded transactions with every check a
//! client's get; forwarding is best effort and never a reason to refuse a client.
//!
//! # Invariants
//! - Bounded: at most [`FORWARD_QUEUE_TXS_MAX`] transactions wait to be batched and at most
//!   [`FORWARD_PEER_BATCHES_MAX`] bodies per peer; past either, the newest are not forwarded
//!   (they stay in this node's mempool and are counted in the log).
//! - A peer's answer is read with a size cap ([`FORWARD_ANSWER_BYTES_MAX`]) and a time cap
//!   ([`FORWARD_TIMEOUT_MS`]); whatever it sends, the worst outcome is a closed connection.
//! - The batch body is the borsh encoding of a list of byte strings (`Vec<Vec<u8>>`): a
//!   little-endian `u32` count, then for each transaction a `u32` length and its borsh bytes.
//!   [`decode_batch`] refuses anything else without panicking.

use axum::body::Bytes;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch, Notify};

/// The request header that marks transactions forwarded by a peer: they are admitted, never
/// forwarded again.
pub const FORWARDED_HEADER: &str = "x-computefi-forwarded";
/// How long the flusher waits after a transaction arrives so that others join its batch, in ms.
pub const FORWARD_INTERVAL_MS: u64 = 5;
/// Most transactions waiting to be batched; more are not forwarded.
pub const FORWARD_QUEUE_TXS_MAX: usize = 50_000;
/// Most transactions in one forwarded body: the batch endpoint's own limit
/// (`api::TXS_PER_BATCH_MAX`, which the API checks at compile time is not below it).
pub const FORWARD_BATCH_TXS_MAX: usize = 1_000;
/// Most bodies waiting for one peer; more are not sent to it.
pub const FORWARD_PEER_BATCHES_MAX: usize = 64;
/// Longest time to connect to a peer, send a body and read its answer, in ms.
pub const FORWARD_TIMEOUT_MS: u64 = 5_000;
/// Largest answer head plus body read from a peer, in bytes.
pub const FORWARD_ANSWER_BYTES_MAX: usize = 1024 * 1024;
/// Least time between two log lines about transactions not forwarded, in ms.
const FORWARD_LOG_EVERY_MS: u64 = 10_000;

/// The borsh encoding of `txs` as a list of byte strings: the body of `POST /txs/bin/batch`.
pub fn encode_batch<T: AsRef<[u8]>>(txs: &[T]) -> Vec<u8> {
    let len: usize = txs.iter().map(|t| t.as_ref().len().saturating_add(4)).sum();
    let mut out = Vec::with_capacity(len.saturating_add(4));
    out.extend_from_slice(&u32::try_from(txs.len()).unwrap_or(u32::MAX).to_le_bytes());
    for tx in txs {
        let tx = tx.as_ref();
        out.extend_from_slice(&u32::try_from(tx.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(tx);
    }
    out
}

/// The transactions' bytes in a `POST /txs/bin/batch` body, or why it is not one: the count
/// must match, each length must fit what is left, and nothing may follow the last.
pub fn decode_batch(body: &[u8]) -> Result<Vec<&[u8]>, String> {
    fn read_u32(rest: &mut &[u8], what: &str) -> Result<usize, String> {
        let Some((head, tail)) = rest.split_first_chunk::<4>() else {
            return Err(format!("the body ends inside {what}"));
        };
        *rest = tail;
        usize::try_from(u32::from_le_bytes(*head)).map_err(|e| e.to_string())
    }
    let mut rest = body;
    let count = read_u32(&mut rest, "the transaction count")?;
    // Each transaction takes at least its 4-byte length, so the body bounds the count.
    if count > rest.len() / 4 {
        return Err(format!("{count} transactions announced in a body of {} bytes", body.len()));
    }
    let mut txs = Vec::with_capacity(count);
    for i in 0..count {
        let len = read_u32(&mut rest, &format!("the length of transaction {i}"))?;
        if len > rest.len() {
            return Err(format!("transaction {i} announces {len} bytes, {} are left", rest.len()));
        }
        let (tx, tail) = rest.split_at(len);
        txs.push(tx);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes follow the last of {count} transactions", rest.len()));
    }
    Ok(txs)
}

/// The queue of admitted transactions waiting to be forwarded, shared by the API's handlers.
pub struct Forwarder {
    queue: Mutex<Vec<Bytes>>,
    wake: Notify,
    not_forwarded: AtomicU64,
}

impl Forwarder {
    /// Starts forwarding to `peers` (API addresses such as `127.0.0.1:26667`; an `http://`
    /// prefix is allowed) until `stop` turns true. Must run inside a tokio runtime.
    pub fn start(peers: &[String], stop: watch::Receiver<bool>) -> Arc<Forwarder> {
        let forwarder = Arc::new(Forwarder {
            queue: Mutex::new(Vec::new()),
            wake: Notify::new(),
            not_forwarded: AtomicU64::new(0),
        });
        let mut senders = Vec::with_capacity(peers.len());
        for peer in peers {
            let addr = peer.trim().trim_start_matches("http://").trim_end_matches('/').to_string();
            let (send, bodies) = mpsc::channel::<Bytes>(FORWARD_PEER_BATCHES_MAX);
            tokio::spawn(peer_loop(addr.clone(), bodies, stop.clone()));
            senders.push((addr, send));
        }
        tokio::spawn(flush_loop(forwarder.clone(), senders, stop));
        forwarder
    }

    /// Queues the borsh bytes of a transaction admitted from a client; drops it (counted) when
    /// the queue is full.
    pub fn push(&self, tx: Bytes) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if queue.len() >= FORWARD_QUEUE_TXS_MAX {
            drop(queue);
            self.not_forwarded.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let was_empty = queue.is_empty();
        queue.push(tx);
        drop(queue);
        if was_empty {
            self.wake.notify_one();
        }
    }

    /// Transactions not forwarded to some peer since start (queue or a peer's bodies full).
    pub fn not_forwarded(&self) -> u64 {
        self.not_forwarded.load(Ordering::Relaxed)
    }

    fn take(&self) -> Vec<Bytes> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Waits for queued transactions, lets more join for [`FORWARD_INTERVAL_MS`], and hands each
/// peer the same bodies.
async fn flush_loop(
    forwarder: Arc<Forwarder>,
    peers: Vec<(String, mpsc::Sender<Bytes>)>,
    mut stop: watch::Receiver<bool>,
) {
    let mut logged_at: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = forwarder.wake.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::time::sleep(Duration::from_millis(FORWARD_INTERVAL_MS)).await;
        let txs = forwarder.take();
        for chunk in txs.chunks(FORWARD_BATCH_TXS_MAX) {
            let body = Bytes::from(encode_batch(chunk));
            for (addr, send) in &peers {
                if send.try_send(body.clone()).is_err() {
                    let count = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                    let total =
                        forwarder.not_forwarded.fetch_add(count, Ordering::Relaxed).saturating_add(count);
                    let now = tokio::time::Instant::now();
                    if logged_at.is_none_or(|at| {
                        now.duration_since(at) >= Duration::from_millis(FORWARD_LOG_EVERY_MS)
                    }) {
                        logged_at = Some(now);
                        tracing::warn!(peer = %addr, not_forwarded = total, "a peer's forwarding queue is full or closed; its transactions stay in this node's mempool");
                    }
                }
            }
        }
    }
}

/// Sends each body to one peer over a keep-alive connection, reconnecting once per body when
/// the connection broke.
async fn peer_loop(addr: String, mut bodies: mpsc::Receiver<Bytes>, mut stop: watch::Receiver<bool>) {
    let mut conn: Option<TcpStream> = None;
    let mut failures: u64 = 0;
    loop {
        let body = tokio::select! {
            b = bodies.recv() => match b { Some(b) => b, None => return },
            _ = stop.wait_for(|s| *s) => return,
        };
        let mut sent = false;
        for _ in 0..2 {
            let attempt = tokio::time::timeout(Duration::from_millis(FORWARD_TIMEOUT_MS), async {
                if conn.is_none() {
                    let stream = TcpStream::connect(&addr).await?;
                    stream.set_nodelay(true)?;
                    conn = Some(stream);
                }
                match conn.as_mut() {
                    Some(stream) => send_body(stream, &addr, &body).await,
                    None => Err(std::io::Error::other("no connection")),
                }
            })
            .await;
            match attempt {
                Ok(Ok(keep)) => {
                    if !keep {
                        conn = None;
                    }
                    sent = true;
                    break;
                }
                Ok(Err(_)) | Err(_) => conn = None,
            }
        }
        if !sent {
            failures = failures.saturating_add(1);
            // The first failure and then one in a thousand, so a stopped peer does not flood the log.
            if failures % 1_000 == 1 {
                tracing::warn!(peer = %addr, failures, "forwarding transactions to a peer failed; they stay in this node's mempool");
            }
        }
    }
}

/// Writes one `POST /txs/bin/batch` and reads the answer; whether the connection may be reused.
async fn send_body(stream: &mut TcpStream, addr: &str, body: &[u8]) -> std::io::Result<bool> {
    let head = format!(
        "POST /txs/bin/batch HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/octet-stream\r\n\
         {FORWARDED_HEADER}: 1\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    read_answer(stream).await
}

/// Reads an HTTP/1.1 answer whose length is declared; whether the connection may be reused
/// (a declared length and no `connection: close`).
async fn read_answer(stream: &mut TcpStream) -> std::io::Result<bool> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i.saturating_add(4);
        }
        if buf.len() > FORWARD_ANSWER_BYTES_MAX {
            return Err(std::io::Error::other("answer head too large"));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("the peer closed the connection"));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).to_ascii_lowercase();
    let mut length: Option<usize> = None;
    let mut close = false;
    for line in head.lines().skip(1) {
        if let Some(v) = line.strip_prefix("content-length:") {
            length = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("connection:") {
            close = v.trim() == "close";
        }
    }
    let Some(length) = length.filter(|l| *l <= FORWARD_ANSWER_BYTES_MAX) else {
        return Ok(false);
    };
    let mut have = buf.len().saturating_sub(head_end);
    while have < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(false);
        }
        have = have.saturating_add(n);
    }
    Ok(!close && have == length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_body_decodes_to_the_transactions_encoded_and_damaged_bodies_are_refused() {
        let txs: Vec<Vec<u8>> = vec![vec![1, 2, 3], Vec::new(), vec![9; 300]];
        let body = encode_batch(&txs);
        assert_eq!(body, borsh::to_vec(&txs).unwrap(), "the body is borsh's Vec<Vec<u8>>");
        let decoded = decode_batch(&body).unwrap();
        assert_eq!(decoded, txs.iter().map(Vec::as_slice).collect::<Vec<_>>());
        assert!(decode_batch(&[]).unwrap_err().contains("count"));
        assert!(decode_batch(&body[..body.len() - 1]).unwrap_err().contains("transaction 2"));
        let mut longer = body.clone();
        longer.push(0);
        assert!(decode_batch(&longer).unwrap_err().contains("follow"));
        let huge = [255u8, 255, 255, 255, 0, 0, 0, 0];
        assert!(decode_batch(&huge).unwrap_err().contains("announced"), "no allocation for a claimed count");
        assert_eq!(decode_batch(&encode_batch::<Vec<u8>>(&[])).unwrap().len(), 0);
    }

    #[tokio::test]
    async fn forwarded_transactions_reach_a_peer_in_one_body_with_the_forwarded_header() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (_stop_tx, stop) = watch::channel(false);
        let forwarder = Forwarder::start(&[format!("http://{addr}")], stop);
        for i in 0..3u8 {
            forwarder.push(Bytes::from(vec![i; 10]));
        }
        let (mut peer, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut chunk = [0u8; 1024];
        let body_at = loop {
            let n = peer.read(&mut chunk).await.unwrap();
            got.extend_from_slice(&chunk[..n]);
            if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let body_len = 4 + 3 * 14;
                if got.len() >= i + 4 + body_len {
                    break i + 4;
                }
            }
        };
        let head = String::from_utf8_lossy(&got[..body_at]).to_string();
        assert!(head.starts_with("POST /txs/bin/batch HTTP/1.1"), "{head}");
        assert!(head.contains("x-computefi-forwarded: 1"), "{head}");
        let txs = decode_batch(&got[body_at..]).unwrap();
        assert_eq!(txs, vec![&[0u8; 10][..], &[1u8; 10][..], &[2u8; 10][..]]);
        peer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await.unwrap();
        assert_eq!(forwarder.not_forwarded(), 0);
    }
}
