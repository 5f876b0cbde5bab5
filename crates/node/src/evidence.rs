//! Evidence of equivocation: a validator that signed two different proposals, two different
//! prevotes or two different precommits at one height and round.
//!
//! The consensus engine detects equivocation while it runs a height and reports it when the
//! height is finalized; `consensus` checks both signatures of every reported pair and records
//! it here. A record proves itself: with the chain id, anyone can rebuild both signed messages
//! (layouts in `consensus::signing`) and check them against `public_key`
//! (`consensus::verify_evidence` does exactly that).
//!
//! The log is node-local. It is not part of the ledger state, and two nodes may hold different
//! records: a node sees only the conflicting messages that reached it. Nothing is slashed.
//!
//! # Layout
//! `HOME/data/evidence.redb`, one table `evidence`: key `height (u64 BE) ‖ sha256(value)`;
//! value `FORMAT_V1 (u8) ‖ borsh(Evidence)`. The same pair reported twice (after a restart, or in
//! either order) has one key, so it is stored once.
//!
//! # Invariants
//! - Every stored record passed `consensus::verify_evidence` before it was written.
//! - At most [`EVIDENCE_RECORDS_MAX`] records are kept; past that, new ones are logged and
//!   dropped (a flood of evidence must not fill the disk).
//!
//! # Example
//! ```no_run
//! # fn example(home: &std::path::Path) -> anyhow::Result<()> {
//! use computefi_node::evidence::EvidenceLog;
//! let log = EvidenceLog::open(&EvidenceLog::path_in(home))?;
//! for e in log.list(0, 100)? {
//!     println!("{} signed twice ({:?}) at height {} round {}", e.validator, e.kind, e.height, e.round);
//! }
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::refusal::{ApiError, ApiQuery};
use anyhow::Context as _;
use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{sha256, Address, Hash, PublicKey};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Most records kept in the log.
pub const EVIDENCE_RECORDS_MAX: u64 = 100_000;
/// Most records one `GET /evidence` answer lists.
pub const EVIDENCE_LIST_MAX: usize = 1_000;
/// Records listed when the request names no limit.
pub const EVIDENCE_LIST_DEFAULT: usize = 100;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("evidence");
const FORMAT_V1: u8 = 1;

/// What the validator signed twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Two proposals for one height and round that differ (in the block or the polka round).
    DoubleProposal,
    /// Two prevotes for one height and round, for different blocks (or one for nil).
    DoublePrevote,
    /// Two precommits for one height and round, for different blocks (or one for nil).
    DoublePrecommit,
}

/// One of the two conflicting messages: what was signed, and the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedValue {
    /// The block hash signed for; `null` for a nil vote.
    pub value: Option<Hash>,
    /// Proposals only: the polka round the proposal names (`null` for a fresh block, and for votes).
    pub pol_round: Option<u32>,
    /// The ed25519 signature, 128 hex characters.
    #[serde(with = "computefi_types::serde_str::hex_sig")]
    pub signature: [u8; 64],
}

/// Two conflicting messages signed by one validator at one height and round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// What was signed twice.
    pub kind: EvidenceKind,
    /// The validator's consensus address (as a block header names its proposer).
    pub validator: Address,
    /// The validator's consensus key, which both signatures verify under.
    pub public_key: PublicKey,
    /// The height.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// The round.
    pub round: u32,
    /// One message.
    pub first: SignedValue,
    /// The other, conflicting message.
    pub second: SignedValue,
}

impl Evidence {
    /// The same evidence whichever message came first: the two messages in byte order.
    pub fn canonical(mut self) -> Evidence {
        let order = |s: &SignedValue| (s.value, s.pol_round, s.signature);
        if order(&self.second) < order(&self.first) {
            std::mem::swap(&mut self.first, &mut self.second);
        }
        self
    }

    fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![FORMAT_V1];
        // Writing into a Vec cannot fail.
        BorshSerialize::serialize(self, &mut bytes).expect("borsh into a Vec");
        bytes
    }

    fn decode(bytes: &[u8]) -> anyhow::Result<Evidence> {
        match bytes.split_first() {
            Some((&FORMAT_V1, rest)) => Ok(borsh::from_slice(rest)?),
            Some((other, _)) => anyhow::bail!("unknown evidence format {other}"),
            None => anyhow::bail!("empty evidence record"),
        }
    }

    fn key(&self, value: &[u8]) -> Vec<u8> {
        let mut key = Vec::with_capacity(40);
        key.extend_from_slice(&self.height.to_be_bytes());
        key.extend_from_slice(&sha256(value).0);
        key
    }
}

/// The durable, node-local log of evidence. Cheap to clone: clones share one database.
#[derive(Clone)]
pub struct EvidenceLog {
    db: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for EvidenceLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceLog").field("path", &self.path).finish_non_exhaustive()
    }
}

impl EvidenceLog {
    /// Where a node keeps its log: `HOME/data/evidence.redb`.
    pub fn path_in(home: &Path) -> PathBuf {
        home.join("data").join("evidence.redb")
    }

    /// Opens the log at `path`, creating it (and its directory) if absent.
    pub fn open(path: &Path) -> anyhow::Result<EvidenceLog> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the directory {}", dir.display()))?;
        }
        let db = Database::create(path).with_context(|| {
            format!("opening the evidence log {}; move the file aside if it is damaged", path.display())
        })?;
        let txn = db.begin_write()?;
        txn.open_table(TABLE)?;
        txn.commit()?;
        Ok(EvidenceLog { db: Arc::new(db), path: path.to_path_buf() })
    }

    /// Stores the records not stored yet, durably (one fsync), and returns how many were new.
    /// Records past [`EVIDENCE_RECORDS_MAX`] are dropped with a warning.
    pub fn record(&self, evidence: &[Evidence]) -> anyhow::Result<usize> {
        if evidence.is_empty() {
            return Ok(0);
        }
        let txn = self.db.begin_write()?;
        let mut added = 0;
        {
            let mut table = txn.open_table(TABLE)?;
            for e in evidence {
                let value = e.clone().canonical().encode();
                let key = e.key(&value);
                if table.get(key.as_slice())?.is_some() {
                    continue;
                }
                if table.len()? >= EVIDENCE_RECORDS_MAX {
                    tracing::warn!(validator = %e.validator, height = e.height, kind = ?e.kind,
                        "the evidence log is full ({EVIDENCE_RECORDS_MAX} records); dropping this record");
                    continue;
                }
                table.insert(key.as_slice(), value.as_slice())?;
                added += 1;
            }
        }
        txn.commit().context("writing evidence")?;
        Ok(added)
    }

    /// Up to `limit` records from `from_height` on, in height order.
    pub fn list(&self, from_height: u64, limit: usize) -> anyhow::Result<Vec<Evidence>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TABLE)?;
        let start = from_height.to_be_bytes();
        let mut out = Vec::new();
        for item in table.range(start.as_slice()..)?.take(limit) {
            let (_, value) = item?;
            out.push(Evidence::decode(value.value()).context("reading the evidence log")?);
        }
        Ok(out)
    }

    /// How many records the log holds.
    pub fn len(&self) -> anyhow::Result<u64> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(TABLE)?.len()?)
    }

    /// Whether the log holds no record.
    pub fn is_empty(&self) -> anyhow::Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// Query of `GET /evidence`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// Lowest height listed (default 0).
    pub from_height: Option<String>,
    /// Most records listed (default [`EVIDENCE_LIST_DEFAULT`], at most [`EVIDENCE_LIST_MAX`]).
    pub limit: Option<String>,
    /// Only records against this validator: its validator address (`cfivalcons1…`, as `init`
    /// and `testnet` print it) or its account-style address (`cfi1…`, as block headers name it).
    pub validator: Option<String>,
}

fn parse_query(q: &EvidenceQuery) -> Result<(u64, usize, Option<String>), String> {
    let from = match &q.from_height {
        None => 0,
        Some(s) => {
            s.parse().map_err(|e| format!("from_height {s:?}: {e}; give a height in decimal digits"))?
        }
    };
    let limit = match &q.limit {
        None => EVIDENCE_LIST_DEFAULT,
        Some(s) => s.parse::<usize>().map_err(|e| format!("limit {s:?}: {e}"))?.min(EVIDENCE_LIST_MAX),
    };
    let validator = match &q.validator {
        Some(s) if !(s.starts_with("cfivalcons1") || s.parse::<Address>().is_ok()) => {
            return Err(format!("validator {s:?}: give a cfivalcons1… or cfi1… address"))
        }
        other => other.clone(),
    };
    Ok((from, limit, validator))
}

/// Evidence of equivocation this node has seen: validators that signed two conflicting
/// proposals or votes at one height and round, with both signatures.
#[utoipa::path(get, path = "/evidence",
    params(
        ("from_height" = Option<String>, Query, description = "lowest height listed (default 0)"),
        ("limit" = Option<String>, Query, description = "most records listed (default 100, at most 1000)"),
        ("validator" = Option<String>, Query, description = "only records against this validator (cfivalcons1… or cfi1…)")),
    responses(
        (status = 200, description = "{\"evidence\": [...], \"total\": \"<records held>\"}"),
        (status = 400, description = "A malformed query")))]
pub async fn list(Extension(log): Extension<EvidenceLog>, ApiQuery(q): ApiQuery<EvidenceQuery>) -> Response {
    let (from, limit, validator) = match parse_query(&q) {
        Ok(parsed) => parsed,
        Err(message) => return ApiError::bad_query(message).into_response(),
    };
    let read = tokio::task::spawn_blocking(move || -> anyhow::Result<(Vec<Evidence>, u64)> {
        // Filtering reads past the limit; the log is bounded, so this is too.
        let scan = if validator.is_some() { EVIDENCE_RECORDS_MAX as usize } else { limit };
        let mut records = log.list(from, scan)?;
        records.retain(|e| validator.as_ref().is_none_or(|v| names(e, v)));
        records.truncate(limit);
        Ok((records, log.len()?))
    })
    .await;
    match read {
        Ok(Ok((records, total))) => {
            let shown: Vec<_> = records.iter().map(shown).collect();
            Json(json!({ "evidence": shown, "total": total.to_string() })).into_response()
        }
        Ok(Err(e)) => ApiError::internal(format!("{e:#}")).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Whether `e` is against the validator named `name` (in either address form).
fn names(e: &Evidence, name: &str) -> bool {
    e.public_key.validator_address() == name || e.validator.to_string() == name
}

/// A record as the API shows it: with the validator address as `init` and `testnet` print it.
fn shown(e: &Evidence) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["validator_address"] = json!(e.public_key.validator_address());
    v
}

/// `GET /evidence` over `log`, as a router to merge into any other.
pub fn routes<S: Clone + Send + Sync + 'static>(log: EvidenceLog) -> Router<S> {
    Router::new().route("/evidence", get(list)).layer(Extension(log))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(height: u64, salt: u8) -> Evidence {
        Evidence {
            kind: EvidenceKind::DoublePrevote,
            validator: Address([salt; 20]),
            public_key: PublicKey([salt; 32]),
            height,
            round: 0,
            first: SignedValue { value: Some(Hash([1; 32])), pol_round: None, signature: [salt; 64] },
            second: SignedValue { value: None, pol_round: None, signature: [salt.wrapping_add(1); 64] },
        }
    }

    #[test]
    fn records_survive_a_reopen_and_a_pair_is_stored_once_in_either_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = EvidenceLog::path_in(dir.path());
        {
            let log = EvidenceLog::open(&path).unwrap();
            assert!(log.is_empty().unwrap());
            assert_eq!(log.record(&[sample(7, 1), sample(3, 2)]).unwrap(), 2);
            let mut swapped = sample(7, 1);
            std::mem::swap(&mut swapped.first, &mut swapped.second);
            assert_eq!(log.record(&[swapped, sample(3, 2)]).unwrap(), 0, "a pair already held is not added");
        }
        let log = EvidenceLog::open(&path).unwrap();
        let all = log.list(0, 10).unwrap();
        assert_eq!(all.iter().map(|e| e.height).collect::<Vec<_>>(), vec![3, 7], "in height order");
        assert_eq!(all[1], sample(7, 1).canonical());
        assert_eq!(log.list(4, 10).unwrap().len(), 1);
        assert_eq!(log.list(0, 1).unwrap().len(), 1);
    }

    #[test]
    fn a_record_reads_back_as_json_with_hex_signatures_and_decimal_heights() {
        let e = sample(12, 5);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "double_prevote");
        assert_eq!(v["height"], "12");
        assert_eq!(v["first"]["signature"].as_str().unwrap().len(), 128);
        assert_eq!(v["second"]["value"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Evidence>(v).unwrap(), e);
        assert!(Evidence::decode(&[9, 0]).is_err(), "an unknown format is refused");
    }

    #[tokio::test]
    async fn the_route_lists_records_and_filters_by_validator() {
        let dir = tempfile::tempdir().unwrap();
        let log = EvidenceLog::open(&EvidenceLog::path_in(dir.path())).unwrap();
        log.record(&[sample(1, 1), sample(2, 2), sample(3, 1)]).unwrap();
        let body = |r: Response| async move {
            let status = r.status();
            let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
        };
        let (status, v) = body(list(Extension(log.clone()), ApiQuery(EvidenceQuery::default())).await).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert_eq!(v["evidence"].as_array().unwrap().len(), 3);
        assert_eq!(v["total"], "3");
        let q = EvidenceQuery {
            validator: Some(Address([1; 20]).to_string()),
            limit: Some("1".into()),
            ..Default::default()
        };
        let (_, v) = body(list(Extension(log.clone()), ApiQuery(q)).await).await;
        assert_eq!(v["evidence"].as_array().unwrap().len(), 1);
        assert_eq!(v["evidence"][0]["height"], "1");
        let q =
            EvidenceQuery { validator: Some(PublicKey([2; 32]).validator_address()), ..Default::default() };
        let (_, v) = body(list(Extension(log.clone()), ApiQuery(q)).await).await;
        assert_eq!(v["evidence"].as_array().unwrap().len(), 1);
        assert_eq!(v["evidence"][0]["validator_address"], PublicKey([2; 32]).validator_address());
        let q = EvidenceQuery { from_height: Some("x".into()), ..Default::default() };
        let (status, v) = body(list(Extension(log), ApiQuery(q)).await).await;
        assert_eq!(status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], computefi_types::ErrorCode::BadQuery.code());
        assert!(v["error"]["detail"].as_str().unwrap().contains("from_height"));
    }
}
