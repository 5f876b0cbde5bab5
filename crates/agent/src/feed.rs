//! `computefi-agent feed`: an oracle feeder. Every round it reads one value for a feed, from a
//! file or from a command's output, queues it on disk and submits the queue to a node, signed by
//! the agent's own key (which must be a feeder of the feed in the genesis).
//!
//! A value is one line of text: for a number feed, the value in the feed's fixed point
//! (value × 10^decimals as an integer); for `btc_tip`, the tip's height and its 80-byte header in
//! hex (`840000 00e05f2a…`). A number feed keeps one current submission per feeder, so a flush
//! sends only the newest queued value (older ones are superseded); tips are sent in order.
//!
//! ```text
//! HOME/feeds/<feed>.json    the queue of values read and not yet on the ledger (written whole)
//! HOME/feeds/<feed>.lock    held while a feeder runs for that feed
//! ```
//!
//! Refusals and what the feeder does: a busy or unreachable node, or a nonce taken by another
//! transaction, keeps the queue for the next round; a value the ledger will never take (7007
//! invalid payload, 7006 a tip no longer recent) is dropped and logged; 7101 unknown feed, 7102
//! not a feeder and anything else stop the feeder with the ledger's message.

use crate::fsutil;
use crate::key::DeviceKey;
use crate::node::{HttpNode, NodeApi, NodeError};
use anyhow::{bail, Context, Result};
use computefi_types::{Amount, ErrorCode, Msg, OracleMsg, Tx};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Values kept in a feed's queue; past this the oldest are dropped.
pub const FEED_QUEUE_MAX: usize = 64;
/// Nonce retries in one flush before the feeder waits for the next round.
pub const NONCE_RETRIES_MAX: u32 = 3;
/// Shortest time between rounds, ms.
pub const FEED_INTERVAL_MS_MIN: u64 = 100;
/// Longest value line read from a source, bytes.
pub const FEED_LINE_BYTES_MAX: usize = 4_096;
/// The feed whose values are Bitcoin tips.
pub const TIP_FEED: &str = "btc_tip";

const UNKNOWN_FEED: u32 = ErrorCode::UnknownFeed as u32;
const NOT_FEEDER: u32 = ErrorCode::NotFeeder as u32;
const INVALID_PAYLOAD: u32 = ErrorCode::InvalidPayload as u32;
const STALE: u32 = ErrorCode::StaleReport as u32;
const NONCE_REUSED: u32 = ErrorCode::NonceReused as u32;
const NONCE_FUTURE: u32 = ErrorCode::NonceFuture as u32;
const PASSING: [u32; 10] = [
    ErrorCode::MempoolFull as u32,
    ErrorCode::DuplicateTx as u32,
    ErrorCode::NodeUnavailable as u32,
    ErrorCode::AccountTxsFull as u32,
    ErrorCode::MempoolFeeTooLow as u32,
    ErrorCode::TxEvicted as u32,
    ErrorCode::TxExpired as u32,
    ErrorCode::Internal as u32,
    ErrorCode::RequestTimeout as u32,
    ErrorCode::ConnectionsFull as u32,
];

/// Where a feeder reads its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The first line of a file, read again each round.
    File(PathBuf),
    /// The first line a shell command (`sh -c`) prints, run again each round.
    Command(String),
}

/// Options of `computefi-agent feed`.
#[derive(Clone, Debug)]
pub struct FeedOptions {
    /// The agent's home (its key and queue).
    pub home: PathBuf,
    /// The node's API URL.
    pub node: String,
    /// The feed, e.g. `btc_usd`.
    pub feed: String,
    /// Where values come from.
    pub source: Source,
    /// Time between rounds, ms.
    pub interval_ms: u64,
    /// Fee per transaction (default: the chain's minimum).
    pub fee: Option<Amount>,
    /// Rounds to run (`None`: until stopped).
    pub rounds: Option<u64>,
}

/// One value waiting to go on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// The message it becomes.
    pub msg: OracleMsg,
}

/// A feed's queue on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedQueue {
    /// Chain the queue was filled for.
    pub chain_id: Option<String>,
    /// Values read and not yet on the ledger, oldest first.
    pub queue: VecDeque<Queued>,
}

/// A value the ledger took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SentValue {
    /// The message.
    pub msg: OracleMsg,
    /// Its transaction.
    pub tx: String,
    /// The block.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// What a feeder run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedSummary {
    /// The feed.
    pub feed: String,
    /// The feeder's account.
    pub feeder: String,
    /// Values the ledger took this run.
    pub sent: Vec<SentValue>,
    /// Values still queued.
    pub queued: usize,
    /// Why the last round left values queued, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Turns one line of a source into the feed's message.
pub fn parse_value(feed: &str, line: &str) -> Result<OracleMsg> {
    let line = line.trim();
    if feed == TIP_FEED {
        let mut parts = line.split_whitespace();
        let (Some(height), Some(header), None) = (parts.next(), parts.next(), parts.next()) else {
            bail!("a btc_tip value is `HEIGHT HEADER_HEX`, got {line:?}");
        };
        let height: u64 = height.parse().with_context(|| format!("tip height {height:?}"))?;
        let header = hex::decode(header).context("the tip header is not hex")?;
        if header.len() != 80 {
            bail!("a block header is 80 bytes (160 hex digits), got {}", header.len());
        }
        return Ok(OracleMsg::SubmitTipHeader { height, header });
    }
    let value: Amount = line.parse().map_err(|e| {
        anyhow::anyhow!("{feed} value {line:?}: {e}; write the value × 10^decimals as an integer")
    })?;
    Ok(OracleMsg::Submit { feed: feed.to_string(), value })
}

/// Reads the source's first line.
pub fn read_source(source: &Source) -> Result<String> {
    let text = match source {
        Source::File(path) => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        Source::Command(command) => {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .output()
                .with_context(|| format!("cannot run {command:?}"))?;
            if !out.status.success() {
                bail!(
                    "{command:?} exited with {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            String::from_utf8(out.stdout).with_context(|| format!("{command:?} printed no text"))?
        }
    };
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.is_empty() || line.len() > FEED_LINE_BYTES_MAX {
        bail!("the source gave no value line (or one over {FEED_LINE_BYTES_MAX} bytes)");
    }
    Ok(line.to_string())
}

/// Adds `msg` to the queue, dropping the oldest past [`FEED_QUEUE_MAX`].
pub fn enqueue(queue: &mut FeedQueue, msg: OracleMsg) {
    queue.queue.push_back(Queued { msg });
    while queue.queue.len() > FEED_QUEUE_MAX {
        queue.queue.pop_front();
    }
}

/// Why a flush stopped with values queued.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Passing: the queue is kept for the next round.
    #[error("{0}")]
    Retry(String),
    /// Misconfigured: stop.
    #[error("{0}")]
    Fatal(String),
}

/// Sends the queue: for a number feed only its newest value, for tips every one in order.
pub fn flush<N: NodeApi>(
    node: &N,
    key: &DeviceKey,
    fee: Option<Amount>,
    queue: &mut FeedQueue,
    mut save: impl FnMut(&FeedQueue) -> Result<()>,
) -> Result<Vec<SentValue>, FeedError> {
    let fatal = |e: anyhow::Error| FeedError::Fatal(format!("{e:#}"));
    let is_tip = |q: &Queued| matches!(q.msg, OracleMsg::SubmitTipHeader { .. });
    let superseded = queue.queue.len().saturating_sub(1);
    if queue.queue.back().is_some_and(|q| !is_tip(q)) && superseded > 0 {
        queue.queue.drain(..superseded);
        save(queue).map_err(fatal)?;
    }
    let mut sent = Vec::new();
    let mut nonce_retries = 0u32;
    while let Some(head) = queue.queue.front().cloned() {
        let status = node.status().map_err(|e| FeedError::Retry(e.to_string()))?;
        match queue.chain_id.as_ref() {
            Some(id) if *id != status.chain_id => {
                return Err(FeedError::Fatal(format!(
                    "the queue was filled for chain {id:?}, the node runs {:?}; use another --home",
                    status.chain_id
                )))
            }
            Some(_) => {}
            None => queue.chain_id = Some(status.chain_id.clone()),
        }
        let result = node.next_nonce(&key.address()).and_then(|nonce| {
            let tx = Tx {
                chain_id: status.chain_id.clone(),
                signer: key.public_key(),
                nonce,
                fee: fee.unwrap_or(status.min_fee),
                msgs: vec![Msg::Oracle(head.msg.clone())],
                memo: String::new(),
            };
            node.broadcast_commit(&tx.sign(key.signing()))
        });
        match result {
            Ok(done) => {
                queue.queue.pop_front();
                save(queue).map_err(fatal)?;
                tracing::info!(height = done.height, "value on the ledger");
                sent.push(SentValue { msg: head.msg, tx: done.hash.to_hex(), height: done.height });
            }
            Err(e) => match e.code() {
                Some(NONCE_REUSED | NONCE_FUTURE) if nonce_retries < NONCE_RETRIES_MAX => nonce_retries += 1,
                Some(INVALID_PAYLOAD | STALE) => {
                    tracing::error!("the ledger refuses this value and always will; dropped: {e}");
                    queue.queue.pop_front();
                    save(queue).map_err(fatal)?;
                }
                Some(UNKNOWN_FEED | NOT_FEEDER) => {
                    return Err(FeedError::Fatal(format!(
                        "{e}: the genesis must list the agent's account {} as a feeder of the feed",
                        key.address()
                    )))
                }
                Some(code) if !PASSING.contains(&code) && !matches!(code, NONCE_REUSED | NONCE_FUTURE) => {
                    return Err(FeedError::Fatal(e.to_string()))
                }
                _ => return Err(passing(e)),
            },
        }
    }
    Ok(sent)
}

fn passing(e: NodeError) -> FeedError {
    FeedError::Retry(e.to_string())
}

fn queue_path(home: &Path, feed: &str) -> PathBuf {
    home.join("feeds").join(format!("{feed}.json"))
}

fn load_queue(path: &Path) -> Result<FeedQueue> {
    if !path.exists() {
        return Ok(FeedQueue::default());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a feed queue; move it away", path.display()))
}

/// Runs the feeder: each round reads a value, queues it and flushes the queue.
pub fn run(opts: &FeedOptions) -> Result<FeedSummary> {
    if opts.interval_ms < FEED_INTERVAL_MS_MIN {
        bail!("--interval-ms {}: use {FEED_INTERVAL_MS_MIN} or more", opts.interval_ms);
    }
    let valid_name = !opts.feed.is_empty()
        && opts.feed.len() <= 32
        && opts.feed.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_name {
        bail!("feed name {:?}: 1-32 of a-z, 0-9 and _", opts.feed);
    }
    let key = DeviceKey::load(&opts.home)?;
    let dir = opts.home.join("feeds");
    fsutil::create_private_dir(&dir)?;
    let _lock = fsutil::lock(&dir.join(format!("{}.lock", opts.feed)))?;
    let path = queue_path(&opts.home, &opts.feed);
    let mut queue = load_queue(&path)?;
    let node = HttpNode::new(&opts.node);
    let save = |q: &FeedQueue| fsutil::write_atomic(&path, &serde_json::to_vec_pretty(q)?);
    let mut summary =
        FeedSummary { feed: opts.feed.clone(), feeder: key.address().to_string(), ..FeedSummary::default() };
    let mut round = 0u64;
    loop {
        round += 1;
        match read_source(&opts.source).and_then(|line| parse_value(&opts.feed, &line)) {
            Ok(msg) => {
                enqueue(&mut queue, msg);
                save(&queue)?;
            }
            Err(e) => tracing::warn!("no value this round: {e:#}"),
        }
        summary.error = match flush(&node, &key, opts.fee, &mut queue, save) {
            Ok(sent) => {
                summary.sent.extend(sent);
                None
            }
            Err(FeedError::Retry(why)) => {
                tracing::warn!("values stay queued: {why}");
                Some(why)
            }
            Err(FeedError::Fatal(why)) => bail!(why),
        };
        if opts.rounds.is_some_and(|r| round >= r) {
            break;
        }
        std::thread::sleep(Duration::from_millis(opts.interval_ms));
    }
    summary.queued = queue.queue.len();
    Ok(summary)
}

#[cfg(test)]
mod tests;
