//! Admission in batches. Transactions submitted at the same time (one per HTTP request) are
//! checked together, with one ed25519 batch, which costs about a third of verifying each alone.
//! Nothing waits to fill a batch: an idle worker takes a lone transaction at once, and under load
//! the transactions that queued while it worked form the next batch.
//!
//! Two forms: [`SignatureBatcher`] here verifies signatures for a blocking caller (the rest of
//! its admission runs on the caller's thread); `crate::admission_queue::AdmissionQueue` runs the
//! whole admission of each batch (`Chain::submit_many`) on a thread of its own and answers async
//! callers, so an API request needs no blocking thread of its own and hands over its transaction
//! once. They live apart because the chain uses the first and the second uses the chain.

use computefi_types::{ErrorCode, SignedTx, TxError};
use std::sync::mpsc;

/// Most signatures verified in one batch.
pub const ADMISSION_BATCH_SIGNATURES_MAX: usize = 256;

type Job = (SignedTx, mpsc::SyncSender<(SignedTx, Result<(), TxError>)>);

/// The handle submitters use; the verifier thread ends when every handle is dropped.
pub struct SignatureBatcher {
    jobs: std::sync::Mutex<mpsc::Sender<Job>>,
}

impl SignatureBatcher {
    /// Starts the verifier thread.
    pub fn start() -> std::io::Result<SignatureBatcher> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("admission-verify".into()).spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                while batch.len() < ADMISSION_BATCH_SIGNATURES_MAX {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let txs: Vec<&SignedTx> = batch.iter().map(|(tx, _)| tx).collect();
                let results = computefi_app::verify_signatures(&txs);
                for ((tx, reply), result) in batch.into_iter().zip(results) {
                    // The submitter may have gone away (its request was cancelled).
                    let _ = reply.send((tx, result));
                }
            }
        })?;
        Ok(SignatureBatcher { jobs: std::sync::Mutex::new(jobs) })
    }

    /// Verifies the transaction's signature in the next batch and hands the transaction back.
    pub fn verify(&self, tx: SignedTx) -> Result<SignedTx, TxError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let sent = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send((tx, reply));
        if let Err(mpsc::SendError((tx, _))) = sent {
            // The verifier thread is gone; verify here instead.
            return tx.verify_signature().map(|()| tx);
        }
        match answer.recv() {
            Ok((tx, result)) => result.map(|()| tx),
            Err(_) => Err(TxError::new(ErrorCode::NodeUnavailable, "the signature verifier has stopped")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Amount, AssetId, BankMsg, Msg, PublicKey, Tx};

    fn transfer(seed: u8) -> SignedTx {
        let key = ed25519_consensus::SigningKey::from([seed; 32]);
        Tx {
            chain_id: "computefi-test".into(),
            signer: PublicKey::from_signing_key(&key),
            nonce: 0,
            fee: Amount(1_000),
            msgs: vec![Msg::Bank(BankMsg::Send {
                to: computefi_types::Address([9; 20]),
                asset: AssetId::native(),
                amount: Amount(1),
            })],
            memo: String::new(),
        }
        .sign(&key)
    }

    #[test]
    fn concurrent_submissions_are_verified_together_and_only_the_forged_one_is_refused() {
        let batcher = SignatureBatcher::start().unwrap();
        let results: Vec<(u8, Result<SignedTx, TxError>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..=32u8)
                .map(|seed| {
                    let batcher = &batcher;
                    s.spawn(move || {
                        let mut tx = transfer(seed);
                        if seed == 17 {
                            tx.signature[0] ^= 1;
                        }
                        (seed, batcher.verify(tx))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (seed, result) in results {
            match result {
                Ok(tx) => {
                    assert_ne!(seed, 17, "the forged signature was accepted");
                    assert_eq!(tx, transfer(seed), "each submitter gets its own transaction back");
                }
                Err(e) => {
                    assert_eq!(seed, 17, "a good signature was refused: {e}");
                    assert_eq!(e.code, ErrorCode::InvalidSignature.code());
                }
            }
        }
    }
}
