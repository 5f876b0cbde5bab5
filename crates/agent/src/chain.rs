//! The report chain of one device key on one title: sequence numbers, previous-envelope hashes and
//! block-height windows, and how the agent gets back in step with the ledger after a crash or a
//! refusal.
//!
//! The ledger accepts an envelope at height `h` when `window_start ≤ h ≤ window_end`, its
//! sequence number is above the key's last accepted one by at most [`SEQUENCE_GAP_MAX`], and its
//! `prev_hash` is the hash of that last accepted envelope. A second, different envelope with an
//! already accepted sequence number is recorded as equivocation evidence against the title.
//!
//! # Invariants
//! - An envelope can be included only if it was sent: the agent records each envelope as sent
//!   ([`ReportChain::mark_sent`], saved before the request) before it broadcasts it.
//! - A re-signed envelope takes a number above every number sent, unless no sent envelope can be
//!   included any more (the current height is past the highest `window_end` sent,
//!   [`ReportChain::open_until`]). So two different envelopes with one number can never both be
//!   includable, and the agent cannot equivocate. Numbers only ever signed, never sent, are
//!   reused freely.
//! - `prev_hash` of the next envelope is the hash of the last envelope signed, or, after a
//!   resync, of the ledger's last accepted envelope.

use computefi_types::device::{Envelope, Payload, SignedReport};
use computefi_types::{Hash, PublicKey, TitleId};
use ed25519_consensus::SigningKey;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

pub use computefi_types::device::{REPORT_WINDOW_BLOCKS_MAX, SEQUENCE_GAP_MAX};
/// Window of a new envelope unless `--window-blocks` says otherwise, in blocks.
pub const WINDOW_BLOCKS_DEFAULT: u64 = 100;
/// An envelope whose window ends within this many blocks of the current height is signed again
/// rather than sent (it would likely miss its window on the way).
pub const STALE_MARGIN_BLOCKS: u64 = 2;

/// An envelope's place in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Its sequence number.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub sequence: u64,
    /// Its hash.
    pub hash: Hash,
}

impl Link {
    /// Before the first envelope: sequence 0, the zero hash.
    pub const GENESIS: Link = Link { sequence: 0, hash: Hash::ZERO };

    /// The link of a signed report.
    pub fn of(report: &SignedReport) -> Link {
        Link { sequence: report.envelope.sequence, hash: report.envelope.hash() }
    }
}

/// What signs: the title, the device key and how wide a window to give.
pub struct Signer<'a> {
    /// The title reported on.
    pub title: TitleId,
    /// The device key.
    pub key: &'a SigningKey,
    /// Window of new envelopes, in blocks (capped at [`REPORT_WINDOW_BLOCKS_MAX`]).
    pub window_blocks: u64,
}

/// The chain state, persisted with the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportChain {
    /// The ledger's last accepted envelope of this key, as last seen.
    pub accepted: Link,
    /// `prev_hash` of the next envelope.
    pub tip_hash: Hash,
    /// Sequence number of the next envelope.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub next_sequence: u64,
    /// Highest sequence number ever signed.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub highest_signed: u64,
    /// Highest sequence number ever sent to a node.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub highest_sent: u64,
    /// Highest `window_end` ever sent: past this height no sent envelope can be included.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub open_until: u64,
}

impl Default for ReportChain {
    fn default() -> ReportChain {
        ReportChain {
            accepted: Link::GENESIS,
            tip_hash: Hash::ZERO,
            next_sequence: 1,
            highest_signed: 0,
            highest_sent: 0,
            open_until: 0,
        }
    }
}

/// What a resync did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resync {
    /// The queue already continues the ledger's chain; `dropped` reports the ledger already held.
    InOrder {
        /// Reports dropped because the ledger is at or past them.
        dropped: usize,
    },
    /// The queued payloads were signed again from `first_sequence`, chained on the ledger.
    Resigned {
        /// Reports dropped because the ledger is at or past them.
        dropped: usize,
        /// Sequence number of the first re-signed report.
        first_sequence: u64,
        /// Reports re-signed.
        count: usize,
    },
    /// Earlier envelopes are still includable and skipping past them would exceed the ledger's
    /// gap limit: wait until the height passes `until_height`.
    Wait {
        /// The last height at which an earlier envelope could be included.
        until_height: u64,
    },
}

/// True when `report` should be signed again instead of sent at `height`.
pub fn is_stale(report: &SignedReport, height: u64) -> bool {
    report.envelope.window_end < height.saturating_add(STALE_MARGIN_BLOCKS)
}

impl ReportChain {
    /// Signs `payload` as the next envelope, valid from `height` for the signer's window.
    pub fn sign(&mut self, signer: &Signer<'_>, payload: Payload, height: u64) -> SignedReport {
        let window_end =
            height.saturating_add(signer.window_blocks.clamp(STALE_MARGIN_BLOCKS, REPORT_WINDOW_BLOCKS_MAX));
        let envelope = Envelope {
            title: signer.title,
            device_key: PublicKey::from_signing_key(signer.key),
            sequence: self.next_sequence,
            prev_hash: self.tip_hash,
            window_start: height,
            window_end,
            payload,
        };
        self.tip_hash = envelope.hash();
        self.highest_signed = self.highest_signed.max(self.next_sequence);
        self.next_sequence = self.next_sequence.saturating_add(1);
        envelope.sign(signer.key)
    }

    /// Records that `report` is about to be sent; returns true when that changed anything (and
    /// so must be saved before the request).
    pub fn mark_sent(&mut self, report: &SignedReport) -> bool {
        let env = &report.envelope;
        if env.sequence <= self.highest_sent && env.window_end <= self.open_until {
            return false;
        }
        self.highest_sent = self.highest_sent.max(env.sequence);
        self.open_until = self.open_until.max(env.window_end);
        true
    }

    /// Records that the ledger accepted `report`.
    pub fn confirm(&mut self, report: &SignedReport) {
        if report.envelope.sequence > self.accepted.sequence {
            self.accepted = Link::of(report);
        }
    }

    /// Gets back in step with the ledger, whose last accepted envelope of this key is `ledger`:
    /// drops queued reports it is at or past, and signs the rest again (from a number no
    /// includable envelope holds) unless they already continue its chain and are fresh.
    /// Every queued report but the head was never sent (the queue is sent in order).
    pub fn resync(
        &mut self,
        queue: &mut VecDeque<SignedReport>,
        ledger: Link,
        height: u64,
        signer: &Signer<'_>,
    ) -> Resync {
        let before = queue.len();
        while let Some(head) = queue.front() {
            if head.envelope.sequence > ledger.sequence {
                break;
            }
            if head.envelope.sequence == ledger.sequence && head.envelope.hash() != ledger.hash {
                tracing::error!(
                    sequence = ledger.sequence,
                    "the ledger holds a different envelope with this sequence number: another agent signs with this key"
                );
            }
            queue.pop_front();
        }
        let dropped = before - queue.len();
        self.accepted = ledger;
        let continues = match queue.front() {
            Some(first) => {
                first.envelope.prev_hash == ledger.hash
                    && first.envelope.sequence - ledger.sequence <= SEQUENCE_GAP_MAX
            }
            None => self.tip_hash == ledger.hash && self.next_sequence > ledger.sequence,
        };
        if continues && !queue.iter().any(|r| is_stale(r, height)) {
            return Resync::InOrder { dropped };
        }
        // At `height` the next block is `height + 1`; past `open_until` nothing sent is includable.
        let start = if height >= self.open_until {
            ledger.sequence.saturating_add(1)
        } else {
            self.highest_sent.max(ledger.sequence).saturating_add(1)
        };
        if start - ledger.sequence > SEQUENCE_GAP_MAX {
            return Resync::Wait { until_height: self.open_until };
        }
        self.tip_hash = ledger.hash;
        self.next_sequence = start;
        let payloads: Vec<Payload> = queue.drain(..).map(|r| r.envelope.payload).collect();
        let count = payloads.len();
        for payload in payloads {
            let report = self.sign(signer, payload, height);
            queue.push_back(report);
        }
        Resync::Resigned { dropped, first_sequence: start, count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::device::{MeterReading, Payload};

    fn meter(wh: u64) -> Payload {
        Payload::Meter(MeterReading { meter_wh: wh })
    }

    fn signer(key: &SigningKey) -> Signer<'_> {
        Signer { title: TitleId::from_index(0), key, window_blocks: 100 }
    }

    #[test]
    fn envelopes_chain_by_sequence_and_previous_hash_inside_their_window() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let reports: Vec<_> = (0..3).map(|i| chain.sign(&signer(&key), meter(i), 40 + i)).collect();
        assert_eq!(reports[0].envelope.prev_hash, Hash::ZERO);
        for (i, r) in reports.iter().enumerate() {
            assert_eq!(r.envelope.sequence, i as u64 + 1);
            assert_eq!((r.envelope.window_start, r.envelope.window_end), (40 + i as u64, 140 + i as u64));
            assert!(r.signature_valid());
        }
        assert_eq!(reports[1].envelope.prev_hash, reports[0].envelope.hash());
        assert_eq!(reports[2].envelope.prev_hash, reports[1].envelope.hash());
        assert_eq!((chain.next_sequence, chain.highest_signed, chain.highest_sent), (4, 3, 0));
        assert!(chain.mark_sent(&reports[2]));
        assert!(!chain.mark_sent(&reports[2]), "sending the same report again changes nothing");
        assert_eq!((chain.highest_sent, chain.open_until), (3, 142));
        assert_eq!(chain.tip_hash, reports[2].envelope.hash());
    }

    #[test]
    fn a_window_wider_than_the_ledger_allows_is_capped() {
        let key = SigningKey::from([1; 32]);
        let wide = Signer { window_blocks: 10_000, ..signer(&key) };
        let r = ReportChain::default().sign(&wide, meter(1), 5);
        assert_eq!(r.envelope.window_end - r.envelope.window_start, REPORT_WINDOW_BLOCKS_MAX);
    }

    #[test]
    fn after_a_crash_reports_the_ledger_already_holds_are_dropped_and_the_rest_kept() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let mut queue: VecDeque<_> = (0..3).map(|i| chain.sign(&signer(&key), meter(i), 10)).collect();
        let held = Link::of(&queue[0]);
        let kept = queue[1].clone();
        assert_eq!(chain.resync(&mut queue, held, 12, &signer(&key)), Resync::InOrder { dropped: 1 });
        assert_eq!(queue.front(), Some(&kept), "untouched: same bytes, same signature");
        assert_eq!(chain.accepted, held);
    }

    #[test]
    fn stale_reports_are_signed_again_and_may_reuse_numbers_once_no_window_is_open() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let mut queue: VecDeque<_> = (0..2).map(|i| chain.sign(&signer(&key), meter(i), 10)).collect();
        chain.mark_sent(&queue[0]);
        assert_eq!(chain.open_until, 110);
        let outcome = chain.resync(&mut queue, Link::GENESIS, 111, &signer(&key));
        assert_eq!(outcome, Resync::Resigned { dropped: 0, first_sequence: 1, count: 2 });
        assert_eq!(queue[0].envelope.window_start, 111);
        assert_eq!(queue[0].envelope.prev_hash, Hash::ZERO);
        assert_eq!(queue[0].envelope.payload, meter(0), "the payloads survive, in order");
        assert_eq!(queue[1].envelope.prev_hash, queue[0].envelope.hash());
    }

    #[test]
    fn while_a_sent_envelope_is_still_includable_its_number_is_never_signed_again() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let mut queue: VecDeque<_> = (0..3).map(|i| chain.sign(&signer(&key), meter(i), 10)).collect();
        // The first was sent, refused for its payload and dropped; the ledger still has nothing.
        chain.mark_sent(&queue[0]);
        let dropped = queue.pop_front().unwrap();
        let outcome = chain.resync(&mut queue, Link::GENESIS, 20, &signer(&key));
        assert_eq!(outcome, Resync::Resigned { dropped: 0, first_sequence: 2, count: 2 });
        let numbers: Vec<u64> = queue.iter().map(|r| r.envelope.sequence).collect();
        assert_eq!(numbers, [2, 3], "1 is never signed again; 2 and 3 were never sent, so they are reused");
        assert_eq!(queue[0].envelope.prev_hash, Hash::ZERO);
        assert_ne!(queue[0].envelope.hash(), dropped.envelope.hash());
    }

    #[test]
    fn a_gap_beyond_the_ledgers_limit_waits_for_old_windows_to_close() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let mut queue = VecDeque::new();
        for i in 0..=SEQUENCE_GAP_MAX {
            queue.push_back(chain.sign(&signer(&key), meter(i), 10));
        }
        // All were sent (and are pending somewhere) and the ledger took none.
        queue.iter().for_each(|r| {
            chain.mark_sent(r);
        });
        queue.pop_front();
        let before = chain.clone();
        assert_eq!(
            chain.resync(&mut queue, Link::GENESIS, 20, &signer(&key)),
            Resync::Wait { until_height: 110 }
        );
        assert_eq!((chain.tip_hash, chain.next_sequence), (before.tip_hash, before.next_sequence));
        let outcome = chain.resync(&mut queue, Link::GENESIS, 110, &signer(&key));
        assert!(matches!(outcome, Resync::Resigned { first_sequence: 1, .. }), "{outcome:?}");
    }

    #[test]
    fn an_empty_queue_on_another_tip_is_pointed_at_the_ledger() {
        let key = SigningKey::from([1; 32]);
        let mut chain = ReportChain::default();
        let ledger = Link { sequence: 7, hash: Hash([5; 32]) };
        let outcome = chain.resync(&mut VecDeque::new(), ledger, 3, &signer(&key));
        assert_eq!(outcome, Resync::Resigned { dropped: 0, first_sequence: 8, count: 0 });
        let next = chain.sign(&signer(&key), meter(1), 3);
        assert_eq!((next.envelope.sequence, next.envelope.prev_hash), (8, ledger.hash));
    }
}
