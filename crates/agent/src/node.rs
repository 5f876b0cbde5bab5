//! What the agent asks of a node, as a trait ([`NodeApi`]) so the submission logic can be tested
//! against a model ledger, and its HTTP implementation ([`HttpNode`]) over the node's API.

use crate::chain::Link;
use computefi_types::{Address, Amount, Hash, PublicKey, SignedTx, TitleId};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// How long one HTTP request may take; a commit-mode broadcast waits up to 30 s for its block.
pub const REQUEST_TIMEOUT_MS: u64 = 45_000;

/// Why a request to the node failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// No answer.
    #[error("cannot reach the node at {url}: {reason}; check --node and that the node runs")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The ledger refused a transaction, with its stable code.
    #[error("error {code} ({name}): {message} [{detail}]")]
    Refused {
        /// Stable error code (`crates/types/src/error.rs`).
        code: u32,
        /// Its name.
        name: String,
        /// What went wrong and what to do.
        message: String,
        /// The values involved.
        detail: String,
    },
    /// Accepted into the mempool but not yet in a block.
    #[error("transaction {hash} is accepted but not yet committed")]
    Pending {
        /// Its hash.
        hash: Hash,
    },
    /// Any other answer.
    #[error("the node at {url} answered {status}: {body}")]
    Unexpected {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The body, shortened.
        body: String,
    },
}

impl NodeError {
    /// The ledger's error code, when the ledger refused.
    pub fn code(&self) -> Option<u32> {
        match self {
            NodeError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// What `GET /status` says that the agent needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Chain id to sign for.
    pub chain_id: String,
    /// Last committed height.
    pub height: u64,
    /// Minimum fee.
    pub min_fee: Amount,
}

/// A committed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Its hash.
    pub hash: Hash,
    /// The block it is in.
    pub height: u64,
}

/// A title's device keys and each key's last accepted envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TitleReports {
    /// Keys listed on the title with their last accepted envelope (`None` before the first).
    pub keys: Vec<(PublicKey, Option<Link>)>,
    /// The title's open capacity challenge (asked for by anyone or issued by the ledger), if any.
    pub open_challenge: Option<crate::challenge::LedgerChallenge>,
}

impl TitleReports {
    /// `None` when `key` is not listed on the title; otherwise its last link (genesis if none).
    pub fn link_of(&self, key: &PublicKey) -> Option<Link> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, last)| last.unwrap_or(Link::GENESIS))
    }
}

/// The node operations the agent uses.
pub trait NodeApi {
    /// Chain id, height, minimum fee.
    fn status(&self) -> Result<Status, NodeError>;
    /// The next nonce for `account`, past its transactions waiting in the mempool.
    fn next_nonce(&self, account: &Address) -> Result<u64, NodeError>;
    /// A title's device keys and their last accepted envelopes.
    fn title_reports(&self, title: &TitleId) -> Result<TitleReports, NodeError>;
    /// Broadcasts and waits until the transaction is in a block.
    fn broadcast_commit(&self, tx: &SignedTx) -> Result<Committed, NodeError>;
    /// The ledger's last counter of `key`'s energy meter on `title`, Wh (0 before its first
    /// reading, or when the key is not listed).
    fn meter_counter(&self, title: &TitleId, key: &PublicKey) -> Result<u64, NodeError>;
}

/// The node's HTTP API.
pub struct HttpNode {
    base: String,
    agent: ureq::Agent,
}

impl HttpNode {
    /// A client for `base`, e.g. `http://127.0.0.1:26657`.
    pub fn new(base: &str) -> HttpNode {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(REQUEST_TIMEOUT_MS)))
            .build()
            .into();
        HttpNode { base: base.trim_end_matches('/').to_string(), agent }
    }

    fn call(&self, path: &str, body: Option<&Value>) -> Result<(u16, Value), NodeError> {
        let url = format!("{}{path}", self.base);
        let sent = match body {
            Some(b) => self.agent.post(&url).send_json(b),
            None => self.agent.get(&url).call(),
        };
        let mut response =
            sent.map_err(|e| NodeError::Unreachable { url: url.clone(), reason: e.to_string() })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| NodeError::Unreachable { url: url.clone(), reason: e.to_string() })?;
        let value = serde_json::from_str(&text).map_err(|_| unexpected(&url, status, &text))?;
        Ok((status, value))
    }

    fn get_ok(&self, path: &str) -> Result<Value, NodeError> {
        let (status, value) = self.call(path, None)?;
        if status == 200 {
            return Ok(value);
        }
        Err(refusal(&value)
            .unwrap_or_else(|| unexpected(&format!("{}{path}", self.base), status, &value.to_string())))
    }
}

fn unexpected(url: &str, status: u16, body: &str) -> NodeError {
    NodeError::Unexpected { url: url.to_string(), status, body: body.chars().take(300).collect() }
}

/// `{"error": {"code", "name", "message", "detail"}}` as a refusal, when it has a code.
fn refusal(value: &Value) -> Option<NodeError> {
    #[derive(Deserialize)]
    struct E {
        code: u32,
        name: String,
        message: String,
        #[serde(default)]
        detail: String,
    }
    let e: E = serde_json::from_value(value.get("error")?.clone()).ok()?;
    Some(NodeError::Refused { code: e.code, name: e.name, message: e.message, detail: e.detail })
}

fn str_u64(value: &Value, field: &str) -> Option<u64> {
    value.get(field)?.as_str()?.parse().ok()
}

impl NodeApi for HttpNode {
    fn status(&self) -> Result<Status, NodeError> {
        let v = self.get_ok("/status")?;
        let bad = || unexpected(&format!("{}/status", self.base), 200, &v.to_string());
        Ok(Status {
            chain_id: v["chain_id"].as_str().ok_or_else(bad)?.to_string(),
            height: str_u64(&v, "height").ok_or_else(bad)?,
            min_fee: v["min_fee"].as_str().and_then(|s| s.parse().ok()).ok_or_else(bad)?,
        })
    }

    fn next_nonce(&self, account: &Address) -> Result<u64, NodeError> {
        let v = self.get_ok(&format!("/accounts/{account}"))?;
        str_u64(&v, "next_nonce_pending").ok_or_else(|| unexpected(&self.base, 200, &v.to_string()))
    }

    fn title_reports(&self, title: &TitleId) -> Result<TitleReports, NodeError> {
        let path = format!("/titles/{title}/reports");
        let v = self.get_ok(&path)?;
        let bad = || unexpected(&format!("{}{path}", self.base), 200, &v.to_string());
        let mut keys = Vec::new();
        for entry in v["device_keys"].as_array().ok_or_else(bad)? {
            let key: PublicKey = serde_json::from_value(entry["device_key"].clone()).map_err(|_| bad())?;
            let last = match &entry["last"] {
                Value::Null => None,
                last => Some(Link {
                    sequence: str_u64(last, "sequence").ok_or_else(bad)?,
                    hash: serde_json::from_value(last["hash"].clone()).map_err(|_| bad())?,
                }),
            };
            keys.push((key, last));
        }
        let open_challenge = ledger_challenge(&v["open_challenge"]).ok_or_else(bad)?;
        Ok(TitleReports { keys, open_challenge })
    }

    fn broadcast_commit(&self, tx: &SignedTx) -> Result<Committed, NodeError> {
        let body = json!({ "tx": tx, "mode": "commit" });
        let (status, v) = self.call("/txs", Some(&body))?;
        let url = format!("{}/txs", self.base);
        if let Some(refused) = refusal(&v) {
            return Err(refused);
        }
        let hash: Hash = serde_json::from_value(v["hash"].clone())
            .map_err(|_| unexpected(&url, status, &v.to_string()))?;
        match (status, v["status"].as_str()) {
            (200, Some("committed")) => {
                Ok(Committed { hash, height: str_u64(&v, "height").unwrap_or_default() })
            }
            (202 | 200, Some("pending")) => Err(NodeError::Pending { hash }),
            _ => Err(unexpected(&url, status, &v.to_string())),
        }
    }

    fn meter_counter(&self, title: &TitleId, key: &PublicKey) -> Result<u64, NodeError> {
        // One hour is the shortest window; only the meters are read.
        let path = format!("/titles/{title}/energy?hours=1");
        let v = self.get_ok(&path)?;
        let bad = || unexpected(&format!("{}{path}", self.base), 200, &v.to_string());
        for meter in v["meters"].as_array().ok_or_else(bad)? {
            let of: PublicKey = serde_json::from_value(meter["device_key"].clone()).map_err(|_| bad())?;
            if of == *key {
                return str_u64(meter, "counter_wh").ok_or_else(bad);
            }
        }
        Ok(0)
    }
}

/// A title's open challenge as `GET /titles/{id}/reports` shows it: `Some(None)` when there is
/// none, `None` when the JSON is not a challenge record.
fn ledger_challenge(v: &Value) -> Option<Option<crate::challenge::LedgerChallenge>> {
    use crate::challenge::{Challenge, LedgerChallenge, Phase};
    if v.is_null() {
        return Some(None);
    }
    let challenge = Challenge {
        challenge: str_u64(v, "id")?,
        seed: serde_json::from_value(v["seed"].clone()).ok()?,
        n: v["n"].as_u64().and_then(|n| u32::try_from(n).ok())?,
    };
    let state = &v["state"];
    let phase = if state == "open" {
        Phase::Open
    } else if state.get("committed").is_some() {
        Phase::Committed
    } else if state.get("opened").is_some() {
        Phase::Opened
    } else if let Some(chosen) = state.get("rows_chosen") {
        Phase::RowsChosen {
            commitment: serde_json::from_value(chosen["commitment"].clone()).ok()?,
            rows: serde_json::from_value(chosen["rows"].clone()).ok()?,
        }
    } else {
        // Settled: no longer open.
        return Some(None);
    };
    Some(Some(LedgerChallenge { challenge, phase }))
}
