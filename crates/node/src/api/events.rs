//! `GET /events`: recent events found by kind, by one attribute, or by any attribute naming an
//! id, newest first, from the transactions' receipts and the blocks' own events. The ledger
//! keeps no index of events, so this reads blocks backward from a height, within bounds: at most
//! [`EVENTS_SCAN_BLOCKS_MAX`] blocks and [`EVENTS_SCAN_TXS_MAX`] transactions a request, at most
//! [`EVENTS_LISTED_MAX`] events. A page holds whole blocks (only a single block with more
//! matching events than the limit is cut), and the answer says where the next page starts
//! (`next_to_height`), so a client reads further back with another request and misses nothing.

use super::handler::{ApiResult, AppState};
use crate::refusal::{parse_query, ApiError, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::Event;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// Most blocks one request reads.
pub const EVENTS_SCAN_BLOCKS_MAX: u64 = 2_000;
/// Most transactions (receipts) one request reads.
pub const EVENTS_SCAN_TXS_MAX: u64 = 20_000;
/// Most events one answer lists.
pub const EVENTS_LISTED_MAX: usize = 500;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

#[derive(OpenApi)]
#[openapi(paths(events))]
pub(super) struct Doc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    kind: Option<String>,
    attr: Option<String>,
    involving: Option<String>,
    to_height: Option<String>,
    blocks: Option<String>,
    limit: Option<String>,
}

/// What an event must match.
struct Filter {
    kind: Option<String>,
    attr: Option<(String, String)>,
    involving: Option<String>,
}

impl Filter {
    fn matches(&self, e: &Event) -> bool {
        let kind = self.kind.as_deref().is_none_or(|k| {
            e.kind == k
                || (e.kind.len() > k.len() && e.kind.starts_with(k) && e.kind.as_bytes()[k.len()] == b'.')
        });
        let attr = self.attr.as_ref().is_none_or(|(n, v)| e.attrs.iter().any(|(an, av)| an == n && av == v));
        let involving = self.involving.as_deref().is_none_or(|id| e.attrs.iter().any(|(_, v)| v == id));
        kind && attr && involving
    }
}

#[utoipa::path(get, path = "/events", params(
        ("kind" = Option<String>, Query, description = "an event kind (`amm.swap`) or a module (`amm`)"),
        ("attr" = Option<String>, Query, description = "`name:value`: an attribute the event must carry"),
        ("involving" = Option<String>, Query, description = "an id (address, title, asset) that any attribute must equal"),
        ("to_height" = Option<String>, Query, description = "the newest height read (default: the last)"),
        ("blocks" = Option<String>, Query, description = "how many blocks back to read, at most 2000 (default 2000)"),
        ("limit" = Option<String>, Query, description = "most events listed, at most 500 (default 100)")),
    responses((status = 200, description = "{\"events\": [{height, time_ms, tx, kind, attrs}], \"next_to_height\"}, newest first"),
        (status = 400, description = "A malformed query")))]
async fn events(State(s): State<AppState>, Query(q): Query<EventsQuery>) -> ApiResult {
    let app = s.chain.app();
    let last = app.last().height;
    let to = q
        .to_height
        .as_deref()
        .map(|h| parse_query::<u64>("to_height", h))
        .transpose()?
        .unwrap_or(last)
        .min(last);
    let blocks = q
        .blocks
        .as_deref()
        .map(|b| parse_query::<u64>("blocks", b))
        .transpose()?
        .unwrap_or(EVENTS_SCAN_BLOCKS_MAX);
    if blocks == 0 || blocks > EVENTS_SCAN_BLOCKS_MAX {
        return Err(ApiError::bad_query(format!("blocks {blocks}: give 1 to {EVENTS_SCAN_BLOCKS_MAX}")));
    }
    let limit = q.limit.as_deref().map(|l| parse_query::<usize>("limit", l)).transpose()?.unwrap_or(100);
    if limit == 0 || limit > EVENTS_LISTED_MAX {
        return Err(ApiError::bad_query(format!("limit {limit}: give 1 to {EVENTS_LISTED_MAX}")));
    }
    let attr = match q.attr.as_deref() {
        None => None,
        Some(a) => match a.split_once(':') {
            Some((n, v)) if !n.is_empty() => Some((n.to_string(), v.to_string())),
            _ => {
                return Err(ApiError::bad_query(format!(
                    "attr {a:?}: give name:value, e.g. title:cfititle1…"
                )))
            }
        },
    };
    let filter = Filter {
        kind: q.kind.filter(|k| !k.is_empty()),
        attr,
        involving: q.involving.filter(|i| !i.is_empty()),
    };
    let lowest = to.saturating_sub(blocks - 1).max(1);
    let read = (lowest..=to).rev().map_while(|height| {
        let stored = match app.block(height) {
            Ok(Some(stored)) => stored,
            Ok(None) => return None,
            Err(e) => return Some(Err(ApiError::from(e))),
        };
        Some(block_events(app, &filter, height, &stored))
    });
    let (found, next_to_height) = page(read, limit, lowest.checked_sub(1).filter(|h| *h >= 1))?;
    Ok(Json(json!({ "events": found, "next_to_height": next_to_height.map(|h| h.to_string()) })))
}

/// One block's matching events as listed, in the block's order, and how many transactions it
/// held.
struct BlockEvents {
    height: u64,
    txs: u64,
    events: Vec<Value>,
}

/// The events of the stored block at `height` that match `filter`: its transactions' (from their
/// receipts) and then the block's own, each with where and when it happened.
fn block_events(
    app: &computefi_app::App,
    filter: &Filter,
    height: u64,
    stored: &computefi_app::StoredBlock,
) -> Result<BlockEvents, ApiError> {
    let time_ms = stored.block.header.time_ms.to_string();
    let listed = |e: &Event, tx: Value| -> Result<Value, ApiError> {
        let mut v = serde_json::to_value(e).map_err(ApiError::internal)?;
        v["height"] = json!(height.to_string());
        v["time_ms"] = json!(time_ms);
        v["tx"] = tx;
        Ok(v)
    };
    let mut events: Vec<Value> = Vec::new();
    for tx in &stored.block.txs {
        let hash = tx.hash();
        let Some(receipt) = app.receipt(&hash)? else { continue };
        for e in receipt.events.iter().filter(|e| filter.matches(e)) {
            events.push(listed(e, json!(hash))?);
        }
    }
    for e in stored.events.iter().filter(|e| filter.matches(e)) {
        events.push(listed(e, Value::Null)?);
    }
    Ok(BlockEvents { height, txs: stored.block.txs.len() as u64, events })
}

/// One page of events from `blocks`, read newest first: at most `limit` events, newest first, and
/// the height the next page starts at. A page holds whole blocks: a block that would pass the
/// limit starts the next page, and only a single block with more matching events than the limit
/// is cut. Reading stops once [`EVENTS_SCAN_TXS_MAX`] transactions were read. When every block
/// was read, the next page starts at `below` (the height under the range read).
fn page(
    blocks: impl Iterator<Item = Result<BlockEvents, ApiError>>,
    limit: usize,
    below: Option<u64>,
) -> Result<(Vec<Value>, Option<u64>), ApiError> {
    let mut found: Vec<Value> = Vec::new();
    let mut txs_read: u64 = 0;
    for block in blocks {
        let BlockEvents { height, txs, events } = block?;
        txs_read = txs_read.saturating_add(txs);
        if !found.is_empty() && found.len() + events.len() > limit {
            return Ok((found, Some(height)));
        }
        // Newest first: the block's events in reverse order.
        found.extend(events.into_iter().rev());
        if found.len() >= limit || txs_read >= EVENTS_SCAN_TXS_MAX {
            found.truncate(limit);
            return Ok((found, height.checked_sub(1).filter(|h| *h >= 1)));
        }
    }
    Ok((found, below))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, attrs: &[(&str, &str)]) -> Event {
        Event {
            kind: kind.into(),
            attrs: attrs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        }
    }

    /// Blocks `heights` (newest first), each with `counts[i]` events numbered by height and
    /// position, and one transaction.
    fn blocks(heights: &[u64], counts: &[usize]) -> Vec<Result<BlockEvents, ApiError>> {
        heights
            .iter()
            .zip(counts)
            .map(|(&height, &n)| {
                let events = (0..n).map(|i| json!(format!("{height}.{i}"))).collect();
                Ok(BlockEvents { height, txs: 1, events })
            })
            .collect()
    }

    #[test]
    fn a_block_that_would_pass_the_limit_starts_the_next_page_whole() {
        let (found, next) = page(blocks(&[10, 9, 8], &[2, 3, 1]).into_iter(), 4, Some(7)).unwrap();
        assert_eq!(found, vec![json!("10.1"), json!("10.0")]);
        assert_eq!(next, Some(9), "block 9's three events do not fit beside two: it starts the next page");
        let (found, next) = page(blocks(&[9, 8], &[3, 1]).into_iter(), 4, Some(7)).unwrap();
        assert_eq!(found, vec![json!("9.2"), json!("9.1"), json!("9.0"), json!("8.0")]);
        assert_eq!(next, Some(7));
    }

    #[test]
    fn only_a_single_block_with_more_events_than_the_limit_is_cut() {
        let (found, next) = page(blocks(&[5, 4], &[6, 1]).into_iter(), 4, None).unwrap();
        assert_eq!(found, vec![json!("5.5"), json!("5.4"), json!("5.3"), json!("5.2")]);
        assert_eq!(next, Some(4));
    }

    #[test]
    fn reading_every_page_lists_every_event_once_when_no_block_passes_the_limit() {
        let heights: Vec<u64> = (1..=30).rev().collect();
        let counts: Vec<usize> = heights.iter().map(|h| (*h as usize * 7) % 5).collect();
        let mut listed = Vec::new();
        let mut to = Some(30u64);
        while let Some(top) = to {
            let from = heights.iter().position(|h| *h == top).unwrap();
            let (found, next) = page(blocks(&heights[from..], &counts[from..]).into_iter(), 5, None).unwrap();
            assert!(found.len() <= 5 && (!found.is_empty() || next.is_none()));
            listed.extend(found);
            to = next;
        }
        let every: Vec<Value> =
            blocks(&heights, &counts).into_iter().flat_map(|b| b.unwrap().events.into_iter().rev()).collect();
        assert_eq!(listed, every);
    }

    #[test]
    fn reading_stops_at_the_transactions_bound_and_the_next_page_starts_below() {
        let many = |height| Ok(BlockEvents { height, txs: EVENTS_SCAN_TXS_MAX / 2, events: vec![] });
        let (found, next) = page([many(9), many(8), many(7)].into_iter(), 4, Some(1)).unwrap();
        assert!(found.is_empty());
        assert_eq!(next, Some(7));
    }

    #[test]
    fn a_module_name_matches_its_events_and_not_a_longer_module() {
        let f = Filter { kind: Some("amm".into()), attr: None, involving: None };
        assert!(f.matches(&event("amm.swap", &[])));
        assert!(!f.matches(&event("ammx.swap", &[])));
        assert!(!f.matches(&event("bank.transfer", &[])));
        let exact = Filter { kind: Some("amm.swap".into()), attr: None, involving: None };
        assert!(exact.matches(&event("amm.swap", &[])) && !exact.matches(&event("amm.add", &[])));
    }

    #[test]
    fn an_attribute_filter_and_an_involved_id_must_both_match() {
        let e = event("bank.transfer", &[("from", "a"), ("to", "b")]);
        let f = Filter { kind: None, attr: Some(("to".into(), "b".into())), involving: Some("a".into()) };
        assert!(f.matches(&e));
        let other = Filter { kind: None, attr: Some(("from".into(), "b".into())), involving: None };
        assert!(!other.matches(&e));
    }
}
