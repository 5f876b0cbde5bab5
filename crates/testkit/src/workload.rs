//! The benchmarks' workload, one definition for `computefi bench`, its busy-ledger and growth
//! figures, and `computefi-peers`: senders' keys derived from a label (the same in every run), signed
//! transfers of one base unit of CFI, a genesis that funds the senders, and the signature ceiling
//! (ed25519 batch verifications per second).

use computefi_app::{Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, PublicKey, SignedTx, Tx};
use ed25519_consensus::SigningKey;

/// Fee of every benchmark transfer (the default minimum).
pub const FEE: Amount = Amount(1_000);

/// Signatures verified in one batch, as the node's admission batches them.
pub const VERIFY_BATCH_TXS: usize = 256;

/// What each sender holds at genesis.
pub const SENDER_FUNDS: Amount = Amount(1_000_000_000_000);

/// The signing key of sender `i` of the workload named `label` (`computefi/bench`, …).
pub fn key(label: &str, i: usize) -> SigningKey {
    SigningKey::from(computefi_types::sha256(format!("{label}/{i}").as_bytes()).0)
}

/// The address of `key`.
pub fn address(key: &SigningKey) -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(key))
}

/// `rounds` rounds of one transfer of 1 from every sender, sender `i` from nonce
/// `first_nonce[i]` (0 when not given). Each goes to the next sender, or with `spread` to
/// `spread.1(j)` for a pseudo-random `j` below `spread.0`, so that every transfer touches one
/// account somewhere in a large state.
pub fn transfers(
    chain_id: &str,
    keys: &[SigningKey],
    rounds: usize,
    first_nonce: &[u64],
    spread: Option<(u64, &dyn Fn(u64) -> Address)>,
) -> Vec<SignedTx> {
    let ring: Vec<Address> = keys.iter().map(address).collect();
    let mut out = Vec::with_capacity(keys.len().saturating_mul(rounds));
    for round in 0..rounds as u64 {
        for (i, k) in keys.iter().enumerate() {
            let to = match spread {
                Some((n, account)) => {
                    account(mix(round.wrapping_mul(1 << 20).wrapping_add(i as u64)) % n.max(1))
                }
                None => ring[(i + 1) % ring.len()],
            };
            // A sender drawn as its own recipient sends to the next sender instead.
            let to = if to == ring[i] { ring[(i + 1) % ring.len()] } else { to };
            let msg = Msg::Bank(BankMsg::Send { to, asset: AssetId::native(), amount: Amount(1) });
            let tx = Tx {
                chain_id: chain_id.into(),
                signer: PublicKey::from_signing_key(k),
                nonce: first_nonce.get(i).copied().unwrap_or(0).saturating_add(round),
                fee: FEE,
                msgs: vec![msg],
                memo: String::new(),
            };
            out.push(tx.sign(k));
        }
    }
    out
}

/// `rounds` rounds of one transfer from every sender to the next one, from nonce 0.
pub fn ring_transfers(chain_id: &str, keys: &[SigningKey], rounds: usize) -> Vec<SignedTx> {
    transfers(chain_id, keys, rounds, &[], None)
}

/// splitmix64: a fixed pseudo-random spread of recipients.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A genesis for `chain_id` that gives every sender [`SENDER_FUNDS`] and has one validator.
pub fn funded_genesis(chain_id: &str, keys: &[SigningKey], validator: PublicKey) -> Genesis {
    Genesis {
        chain_id: chain_id.into(),
        genesis_time_ms: crate::GENESIS_TIME_MS,
        params: Params::default(),
        balances: keys.iter().map(|k| GenesisBalance { address: address(k), amount: SENDER_FUNDS }).collect(),
        validators: vec![GenesisValidator { name: chain_id.into(), public_key: validator, power: 1 }],
        ..Genesis::default()
    }
}

/// Verifies the signatures of `txs` in batches of [`VERIFY_BATCH_TXS`].
pub fn verify_in_batches(txs: &[SignedTx]) -> Result<(), String> {
    for chunk in txs.chunks(VERIFY_BATCH_TXS) {
        let mut batch = ed25519_consensus::batch::Verifier::new();
        for tx in chunk {
            tx.queue_signature(&mut batch).map_err(|e| e.to_string())?;
        }
        batch.verify(rand_core::OsRng).map_err(|_| "a benchmark signature did not verify".to_string())?;
    }
    Ok(())
}

/// Batch verifications per second over `txs` on `threads` cores, each verifying its own part.
// A benchmark reads the wall clock; nothing here reaches consensus.
#[allow(clippy::disallowed_methods)]
pub fn ceiling_per_s(txs: &[SignedTx], threads: usize) -> Result<f64, String> {
    let started = std::time::Instant::now();
    let part = txs.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = txs.chunks(part).map(|p| s.spawn(move || verify_in_batches(p))).collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| "a verifier panicked".to_string())?)
    })?;
    Ok(txs.len() as f64 / started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_transfers_go_to_the_next_sender_in_nonce_order_and_verify() {
        let keys: Vec<SigningKey> = (0..3).map(|i| key("computefi/test", i)).collect();
        let txs = ring_transfers("c", &keys, 2);
        assert_eq!(txs.len(), 6);
        assert_eq!((txs[0].tx.nonce, txs[3].tx.nonce), (0, 1));
        let Msg::Bank(BankMsg::Send { to, .. }) = &txs[2].tx.msgs[0] else { panic!("a send") };
        assert_eq!(*to, address(&keys[0]), "the last sender sends to the first");
        assert_eq!(verify_in_batches(&txs), Ok(()));
        assert_eq!(address(&key("computefi/test", 1)), address(&keys[1]), "the same keys in every run");
    }

    #[test]
    fn spread_transfers_never_send_to_their_sender() {
        let keys: Vec<SigningKey> = (0..2).map(|i| key("computefi/test", i)).collect();
        let own = address(&keys[0]);
        let to_self = move |_j: u64| own;
        let txs = transfers("c", &keys, 3, &[5, 7], Some((10, &to_self)));
        assert_eq!((txs[0].tx.nonce, txs[1].tx.nonce), (5, 7));
        for tx in &txs {
            let Msg::Bank(BankMsg::Send { to, .. }) = &tx.tx.msgs[0] else { panic!("a send") };
            assert_ne!(Address::from_public_key(&tx.tx.signer), *to);
        }
    }
}
