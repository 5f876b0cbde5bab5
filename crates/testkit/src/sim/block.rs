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
        if self.chance(50) {
            // A device agent answers an open capacity challenge, as a running agent does.
            if let Some((who, answer)) = msgs::challenge_answer(self) {
                let tx = self.sign(&who, vec![answer]);
                txs.push(tx);
            }
        }
        if self.chance(40) {
            // A miner agent posts shares for a verified ASIC title, as a running agent does.
            if let Some((who, shares)) = msgs::miner_shares(self) {
                let tx = self.sign(&who, vec![shares]);
                txs.push(tx);
            }
        }
        if self.chance(30) {
            // A site agent reads an energy site's generation meter.
            if let Some((who, reading)) = msgs::site_meter(self) {
                let tx = self.sign(&who, vec![reading]);
                txs.push(tx);
            }
        }
        if self.chance(40) {
            // A keeper liquidates a loan in default.
            if let Some((who, liquidate)) = msgs::keeper(self) {
                let tx = self.sign(&who, vec![liquidate]);
                txs.push(tx);
            }
        }
        if self.chance(30) {
            // A lender claims what a loan paid its tranche.
            if let Some((who, claim)) = msgs::lender_claim(self) {
                let tx = self.sign(&who, vec![claim]);
                txs.push(tx);
            }
        }
        if self.chance(40) {
            // A bidder watching open auctions bids.
            if let Some((who, bid)) = msgs::auction_bidder(self) {
                let tx = self.sign(&who, vec![bid]);
                txs.push(tx);
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
