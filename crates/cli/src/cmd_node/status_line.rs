//! The devnet's status line: once the node runs (its log in a file), the terminal shows one line
//! that is rewritten in place every second — height, block time, transactions waiting, the last
//! transaction — so the banner above it stays readable. When stdout is not a terminal
//! (a pipe, a file) a plain line is printed every [`PLAIN_LINE_EVERY_S`] seconds instead.

use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Seconds between two plain status lines when stdout is not a terminal.
pub const PLAIN_LINE_EVERY_S: u64 = 30;

/// The status line of a node's `/status` and `/blocks/latest` answers, and the last transaction
/// seen (its block's height and its hash, kept across calls).
pub fn line(status: &Value, latest: &Value, last_with_txs: &mut Option<(String, String)>) -> String {
    let height = status["height"].as_str().unwrap_or("?");
    let time_ms: u64 = status["block_time_ms"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let pending = status["pending_txs"].as_u64().unwrap_or(0);
    if let Some(tx) = latest["txs"].as_array().and_then(|txs| txs.last()) {
        let at = match &latest["header"]["height"] {
            Value::String(h) => h.clone(),
            other => other.to_string(),
        };
        let hash: String = tx["hash"].as_str().unwrap_or("?").chars().take(12).collect();
        *last_with_txs = Some((at, hash));
    }
    let last = match last_with_txs {
        Some((h, hash)) => format!("last tx {hash}… at height {h}"),
        None => "no transaction yet".to_string(),
    };
    let seconds = time_ms / 1_000;
    let clock = format!("{:02}:{:02}:{:02} UTC", (seconds / 3_600) % 24, (seconds / 60) % 60, seconds % 60);
    format!("height {height} · block time {clock} · {pending} waiting · {last}")
}

/// Starts the status line thread against the node's API at `api`.
pub fn spawn(api: String) {
    let _ = std::thread::Builder::new().name("status-line".into()).spawn(move || {
        let client = crate::client::Client::new(&api);
        let terminal = std::io::stdout().is_terminal();
        let mut last_with_txs = None;
        for tick in 1u64.. {
            std::thread::sleep(Duration::from_secs(1));
            let (Ok(status), latest) = (client.get("/status"), client.get("/blocks/latest")) else {
                continue;
            };
            let text = line(&status, &latest.unwrap_or(Value::Null), &mut last_with_txs);
            let mut out = std::io::stdout().lock();
            if terminal {
                let _ = write!(out, "\r\x1b[2K{text}");
            } else if tick % PLAIN_LINE_EVERY_S == 0 {
                let _ = writeln!(out, "{text}");
            }
            let _ = out.flush();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_status_line_shows_height_time_waiting_and_the_last_block_with_transactions() {
        let mut last = None;
        let status = json!({"height": "42", "block_time_ms": "3723000", "pending_txs": 3});
        let empty = json!({"header": {"height": "42"}, "txs": []});
        assert_eq!(
            line(&status, &empty, &mut last),
            "height 42 · block time 01:02:03 UTC · 3 waiting · no transaction yet"
        );
        let busy =
            json!({"header": {"height": "42"}, "txs": [{"hash": "aaaa"}, {"hash": "0123456789abcdef"}]});
        line(&status, &busy, &mut last);
        let later = json!({"height": "50", "block_time_ms": "3724000", "pending_txs": 0});
        assert_eq!(
            line(&later, &empty, &mut last),
            "height 50 · block time 01:02:04 UTC · 0 waiting · last tx 0123456789ab… at height 42"
        );
    }
}
