//! Admission and the mempool through [`Chain`], over a real app and store, without sockets or
//! consensus: blocks are made with [`Ledger::propose`] and [`Ledger::commit`] as the consensus
//! loop would call them.

use super::*;
use computefi_app::{Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_store::Store;
use computefi_types::{Amount, AssetId, BankMsg, Msg, PublicKey, Tx};
use ed25519_consensus::SigningKey;

const CHAIN_ID: &str = "computefi-admission-test";
const FEE: u128 = 1_000;

fn key(label: &str, i: usize) -> SigningKey {
    SigningKey::from(computefi_types::sha256(format!("computefi/test/{label}/{i}").as_bytes()).0)
}

fn address(k: &SigningKey) -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(k))
}

fn send(from: &SigningKey, nonce: u64, amount: u128, fee: u128) -> SignedTx {
    Tx {
        chain_id: CHAIN_ID.into(),
        signer: PublicKey::from_signing_key(from),
        nonce,
        fee: Amount(fee),
        msgs: vec![Msg::Bank(BankMsg::Send {
            to: Address([7; 20]),
            asset: AssetId::native(),
            amount: Amount(amount),
        })],
        memo: String::new(),
    }
    .sign(from)
}

/// A chain whose genesis funds `funded`, with one validator that is none of them.
fn chain(funded: &[(&SigningKey, u128)], mempool: MempoolConfig) -> (Chain, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let genesis = Genesis {
        chain_id: CHAIN_ID.into(),
        genesis_time_ms: 1_767_225_600_000,
        params: Params::default(),
        balances: funded
            .iter()
            .map(|(k, amount)| GenesisBalance { address: address(k), amount: Amount(*amount) })
            .collect(),
        validators: vec![GenesisValidator {
            name: "v".into(),
            public_key: PublicKey::from_signing_key(&key("validator", 0)),
            power: 1,
        }],
        ..Genesis::default()
    };
    let app = App::init(Store::open(&home.path().join("state.redb")).unwrap(), &genesis).unwrap();
    (Chain::new(app, mempool).unwrap(), home)
}

/// Proposes and commits the next block, as a solo validator would.
fn next_block(chain: &Chain) -> Block {
    let height = chain.committed_height() + 1;
    let block = chain.propose(height, Address([1; 20])).unwrap();
    chain.commit(&block, Vec::new()).unwrap();
    block
}

/// `nonces` sends from each of `accounts` fresh keys, signed on every core.
fn unfunded_future_sends(accounts: usize, nonces: std::ops::RangeInclusive<u64>) -> Vec<SignedTx> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = accounts.div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|t| {
                let nonces = nonces.clone();
                s.spawn(move || {
                    let mut out = Vec::new();
                    for i in (t * per_thread)..((t + 1) * per_thread).min(accounts) {
                        let k = key("spam", i);
                        out.extend(nonces.clone().map(|n| send(&k, n, 1, FEE)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn fifty_thousand_unfunded_future_nonce_transactions_do_not_keep_a_funded_transfer_out_of_the_next_block() {
    let dev = key("dev", 0);
    let (chain, _home) = chain(&[(&dev, 1_000_000_000)], MempoolConfig::default());
    // 782 fresh keys × nonces 1..=64, the nonce window's worth each: 50,048 transactions, more
    // than the pool's default 50,000.
    let spam = unfunded_future_sends(782, 1..=64);
    assert_eq!(spam.len(), 50_048);
    let mut refused = BTreeMap::<u32, usize>::new();
    for batch in spam.chunks(1_000) {
        for result in chain.submit_many(batch.to_vec()) {
            if let Err(e) = result {
                *refused.entry(e.code).or_default() += 1;
            }
        }
    }
    assert_eq!(refused, BTreeMap::from([(ErrorCode::PendingFeesUncovered.code(), 50_048)]));
    assert_eq!(chain.pending_count(), 0);
    let transfer = send(&dev, 0, 5, FEE);
    chain.submit(transfer.clone()).unwrap();
    let block = next_block(&chain);
    assert_eq!(block.txs, vec![transfer]);
}

#[test]
fn a_transaction_is_dry_run_after_its_senders_pending_ones_not_only_on_the_committed_state() {
    let alice = key("alice", 0);
    let (chain, _home) = chain(&[(&alice, 10_000)], MempoolConfig::default());
    chain.submit(send(&alice, 0, 6_000, FEE)).unwrap();
    // The committed balance (10,000) would pay for it; what nonce 0 leaves (3,000) does not.
    let err = chain.submit(send(&alice, 1, 2_500, FEE)).unwrap_err();
    assert!(err.is(ErrorCode::InsufficientBalance), "{err}");
    // Behind the missing nonce 1 only fees count: the 3,000 left pay three fees, not four.
    for nonce in 2..=4 {
        chain.submit(send(&alice, nonce, 1, FEE)).unwrap();
    }
    let err = chain.submit(send(&alice, 5, 1, FEE)).unwrap_err();
    assert!(err.is(ErrorCode::PendingFeesUncovered), "{err}");
    // Filling the gap must leave the fees of the nonces waiting behind it covered.
    let err = chain.submit(send(&alice, 1, 1, FEE)).unwrap_err();
    assert!(err.is(ErrorCode::PendingFeesUncovered), "{err}");
    assert_eq!(next_block(&chain).txs.len(), 1, "nonce 0 commits; nonces 2 to 4 wait for a nonce 1");
    assert_eq!(chain.pending_count(), 3);
}

#[test]
fn a_run_of_transfers_its_balance_covers_is_admitted_across_blocks_and_the_next_one_is_refused() {
    let alice = key("alice", 0);
    // 50 transfers of 1,000 plus a fee of 1,000 each: exactly the balance.
    let (chain, _home) = chain(&[(&alice, 100_000)], MempoolConfig::default());
    for nonce in 0..10 {
        chain.submit(send(&alice, nonce, 1_000, FEE)).unwrap();
    }
    let first = next_block(&chain);
    assert_eq!(first.txs.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    for nonce in 10..50 {
        chain.submit(send(&alice, nonce, 1_000, FEE)).unwrap();
    }
    let kept = lock(&chain.mempool).run_covered(&address(&alice));
    assert_eq!(kept, Some(40), "the next admission starts from the kept run instead of executing 40 again");
    let err = chain.submit(send(&alice, 50, 1_000, FEE)).unwrap_err();
    assert!(err.is(ErrorCode::InsufficientFee), "the run before it spends everything: {err}");
    let second = next_block(&chain);
    assert_eq!(second.txs.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(), (10..50).collect::<Vec<_>>());
    assert_eq!(chain.pending_count(), 0);
}

#[test]
fn a_better_paying_transaction_evicts_the_cheapest_and_its_client_is_told() {
    let keys: Vec<SigningKey> = (0..5).map(|i| key("payer", i)).collect();
    let funded: Vec<(&SigningKey, u128)> = keys.iter().map(|k| (k, 1_000_000)).collect();
    let (chain, _home) = chain(&funded, MempoolConfig { txs_max: 3, ..MempoolConfig::default() });
    let mut events = chain.subscribe();
    let cheap: Vec<SignedTx> = keys[..3].iter().map(|k| send(k, 0, 1, FEE)).collect();
    for tx in &cheap {
        chain.submit(tx.clone()).unwrap();
    }
    let err = chain.submit(send(&keys[3], 0, 1, FEE)).unwrap_err();
    assert!(err.is(ErrorCode::MempoolFeeTooLow), "the same fee evicts nothing: {err}");
    let rich = send(&keys[4], 0, 1, 5 * FEE);
    chain.submit(rich.clone()).unwrap();
    match events.try_recv() {
        Ok(ChainEvent::Dropped { hash, error }) => {
            assert_eq!(hash, cheap[0].hash(), "the oldest of the cheapest");
            assert!(error.is(ErrorCode::TxEvicted), "{error}");
        }
        other => panic!("expected a drop, got {other:?}"),
    }
    let block = next_block(&chain);
    assert_eq!(block.txs.first(), Some(&rich), "the best-paying transaction leads the block");
    assert_eq!(block.txs.len(), 3);
}

#[test]
fn a_transaction_that_waited_past_tx_ttl_ms_is_dropped_and_its_client_is_told() {
    let alice = key("alice", 0);
    // A ttl of zero: whatever is pending has expired by the next proposal, whatever the clock.
    let (chain, _home) =
        chain(&[(&alice, 1_000_000)], MempoolConfig { tx_ttl_ms: 0, ..MempoolConfig::default() });
    let mut events = chain.subscribe();
    let waiting = send(&alice, 1, 1, FEE);
    chain.submit(waiting.clone()).unwrap();
    assert_eq!(chain.pending_count(), 1);
    let block = next_block(&chain);
    assert!(block.txs.is_empty());
    assert_eq!(chain.pending_count(), 0);
    match events.try_recv() {
        Ok(ChainEvent::Dropped { hash, error }) => {
            assert_eq!(hash, waiting.hash());
            assert!(error.is(ErrorCode::TxExpired), "{error}");
        }
        other => panic!("expected a drop, got {other:?}"),
    }
}
