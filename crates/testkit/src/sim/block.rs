//! Random blocks of random transactions, each from a random account, with hostile envelopes
//! (another key's signature, reused and future nonces, wrong fees and chain ids, empty and
//! oversized transactions, duplicates and nonces out of order) mixed in. The messages come from
//! [`super::msgs`], the choices from [`super::gen`].

use super::gen::Gen;
use super::msgs;
use crate::{TestAccount, CHAIN_ID, FEE};
use computefi_types::{limits, Amount, AssetId, Msg, SignedTx, Tx};
use rand::Rng;

/// Most transactions generated for one block.
pub const TXS_PER_BLOCK_MAX: usize = 16;
/// Most messages generated for one ordinary transaction (the oversized ones carry more).
pub const MSGS_PER_TX_MAX: usize = 3;

impl Gen<'_> {
    /// The transactions of one block, in the order the proposer receives them.
    pub fn block(&mut self) -> Vec<SignedTx> {
        let n = self.rng.gen_range(0..=TXS_PER_BLOCK_MAX);
        let mut txs: Vec<SignedTx> = (0..n).map(|_| self.transaction()).collect();
        // The agents of a live chain, each in some blocks: what they do when there is work.
        for (percent, agent) in msgs::AGENTS {
            if self.chance(*percent) {
                if let Some((who, msg)) = agent(self) {
                    let tx = self.sign(&who, vec![msg]);
                    txs.push(tx);
                }
            }
        }
        if self.chance(20) {
            // A market feeder's round: every market feed in one transaction, as a feeder service
            // posts them, so titles are valued from fresh feeds now and then (and loans offered).
            let (who, round) = msgs::market_round(self);
            let tx = self.sign(&who, round);
            txs.push(tx);
        }
        if txs.len() >= 2 && self.chance(10) {
            let (i, j) = (self.rng.gen_range(0..txs.len()), self.rng.gen_range(0..txs.len()));
            txs.swap(i, j); // an account's later nonce may now come first
        }
        if !txs.is_empty() && self.chance(5) {
            let again = txs[self.rng.gen_range(0..txs.len())].clone();
            txs.push(again);
        }
        txs
    }

    fn transaction(&mut self) -> SignedTx {
        let (who, first) = msgs::any(self);
        let mut all = vec![first];
        if self.chance(15) {
            for _ in 1..self.rng.gen_range(2..=MSGS_PER_TX_MAX) {
                all.push(msgs::any(self).1); // all signed by the first message's signer
            }
        }
        self.sign(&who, all)
    }

    /// Signs `msgs` as `who`: usually well formed with the next nonce, sometimes not.
    fn sign(&mut self, who: &TestAccount, mut msgs: Vec<Msg>) -> SignedTx {
        let committed = self.chain.app().next_nonce(&who.address).unwrap_or(0);
        let next = *self.nonces.get(&who.address).unwrap_or(&committed);
        let mut nonce = next;
        let mut fee = if self.chance(10) { Amount(self.rng.gen_range(FEE.0..=1_000_000)) } else { FEE };
        let mut chain_id = CHAIN_ID.to_string();
        let mut memo = String::new();
        let fault = self.rng.gen_range(0..100);
        match fault {
            0..=3 => nonce = next.wrapping_sub(self.rng.gen_range(1..=2)), // reused (or huge at 0)
            4..=6 => nonce = next + self.rng.gen_range(1..=3),
            7 => fee = Amount(FEE.0 - 1),
            8 => fee = Amount(self.amount(self.world.balance(&who.address, &AssetId::native()))),
            9 => chain_id = "another-chain".into(),
            10 => msgs.clear(),
            11 => msgs = vec![msgs[0].clone(); limits::TX_MSGS_MAX + 1],
            12 => memo = "m".repeat(limits::MEMO_BYTES_MAX + 1),
            _ => {}
        }
        let tx = Tx { chain_id, signer: who.public_key(), nonce, fee, msgs, memo };
        let signed = match self.rng.gen_range(0..100) {
            0..=2 => tx.sign(&self.actor().key), // claims one key, signed by another
            3 => {
                let mut signed = tx.sign(&who.key);
                signed.signature[self.rng.gen_range(0..64)] ^= 1;
                signed
            }
            _ => tx.sign(&who.key),
        };
        // The account's next transaction in this block takes the following nonce, unless this
        // one (the first, checkable against the committed state) will clearly be refused: a
        // refusal would otherwise refuse every later transaction of the account in the block.
        if nonce == next && (nonce != committed || self.chain.app().dry_run(&signed).is_ok()) {
            self.nonces.insert(who.address, next + 1);
        }
        signed
    }
}
