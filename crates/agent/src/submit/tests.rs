//! The submission logic against a model ledger that applies the device module's rules (key
//! listed, window, sequence, chain, payload kinds) and records equivocation evidence like the real
//! one. Every scenario ends by checking that the model recorded no evidence: whatever crashes or
//! refusals happen, the agent never signs two envelopes with one number.

use super::*;
use crate::chain::Signer;
use crate::node::{Committed, Status, TitleReports};
use crate::state::StateFile;
use computefi_types::device::{MeterReading, Payload, ShareBatch, Telemetry};
use computefi_types::{Address, Hash, PublicKey, SignedTx, TitleId};
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
struct Ledger {
    height: u64,
    keys: Vec<PublicKey>,
    last: Option<Link>,
    seen: BTreeMap<u64, Hash>,
    evidence: u32,
    nonce: u64,
    balance_ok: bool,
    /// The code an unfunded account is refused with (10 for the next nonce, 15 behind others).
    unfunded_code: u32,
    /// Refuse the next transaction with this code, as a busy mempool would.
    busy_once: Option<u32>,
    /// The code every share batch is refused with (the model node counts no shares).
    shares_code: u32,
    /// Apply the next transaction, then answer as if the connection dropped.
    lose_next_answer: bool,
    unreachable: bool,
    accepted: Vec<u64>,
    /// The key's meter counter, Wh, after its last accepted reading.
    meter_wh: Option<u64>,
}

struct ModelNode {
    ledger: RefCell<Ledger>,
}

fn refused(code: u32) -> NodeError {
    NodeError::Refused {
        code,
        name: "model".into(),
        message: "refused by the model ledger".into(),
        detail: String::new(),
    }
}

impl ModelNode {
    fn new(keys: Vec<PublicKey>) -> ModelNode {
        ModelNode {
            ledger: RefCell::new(Ledger {
                height: 10,
                keys,
                balance_ok: true,
                unfunded_code: 10,
                shares_code: 7007,
                ..Ledger::default()
            }),
        }
    }

    fn apply(l: &mut Ledger, tx: &SignedTx) -> Result<Committed, NodeError> {
        tx.verify_signature().map_err(|_| refused(6))?;
        if tx.tx.nonce != l.nonce {
            return Err(refused(if tx.tx.nonce < l.nonce { 7 } else { 8 }));
        }
        if let Some(code) = l.busy_once.take() {
            return Err(refused(code));
        }
        if !l.balance_ok {
            return Err(refused(l.unfunded_code));
        }
        let Msg::Device(DeviceMsg::Report(report)) = &tx.tx.msgs[0] else {
            panic!("the agent sends reports")
        };
        let env = &report.envelope;
        assert!(report.signature_valid(), "the agent signs what it sends");
        let height = l.height + 1;
        if !l.keys.contains(&env.device_key) {
            return Err(refused(7001));
        }
        if !(env.window_start..=env.window_end).contains(&height) || env.window_end - env.window_start > 600 {
            return Err(refused(7006));
        }
        let hash = env.hash();
        let last = l.last.unwrap_or(Link::GENESIS);
        if env.sequence <= last.sequence {
            match l.seen.get(&env.sequence) {
                Some(first) if *first != hash => l.evidence += 1,
                _ => return Err(refused(7003)),
            }
        } else if env.sequence - last.sequence > 100 {
            return Err(refused(7004));
        } else if env.prev_hash != last.hash {
            return Err(refused(7005));
        } else if matches!(env.payload, Payload::Shares(_)) {
            return Err(refused(l.shares_code));
        } else if let Payload::Meter(m) = &env.payload {
            if l.meter_wh.is_some_and(|last| m.meter_wh < last) {
                return Err(refused(9500));
            }
            l.meter_wh = Some(m.meter_wh);
            l.last = Some(Link { sequence: env.sequence, hash });
            l.seen.insert(env.sequence, hash);
            l.accepted.push(env.sequence);
        } else {
            l.last = Some(Link { sequence: env.sequence, hash });
            l.seen.insert(env.sequence, hash);
            l.accepted.push(env.sequence);
        }
        l.nonce += 1;
        l.height = height;
        Ok(Committed { hash: tx.hash(), height })
    }
}

impl NodeApi for ModelNode {
    fn status(&self) -> Result<Status, NodeError> {
        let l = self.ledger.borrow();
        if l.unreachable {
            return Err(NodeError::Unreachable { url: "model".into(), reason: "down".into() });
        }
        Ok(Status { chain_id: "model-chain".into(), height: l.height, min_fee: Amount(1_000) })
    }

    fn next_nonce(&self, _account: &Address) -> Result<u64, NodeError> {
        Ok(self.ledger.borrow().nonce)
    }

    fn title_reports(&self, _title: &TitleId) -> Result<TitleReports, NodeError> {
        let l = self.ledger.borrow();
        Ok(TitleReports { keys: l.keys.iter().map(|k| (*k, l.last)).collect(), open_challenge: None })
    }

    fn broadcast_commit(&self, tx: &SignedTx) -> Result<Committed, NodeError> {
        let mut l = self.ledger.borrow_mut();
        if l.unreachable {
            return Err(NodeError::Unreachable { url: "model".into(), reason: "down".into() });
        }
        let result = ModelNode::apply(&mut l, tx);
        if std::mem::take(&mut l.lose_next_answer) {
            return Err(NodeError::Unreachable { url: "model".into(), reason: "connection reset".into() });
        }
        result
    }

    fn meter_counter(&self, _title: &TitleId, _key: &PublicKey) -> Result<u64, NodeError> {
        Ok(self.ledger.borrow().meter_wh.unwrap_or(0))
    }
}

struct Setup {
    dir: tempfile::TempDir,
    key: DeviceKey,
    title: TitleId,
    node: ModelNode,
}

impl Setup {
    fn new() -> Setup {
        let key = DeviceKey::from_seed([4; 32]);
        let node = ModelNode::new(vec![key.public_key()]);
        Setup { dir: tempfile::tempdir().unwrap(), key, title: TitleId::from_index(0), node }
    }

    fn open(&self) -> (StateFile, State) {
        StateFile::open(self.dir.path(), &self.title, &self.key.public_key()).unwrap()
    }

    fn flusher(&self) -> Flusher<'_, ModelNode> {
        Flusher { node: &self.node, key: &self.key, fee: None, window_blocks: 100 }
    }

    /// Signs `payloads` at the model's height and saves them, as a round does.
    fn enqueue(&self, store: &StateFile, state: &mut State, payloads: Vec<Payload>) {
        let signer = Signer { title: self.title, key: self.key.signing(), window_blocks: 100 };
        let height = self.node.ledger.borrow().height;
        for p in payloads {
            let report = state.chain.sign(&signer, p, height);
            state.queue.push_back(report);
        }
        store.save(state).unwrap();
    }

    fn accepted(&self) -> Vec<u64> {
        self.node.ledger.borrow().accepted.clone()
    }

    fn assert_no_evidence(&self) {
        assert_eq!(self.node.ledger.borrow().evidence, 0, "the agent never equivocates");
    }
}

fn meter(wh: u64) -> Payload {
    Payload::Meter(MeterReading { meter_wh: wh })
}

fn telemetry() -> Payload {
    Payload::Telemetry(Telemetry {
        gpus_seen: 8,
        utilisation_bps: 9_000,
        energy_mj: 1,
        temperature_c: 60,
        xid_errors: 0,
        simulated: true,
    })
}

#[test]
fn queued_reports_are_sent_oldest_first_and_leave_the_queue_on_disk_too() {
    let s = Setup::new();
    let (store, mut state) = s.open();
    s.enqueue(&store, &mut state, vec![telemetry(), meter(1), meter(2)]);
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    assert_eq!(sent.iter().map(|r| r.sequence).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(sent[0].kind, "telemetry");
    assert_eq!(s.accepted(), [1, 2, 3]);
    assert_eq!(state.chain.accepted.sequence, 3);
    drop(store);
    let (_, reloaded) = s.open();
    assert!(reloaded.queue.is_empty());
    assert_eq!(reloaded.chain.accepted, state.chain.accepted);
    s.assert_no_evidence();
}

#[test]
fn a_crash_after_the_ledger_accepted_a_report_resumes_without_sending_it_twice() {
    let s = Setup::new();
    let (store, mut state) = s.open();
    s.enqueue(&store, &mut state, vec![meter(1), meter(2), meter(3)]);
    s.node.ledger.borrow_mut().lose_next_answer = true;
    assert!(matches!(s.flusher().flush(&store, &mut state), Err(FlushError::Retry(_))));
    drop((store, state)); // the process dies; only the file remains

    let (store, mut state) = s.open();
    assert_eq!(state.queue.len(), 3, "the accepted report is still queued locally");
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    assert_eq!(
        sent.iter().map(|r| r.sequence).collect::<Vec<_>>(),
        [2, 3],
        "1 is recognised as held by the ledger"
    );
    assert_eq!(s.accepted(), [1, 2, 3]);
    s.assert_no_evidence();
}

#[test]
fn a_payload_the_ledger_refuses_is_dropped_and_the_rest_chained_again() {
    let never = [
        ErrorCode::InvalidPayload,
        ErrorCode::DuplicateShare,
        ErrorCode::ShareTooWeak,
        ErrorCode::ShareNotBound,
        ErrorCode::StaleShare,
        ErrorCode::ShareTimeOutOfWindow,
    ];
    for code in never {
        dropped_and_chained_again(code as u32);
    }
}

/// A share batch refused with `code` leaves the queue; the reports after it are chained again.
fn dropped_and_chained_again(code: u32) {
    let s = Setup::new();
    s.node.ledger.borrow_mut().shares_code = code;
    let (store, mut state) = s.open();
    let shares = Payload::Shares(ShareBatch { headers: vec![[0; 80]], difficulty: 1, proofs: Vec::new() });
    s.enqueue(&store, &mut state, vec![meter(1), shares, meter(2), meter(3)]);
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    // 2 (the shares) was sent, so it is never signed again; 3 and 4 were not, so they are reused.
    assert_eq!(sent.iter().map(|r| r.sequence).collect::<Vec<_>>(), [1, 3, 4]);
    assert!(state.queue.is_empty());
    s.assert_no_evidence();
}

#[test]
fn reports_that_outlived_their_window_during_an_outage_are_signed_again() {
    let s = Setup::new();
    let (store, mut state) = s.open();
    s.enqueue(&store, &mut state, vec![meter(1), meter(2)]);
    s.node.ledger.borrow_mut().unreachable = true;
    assert!(matches!(s.flusher().flush(&store, &mut state), Err(FlushError::Retry(_))));
    {
        let mut l = s.node.ledger.borrow_mut();
        l.unreachable = false;
        l.height = 500; // the windows (10..=110) closed long ago
    }
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    assert_eq!(
        sent.iter().map(|r| r.sequence).collect::<Vec<_>>(),
        [1, 2],
        "numbers reused: nothing old is includable"
    );
    s.assert_no_evidence();
}

#[test]
fn a_lost_state_file_continues_from_the_ledger_instead_of_equivocating() {
    let s = Setup::new();
    {
        let (store, mut state) = s.open();
        s.enqueue(&store, &mut state, vec![meter(1), meter(2)]);
        s.flusher().flush(&store, &mut state).unwrap();
    }
    std::fs::remove_file(crate::state::state_path(s.dir.path(), &s.title)).unwrap();
    let (store, mut state) = s.open();
    let status = s.node.status().unwrap();
    let ledger = s.flusher().check_in(&store, &mut state, &status).unwrap();
    assert_eq!(ledger.sequence, 2);
    s.enqueue(&store, &mut state, vec![meter(3)]);
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    assert_eq!(sent[0].sequence, 3);
    s.assert_no_evidence();
}

#[test]
fn a_meter_reading_below_the_ledgers_counter_is_dropped_and_the_meter_catches_up() {
    let s = Setup::new();
    s.node.ledger.borrow_mut().meter_wh = Some(50);
    let (store, mut state) = s.open();
    state.meter.total_mj = 10 * crate::meter::MJ_PER_WH;
    s.enqueue(&store, &mut state, vec![meter(10), telemetry()]);
    let sent = s.flusher().flush(&store, &mut state).unwrap();
    // 1 (the reading) was sent and refused, so it is never signed again; the telemetry is re-signed.
    assert_eq!(sent.iter().map(|r| (r.sequence, r.kind)).collect::<Vec<_>>(), [(2, "telemetry")]);
    assert_eq!(state.meter.wh(), 50, "the next reading goes on from the ledger's counter");
    drop(store);
    assert_eq!(s.open().1.meter.wh(), 50, "and that is saved");
    s.assert_no_evidence();
}

#[test]
fn a_lost_state_file_takes_up_the_ledgers_meter_counter_at_check_in() {
    let s = Setup::new();
    {
        let (store, mut state) = s.open();
        s.enqueue(&store, &mut state, vec![meter(120)]);
        s.flusher().flush(&store, &mut state).unwrap();
    }
    std::fs::remove_file(crate::state::state_path(s.dir.path(), &s.title)).unwrap();
    let (store, mut state) = s.open();
    assert_eq!(state.meter.wh(), 0);
    let status = s.node.status().unwrap();
    s.flusher().check_in(&store, &mut state, &status).unwrap();
    assert_eq!(state.meter.wh(), 120);
    let next = state.meter.wh();
    s.enqueue(&store, &mut state, vec![meter(next)]);
    assert_eq!(s.flusher().flush(&store, &mut state).unwrap().len(), 1, "not backwards: accepted");
    s.assert_no_evidence();
}

#[test]
fn a_state_file_of_another_chain_is_refused_at_check_in() {
    let s = Setup::new();
    let (store, mut state) = s.open();
    state.chain_id = Some("old-devnet".into());
    let status = s.node.status().unwrap();
    let err = s.flusher().check_in(&store, &mut state, &status).unwrap_err().to_string();
    assert!(err.contains("old-devnet") && err.contains("another --home"), "{err}");
}

#[test]
fn a_key_not_listed_on_the_title_stops_the_agent_with_the_fix() {
    let s = Setup::new();
    s.node.ledger.borrow_mut().keys = vec![PublicKey([9; 32])];
    let (store, mut state) = s.open();
    let status = s.node.status().unwrap();
    let err = s.flusher().check_in(&store, &mut state, &status).unwrap_err();
    assert!(matches!(&err, FlushError::Fatal(m) if m.contains("not listed on title")), "{err}");
}

#[test]
fn an_unfunded_account_keeps_the_queue_and_says_how_to_fund_it() {
    // Refused for its fee alone (next nonce), or for the fees of its pending transactions.
    for code in [ErrorCode::InsufficientFee, ErrorCode::PendingFeesUncovered] {
        let s = Setup::new();
        s.node.ledger.borrow_mut().balance_ok = false;
        s.node.ledger.borrow_mut().unfunded_code = code as u32;
        let (store, mut state) = s.open();
        s.enqueue(&store, &mut state, vec![meter(1)]);
        let err = s.flusher().flush(&store, &mut state).unwrap_err();
        assert!(
            matches!(&err, FlushError::Retry(m) if m.contains("fund the agent's account")),
            "{code:?}: {err}"
        );
        assert_eq!(state.queue.len(), 1, "{code:?}");
    }
}

#[test]
fn a_busy_or_failing_node_keeps_the_report_queued_for_the_next_round() {
    let busy = [
        ErrorCode::AccountTxsFull,
        ErrorCode::MempoolFeeTooLow,
        ErrorCode::TxEvicted,
        ErrorCode::TxExpired,
        ErrorCode::Internal,
        ErrorCode::RequestTimeout,
        ErrorCode::ConnectionsFull,
        ErrorCode::NoFreshTip,
        ErrorCode::RowsNotChosen,
        ErrorCode::MeterTooSoon,
    ];
    for code in busy {
        let s = Setup::new();
        s.node.ledger.borrow_mut().busy_once = Some(code as u32);
        let (store, mut state) = s.open();
        s.enqueue(&store, &mut state, vec![meter(1)]);
        let err = s.flusher().flush(&store, &mut state).unwrap_err();
        assert!(matches!(&err, FlushError::Retry(_)), "{code:?}: {err}");
        assert_eq!(state.queue.len(), 1, "{code:?}");
        s.flusher().flush(&store, &mut state).expect("the next round sends it");
        assert!(state.queue.is_empty(), "{code:?}");
    }
}

#[test]
fn a_nonce_taken_by_another_transaction_is_asked_again() {
    let s = Setup::new();
    let (store, mut state) = s.open();
    s.enqueue(&store, &mut state, vec![meter(1)]);
    // Another transaction of the account lands between the nonce query and the broadcast.
    struct Racing<'a>(&'a ModelNode, RefCell<bool>);
    impl NodeApi for Racing<'_> {
        fn status(&self) -> Result<Status, NodeError> {
            self.0.status()
        }
        fn next_nonce(&self, a: &Address) -> Result<u64, NodeError> {
            let n = self.0.next_nonce(a);
            if self.1.replace(false) {
                self.0.ledger.borrow_mut().nonce += 1;
            }
            n
        }
        fn title_reports(&self, t: &TitleId) -> Result<TitleReports, NodeError> {
            self.0.title_reports(t)
        }
        fn broadcast_commit(&self, tx: &SignedTx) -> Result<Committed, NodeError> {
            self.0.broadcast_commit(tx)
        }
        fn meter_counter(&self, t: &TitleId, k: &PublicKey) -> Result<u64, NodeError> {
            self.0.meter_counter(t, k)
        }
    }
    let racing = Racing(&s.node, RefCell::new(true));
    let flusher = Flusher { node: &racing, key: &s.key, fee: None, window_blocks: 100 };
    assert_eq!(flusher.flush(&store, &mut state).unwrap().len(), 1);
}
