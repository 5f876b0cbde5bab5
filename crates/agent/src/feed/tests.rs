//! The feeder's queue and refusals against a model node that takes oracle messages.

use super::*;
use crate::node::{Committed, Status, TitleReports};
use computefi_types::{Address, Hash, PublicKey, SignedTx, TitleId};
use std::cell::RefCell;

#[derive(Default)]
struct Model {
    nonce: u64,
    height: u64,
    taken: Vec<OracleMsg>,
    /// Refuse the next transactions with these codes, in order.
    refusals: VecDeque<u32>,
    unreachable: bool,
}

struct ModelNode(RefCell<Model>);

fn refused(code: u32) -> NodeError {
    NodeError::Refused { code, name: "model".into(), message: "refused".into(), detail: String::new() }
}

impl NodeApi for ModelNode {
    fn status(&self) -> Result<Status, NodeError> {
        if self.0.borrow().unreachable {
            return Err(NodeError::Unreachable { url: "model".into(), reason: "down".into() });
        }
        Ok(Status { chain_id: "model".into(), height: self.0.borrow().height, min_fee: Amount(1) })
    }
    fn next_nonce(&self, _account: &Address) -> Result<u64, NodeError> {
        Ok(self.0.borrow().nonce)
    }
    fn title_reports(&self, _title: &TitleId) -> Result<TitleReports, NodeError> {
        unreachable!("a feeder reads no title")
    }
    fn meter_counter(&self, _title: &TitleId, _key: &PublicKey) -> Result<u64, NodeError> {
        unreachable!("a feeder reads no meter")
    }
    fn broadcast_commit(&self, tx: &SignedTx) -> Result<Committed, NodeError> {
        let mut m = self.0.borrow_mut();
        tx.verify_signature().map_err(|_| refused(6))?;
        if tx.tx.nonce != m.nonce {
            return Err(refused(7));
        }
        if let Some(code) = m.refusals.pop_front() {
            return Err(refused(code));
        }
        let Msg::Oracle(msg) = &tx.tx.msgs[0] else { panic!("a feeder sends oracle messages") };
        m.taken.push(msg.clone());
        m.nonce += 1;
        m.height += 1;
        Ok(Committed { hash: Hash::ZERO, height: m.height })
    }
}

fn node() -> ModelNode {
    ModelNode(RefCell::new(Model::default()))
}

fn value(v: u128) -> OracleMsg {
    OracleMsg::Submit { feed: "btc_usd".into(), value: Amount(v) }
}

fn tip(height: u64) -> OracleMsg {
    OracleMsg::SubmitTipHeader { height, header: vec![0; 80] }
}

fn queue_of(msgs: Vec<OracleMsg>) -> FeedQueue {
    let mut q = FeedQueue::default();
    for m in msgs {
        enqueue(&mut q, m);
    }
    q
}

fn key() -> DeviceKey {
    DeviceKey::from_seed([7; 32])
}

#[test]
fn a_number_feed_sends_only_its_newest_queued_value() {
    let node = node();
    let mut q = queue_of(vec![value(1), value(2), value(3)]);
    let sent = flush(&node, &key(), None, &mut q, |_| Ok(())).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(node.0.borrow().taken, vec![value(3)], "older values are superseded");
    assert!(q.queue.is_empty());
}

#[test]
fn tips_are_all_sent_in_order() {
    let node = node();
    let mut q = queue_of(vec![tip(1), tip(2)]);
    flush(&node, &key(), None, &mut q, |_| Ok(())).unwrap();
    assert_eq!(node.0.borrow().taken, vec![tip(1), tip(2)]);
}

#[test]
fn a_busy_or_unreachable_node_keeps_the_queue_for_the_next_round() {
    let node = node();
    node.0.borrow_mut().refusals.push_back(ErrorCode::MempoolFull as u32);
    let mut q = queue_of(vec![value(5)]);
    assert!(matches!(flush(&node, &key(), None, &mut q, |_| Ok(())), Err(FeedError::Retry(_))));
    assert_eq!(q.queue.len(), 1, "kept");
    node.0.borrow_mut().unreachable = true;
    assert!(matches!(flush(&node, &key(), None, &mut q, |_| Ok(())), Err(FeedError::Retry(_))));
    node.0.borrow_mut().unreachable = false;
    flush(&node, &key(), None, &mut q, |_| Ok(())).unwrap();
    assert_eq!(node.0.borrow().taken, vec![value(5)], "sent once the node takes it");
}

#[test]
fn a_value_the_ledger_never_takes_is_dropped_and_a_stranger_to_the_feed_stops() {
    let node = node();
    node.0.borrow_mut().refusals.push_back(ErrorCode::StaleReport as u32);
    let mut q = queue_of(vec![tip(1), tip(20)]);
    flush(&node, &key(), None, &mut q, |_| Ok(())).unwrap();
    assert_eq!(node.0.borrow().taken, vec![tip(20)], "the stale tip is dropped, the next one sent");
    node.0.borrow_mut().refusals.push_back(ErrorCode::NotFeeder as u32);
    let mut q = queue_of(vec![value(1)]);
    let err = flush(&node, &key(), None, &mut q, |_| Ok(())).unwrap_err();
    assert!(matches!(err, FeedError::Fatal(ref why) if why.contains("feeder")), "{err}");
}

#[test]
fn values_are_parsed_as_fixed_point_integers_and_tips_as_height_and_header() {
    assert_eq!(
        parse_value("btc_usd", " 97000500000\n").unwrap(),
        OracleMsg::Submit { feed: "btc_usd".into(), value: Amount(97_000_500_000) }
    );
    assert!(parse_value("btc_usd", "97000.5").is_err(), "a decimal point is refused: fixed point only");
    let line = format!("840000 {}", "00".repeat(80));
    assert_eq!(parse_value(TIP_FEED, &line).unwrap(), tip(840_000));
    assert!(parse_value(TIP_FEED, "840000 00").is_err());
}

#[test]
fn a_command_source_gives_its_first_line_and_a_failing_command_is_an_error() {
    assert_eq!(read_source(&Source::Command("printf '\\n42\\n43\\n'".into())).unwrap(), "42");
    assert!(read_source(&Source::Command("exit 3".into())).is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("value");
    std::fs::write(&path, "7\n").unwrap();
    assert_eq!(read_source(&Source::File(path)).unwrap(), "7");
}

#[test]
fn the_queue_keeps_at_most_its_limit_dropping_the_oldest() {
    let mut q = FeedQueue::default();
    for i in 0..(FEED_QUEUE_MAX as u64 + 5) {
        enqueue(&mut q, tip(i));
    }
    assert_eq!(q.queue.len(), FEED_QUEUE_MAX);
    assert_eq!(q.queue.front().unwrap().msg, tip(5));
}
