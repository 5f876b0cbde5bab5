//! Reassembly of proposal streams and the shape check of a complete stream.
//!
//! A proposer publishes one stream per proposal: `Data(Init)`, `Data(Data)`…, `Data(Fin)` and a
//! closing stream `Fin`, numbered from 0. Gossip may deliver them out of order, twice, or never.
//!
//! # Invariants
//! - At most [`STREAMS_MAX`] streams are buffered; a new stream evicts the oldest one.
//! - A stream holds at most [`STREAM_PARTS_MAX`] messages and [`STREAM_BYTES_MAX`] data bytes;
//!   a stream that exceeds either is dropped whole.
//! - Streams are keyed by (publisher, stream id), never by the relaying peer alone.

use std::collections::BTreeMap;

use bytes::Bytes;
use computefi_types::limits::BLOCK_BYTES_MAX;
use malachitebft_app_channel::app::streaming::{StreamContent, StreamId, StreamMessage};
use malachitebft_app_channel::app::types::PeerId;

use super::codec::PART_DATA_BYTES_MAX;
use super::context::{ProposalFin, ProposalInit, ProposalPart};

/// Most streams buffered at once.
pub const STREAMS_MAX: usize = 64;
/// Most messages in one stream: a maximal block in chunks, plus init, fin and the closing message.
pub const STREAM_PARTS_MAX: u64 = (BLOCK_BYTES_MAX / PART_DATA_BYTES_MAX) as u64 + 4;
/// Most data bytes in one stream.
pub const STREAM_BYTES_MAX: usize = BLOCK_BYTES_MAX;

struct Buffer {
    parts: BTreeMap<u64, StreamContent<ProposalPart>>,
    /// Sequence number of the closing message, once seen.
    end: Option<u64>,
    data_bytes: usize,
    /// Arrival order of the stream's first message, for eviction.
    opened: u64,
}

/// Buffers partial streams until they are complete.
#[derive(Default)]
pub struct PartStreams {
    streams: BTreeMap<(PeerId, StreamId), Buffer>,
    opened: u64,
}

/// Why a message was not buffered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// Sequence number beyond what any valid stream uses.
    #[error("sequence {0} is beyond the {STREAM_PARTS_MAX} messages of a stream")]
    SequenceTooHigh(u64),
    /// The stream carries more data than a block may hold.
    #[error("stream carries more than {STREAM_BYTES_MAX} bytes")]
    TooLarge,
    /// Messages disagree on where the stream ends.
    #[error("stream has a message after its end or two ends")]
    BadEnd,
}

impl PartStreams {
    /// Buffers `msg` from `publisher`; returns the stream's parts in order once it is complete.
    pub fn insert(
        &mut self,
        publisher: PeerId,
        msg: StreamMessage<ProposalPart>,
    ) -> Result<Option<Vec<ProposalPart>>, StreamError> {
        if msg.sequence >= STREAM_PARTS_MAX {
            return Err(StreamError::SequenceTooHigh(msg.sequence));
        }
        let key = (publisher, msg.stream_id.clone());
        if !self.streams.contains_key(&key) {
            self.evict_if_full();
            self.opened = self.opened.wrapping_add(1);
            let buffer = Buffer { parts: BTreeMap::new(), end: None, data_bytes: 0, opened: self.opened };
            self.streams.insert(key.clone(), buffer);
        }
        let result = match self.streams.get_mut(&key) {
            Some(buffer) => buffer.add(msg),
            None => Ok(false),
        };
        match result {
            Ok(false) => Ok(None),
            Ok(true) => Ok(self.streams.remove(&key).map(Buffer::into_parts)),
            Err(e) => {
                self.streams.remove(&key);
                Err(e)
            }
        }
    }

    /// Number of streams buffered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    fn evict_if_full(&mut self) {
        while self.streams.len() >= STREAMS_MAX {
            let oldest = self.streams.iter().min_by_key(|(_, b)| b.opened).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.streams.remove(&k);
                }
                None => return,
            }
        }
    }
}

impl Buffer {
    /// Adds a message; `Ok(true)` when the stream is complete.
    fn add(&mut self, msg: StreamMessage<ProposalPart>) -> Result<bool, StreamError> {
        if self.parts.contains_key(&msg.sequence) {
            return Ok(false); // a duplicate delivery
        }
        if let StreamContent::Fin = msg.content {
            if self.end.is_some() || self.parts.keys().any(|&s| s > msg.sequence) {
                return Err(StreamError::BadEnd);
            }
            self.end = Some(msg.sequence);
        } else if self.end.is_some_and(|end| msg.sequence > end) {
            return Err(StreamError::BadEnd);
        }
        if let StreamContent::Data(ProposalPart::Data(data)) = &msg.content {
            self.data_bytes = self.data_bytes.saturating_add(data.len());
            if self.data_bytes > STREAM_BYTES_MAX {
                return Err(StreamError::TooLarge);
            }
        }
        self.parts.insert(msg.sequence, msg.content);
        // Complete when the end is known and every sequence number up to it is present.
        Ok(self.end.is_some_and(|end| self.parts.len() as u64 == end.saturating_add(1)))
    }

    fn into_parts(self) -> Vec<ProposalPart> {
        self.parts.into_values().filter_map(StreamContent::into_data).collect()
    }
}

/// A complete proposal stream, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledProposal {
    /// The init part.
    pub init: ProposalInit,
    /// The block bytes, concatenated from the data parts.
    pub block_bytes: Bytes,
    /// The fin part.
    pub fin: ProposalFin,
}

/// Why a complete stream is not a proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// Parts out of the Init, Data…, Fin order.
    #[error("a proposal stream must be one Init, then Data parts, then one Fin")]
    BadOrder,
}

/// Checks the part order and concatenates the block bytes.
pub fn assemble(parts: Vec<ProposalPart>) -> Result<AssembledProposal, ShapeError> {
    let mut iter = parts.into_iter();
    let Some(ProposalPart::Init(init)) = iter.next() else {
        return Err(ShapeError::BadOrder);
    };
    let mut block_bytes = Vec::new();
    while let Some(part) = iter.next() {
        match part {
            ProposalPart::Data(data) => block_bytes.extend_from_slice(&data),
            ProposalPart::Fin(fin) if iter.next().is_none() => {
                return Ok(AssembledProposal { init, block_bytes: block_bytes.into(), fin })
            }
            ProposalPart::Fin(_) | ProposalPart::Init(_) => return Err(ShapeError::BadOrder),
        }
    }
    Err(ShapeError::BadOrder)
}

/// Splits a proposal into the parts to publish: init, data chunks, fin.
pub fn split(init: ProposalInit, block_bytes: &Bytes, fin: ProposalFin) -> Vec<ProposalPart> {
    let mut parts = Vec::with_capacity(block_bytes.len() / PART_DATA_BYTES_MAX + 3);
    parts.push(ProposalPart::Init(init));
    let mut offset = 0;
    while offset < block_bytes.len() {
        let end = block_bytes.len().min(offset + PART_DATA_BYTES_MAX);
        parts.push(ProposalPart::Data(block_bytes.slice(offset..end)));
        offset = end;
    }
    parts.push(ProposalPart::Fin(fin));
    parts
}

/// Wraps parts into stream messages numbered from 0, closed by a stream `Fin`.
pub fn to_stream(stream_id: StreamId, parts: Vec<ProposalPart>) -> Vec<StreamMessage<ProposalPart>> {
    let mut msgs: Vec<_> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| StreamMessage::new(stream_id.clone(), i as u64, StreamContent::Data(p)))
        .collect();
    let end = msgs.len() as u64;
    msgs.push(StreamMessage::new(stream_id, end, StreamContent::Fin));
    msgs
}

/// A peer id derived from `n`, for tests.
#[cfg(test)]
pub(crate) fn test_peer(n: u8) -> PeerId {
    use malachitebft_app_channel::app::types::Keypair;
    let key = Keypair::ed25519_from_bytes([n; 32]).expect("32 bytes are an ed25519 seed");
    PeerId::from_bytes(&key.public().to_peer_id().to_bytes()).expect("a libp2p peer id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::context::{ConsensusAddress, Height};
    use computefi_types::Address;
    use malachitebft_app_channel::app::types::core::Round;
    use malachitebft_signing_ed25519::Signature;

    fn init() -> ProposalInit {
        ProposalInit {
            height: Height(1),
            round: Round::new(0),
            pol_round: Round::Nil,
            proposer: ConsensusAddress(Address([1; 20])),
        }
    }

    fn fin() -> ProposalFin {
        ProposalFin { signature: Signature::from_bytes([2; 64]) }
    }

    fn stream(bytes: &Bytes, id: u8) -> Vec<StreamMessage<ProposalPart>> {
        to_stream(StreamId::new(Bytes::from(vec![id])), split(init(), bytes, fin()))
    }

    #[test]
    fn a_stream_delivered_out_of_order_and_twice_reassembles_once() {
        let block: Bytes = (0..(PART_DATA_BYTES_MAX * 2 + 10)).map(|i| i as u8).collect();
        let mut msgs = stream(&block, 1);
        assert_eq!(msgs.len(), 1 + 3 + 1 + 1, "init, three chunks, fin, end of stream");
        msgs.reverse();
        let peer = test_peer(1);
        let mut streams = PartStreams::default();
        let mut done = Vec::new();
        for m in &msgs {
            for _ in 0..2 {
                if let Some(parts) = streams.insert(peer, m.clone()).unwrap() {
                    done.push(assemble(parts).unwrap());
                }
            }
        }
        assert_eq!(done.len(), 1, "a duplicate after completion opens a new partial stream only");
        assert_eq!(streams.len(), 1);
        assert_eq!(done[0].block_bytes, block);
        assert_eq!(done[0].init, init());
    }

    #[test]
    fn streams_from_two_publishers_with_one_id_do_not_mix() {
        let (a, b) = (test_peer(1), test_peer(2));
        let mut streams = PartStreams::default();
        let sa = stream(&Bytes::from_static(b"aaa"), 1);
        let sb = stream(&Bytes::from_static(b"bbb"), 1);
        let mut out = Vec::new();
        for (ma, mb) in sa.into_iter().zip(sb) {
            out.extend(streams.insert(a, ma).unwrap());
            out.extend(streams.insert(b, mb).unwrap());
        }
        let blocks: Vec<_> = out.into_iter().map(|p| assemble(p).unwrap().block_bytes).collect();
        assert_eq!(blocks, vec![Bytes::from_static(b"aaa"), Bytes::from_static(b"bbb")]);
    }

    #[test]
    fn hostile_streams_are_bounded() {
        let peer = test_peer(1);
        let mut streams = PartStreams::default();
        let id = StreamId::new(Bytes::from_static(&[1]));
        let far = StreamMessage::new(id.clone(), STREAM_PARTS_MAX, StreamContent::Fin);
        assert!(streams.insert(peer, far).is_err());
        for i in 0..(STREAMS_MAX as u8 + 10) {
            let m = StreamMessage::new(
                StreamId::new(Bytes::from(vec![i])),
                1,
                StreamContent::Data(ProposalPart::Data(Bytes::from_static(b"x"))),
            );
            assert_eq!(streams.insert(peer, m), Ok(None));
        }
        assert_eq!(streams.len(), STREAMS_MAX);
        // Two ends, or data after the end, drop the stream.
        let end = StreamMessage::new(id.clone(), 2, StreamContent::Fin);
        assert_eq!(streams.insert(peer, end.clone()), Ok(None));
        let late = StreamMessage::new(id, 5, StreamContent::Data(ProposalPart::Fin(fin())));
        assert_eq!(streams.insert(peer, late), Err(StreamError::BadEnd));
    }

    #[test]
    fn misordered_parts_are_not_a_proposal() {
        assert_eq!(assemble(vec![]), Err(ShapeError::BadOrder));
        assert_eq!(
            assemble(vec![ProposalPart::Fin(fin()), ProposalPart::Init(init())]),
            Err(ShapeError::BadOrder)
        );
        assert_eq!(assemble(vec![ProposalPart::Init(init())]), Err(ShapeError::BadOrder));
        let ok = assemble(vec![ProposalPart::Init(init()), ProposalPart::Fin(fin())]).unwrap();
        assert!(ok.block_bytes.is_empty());
    }
}
