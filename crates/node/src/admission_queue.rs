//! Whole admissions in batches on a thread of their own, for the API's async handlers: each
//! batch is admitted with one call of [`Chain::submit_many`] (one signature batch, then the dry
//! runs), and each submitter is answered. Nothing waits to fill a batch: a lone transaction is
//! taken at once, and under load what queued meanwhile forms the next batch.

use crate::chain::Chain;
use computefi_types::{ErrorCode, Hash, SignedTx, TxError};
use std::sync::{mpsc, Weak};

/// Most transactions admitted in one turn of the [`AdmissionQueue`] thread.
pub const ADMISSION_BATCH_TXS_MAX: usize = 256;

type Submission = (SignedTx, tokio::sync::oneshot::Sender<Result<Hash, TxError>>);

/// Whole admissions in batches on a thread of its own, for async callers. The thread holds the
/// chain only while it admits a batch (it keeps a [`Weak`] handle), so the chain closes when
/// its owners drop it; the thread ends when every handle of the queue is dropped.
pub struct AdmissionQueue {
    jobs: mpsc::Sender<Submission>,
}

impl AdmissionQueue {
    /// Starts the admission thread for `chain`. One thread: two (one per core) measured slower
    /// on two cores, their batches being smaller while the HTTP side and the blocks need the
    /// other core (`docs/performance.md`).
    pub fn start(chain: Weak<Chain>) -> std::io::Result<AdmissionQueue> {
        let (jobs, queue) = mpsc::channel::<Submission>();
        std::thread::Builder::new().name("admission".into()).spawn(move || admit_batches(&queue, &chain))?;
        Ok(AdmissionQueue { jobs })
    }

    /// Admits the transaction in the next batch, as [`Chain::submit`] would.
    pub async fn submit(&self, tx: SignedTx) -> Result<Hash, TxError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if self.jobs.send((tx, reply)).is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// The admission thread: waits for a submission, takes what queued behind it as one batch,
/// admits the batch and answers each submitter. Ends when every handle of the queue is dropped.
fn admit_batches(queue: &mpsc::Receiver<Submission>, chain: &Weak<Chain>) {
    loop {
        let batch = {
            let Ok(first) = queue.recv() else { return };
            let mut batch = vec![first];
            while batch.len() < ADMISSION_BATCH_TXS_MAX {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        let (txs, replies): (Vec<SignedTx>, Vec<_>) = batch.into_iter().unzip();
        let results = match chain.upgrade() {
            Some(chain) => chain.submit_many(txs),
            None => txs.iter().map(|_| Err(stopped())).collect(),
        };
        for (reply, result) in replies.into_iter().zip(results) {
            // The submitter may have gone away (its request was cancelled).
            let _ = reply.send(result);
        }
    }
}

fn stopped() -> TxError {
    TxError::new(ErrorCode::NodeUnavailable, "admission has stopped; the node is shutting down")
}
