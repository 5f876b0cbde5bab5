//! The engine's reports of equivocation, turned into [`Evidence`] records and checked.
//!
//! Malachite keeps, per height, up to three conflicting pairs per validator of proposals and of
//! votes (same height, round and vote type; a different value), and hands them to the app with
//! `Finalized`. Each pair becomes one record here, but only after its checks pass: the signer is
//! in the validator set, both messages name the same height, round (and vote type), they differ,
//! and both signatures verify. A record that fails is logged and dropped, never stored.
//!
//! [`verify_evidence`] re-checks a record from its own fields alone, so a stored or published
//! record can be audited by anyone with the chain id.

use computefi_types::{Address, Hash, PublicKey as LedgerPublicKey};
use malachitebft_app_channel::app::consensus::MisbehaviorEvidence;
use malachitebft_app_channel::app::types::core::{
    NilOrVal, Round, SignedMessage, Validator as _, ValidatorSet as _, VoteType,
};
use malachitebft_signing_ed25519::{PublicKey, Signature};
use tracing::warn;

use super::context::{
    BlockId, ComputeFiContext as Ctx, ConsensusAddress, Height, Proposal, ValidatorSet, Vote,
};
use super::signing::{proposal_sign_bytes, vote_sign_bytes};
use crate::evidence::{Evidence, EvidenceKind, SignedValue};

/// Why a record is not evidence of equivocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The key does not belong to the named validator.
    #[error("the public key does not match the validator address {0}")]
    KeyMismatch(Address),
    /// Not a valid ed25519 key.
    #[error("the public key is not a valid ed25519 key")]
    InvalidKey,
    /// The two messages are the same: nothing conflicts.
    #[error("the two messages are identical")]
    NoConflict,
    /// A proposal for nil, which cannot be signed.
    #[error("a proposal names no block")]
    NilProposal,
    /// The two messages disagree on height, round, type or signer.
    #[error("the two messages are not for the same height, round and kind")]
    NotComparable,
    /// The signer is not a validator of this chain.
    #[error("{0} is not in the validator set")]
    UnknownValidator(Address),
    /// A signature does not verify.
    #[error("the {0} signature does not verify")]
    BadSignature(&'static str),
}

/// Checks that `e` proves equivocation on `chain_id`: the key is the validator's, both messages
/// are for the same height and round, they differ, and both signatures verify.
pub fn verify_evidence(chain_id: &str, e: &Evidence) -> Result<(), EvidenceError> {
    if Address::from_public_key(&e.public_key) != e.validator {
        return Err(EvidenceError::KeyMismatch(e.validator));
    }
    let key = PublicKey::from_bytes(e.public_key.0).map_err(|_| EvidenceError::InvalidKey)?;
    if e.first.value == e.second.value && e.first.pol_round == e.second.pol_round {
        return Err(EvidenceError::NoConflict);
    }
    for (which, part) in [("first", &e.first), ("second", &e.second)] {
        let bytes = sign_bytes(chain_id, e, part)?;
        if key.verify(&bytes, &Signature::from_bytes(part.signature)).is_err() {
            return Err(EvidenceError::BadSignature(which));
        }
    }
    Ok(())
}

/// The preimage the validator signed for one side of `e`.
fn sign_bytes(chain_id: &str, e: &Evidence, part: &SignedValue) -> Result<Vec<u8>, EvidenceError> {
    let (height, round, validator) = (Height(e.height), Round::new(e.round), ConsensusAddress(e.validator));
    let value = match part.value {
        Some(h) => NilOrVal::Val(h),
        None => NilOrVal::Nil,
    };
    let vote_type = match e.kind {
        EvidenceKind::DoublePrevote => VoteType::Prevote,
        EvidenceKind::DoublePrecommit => VoteType::Precommit,
        EvidenceKind::DoubleProposal => {
            let value = part.value.ok_or(EvidenceError::NilProposal)?;
            let pol_round = part.pol_round.map_or(Round::Nil, Round::new);
            let proposal = Proposal { height, round, value: BlockId(value), pol_round, proposer: validator };
            return Ok(proposal_sign_bytes(chain_id, &proposal));
        }
    };
    let vote = Vote { vote_type, height, round, value, validator, extension: None };
    Ok(vote_sign_bytes(chain_id, &vote))
}

/// The checked records of everything the engine reported for one height. Pairs that fail their
/// checks are logged and left out.
pub(crate) fn collect(
    chain_id: &str,
    validators: &ValidatorSet,
    reported: &MisbehaviorEvidence<Ctx>,
) -> Vec<Evidence> {
    let proposals =
        reported.proposals.iter().flat_map(|(_, pairs)| pairs).map(|(a, b)| proposal_pair(validators, a, b));
    let votes = reported.votes.iter().flat_map(|(_, pairs)| pairs).map(|(a, b)| vote_pair(validators, a, b));
    proposals
        .chain(votes)
        .filter_map(|r| match r.and_then(|e| verify_evidence(chain_id, &e).map(|()| e)) {
            Ok(e) => Some(e),
            Err(error) => {
                warn!(%error, "the engine reported equivocation that does not check out; not recording it");
                None
            }
        })
        .collect()
}

fn validator_key(
    validators: &ValidatorSet,
    address: &ConsensusAddress,
) -> Result<LedgerPublicKey, EvidenceError> {
    let v = validators.get_by_address(address).ok_or(EvidenceError::UnknownValidator(address.0))?;
    Ok(LedgerPublicKey(*v.public_key().as_bytes()))
}

fn signed(value: Option<Hash>, pol_round: Round, signature: &Signature) -> SignedValue {
    SignedValue { value, pol_round: pol_round.as_u32(), signature: signature.to_bytes() }
}

fn proposal_pair(
    validators: &ValidatorSet,
    a: &SignedMessage<Ctx, Proposal>,
    b: &SignedMessage<Ctx, Proposal>,
) -> Result<Evidence, EvidenceError> {
    let (p, q) = (&a.message, &b.message);
    if (p.height, p.round, p.proposer) != (q.height, q.round, q.proposer) {
        return Err(EvidenceError::NotComparable);
    }
    Ok(Evidence {
        kind: EvidenceKind::DoubleProposal,
        validator: p.proposer.0,
        public_key: validator_key(validators, &p.proposer)?,
        height: p.height.0,
        round: p.round.as_u32().ok_or(EvidenceError::NotComparable)?,
        first: signed(Some(p.value.0), p.pol_round, &a.signature),
        second: signed(Some(q.value.0), q.pol_round, &b.signature),
    }
    .canonical())
}

fn vote_pair(
    validators: &ValidatorSet,
    a: &SignedMessage<Ctx, Vote>,
    b: &SignedMessage<Ctx, Vote>,
) -> Result<Evidence, EvidenceError> {
    let (v, w) = (&a.message, &b.message);
    if (v.vote_type, v.height, v.round, v.validator) != (w.vote_type, w.height, w.round, w.validator) {
        return Err(EvidenceError::NotComparable);
    }
    let value = |n: &NilOrVal<Hash>| match n {
        NilOrVal::Val(h) => Some(*h),
        NilOrVal::Nil => None,
    };
    Ok(Evidence {
        kind: match v.vote_type {
            VoteType::Prevote => EvidenceKind::DoublePrevote,
            VoteType::Precommit => EvidenceKind::DoublePrecommit,
        },
        validator: v.validator.0,
        public_key: validator_key(validators, &v.validator)?,
        height: v.height.0,
        round: v.round.as_u32().ok_or(EvidenceError::NotComparable)?,
        first: signed(value(&v.value), Round::Nil, &a.signature),
        second: signed(value(&w.value), Round::Nil, &b.signature),
    }
    .canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::tests::{equivocating_height, seed_address, Equivocation};
    use crate::ledger::ValidatorInfo;

    const CHAIN: &str = "computefi-test";
    const SEEDS: [[u8; 32]; 4] = [[31; 32], [32; 32], [33; 32], [34; 32]];

    fn set() -> ValidatorSet {
        let infos: Vec<_> = SEEDS
            .iter()
            .map(|s| ValidatorInfo {
                public_key: LedgerPublicKey(
                    ed25519_consensus::SigningKey::from(*s).verification_key().to_bytes(),
                ),
                power: 1,
            })
            .collect();
        ValidatorSet::from_ledger(&infos).unwrap()
    }

    #[test]
    fn a_proposer_that_signs_two_blocks_and_two_prevotes_at_one_height_is_caught_by_the_engine() {
        let Equivocation { certificate, evidence, equivocator } = equivocating_height(CHAIN, &SEEDS);
        assert_eq!(certificate.height, Height(1), "the honest majority still decides");
        let records = collect(CHAIN, &set(), &evidence);
        let kinds: Vec<_> = records.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EvidenceKind::DoubleProposal, EvidenceKind::DoublePrevote]);
        for e in &records {
            assert_eq!(ConsensusAddress(e.validator), seed_address(&SEEDS[equivocator]));
            assert_eq!((e.height, e.round), (1, 0));
            assert_ne!(e.first.value, e.second.value);
            verify_evidence(CHAIN, e).unwrap();
        }
    }

    #[test]
    fn evidence_that_does_not_check_out_is_refused() {
        let Equivocation { evidence, .. } = equivocating_height(CHAIN, &SEEDS);
        let records = collect(CHAIN, &set(), &evidence);
        let good = records[1].clone();

        // Signed on another chain.
        assert_eq!(verify_evidence("other-chain", &good), Err(EvidenceError::BadSignature("first")));
        // A flipped bit in a signature.
        let mut bad = good.clone();
        bad.second.signature[0] ^= 1;
        assert_eq!(verify_evidence(CHAIN, &bad), Err(EvidenceError::BadSignature("second")));
        // The same message twice.
        let mut same = good.clone();
        same.second = same.first.clone();
        assert_eq!(verify_evidence(CHAIN, &same), Err(EvidenceError::NoConflict));
        // Blamed on someone else.
        let mut framed = good.clone();
        framed.validator = seed_address(&SEEDS[0]).0;
        if framed.validator == good.validator {
            framed.validator = seed_address(&SEEDS[1]).0;
        }
        assert!(matches!(verify_evidence(CHAIN, &framed), Err(EvidenceError::KeyMismatch(_))));
        // Reported by the engine for a validator outside the set: dropped, not recorded.
        let strangers = ValidatorSet::from_ledger(&[ValidatorInfo {
            public_key: LedgerPublicKey(
                ed25519_consensus::SigningKey::from([99; 32]).verification_key().to_bytes(),
            ),
            power: 1,
        }])
        .unwrap();
        assert!(collect(CHAIN, &strangers, &evidence).is_empty());
    }
}
